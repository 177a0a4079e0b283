/**
 * The runs table sorted on the server by any column (name, state, start, duration, a param, a
 * final metric), with the total count: the filter's matches are read in pages of 10,000 (only
 * node rows; no per-run queries except for the final metrics of runs that recorded none), sorted
 * by that column's value, and one page is cut out. NaN, then runs without the value, sort last
 * either way.
 */
import { type Execution, type MetadataStore, RUN_PROPERTIES, runStatus } from '@mlmeta/core';
import { paramsOf, runDisplayName } from './ui-run-rows.js';

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

/** The final value of `key`: the tracker's `metric.<key>` property, else its `finalMetrics`. */
function recordedMetric(execution: Execution, key: string): number | undefined {
  const property = execution.properties[`metric.${key}`] ?? execution.customProperties[`metric.${key}`];
  if (typeof property === 'number') return property;
  const final = execution.customProperties.finalMetrics;
  if (typeof final === 'object' && final !== null && !Array.isArray(final)) {
    return num((final as Record<string, unknown>)[key]);
  }
  return undefined;
}

function startOf(e: Execution): number {
  return num(e.customProperties[RUN_PROPERTIES.startTime]) ?? e.createTimeSinceEpoch;
}

async function sortValues(
  store: MetadataStore,
  runs: Execution[],
  column: string,
  now: number,
): Promise<SortValue[]> {
  if (column === 'startTime') return runs.map(startOf);
  if (column === 'name') return runs.map((e) => runDisplayName(e).toLowerCase());
  if (column === 'state') return runs.map((e) => runStatus(e, now));
  if (column === 'durationMs') {
    return runs.map((e) => {
      const end =
        num(e.customProperties[RUN_PROPERTIES.endTime]) ?? num(e.customProperties[RUN_PROPERTIES.heartbeat]);
      return end === undefined ? undefined : end - startOf(e);
    });
  }
  if (column.startsWith('param:')) {
    const key = column.slice(6);
    return runs.map((e) => {
      const value = paramsOf(e)[key];
      return typeof value === 'number' || typeof value === 'string'
        ? value
        : value == null
          ? undefined
          : String(value);
    });
  }
  const key = column.slice(7);
  const values: SortValue[] = runs.map((e) => recordedMetric(e, key));
  // Runs that recorded no final metrics (older ones): the last point of the series, 8 at a time.
  const missing = runs.map((e, i) => [e, i] as const).filter(([, i]) => values[i] === undefined);
  for (let at = 0; at < missing.length; at += 8) {
    await Promise.all(
      missing.slice(at, at + 8).map(async ([e, i]) => {
        const series = (await store.getMetricKeys({ id: e.id })).find((s) => s.key === key);
        values[i] = series?.lastValue;
      }),
    );
  }
  return values;
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
  const values = await sortValues(store, runs, query.column, now);
  const order = runs.map((_, i) => i);
  const sign = query.descending ? -1 : 1;
  order.sort((x, y) => {
    const a = values[x];
    const b = values[y];
    const ranks = rank(a) - rank(b);
    if (ranks !== 0 || rank(a) !== 0) return ranks || x - y;
    return sign * compare(a, b) || x - y;
  });
  return {
    page: order.slice(query.offset, query.offset + query.limit).map((i) => runs[i]!),
    total: runs.length,
    capped,
  };
}
