/**
 * The runs table sorted on the server by any column (name, state, start, duration, a param, a
 * final metric), with the total count. Start, name, params and metrics sort in the store's SQL
 * (ORDER BY the property, LIMIT/OFFSET, COUNT), so a page costs the same at 10 or 100,000 runs.
 * State (LOST is RUNNING with a stale heartbeat) and duration (end − start) are computed, not
 * stored: for those the filter's matches are read in pages of 10,000 (node rows only), sorted
 * here, and one page is cut out. Runs without the value, then NaN, sort last either way.
 */
import { type Execution, type MetadataStore, RUN_PROPERTIES, runStatus } from '@mlmeta/core';
import { runDisplayName } from './ui-run-rows.js';

/** Beyond this many matches the table sorts the first ones and says so (a filter narrows it). */
export const MAX_SORTED_RUNS = 100_000;
const SCAN_PAGE = 10_000;

export interface SortedRuns {
  page: Execution[];
  total: number;
  /** True when more than MAX_SORTED_RUNS matched: only the newest were sorted. */
  capped: boolean;
}

type SortValue = number | string | undefined;

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

function startOf(e: Execution): number {
  return num(e.customProperties[RUN_PROPERTIES.startTime]) ?? e.createTimeSinceEpoch;
}

/** Params the runs table shows under another name than their property (see paramsOf). */
const PARAM_PROPERTIES: Record<string, string> = { learningRate: 'param.optimizer.learningRate' };

/** The store order for a column, or undefined for the computed ones (state, duration). */
function storeOrder(column: string): { orderByProperty: string } | undefined {
  // The start the table shows (a run recorded later, like a replayed spool, keeps its own).
  if (column === 'startTime') return { orderByProperty: RUN_PROPERTIES.startTime };
  if (column === 'name') return { orderByProperty: RUN_PROPERTIES.runName };
  if (column.startsWith('param:')) {
    const key = column.slice(6);
    return { orderByProperty: PARAM_PROPERTIES[key] ?? `param.${key}` };
  }
  if (column.startsWith('metric:')) return { orderByProperty: `metric.${column.slice(7)}` };
  return undefined;
}

function computedValues(runs: Execution[], column: string, now: number): SortValue[] {
  if (column === 'state') return runs.map((e) => runStatus(e, now));
  if (column === 'durationMs') {
    return runs.map((e) => {
      const end =
        num(e.customProperties[RUN_PROPERTIES.endTime]) ?? num(e.customProperties[RUN_PROPERTIES.heartbeat]);
      return end === undefined ? undefined : end - startOf(e);
    });
  }
  return runs.map((e) => runDisplayName(e).toLowerCase());
}

function compare(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** No value sorts last, NaN just before it, whichever the direction. */
const rank = (v: SortValue) => (v === undefined ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0);

/**
 * One page of runs matching `filter`/`type`, sorted by `column`.
 *
 * @example
 * const { page, total } = await sortedRuns(store, { column: 'metric:val_loss', descending: false, offset: 0, limit: 50 });
 */
export async function sortedRuns(
  store: MetadataStore,
  query: {
    filter?: string;
    type?: string;
    column: string;
    descending: boolean;
    offset: number;
    limit: number;
  },
  now = Date.now(),
): Promise<SortedRuns> {
  const order = storeOrder(query.column);
  if (order) {
    const page = await store.getExecutions({
      filter: query.filter,
      type: query.type,
      ...order,
      descending: query.descending,
      offset: query.offset,
      limit: query.limit,
      withTotal: true,
    });
    return { page: page.items, total: page.total ?? page.items.length, capped: false };
  }
  const runs: Execution[] = [];
  let pageToken: string | undefined;
  do {
    const next = await store.getExecutions({
      filter: query.filter,
      type: query.type,
      orderBy: 'createTime',
      descending: true,
      limit: SCAN_PAGE,
      pageToken,
    });
    runs.push(...next.items);
    pageToken = next.nextPageToken;
  } while (pageToken && runs.length < MAX_SORTED_RUNS);
  const capped = pageToken !== undefined;
  const values = computedValues(runs, query.column, now);
  const indexes = runs.map((_, i) => i);
  const sign = query.descending ? -1 : 1;
  indexes.sort((x, y) => {
    const a = values[x];
    const b = values[y];
    const ranks = rank(a) - rank(b);
    if (ranks !== 0 || rank(a) !== 0) return ranks || x - y;
    return sign * compare(a, b) || x - y;
  });
  return {
    page: indexes.slice(query.offset, query.offset + query.limit).map((i) => runs[i]!),
    total: runs.length,
    capped,
  };
}
