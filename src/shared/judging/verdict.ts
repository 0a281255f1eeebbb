/**
 * The verdict of a run, from its cells (measurements, checks, ratings) and its blind votes:
 * per variant, the numbers a prompt engineer reads before deciding; per pair of variants, who
 * wins and how sure we are; for three or more, a Bradley–Terry ranking with bootstrap intervals.
 */
import type { Verdict, Vote } from '../contract';
import type { Grading } from '../schemas';
import { bootstrapBradleyTerry, type Comparison } from '../stats/bradley-terry';
import { wilsonInterval } from '../stats/binomial';
import { mean, percentile, shareIdentical, stddev } from '../stats/descriptive';
import { pairVerdict } from '../stats/pair-verdict';

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
  /** Bootstrap resamples for the ranking's intervals. */
  samples?: number;
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
    const comparisons: Comparison[] = pairs.map((p) => ({ a: String(p.a), b: String(p.b), wins: p.wins, losses: p.losses, ties: p.ties + p.bothBad }));
    const fit = bootstrapBradleyTerry(comparisons, items, { samples: input.samples ?? 500, seed: 1 });
    ranking = fit.ranking.map((r) => ({
      columnIndex: Number(r.item),
      strength: r.strength,
      low: fit.intervals[r.item]?.low ?? r.strength,
      high: fit.intervals[r.item]?.high ?? r.strength,
      rank: r.rank,
    }));
  }

  // ── per variant ──
  const variants: Verdict['variants'] = labels.map((label, columnIndex) => {
    const cells = byColumn[columnIndex] ?? [];
    const done = cells.filter((c) => c.status === 'done');
    // A cached answer took no time; counting it would flatter the variant's latency.
    const latencies = defined(done.filter((c) => c.cached !== true).map((c) => c.totalMs));
    const tokens = defined(done.map((c) => (c.outputTokens !== undefined || c.inputTokens !== undefined ? (c.inputTokens ?? 0) + (c.outputTokens ?? 0) : undefined)));
    const costs = defined(cells.map((c) => c.costUsd));
    const scores = defined(cells.map((c) => c.score));
    const graded = cells.filter((c) => c.grading !== undefined);
    const checks = new Map<string, { passed: number; total: number }>();
    for (const cell of graded) {
      for (const component of cell.grading?.componentResults ?? []) {
        const entry = checks.get(component.type) ?? { passed: 0, total: 0 };
        entry.total++;
        if (component.pass) entry.passed++;
        checks.set(component.type, entry);
      }
    }
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
    const quality = graded.length > 0 ? passedCells / graded.length : scores.length > 0 ? (mean(scores) - 1) / 4 : wonShare;
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
      scoreMean: finite(mean(scores)),
      scored: scores.length,
      thumbsUp: cells.filter((c) => c.thumb === 'up').length,
      thumbsDown: cells.filter((c) => c.thumb === 'down').length,
      passRate: graded.length > 0 ? interval(passedCells, graded.length) : null,
      checks: [...checks].map(([type, c]) => ({ type, passed: c.passed, total: c.total, rate: interval(c.passed, c.total) })),
      consistency,
      quality,
    };
  });

  return { variants, pairs, ranking, votes: counted };
}

export { variantLetter } from '../variants';
