/**
 * Model names and their versions (MLflow's registered models, kept in MLMD terms): which
 * versions a name has, the run and data behind each, where each is served, and the aliases
 * (`production` → 3) with who set them and when. The layout is described in
 * model/model-version-properties.ts; versions are numbered by the store (putLineage).
 */
import { MLMETA_TYPES } from '../model/base-types.js';
import { INPUT_EVENT_TYPES } from '../model/enums.js';
import { MODEL_VERSION_PROPERTIES as P } from '../model/model-version-properties.js';
import { RUN_PROPERTIES } from '../model/run-properties.js';
import type { Artifact, Context, Execution } from '../model/schemas.js';
import { MlmetaError } from '../store/errors.js';
import type { MetadataStore } from '../store/store.js';
import { type RunStatus, runStatus } from '../tracker/status.js';
import { SERVE_PROPERTIES, servingEnd } from './deployed.js';
import { producerByArtifact } from './producer.js';

/**
 * An alias of a model: a name for one of its versions, with who set it and when.
 *
 * @example
 * const alias: ModelAlias = { alias: 'production', version: 3, setBy: 'alice', setAt: Date.now() };
 */
export interface ModelAlias {
  alias: string;
  version: number;
  /** The OS user that set it. */
  setBy?: string;
  setAt?: number;
}

/**
 * One serving of a model version: a Serve execution that loaded its artifact.
 *
 * @example
 * for (const s of version.servedOn) console.log(s.host, s.status, new Date(s.since));
 */
export interface ModelServing {
  host: string;
  status: RunStatus;
  since: number;
  /** When it stopped serving; absent while it serves. */
  until?: number;
  serve: Execution;
}

/**
 * One version of a model: its artifact, the run that produced it, that run's inputs, and where
 * it is served.
 *
 * @example
 * console.log(`${v.model} v${v.version}`, v.producer?.name, v.inputs.map((a) => a.uri));
 */
export interface ModelVersion {
  model: string;
  version: number;
  /** When the store numbered it (ms since epoch). */
  createdAt?: number;
  /** Absent when the version's artifact was deleted from the store. */
  artifact?: Artifact;
  /** The latest execution that output the artifact. */
  producer?: Execution;
  /** What that execution read (datasets, a base model). */
  inputs: Artifact[];
  servedOn: ModelServing[];
  aliases: string[];
}

/**
 * A model name and its versions, oldest first.
 *
 * @example
 * const [iris] = await listModels(store, { name: 'iris' });
 * console.log(iris.latestVersion, iris.aliases);
 */
export interface RegisteredModel {
  name: string;
  context: Context;
  latestVersion: number;
  versions: ModelVersion[];
  aliases: ModelAlias[];
}

const isInput = (type: string) => (INPUT_EVENT_TYPES as readonly string[]).includes(type);

/** version number → artifact key, and the aliases, from a RegisteredModel context. */
function readContext(context: Context): {
  versions: Map<number, { key: string; createdAt?: number }>;
  aliases: ModelAlias[];
} {
  const props = context.customProperties;
  const versions = new Map<number, { key: string; createdAt?: number }>();
  const aliases: ModelAlias[] = [];
  for (const [name, value] of Object.entries(props)) {
    const version = /^version\.(\d+)$/.exec(name);
    if (version && typeof value === 'string') {
      const time = props[`${name}.time`];
      versions.set(Number(version[1]), {
        key: value,
        ...(typeof time === 'number' ? { createdAt: time } : {}),
      });
      continue;
    }
    const alias = /^alias\.([^.]+)$/.exec(name);
    if (alias && typeof value === 'number') {
      const setBy = props[`${name}.set_by`];
      const setAt = props[`${name}.set_at`];
      aliases.push({
        alias: alias[1]!,
        version: value,
        ...(typeof setBy === 'string' ? { setBy } : {}),
        ...(typeof setAt === 'number' ? { setAt } : {}),
      });
    }
  }
  aliases.sort((a, b) => a.alias.localeCompare(b.alias));
  return { versions, aliases };
}

function startOf(execution: Execution): number {
  const start = execution.customProperties[RUN_PROPERTIES.startTime];
  return typeof start === 'number' ? start : execution.createTimeSinceEpoch;
}

async function byIds<T extends { id: number }>(
  ids: number[],
  read: (ids: number[]) => Promise<{ items: T[] }>,
): Promise<Map<number, T>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  return new Map((await read(unique)).items.map((node) => [node.id, node]));
}

/**
 * Every model name (or only `name`) with its versions, the producing run and its inputs, and
 * where each version is served; names sorted. A handful of batched reads, whatever the count.
 *
 * @example
 * for (const model of await listModels(store))
 *   for (const v of model.versions) console.log(model.name, v.version, v.producer?.name);
 */
export async function listModels(
  store: MetadataStore,
  query: { name?: string } = {},
): Promise<RegisteredModel[]> {
  const contexts = (
    await store.getContexts({
      type: MLMETA_TYPES.registeredModel,
      ...(query.name === undefined ? {} : { externalIds: [`model:${query.name}`] }),
      orderBy: 'id',
      limit: 10_000,
    })
  ).items;
  if (contexts.length === 0) return [];
  const read = contexts.map((context) => ({ context, ...readContext(context) }));
  const keys = [...new Set(read.flatMap((r) => [...r.versions.values()].map((v) => v.key)))];
  const byExternalId = keys.filter((k) => !k.startsWith('#'));
  const byId = keys.filter((k) => k.startsWith('#')).map((k) => Number(k.slice(1)));
  const [external, internal] = await Promise.all([
    byExternalId.length === 0
      ? []
      : store.getArtifacts({ externalIds: byExternalId, limit: byExternalId.length }).then((p) => p.items),
    byId.length === 0 ? [] : store.getArtifacts({ ids: byId, limit: byId.length }).then((p) => p.items),
  ]);
  const artifactOf = new Map<string, Artifact>();
  for (const a of external) if (a.externalId) artifactOf.set(a.externalId, a);
  for (const a of internal) artifactOf.set(`#${a.id}`, a);
  const artifactIds = [...artifactOf.values()].map((a) => a.id);
  const events = artifactIds.length === 0 ? [] : await store.getEvents({ artifactIds });
  const executions = await byIds(
    events.map((e) => e.executionId),
    (ids) => store.getExecutions({ ids, limit: ids.length }),
  );
  // Output events name the producer (see producer.ts); inputs of Serve executions are servings.
  const producerOf = producerByArtifact(events, (id) => executions.get(id)?.type);
  const servingsOf = new Map<number, Execution[]>();
  for (const event of events) {
    if (isInput(event.type)) {
      const execution = executions.get(event.executionId);
      if (execution?.type === MLMETA_TYPES.serve) {
        const list = servingsOf.get(event.artifactId) ?? [];
        list.push(execution);
        servingsOf.set(event.artifactId, list);
      }
    }
  }
  const producerIds = [...producerOf.values()];
  const producerEvents =
    producerIds.length === 0 ? [] : await store.getEvents({ executionIds: [...new Set(producerIds)] });
  const inputsOf = new Map<number, number[]>();
  for (const event of producerEvents) {
    if (!isInput(event.type)) continue;
    inputsOf.set(event.executionId, [...(inputsOf.get(event.executionId) ?? []), event.artifactId]);
  }
  const inputArtifacts = await byIds([...inputsOf.values()].flat(), (ids) =>
    store.getArtifacts({ ids, limit: ids.length }),
  );

  const models = read.map(({ context, versions, aliases }): RegisteredModel => {
    const list = [...versions.entries()]
      .sort(([a], [b]) => a - b)
      .map(([version, { key, createdAt }]): ModelVersion => {
        const artifact = artifactOf.get(key);
        const produced = artifact ? producerOf.get(artifact.id) : undefined;
        const producer = produced === undefined ? undefined : executions.get(produced);
        const servedOn = (artifact ? (servingsOf.get(artifact.id) ?? []) : [])
          .map((serve): ModelServing => {
            const until = servingEnd(serve);
            const host = serve.customProperties[SERVE_PROPERTIES.host];
            return {
              host: typeof host === 'string' ? host : 'unknown',
              status: runStatus(serve),
              since: startOf(serve),
              ...(until === undefined ? {} : { until }),
              serve,
            };
          })
          .sort((a, b) => b.since - a.since);
        return {
          model: context.name ?? '',
          version,
          ...(createdAt === undefined ? {} : { createdAt }),
          ...(artifact ? { artifact } : {}),
          ...(producer ? { producer } : {}),
          inputs: producer
            ? (inputsOf.get(producer.id) ?? []).flatMap((id) =>
                inputArtifacts.has(id) ? [inputArtifacts.get(id)!] : [],
              )
            : [],
          servedOn,
          aliases: aliases.filter((a) => a.version === version).map((a) => a.alias),
        };
      });
    const latest = context.customProperties[P.latest];
    return {
      name: context.name ?? '',
      context,
      latestVersion: typeof latest === 'number' ? latest : (list.at(-1)?.version ?? 0),
      versions: list,
      aliases,
    };
  });
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

/** Alias names: a letter first, then letters, digits, `_`, `-`; `latest` is reserved. */
const ALIAS = /^[A-Za-z][\w-]{0,99}$/;

/**
 * Points `alias` of model `model` at `version`, recording who set it and when. Moving an alias
 * overwrites it (the previous version is not kept). Throws NOT_FOUND for an unknown model or
 * version, INVALID_ARGUMENT for a malformed alias.
 *
 * @example
 * await setModelAlias(store, { model: 'iris', alias: 'production', version: 3, setBy: 'alice' });
 */
export async function setModelAlias(
  store: MetadataStore,
  request: { model: string; alias: string; version: number; setBy?: string; setAt?: number },
): Promise<ModelAlias> {
  const { model, alias, version } = request;
  if (!ALIAS.test(alias) || alias === 'latest') {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `"${alias}" is not an alias name: use a letter followed by letters, digits, _ or - (for example production); "latest" is reserved for the newest version`,
    );
  }
  const [found] = await listModels(store, { name: model });
  if (!found) throw new MlmetaError('NOT_FOUND', `no model named ${model} (see mlmeta models)`);
  if (!found.versions.some((v) => v.version === version)) {
    throw new MlmetaError(
      'NOT_FOUND',
      `model ${model} has no version ${version}; its versions are ${found.versions.map((v) => v.version).join(', ')}`,
    );
  }
  const setAt = request.setAt ?? Date.now();
  const name = `${P.aliasPrefix}${alias}`;
  await store.putLineage({
    contexts: [
      {
        type: MLMETA_TYPES.registeredModel,
        id: found.context.id,
        name: found.name,
        customProperties: {
          [name]: version,
          [`${name}.set_at`]: setAt,
          ...(request.setBy ? { [`${name}.set_by`]: request.setBy } : {}),
        },
      },
    ],
  });
  return { alias, version, setAt, ...(request.setBy ? { setBy: request.setBy } : {}) };
}

/**
 * The model version `ref` names: `iris` (the latest), `iris@3` (version 3), `iris@production`
 * (an alias) or `iris@latest`. Undefined when the model or the version does not exist; throws
 * NOT_FOUND naming the aliases when the alias does not.
 *
 * @example
 * const v = await resolveModelVersion(store, 'iris@production');
 * console.log(v?.version, v?.artifact?.uri);
 */
export async function resolveModelVersion(
  store: MetadataStore,
  ref: string,
): Promise<ModelVersion | undefined> {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const which = at > 0 ? ref.slice(at + 1) : 'latest';
  const [model] = await listModels(store, { name });
  if (!model) return undefined;
  if (which === 'latest') return model.versions.at(-1);
  const number = /^v?(\d+)$/.exec(which);
  if (number) return model.versions.find((v) => v.version === Number(number[1]));
  const alias = model.aliases.find((a) => a.alias === which);
  if (!alias) {
    const known = model.aliases.map((a) => a.alias);
    throw new MlmetaError(
      'NOT_FOUND',
      `model ${name} has no alias ${which}${known.length > 0 ? `; its aliases are ${known.join(', ')}` : ''} (set one with mlmeta model alias ${name} ${which} <version>)`,
    );
  }
  return model.versions.find((v) => v.version === alias.version);
}
