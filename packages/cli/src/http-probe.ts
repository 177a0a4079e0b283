/**
 * Before a command talks to an `mlmeta server`, one quick request says whether anything answers
 * there: the HTTP store retries for up to 30 s (right for a training process that spools
 * meanwhile), which leaves a person at a terminal waiting for an answer it already has.
 */
import { CliError } from './context.js';

/** How long the first answer may take before the server counts as unreachable. */
export const PROBE_TIMEOUT_MS = 3_000;

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      if ((error as Error)?.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
      return cause?.message ?? (error as Error)?.message ?? String(error);
  }
}

/**
 * Resolves when the server at `base` answers at all (any HTTP status: auth is the store's
 * business); otherwise a CliError saying why, within PROBE_TIMEOUT_MS.
 *
 * @example
 * await probeServer('http://127.0.0.1:5858', 'http://127.0.0.1:5858');
 */
export async function probeServer(base: string, shown: string): Promise<void> {
  const url = `${base.replace(/\/+$/, '')}/api/v1/types`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (error) {
    throw new CliError(
      `cannot reach the mlmeta server ${shown}: ${reason(error)}; start it (mlmeta server) or pass --store`,
    );
  }
}
