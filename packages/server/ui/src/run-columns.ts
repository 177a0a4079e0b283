/**
 * The runs table's columns: the run's own fields, then params, then final metrics (grouped
 * under their own header, so a `loss` param and a `loss` metric never look alike). Which are
 * shown is the user's choice, remembered in localStorage; by default every run field, the
 * first params (those that differ between the listed runs come first) and the first metrics.
 */
import { h } from './dom.js';

export interface Column {
  key: string;
  label: string;
  group: 'run' | 'param' | 'metric';
  numeric?: boolean;
}

export const RUN_COLUMNS: Column[] = [
  { key: 'experiment', label: 'Experiment', group: 'run' },
  { key: 'name', label: 'Name', group: 'run' },
  { key: 'state', label: 'State', group: 'run' },
  { key: 'startTime', label: 'Start', group: 'run', numeric: true },
  { key: 'durationMs', label: 'Duration', group: 'run', numeric: true },
  { key: 'host', label: 'Host', group: 'run' },
];

/** Run fields the server can sort by (experiment and host come from contexts). */
export const SORTABLE_RUN_FIELDS = new Set(['name', 'state', 'startTime', 'durationMs']);

const STORAGE_KEY = 'mlmeta.runColumns';
const DEFAULT_PARAMS = 5;
const DEFAULT_METRICS = 6;

interface Choice {
  shown: string[];
  hidden: string[];
}

function loadChoice(): Choice {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Choice>;
    const strings = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    return { shown: strings(saved.shown), hidden: strings(saved.hidden) };
  } catch {
    return { shown: [], hidden: [] };
  }
}

function saveChoice(choice: Choice): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // No storage (private window): the choice lasts for this page.
  }
}

/** Every column the page could show, in order. */
export function allColumns(paramKeys: string[], metricKeys: string[]): Column[] {
  return [
    ...RUN_COLUMNS,
    ...paramKeys.map((k): Column => ({ key: `param:${k}`, label: k, group: 'param' })),
    ...metricKeys.map((k): Column => ({ key: `metric:${k}`, label: k, group: 'metric', numeric: true })),
  ];
}

/** The columns to show: the user's choice where made, else the defaults. */
export function visibleColumns(columns: Column[]): Column[] {
  const choice = loadChoice();
  let params = 0;
  let metrics = 0;
  return columns.filter((c) => {
    if (choice.hidden.includes(c.key)) return false;
    if (choice.shown.includes(c.key) || c.group === 'run') return true;
    if (c.group === 'param') return ++params <= DEFAULT_PARAMS;
    return ++metrics <= DEFAULT_METRICS;
  });
}

/**
 * The column chooser: a checkbox per column; `onChange` re-renders the table.
 *
 * @example
 * toolbar.append(columnChooser(columns, visible, () => renderTable()));
 */
export function columnChooser(columns: Column[], visible: Column[], onChange: () => void): HTMLElement {
  const shown = new Set(visible.map((c) => c.key));
  const groups: [Column['group'], string][] = [
    ['run', 'Run'],
    ['param', 'Params'],
    ['metric', 'Metrics'],
  ];
  const boxes = groups.map(([group, title]) => {
    const inGroup = columns.filter((c) => c.group === group);
    if (inGroup.length === 0) return null;
    return h(
      'fieldset',
      {},
      h('legend', {}, title),
      inGroup.map((c) => {
        const box = h('input', { type: 'checkbox', name: `column-${c.key}`, checked: shown.has(c.key) });
        box.addEventListener('change', () => {
          const choice = loadChoice();
          choice.shown = choice.shown.filter((k) => k !== c.key);
          choice.hidden = choice.hidden.filter((k) => k !== c.key);
          (box.checked ? choice.shown : choice.hidden).push(c.key);
          saveChoice(choice);
          onChange();
        });
        return h('label', {}, box, ` ${c.label}`);
      }),
    );
  });
  return h('details', { class: 'column-chooser' }, h('summary', {}, 'Columns'), h('div', {}, boxes));
}
