/**
 * What sets listed runs apart: of many params and metrics, a table has room for the ones whose
 * values differ between the runs shown (all of them when one run is shown), by name.
 */
import { formatValue } from './output/format.js';

/**
 * The keys whose values are not the same in every record (a key some records lack differs),
 * sorted by name; every key when there is only one record.
 *
 * @example
 * varyingKeys([{ lr: 0.1, epochs: 3 }, { lr: 0.5, epochs: 3 }]); // ['lr']
 */
export function varyingKeys(records: Array<Record<string, unknown>>): string[] {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  if (records.length < 2) return keys;
  return keys.filter((key) => {
    const first = formatValue(records[0]![key]);
    return records.some((r) => formatValue(r[key]) !== first);
  });
}

/** `a=1 b=2` of `keys` in `values`, skipping the ones a record lacks. */
export function pairsOf(values: Record<string, unknown>, keys: string[]): string {
  return keys
    .filter((key) => values[key] !== undefined)
    .map((key) => `${key}=${formatValue(values[key])}`)
    .join(' ');
}
