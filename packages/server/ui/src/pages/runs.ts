/**
 * Runs: one server page at a time (never the whole store), filtered by the store's own filter
 * language. A filter that does not parse leaves the table as it was and shows the message and
 * the position beside the box. Start time sorts on the server across all runs; other columns
 * sort the rows on screen.
 */
import { ApiError, get } from '../api.js';
import { formatDuration, formatNumber, formatTime, formatValue, h, scrollBox, stateBadge } from '../dom.js';
import { navigate, type Page } from '../nav.js';
import type { RunRow, RunsPage } from '../types.js';

const PAGE_SIZE = 50;

type SortKey = { column: string; descending: boolean };

function cellValue(row: RunRow, column: string): string | number {
  if (column.startsWith('param:')) {
    const value = row.params[column.slice(6)];
    return typeof value === 'number' ? value : formatValue(value);
  }
  if (column.startsWith('metric:')) return row.metrics[column.slice(7)] ?? Number.NEGATIVE_INFINITY;
  const value = (row as unknown as Record<string, unknown>)[column];
  return typeof value === 'number' ? value : String(value ?? '');
}

/** Page tokens of the pages before this one, so "Previous" works without the server keeping state. */
function tokensFrom(url: URL): string[] {
  return url.searchParams.getAll('prev');
}

export const runsPage: Page = async (root, url, _params, signal) => {
  const filter = url.searchParams.get('filter') ?? '';
  const type = url.searchParams.get('type') ?? '';
  const ascending = url.searchParams.get('order') === 'asc';
  const pageToken = url.searchParams.get('page') ?? undefined;
  let localSort: SortKey | undefined;

  const go = (changes: Record<string, string | string[] | undefined>) => {
    const next = new URL(url);
    for (const [key, value] of Object.entries(changes)) {
      next.searchParams.delete(key);
      for (const v of Array.isArray(value) ? value : value ? [value] : []) next.searchParams.append(key, v);
    }
    navigate(`/runs${next.search}`);
  };

  const filterInput = h('input', {
    type: 'search',
    name: 'filter',
    class: 'filter-input',
    placeholder: "e.g. properties.epochs > 10 AND contexts.name = 'train'",
    value: filter,
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const filterError = h('div', { class: 'filter-error', role: 'alert', hidden: true });
  const typeSelect = h(
    'select',
    { name: 'type', 'aria-label': 'execution type' },
    h('option', { value: '' }, 'all execution types'),
  );
  const form = h(
    'form',
    { class: 'filters' },
    filterInput,
    typeSelect,
    h('button', { type: 'submit' }, 'Apply'),
    filterError,
  );
  const table = h('table', { class: 'runs' });
  const status = h('div', { class: 'muted page-status' });
  const compareButton = h('button', { type: 'button', disabled: true }, 'Compare selected');
  const pager = h('div', { class: 'pager' });
  root.append(
    h('h1', {}, 'Runs'),
    form,
    h('div', { class: 'toolbar' }, compareButton, status),
    scrollBox(table),
    pager,
  );

  const selected = new Set<number>();
  compareButton.addEventListener('click', () => navigate(`/compare?ids=${[...selected].join(',')}`));

  void get<{ types: string[] }>('/api/v1/ui/execution-types').then(({ types }) => {
    for (const name of types) typeSelect.append(h('option', { value: name, selected: name === type }, name));
  });

  // Submitting checks the filter on the server first; only a filter that parses changes the URL
  // (and so the table). A syntax error stays beside the box with the table untouched.
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = filterInput.value.trim();
    try {
      await get<RunsPage>('/api/v1/ui/runs', {
        filter: text || undefined,
        type: typeSelect.value || undefined,
        limit: 1,
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        showFilterError(error);
        return;
      }
      throw error;
    }
    go({ filter: text || undefined, type: typeSelect.value || undefined, page: undefined, prev: undefined });
  });

  function showFilterError(error: ApiError) {
    filterError.hidden = false;
    const parts: (Node | string)[] = [h('strong', {}, 'Filter error: '), error.message];
    if (error.position !== undefined) {
      const text = filterInput.value;
      const at = Math.min(error.position, text.length);
      parts.push(
        h(
          'code',
          { class: 'filter-caret' },
          text.slice(0, at),
          h('mark', {}, text.slice(at, at + 1) || ' '),
          text.slice(at + 1),
        ),
      );
      filterInput.focus();
      filterInput.setSelectionRange(at, at);
    }
    filterError.replaceChildren(...parts);
  }

  let page: RunsPage;
  try {
    page = await get<RunsPage>('/api/v1/ui/runs', {
      filter: filter || undefined,
      type: type || undefined,
      descending: ascending ? 'false' : undefined,
      limit: PAGE_SIZE,
      pageToken,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      showFilterError(error);
      table.replaceChildren();
      return;
    }
    throw error;
  }
  if (signal.aborted) return;

  const columns: { key: string; label: string; server?: boolean; numeric?: boolean }[] = [
    { key: 'experiment', label: 'Experiment' },
    { key: 'name', label: 'Name' },
    { key: 'state', label: 'State' },
    { key: 'startTime', label: 'Start', server: true, numeric: true },
    { key: 'durationMs', label: 'Duration', numeric: true },
    { key: 'host', label: 'Host' },
    ...page.paramKeys.map((k) => ({ key: `param:${k}`, label: k })),
    ...page.metricKeys.map((k) => ({ key: `metric:${k}`, label: k, numeric: true })),
  ];

  const renderTable = () => {
    const rows = [...page.items];
    if (localSort) {
      const { column, descending } = localSort;
      rows.sort((a, b) => {
        const x = cellValue(a, column);
        const y = cellValue(b, column);
        const order =
          typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return descending ? -order : order;
      });
    }
    const header = h(
      'tr',
      {},
      h('th', {}, ''),
      columns.map((c) => {
        const arrow = c.server
          ? localSort
            ? ''
            : ascending
              ? ' ▲'
              : ' ▼'
          : localSort?.column === c.key
            ? localSort.descending
              ? ' ▼'
              : ' ▲'
            : '';
        const th = h(
          'th',
          {
            class: c.numeric ? 'num sortable' : 'sortable',
            title: c.server ? 'sorts all runs' : 'sorts this page',
          },
          c.label + arrow,
        );
        th.addEventListener('click', () => {
          if (c.server) {
            go({ order: ascending ? undefined : 'asc', page: undefined, prev: undefined });
            return;
          }
          localSort = {
            column: c.key,
            descending: localSort?.column === c.key ? !localSort.descending : true,
          };
          renderTable();
        });
        return th;
      }),
    );
    const body = rows.map((row) => {
      const box = h('input', {
        type: 'checkbox',
        'aria-label': `select run ${row.id}`,
        checked: selected.has(row.id),
      });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(row.id);
        else selected.delete(row.id);
        compareButton.disabled = selected.size < 2;
      });
      return h(
        'tr',
        { 'data-run-id': row.id },
        h('td', {}, box),
        h('td', {}, row.experiment ?? '—'),
        h('td', {}, h('a', { href: `/runs/${row.id}` }, row.name)),
        h('td', {}, stateBadge(row.state)),
        h('td', { class: 'num' }, formatTime(row.startTime)),
        h('td', { class: 'num' }, formatDuration(row.durationMs)),
        h('td', {}, row.host ?? '—'),
        page.paramKeys.map((k) => h('td', {}, formatValue(row.params[k]))),
        page.metricKeys.map((k) =>
          h('td', { class: 'num' }, row.metrics[k] === undefined ? '—' : formatNumber(row.metrics[k]!)),
        ),
      );
    });
    table.replaceChildren(
      h('thead', {}, header),
      h(
        'tbody',
        {},
        body.length > 0
          ? body
          : h('tr', {}, h('td', { colspan: columns.length + 1, class: 'empty' }, 'No runs match.')),
      ),
    );
  };
  renderTable();

  const previous = tokensFrom(url);
  const pageNumber = previous.length + 1;
  const first = (pageNumber - 1) * PAGE_SIZE + 1;
  status.textContent =
    page.items.length === 0 ? '' : `runs ${first}–${first + page.items.length - 1} (page ${pageNumber})`;
  const prevButton = h('button', { type: 'button', disabled: pageNumber === 1 }, '← Previous');
  prevButton.addEventListener('click', () => {
    const tokens = [...previous];
    const back = tokens.pop();
    go({ page: back || undefined, prev: tokens });
  });
  const nextButton = h('button', { type: 'button', disabled: !page.nextPageToken }, 'Next →');
  nextButton.addEventListener('click', () =>
    go({ page: page.nextPageToken, prev: [...previous, pageToken ?? ''] }),
  );
  pager.replaceChildren(prevButton, nextButton);
};
