/**
 * When to try a request again. A 429 or 503 that says how long to wait (Retry-After, or
 * OpenAI's retry-after-ms) is honoured; otherwise the wait doubles from `baseMs` up to `maxMs`,
 * with "equal jitter" (half fixed, half random) so a burst of failures does not come back as
 * a burst of retries.
 */
export interface BackoffPolicy {
  /** Requests per cell, the first one included. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this is cut to it (a server asking for an hour gets a minute). */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 6, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 };

/**
 * The wait before the next attempt, after `failures` failed attempts (1 after the first).
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(failures: number, retryAfterMs: number | undefined, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    // The server's word, plus up to 10% so cells told the same moment do not all return at once.
    const asked = Math.min(retryAfterMs, policy.maxRetryAfterMs);
    return Math.round(asked + asked * 0.1 * random());
  }
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Reads how long a response asks us to wait: `retry-after-ms` (OpenAI), else `retry-after`
 * in seconds or as an HTTP date. Undefined when neither is there or readable.
 */
export function parseRetryAfter(get: (name: string) => string | null | undefined, now: number = Date.now()): number | undefined {
  const ms = get('retry-after-ms');
  if (ms) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms`, or less if the signal aborts (then it rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
