/**
 * Retry timing for the HTTP store: exponential backoff with full jitter (so that many training
 * processes that lost the server together do not come back in lockstep), bounded by a total
 * time budget after which the caller gives up with UNAVAILABLE and the writer spools.
 */

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. Default 30,000 ms. */
  maxElapsedMs?: number;
  /** Backoff ceiling for the first retry. Default 100 ms. */
  initialDelayMs?: number;
  /** Backoff ceiling never grows beyond this. Default 5,000 ms. */
  maxDelayMs?: number;
}

/**
 * The HTTP store's retry budget unless told otherwise: 30 s in all, backoff from 100 ms to 5 s.
 *
 * @example
 * await openHttpStore(url, { retry: { ...DEFAULT_RETRY, maxElapsedMs: 5_000 } });
 */
export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxElapsedMs: 30_000,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
};

/**
 * The wait before retry number `attempt` (1-based): uniform in [0, min(max, initial·2^(attempt-1))].
 *
 * @example
 * backoffDelay(3, DEFAULT_RETRY); // somewhere in 0..400 ms
 */
export function backoffDelay(attempt: number, options: Required<RetryOptions>, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
