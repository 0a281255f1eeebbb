/**
 * What is kept of an answer. A server may answer with 50 MB; Parallax keeps the first
 * `maxBytes` (UTF-8 bytes, default 1 MB; Settings → Answers, `parallax eval --max-answer-bytes`)
 * in the database, the window and result files, and reads (and counts) the rest without keeping
 * it, so memory stays flat whatever the size. A cut answer ends with a mark that says how big the
 * whole answer was and how much is kept, and its cell records the whole size (`cut`).
 *
 * The provider's own runaway guard (providers/wire.ts, MAX_OUTPUT_CHARS) still stops reading an
 * answer that never ends.
 */
import { DEFAULT_MAX_ANSWER_BYTES, MAX_MAX_ANSWER_BYTES, MIN_MAX_ANSWER_BYTES, formatBytes } from '../../shared/answer-limit';

export { DEFAULT_MAX_ANSWER_BYTES } from '../../shared/answer-limit';

/** Where Settings keeps the cap (the kv table, so the app and the CLI agree). */
export const MAX_ANSWER_BYTES_KEY = 'answers.maxBytes';

/** The line a cut answer ends with. */
export function cutMark(answerBytes: number, maxBytes: number, complete = true): string {
  return `\n\n… [cut: the answer was ${complete ? '' : 'at least '}${formatBytes(answerBytes)}; Parallax keeps the first ${formatBytes(maxBytes)}]`;
}

/** The largest prefix of `text` that is at most `bytes` UTF-8 bytes, never splitting a character. */
export function utf8Prefix(text: string, bytes: number): string {
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (used + size > bytes) break;
    used += size;
    i += code >= 0x10000 ? 2 : 1;
  }
  return text.slice(0, i);
}

/** Counts an answer's bytes as it streams, and says which part of each piece is kept. */
export class AnswerCap {
  /** UTF-8 bytes seen so far (kept or not). */
  private seen = 0;
  private kept = 0;

  constructor(readonly maxBytes: number = DEFAULT_MAX_ANSWER_BYTES) {}

  /** Counts a piece of the answer; returns the part of it to keep ('' once the cap is reached). */
  push(text: string): string {
    const size = Buffer.byteLength(text, 'utf8');
    this.seen += size;
    if (this.kept >= this.maxBytes) return '';
    if (this.kept + size <= this.maxBytes) {
      this.kept += size;
      return text;
    }
    const part = utf8Prefix(text, this.maxBytes - this.kept);
    // Nothing more is kept after the first piece that does not fit whole.
    this.kept = this.maxBytes;
    return part;
  }

  /** The answer was longer than the cap. */
  get cut(): boolean {
    return this.seen > this.maxBytes;
  }

  /** The whole answer's size so far, in UTF-8 bytes. */
  get answerBytes(): number {
    return this.seen;
  }

  /** The mark to end the kept text with ('' when nothing was cut); `complete` is false when the answer did not finish. */
  mark(complete = true): string {
    return this.cut ? cutMark(this.seen, this.maxBytes, complete) : '';
  }
}

/** A cap from Settings' text, or the default when it is missing or not a sane number. */
export function parseMaxAnswerBytes(value: string | undefined): number {
  const n = value === undefined ? NaN : Number(value);
  return Number.isSafeInteger(n) && n >= MIN_MAX_ANSWER_BYTES && n <= MAX_MAX_ANSWER_BYTES ? n : DEFAULT_MAX_ANSWER_BYTES;
}

/** A size as a person types it: 1048576, 512K, 512KB, 4M, 4MB (1K = 1024 bytes); undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|b)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  const bytes = Math.round(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Why a cap given on the command line cannot be used, or undefined when it can. */
export function maxAnswerBytesProblem(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return 'a size such as 1048576, 512K or 4M';
  if (bytes < MIN_MAX_ANSWER_BYTES || bytes > MAX_MAX_ANSWER_BYTES) return `from ${formatBytes(MIN_MAX_ANSWER_BYTES)} to ${formatBytes(MAX_MAX_ANSWER_BYTES)}`;
  return undefined;
}
