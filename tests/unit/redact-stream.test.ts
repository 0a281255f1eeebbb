/**
 * The stream redactor reads each character once, whatever the chunking: a hostile server that
 * sends a key's encoding one character per event costs what one large chunk would (counted in
 * matcher steps, so the check is not timing-dependent), and what it shows is exactly what the
 * straightforward redactor (rescan the held tail and the new piece, on every piece) would show.
 */
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, REDACTED, SecretRedactor, keyForms } from '../../src/shared/redact';

/** Ten keys of an `sk-proj-` key's length (164 characters). */
const KEYS = Array.from({ length: 10 }, (_, i) => {
  let key = `sk-proj-${i}`;
  let seed = 7919 * (i + 1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  while (key.length < 164) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    key += alphabet[seed % alphabet.length] ?? 'x';
  }
  return key;
});
const KEY = KEYS[3] ?? '';
const percentEveryByte = (text: string): string => [...Buffer.from(text)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function mask(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.start >= text.length) break;
    out += text.slice(at, span.start) + REDACTED;
    at = Math.min(span.end, text.length);
  }
  return out + text.slice(at);
}

/** The streaming rule, done the slow and obvious way: rescan everything held on every piece. */
class ReferenceStream {
  private held = '';
  private readonly forms: string[];

  constructor(
    private readonly redactor: SecretRedactor,
    keys: readonly string[],
  ) {
    this.forms = keys.filter((k) => k.length >= MIN_SECRET_LENGTH).flatMap((k) => keyForms(k).map((f) => f.text.toLowerCase()));
  }

  private pendingTail(text: string): number {
    let best = 0;
    for (let length = 1; length <= text.length; length++) {
      const suffix = text.slice(text.length - length).toLowerCase();
      if (this.forms.some((form) => form.includes(suffix))) best = length;
      else break;
    }
    return best;
  }

  push(piece: string): string {
    const text = this.held + piece;
    const spans = this.redactor.spans(text);
    let cut = text.length - this.pendingTail(text);
    for (const span of spans) if (span.start < cut && span.end > cut) cut = span.end;
    this.held = text.slice(cut);
    return mask(text.slice(0, cut), spans.filter((s) => s.start < cut));
  }

  end(): string {
    const rest = this.held;
    this.held = '';
    return this.redactor.redact(rest);
  }
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('StreamRedactor', () => {
  const keys = KEYS.slice(0, 3);
  const redactor = new SecretRedactor(keys);

  it('shows, piece by piece, exactly what rescanning the held text on every piece would show', () => {
    const next = random(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] ?? (items[0] as T);
    const key = (): string => pick(keys);
    const parts: (() => string)[] = [
      () => pick(['Hello ', 'the answer is ', ', and ', '\n', 'sk-proj-', '%73%6B', 'c2stcHJvai', 'abc', ' 0123456789 ']),
      () => key(),
      () => key().toUpperCase(),
      () => {
        const k = key();
        const from = Math.floor(next() * k.length);
        return k.slice(from, from + 5 + Math.floor(next() * 30));
      },
      () => encodeURIComponent(key()),
      () => percentEveryByte(key().slice(0, 10 + Math.floor(next() * 40))),
      () => Buffer.from(key()).toString('hex').slice(0, 20 + Math.floor(next() * 60)),
      () => Buffer.from(`${'ab'.slice(0, Math.floor(next() * 3))}${key()}`).toString(next() < 0.5 ? 'base64' : 'base64url'),
    ];
    let masked = 0;
    for (let round = 0; round < 60; round++) {
      let text = '';
      while (text.length < 600) text += pick(parts)();
      const pieces: string[] = [];
      for (let i = 0; i < text.length; ) {
        const size = 1 + Math.floor(next() * (next() < 0.5 ? 4 : 60));
        pieces.push(text.slice(i, i + size));
        i += size;
      }
      const stream = redactor.stream();
      const reference = new ReferenceStream(redactor, keys);
      const shown = pieces.map((p) => stream.push(p));
      shown.push(stream.end());
      const expected = pieces.map((p) => reference.push(p));
      expected.push(reference.end());
      expect(shown, `round ${round}`).toEqual(expected);
      // Nothing left to mask (a key cut by the stream may be masked as two pieces instead of one).
      expect(redactor.redact(shown.join(''))).toBe(shown.join(''));
      if (shown.join('').includes(REDACTED)) masked++;
    }
    expect(masked).toBeGreaterThan(50);
  });

  it('can be used again after end', () => {
    const stream = redactor.stream();
    const key = keys[0] ?? '';
    const first = chunks(`one ${key} two`, 3).map((p) => stream.push(p)).join('') + stream.end();
    const second = chunks(`three ${key} four`, 5).map((p) => stream.push(p)).join('') + stream.end();
    expect(first).toBe(`one ${REDACTED} two`);
    expect(second).toBe(`three ${REDACTED} four`);
  });

  it('pendingTail is the longest suffix that is a piece of some form', () => {
    const r = new SecretRedactor([KEY]);
    expect(r.pendingTail('nothing here!')).toBe(0);
    expect(r.pendingTail(`text ${KEY.slice(20, 60)}`)).toBe(40);
    expect(r.pendingTail(`text ${percentEveryByte(KEY).slice(0, 100)}`)).toBe(100);
  });
});

describe('the work a hostile stream costs', () => {
  const redactor = new SecretRedactor(KEYS);
  /** The percent-encoding of a key's first 40 characters, sent over and over. */
  const hostile = percentEveryByte(KEY.slice(0, 40)).repeat(60);

  it('costs a few matcher steps per character, a character at a time as in one piece', () => {
    const whole = redactor.stream();
    const wholeOut = whole.push(hostile) + whole.end();
    const drip = redactor.stream();
    const started = performance.now();
    const dripOut = chunks(hostile, 1).map((p) => drip.push(p)).join('') + drip.end();
    const microsPerChunk = ((performance.now() - started) * 1000) / hostile.length;
    // A figure to compare with (not asserted: timing depends on the machine).
    console.info(`stream redactor, ${KEYS.length} keys of ${KEY.length} characters, 1-character chunks: ${microsPerChunk.toFixed(2)} µs per chunk, ${(drip.steps / hostile.length).toFixed(2)} steps per character`);

    // Each repetition is masked as it ends (in one piece, the repetitions touch and become one).
    expect(wholeOut).toBe(REDACTED);
    expect(dripOut).toBe(REDACTED.repeat(60));
    const reference = new ReferenceStream(redactor, KEYS);
    expect(chunks(hostile.slice(0, 1200), 1).map((p) => reference.push(p)).join('') + reference.end()).toBe(REDACTED.repeat(10));
    const matchers = redactor.matchers().length;
    expect(matchers).toBeGreaterThan(0);
    // Each matcher takes one transition per character plus, amortised, at most one suffix link.
    expect(drip.steps).toBeLessThanOrEqual(2 * matchers * hostile.length);
    expect(drip.steps).toBeLessThanOrEqual(whole.steps * 1.25);
    expect(whole.steps).toBeGreaterThanOrEqual(matchers * hostile.length);
  });

  it('stays linear when pieces of keys are found and cut again and again', () => {
    const text = Array.from({ length: 200 }, (_, i) => `${KEYS[i % KEYS.length] ?? ''}${i % 3 === 0 ? '' : ' x '}`).join('');
    const drip = redactor.stream();
    const out = chunks(text, 1).map((p) => drip.push(p)).join('') + drip.end();
    expect(redactor.redact(out)).toBe(out);
    expect(out.split(REDACTED).length - 1).toBeGreaterThanOrEqual(200);
    expect(drip.steps).toBeLessThanOrEqual(3 * redactor.matchers().length * text.length);
  });
});
