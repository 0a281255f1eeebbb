/**
 * Waiting out a busy database. Another process (a second Parallax, the CLI, a sqlite3 shell)
 * may hold the write lock; SQLite then answers SQLITE_BUSY once the connection's short
 * `busy_timeout` has passed. That timeout blocks the thread, so it is kept short (BUSY_TIMEOUT_MS)
 * and the writes a run cannot lose (a finished cell, a chunk of a new run, the run's end) are
 * tried again here, asynchronously, with growing pauses, so the app keeps answering meanwhile.
 */

/** How long one attempt may block the thread waiting for the lock (PRAGMA busy_timeout). */
export const BUSY_TIMEOUT_MS = 100;
/** How long a write that must not be lost keeps trying before it gives up. */
export const BUSY_DEADLINE_MS = 10 * 60_000;

/** SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes. */
export function isBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === 'number') {
    const primary = errcode & 0xff;
    return primary === 5 || primary === 6;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && /database (table )?is (locked|busy)/.test(message);
}

export interface BusyRetryOptions {
  /** Give up after this long (the last error is thrown). */
  deadlineMs?: number;
  /** Pause before the second attempt; doubles up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Checked before each attempt: when true, stop trying and throw `BusyGaveUp`. */
  cancelled?: () => boolean;
  /** Called once, when the first attempt finds the database busy. */
  onWait?: () => void;
  random?: () => number;
}

/** Thrown when `cancelled()` said to stop while the database was still busy. */
export class BusyGaveUp extends Error {
  constructor(cause: unknown) {
    super(`The database stayed busy: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BusyGaveUp';
  }
}

/**
 * Runs `write` (a synchronous write, or a whole transaction) until it succeeds; while the
 * database is busy, waits with jittered exponential backoff (the event loop stays free). Any
 * other error is thrown at once.
 */
export async function retryWhileBusy<T>(write: () => T, options: BusyRetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? BUSY_DEADLINE_MS);
  const random = options.random ?? Math.random;
  let delay = options.firstDelayMs ?? 10;
  const maxDelay = options.maxDelayMs ?? 500;
  let waited = false;
  for (;;) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      if (options.cancelled?.() === true) throw new BusyGaveUp(error);
      if (!waited) {
        waited = true;
        options.onWait?.();
      }
      // Half fixed, half random: processes waiting on one lock do not wake in step.
      const pause = Math.min(delay / 2 + random() * (delay / 2), Math.max(0, deadline - Date.now()));
      await new Promise<void>((resolve) => setTimeout(resolve, pause));
      delay = Math.min(maxDelay, delay * 2);
    }
  }
}
