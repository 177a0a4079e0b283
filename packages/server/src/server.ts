/**
 * The mlmeta HTTP server: fastify with mlmeta's JSON codec (non-finite numbers survive), bearer
 * token auth, one error shape, compression, an access log without secrets, and a health check.
 * It keeps no state between requests, so several servers over one database are equivalent.
 */

import fastifyCompress from '@fastify/compress';
import {
  decodeWireJson,
  encodeWireJson,
  type MetadataStore,
  MlmetaError,
  openStore,
  redactString,
  redactUri,
  type WireErrorBody,
} from '@mlmeta/core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { loadTokensFile, type TokenEntry, TokenVerifier } from './auth.js';
import { toErrorReply } from './errors.js';
import { HostCheck, isLoopbackHost, isSameOrigin } from './host.js';
import { registerOpenLineageRoute } from './openlineage-route.js';
import { type RouteAccess, registerApiRoutes } from './routes.js';
import { type ServerLogger, stdioServerLogger } from './server-logger.js';
import { sessionToken } from './session-cookie.js';
import { registerUi } from './ui-routes.js';

/**
 * The address the server binds unless told otherwise: loopback only.
 *
 * @example
 * await startServer({ store: 'sqlite:.mlmeta/mlmeta.db', host: DEFAULT_HOST });
 */
export const DEFAULT_HOST = '127.0.0.1';
/**
 * The server's default TCP port (also the UI's: http://127.0.0.1:5858/).
 *
 * @example
 * const url = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
 */
export const DEFAULT_PORT = 5858;
/**
 * The largest request body accepted by default (32 MiB); larger bodies get 413.
 *
 * @example
 * await createServer({ store, bodyLimit: DEFAULT_BODY_LIMIT * 2 });
 */
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * How to run a server: the store, who may use it (tokens), where it listens, and whether it
 * serves the web UI.
 *
 * @example
 * const options: ServerOptions = { store: 'postgres://db/mlmeta', host: '0.0.0.0', tokensFile: 'tokens.txt', ui: true };
 */
export interface ServerOptions {
  /** An open store, or a store URI (opened here, closed by `close()`). Fixed for the server's life. */
  store: MetadataStore | string;
  /** Accepted tokens (hashed). With neither this nor tokensFile, requests are not authenticated. */
  tokens?: readonly TokenEntry[];
  /** A tokens file (JSON or `name:scope:sha256` lines), read once at startup. */
  tokensFile?: string;
  /** Default 127.0.0.1. A non-loopback address needs tokens, or `insecure`. */
  host?: string;
  /** Default 5858; 0 picks a free port. */
  port?: number;
  /**
   * Host names the server answers to besides loopback names and its bound address (e.g. the
   * name clients and browsers use behind DNS). Requests naming any other host are refused.
   */
  allowedHosts?: readonly string[];
  /** Allow a non-loopback address without tokens (anyone who can reach it can read and write). */
  insecure?: boolean;
  /** Largest request body in bytes (default 32 MiB); larger bodies get 413. */
  bodyLimit?: number;
  /** Access and error log; default JSON lines on stdout/stderr; false for none. */
  logger?: ServerLogger | false;
  /** Serve the web UI at / (pages, login, /api/v1/ui). Default false: the API alone. */
  ui?: boolean;
}

/**
 * One registered route and the token scope it needs (`public`, `read` or `write`).
 *
 * @example
 * server.routes.filter((r) => r.access === 'write').map((r) => `${r.method} ${r.url}`);
 */
export interface RouteSummary {
  method: string;
  url: string;
  access: RouteAccess;
}

/**
 * A built server: its fastify app, store and routes, and `listen()` / `close()`.
 *
 * @example
 * const server = await createServer({ store: 'sqlite:.mlmeta/mlmeta.db', port: 0 });
 * const url = await server.listen();
 * await server.close();
 */
export interface MlmetaServer {
  /** The fastify instance, for adding routes (the web UI); call before listen(). */
  readonly app: FastifyInstance;
  readonly store: MetadataStore;
  /** Every registered route with the scope it needs. */
  readonly routes: readonly RouteSummary[];
  /** The base URL once listening, e.g. http://127.0.0.1:5858. */
  readonly url: string | undefined;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes the store if it was opened here. */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the token that authenticated the request (never the token itself). */
    tokenName: string | null;
  }
}

const noLogger: ServerLogger = { info() {}, warn() {}, error() {} };

function unauthorized(code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED', message: string): MlmetaError {
  return new MlmetaError(code, message);
}

/** How long /healthz waits for the store before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 5_000;

async function probeStore(store: MetadataStore): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${HEALTH_TIMEOUT_MS} ms`), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.getTypes('context').then(() => undefined), timeout]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the server (not yet listening). Throws MlmetaError before binding anything when the
 * configuration is unsafe (non-loopback host without tokens) or the tokens file is invalid.
 *
 * @example
 * const server = await createServer({ store: 'sqlite:/data/mlmeta.db', tokensFile: 'tokens.txt' });
 * console.log(await server.listen()); // http://127.0.0.1:5858
 */
export async function createServer(options: ServerOptions): Promise<MlmetaServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = options.logger === false ? noLogger : (options.logger ?? stdioServerLogger);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MlmetaError('INVALID_ARGUMENT', `port ${port} is not valid; use 0-65535`);
  }
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
    throw new MlmetaError('INVALID_ARGUMENT', `bodyLimit ${bodyLimit} is not valid; use at least 1024 bytes`);
  }

  const tokens = [
    ...(options.tokens ?? []),
    ...(options.tokensFile ? await loadTokensFile(options.tokensFile) : []),
  ];
  const verifier = tokens.length > 0 ? new TokenVerifier(tokens) : undefined;
  if (!verifier && !isLoopbackHost(host) && !options.insecure) {
    throw new MlmetaError(
      'FAILED_PRECONDITION',
      `refusing to listen on ${host} without authentication: anyone who can reach it could read and write ` +
        'your metadata. Create a token with `mlmeta-server hash-token --name NAME --scope write`, put its line ' +
        'in a file and pass --tokens-file FILE; or bind to 127.0.0.1; or pass --insecure if the network is trusted.',
    );
  }

  const hostCheck = new HostCheck(host, options.allowedHosts);

  const ownsStore = typeof options.store === 'string';
  const store = typeof options.store === 'string' ? await openStore(options.store) : options.store;

  const app = Fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: 120_000,
  });
  const routes: RouteSummary[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = (route.config as { access?: RouteAccess } | undefined)?.access ?? 'write';
    for (const method of methods) routes.push({ method, url: route.url ?? route.path, access });
  });

  app.decorateRequest('tokenName', null);
  app.setReplySerializer((payload) => encodeWireJson(payload));
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(new MlmetaError('INVALID_ARGUMENT', 'empty JSON body; send a JSON object'));
    try {
      done(null, decodeWireJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    // First, before any auth: a page of another site that rebinds its name to this address
    // sends its own name as Host.
    hostCheck.check(request);
    if (!verifier) return;
    const access: RouteAccess = request.is404 ? 'read' : (request.routeOptions.config.access ?? 'write');
    if (access === 'public') return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
    // The UI's session cookie counts for reads only: browsers attach cookies to cross-site
    // requests on their own, so anything that writes must carry the bearer header (no CSRF).
    const cookie = match ? undefined : access === 'read' ? sessionToken(request) : undefined;
    if (cookie !== undefined && !isSameOrigin(request)) {
      throw unauthorized(
        'PERMISSION_DENIED',
        "the session cookie is accepted from this server's own pages only (Origin or Sec-Fetch-Site names another site)",
      );
    }
    const token = match ? match[1] : cookie;
    if (token === undefined) {
      throw unauthorized(
        'UNAUTHENTICATED',
        'missing bearer token; send "Authorization: Bearer <token>" (clients read MLMETA_TOKEN)',
      );
    }
    const who = verifier.verify(token);
    if (!who)
      throw unauthorized('UNAUTHENTICATED', 'unknown token; check MLMETA_TOKEN against the tokens file');
    request.tokenName = who.name;
    if (access === 'write' && who.scope !== 'write') {
      throw unauthorized(
        'PERMISSION_DENIED',
        `token "${who.name}" has read scope; this route needs a write token`,
      );
    }
  });

  // Answers still in flight when close() starts must end their keep-alive connection, or the
  // drain would wait for the client to hang up.
  let shuttingDown = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: query strings and paths may carry anything.
    log.info(
      JSON.stringify({
        time: new Date().toISOString(),
        method: request.method,
        route: request.is404 ? '(no route)' : request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        token: request.tokenName,
      }),
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = toErrorReply(error);
    if (answer.internal) {
      log.error(
        redactString(
          `${request.method} ${request.routeOptions.url ?? '(no route)'} failed: ${(error as Error).stack ?? error}`,
        ),
      );
    }
    return reply.code(answer.status).type('application/json').send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: WireErrorBody = {
      error: {
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
      },
    };
    return reply.code(404).send(body);
  });

  await app.register(fastifyCompress, {
    global: true,
    threshold: 1024,
    encodings: ['gzip', 'deflate', 'br'],
  });

  app.get('/healthz', { config: { access: 'public' } }, async (_request, reply) => {
    const problem = await probeStore(store);
    if (problem === undefined) return { status: 'ok', store: 'ok' };
    return reply.code(503).send({
      status: 'unavailable',
      store: 'unreachable',
      error: { code: 'UNAVAILABLE', message: `the store is unreachable: ${problem}` },
    });
  });
  registerApiRoutes(app, store);
  // A server on a loopback address shares its clients' files: it identifies them by content.
  registerOpenLineageRoute(app, store, { digestLocalFiles: isLoopbackHost(host) });
  if (options.ui) registerUi(app, store, { verifier });

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    routes,
    get url() {
      return url;
    },
    async listen() {
      await app.listen({ host, port });
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
      log.info(
        JSON.stringify({ time: new Date().toISOString(), listening: url, store: redactUri(store.uri) }),
      );
      return url;
    },
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        try {
          await app.close();
        } finally {
          if (ownsStore) await store.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * createServer + listen.
 *
 * @example
 * const server = await startServer({ store: 'sqlite:mlmeta.db', port: 0 });
 * const store = await openStore(server.url!);
 */
export async function startServer(options: ServerOptions): Promise<MlmetaServer> {
  const server = await createServer(options);
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
