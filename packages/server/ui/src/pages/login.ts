/**
 * Login: the user pastes an API token (read scope is enough); the server checks it and keeps it
 * in an HttpOnly cookie, so this page never stores it anywhere scripts could read it again.
 */
import { ApiError, post } from '../api.js';
import { h } from '../dom.js';
import { navigate, type Page } from '../nav.js';

/** Only same-site paths: a `next` pointing elsewhere would make login an open redirect. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : '/runs';
}

export const loginPage: Page = async (root, url) => {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    placeholder: 'mlm_…',
    'aria-label': 'API token',
  });
  const message = h('p', { class: 'login-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'login card' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste an API token (a read token is enough). mlmeta-server hash-token creates one.'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    try {
      const answer = await post<{ authenticated: boolean }>('/api/v1/ui/login', { token: input.value });
      input.value = '';
      window.dispatchEvent(new Event('mlmeta:session'));
      if (answer) navigate(safeNext(url.searchParams.get('next')), true);
    } catch (error) {
      message.hidden = false;
      message.textContent =
        error instanceof ApiError && error.status === 401
          ? 'That token is not accepted by this server.'
          : `Sign-in failed: ${(error as Error).message}`;
    }
  });
  root.append(form);
  input.focus();
};
