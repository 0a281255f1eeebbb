/**
 * The verdict of a run, from its cells (measurements, checks, ratings) and its blind votes:
 * per variant, the numbers a prompt engineer reads before deciding; per pair of variants, who
 * wins and how sure we are; for three or more, a Bradley–Terry ranking with profile-likelihood
 * intervals (src/shared/stats/bradley-terry-intervals.ts).
 */
import type { Verdict, Vote } from '../contract';
import type { Grading } from '../schemas';
import { bradleyTerryIntervals, type Contest } from '../stats/bradley-terry-intervals';
import { wilsonInterval } from '../stats/binomial';
import { mean, percentile, shareIdentical, stddev } from '../stats/descriptive';
import { pairVerdict } from '../stats/pair-verdict';
import { checkSpec, meanPassRate, type CheckSpec, type CheckTally } from './checks';

export interface VerdictCell {
  columnIndex: number;
  caseIndex: number;
  repeat: number;
  status: string;
  /** Only needed with repeats (for how often a variant says the same thing). */
  output: string;
  totalMs: number | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  costUsd: number | undefined;
  /** The cost was counted with the tokenizer (no usage from the server). */
  costEstimated?: boolean;
  grading: Grading | undefined;
  score: number | undefined;
  thumb: string | undefined;
  /** Served from the response cache: no latency of its own. */
  cached?: boolean;
}

export interface VerdictInput {
  /** A label per variant, by column index ("A: gpt-4o-mini"). */
  labels: readonly string[];
  cells: readonly VerdictCell[];
  votes: readonly Vote[];
  repeats: number;
  /**
   * The checks of a row, in the order its results are stored (the run's, then the row's own),
   * for their names and weights; without it a result is named by its metric or type, weight 1.
   */
  checksOf?: (caseIndex: number) => readonly CheckSpec[];
}

function interval(k: number, n: number): { estimate: number | null; low: number; high: number } {
  const w = wilsonInterval(k, n);
  return { estimate: Number.isNaN(w.estimate) ? null : w.estimate, low: w.low, high: w.high };
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function defined(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined && Number.isFinite(v));
}

export function computeVerdict(input: VerdictInput): Verdict {
  const { labels } = input;
  const byColumn = labels.map(() => [] as VerdictCell[]);
  for (const cell of input.cells) byColumn[cell.columnIndex]?.push(cell);

  // ── pairs ──
  const tallies = new Map<string, { wins: number; losses: number; ties: number; bothBad: number }>();
  const keyOf = (a: number, b: number): string => `${a}:${b}`;
  let counted = 0;
  for (const vote of input.votes) {
    if (vote.outcome === 'skip') continue;
    const a = Math.min(vote.leftColumn, vote.rightColumn);
    const b = Math.max(vote.leftColumn, vote.rightColumn);
    if (a === b || b >= labels.length) continue;
    const tally = tallies.get(keyOf(a, b)) ?? { wins: 0, losses: 0, ties: 0, bothBad: 0 };
    const preferred = vote.outcome === 'left' ? vote.leftColumn : vote.outcome === 'right' ? vote.rightColumn : undefined;
    if (preferred === a) tally.wins++;
    else if (preferred === b) tally.losses++;
    else if (vote.outcome === 'both_bad') tally.bothBad++;
    else tally.ties++;
    tallies.set(keyOf(a, b), tally);
    counted++;
  }
  const pairs: Verdict['pairs'] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let b = a + 1; b < labels.length; b++) {
      const tally = tallies.get(keyOf(a, b)) ?? { wins: 0, losses: 0, ties: 0, bothBad: 0 };
      const result = pairVerdict({ a: labels[a] ?? `Variant ${a + 1}`, b: labels[b] ?? `Variant ${b + 1}`, wins: tally.wins, losses: tally.losses, ties: tally.ties + tally.bothBad });
      pairs.push({
        a,
        b,
        wins: tally.wins,
        losses: tally.losses,
        ties: tally.ties,
        bothBad: tally.bothBad,
        winRate: interval(tally.wins, tally.wins + tally.losses),
        p: result.p,
        better: result.better,
        moreVotesNeeded: result.votesNeeded.more,
        sentence: result.sentence,
      });
    }
  }

  // ── ranking (3+ variants with decisive votes) ──
  let ranking: Verdict['ranking'] = null;
  const decisiveTotal = pairs.reduce((n, p) => n + p.wins + p.losses + p.ties + p.bothBad, 0);
  if (labels.length >= 3 && decisiveTotal > 0) {
    const items = labels.map((_, i) => String(i));
    const contests: Contest[] = pairs.map((p) => ({ a: String(p.a), b: String(p.b), wins: p.wins, losses: p.losses, ties: p.ties + p.bothBad }));
    const fit = bradleyTerryIntervals(contests, items);
    ranking = fit.ranking.map((r) => ({ columnIndex: Number(r.item), strength: r.chance, low: r.low, high: r.high, rank: r.rank }));
    // The model's view of each pair beside the pair's own Wilson interval: with few votes it
    // borrows from the other pairs, but it must not claim more than the votes can say.
    for (const p of pairs) p.model = fit.pair(String(p.a), String(p.b));
  }

  // ── per variant ──
  const variants: Verdict['variants'] = labels.map((label, columnIndex) => {
    const cells = byColumn[columnIndex] ?? [];
    const done = cells.filter((c) => c.status === 'done');
    // A cached answer took no time; counting it would flatter the variant's latency.
    const latencies = defined(done.filter((c) => c.cached !== true).map((c) => c.totalMs));
    const tokens = defined(done.map((c) => (c.outputTokens !== undefined || c.inputTokens !== undefined ? (c.inputTokens ?? 0) + (c.outputTokens ?? 0) : undefined)));
    const costs = defined(cells.map((c) => c.costUsd));
    const costEstimated = cells.some((c) => c.costEstimated === true && c.costUsd !== undefined);
    const scores = defined(cells.map((c) => c.score));
    const graded = cells.filter((c) => c.grading !== undefined);
    const checks = new Map<string, CheckTally & { weights: number }>();
    for (const cell of graded) {
      const components = cell.grading?.componentResults ?? [];
      const specs = input.checksOf?.(cell.caseIndex);
      // Results are stored in the order of the row's checks; a row whose checks changed since is named from the result.
      const lined = specs !== undefined && specs.length === components.length;
      components.forEach((component, i) => {
        const spec = (lined ? specs[i] : undefined) ?? checkSpec(component);
        const entry = checks.get(spec.name) ?? { name: spec.name, type: component.type, weight: 1, weights: 0, passed: 0, total: 0 };
        entry.total++;
        entry.weights += spec.weight;
        entry.weight = entry.weights / entry.total;
        if (component.pass) entry.passed++;
        checks.set(spec.name, entry);
      });
    }
    const checkMean = meanPassRate([...checks.values()]);
    const passedCells = graded.filter((c) => c.grading?.pass).length;
    let consistency: Verdict['variants'][number]['consistency'] = null;
    if (input.repeats > 1) {
      const rows = new Map<number, VerdictCell[]>();
      for (const cell of done) rows.set(cell.caseIndex, [...(rows.get(cell.caseIndex) ?? []), cell]);
      const repeated = [...rows.values()].filter((r) => r.length > 1);
      if (repeated.length > 0) {
        const spreads = repeated.map((r) => defined(r.map((c) => c.grading?.score))).filter((s) => s.length > 1).map((s) => stddev(s));
        consistency = {
          identicalShare: mean(repeated.map((r) => shareIdentical(r.map((c) => c.output)))),
          scoreSpread: spreads.length > 0 ? mean(spreads) : null,
          rows: repeated.length,
        };
      }
    }
    const wonShare = (() => {
      let wins = 0;
      let total = 0;
      for (const p of pairs) {
        if (p.a === columnIndex) {
          wins += p.wins;
          total += p.wins + p.losses;
        } else if (p.b === columnIndex) {
          wins += p.losses;
          total += p.wins + p.losses;
        }
      }
      return total > 0 ? wins / total : null;
    })();
    // One check that always fails must not flatten every variant to 0: quality is the mean of the checks' pass rates.
    const quality = checkMean ?? (graded.length > 0 ? passedCells / graded.length : scores.length > 0 ? (mean(scores) - 1) / 4 : wonShare);
    return {
      columnIndex,
      label,
      cells: cells.length,
      done: done.length,
      latencyMeanMs: finite(mean(latencies)),
      latencyP95Ms: finite(percentile(latencies, 95)),
      tokensMean: finite(mean(tokens)),
      costUsd: costs.reduce((a, b) => a + b, 0),
      costMeanUsd: finite(mean(costs)),
      costEstimated,
      scoreMean: finite(mean(scores)),
      scored: scores.length,
      thumbsUp: cells.filter((c) => c.thumb === 'up').length,
      thumbsDown: cells.filter((c) => c.thumb === 'down').length,
      passRate: graded.length > 0 ? interval(passedCells, graded.length) : null,
      checks: [...checks.values()].map((c) => ({ type: c.type, check: c.name, weight: c.weight, passed: c.passed, total: c.total, rate: interval(c.passed, c.total) })),
      checkMean,
      consistency,
      quality,
    };
  });

  return { variants, pairs, ranking, votes: counted };
}

export { variantLetter } from '../variants';
