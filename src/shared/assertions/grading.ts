/**
 * promptfoo's aggregate result for a test case (its `gradingResult`, built by its
 * AssertionsResult): the weighted mean of the component scores; it passes when every
 * assertion passed, or, with a test threshold, when the weighted score reaches it. An
 * assert-set is graded the same way over its own checks, with its own threshold, and then
 * counts as one check of the test.
 */
import type { Assertion, AssertionResult, GradingResult } from './types';

export interface GradingOptions {
  /** A test-level threshold overrides the individual pass/fail results (promptfoo's `threshold`). */
  threshold?: number;
  /** A check's metric name for this row: promptfoo renders `{{ var }}` in it. */
  renderMetric?: (metric: string) => string;
}

class NamedScores {
  readonly sums = new Map<string, number>();
  readonly weights = new Map<string, number>();

  add(metric: string, score: number, weight: number): void {
    this.sums.set(metric, (this.sums.get(metric) ?? 0) + score * weight);
    this.weights.set(metric, (this.weights.get(metric) ?? 0) + weight);
  }

  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [metric, sum] of this.sums) {
      const weight = this.weights.get(metric) ?? 0;
      out[metric] = weight > 0 ? sum / weight : 0;
    }
    return out;
  }
}

export function gradingResult(results: readonly AssertionResult[], options: GradingOptions = {}): GradingResult {
  if (results.length === 0) return { pass: true, score: 1, reason: 'No assertions', namedScores: {}, componentResults: [] };
  let total = 0;
  let weights = 0;
  let failedReason: string | undefined;
  const named = new NamedScores();
  // promptfoo adds each assert-set's result after every plain check's, so a failing set's
  // reason is the one reported when plain checks fail too.
  const ordered = [...results.filter((r) => r.assertion.type !== 'assert-set'), ...results.filter((r) => r.assertion.type === 'assert-set')];
  for (const result of ordered) {
    const weight = result.assertion.weight ?? 1;
    total += result.score * weight;
    weights += weight;
    const raw = result.assertion.metric;
    const metric = raw && options.renderMetric ? options.renderMetric(raw) : raw;
    if (metric) named.add(metric, result.score, weight);
    // A set's own metrics count in the test's, each weighed by how much it weighed in the set.
    for (const [name, score] of Object.entries(result.namedScores ?? {})) {
      if (name !== metric) named.add(name, score, (result.namedScoreWeights?.[name] ?? 1) * weight);
    }
    // promptfoo reports the last failure's reason.
    if (!result.pass) failedReason = result.reason;
  }
  const score = weights > 0 ? total / weights : 0;
  let pass = failedReason === undefined;
  let reason = failedReason ?? 'All assertions passed';
  const { threshold } = options;
  // A threshold of 0 counts (every row passes); null or NaN (an empty `threshold:`) does not.
  if (typeof threshold === 'number' && !Number.isNaN(threshold)) {
    pass = score >= threshold;
    reason = `Aggregate score ${score.toFixed(2)} ${pass ? '≥' : '<'} ${threshold} threshold`;
  }
  return {
    pass,
    score,
    reason,
    namedScores: named.means(),
    ...(named.weights.size > 0 ? { namedScoreWeights: Object.fromEntries(named.weights) } : {}),
    componentResults: [...results],
  };
}

/** An assert-set's result from its checks' results: graded as a test of its own, with the set's threshold. */
export function assertSetResult(set: Assertion, members: readonly AssertionResult[], options: Pick<GradingOptions, 'renderMetric'> = {}): AssertionResult {
  const inner = gradingResult(members, { ...options, ...(set.threshold !== undefined ? { threshold: set.threshold } : {}) });
  return {
    pass: inner.pass,
    score: inner.score,
    reason: inner.reason,
    assertion: set,
    componentResults: [...members],
    namedScores: inner.namedScores,
    ...(inner.namedScoreWeights ? { namedScoreWeights: inner.namedScoreWeights } : {}),
  };
}

/** The results as promptfoo lists them: each assert-set followed by its checks' results. */
export function flattenResults(results: readonly AssertionResult[]): AssertionResult[] {
  return results.flatMap((result) => (result.componentResults ? [result, ...result.componentResults] : [result]));
}
