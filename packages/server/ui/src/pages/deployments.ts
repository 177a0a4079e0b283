/** Deployments: the latest serving of each model on each host, and the run that produced it. */
import { get } from '../api.js';
import { formatTime, h, stateBadge } from '../dom.js';
import type { Page } from '../nav.js';
import type { Deployment } from '../types.js';

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
  root.append(
    h(
      'table',
      { class: 'deployments' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['model', 'host', 'since', 'state', 'serving run', 'produced by'].map((c) => h('th', {}, c)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((d) =>
          h(
            'tr',
            {},
            h(
              'td',
              {},
              d.modelArtifact ? h('a', { href: `/artifacts/${d.modelArtifact.id}` }, d.model) : d.model,
            ),
            h('td', {}, d.host),
            h('td', { class: 'num' }, formatTime(d.since)),
            h('td', {}, stateBadge(d.status)),
            h('td', {}, h('a', { href: `/runs/${d.serve.id}` }, d.serve.name)),
            h('td', {}, d.producer ? h('a', { href: `/runs/${d.producer.id}` }, d.producer.name) : '—'),
          ),
        ),
      ),
    ),
  );
};
