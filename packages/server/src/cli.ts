/**
 * The `mlmeta-server` command line: strict flags (a typo exits 2 with the usage, it is never
 * ignored), and the signal handling that turns SIGINT/SIGTERM into a graceful drain.
 */
import { parseArgs } from 'node:util';
import { isMlmetaError } from '@mlmeta/core';
import { generateToken, hashToken, TOKEN_NAME_PATTERN, type TokenScope } from './auth.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_HOST, DEFAULT_PORT, type MlmetaServer, startServer } from './server.js';

/**
 * The `mlmeta-server` usage text, printed by `--help` and after a usage error.
 *
 * @example
 * process.stdout.write(SERVER_USAGE);
 */
export const SERVER_USAGE = `usage:
  mlmeta-server --store <uri> [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}] [--tokens-file <file>]
                [--allowed-host <name>]... [--insecure] [--body-limit-mb ${DEFAULT_BODY_LIMIT / 1024 / 1024}]
  mlmeta-server hash-token --name <name> [--scope read|write] [--stdin]

  --store          where records live: sqlite:<path> or postgres://... (fixed for the server's life)
  --host           address to bind; a non-loopback address needs --tokens-file (or --insecure)
  --port           TCP port (0 picks a free one)
  --tokens-file    accepted tokens: lines of name:scope:sha256 (or JSON), from hash-token
  --allowed-host   a Host name clients use for this server (repeatable); requests naming
                   any other host than these, loopback names and the bound address are refused
  --insecure       allow a non-loopback address without tokens
  hash-token       prints a tokens-file line on stdout and the new token on stderr
                   (--stdin: hash a token read from stdin instead of generating one)
`;

interface Io {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
  stdin?: NodeJS.ReadableStream;
}

class UsageError extends Error {}

function positiveInt(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw new UsageError(`${flag} must be an integer 0-${max}, got "${text}"`);
  return Number(text);
}

/** `--allowed-host` values: host names or addresses, without scheme, port or path. */
function allowedHosts(values: string[]): string[] {
  for (const value of values) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(value)) {
      throw new UsageError(
        `--allowed-host "${value}": give a host name or address only, e.g. --allowed-host mlmeta.internal`,
      );
    }
  }
  return values;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function hashTokenCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', default: 'read' },
      stdin: { type: 'boolean' },
    },
  });
  if (!values.name) throw new UsageError('hash-token needs --name <name> (shown in the access log)');
  if (!TOKEN_NAME_PATTERN.test(values.name)) {
    throw new UsageError(`--name "${values.name}": use 1-64 characters from A-Z a-z 0-9 . _ @ -`);
  }
  if (values.scope !== 'read' && values.scope !== 'write') {
    throw new UsageError(`--scope must be read or write, got "${values.scope}"`);
  }
  const scope = values.scope as TokenScope;
  if (values.stdin) {
    const token = (await readAll(io.stdin ?? process.stdin)).trim();
    if (token === '') throw new UsageError('--stdin: no token on stdin');
    io.out.write(`${values.name}:${scope}:${hashToken(token)}\n`);
    return 0;
  }
  const { token, line } = generateToken(values.name, scope);
  io.out.write(`${line}\n`);
  io.err.write(
    `token for "${values.name}" (${scope} scope): ${token}\n` +
      'Give it to clients as MLMETA_TOKEN; only its hash (the line on stdout) goes in the tokens file.\n',
  );
  return 0;
}

/**
 * Resolves once `server` has shut down after SIGINT or SIGTERM: stop accepting, let in-flight
 * requests finish (up to `drainTimeoutMs`, then connections are cut), close the store.
 *
 * @example
 * const server = await startServer({ store: 'sqlite:mlmeta.db' });
 * await handleShutdownSignals(server);
 * process.exit(0);
 */
export function handleShutdownSignals(
  server: MlmetaServer,
  options: { drainTimeoutMs?: number; onSignal?: (signal: string) => void } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (started) {
        server.app.server.closeAllConnections();
        return;
      }
      started = true;
      options.onSignal?.(signal);
      const timer = setTimeout(
        () => server.app.server.closeAllConnections(),
        options.drainTimeoutMs ?? 30_000,
      );
      timer.unref();
      server.close().then(
        () => {
          clearTimeout(timer);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        },
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      store: { type: 'string' },
      host: { type: 'string', default: DEFAULT_HOST },
      port: { type: 'string' },
      'tokens-file': { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      insecure: { type: 'boolean', default: false },
      'body-limit-mb': { type: 'string' },
    },
  });
  if (!values.store) throw new UsageError('--store <uri> is required, e.g. --store sqlite:.mlmeta/mlmeta.db');
  if (/^https?:/i.test(values.store)) {
    throw new UsageError('--store must be a database (sqlite:<path> or postgres://...), not another server');
  }
  const port = positiveInt('--port', values.port, 65_535) ?? DEFAULT_PORT;
  const bodyLimitMb = positiveInt('--body-limit-mb', values['body-limit-mb'], 4096);
  if (bodyLimitMb === 0) throw new UsageError('--body-limit-mb must be at least 1');
  let server: MlmetaServer;
  try {
    server = await startServer({
      store: values.store,
      host: values.host,
      port,
      tokensFile: values['tokens-file'],
      allowedHosts: allowedHosts(values['allowed-host'] ?? []),
      insecure: values.insecure,
      ui: true,
      bodyLimit: bodyLimitMb === undefined ? undefined : bodyLimitMb * 1024 * 1024,
    });
  } catch (error) {
    io.err.write(`mlmeta-server: ${isMlmetaError(error) ? error.message : (error as Error).message}\n`);
    return 1;
  }
  io.err.write(`mlmeta-server: listening on ${server.url} (store ${server.store.uri})\n`);
  await handleShutdownSignals(server, {
    onSignal: (signal) =>
      io.err.write(`mlmeta-server: ${signal}: draining in-flight requests, then exiting\n`),
  });
  return 0;
}

/**
 * Runs `mlmeta-server` with `argv` (without node and the script); resolves with the exit code:
 * 0 after a signal-driven shutdown, 1 when the server cannot start, 2 for bad usage.
 *
 * @example
 * process.exitCode = await runServerCli(['--store', 'sqlite:mlmeta.db', '--port', '0']);
 */
export async function runServerCli(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  try {
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.out.write(SERVER_USAGE);
      return 0;
    }
    if (argv[0] === 'hash-token') return await hashTokenCommand(argv.slice(1), io);
    return await serveCommand(argv, io);
  } catch (error) {
    const known =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!known) throw error;
    io.err.write(`mlmeta-server: ${(error as Error).message}\n\n${SERVER_USAGE}`);
    return 2;
  }
}
