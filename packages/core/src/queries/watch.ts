/**
 * "Tell me when something new is recorded": an async iterator over the MetadataStore read API,
 * so it works the same over SQLite, PostgreSQL and HTTP without a method on every backend.
 *
 * A node is new when its id is above the highest id at the time the watch started. It is
 * reported once, the first time a poll sees it matching the filter; polls walk nodes by update
 * time with keyset pagination, so a run that only matches once it completes (say
 * `state = COMPLETE`) is reported when it completes. Each poll re-reads a short window before
 * the last update time seen, because a transaction that began earlier can commit later (its
 * rows then carry an older update time than rows already read).
 */
import type { Artifact, Execution } from '../model/schemas.js';
import type { MetadataStore } from '../store/store.js';

/**
 * Which kinds of node `watch` reports.
 *
 * @example
 * watch(store, { kinds: ['artifact'] satisfies WatchKind[] });
 */
export type WatchKind = 'artifact' | 'execution';

/**
 * A node that `watch` saw appear, with its kind.
 *
 * @example
 * for await (const { kind, node } of watch(store)) console.log(kind, node.id);
 */
export type WatchedNode = { kind: 'artifact'; node: Artifact } | { kind: 'execution'; node: Execution };

/**
 * What `watch` reports and how often it polls.
 *
 * @example
 * for await (const seen of watch(store, { filter: "type = 'mlmeta.Model'", signal })) deploy(seen.node);
 */
export interface WatchOptions {
  /** Only nodes matching this filter (mlmeta's filter language), e.g. `type = 'mlmeta.Model'`. */
  filter?: string;
  /** Which kinds of node to report; default both. */
  kinds?: WatchKind[];
  /** Time between polls; default 1000 ms. */
  intervalMs?: number;
  /** Ends the iteration (the pending poll finishes, nothing more is reported). */
  signal?: AbortSignal;
  /** How far before the last seen update time each poll looks again; default 5000 ms. */
  overlapMs?: number;
}

const PAGE = 500;

interface Cursor {
  /** Nodes with an id above this existed after the watch started. */
  startId: number;
  /** Highest update time seen so far (store clock). */
  since: number;
  /** Nodes already reported. */
  seen: Set<number>;
}

function list(store: MetadataStore, kind: WatchKind) {
  return kind === 'artifact'
    ? (query: Parameters<MetadataStore['getArtifacts']>[0]) => store.getArtifacts(query)
    : (query: Parameters<MetadataStore['getExecutions']>[0]) => store.getExecutions(query);
}

async function startCursor(store: MetadataStore, kind: WatchKind): Promise<Cursor> {
  const read = list(store, kind);
  const [byId, byUpdate] = await Promise.all([
    read({ orderBy: 'id', descending: true, limit: 1 }),
    read({ orderBy: 'updateTime', descending: true, limit: 1 }),
  ]);
  return {
    startId: byId.items[0]?.id ?? 0,
    since: byUpdate.items[0]?.lastUpdateTimeSinceEpoch ?? 0,
    seen: new Set(),
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function* poll(
  store: MetadataStore,
  kind: WatchKind,
  cursor: Cursor,
  filter: string | undefined,
  overlapMs: number,
): AsyncGenerator<WatchedNode> {
  const window = `id > ${cursor.startId} AND update_time >= ${Math.max(0, cursor.since - overlapMs)}`;
  const query = { filter: filter ? `${window} AND (${filter})` : window, orderBy: 'updateTime' as const };
  const read = list(store, kind);
  let pageToken: string | undefined;
  do {
    const page = await read({ ...query, limit: PAGE, pageToken });
    for (const node of page.items) {
      cursor.since = Math.max(cursor.since, node.lastUpdateTimeSinceEpoch);
      if (cursor.seen.has(node.id)) continue;
      cursor.seen.add(node.id);
      yield (
        kind === 'artifact' ? { kind, node: node as Artifact } : { kind, node: node as Execution }
      ) as WatchedNode;
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}

/**
 * New artifacts and executions as they are recorded, from the moment of the call, until
 * `signal` aborts. Store errors end the iteration by throwing.
 *
 * @example
 * const controller = new AbortController();
 * for await (const { kind, node } of watch(store, { filter: "type = 'mlmeta.Model'", signal: controller.signal }))
 *   console.log(`new ${kind} #${node.id}`, node.externalId);
 */
export async function* watch(store: MetadataStore, options: WatchOptions = {}): AsyncGenerator<WatchedNode> {
  const kinds: WatchKind[] = options.kinds ?? ['artifact', 'execution'];
  const intervalMs = options.intervalMs ?? 1000;
  const overlapMs = options.overlapMs ?? 5000;
  const filter = options.filter?.trim() || undefined;
  const { signal } = options;
  const cursors = new Map<WatchKind, Cursor>();
  for (const kind of kinds) cursors.set(kind, await startCursor(store, kind));
  while (!signal?.aborted) {
    for (const kind of kinds) {
      for await (const item of poll(store, kind, cursors.get(kind)!, filter, overlapMs)) {
        if (signal?.aborted) return;
        yield item;
      }
    }
    await sleep(intervalMs, signal);
  }
}
