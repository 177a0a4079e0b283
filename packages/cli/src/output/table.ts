/**
 * Borderless, left-aligned tables in the style of gh and kubectl: two spaces between columns,
 * header in upper case. Given a width (the terminal's), the columns marked flexible shrink
 * first, then every column, and cut text ends in `…`, so no line ever wraps.
 */
import { stripVTControlCharacters } from 'node:util';
import { paint } from './format.js';

export interface TableOptions {
  width?: number;
  /** Column indexes that give up width first (the long, descriptive ones). */
  flexible?: number[];
  color?: boolean;
  /** Headers in upper case, as gh and kubectl print them; default true. */
  upperCase?: boolean;
  /**
   * Column indexes that are left out, in this order, while the table cannot fit `width` (a
   * terminal 40 columns wide keeps ID, NAME and STATE).
   */
  optional?: number[];
}

const GAP = 2;
const MIN_FLEX = 6;
const MIN_ANY = 3;

// ANSI colour codes take no room on screen.
const visible = (text: string) => stripVTControlCharacters(text).length;

/**
 * `text` cut to `width` visible characters, ending in `…` when cut (colour codes take no room;
 * a cut line loses its colours).
 *
 * @example
 * cut('mlmeta.Run #1  train-good', 12); // 'mlmeta.Run …'
 */
export function cut(text: string, width: number): string {
  if (visible(text) <= width) return text;
  const plain = stripVTControlCharacters(text);
  return width <= 1 ? plain.slice(0, width) : `${plain.slice(0, width - 1)}…`;
}

function shrink(widths: number[], indexes: number[], excess: number, floor: number): number {
  let left = excess;
  // Take from the widest first, one character at a time, so columns end up balanced.
  while (left > 0) {
    let widest = -1;
    for (const i of indexes)
      if (widths[i]! > floor && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
    left--;
  }
  return left;
}

/** Column widths that fit `width` (all natural widths when it is undefined or large enough). */
export function fitColumns(natural: number[], width: number | undefined, flexible: number[] = []): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const total = widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
  let excess = total - width;
  if (excess <= 0) return widths;
  excess = shrink(widths, flexible, excess, MIN_FLEX);
  shrink(
    widths,
    widths.map((_, i) => i),
    excess,
    MIN_ANY,
  );
  return widths;
}

/**
 * The indexes of the columns shown: every one, less `optional` ones while the rest cannot fit
 * with the flexible columns at their narrowest and the others whole (a cut time or state reads
 * worse than a missing column).
 */
function keptColumns(headers: string[], rows: string[][], options: TableOptions): number[] {
  let kept = headers.map((_, i) => i);
  const { width } = options;
  if (width === undefined) return kept;
  const flexible = new Set(options.flexible ?? []);
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const total = (columns: number[], narrow: boolean) =>
    columns.reduce(
      (sum, i) => sum + (narrow && flexible.has(i) ? Math.min(natural[i]!, MIN_FLEX) : natural[i]!),
      0,
    ) +
    GAP * Math.max(0, columns.length - 1);
  const least = (columns: number[]) => total(columns, true);
  const dropped: number[] = [];
  for (const drop of options.optional ?? []) {
    if (least(kept) <= width) break;
    kept = kept.filter((i) => i !== drop);
    dropped.push(drop);
  }
  // A column dropped early may fit once a wider one went too (DURATION once STARTED is gone),
  // if it fits without cutting the others.
  for (const column of dropped.slice(0, -1).reverse()) {
    const back = [...kept, column].sort((a, b) => a - b);
    if (total(back, false) <= width) kept = back;
  }
  return kept;
}

/**
 * @example
 * print(renderTable(['id', 'state'], [['1', 'COMPLETE']], { width: process.stdout.columns }));
 */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const kept = keptColumns(headers, rows, options);
  if (kept.length < headers.length) {
    const pick = (cells: string[]) => kept.map((i) => cells[i] ?? '');
    const flexible = (options.flexible ?? []).flatMap((i) => (kept.includes(i) ? [kept.indexOf(i)] : []));
    return renderTable(pick(headers), rows.map(pick), { ...options, flexible, optional: [] });
  }
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const widths = fitColumns(natural, options.width, options.flexible);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const text = cut(cell, widths[i]!);
        return i === cells.length - 1 ? text : text + ' '.repeat(widths[i]! - visible(text));
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const head = line(options.upperCase === false ? headers : headers.map((h) => h.toUpperCase()));
  return [paint(options.color ?? false, 'bold', head), ...rows.map(line)].join('\n');
}
