/**
 * Token counts a server left out are counted here (src/main/providers/tokens.ts): what the
 * runner prices when a stream carries no usage, and marks as an estimate.
 */
import { describe, expect, it } from 'vitest';
import { answerTokens, completeUsage, messageTokens, tokenCount } from '../../src/main/providers/tokens';

const messages = [
  { role: 'system' as const, content: 'Answer in one line.' },
  { role: 'user' as const, content: 'Explain tides to a sailor.' },
];

describe('completeUsage', () => {
  it('keeps a full usage report as it is, not estimated', () => {
    const usage = { inputTokens: 7, outputTokens: 3 };
    expect(completeUsage(usage, messages, 'whatever the answer was')).toEqual({ usage, estimated: false });
  });

  it('counts both sides when the server sent nothing', () => {
    const answer = 'The moon pulls the sea; twice a day it rises and falls.';
    const { usage, estimated } = completeUsage({}, messages, answer);
    expect(estimated).toBe(true);
    expect(usage).toEqual({ inputTokens: messageTokens(messages), outputTokens: tokenCount(answer) });
    expect(usage.outputTokens).toBeGreaterThan(5);
  });

  it('counts only the side the server left out', () => {
    const { usage, estimated } = completeUsage({ inputTokens: 99 }, messages, 'Tides.');
    expect(estimated).toBe(true);
    expect(usage).toEqual({ inputTokens: 99, outputTokens: tokenCount('Tides.') });
  });
});

describe('answerTokens', () => {
  it('scales a cut answer to its whole size', () => {
    const kept = 'word '.repeat(1000);
    const whole = Buffer.byteLength(kept) * 10;
    const counted = tokenCount(kept);
    expect(answerTokens(kept, whole)).toBe(counted * 10);
  });

  it('counts a huge answer from its start, in bounded time, and an empty one as 0', () => {
    const huge = 'lorem ipsum dolor sit amet '.repeat(200_000); // 5.4 MB
    const started = performance.now();
    const n = answerTokens(huge);
    expect(performance.now() - started).toBeLessThan(2000);
    const exact = tokenCount(huge.slice(0, 65_536)) * (huge.length / 65_536);
    expect(Math.abs(n - exact) / exact).toBeLessThan(0.01);
    expect(answerTokens('')).toBe(0);
  });

  it('counts hostile text as text: NUL bytes, formulas, markup', () => {
    const text = '\u0000=HYPERLINK("http://x","y")<script>alert(1)</script>';
    expect(answerTokens(text)).toBe(tokenCount(text));
    expect(answerTokens(text)).toBeGreaterThan(5);
  });
});
