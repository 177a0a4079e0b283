/**
 * Runs: one server page at a time (never the whole store), filtered by the store's own filter
 * language and sorted on the server by any column (run fields, params, final metrics), with the
 * total count. A filter that does not parse leaves the table as it was and shows the message
 * and the position beside the box. Columns are chosen in a chooser that remembers.
 */
import { ApiError, get } from '../api.js';
import {
  formatCompactTime,
  formatDuration,
  formatNumber,
  formatTime,
  formatValue,
  h,
  scrollBox,
  stateBadge,
} from '../dom.js';
import { navigate, type Page } from '../nav.js';
import {
  allColumns,
  type Column,
  columnChooser,
  SORTABLE_RUN_FIELDS,
  visibleColumns,
} from '../run-columns.js';
import type { RunRow, RunsPage } from '../types.js';

const PAGE_SIZE = 50;

function cell(row: RunRow, column: Column): HTMLElement {
  if (column.group === 'param') {
    const value = row.params[column.key.slice(6)];
    return h('td', { class: typeof value === 'number' ? 'num' : undefined }, formatValue(value));
  }
  if (column.group === 'metric') {
    const value = row.metrics[column.key.slice(7)];
    return h('td', { class: 'num' }, value === undefined ? '—' : formatNumber(value));
  }
  switch (column.key) {
    case 'experiment':
      return h('td', {}, row.experiment ?? '—');
    case 'name':
      return h('td', {}, h('a', { href: `/runs/${row.id}` }, row.name));
    case 'state':
      return h('td', {}, stateBadge(row.state));
    case 'startTime':
      return h(
        'td',
        { class: 'num nowrap', title: formatTime(row.startTime) },
        formatCompactTime(row.startTime),
      );
    case 'durationMs':
      return h('td', { class: 'num nowrap' }, formatDuration(row.durationMs));
    default:
      return h('td', {}, row.host ?? '—');
  }
}

export const runsPage: Page = async (root, url, _params, signal) => {
  const filter = url.searchParams.get('filter') ?? '';
  const type = url.searchParams.get('type') ?? '';
  const sort = url.searchParams.get('sort') ?? 'startTime';
  const ascending = url.searchParams.get('order') === 'asc';
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
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
  const status = h('div', { class: 'muted page-status', 'aria-live': 'polite' });
  const chooserSlot = h('div', { class: 'chooser-slot' });
  const compareButton = h('button', { type: 'button', disabled: true }, 'Compare selected');
  const pager = h('div', { class: 'pager' });
  root.append(
    h('h1', {}, 'Runs'),
    form,
    h('div', { class: 'toolbar' }, compareButton, status, chooserSlot),
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
    go({ filter: text || undefined, type: typeSelect.value || undefined, offset: undefined });
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
      sort,
      descending: ascending ? 'false' : undefined,
      limit: PAGE_SIZE,
      offset: offset || undefined,
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

  const columns = allColumns(page.paramKeys, page.metricKeys);
  const sortable = (c: Column) => c.group !== 'run' || SORTABLE_RUN_FIELDS.has(c.key);

  const renderTable = () => {
    const visible = visibleColumns(columns);
    chooserSlot.replaceChildren(columnChooser(columns, visible, renderTable));
    const groups = (['run', 'param', 'metric'] as const)
      .map((group) => ({ group, span: visible.filter((c) => c.group === group).length }))
      .filter((g) => g.span > 0);
    const groupRow = h(
      'tr',
      { class: 'column-groups' },
      h('th', {}, h('span', { class: 'visually-hidden' }, 'select')),
      groups.map((g) =>
        h(
          'th',
          { colspan: g.span, scope: 'colgroup' },
          g.group === 'run' ? 'Run' : g.group === 'param' ? 'Params' : 'Metrics',
        ),
      ),
    );
    const header = h(
      'tr',
      {},
      h('th', {}, h('span', { class: 'visually-hidden' }, 'select')),
      visible.map((c) => {
        const active = sort === c.key;
        const th = h(
          'th',
          {
            class: `${c.numeric ? 'num ' : ''}${sortable(c) ? 'sortable' : ''} group-${c.group}`,
            scope: 'col',
            'aria-sort': active ? (ascending ? 'ascending' : 'descending') : undefined,
            'data-column': c.key,
          },
          c.label + (active ? (ascending ? ' ▲' : ' ▼') : ''),
        );
        if (sortable(c)) {
          th.title = 'sort all runs by this column';
          th.addEventListener('click', () =>
            go({
              sort: c.key === 'startTime' ? undefined : c.key,
              order: active && !ascending ? 'asc' : undefined,
              offset: undefined,
            }),
          );
        }
        return th;
      }),
    );
    const body = page.items.map((row) => {
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
        visible.map((c) => cell(row, c)),
      );
    });
    table.replaceChildren(
      h('thead', {}, groupRow, header),
      h(
        'tbody',
        {},
        body.length > 0
          ? body
          : h('tr', {}, h('td', { colspan: visible.length + 1, class: 'empty' }, 'No runs match.')),
      ),
    );
  };
  renderTable();

  const last = offset + page.items.length;
  status.textContent =
    page.items.length === 0
      ? `0 of ${page.total.toLocaleString('en')} runs`
      : `runs ${(offset + 1).toLocaleString('en')}–${last.toLocaleString('en')} of ${page.total.toLocaleString('en')}${
          page.capped ? ' (the newest sorted; narrow the filter to sort all)' : ''
        }`;
  status.dataset.total = String(page.total);
  const prevButton = h('button', { type: 'button', disabled: offset === 0 }, '← Previous');
  prevButton.addEventListener('click', () =>
    go({ offset: offset > PAGE_SIZE ? String(offset - PAGE_SIZE) : undefined }),
  );
  const nextButton = h('button', { type: 'button', disabled: last >= page.total }, 'Next →');
  nextButton.addEventListener('click', () => go({ offset: String(last) }));
  pager.replaceChildren(prevButton, nextButton);
};
