/**
 * A dataset's per-feature statistics (count, min, max, mean, std, NaN for each column of each
 * tensor the fingerprint saw), as the run page's dataset cards and the dataset page show them.
 */
import { formatNumber, h, scrollBox } from './dom.js';
import type { Artifact } from './types.js';

interface TensorInfo {
  name?: string;
  shape?: number[];
  dtype?: string;
  stats?: { count?: number; min?: number; max?: number; mean?: number; std?: number; nanCount?: number }[];
}

/** Features beyond this many are left out of a table (a wide tensor is one scroll, not a page). */
const MAX_FEATURES = 256;

/** The tensors recorded on a dataset artifact (its `tensors` property). */
export function tensorsOf(artifact: Artifact): TensorInfo[] {
  const tensors = artifact.customProperties?.tensors;
  return (Array.isArray(tensors) ? tensors : []) as unknown as TensorInfo[];
}

function statsTable(tensor: TensorInfo): HTMLElement {
  const stats = tensor.stats ?? [];
  return h(
    'div',
    {},
    scrollBox(
      h(
        'table',
        { class: 'stats' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['feature', 'count', 'min', 'max', 'mean', 'std', 'NaN'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          stats.slice(0, MAX_FEATURES).map((s, i) =>
            h(
              'tr',
              { class: s.nanCount ? 'has-nan' : undefined },
              h('th', { scope: 'row' }, i),
              [s.count, s.min, s.max, s.mean, s.std, s.nanCount].map((v) =>
                h('td', { class: 'num' }, v === undefined ? '—' : formatNumber(v)),
              ),
            ),
          ),
        ),
      ),
    ),
    stats.length > MAX_FEATURES
      ? h('p', { class: 'muted' }, `${stats.length - MAX_FEATURES} more features not shown.`)
      : null,
  );
}

/**
 * One block per tensor: its name, shape and dtype, then its features' statistics; folded
 * when there are more than `openUpTo` tensors.
 *
 * @example
 * card.append(...tensorStatistics(artifact, 2));
 */
export function tensorStatistics(artifact: Artifact, openUpTo: number): HTMLElement[] {
  const tensors = tensorsOf(artifact);
  return tensors.map((t) =>
    h(
      'details',
      { class: 'tensor', open: tensors.length <= openUpTo },
      h('summary', {}, `${t.name ?? 'tensor'} ${JSON.stringify(t.shape ?? [])} ${t.dtype ?? ''}`),
      t.stats && t.stats.length > 0 ? statsTable(t) : h('p', { class: 'muted' }, 'No statistics recorded.'),
    ),
  );
}
