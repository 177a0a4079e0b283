/**
 * Pipelines (MLMETA_PIPELINE): the pipeline runs, newest first, and one pipeline run as one
 * graph — every step with the data and models it read and wrote — above its steps' table.
 */
import { get } from '../api.js';
import { formatCompactTime, formatDuration, h, scrollBox, section, stateBadge } from '../dom.js';
import { lineageView } from '../lineage-view.js';
import type { Page } from '../nav.js';
import type { PipelineRunSummary, PipelineRunView } from '../types.js';

export const pipelinesPage: Page = async (root, _url, _params, signal) => {
  const { items } = await get<{ items: PipelineRunSummary[] }>('/api/v1/ui/pipeline-runs');
  if (signal.aborted) return;
  root.append(h('h1', {}, 'Pipeline runs'));
  if (items.length === 0) {
    root.append(
      h(
        'p',
        { class: 'muted' },
        'No pipeline run recorded yet: run each step with MLMETA_PIPELINE=<name> set.',
      ),
    );
    return;
  }
  root.append(
    section(
      `${items.length} pipeline run${items.length === 1 ? '' : 's'}`,
      scrollBox(
        h(
          'table',
          { class: 'pipelines' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['pipeline run', 'pipeline', 'started', 'steps'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((p) =>
              h(
                'tr',
                { 'data-pipeline-run-id': p.id },
                h('td', {}, h('a', { href: `/pipelines/${p.id}` }, p.name)),
                h('td', {}, p.pipeline),
                h('td', { class: 'nowrap' }, formatCompactTime(p.startTime)),
                h('td', { class: 'num' }, p.steps),
              ),
            ),
          ),
        ),
      ),
    ),
  );
};

export const pipelineRunPage: Page = async (root, _url, params, signal) => {
  const view = await get<PipelineRunView>(`/api/v1/ui/pipeline-runs/${params.id}`);
  if (signal.aborted) return;
  const { pipelineRun, steps } = view;
  const graph = lineageView(view.graph, {
    focus: steps.map((s) => `e${s.id}`),
    label: `pipeline run ${pipelineRun.name}`,
  });
  root.append(
    h('h1', {}, pipelineRun.name),
    h(
      'p',
      { class: 'muted' },
      `pipeline ${pipelineRun.pipeline} · started ${formatCompactTime(pipelineRun.startTime)} · ${steps.length} step${steps.length === 1 ? '' : 's'}`,
    ),
    section('Graph', graph.element),
    section(
      'Steps',
      scrollBox(
        h(
          'table',
          { class: 'steps' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['step', 'type', 'state', 'started', 'duration'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            steps.map((s) =>
              h(
                'tr',
                { 'data-run-id': s.id },
                h('td', {}, h('a', { href: `/runs/${s.id}` }, s.name)),
                h('td', {}, s.type),
                h('td', {}, stateBadge(s.state)),
                h('td', { class: 'nowrap' }, formatCompactTime(s.startTime)),
                h('td', { class: 'num' }, formatDuration(s.durationMs)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  graph.draw();
};
