/**
 * promptfoo's aggregate result for a test case (its `gradingResult`): the weighted mean of the
 * component scores; it passes when every assertion passed, or, with a test threshold, when the
 * weighted score reaches it.
 */
import type { AssertionResult, GradingResult } from './types';

export interface GradingOptions {
  /** A test-level threshold overrides the individual pass/fail results (promptfoo's `threshold`). */
  threshold?: number;
}

export function gradingResult(results: readonly AssertionResult[], options: GradingOptions = {}): GradingResult {
  if (results.length === 0) return { pass: true, score: 1, reason: 'No assertions', namedScores: {}, componentResults: [] };
  let total = 0;
  let weights = 0;
  let failedReason: string | undefined;
  const named = new Map<string, { sum: number; weight: number }>();
  for (const result of results) {
    const weight = result.assertion.weight ?? 1;
    total += result.score * weight;
    weights += weight;
    const metric = result.assertion.metric;
    if (metric) {
      const entry = named.get(metric) ?? { sum: 0, weight: 0 };
      entry.sum += result.score * weight;
      entry.weight += weight;
      named.set(metric, entry);
    }
    // promptfoo reports the last failure's reason.
    if (!result.pass) failedReason = result.reason;
  }
  const score = weights > 0 ? total / weights : 0;
  let pass = failedReason === undefined;
  let reason = failedReason ?? 'All assertions passed';
  const { threshold } = options;
  if (typeof threshold === 'number' && !Number.isNaN(threshold)) {
    pass = score >= threshold;
    reason = `Aggregate score ${score.toFixed(2)} ${pass ? '≥' : '<'} ${threshold} threshold`;
  }
  const namedScores: Record<string, number> = {};
  for (const [metric, { sum, weight }] of named) namedScores[metric] = weight > 0 ? sum / weight : 0;
  return { pass, score, reason, namedScores, componentResults: [...results] };
}
