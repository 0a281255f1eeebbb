/**
 * How the verdict names a check and weighs it (src/shared/judging/checks.ts). Names come from
 * config files: any size, any characters.
 */
import { describe, expect, it } from 'vitest';
import { checkName, checkSpec, meanPassRate } from '../../src/shared/judging/checks';

describe('checkName', () => {
  it('names a check by its type and a short value, or by its metric', () => {
    expect(checkName({ type: 'is-json' })).toBe('is-json');
    expect(checkName({ type: 'contains', value: 'Paris' })).toBe('contains "Paris"');
    expect(checkName({ type: 'contains-any', value: ['a', 'b'] })).toBe('contains-any ["a","b"]');
    expect(checkName({ type: 'llm-rubric', value: 'Is it polite?', metric: 'politeness' })).toBe('politeness');
  });

  it('keeps hostile values short, on one line and as text', () => {
    const huge = checkName({ type: 'contains', value: 'x'.repeat(5_000_000) });
    expect(huge.length).toBeLessThanOrEqual(50);
    expect(huge.endsWith('…')).toBe(true);
    expect(checkName({ type: 'equals', value: 'a\u0000b\nc' })).toBe('equals "a\\u0000b\\nc"');
    expect(checkName({ type: 'equals', metric: 'bad\u0000\nname' })).toBe('bad name');
    expect(checkName({ type: 'contains', value: '<script>alert(1)</script>' })).toBe('contains "<script>alert(1)</script>"');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkName({ type: 'equals', value: deep })).toMatch(/^equals/);
  });
});

describe('weights', () => {
  it('takes promptfoo weights, 1 when absent or unusable', () => {
    expect(checkSpec({ type: 'is-json', weight: 3 }).weight).toBe(3);
    expect(checkSpec({ type: 'is-json' }).weight).toBe(1);
    expect(checkSpec({ type: 'is-json', weight: -1 }).weight).toBe(1);
    expect(checkSpec({ type: 'is-json', weight: 0 }).weight).toBe(0);
  });

  it('means pass rates by weight; all-zero weights count alike; nothing is null', () => {
    const tally = (weight: number, passed: number, total: number) => ({ name: `w${weight}`, type: 't', weight, passed, total });
    expect(meanPassRate([tally(1, 1, 2), tally(3, 2, 2)])).toBeCloseTo((0.5 + 3) / 4, 12);
    expect(meanPassRate([tally(0, 0, 2), tally(0, 2, 2)])).toBe(0.5);
    expect(meanPassRate([tally(0, 0, 2), tally(2, 2, 2)])).toBe(1);
    expect(meanPassRate([])).toBeNull();
  });
});
