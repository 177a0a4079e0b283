/** The pages for a URL or id that does not exist, and for anything else that went wrong. */
import { h } from '../dom.js';
import type { Page } from '../nav.js';

export const notFoundPage: Page = async (root, url, params) => {
  document.title = 'Not found · mlmeta';
  root.append(
    h(
      'section',
      { class: 'card not-found' },
      h('h1', {}, 'Not found'),
      h('p', {}, params.message ?? `There is no page at ${url.pathname}.`),
      h('p', {}, h('a', { href: '/runs' }, 'Back to the runs')),
    ),
  );
};

export function errorPage(root: HTMLElement, error: unknown): void {
  root.append(
    h(
      'section',
      { class: 'card failure' },
      h('h1', {}, 'Something went wrong'),
      h('p', {}, (error as Error)?.message ?? String(error)),
      h('p', {}, 'Reload the page to try again; the server log has details.'),
    ),
  );
}
