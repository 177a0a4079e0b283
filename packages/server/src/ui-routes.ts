/**
 * The web UI: the Vite-built single-page app (built into dist/ui with the server package, so it
 * ships with it and loads nothing from elsewhere), its page URLs, login and logout, and the
 * UI's API. Pages and assets are public (they hold no data and no secrets); the data behind
 * them needs a token, presented as the session cookie that login sets.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_PREFIX, type MetadataStore, MlmetaError } from '@mlmeta/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { TokenVerifier } from './auth.js';
import { validate } from './request-schemas.js';
import { sessionCookie } from './session-cookie.js';
import { registerUiApi } from './ui-api.js';

/**
 * Only our own files: no inline script or style, no other origin, no framing. uPlot and the
 * graph set element styles through the CSSOM, which style-src does not restrict.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Client-side routes: each serves the app's index.html, which renders the page. */
const PAGE_ROUTES = [
  '/',
  '/runs',
  '/runs/:id',
  '/compare',
  '/artifacts/:id',
  '/deployments',
  '/pipelines',
  '/pipelines/:id',
  '/login',
];

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

interface UiBundle {
  index: Buffer;
  assets: Map<string, { body: Buffer; type: string }>;
}

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/** dist/ui beside the built module, or (running from src/ under vitest) ../dist/ui. */
export function uiDistDir(): string | undefined {
  const here = moduleDir();
  return [join(here, 'ui'), join(here, '..', 'dist', 'ui')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/** Reads the built app once; it is a handful of small files, served from memory. */
function loadBundle(dir: string): UiBundle {
  const assets = new Map<string, { body: Buffer; type: string }>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = CONTENT_TYPES[extname(name)];
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
    }
  }
  return { index: readFileSync(join(dir, 'index.html')), assets };
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

const LoginBody = z.object({ token: z.string().min(1).max(4096) }).strict();

/**
 * How the UI checks logins: the server's token verifier, or none for a server without tokens.
 *
 * @example
 * registerUi(app, store, { verifier: new TokenVerifier(parseTokens(text)) });
 */
export interface UiOptions {
  /** The server's token check; undefined when the server runs without tokens (no login). */
  verifier: TokenVerifier | undefined;
}

/**
 * Registers the web UI on `app`: pages at /, /runs/:id, /compare, /artifacts/:id, /deployments,
 * /pipelines, /pipelines/:id, /login; assets at /assets/*; login, logout and the page data under /api/v1/ui.
 *
 * @example
 * registerUi(server.app, server.store, { verifier: undefined });
 */
export function registerUi(app: FastifyInstance, store: MetadataStore, options: UiOptions): void {
  const publicRoute = { config: { access: 'public' as const } };
  const dir = uiDistDir();
  const bundle = dir === undefined ? undefined : loadBundle(dir);

  const sendIndex = (reply: FastifyReply, status = 200) => {
    if (!bundle) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web UI is not built; run `npm run build -w @mlmeta/server`.\n');
    }
    return securityHeaders(reply)
      .code(status)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(bundle.index);
  };

  for (const url of PAGE_ROUTES) app.get(url, publicRoute, (_request, reply) => sendIndex(reply));

  app.get('/assets/:name', publicRoute, (request, reply) => {
    const asset = bundle?.assets.get((request.params as { name: string }).name);
    if (!asset) return reply.callNotFound();
    // Vite puts a content hash in every asset name, so a name never changes meaning.
    return securityHeaders(reply)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(asset.type)
      .send(asset.body);
  });

  // Any other page URL: the app, with a 404 status, renders its not-found page. API URLs keep
  // the API's own answers (401 without a token, then the JSON 404).
  app.get('/*', publicRoute, (_request, reply) => sendIndex(reply, 404));
  app.get(`${API_PREFIX}/*`, { config: { access: 'read' as const } }, (_request, reply) =>
    reply.callNotFound(),
  );

  app.post(`${API_PREFIX}/ui/login`, publicRoute, async (request, reply) => {
    if (!options.verifier) return { authenticated: false };
    const { token } = validate(LoginBody, request.body ?? {}, 'login');
    const who = options.verifier.verify(token.trim());
    if (!who) throw new MlmetaError('UNAUTHENTICATED', 'this token is not accepted by the server');
    reply.header('set-cookie', sessionCookie(request, token.trim()));
    return { authenticated: true, tokenName: who.name };
  });
  app.post(`${API_PREFIX}/ui/logout`, publicRoute, async (request, reply) => {
    reply.header('set-cookie', sessionCookie(request, undefined));
    return reply.code(204).send();
  });

  registerUiApi(app, store, { authenticated: options.verifier !== undefined });
}
