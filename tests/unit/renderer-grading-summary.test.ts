import { describe, expect, it } from 'vitest';
import { gradingSummary } from '../../src/renderer/src/features/judge/grading-summary';
import type { Grading } from '../../src/shared/schemas';

const check = (pass: boolean, reason = pass ? 'Assertion passed' : 'Expected output to contain "dogs"') => ({ type: 'contains', pass, score: pass ? 1 : 0, reason });

describe('gradingSummary', () => {
  it('counts passed checks, and the first failure', () => {
    expect(gradingSummary({ pass: true, score: 1, reason: 'All assertions passed', componentResults: [check(true), check(true)] })).toBe('✓ 2/2 checks');
    expect(gradingSummary({ pass: false, score: 0.5, reason: 'later', componentResults: [check(true), check(false)] })).toBe('✗ 1 of 2 failed: Expected output to contain "dogs"');
  });

  it('says a test threshold passed a row with failed checks, or failed it', () => {
    const passed: Grading = { pass: true, score: 0.5, reason: 'Aggregate score 0.50 ≥ 0.5 threshold', componentResults: [check(true), check(false)] };
    expect(gradingSummary(passed)).toBe('✓ 1/2 checks · Aggregate score 0.50 ≥ 0.5 threshold');
    const failed: Grading = { pass: false, score: 0.75, reason: 'Aggregate score 0.75 < 0.9 threshold', componentResults: [check(true), check(false)] };
    expect(gradingSummary(failed)).toBe('✗ 1 of 2 failed: Aggregate score 0.75 < 0.9 threshold');
  });

  it('counts an assert-set as one check, and names the reason when no check failed', () => {
    const set = { type: 'assert-set', pass: true, score: 0.5, reason: 'Aggregate score 0.50 ≥ 0.5 threshold', members: [check(true), check(false)] };
    expect(gradingSummary({ pass: true, score: 0.5, reason: 'All assertions passed', componentResults: [set] })).toBe('✓ 1/1 check');
    expect(gradingSummary({ pass: false, score: 0.8, reason: 'Aggregate score 0.80 < 0.9 threshold', componentResults: [check(true)] })).toBe('✗ Aggregate score 0.80 < 0.9 threshold');
  });
});
