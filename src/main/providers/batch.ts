/**
 * A vendor's batch engine (OpenAI's Batch API, Anthropic's Message Batches): the same requests a
 * run sends live, sent as one job that the vendor answers within 24 hours at half the price.
 * Each provider that has one turns requests, statuses and result files into these words;
 * runner/batch.ts submits, polls and writes the answers into the run's cells.
 */
import { AppError } from '../../shared/errors';
import type { ErrorInfo, Message, Params, Usage } from '../../shared/schemas';
import type { LogprobTotals } from './types';
import type { ToolCall } from '../../shared/tools';
import type { ImageLoader } from './content';
import type { BatchVendor } from '../../shared/batch';

/** One request of a batch: a cell's request, named by the cell's id. */
export interface BatchItem {
  customId: string;
  model: string;
  messages: Message[];
  params: Params;
  /** A perplexity check grades the answer: its tokens' log-probabilities are asked for, as live (ChatRequest.logprobs). */
  logprobs?: boolean;
}

/** Where a job stands, in one set of words for both vendors. */
export type BatchState = 'validating' | 'in_progress' | 'finalizing' | 'cancelling' | 'completed' | 'failed' | 'expired' | 'cancelled' | 'ended';

export const FINISHED_STATES: ReadonlySet<BatchState> = new Set(['completed', 'failed', 'expired', 'cancelled', 'ended']);

export interface BatchStatus {
  state: BatchState;
  total: number;
  /** Requests answered (well or not) so far, as the vendor counts them. */
  succeeded: number;
  failed: number;
  /** Results can be read now (OpenAI: its output and error files exist; Anthropic: the batch ended). */
  resultsReady: boolean;
  /** Why a whole batch failed, as the vendor said it (masked and cut). */
  problem?: string;
}

/** One request's outcome, read from a result file. */
export type BatchResult =
  | { customId: string; ok: true; output: string; reasoning?: string; toolCalls?: ToolCall[]; usage: Usage; finishReason: string | undefined; logprobs?: LogprobTotals }
  | { customId: string; ok: false; error: ErrorInfo };

export interface BatchApi {
  readonly vendor: BatchVendor;
  /** Uploads and creates the job, tagged with Parallax's id for it (`tag`) where the vendor keeps one; returns the vendor's id for it. */
  submit(items: readonly BatchItem[], signal: AbortSignal, tag: string): Promise<string>;
  /**
   * The vendor's id of a job created with `tag`, if it was (a create whose answer never came:
   * a quit or a broken connection mid-send); absent when the vendor keeps no tag to look up.
   */
  find?(tag: string, signal: AbortSignal): Promise<string | undefined>;
  status(remoteId: string, signal: AbortSignal): Promise<BatchStatus>;
  /** The results as they are read, a line at a time; lines that cannot be used are skipped (`onBadLine`). */
  results(remoteId: string, signal: AbortSignal, onBadLine: (why: string) => void): AsyncIterable<BatchResult>;
  cancel(remoteId: string, signal: AbortSignal): Promise<void>;
}

/** Options every vendor's batch client shares. */
export interface BatchContext {
  baseUrl: string;
  redact: (text: string) => string;
  loadImage?: ImageLoader;
}

/** A result file that sends nothing for this long is given up (its read is tried again, runner/batch.ts). */
export const RESULTS_IDLE_MS = 120_000;
/** A result line longer than this is skipped (its cell then fails as having no result). */
export const MAX_RESULT_LINE_BYTES = 8 * 1024 * 1024;
/** Requests in one job at most (both vendors take up to 50,000 in a batch, OpenAI 200 MB of input). */
export const MAX_BATCH_ITEMS = 50_000;

/** The error a request the engine never answered gets, by why. */
export function batchError(kind: 'expired' | 'cancelled' | 'failed' | 'missing', detail = ''): ErrorInfo {
  const tail = detail !== '' ? ` ${detail}` : '';
  switch (kind) {
    case 'expired':
      return { code: 'batch_expired', message: `The batch's 24-hour window ended before this request was answered. Send it again live.${tail}` };
    case 'cancelled':
      return { code: 'cancelled', message: `The batch was cancelled before this request was answered.${tail}` };
    case 'missing':
      return { code: 'batch_failed', message: `The batch ended with no usable result for this request.${tail}` };
    case 'failed':
      return { code: 'batch_failed', message: `The batch engine could not answer this request.${tail}` };
  }
}

/**
 * Reads a JSONL body a line at a time without holding it whole: a line past MAX_RESULT_LINE_BYTES
 * is skipped to its end (reported), NUL bytes and bad UTF-8 end up in a line JSON.parse refuses.
 */
export async function* jsonLines(body: ReadableStream<Uint8Array> | null, onBadLine: (why: string) => void, idleMs = RESULTS_IDLE_MS): AsyncIterable<unknown> {
  if (!body) return;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pending = '';
  let skipping = false;
  const parse = function* (line: string): Generator<unknown> {
    const text = line.trim();
    if (text === '') return;
    if (text.includes('\u0000')) {
      onBadLine('a line holds NUL bytes');
      return;
    }
    try {
      yield JSON.parse(text) as unknown;
    } catch {
      onBadLine('a line is not JSON');
    }
  };
  const reader = body.getReader();
  // A server that stops sending mid-file would hold the read forever: given up after idleMs without a byte.
  const next = async (): Promise<Awaited<ReturnType<typeof reader.read>>> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected before the cancel ends the pending read as done (a cut file is not a whole one).
        reject(new AppError('provider_error', `The batch's result file stopped coming (nothing for ${Math.round(idleMs / 1000)} s).`, { retryable: true }));
        void reader.cancel().catch(() => undefined);
      }, idleMs);
    });
    try {
      return await Promise.race([reader.read(), idle]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    for (;;) {
      const { value, done } = await next();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (skipping) skipping = false;
        else yield* parse(line);
      }
      if (pending.length > MAX_RESULT_LINE_BYTES) {
        if (!skipping) onBadLine(`a line is longer than ${MAX_RESULT_LINE_BYTES / 1024 / 1024} MB`);
        skipping = true;
        pending = '';
      }
    }
    pending += decoder.decode();
    if (!skipping) yield* parse(pending);
  } finally {
    reader.releaseLock();
  }
}

/** One line read into a result; a line that throws (a tool input nested past the stack) is a bad line, not the end of the file. */
export function readSafely(read: () => BatchResult | string): BatchResult | string {
  try {
    return read();
  } catch (error) {
    return `a line could not be read (${error instanceof Error ? error.name : 'error'})`;
  }
}

/** A custom_id as the runner can use it: a short text, else the line is skipped. */
export function customIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
}

/** A problem a vendor reported, as a sentence safe to keep (masked, cut). */
export function vendorText(text: string, redact: (text: string) => string, max = 500): string {
  // Control characters (NUL included) become spaces: the text is shown and stored.
  const plain = [...text].map((c) => (c.charCodeAt(0) < 32 && c !== '\n' && c !== '\t' ? ' ' : c)).join('');
  const masked = redact(plain);
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

export function notBatchable(name: string): AppError {
  return new AppError('bad_input', `${name} has no batch engine Parallax can use: batches go to OpenAI's Batch API (Chat Completions) or Anthropic's Message Batches.`);
}
