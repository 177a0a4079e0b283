/**
 * Where the server writes its access log (one JSON line per request: method, route pattern,
 * status, duration, token name) and its errors. Lines never contain tokens, Authorization
 * headers or query strings: the server only ever passes route patterns and token names.
 */
export interface ServerLogger {
  info(line: string): void;
  warn(line: string): void;
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
