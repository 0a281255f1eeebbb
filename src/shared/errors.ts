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
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export function toErrorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
