/**
 * Re-grading a finished run: the check set its answers are graded with, what grading them
 * again would cost, and how to tell whether the checks on screen differ from a run's.
 */
import { z } from 'zod';
import { assertionSchema } from './assertions/types';
import { judgeSchema, MAX_TEST_CASES } from './schemas';

/** The checks a run's answers are graded with: for every row, each row's own (by test case id), and the judge. */
export const regradeChecksSchema = z
  .object({
    assertions: z.array(assertionSchema).max(50).default([]),
    /** Each row's own checks, by test case id; a row of the run not named keeps the checks it has. */
    rowChecks: z
      .record(z.string().min(1), z.array(assertionSchema).max(50))
      .default({})
      .refine((rows) => Object.keys(rows).length <= MAX_TEST_CASES, `At most ${MAX_TEST_CASES} rows.`),
    judge: judgeSchema.optional(),
  })
  .strict();
export type RegradeChecks = z.infer<typeof regradeChecksSchema>;
export type RegradeChecksInput = z.input<typeof regradeChecksSchema>;

export const regradeInputSchema = z.object({ runId: z.string().min(1), checks: regradeChecksSchema }).strict();

/** What grading a run's answers again will do, before it is done. */
export const regradeEstimateSchema = z.object({
  /** Finished answers that will be graded. */
  answers: z.number().int().nonnegative(),
  /** Model-graded checks (llm-rubric) that need the judge: answers × changed rubric checks. */
  judgeCalls: z.number().int().nonnegative(),
  /** Tokens of the judge's prompts (o200k, as the pre-run estimate counts) and assumed answers. */
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Estimated cost of the judge calls; absent when the judge's model has no price. */
  costUsd: z.number().nonnegative().optional(),
  priced: z.boolean(),
  judgeModel: z.string().optional(),
});
export type RegradeEstimate = z.infer<typeof regradeEstimateSchema>;

/** The checks a run records (runs.checks): its checks for every row, each row's own, and its judge. */
export const runChecksSchema = z.object({
  assertions: z.array(assertionSchema),
  rowChecks: z.record(z.string(), z.array(assertionSchema)),
  judge: judgeSchema.optional(),
});
export type RunChecks = z.infer<typeof runChecksSchema>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Two lists of checks are the same checks (key order aside). */
export function sameChecks(a: readonly unknown[], b: readonly unknown[]): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Whether grading with `next` would change what the run holds: a check added, removed or
 * edited, for every row or for a row of the run. The judge counts only when a rubric check
 * uses it. Rows `next` names that the run does not have are ignored.
 */
export function checksDiffer(run: RunChecks, next: RegradeChecksInput): boolean {
  const rows = Object.keys(run.rowChecks);
  const nextRows = next.rowChecks ?? {};
  const nextAll = next.assertions ?? [];
  if (canonical(run.assertions) !== canonical(nextAll)) return true;
  for (const id of rows) {
    const own = nextRows[id];
    if (own !== undefined && canonical(run.rowChecks[id] ?? []) !== canonical(own)) return true;
  }
  const rubric = (list: readonly { type: string }[]): boolean => list.some((a) => a.type.endsWith('llm-rubric'));
  const usesJudge = rubric(nextAll) || rows.some((id) => rubric(nextRows[id] ?? run.rowChecks[id] ?? []));
  return usesJudge && canonical(run.judge ?? null) !== canonical(next.judge ?? null);
}

/** "3 rubric calls, ≈$0.002": the estimate in a few words. */
export function describeEstimate(estimate: RegradeEstimate): string {
  if (estimate.judgeCalls === 0) return 'no model calls, free';
  const calls = `${estimate.judgeCalls.toLocaleString('en-US')} rubric call${estimate.judgeCalls === 1 ? '' : 's'}`;
  if (estimate.costUsd === undefined) return `${calls}, ≈${(estimate.inputTokens + estimate.outputTokens).toLocaleString('en-US')} tokens (no price for ${estimate.judgeModel ?? 'the judge model'})`;
  const usd = estimate.costUsd;
  const cost = usd === 0 ? '$0' : usd < 0.001 ? '<$0.001' : usd >= 1 ? `$${usd.toFixed(2)}` : `$${Number(usd.toPrecision(2))}`;
  return `${calls}, ${cost.startsWith('<') ? '' : '≈'}${cost}`;
}
