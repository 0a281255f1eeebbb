/**
 * Comparing two runs: which rows are the same test case, which variants are the same variant,
 * and, per pair of variants, whether the newer run did better row by row (the sign test on
 * paired outcomes). Pure: main feeds it aggregates read from SQL, a row at a time.
 */
import type { Column, Variables } from '../schemas';
import { signTest } from '../stats/binomial';
import { formatP } from '../stats/pair-verdict';

/** A JSON value written with object keys sorted, so `{a, b}` and `{b, a}` are one test case. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The key two runs' rows are matched on: the test case's variable values. */
export function caseKey(vars: Variables): string {
  return canonicalJson(vars);
}

export interface RowMatch {
  /** [row in the base run, row in the other run], in the base run's order. */
  pairs: [number, number][];
  /** Rows of the base run with no row of the same values in the other run. */
  onlyInBase: number[];
  onlyInOther: number[];
}

/**
 * Rows with the same values are the same test case, wherever they sit; when a run holds several
 * rows with the same values, the first goes with the first, the second with the second.
 */
export function matchRows(baseKeys: readonly string[], otherKeys: readonly string[]): RowMatch {
  const waiting = new Map<string, number[]>();
  otherKeys.forEach((key, index) => {
    const list = waiting.get(key);
    if (list) list.push(index);
    else waiting.set(key, [index]);
  });
  const pairs: [number, number][] = [];
  const onlyInBase: number[] = [];
  baseKeys.forEach((key, index) => {
    const next = waiting.get(key)?.shift();
    if (next === undefined) onlyInBase.push(index);
    else pairs.push([index, next]);
  });
  const used = new Set(pairs.map(([, other]) => other));
  const onlyInOther = otherKeys.map((_, index) => index).filter((index) => !used.has(index));
  return { pairs, onlyInBase, onlyInOther };
}

function columnIdentity(column: Column): string {
  return canonicalJson([column.providerId, column.model, column.params, column.promptVersionId ?? null]);
}

/**
 * Which variant of one run goes with which of the other: the same provider, model, settings and
 * prompt version first (wherever it sits), then the rest in order.
 */
export function pairVariants(base: readonly Column[], other: readonly Column[]): [number, number][] {
  const pairs: [number, number][] = [];
  const freeOther = new Set(other.map((_, i) => i));
  const freeBase: number[] = [];
  base.forEach((column, i) => {
    const identity = columnIdentity(column);
    const match = [...freeOther].find((j) => {
      const candidate = other[j];
      return candidate !== undefined && columnIdentity(candidate) === identity;
    });
    if (match === undefined) {
      freeBase.push(i);
      return;
    }
    freeOther.delete(match);
    pairs.push([i, match]);
  });
  const rest = [...freeOther];
  freeBase.forEach((i, k) => {
    const j = rest[k];
    if (j !== undefined) pairs.push([i, j]);
  });
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** One row × one variant of a run, summed over its repeats (what SQL's GROUP BY gives). */
export interface RowAggregate {
  cells: number;
  errors: number;
  /** Cells the checks graded, and how many of them passed every check. */
  graded: number;
  passed: number;
  scoreSum: number;
  /** Cells with a latency of their own (not served from the cache). */
  timed: number;
  msSum: number;
  priced: number;
  costSum: number;
  /** Priced cells whose cost is a tokenizer estimate (the server sent no usage). */
  estimated: number;
}

export function emptyAggregate(): RowAggregate {
  return { cells: 0, errors: 0, graded: 0, passed: 0, scoreSum: 0, timed: 0, msSum: 0, priced: 0, costSum: 0, estimated: 0 };
}

export function addAggregate(into: RowAggregate, add: RowAggregate): void {
  into.cells += add.cells;
  into.errors += add.errors;
  into.graded += add.graded;
  into.passed += add.passed;
  into.scoreSum += add.scoreSum;
  into.timed += add.timed;
  into.msSum += add.msSum;
  into.priced += add.priced;
  into.costSum += add.costSum;
  into.estimated += add.estimated;
}

/** What a row's outcome is measured by: the checks when both runs have them, else answering without an error. */
export type OutcomeBasis = 'checks' | 'errors';

/** A row's outcome for one variant, from 0 to 1 (the share of its repeats that passed); undefined when it has none. */
export function rowOutcome(row: RowAggregate | undefined, basis: OutcomeBasis): number | undefined {
  if (!row || row.cells === 0) return undefined;
  if (basis === 'checks') return row.graded > 0 ? row.passed / row.graded : undefined;
  return (row.cells - row.errors) / row.cells;
}

export type RowChange = 'fixed' | 'broken' | 'same';

export function rowChange(base: number, other: number): RowChange {
  // Shares of repeats: compare with a little slack for floating point.
  if (other > base + 1e-9) return 'fixed';
  if (other < base - 1e-9) return 'broken';
  return 'same';
}

export interface SideFigures {
  /** Passed / graded over the matched rows (null without checks). */
  passRate: number | null;
  meanScore: number | null;
  meanLatencyMs: number | null;
  costUsd: number;
  /** Cells with a cost; fewer than cells means part of the cost is unknown. */
  priced: number;
  /** Of the priced cells, those whose cost is an estimate. */
  estimated: number;
  cells: number;
  errors: number;
}

export function figuresOf(total: RowAggregate): SideFigures {
  return {
    passRate: total.graded > 0 ? total.passed / total.graded : null,
    meanScore: total.graded > 0 ? total.scoreSum / total.graded : null,
    meanLatencyMs: total.timed > 0 ? total.msSum / total.timed : null,
    costUsd: total.costSum,
    priced: total.priced,
    estimated: total.estimated,
    cells: total.cells,
    errors: total.errors,
  };
}

export interface PairOutcomes {
  fixed: number;
  broken: number;
  same: number;
  /** Rows one side has no outcome for (no graded cell). */
  skipped: number;
  /** Exact two-sided sign test over the rows that changed. */
  p: number;
}

/** Tallies fixed / broken / same over paired outcomes and runs the sign test on them. */
export function tallyOutcomes(pairs: Iterable<[number | undefined, number | undefined]>): PairOutcomes {
  let fixed = 0;
  let broken = 0;
  let same = 0;
  let skipped = 0;
  for (const [base, other] of pairs) {
    if (base === undefined || other === undefined) {
      skipped++;
      continue;
    }
    const change = rowChange(base, other);
    if (change === 'fixed') fixed++;
    else if (change === 'broken') broken++;
    else same++;
  }
  return { fixed, broken, same, skipped, p: signTest(fixed, broken) };
}

function rows(n: number): string {
  return `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
}

/**
 * "did my edit help?" in words: "B is better on 9 rows, worse on 2; p = 0.065, not significant
 * at 0.05." `newer` names the run compared against the base.
 */
export function outcomeSentence(newer: string, outcomes: PairOutcomes, alpha = 0.05): string {
  const { fixed, broken, same } = outcomes;
  if (fixed + broken === 0) {
    return same === 0 ? 'No row has an outcome in both runs: nothing to compare.' : `${newer} does the same on all ${rows(same)}: no row changed.`;
  }
  const significant = outcomes.p < alpha;
  const verdict = significant ? `significant at ${alpha}: ${newer} is ${fixed > broken ? 'better' : 'worse'}` : `not significant at ${alpha}`;
  const sameText = same > 0 ? ` (the same on ${rows(same)})` : '';
  return `${newer} is better on ${rows(fixed)}, worse on ${broken}${sameText}; ${formatP(outcomes.p)}, ${verdict}.`;
}
