/** Errors are values with a code and a sentence a person can act on. */
export type ErrorCode =
  | 'bad_input'
  | 'not_found'
  | 'forbidden'
  | 'provider_error'
  | 'rate_limited'
  | 'network'
  | 'auth'
  | 'cancelled'
  | 'config'
  | 'template'
  | 'internal';

export interface AppErrorOptions {
  /** How long the server asked us to wait before trying again (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Whether trying the same request again may work (429, 5xx, a dropped connection). */
  retryable?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? false;
  }
}

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export function toErrorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
