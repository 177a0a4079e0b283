/**
 * Where the server writes its access log (one JSON line per request: method, route pattern,
 * status, duration, token name) and its errors. Lines never contain tokens, Authorization
 * headers or query strings: the server only ever passes route patterns and token names.
 *
 * @example
 * const lines: string[] = [];
 * const logger: ServerLogger = { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) };
 * await startServer({ store, logger });
 */
export interface ServerLogger {
  /** One access-log line (JSON). */
  info(line: string): void;
  /** A warning, such as a rejected request. */
  warn(line: string): void;
  /** An error the server recovered from. */
  error(line: string): void;
}

function writeLine(stream: NodeJS.WriteStream, line: string): void {
  try {
    stream.write(`${line}\n`);
  } catch {
    // A closed stdout must not take the server down with it.
  }
}

/** The default: access log on stdout, warnings and errors on stderr. */
export const stdioServerLogger: ServerLogger = {
  info: (line) => writeLine(process.stdout, line),
  warn: (line) => writeLine(process.stderr, line),
  error: (line) => writeLine(process.stderr, line),
};
