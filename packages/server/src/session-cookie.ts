/**
 * The web UI's session: the API token itself, kept by the browser in an HttpOnly, SameSite=Strict
 * cookie so that page scripts never see it. The server accepts it only for read routes: a
 * cookie is sent by the browser on its own, so a route that changes state must still demand the
 * bearer header (a cross-site form cannot set one), which makes cookie-only CSRF harmless.
 */
import type { FastifyRequest } from 'fastify';

/**
 * The name of the UI's login cookie (HttpOnly, SameSite=Strict; accepted for reads only).
 *
 * @example
 * const loggedIn = request.headers.cookie?.includes(`${SESSION_COOKIE}=`) ?? false;
 */
export const SESSION_COOKIE = 'mlmeta_session';

/** How long the browser keeps the cookie; the token's validity is checked on every request. */
const SESSION_MAX_AGE_S = 7 * 24 * 3600;

/**
 * The session token from the request's Cookie header, or undefined.
 *
 * @example
 * sessionToken(request); // 'mlm_...' when the browser sent `Cookie: mlmeta_session=mlm_...`
 */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return value === '' ? undefined : decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Secure only when the browser reached us over https (directly or through a TLS proxy). */
function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/**
 * The Set-Cookie value that stores `token` (or, with undefined, deletes the cookie).
 *
 * @example
 * reply.header('set-cookie', sessionCookie(request, token));
 */
export function sessionCookie(request: FastifyRequest, token: string | undefined): string {
  const value = token === undefined ? '' : encodeURIComponent(token);
  const maxAge = token === undefined ? 0 : SESSION_MAX_AGE_S;
  const secure = isHttps(request) ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
}
