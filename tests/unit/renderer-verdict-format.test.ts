import { describe, expect, it } from 'vitest';
import { formatMean, formatMs, formatPercent, formatPValue, formatRate, formatStrength, formatUsd, NONE } from '../../src/renderer/src/features/verdict/format';

describe('verdict formatting', () => {
  it('writes shares as percents, keeping a decimal near 0 and 100', () => {
    expect(formatPercent(0.756)).toBe('76%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.995)).toBe('99.5%');
    expect(formatPercent(0.042)).toBe('4.2%');
    expect(formatPercent(null)).toBe(NONE);
    expect(formatPercent(Number.NaN)).toBe(NONE);
  });

  it('writes a rate with its interval, and nothing without an estimate', () => {
    // binomtest(6, 6).proportion_ci(method='wilson') = (0.6097, 1.0)
    expect(formatRate({ estimate: 1, low: 0.6096657120978346, high: 1 })).toBe('100% (61–100%)');
    expect(formatRate({ estimate: 0.8, low: 0.4901624715366418, high: 0.9433178485456248 })).toBe('80% (49–94.3%)');
    expect(formatRate({ estimate: null, low: 0, high: 1 })).toBe(NONE);
    expect(formatRate(null)).toBe(NONE);
  });

  it('writes p-values to two significant digits', () => {
    expect(formatPValue(0.03125)).toBe('0.031');
    expect(formatPValue(0.109375)).toBe('0.11');
    expect(formatPValue(1)).toBe('1');
    expect(formatPValue(0.0004)).toBe('< 0.001');
    expect(formatPValue(null)).toBe(NONE);
  });

  it('writes milliseconds and seconds', () => {
    expect(formatMs(382.5)).toBe('383 ms');
    expect(formatMs(1534)).toBe('1.53 s');
    expect(formatMs(null)).toBe(NONE);
  });

  it('writes money with enough digits for fractions of a cent, never in exponent form', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.00042)).toBe('$0.00042');
    expect(formatUsd(0.001)).toBe('$0.001');
    expect(formatUsd(1.5e-7)).toBe('$0.00000015');
    expect(formatUsd(0.1234567)).toBe('$0.1235');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(null)).toBe(NONE);
    // Counted with the tokenizer because the server sent no usage: said so, in words.
    expect(formatUsd(0.00042, true)).toBe('≈$0.00042 (estimated)');
    expect(formatUsd(null, true)).toBe(NONE);
  });

  it('writes means and strengths', () => {
    expect(formatMean(12.5)).toBe('12.5');
    expect(formatMean(1234.04)).toBe('1,234');
    expect(formatMean(4.256, 2)).toBe('4.26');
    expect(formatMean(null)).toBe(NONE);
    expect(formatStrength(0.5234, 0.31, 0.7)).toBe('52% (31–70%)');
    expect(formatStrength(0.13, 0.005, 0.55)).toBe('13% (0.5–55%)');
  });
});
