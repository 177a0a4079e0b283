/**
 * What createRequire is given to load core's dependencies synchronously: the CommonJS build's
 * __filename, else import.meta.url. In an ES module that runs in a `node -e` program (the exit
 * replay child, tracker/exit-replay.ts), a global __filename exists and is '[eval]', which
 * createRequire refuses.
 */
import { isAbsolute } from 'node:path';

/**
 * This build's module file or URL.
 *
 * @example
 * const require = createRequire(ownModule());
 */
export function ownModule(): string {
  return typeof __filename === 'string' && isAbsolute(__filename) ? __filename : import.meta.url;
}
