/**
 * One run: what it was (params, environment, hardware), what it read and wrote (datasets with
 * digest, shape and statistics; outputs), how it ended (the failure with its stack), and one
 * chart per metric series, epoch and batch.
 */
import { get } from '../api.js';
import { tensorStatistics } from '../dataset-stats.js';
import {
  formatCompactTime,
  formatDuration,
  formatNumber,
  formatTime,
  h,
  keyValueTable,
  scrollBox,
  section,
  stateBadge,
} from '../dom.js';
import { metricsSection } from '../metrics-section.js';
import type { Page } from '../nav.js';
import type { Evaluation, LinkedArtifact, PropertyValue, RunDetail } from '../types.js';

/** Custom properties that get their own section rather than the "other" table. */
const SHOWN_ELSEWHERE = new Set(['environment', 'hardware', 'tfjs', 'modelSummary', 'finalMetrics']);

function isRecord(value: unknown): value is Record<string, PropertyValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function datasetCard(linked: LinkedArtifact): HTMLElement {
  const a = linked.artifact;
  const rest = Object.entries(a.customProperties ?? {}).filter(([k]) => k !== 'tensors');
  return h(
    'div',
    { class: 'dataset', 'data-artifact-id': a.id },
    h(
      'h3',
      {},
      h('a', { href: `/artifacts/${a.id}` }, linked.role || a.name || `artifact #${a.id}`),
      h('span', { class: 'muted' }, ` ${a.type} #${a.id}`),
    ),
    h('div', { class: 'digest' }, 'digest ', h('code', {}, a.externalId ?? '—')),
    a.uri ? h('div', { class: 'muted' }, a.uri) : null,
    rest.length > 0 ? keyValueTable(rest) : null,
    tensorStatistics(a, 2),
  );
}

function outputRow(linked: LinkedArtifact): HTMLElement {
  const a = linked.artifact;
  return h(
    'tr',
    {},
    h('td', {}, linked.role || '—'),
    h('td', {}, h('a', { href: `/artifacts/${a.id}` }, a.name ?? `#${a.id}`)),
    h('td', {}, a.type),
    h('td', {}, versionOf(a) ?? '—'),
    h('td', {}, h('code', {}, a.externalId ?? '—')),
    h('td', {}, a.uri ?? '—'),
  );
}

/** A model's version in its named series, when the store recorded one. */
function versionOf(a: LinkedArtifact['artifact']): string | undefined {
  const v = a.customProperties?.['model.version'] ?? a.properties?.version ?? a.customProperties?.version;
  return typeof v === 'number' || typeof v === 'string' ? String(v) : undefined;
}

const isModel = (l: LinkedArtifact) => /Model$/.test(l.artifact.type);

/** The evaluations of the models this run made: one row each, one column per metric. */
function evaluationsTable(evaluations: Evaluation[]): HTMLElement {
  const keys = [...new Set(evaluations.flatMap((e) => Object.keys(e.metrics)))].sort();
  return scrollBox(
    h(
      'table',
      { class: 'evaluations' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['evaluation', 'state', 'model', 'data', 'when'].map((c) => h('th', { scope: 'col' }, c)),
          keys.map((k) => h('th', { scope: 'col', class: 'num' }, k)),
        ),
      ),
      h(
        'tbody',
        {},
        evaluations.map((e) =>
          h(
            'tr',
            { 'data-run-id': e.id },
            h('td', {}, h('a', { href: `/runs/${e.id}` }, e.name)),
            h('td', {}, stateBadge(e.state)),
            h('td', {}, h('a', { href: `/artifacts/${e.model.id}` }, e.model.name ?? `#${e.model.id}`)),
            h(
              'td',
              {},
              e.datasets.length === 0
                ? '—'
                : e.datasets.flatMap((d, i) => [
                    i > 0 ? ', ' : '',
                    h('a', { href: `/artifacts/${d.id}` }, d.role || d.name || `#${d.id}`),
                  ]),
            ),
            h('td', { class: 'nowrap' }, formatCompactTime(e.startTime)),
            keys.map((k) =>
              h('td', { class: 'num' }, e.metrics[k] === undefined ? '—' : formatNumber(e.metrics[k]!)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The stack with the user's own frames in bold and library / Node internals dimmed. */
function stackBlock(stack: string): HTMLElement {
  return h(
    'pre',
    { class: 'stack' },
    stack.split('\n').map((line, i) => {
      const library = /node_modules|node:internal|\(node:|^\s+at (async )?[^(]*\(native\)/.test(line);
      return h('span', { class: i === 0 ? 'stack-head' : library ? 'stack-lib' : 'stack-user' }, `${line}\n`);
    }),
  );
}

/** Nested captures (environment, hardware) as a key/value table of their top-level fields. */
function captureSection(title: string, value: PropertyValue | undefined): HTMLElement | null {
  if (!isRecord(value)) return null;
  return section(title, keyValueTable(Object.entries(value)));
}

export const runPage: Page = async (root, _url, params, signal) => {
  const detail = await get<RunDetail>(`/api/v1/ui/runs/${params.id}`);
  if (signal.aborted) return;
  const { run, execution, process, failure } = detail;
  const custom = execution.customProperties;

  root.append(
    h('h1', {}, run.name, ' ', stateBadge(run.state)),
    h(
      'p',
      { class: 'muted run-meta' },
      `${run.type} #${run.id}`,
      run.externalId ? ` · ${run.externalId}` : '',
      run.experiment ? ` · experiment ${run.experiment}` : '',
      run.host ? ` · host ${run.host}` : '',
      ` · started ${formatTime(run.startTime)} · ${formatDuration(run.durationMs)}`,
      detail.pipelineRun
        ? [
            ' · step of pipeline run ',
            h('a', { href: `/pipelines/${detail.pipelineRun.id}` }, detail.pipelineRun.name),
          ]
        : null,
    ),
  );

  if (failure) {
    root.append(
      h(
        'section',
        { class: 'card failure' },
        h('h2', {}, 'Failure'),
        h('p', {}, h('strong', {}, failure.name ?? 'Error'), ': ', failure.message ?? '(no message)'),
        failure.exitCode !== undefined ? h('p', {}, `exit code ${failure.exitCode}`) : null,
        failure.signal ? h('p', {}, `signal ${failure.signal}`) : null,
        failure.stack ? stackBlock(failure.stack) : null,
      ),
    );
  }
  if (detail.reused) {
    root.append(
      h(
        'section',
        { class: 'card cached' },
        h('h2', {}, 'Reused'),
        h(
          'p',
          {},
          'This step did not run: its inputs, params and code matched ',
          h('a', { href: `/runs/${detail.reused.id}` }, `${detail.reused.name} #${detail.reused.id}`),
          ', whose outputs it reused.',
        ),
      ),
    );
  }

  const metricsSlot = h('div', { class: 'metrics-slot' });
  root.append(metricsSlot);

  const paramEntries = Object.entries(run.params);
  root.append(
    section(
      'Params',
      paramEntries.length > 0 ? keyValueTable(paramEntries) : h('p', { class: 'muted' }, 'none'),
    ),
  );
  if (Object.keys(run.metrics).length > 0) {
    root.append(section('Final metrics', keyValueTable(Object.entries(run.metrics))));
  }

  const models = detail.inputs.filter(isModel);
  const datasets = detail.inputs.filter((l) => !isModel(l));
  if (models.length > 0) {
    root.append(
      section(
        models.length === 1 ? 'Model' : 'Models',
        scrollBox(
          h(
            'table',
            { class: 'outputs models' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['role', 'model', 'type', 'version', 'digest', 'uri'].map((c) => h('th', {}, c)),
              ),
            ),
            h('tbody', {}, models.map(outputRow)),
          ),
        ),
      ),
    );
  }
  root.append(
    section(
      'Datasets',
      datasets.length === 0 ? h('p', { class: 'muted' }, 'No datasets recorded.') : datasets.map(datasetCard),
    ),
    section(
      'Outputs',
      detail.outputs.length === 0
        ? h('p', { class: 'muted' }, 'No outputs recorded.')
        : scrollBox(
            h(
              'table',
              { class: 'outputs' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['role', 'artifact', 'type', 'version', 'digest', 'uri'].map((c) => h('th', {}, c)),
                ),
              ),
              h('tbody', {}, detail.outputs.map(outputRow)),
            ),
          ),
    ),
  );
  if (detail.evaluations.length > 0) {
    root.append(section('Evaluations', evaluationsTable(detail.evaluations)));
  }
  for (const [title, key] of [
    ['Environment', 'environment'],
    ['Hardware', 'hardware'],
    ['TensorFlow.js', 'tfjs'],
    ['Model summary', 'modelSummary'],
  ] as const) {
    const part = captureSection(title, custom[key]);
    if (part) root.append(part);
  }
  if (process) root.append(section('Process', keyValueTable(Object.entries(process.customProperties))));
  const other = Object.entries({ ...execution.properties, ...custom }).filter(
    ([k]) => !SHOWN_ELSEWHERE.has(k) && !k.startsWith('param.') && !k.startsWith('mlmeta.'),
  );
  if (other.length > 0) root.append(section('Other properties', keyValueTable(other)));
  root.append(h('p', {}, h('a', { href: `/compare?ids=${run.id}` }, 'Compare with other runs…')));

  // Charts last: they need the layout's width, and each fetches its own (downsampled) series.
  const charted = detail.metricKeys.filter((k) => k.count > 1);
  await metricsSection(
    metricsSlot,
    charted.map((k) => ({ key: k.key, sources: [{ executionId: run.id, key: k.key, label: k.key }] })),
    detail.metricKeys.filter((k) => k.count <= 1).map((k) => [k.key, k.lastValue]),
    signal,
  );
};
