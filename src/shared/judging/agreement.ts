/**
 * Agreement between the people who voted on a run's blind pairs, and how far an LLM judge can
 * be trusted against them (docs/architecture.md, "Several raters").
 *
 * An item is one pair of variants on one row. Each vote is turned into a label that does not
 * depend on the side an answer sat on: "a" (the lower variant won), "b", "tie" or "both_bad";
 * a skip is no rating. Raters whose name starts with "judge:" are LLM judges: they are left out
 * of the people's agreement and measured against it instead.
 */
import { z } from 'zod';
import type { Vote, VoteOutcome } from '../contract';
import { wilsonInterval } from '../stats/binomial';
import { cohenKappa, fleissKappa, krippendorffAlpha, type Agreement, type Ratings } from '../stats/agreement';

export const JUDGE_RATER_PREFIX = 'judge:';

export function isJudgeRater(rater: string): boolean {
  return rater.startsWith(JUDGE_RATER_PREFIX);
}

const valueSchema = z.object({
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  items: z.number().int(),
  degenerate: z.enum(['no-data', 'one-category']).optional(),
});
const rateSchema = z.object({ estimate: z.number().nullable(), low: z.number(), high: z.number(), k: z.number().int(), n: z.number().int() });

const measuresSchema = z.object({
  /** Items rated by two or more people. */
  items: z.number().int(),
  raters: z.number().int(),
  /** Share of rating pairs within an item that agree (raw agreement). */
  percentAgree: z.number().nullable(),
  /** Only with exactly two people. */
  cohen: valueSchema.nullable(),
  fleiss: valueSchema,
  alpha: valueSchema,
});
export type AgreementMeasures = z.infer<typeof measuresSchema>;

export const LABELS = ['a', 'b', 'tie', 'both_bad'] as const;
export type Label = (typeof LABELS)[number];

const calibrationSchema = z.object({
  judge: z.string(),
  /** Items the judge and at least one person both decided, with a clear human majority. */
  items: z.number().int(),
  kappa: valueSchema,
  accuracy: rateSchema,
  /** Rows: the people's majority; columns: the judge; both in LABELS' order without both_bad (counted as a tie). */
  confusion: z.array(z.array(z.number().int())),
  /** How often the judge's choice changed when the answers swapped sides (llm-pairwise only). */
  positionBias: rateSchema.nullable(),
  /** When the judge's model is one of the variants: how often it picks its own answer, and how often people do. */
  selfPreference: z.object({ columnIndex: z.number().int(), judge: rateSchema, humans: rateSchema }).nullable(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const agreementSchema = z.object({
  raters: z.array(z.object({ rater: z.string(), votes: z.number().int(), judge: z.boolean() })),
  overall: measuresSchema,
  pairs: z.array(z.object({ a: z.number().int(), b: z.number().int(), measures: measuresSchema })),
  /** Items the people disagree on most, most disagreed first. */
  disagreements: z.array(
    z.object({
      caseIndex: z.number().int(),
      a: z.number().int(),
      b: z.number().int(),
      disagreement: z.number(),
      labels: z.array(z.object({ rater: z.string(), label: z.enum(LABELS) })),
    }),
  ),
  judges: z.array(calibrationSchema),
});
export type AgreementReport = z.infer<typeof agreementSchema>;

/** The label of a vote, from the lower variant's side; undefined for a skip. */
export function labelOf(vote: Pick<Vote, 'outcome' | 'leftColumn' | 'rightColumn'>): Label | undefined {
  const outcome: VoteOutcome = vote.outcome;
  if (outcome === 'skip') return undefined;
  if (outcome === 'tie' || outcome === 'both_bad') return outcome;
  const winner = outcome === 'left' ? vote.leftColumn : vote.rightColumn;
  return winner === Math.min(vote.leftColumn, vote.rightColumn) ? 'a' : 'b';
}

interface Item {
  key: string;
  caseIndex: number;
  a: number;
  b: number;
  labels: Map<string, Label>;
}

function itemsOf(votes: readonly Vote[]): Item[] {
  const items = new Map<string, Item>();
  for (const vote of votes) {
    const label = labelOf(vote);
    if (label === undefined) continue;
    const a = Math.min(vote.leftColumn, vote.rightColumn);
    const b = Math.max(vote.leftColumn, vote.rightColumn);
    const key = `${vote.caseIndex}:${a}:${b}`;
    let item = items.get(key);
    if (!item) items.set(key, (item = { key, caseIndex: vote.caseIndex, a, b, labels: new Map() }));
    item.labels.set(vote.rater, label);
  }
  return [...items.values()].sort((x, y) => x.caseIndex - y.caseIndex || x.a - y.a || x.b - y.b);
}

function value(agreement: Agreement): z.infer<typeof valueSchema> {
  return { estimate: agreement.estimate, low: agreement.low, high: agreement.high, items: agreement.items, ...(agreement.degenerate ? { degenerate: agreement.degenerate } : {}) };
}

function rate(k: number, n: number): z.infer<typeof rateSchema> {
  const w = wilsonInterval(k, n);
  return { estimate: n > 0 ? w.estimate : null, low: w.low, high: w.high, k, n };
}

/** Within-item share of agreeing rating pairs. */
function pairShare(labels: readonly Label[]): { agree: number; pairs: number } {
  const counts = new Map<Label, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let agree = 0;
  for (const c of counts.values()) agree += c * (c - 1);
  return { agree, pairs: labels.length * (labels.length - 1) };
}

function measures(items: readonly Item[], humans: readonly string[], seed: number): AgreementMeasures {
  const raters = humans.filter((r) => items.some((i) => i.labels.has(r)));
  const ratings: Ratings = items.map((item) => raters.map((r) => item.labels.get(r)));
  const rated = ratings.filter((row) => row.filter((l) => l !== undefined).length >= 2);
  let agree = 0;
  let pairs = 0;
  for (const row of rated) {
    const s = pairShare(row.filter((l): l is Label => l !== undefined));
    agree += s.agree;
    pairs += s.pairs;
  }
  const options = { seed, resamples: 500 };
  return {
    items: rated.length,
    raters: raters.length,
    percentAgree: pairs > 0 ? agree / pairs : null,
    cohen: raters.length === 2 ? value(cohenKappa(ratings)) : null,
    fleiss: value(raters.length >= 2 ? fleissKappa(ratings, options) : { estimate: null, low: null, high: null, items: 0, degenerate: 'no-data' }),
    alpha: value(krippendorffAlpha(ratings, options)),
  };
}

/** The people's majority label on an item; undefined with no clear majority. */
function majority(item: Item, humans: readonly string[]): Label | undefined {
  const counts = new Map<Label, number>();
  for (const r of humans) {
    const l = item.labels.get(r);
    if (l !== undefined) counts.set(l === 'both_bad' ? 'tie' : l, (counts.get(l === 'both_bad' ? 'tie' : l) ?? 0) + 1);
  }
  const sorted = [...counts].sort((x, y) => y[1] - x[1]);
  if (sorted.length === 0 || (sorted[1] !== undefined && sorted[1][1] === sorted[0]?.[1])) return undefined;
  return sorted[0]?.[0];
}

export interface AgreementInput {
  votes: readonly Vote[];
  /**
   * Judges whose decisions are not stored votes (llm-rubric's scores read as pairwise choices):
   * measured against the people like the others, but not raters a verdict can rank by.
   */
  derived?: readonly { rater: string; model: string; votes: readonly Vote[] }[];
  /** The model each variant called, by column, to find a judge judging its own answers. */
  variantModels?: readonly string[];
  seed?: number;
}

const CALIBRATION_LABELS = ['a', 'b', 'tie'] as const;

function calibrate(judge: string, items: readonly Item[], humans: readonly string[], votes: readonly Vote[], variantModels: readonly string[], judgeModel?: string): Calibration {
  const paired: { human: Label; judge: Label }[] = [];
  for (const item of items) {
    const j = item.labels.get(judge);
    const h = majority(item, humans);
    if (j === undefined || h === undefined) continue;
    paired.push({ human: h, judge: j === 'both_bad' ? 'tie' : j });
  }
  const confusion = CALIBRATION_LABELS.map((h) => CALIBRATION_LABELS.map((j) => paired.filter((p) => p.human === h && p.judge === j).length));
  const correct = paired.filter((p) => p.human === p.judge).length;
  const kappa = cohenKappa(paired.map((p) => [p.human, p.judge]));

  // Position bias: the judge's decisions in the two orders, as its votes' detail records them.
  const judgeVotes = votes.filter((v) => v.rater === judge);
  const checked = judgeVotes.filter((v) => v.detail !== undefined);
  const flips = checked.filter((v) => v.detail && v.detail.forward !== v.detail.reversed).length;

  // Self-preference: the judge's model is one of the variants.
  const model = judgeModel ?? judge.slice(JUDGE_RATER_PREFIX.length);
  // Only when exactly one variant is the judge's model: with two, "its own answer" means nothing.
  const own = variantModels.findIndex((m) => m !== '' && m === model);
  const owners = variantModels.filter((m) => m !== '' && m === model).length;
  let selfPreference: Calibration['selfPreference'] = null;
  if (own >= 0 && owners === 1) {
    const tally = (raters: readonly string[]): { k: number; n: number } => {
      let k = 0;
      let n = 0;
      for (const item of items) {
        if (item.a !== own && item.b !== own) continue;
        if (!item.labels.has(judge)) continue;
        for (const r of raters) {
          const l = item.labels.get(r);
          if (l !== 'a' && l !== 'b') continue;
          n++;
          if ((l === 'a' ? item.a : item.b) === own) k++;
        }
      }
      return { k, n };
    };
    const j = tally([judge]);
    const h = tally(humans);
    selfPreference = { columnIndex: own, judge: rate(j.k, j.n), humans: rate(h.k, h.n) };
  }
  return {
    judge,
    items: paired.length,
    kappa: value(kappa),
    accuracy: rate(correct, paired.length),
    confusion,
    positionBias: checked.length > 0 ? rate(flips, checked.length) : null,
    selfPreference,
  };
}

export function computeAgreement(input: AgreementInput): AgreementReport {
  const seed = input.seed ?? 20_260_315;
  const counts = new Map<string, number>();
  for (const v of input.votes) counts.set(v.rater, (counts.get(v.rater) ?? 0) + 1);
  const raters = [...counts].map(([rater, votes]) => ({ rater, votes, judge: isJudgeRater(rater) })).sort((x, y) => Number(x.judge) - Number(y.judge) || x.rater.localeCompare(y.rater));
  const humans = raters.filter((r) => !r.judge).map((r) => r.rater);
  const judges = raters.filter((r) => r.judge).map((r) => r.rater);
  const derived = input.derived ?? [];
  const items = itemsOf([...input.votes, ...derived.flatMap((d) => d.votes)]);

  const pairKeys = [...new Set(items.map((i) => `${i.a}:${i.b}`))];
  const pairs = pairKeys.map((key) => {
    const [a, b] = key.split(':').map(Number) as [number, number];
    return { a, b, measures: measures(items.filter((i) => i.a === a && i.b === b), humans, seed) };
  });

  const disagreements = items
    .map((item) => {
      const labels = humans.flatMap((r) => {
        const label = item.labels.get(r);
        return label === undefined ? [] : [{ rater: r, label }];
      });
      const s = pairShare(labels.map((l) => l.label));
      return { caseIndex: item.caseIndex, a: item.a, b: item.b, disagreement: s.pairs > 0 ? 1 - s.agree / s.pairs : 0, labels };
    })
    .filter((d) => d.labels.length >= 2 && d.disagreement > 0)
    .sort((x, y) => y.disagreement - x.disagreement || x.caseIndex - y.caseIndex)
    .slice(0, 20);

  return {
    raters,
    overall: measures(items, humans, seed),
    pairs,
    disagreements,
    judges: [
      ...judges.map((j) => calibrate(j, items, humans, input.votes, input.variantModels ?? [])),
      ...derived.filter((d) => d.votes.length > 0).map((d) => calibrate(d.rater, items, humans, d.votes, input.variantModels ?? [], d.model)),
    ],
  };
}

/** The rater name llm-rubric's choices are measured under. */
export const RUBRIC_RATER = `${JUDGE_RATER_PREFIX}llm-rubric`;

/**
 * llm-rubric read as a pairwise judge: on each pair the people voted on, the answer whose
 * llm-rubric score is higher wins, equal scores tie, and a pair with an answer the rubric never
 * graded is left out. `scoreOf` gives a cell's mean llm-rubric score.
 */
export function rubricVotes(votes: readonly Vote[], scoreOf: (cellId: string) => number | undefined): Vote[] {
  const seen = new Set<string>();
  const out: Vote[] = [];
  for (const vote of votes) {
    if (isJudgeRater(vote.rater)) continue;
    const key = `${vote.leftCellId}|${vote.rightCellId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const left = scoreOf(vote.leftCellId);
    const right = scoreOf(vote.rightCellId);
    if (left === undefined || right === undefined) continue;
    const outcome: VoteOutcome = left > right ? 'left' : right > left ? 'right' : 'tie';
    out.push({ ...vote, id: `rubric:${key}`, rater: RUBRIC_RATER, outcome, note: undefined, detail: undefined });
  }
  return out;
}
