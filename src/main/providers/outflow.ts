/**
 * One stream of text (an answer, or thinking) on its way out of a provider: masked for keys
 * (held back while it may be the start of a key split across two events), cut once a runaway
 * server passes the cap, and passed on unmasked past what the runner keeps (ChatRequest.keepChars:
 * the rest is counted and dropped there, so masking it would only cost time).
 */
import type { SecretRedactor } from '../../shared/redact';

/** Masks and caps one stream of text (the answer, or the thinking) on its way out. */
export class Outflow {
  private readonly shown;
  private chars = 0;
  /** Masked characters passed on; past `keep` the rest is not masked (see ChatRequest.keepChars). */
  private passed = 0;
  private masking = true;

  constructor(
    redactor: SecretRedactor,
    private readonly max: number,
    private readonly keep: number | undefined,
  ) {
    this.shown = redactor.stream();
  }

  /** The texts to pass on for this piece; `over` once the piece went past the cap (what fits is in `texts`). */
  push(text: string): { texts: string[]; over: boolean } {
    if (this.chars + text.length > this.max) {
      const last = this.shown.push(text.slice(0, this.max - this.chars)) + this.shown.end();
      this.chars = this.max;
      return { texts: last !== '' ? [last] : [], over: true };
    }
    this.chars += text.length;
    // Past what the caller keeps: counted there and dropped, never stored or shown.
    if (!this.masking) return { texts: [text], over: false };
    // An empty text still marks the first token's time when the text is held back.
    const shown = this.shown.push(text);
    this.passed += shown.length;
    const texts = [shown];
    if (this.keep !== undefined && this.passed >= this.keep) {
      const held = this.shown.end();
      if (held !== '') texts.push(held);
      this.masking = false;
    }
    return { texts, over: false };
  }

  /**
   * Counts `length` characters of something else sent with this text (Anthropic's thinking and
   * tool arguments share the answer's cap); true when that goes past the cap (nothing is counted then).
   */
  charge(length: number): boolean {
    if (this.chars + length > this.max) return true;
    this.chars += length;
    return false;
  }

  /** What was held back (a possible start of a key), now that nothing more comes. */
  end(): string {
    return this.masking ? this.shown.end() : '';
  }
}
