/**
 * Telling whether the Checks tab's checks differ from a run's, and saying what a re-grade
 * would cost in a few words (src/shared/regrade.ts).
 */
import { describe, expect, it } from 'vitest';
import { checksDiffer, describeEstimate, sameChecks, type RunChecks } from '../../src/shared/regrade';

const JUDGE = { providerId: 'p1', model: 'gpt-4o-mini' };
const RUN: RunChecks = {
  assertions: [{ type: 'contains', value: 'x', threshold: 1 }],
  rowChecks: { a: [], b: [{ type: 'icontains', value: 'Y' }] },
  judge: JUDGE,
};

describe('checksDiffer', () => {
  it('is false for the same checks written with keys in another order, and rows the run does not have', () => {
    expect(checksDiffer(RUN, { assertions: [{ threshold: 1, value: 'x', type: 'contains' }], rowChecks: { a: [], b: [{ value: 'Y', type: 'icontains' }], z: [{ type: 'equals', value: 'new row' }] }, judge: JUDGE })).toBe(false);
    // A row not named keeps its checks.
    expect(checksDiffer(RUN, { assertions: [{ type: 'contains', value: 'x', threshold: 1 }] })).toBe(false);
  });

  it('is true for a check added, removed or edited, for every row or one row', () => {
    expect(checksDiffer(RUN, { assertions: [] })).toBe(true);
    expect(checksDiffer(RUN, { assertions: [{ type: 'contains', value: 'x', threshold: 0.5 }] })).toBe(true);
    expect(checksDiffer(RUN, { assertions: RUN.assertions, rowChecks: { a: [{ type: 'is-json' }] } })).toBe(true);
    expect(checksDiffer(RUN, { assertions: RUN.assertions, rowChecks: { b: [] } })).toBe(true);
  });

  it('counts the judge only when a rubric check uses it', () => {
    expect(checksDiffer(RUN, { assertions: RUN.assertions, judge: { providerId: 'p2', model: 'other' } })).toBe(false);
    const rubric: RunChecks = { ...RUN, assertions: [{ type: 'llm-rubric', value: 'polite' }] };
    expect(checksDiffer(rubric, { assertions: rubric.assertions, judge: JUDGE })).toBe(false);
    expect(checksDiffer(rubric, { assertions: rubric.assertions, judge: { ...JUDGE, model: 'gpt-4o' } })).toBe(true);
    expect(checksDiffer(rubric, { assertions: rubric.assertions, judge: { ...JUDGE, prompt: [{ role: 'user', content: '{{ output }}' }] } })).toBe(true);
    expect(checksDiffer(rubric, { assertions: rubric.assertions })).toBe(true);
  });

  it('sameChecks ignores key order only', () => {
    expect(sameChecks([{ type: 'contains', value: 'a' }], [{ value: 'a', type: 'contains' }])).toBe(true);
    expect(sameChecks([{ type: 'contains', value: 'a' }], [{ type: 'contains', value: 'A' }])).toBe(false);
    expect(sameChecks([{ type: 'contains', value: ['a', 'b'] }], [{ type: 'contains', value: ['b', 'a'] }])).toBe(false);
  });
});

describe('describeEstimate', () => {
  const base = { answers: 48, inputTokens: 0, outputTokens: 0, priced: true };
  it('says when nothing is asked', () => {
    expect(describeEstimate({ ...base, judgeCalls: 0, costUsd: 0 })).toBe('no model calls, free');
  });
  it('gives calls and cost with two significant figures', () => {
    expect(describeEstimate({ ...base, judgeCalls: 3, inputTokens: 900, outputTokens: 300, costUsd: 0.00234, judgeModel: 'gpt-4o-mini' })).toBe('3 rubric calls, ≈$0.0023');
    expect(describeEstimate({ ...base, judgeCalls: 1, costUsd: 0.0004 })).toBe('1 rubric call, <$0.001');
    expect(describeEstimate({ ...base, judgeCalls: 1200, costUsd: 1234.5 })).toBe('1,200 rubric calls, ≈$1234.50');
    expect(describeEstimate({ ...base, judgeCalls: 6, costUsd: 0 })).toBe('6 rubric calls, ≈$0');
  });
  it('gives tokens when the judge model has no price', () => {
    expect(describeEstimate({ ...base, judgeCalls: 2, inputTokens: 1000, outputTokens: 200, priced: false, judgeModel: 'local-llama' })).toBe('2 rubric calls, ≈1,200 tokens (no price for local-llama)');
  });
});
