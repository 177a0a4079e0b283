/**
 * Backends a user may never touch (PostgreSQL, the HTTP client) are optional peer dependencies
 * of @mlmeta/core, so `npm install @mlmeta/tfjs` for the default SQLite store installs none of
 * them. They load on first use; when one is missing, the error names the package to install
 * instead of Node's bare "Cannot find module".
 */
import { MlmetaError } from './store/errors.js';

/** The optional packages: what each is for and what to install (in the error a user sees). */
export const OPTIONAL_MODULES = {
  pg: { feature: 'the PostgreSQL store (postgres://...)', install: 'pg pg-copy-streams' },
  'pg-copy-streams': { feature: 'the PostgreSQL store (postgres://...)', install: 'pg pg-copy-streams' },
  ky: { feature: 'the HTTP store (http(s)://... against an mlmeta server)', install: 'ky' },
} as const;

export type OptionalModule = keyof typeof OPTIONAL_MODULES;

/** True when `error` says that `name` itself (not one of its own imports) could not be found. */
export function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/**
 * Load an optional peer dependency, or fail with what to install.
 *
 * @example
 * const { default: pg } = await loadOptional('pg', () => import('pg'));
 */
export async function loadOptional<T>(name: OptionalModule, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingModule(error, name)) throw error;
    throw new MlmetaError(
      'FAILED_PRECONDITION',
      `${OPTIONAL_MODULES[name].feature} needs the "${name}" package, which is not installed: run \`npm install ${OPTIONAL_MODULES[name].install}\` in your project`,
      { cause: error },
    );
  }
}
