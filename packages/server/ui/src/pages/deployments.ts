/**
 * Deployments: the latest serving of each model on each host, split into live (the serving
 * process is still running) and ended, grouped by model and version, with the run that
 * produced the model.
 */
import { get } from '../api.js';
import { formatTime, h, scrollBox, section, stateBadge } from '../dom.js';
import type { Page } from '../nav.js';
import type { Deployment } from '../types.js';

function deploymentTable(items: Deployment[], className: string): HTMLElement {
  // By model, then version (newest version first), newest serving first inside.
  const sorted = [...items].sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      (b.version ?? '').localeCompare(a.version ?? '', 'en', { numeric: true }) ||
      b.since - a.since,
  );
  return scrollBox(
    h(
      'table',
      { class: `deployments ${className}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'model',
            'version',
            'host',
            'since',
            ...(className === 'ended' ? ['until'] : []),
            'state',
            'serving run',
            'produced by',
          ].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        sorted.map((d) =>
          h(
            'tr',
            { 'data-serve-id': d.serve.id },
            h(
              'td',
              {},
              d.modelArtifact ? h('a', { href: `/artifacts/${d.modelArtifact.id}` }, d.model) : d.model,
            ),
            h('td', {}, d.version ?? '—'),
            h('td', {}, d.host),
            h('td', { class: 'num' }, formatTime(d.since)),
            className === 'ended' ? h('td', { class: 'num' }, formatTime(d.until)) : null,
            h('td', {}, stateBadge(d.status)),
            h('td', {}, h('a', { href: `/runs/${d.serve.id}` }, d.serve.name)),
            h('td', {}, d.producer ? h('a', { href: `/runs/${d.producer.id}` }, d.producer.name) : '—'),
          ),
        ),
      ),
    ),
  );
}

export const deploymentsPage: Page = async (root, _url, _params, signal) => {
  const { items } = await get<{ items: Deployment[] }>('/api/v1/ui/deployments');
  if (signal.aborted) return;
  root.append(h('h1', {}, 'Deployments'));
  if (items.length === 0) {
    root.append(
      h('p', { class: 'muted' }, 'No model has been served yet (serving is recorded by @mlmeta/onnx).'),
    );
    return;
  }
  const live = items.filter((d) => d.live);
  const ended = items.filter((d) => !d.live);
  root.append(
    section(
      `Live (${live.length})`,
      live.length === 0
        ? h('p', { class: 'muted' }, 'No serving process is running now.')
        : deploymentTable(live, 'live'),
    ),
    section(
      `Ended (${ended.length})`,
      ended.length === 0 ? h('p', { class: 'muted' }, 'None.') : deploymentTable(ended, 'ended'),
    ),
  );
};
