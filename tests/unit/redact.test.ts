import { describe, expect, it } from 'vitest';
import { REDACTED, SecretRedactor, fragmentLength, redactSecrets } from '../../src/shared/redact';

const KEY = 'sk-proj-T3stK3yAbCdEfGh1JkLmN0pQrStUvWxYz9876';
const r = new SecretRedactor([KEY]);

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** True when no piece of the key of the masked length (in any checked form) is left. */
function leaks(text: string): boolean {
  const m = fragmentLength(KEY);
  const lower = text.toLowerCase();
  for (let i = 0; i + m <= KEY.length; i++) if (lower.includes(KEY.slice(i, i + m).toLowerCase())) return true;
  return false;
}

describe('SecretRedactor', () => {
  it('masks the key as written and in any letter case', () => {
    expect(r.redact(`key=${KEY}.`)).toBe(`key=${REDACTED}.`);
    expect(r.redact(`KEY=${KEY.toUpperCase()}`)).toBe(`KEY=${REDACTED}`);
    expect(r.redact(`k ${KEY.toLowerCase()} k`)).toBe(`k ${REDACTED} k`);
  });

  it('masks truncations and inner pieces down to the fragment length, but not shorter ones', () => {
    const m = fragmentLength(KEY);
    expect(m).toBe(16);
    expect(r.redact(`Incorrect API key provided: ${KEY.slice(0, m)}***`)).toBe(`Incorrect API key provided: ${REDACTED}***`);
    expect(r.redact(`…${KEY.slice(10, 10 + m + 3)}…`)).toBe(`…${REDACTED}…`);
    expect(r.redact(`tail ${KEY.slice(-m)}`)).toBe(`tail ${REDACTED}`);
    // A piece shorter than the fragment length is not a secret (and often a vendor prefix).
    const short = KEY.slice(0, m - 1);
    expect(r.redact(`prefix ${short}`)).toBe(`prefix ${short}`);
  });

  it('masks base64 and base64url at every byte alignment, inside longer encodings', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:', 'Bearer ']) {
      for (const encode of [b64, b64url]) {
        const encoded = encode(`${prefix}${KEY}"}`);
        const out = r.redact(`body: ${encoded} end`);
        expect(out, `${prefix} ${encoded}`).toContain(REDACTED);
        // What is left of the encoding decodes to nothing of the key.
        const left = out.replace(REDACTED, ' ').split(/\s+/).join('');
        expect(leaks(Buffer.from(left.replace(/^body:/, '').replace(/end$/, ''), 'base64').toString('latin1'))).toBe(false);
        expect(out.includes(encoded)).toBe(false);
      }
    }
  });

  it('masks a truncated base64 of the key', () => {
    const encoded = b64(KEY).slice(0, 30);
    expect(r.redact(`x ${encoded}`)).toBe(`x ${REDACTED}`);
  });

  it('masks percent-encoding and hex, in either case', () => {
    const special = 'abc+def/ghi=jkl%mno&pqr?stu';
    const s = new SecretRedactor([special]);
    expect(s.redact(`url?key=${encodeURIComponent(special)}&x=1`)).toBe(`url?key=${REDACTED}&x=1`);
    const everyByte = [...Buffer.from(KEY)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    expect(r.redact(`q=${everyByte}`)).toBe(`q=${REDACTED}`);
    expect(r.redact(`hex ${hex(KEY)} / ${hex(KEY).toUpperCase()}`)).toBe(`hex ${REDACTED} / ${REDACTED}`);
  });

  it('masks every key it knows, and several occurrences', () => {
    const other = 'gsk_0therKeyValue1234567890abcdefXYZ';
    const both = new SecretRedactor([KEY, other, undefined, '']);
    expect(both.redact(`${KEY} and ${other} and ${KEY}`)).toBe(`${REDACTED} and ${REDACTED} and ${REDACTED}`);
    expect(redactSecrets(`a ${other} b`, [other])).toBe(`a ${REDACTED} b`);
  });

  it('leaves ordinary text alone, vendor prefixes and code included', () => {
    const texts = [
      'The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnop',
      'export OPENAI_API_KEY=sk-proj-... (your key here)',
      'https://api.openai.com/v1/chat/completions?model=gpt-4o-mini&stream=true',
      'SGVsbG8sIHdvcmxkISBUaGlzIGlzIGp1c3QgYmFzZTY0Lg==',
      '%48%65%6C%6C%6F 48656c6c6f20776f726c64',
      'ЖЖЖ İstanbul ß 😀 — unicode text whose lower case changes length',
    ];
    for (const text of texts) expect(r.redact(text)).toBe(text);
  });

  it('leaves a placeholder key shorter than 8 characters alone (it is not a secret, and is a common word)', () => {
    const s = new SecretRedactor(['ollama', 'EMPTY']);
    expect(s.active).toBe(false);
    expect(s.redact('Ollama serves models; ollama and EMPTY are placeholders.')).toBe('Ollama serves models; ollama and EMPTY are placeholders.');
    // With a real key beside them, the real key is still masked.
    expect(new SecretRedactor(['ollama', KEY]).redact(`ollama ${KEY}`)).toBe(`ollama ${REDACTED}`);
  });

  it('does nothing without keys', () => {
    const none = new SecretRedactor([]);
    expect(none.active).toBe(false);
    expect(none.redact(KEY)).toBe(KEY);
  });
});

describe('StreamRedactor', () => {
  const streamed = (pieces: readonly string[]): { out: string; shown: string[] } => {
    const s = r.stream();
    const shown = pieces.map((p) => s.push(p));
    shown.push(s.end());
    return { out: shown.join(''), shown };
  };

  it('masks a key split across chunks, in every split', () => {
    const text = `Sure! Your key is ${KEY}, and base64 ${b64(`u:${KEY}`)} ok.`;
    for (const size of [1, 2, 3, 5, 7, 16, 40]) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      const { out, shown } = streamed(pieces);
      expect(out, `size ${size}`).toBe(r.redact(text));
      expect(leaks(out)).toBe(false);
      // Never shows a piece of the key on its way either.
      expect(shown.some((p) => leaks(p))).toBe(false);
    }
  });

  it('shows ordinary text at once, holding back at most a short tail', () => {
    const s = r.stream();
    const first = s.push('Hello there, how are you today? ');
    expect(first.length).toBeGreaterThan(25);
    expect(first + s.push('Fine.') + s.end()).toBe('Hello there, how are you today? Fine.');
  });
});
