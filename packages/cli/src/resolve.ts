/**
 * Finding the run or artifact a user means: by numeric id, external id, name, run name or uri,
 * else by a unique prefix. Nothing found gives "no run named X" and the closest names.
 */
import {
  type Artifact,
  type Execution,
  type MetadataStore,
  RUN_PROPERTIES,
  resolveModelVersion,
} from '@mlmeta/core/read';
import { CliError } from './context.js';

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/** Up to `count` candidates nearest to `wanted`, nearest first. */
export function closest(wanted: string, candidates: Iterable<string>, count = 3): string[] {
  const scored = [...new Set(candidates)].map((c) => ({ c, d: editDistance(wanted, c) }));
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  const limit = Math.max(3, Math.ceil(wanted.length * 0.6));
  return scored
    .filter((s) => s.d <= limit)
    .slice(0, count)
    .map((s) => s.c);
}

/** A filter string literal: quotes and backslashes escaped. */
export const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A LIKE prefix pattern with the user's % and _ taken literally. */
const prefixPattern = (text: string) => literal(`${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

/**
 * The name a run is shown by: its stored name, unique per type (`train-good`, `train-good-2` for
 * a second run given the same name), which show, diff and `--filter "name = '…'"` all accept.
 */
export const runName = (e: Execution): string => {
  const given = e.customProperties[RUN_PROPERTIES.runName];
  return e.name ?? (typeof given === 'string' ? given : `#${e.id}`);
};

function notFound(kind: 'run' | 'artifact', ref: string, names: string[]): CliError {
  const near = closest(ref, names);
  const hint = near.length > 0 ? `; closest: ${near.join(', ')}` : '';
  const list = kind === 'run' ? 'mlmeta runs' : 'mlmeta lineage <run>';
  return new CliError(`no ${kind} named ${ref}${hint} (see ${list})`);
}

function ambiguous(kind: string, ref: string, labels: string[]): CliError {
  return new CliError(
    `${kind} "${ref}" is ambiguous: it matches ${labels.slice(0, 5).join(', ')}${labels.length > 5 ? ', ...' : ''}; give more of it or the numeric id`,
  );
}

/**
 * A bare number that is both a run id and an artifact id names neither: the error lists both
 * spellings, so the user says which one (`mlmeta runs` shows run ids, lineage shows both).
 *
 * @example
 * await rejectAmbiguousNumber(store, '3'); // throws: "3" is both run:3 (...) and artifact:3 (...)
 */
export async function rejectAmbiguousNumber(store: MetadataStore, ref: string): Promise<void> {
  if (!/^\d+$/.test(ref)) return;
  const id = Number(ref);
  const [run, artifact] = await Promise.all([store.getExecution({ id }), store.getArtifact({ id })]);
  if (!run || !artifact) return;
  const what = artifact.name ?? artifact.uri ?? artifact.externalId;
  throw new CliError(
    `"${ref}" is both a run and an artifact: write run:${id} (${run.type} ${runName(run)}) or artifact:${id} (${artifact.type}${what ? ` ${what}` : ''})`,
    2,
  );
}

/**
 * The execution `ref` names: by id, external id, shown name (unique per type), given run name
 * (several runs given one name: the newest), else a unique prefix.
 *
 * @example
 * const run = await resolveRun(store, 'train-2025');
 */
export async function resolveRun(store: MetadataStore, ref: string): Promise<Execution> {
  const found = await findRun(store, ref);
  if (found) return found;
  const recent = await store.getExecutions({ orderBy: 'id', descending: true, limit: 1000 });
  throw notFound(
    'run',
    ref,
    recent.items.flatMap((e) => [runName(e), ...(e.name ? [e.name] : [])]),
  );
}

export async function findRun(store: MetadataStore, ref: string): Promise<Execution | undefined> {
  const bare = ref.replace(/^run:/, '');
  if (/^\d+$/.test(bare)) {
    const byId = await store.getExecution({ id: Number(bare) });
    if (byId) return byId;
  }
  const byExternal = await store.getExecution({ externalId: ref });
  if (byExternal) return byExternal;
  // The name shown (unique per type) first; then the name given, which repeats: the newest.
  for (const filter of [
    `name = ${literal(bare)}`,
    `custom_properties.\`${RUN_PROPERTIES.runName}\` = ${literal(bare)}`,
  ]) {
    const named = await store.getExecutions({ filter, orderBy: 'createTime', descending: true, limit: 1 });
    if (named.items[0]) return named.items[0];
  }
  const prefixed = await store.getExecutions({
    filter: `external_id LIKE ${prefixPattern(bare)} OR name LIKE ${prefixPattern(bare)}`,
    limit: 6,
  });
  if (prefixed.items.length === 1) return prefixed.items[0];
  if (prefixed.items.length > 1)
    throw ambiguous(
      'run',
      ref,
      prefixed.items.map((e) => e.name ?? `#${e.id}`),
    );
  return undefined;
}

/**
 * The artifact of a model version: `model:iris` (the latest), `model:iris@3`, `model:iris@production`.
 *
 * @example
 * const artifact = await findModelVersion(store, 'model:iris@production');
 */
export async function findModelVersion(store: MetadataStore, ref: string): Promise<Artifact> {
  const version = await resolveModelVersion(store, ref.slice('model:'.length));
  if (version?.artifact) return version.artifact;
  throw new CliError(
    `no model version ${ref}${version ? ' (its artifact is no longer in the store)' : ''}: write model:<name>, model:<name>@<version> or model:<name>@<alias> (see mlmeta models)`,
  );
}

/** The artifact `ref` names (id, external id, uri, name, `model:<name>[@version|@alias]`, or a unique prefix of one). */
export async function findArtifact(store: MetadataStore, ref: string): Promise<Artifact | undefined> {
  if (ref.startsWith('model:')) return findModelVersion(store, ref);
  const bare = ref.replace(/^artifact:(?=\d+$)/, '');
  if (/^\d+$/.test(bare)) {
    const byId = await store.getArtifact({ id: Number(bare) });
    if (byId) return byId;
  }
  const byExternal = await store.getArtifact({ externalId: ref });
  if (byExternal) return byExternal;
  const exact = await store.getArtifacts({
    filter: `uri = ${literal(ref)} OR name = ${literal(ref)}`,
    orderBy: 'id',
    descending: true,
    limit: 1,
  });
  if (exact.items[0]) return exact.items[0];
  const prefixed = await store.getArtifacts({
    filter: `external_id LIKE ${prefixPattern(ref)} OR name LIKE ${prefixPattern(ref)}`,
    limit: 6,
  });
  if (prefixed.items.length === 1) return prefixed.items[0];
  if (prefixed.items.length > 1) {
    throw ambiguous(
      'artifact',
      ref,
      prefixed.items.map((a) => a.name ?? a.externalId ?? `#${a.id}`),
    );
  }
  return undefined;
}

/** Names to suggest when nothing matched: recent runs and artifacts. */
export async function knownNames(store: MetadataStore): Promise<string[]> {
  const [runs, artifacts] = await Promise.all([
    store.getExecutions({ orderBy: 'id', descending: true, limit: 1000 }),
    store.getArtifacts({ orderBy: 'id', descending: true, limit: 1000 }),
  ]);
  return [
    ...runs.items.flatMap((e) => [runName(e), ...(e.name ? [e.name] : [])]),
    ...artifacts.items.flatMap((a) => (a.name ? [a.name] : [])),
  ];
}

export { notFound };
