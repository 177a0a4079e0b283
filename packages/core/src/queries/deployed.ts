/**
 * "Which models are deployed, where, and where did they come from?" — the latest Serve execution
 * per (model, host, content), with the model artifact it loaded, its model version, and the run
 * that produced it. A serve whose execution is RUNNING is live; every other one has ended.
 */

import { MLMETA_TYPES } from '../model/base-types.js';
import { INPUT_EVENT_TYPES, OUTPUT_EVENT_TYPES } from '../model/enums.js';
import { MODEL_VERSION_PROPERTIES } from '../model/model-version-properties.js';
import { RUN_PROPERTIES } from '../model/run-properties.js';
import type { Artifact, Execution } from '../model/schemas.js';
import type { MetadataStore } from '../store/store.js';
import { type RunStatus, runStatus } from '../tracker/status.js';
import { producerByArtifact } from './producer.js';

/** Custom properties a serving integration (@mlmeta/onnx) writes on its Serve execution. */
export const SERVE_PROPERTIES = {
  /** Where the model was loaded from (absolute path), absent for in-memory models. */
  modelUri: 'serve.model_uri',
  /** A display name: the file name, else the graph name. */
  modelName: 'serve.model_name',
  /** 'sha256:<hex>' of the model bytes: the Model artifact's external id. */
  modelDigest: 'serve.model_digest',
  host: 'serve.host',
} as const;

/**
 * Which deployments `deployedModels` reports.
 *
 * @example
 * await deployedModels(store, { model: 'model.onnx', host: 'web-1' });
 */
export interface DeployedModelsQuery {
  /**
   * Only models whose uri, name, digest or model name (`mlmeta models`) equals this, or whose uri
   * ends with `/<model>`.
   */
  model?: string;
  /** Only this host name. */
  host?: string;
  /** Read at most this many Serve executions, newest first; default 10,000. */
  scanLimit?: number;
}

/**
 * A model being (or last) served on a host: since when, by which Serve run, made by which run.
 *
 * @example
 * for (const d of await deployedModels(store)) console.log(d.model, d.host, d.status, d.producer?.name);
 */
export interface DeployedModel {
  /** What the serving is grouped by: the model's uri, else its name, else its digest. */
  model: string;
  host: string;
  /** The latest Serve execution for this (model, host). */
  serve: Execution;
  startTime: number;
  /** Its state; 'LOST' when RUNNING but its heartbeat stopped (the process died unseen). */
  status: RunStatus;
  /** Serving now: the serve is RUNNING with a live heartbeat. */
  live: boolean;
  /** When it stopped serving (its end, else its last heartbeat); absent while live. */
  endTime?: number;
  /** The model version it serves (see `listModels`), when the model has a name. */
  version?: { model: string; version: number };
  /** The Model artifact the serve loaded (INPUT event), when recorded. */
  modelArtifact?: Artifact;
  /** The execution that output this model (OUTPUT event), e.g. the training or export run. */
  producer?: Execution;
}

const PAGE = 1000;

function text(execution: Execution, name: string): string | undefined {
  const value = execution.customProperties[name] ?? execution.properties[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function matchesModel(wanted: string, uri?: string, name?: string, digest?: string): boolean {
  return wanted === uri || wanted === name || wanted === digest || (uri?.endsWith(`/${wanted}`) ?? false);
}

/**
 * When a Serve execution stopped serving: its recorded end, else (a LOST serve) its last
 * heartbeat; undefined while it serves.
 *
 * @example
 * const until = servingEnd(serve);
 */
export function servingEnd(execution: Execution): number | undefined {
  if (runStatus(execution) === 'RUNNING') return undefined;
  const end =
    execution.customProperties[RUN_PROPERTIES.endTime] ??
    execution.customProperties[RUN_PROPERTIES.heartbeat];
  return typeof end === 'number' ? end : execution.lastUpdateTimeSinceEpoch;
}

function startTimeOf(execution: Execution): number {
  const start = execution.customProperties[RUN_PROPERTIES.startTime];
  return typeof start === 'number' ? start : execution.createTimeSinceEpoch;
}

/**
 * The latest Serve execution per (model, host), newest first, with the model artifact and the
 * run that produced it when known.
 *
 * @example
 * for (const d of await deployedModels(store, { host: 'web-1' }))
 *   console.log(d.model, d.status, d.producer?.name);
 */
export async function deployedModels(
  store: MetadataStore,
  query: DeployedModelsQuery = {},
): Promise<DeployedModel[]> {
  const scanLimit = query.scanLimit ?? 10_000;
  const latest = new Map<string, DeployedModel>();
  let pageToken: string | undefined;
  let scanned = 0;
  do {
    const page = await store.getExecutions({
      type: MLMETA_TYPES.serve,
      orderBy: 'createTime',
      descending: true,
      limit: Math.min(PAGE, scanLimit - scanned),
      pageToken,
    });
    for (const serve of page.items) {
      const uri = text(serve, SERVE_PROPERTIES.modelUri);
      const name = text(serve, SERVE_PROPERTIES.modelName);
      const digest = text(serve, SERVE_PROPERTIES.modelDigest);
      const host = text(serve, SERVE_PROPERTIES.host) ?? 'unknown';
      const model = uri ?? name ?? digest ?? `serve:${serve.id}`;
      if (query.host !== undefined && host !== query.host) continue;
      // Each content served at a path is its own deployment: v1 ended when v2 replaced it.
      const key = `${model}\u0000${host}\u0000${digest ?? ''}`;
      const known = latest.get(key);
      if (known === undefined || startTimeOf(serve) > known.startTime) {
        const status = runStatus(serve);
        const endTime = servingEnd(serve);
        latest.set(key, {
          model,
          host,
          serve,
          startTime: startTimeOf(serve),
          status,
          live: status === 'RUNNING',
          ...(endTime === undefined ? {} : { endTime }),
        });
      }
    }
    scanned += page.items.length;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined && scanned < scanLimit);

  const deployed = [...latest.values()].sort((a, b) => b.startTime - a.startTime);
  await attachModels(store, deployed);
  if (query.model === undefined) return deployed;
  const wanted = query.model;
  return deployed.filter(
    (d) =>
      d.version?.model === wanted ||
      matchesModel(
        wanted,
        text(d.serve, SERVE_PROPERTIES.modelUri),
        text(d.serve, SERVE_PROPERTIES.modelName),
        text(d.serve, SERVE_PROPERTIES.modelDigest),
      ),
  );
}

/** Fills in each entry's model artifact and producer with three batched reads. */
async function attachModels(store: MetadataStore, deployed: DeployedModel[]): Promise<void> {
  if (deployed.length === 0) return;
  const serveEvents = await store.getEvents({ executionIds: deployed.map((d) => d.serve.id) });
  const modelOf = new Map<number, number>();
  for (const event of serveEvents) {
    if ((INPUT_EVENT_TYPES as readonly string[]).includes(event.type))
      modelOf.set(event.executionId, event.artifactId);
  }
  const modelIds = [...new Set(modelOf.values())];
  if (modelIds.length === 0) return;
  const [models, modelEvents] = await Promise.all([
    store.getArtifacts({ ids: modelIds, limit: modelIds.length }),
    store.getEvents({ artifactIds: modelIds }),
  ]);
  const artifacts = new Map(models.items.map((a) => [a.id, a]));
  // Every execution that output one of the models: which of them made it is producer.ts's rule.
  const producerIds = [
    ...new Set(
      modelEvents
        .filter((event) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(event.type))
        .map((event) => event.executionId),
    ),
  ];
  const producers =
    producerIds.length === 0
      ? new Map<number, Execution>()
      : new Map(
          (await store.getExecutions({ ids: producerIds, limit: producerIds.length })).items.map((e) => [
            e.id,
            e,
          ]),
        );
  const producerOf = producerByArtifact(modelEvents, (id) => producers.get(id)?.type);
  for (const entry of deployed) {
    const modelId = modelOf.get(entry.serve.id);
    if (modelId === undefined) continue;
    entry.modelArtifact = artifacts.get(modelId);
    const name = entry.modelArtifact?.customProperties[MODEL_VERSION_PROPERTIES.artifactName];
    const version = entry.modelArtifact?.customProperties[MODEL_VERSION_PROPERTIES.artifactVersion];
    if (typeof name === 'string' && typeof version === 'number') entry.version = { model: name, version };
    const producer = producerOf.get(modelId);
    if (producer !== undefined) entry.producer = producers.get(producer);
  }
}
