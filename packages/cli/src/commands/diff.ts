/** `mlmeta diff <runA> <runB>`: two runs side by side, differences marked. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { environmentFacts } from '../output/environment.js';
import { formatDuration, formatValue, paint, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { resolveRun } from '../resolve.js';
import { type RunDetails, runDetails } from '../run-details.js';
import type { Action } from './action.js';

export interface DiffRow {
  section: 'run' | 'params' | 'environment' | 'datasets' | 'metrics';
  key: string;
  a?: string;
  b?: string;
  differs: boolean;
}

function sectionRows(
  section: DiffRow['section'],
  a: Record<string, string>,
  b: Record<string, string>,
): DiffRow[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => ({
    section,
    key,
    ...(a[key] !== undefined ? { a: a[key] } : {}),
    ...(b[key] !== undefined ? { b: b[key] } : {}),
    differs: a[key] !== b[key],
  }));
}

const texts = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, formatValue(v)]));
const datasets = (d: RunDetails) => Object.fromEntries(d.inputs.map((i) => [i.role, i.digest ?? `#${i.id}`]));
const basics = (d: RunDetails) => ({
  name: d.name,
  type: d.type,
  state: d.state,
  experiment: d.experiment ?? '-',
  duration: formatDuration(d.durationMs),
});

/** Every compared fact of two runs. */
export function diffRuns(a: RunDetails, b: RunDetails): DiffRow[] {
  return [
    ...sectionRows('run', basics(a), basics(b)).map((r) =>
      r.key === 'duration' ? { ...r, differs: false } : r,
    ),
    ...sectionRows('params', texts(a.params), texts(b.params)),
    ...sectionRows('environment', environmentFacts(a.environment), environmentFacts(b.environment)),
    ...sectionRows('datasets', datasets(a), datasets(b)),
    ...sectionRows('metrics', texts(a.metrics), texts(b.metrics)),
  ];
}

export async function diff(ctx: CliContext, refA: string, refB: string): Promise<void> {
  const store = await ctx.store({ readOnly: true });
  const [a, b] = await Promise.all([resolveRun(store, refA), resolveRun(store, refB)]);
  const [da, db] = await Promise.all([runDetails(store, a), runDetails(store, b)]);
  const rows = diffRuns(da, db);
  if (ctx.json) {
    return ctx.printJson({
      a: { id: da.id, externalId: da.externalId, name: da.name },
      b: { id: db.id, externalId: db.externalId, name: db.name },
      rows,
    });
  }
  const differing = rows.filter((r) => r.differs).length;
  const cell = (text: string | undefined, r: DiffRow) =>
    r.section === 'datasets' ? shortDigest(text) : (text ?? '-');
  ctx.print(
    renderTable(
      ['', 'SECTION', 'KEY', `A: #${da.id} ${da.name}`, `B: #${db.id} ${db.name}`],
      rows.map((r) => [
        r.differs ? paint(ctx.color, 'yellow', '≠') : '',
        r.section,
        r.key,
        r.differs ? paint(ctx.color, 'red', cell(r.a, r)) : cell(r.a, r),
        r.differs ? paint(ctx.color, 'green', cell(r.b, r)) : cell(r.b, r),
      ]),
      { width: ctx.width, flexible: [3, 4, 2], color: ctx.color, upperCase: false },
    ),
  );
  ctx.print(`\n${differing} of ${rows.length} compared values differ`);
}

export function registerDiff(program: Command, action: Action): void {
  program
    .command('diff')
    .description('two runs side by side: params, environment, datasets, final metrics; differences marked ≠')
    .argument('<runA>')
    .argument('<runB>')
    .action(action((ctx, a: string, b: string) => diff(ctx, a, b)));
}
