/**
 * The UI's only way to the server: same-origin fetches that carry the session cookie (the
 * token itself is HttpOnly and never visible here), decoded with mlmeta's wire codec so a NaN
 * loss arrives as NaN. A 401 means the session is missing, wrong or expired: back to login.
 */
import { decodeWireJson } from '../../../core/src/store/http/wire.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a filter syntax error: the 0-based offset of the problem. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Thrown after redirecting to the login page, so callers stop rendering. */
export class LoginRequired extends Error {}

let onUnauthenticated: () => void = () => {};

/** What to do when a request comes back 401 (the router sends the user to /login). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return decodeWireJson(text);
  } catch {
    throw new ApiError(
      response.status,
      'INTERNAL',
      `the server sent something that is not JSON (${text.slice(0, 80)})`,
    );
  }
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { accept: 'application/json' }
        : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await parse(response);
  if (response.ok) return payload as T;
  const error = (payload as { error?: { code?: string; message?: string; position?: number } } | undefined)
    ?.error;
  const failure = new ApiError(
    response.status,
    error?.code ?? 'INTERNAL',
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.position,
  );
  if (response.status === 401 && !path.endsWith('/ui/login')) {
    onUnauthenticated();
    throw new LoginRequired(failure.message);
  }
  throw failure;
}

/**
 * GET an API path with query parameters (undefined ones left out).
 *
 * @example
 * const page = await get<RunsPage>('/api/v1/ui/runs', { filter: "name LIKE 'a%'" });
 */
export function get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return request<T>('GET', qs === '' ? path : `${path}?${qs}`);
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return request<T>('POST', path, body);
}
