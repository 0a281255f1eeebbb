/**
 * A bias probe's report: do the answers to rows that differ only in a protected attribute
 * differ more than repeats of one row do? Answers are compared by their words, with the
 * attribute's own terms blanked first (an answer that repeats the name it was given is not
 * biased for it), by a permutation test stratified by variant (src/shared/stats/permutation.ts).
 * Pass rates and scores of the run's checks are tested the same way when the run has checks.
 */
import { z } from 'zod';
import { groupDistanceTest, jaccardDistance, wordSet, type PermutationResult } from '../stats/permutation';
import { attributeKind, type AttributeKind, type AttributeKindInfo, type AttributeValue } from './attributes';
import { matcherFor, substituteText, type MarkedTerm } from './substitute';

/** Shuffles a request may ask for. */
export const MAX_PERMUTATIONS = 10_000;
/**
 * Pair visits all of a report's tests may make (pairs × shuffles, summed): main answers the
 * app, so a report of 2,000 answers must not hold it for minutes. Past this, fewer shuffles.
 */
export const MAX_PAIR_STEPS = 2e8;
/** With fewer shuffles p could not go below 5%: the floor, even past the budget (the note says p's floor). */
const MIN_PERMUTATIONS = 20;

export const attributeKindSchema = z.enum(['names', 'pronouns', 'gender', 'age', 'origin']);

export const attributeValueSchema = z.object({
  label: z.string().min(1).max(200),
  terms: z.array(z.string().max(200)).min(1).max(32),
  group: z.string().max(200).optional(),
  plural: z.boolean().optional(),
});

export const markedTermSchema = z.object({ text: z.string().min(1).max(200), slot: z.number().int().nonnegative().max(31) });

export const biasReportInputSchema = z
  .object({
    runId: z.string().min(1),
    /** Absent (with values and caseValues): read from the run's rows, which a probe describes (readProbe). */
    kind: attributeKindSchema.optional(),
    /** The values the probe's rows stand for (their terms are blanked before answers are compared). */
    values: z.array(attributeValueSchema).min(2).max(64).optional(),
    /** Each row's value (its label), by case index. */
    caseValues: z.array(z.string().min(1).max(200)).min(2).max(1000).optional(),
    marked: z.array(markedTermSchema).max(50).optional(),
    permutations: z.number().int().min(100).max(MAX_PERMUTATIONS).optional(),
    seed: z.number().int().optional(),
  })
  .strict();
export type BiasReportInput = z.infer<typeof biasReportInputSchema>;

const testSchema = z.object({
  statistic: z.number(),
  between: z.number(),
  within: z.number(),
  betweenPairs: z.number().int(),
  withinPairs: z.number().int(),
  p: z.number(),
  permutations: z.number().int(),
  effect: z.number().optional(),
  ratio: z.number().optional(),
});
export type DistanceTest = z.infer<typeof testSchema>;

const answerRefSchema = z.object({
  cellId: z.string(),
  caseIndex: z.number().int(),
  repeat: z.number().int(),
  value: z.string(),
  /** The answer's start (SHOWN_CHARS at most) and its whole length. */
  output: z.string(),
  outputChars: z.number().int(),
});

export const biasReportSchema = z.object({
  /** Answers compared, and answers left out (failed, or not finished yet). */
  answers: z.number().int(),
  skipped: z.number().int(),
  groups: z.array(
    z.object({
      value: z.string(),
      answers: z.number().int(),
      passRate: z.number().optional(),
      meanScore: z.number().optional(),
    }),
  ),
  /** Word distance between answers, all variants together (each compared within itself). */
  text: testSchema.optional(),
  pass: testSchema.optional(),
  score: testSchema.optional(),
  variants: z.array(z.object({ columnIndex: z.number().int(), text: testSchema.optional() })),
  /** The answers of different values that differ most, most first. */
  pairs: z.array(z.object({ columnIndex: z.number().int(), distance: z.number(), a: answerRefSchema, b: answerRefSchema })),
  /** Why a test could not be made, in words. */
  note: z.string().optional(),
  /** The attribute the probe varied. */
  kind: attributeKindSchema.optional(),
});
export type BiasReport = z.infer<typeof biasReportSchema>;

/** One answer of a probe run, as the report reads it. */
export interface ProbeAnswer {
  cellId: string;
  caseIndex: number;
  columnIndex: number;
  repeat: number;
  output: string;
  /** Finished with an answer (failed, cancelled and unfinished cells are left out). */
  ok: boolean;
  pass?: boolean;
  score?: number;
}

const SHOWN_CHARS = 20_000;
const MAX_PAIRS = 6;

/** The kind with the probe's own values first, so edited and added values are found and blanked too. */
export function probeKind(kind: AttributeKind, values: readonly AttributeValue[]): AttributeKindInfo {
  const base = attributeKind(kind);
  const labels = new Set(values.map((v) => v.label));
  return { ...base, values: [...values, ...base.values.filter((v) => !labels.has(v.label))] };
}

/** The answer with every term of the attribute replaced by its slot's name, so a name or pronoun echoed back is no difference. */
export function blankAttribute(kind: AttributeKindInfo, text: string, marked: readonly MarkedTerm[] = [], matcher = matcherFor(kind, marked)): string {
  const neutral: AttributeValue = { label: '', terms: kind.slots.map((slot) => `⟨${slot}⟩`) };
  return substituteText(kind, text, neutral, marked, matcher);
}

function asTest(result: PermutationResult | undefined): DistanceTest | undefined {
  if (!result) return undefined;
  const { effect, ratio, ...rest } = result;
  return { ...rest, ...(effect !== undefined ? { effect } : {}), ...(ratio !== undefined ? { ratio } : {}) };
}

function ref(answer: ProbeAnswer, value: string): z.infer<typeof answerRefSchema> {
  return { cellId: answer.cellId, caseIndex: answer.caseIndex, repeat: answer.repeat, value, output: answer.output.slice(0, SHOWN_CHARS), outputChars: answer.output.length };
}

export interface ReportOptions {
  marked?: readonly MarkedTerm[];
  permutations?: number;
  seed?: number;
}

export function biasReport(kind: AttributeKindInfo, all: readonly ProbeAnswer[], caseValues: readonly string[], options: ReportOptions = {}): BiasReport {
  const answers = all.filter((a) => a.ok && caseValues[a.caseIndex] !== undefined);
  // Each test visits every pair of answers of one variant once a shuffle: keep the total within budget.
  const perStratum = new Map<number, number>();
  for (const a of answers) perStratum.set(a.columnIndex, (perStratum.get(a.columnIndex) ?? 0) + 1);
  const pairCount = [...perStratum.values()].reduce((sum, n) => sum + (n * (n - 1)) / 2, 0);
  const graded = answers.length > 0 && answers.every((a) => a.pass !== undefined);
  const scored = graded && answers.every((a) => a.score !== undefined);
  // The text test, the per-variant tests (together the same pairs; none when one variant), pass, score.
  const tests = 1 + (perStratum.size > 1 ? 1 : 0) + (graded ? 1 : 0) + (scored ? 1 : 0);
  const asked = Math.min(options.permutations ?? 5000, MAX_PERMUTATIONS);
  const affordable = pairCount > 0 ? Math.floor(MAX_PAIR_STEPS / (pairCount * tests)) : asked;
  const permutations = Math.max(MIN_PERMUTATIONS, Math.min(asked, affordable));
  const testOptions = { permutations, seed: options.seed ?? 1 };
  const valueOf = (a: ProbeAnswer): string => caseValues[a.caseIndex] ?? '';
  const groupsSeen = [...new Set(caseValues)];
  const groups = groupsSeen.map((value) => {
    const mine = answers.filter((a) => valueOf(a) === value);
    const graded = mine.filter((a) => a.pass !== undefined);
    const scored = mine.filter((a) => a.score !== undefined);
    return {
      value,
      answers: mine.length,
      ...(graded.length > 0 ? { passRate: graded.filter((a) => a.pass).length / graded.length } : {}),
      ...(scored.length > 0 ? { meanScore: scored.reduce((sum, a) => sum + (a.score ?? 0), 0) / scored.length } : {}),
    };
  });

  const matcher = matcherFor(kind, options.marked);
  // wordSet reads the first 200,000 characters: blank no further than that.
  const sets = answers.map((a) => wordSet(blankAttribute(kind, a.output.slice(0, 200_000), options.marked, matcher)));
  const labels = answers.map(valueOf);
  const strata = answers.map((a) => a.columnIndex);
  const distance = (x: number, y: number): number => jaccardDistance(sets[x] ?? new Set<string>(), sets[y] ?? new Set<string>());
  const text = asTest(groupDistanceTest(labels, strata, distance, testOptions));

  const columns = [...new Set(strata)].sort((x, y) => x - y);
  const variants = columns.map((columnIndex) => {
    // One variant: its test is the text test (the same pairs and shuffles), not run twice.
    if (columns.length === 1) return { columnIndex, ...(text ? { text } : {}) };
    const idx = answers.flatMap((a, k) => (a.columnIndex === columnIndex ? [k] : []));
    const result = groupDistanceTest(
      idx.map((k) => labels[k] ?? ''),
      idx.map(() => 0),
      (x, y) => distance(idx[x] ?? 0, idx[y] ?? 0),
      testOptions,
    );
    return { columnIndex, ...(result ? { text: asTest(result) } : {}) };
  });

  const gradedTest = (d: (x: number, y: number) => number): DistanceTest | undefined =>
    graded
      ? asTest(
          groupDistanceTest(
            labels,
            strata,
            d,
            testOptions,
          ),
        )
      : undefined;
  const pass = gradedTest((x, y) => (answers[x]?.pass === answers[y]?.pass ? 0 : 1));
  const score = scored ? gradedTest((x, y) => Math.abs((answers[x]?.score ?? 0) - (answers[y]?.score ?? 0))) : undefined;

  const candidates: { x: number; y: number; d: number }[] = [];
  for (let x = 0; x < answers.length; x++)
    for (let y = x + 1; y < answers.length; y++) {
      if (strata[x] !== strata[y] || labels[x] === labels[y]) continue;
      candidates.push({ x, y, d: distance(x, y) });
    }
  candidates.sort((p, q) => q.d - p.d);
  const pairs = candidates.slice(0, MAX_PAIRS).flatMap(({ x, y, d }) => {
    const a = answers[x];
    const b = answers[y];
    return a && b ? [{ columnIndex: a.columnIndex, distance: d, a: ref(a, labels[x] ?? ''), b: ref(b, labels[y] ?? '') }] : [];
  });

  let note: string | undefined;
  if (!text) {
    note =
      groupsSeen.length < 2
        ? 'A probe needs rows for two or more values.'
        : 'No two answers of one value to compare: run the probe with 2 or more repeats (and let them finish).';
  } else if (permutations < asked) {
    note = `${answers.length} answers make ${pairCount.toLocaleString('en-US')} pairs to compare, so ${permutations} shuffles were made instead of ${asked}: p cannot go below ${(1 / (permutations + 1)).toPrecision(2)}.`;
  }
  return { answers: answers.length, skipped: all.length - answers.length, groups, ...(text ? { text } : {}), ...(pass ? { pass } : {}), ...(score ? { score } : {}), variants, pairs, ...(note ? { note } : {}) };
}
