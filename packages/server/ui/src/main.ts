/**
 * The single-page app's router: path → page, links handled without reloads, history kept, and
 * one place that turns errors into pages (401 → login, 404 → not found).
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, get, LoginRequired, post, setUnauthenticatedHandler } from './api.js';
import { h } from './dom.js';
import { NAVIGATE_EVENT, navigate, type Page } from './nav.js';
import { artifactPage } from './pages/artifact.js';
import { comparePage } from './pages/compare.js';
import { deploymentsPage } from './pages/deployments.js';
import { loginPage } from './pages/login.js';
import { errorPage, notFoundPage } from './pages/not-found.js';
import { pipelineRunPage, pipelinesPage } from './pages/pipelines.js';
import { runPage } from './pages/run.js';
import { runsPage } from './pages/runs.js';

const routes: [RegExp, Page][] = [
  [/^\/(?:runs\/?)?$/, runsPage],
  [/^\/runs\/(?<id>\d+)$/, runPage],
  [/^\/compare$/, comparePage],
  [/^\/artifacts\/(?<id>\d+)$/, artifactPage],
  [/^\/deployments$/, deploymentsPage],
  [/^\/pipelines$/, pipelinesPage],
  [/^\/pipelines\/(?<id>\d+)$/, pipelineRunPage],
  [/^\/login$/, loginPage],
];

const app = document.getElementById('app')!;
let current: AbortController | undefined;

async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const url = new URL(location.href);
  document.title = 'mlmeta';
  document.body.removeAttribute('data-ready');
  const root = h('div', { class: 'page' });
  app.replaceChildren(root);
  const match = routes.map(([pattern, page]) => [pattern.exec(url.pathname), page] as const).find(([m]) => m);
  try {
    if (!match) await notFoundPage(root, url, {}, controller.signal);
    else await match[1](root, url, match[0]!.groups ?? {}, controller.signal);
  } catch (error) {
    if (controller.signal.aborted || error instanceof LoginRequired) return;
    root.replaceChildren();
    if (error instanceof ApiError && error.status === 404)
      await notFoundPage(root, url, { message: error.message }, controller.signal);
    else errorPage(root, error);
  }
  // Tests and scripts wait for this: the page, its charts and its graph are drawn.
  if (!controller.signal.aborted) document.body.setAttribute('data-ready', url.pathname);
}

async function showSession(): Promise<void> {
  const slot = document.getElementById('session')!;
  try {
    const session = await get<{ authenticated: boolean; tokenName?: string }>('/api/v1/ui/session');
    if (!session.authenticated) {
      slot.replaceChildren(h('span', { class: 'muted' }, 'read-only, no login'));
      return;
    }
    const logout = h('button', { type: 'button', class: 'link' }, 'Log out');
    logout.addEventListener('click', async () => {
      await post('/api/v1/ui/logout', {});
      slot.replaceChildren();
      navigate('/login');
    });
    slot.replaceChildren(h('span', { class: 'muted' }, `token ${session.tokenName ?? ''} `), logout);
  } catch {
    slot.replaceChildren();
  }
}

setUnauthenticatedHandler(() => {
  if (location.pathname === '/login') return;
  const next = location.pathname + location.search;
  navigate(`/login?next=${encodeURIComponent(next)}`, true);
});

document.addEventListener('click', (event) => {
  const target = (event.target as Element | null)?.closest('a');
  if (
    !target ||
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey
  )
    return;
  const href = target.getAttribute('href');
  if (!href?.startsWith('/') || href.startsWith('/api/') || target.target) return;
  event.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', () => void render());
window.addEventListener(NAVIGATE_EVENT, () => void render());
window.addEventListener('mlmeta:session', () => void showSession());

void showSession();
void render();
