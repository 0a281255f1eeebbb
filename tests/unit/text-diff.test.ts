import { describe, expect, it } from 'vitest';
import { DIFF_LIMITS, diffSummary, diffTexts, sameTextMessage, type TextDiff } from '../../src/shared/text-diff';

/** The text on each side, rebuilt from the parts: what a reader would see struck or inserted. */
function sides(diff: TextDiff): { before: string; after: string } {
  let before = '';
  let after = '';
  for (const part of diff.parts) {
    if (part.kind !== 'added') before += part.text;
    if (part.kind !== 'removed') after += part.text;
  }
  return { before, after };
}

function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('diffTexts', () => {
  it('marks the words that changed and counts them', () => {
    const diff = diffTexts('The quick brown fox jumps.', 'The slow brown dog jumps high.');
    expect(diff.granularity).toBe('words');
    expect(diff.parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['quick', 'fox']);
    expect(diff.parts.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(['slow', 'dog', 'high']);
    expect(diff.added).toBe(3);
    expect(diff.removed).toBe(2);
    expect(diffSummary(diff)).toBe('3 words added, 2 removed');
    expect(sides(diff)).toEqual({ before: 'The quick brown fox jumps.', after: 'The slow brown dog jumps high.' });
  });

  it('says when the texts are the same, and counts one word in the singular', () => {
    const same = diffTexts('same answer', 'same answer');
    expect(same.identical).toBe(true);
    expect(diffSummary(same)).toBe('The two answers are the same text.');
    expect(diffSummary(diffTexts('a b', 'a b c'))).toBe('1 word added, 0 removed');
    expect(diffTexts('', '').identical).toBe(true);
    expect(diffTexts('', 'new words here').added).toBe(3);
  });

  it('treats CRLF and LF as the same text, and says only the line endings differ', () => {
    const diff = diffTexts('one\r\ntwo\r\nthree', 'one\ntwo\nthree');
    expect(diff.identical).toBe(true);
    expect(diff.lineEndingsDiffer).toBe(true);
    expect(diffSummary(diff)).toBe('The two answers are the same text, apart from line endings.');
    const changed = diffTexts('one\r\ntwo\r\nthree', 'one\ntwo\nfour');
    expect(changed.added).toBe(1);
    expect(changed.removed).toBe(1);
    expect(sides(changed).after).toBe('one\ntwo\nfour');
  });

  it('keeps NUL bytes and control characters as text', () => {
    const diff = diffTexts('a\u0000b c', 'a\u0000b d\u0007');
    expect(diff.granularity).toBe('words');
    expect(sides(diff)).toEqual({ before: 'a\u0000b c', after: 'a\u0000b d\u0007' });
    expect(diff.removed).toBe(1);
  });

  it('never splits an emoji or another surrogate pair between two parts', () => {
    const before = 'Great 😀 job 👩‍👩‍👧 𝒳 done';
    const after = 'Great 😁 job 👩‍👩‍👦 𝒴 done';
    const diff = diffTexts(before, after);
    for (const part of diff.parts) expect(hasLoneSurrogate(part.text), JSON.stringify(part.text)).toBe(false);
    expect(sides(diff)).toEqual({ before, after });
    expect(diff.added).toBeGreaterThan(0);
  });

  it('compares lines above the word limit, and says so', () => {
    const limits = { ...DIFF_LIMITS, wordChars: 50 };
    const before = 'line one\nline two\nline three\nline four\nline five\n';
    const after = 'line one\nline 2\nline three\nline four\nline five\nline six\n';
    const diff = diffTexts(before, after, limits);
    expect(diff.granularity).toBe('lines');
    expect(diff.note).toMatch(/whole lines are compared/);
    expect(diff.added).toBe(2);
    expect(diff.removed).toBe(1);
    expect(diffSummary(diff)).toBe('2 lines added, 1 removed');
    expect(sides(diff)).toEqual({ before, after });
  });

  it('falls back to lines when the word diff gives up, and to nothing when lines do too', () => {
    const words = (seed: string): string => Array.from({ length: 200 }, (_, i) => `${seed}${i}`).join(' ');
    const lines = diffTexts(`${words('a')}\nsame`, `${words('b')}\nsame`, { ...DIFF_LIMITS, maxEdits: 10 });
    expect(lines.granularity).toBe('lines');
    expect(lines.note).toMatch(/too much to compare word by word/);
    const none = diffTexts(words('a').replace(/ /g, '\n'), words('b').replace(/ /g, '\n'), { ...DIFF_LIMITS, maxEdits: 10 });
    expect(none.granularity).toBe('none');
    expect(none.parts).toEqual([]);
    expect(diffSummary(none)).toBe('The answers differ too much to compare in time.');
  });

  it('refuses 50 MB at once, without looking at it', () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    const diff = diffTexts(huge, `${huge}y`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(diff.granularity).toBe('none');
    expect(diff.parts).toEqual([]);
    expect(diffSummary(diff)).toMatch(/^Too long to compare: 52\.4 million characters, above the limit of 4\.0 million characters\.$/);
  });

  it('compares two different 1 MB answers within its time budget', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `w${i % 977}`).join(' ');
    const b = Array.from({ length: 100_000 }, (_, i) => `v${i % 983}`).join('\n');
    const started = performance.now();
    const diff = diffTexts(a, b);
    // Two attempts of at most 500 ms each, plus the splitting into tokens.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(['lines', 'none']).toContain(diff.granularity);
    expect(diff.note).toBeDefined();
  });

  it('does not read markup: <script> and javascript: are only words', () => {
    const diff = diffTexts('<b>hi</b>', '<script>alert(1)</script> [x](javascript:alert(1))');
    expect(sides(diff).after).toBe('<script>alert(1)</script> [x](javascript:alert(1))');
    expect(diff.added).toBeGreaterThan(0);
  });
});

describe('sameTextMessage', () => {
  it('says the same sentence as the diff for equal texts, and nothing for different ones', () => {
    expect(sameTextMessage('a\r\nb', 'a\r\nb')).toBe(diffSummary(diffTexts('a\r\nb', 'a\r\nb')));
    expect(sameTextMessage('a\r\nb', 'a\nb')).toBe('The two answers are the same text, apart from line endings.');
    expect(sameTextMessage('a b', 'a c')).toBeUndefined();
    expect(sameTextMessage('x'.repeat(5_000_000), 'y'.repeat(5_000_000))).toBeUndefined();
  });
});
