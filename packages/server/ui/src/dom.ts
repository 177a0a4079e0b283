/**
 * Building DOM without a framework: `h('td', { class: 'num' }, text)`. Text always goes in as
 * text nodes, never as HTML, so values from the store cannot inject markup.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Creates an element with attributes (functions become listeners, `on` + event name) and children.
 *
 * @example
 * h('a', { href: '/runs/3' }, 'run 3');
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/**
 * A number for reading: integers as they are, others to `digits` significant digits in plain
 * decimals (0.0001, not 1.000e-4; exponents only below 1e-6), NaN as NaN.
 */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

/** Any property value as short text. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '—';
  return JSON.stringify(value);
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date for a table cell, on one line: `14:03` today, `Dec 1 14:03` this year, else `2025-12-01`. */
export function formatCompactTime(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return '—';
  const d = new Date(ms);
  const today = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === today.toDateString()) return time;
  if (d.getFullYear() === today.getFullYear()) return `${MONTHS[d.getMonth()]} ${d.getDate()} ${time}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A coloured state badge; LOST (the process died unseen) has its own colour. */
export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `state state-${state.toLowerCase()}` }, state);
}

/** Nested values as JSON; a long one (a git diff, a package list) folded behind its size. */
function jsonValue(value: object): HTMLElement {
  const text = JSON.stringify(value, null, 2);
  const block = h('pre', { class: 'json' }, text);
  if (text.length <= 600) return block;
  const what = Array.isArray(value) ? `${value.length} items` : `${Object.keys(value).length} keys`;
  return h('details', {}, h('summary', {}, `${what}, ${(text.length / 1024).toFixed(1)} kB`), block);
}

/** A two-column table of key → value, nested values as formatted JSON. */
export function keyValueTable(entries: [string, unknown][], className = 'kv'): HTMLElement {
  return h(
    'table',
    { class: className },
    h(
      'tbody',
      {},
      entries.map(([key, value]) =>
        h(
          'tr',
          {},
          h('th', {}, key),
          h('td', {}, value !== null && typeof value === 'object' ? jsonValue(value) : formatValue(value)),
        ),
      ),
    ),
  );
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** A wide table in a box that scrolls sideways by itself, so the page never does. */
export function scrollBox(child: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'scroll-x', tabindex: 0, role: 'region', 'aria-label': 'scrollable table' },
    child,
  );
}
