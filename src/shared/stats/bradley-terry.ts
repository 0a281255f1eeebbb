/**
 * Bradley–Terry strengths from pairwise votes, fitted with Hunter's (2004) MM algorithm. For
 * intervals, see bradley-terry-intervals.ts (a bootstrap over votes cannot widen when one item
 * never wins: every resample says the same).
 *
 * Model: P(i beats j) = s_i / (s_i + s_j). A tie counts as half a win each way. Strengths are
 * normalised to sum to 1, so s_i / (s_i + s_j) reads directly as a win probability.
 *
 * A plain maximum-likelihood fit has no finite answer when an item won (or lost) every
 * comparison it was in, which is common with a handful of votes. So by default every item
 * also plays `prior` virtual wins and `prior` virtual losses against a fixed virtual item of
 * strength 1 (before normalisation): a weak pull towards "average" that keeps every strength
 * finite and positive. Pass `prior: 0` for the plain MLE.
 */

export interface Comparison {
  a: string;
  b: string;
  /** Times a beat b. */
  wins: number;
  /** Times b beat a. */
  losses: number;
  ties?: number;
}

export interface BradleyTerryOptions {
  /** Virtual wins and losses per item against an average item (default 0.5; 0 = plain MLE). */
  prior?: number;
  maxIterations?: number;
  /** Stop when no strength changes by more than this fraction in an iteration. */
  tolerance?: number;
}

export interface RankedItem {
  item: string;
  strength: number;
  /** 1 for the strongest. */
  rank: number;
}

export interface BradleyTerryFit {
  /** Strengths by item, summing to 1. */
  strengths: Record<string, number>;
  /** Items from strongest to weakest (ties in strength keep the order of `items`). */
  ranking: RankedItem[];
  iterations: number;
  converged: boolean;
}

interface PairTotals {
  i: number;
  j: number;
  /** Comparisons between i and j, ties included. */
  total: number;
}

interface Tally {
  /** Wins per item, ties counted as halves, the prior's virtual wins included. */
  wins: Float64Array;
  pairs: PairTotals[];
}

function indexItems(items: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  items.forEach((item, i) => {
    if (index.has(item)) throw new RangeError(`"${item}" is listed twice.`);
    index.set(item, i);
  });
  return index;
}

function itemIndex(index: Map<string, number>, item: string): number {
  const i = index.get(item);
  if (i === undefined) throw new RangeError(`"${item}" is compared but not in the list of items.`);
  return i;
}

/** Per-pair counts as flat arrays: win counts of (pair.i over pair.j), (j over i), ties. */
interface PairCounts {
  i: number;
  j: number;
  iWins: number;
  jWins: number;
  ties: number;
}

function collect(comparisons: readonly Comparison[], index: Map<string, number>): PairCounts[] {
  const byKey = new Map<string, PairCounts>();
  for (const c of comparisons) {
    const x = itemIndex(index, c.a);
    const y = itemIndex(index, c.b);
    if (x === y) continue; // an item against itself says nothing about strength
    const [i, j, iWins, jWins] = x < y ? [x, y, c.wins, c.losses] : [y, x, c.losses, c.wins];
    const key = `${i}:${j}`;
    const entry = byKey.get(key) ?? { i, j, iWins: 0, jWins: 0, ties: 0 };
    entry.iWins += iWins;
    entry.jWins += jWins;
    entry.ties += c.ties ?? 0;
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

function tally(counts: readonly PairCounts[], n: number, prior: number): Tally {
  const wins = new Float64Array(n).fill(prior);
  const pairs: PairTotals[] = [];
  for (const c of counts) {
    const total = c.iWins + c.jWins + c.ties;
    if (total === 0) continue;
    wins[c.i] = (wins[c.i] ?? 0) + c.iWins + c.ties / 2;
    wins[c.j] = (wins[c.j] ?? 0) + c.jWins + c.ties / 2;
    pairs.push({ i: c.i, j: c.j, total });
  }
  return { wins, pairs };
}

interface RawFit {
  strengths: Float64Array;
  iterations: number;
  converged: boolean;
}

function fitMM(t: Tally, n: number, prior: number, maxIterations: number, tolerance: number, start?: Float64Array): RawFit {
  let s = start ? Float64Array.from(start) : new Float64Array(n).fill(1);
  const denominators = new Float64Array(n);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    denominators.fill(0);
    for (const { i, j, total } of t.pairs) {
      const share = total / ((s[i] ?? 0) + (s[j] ?? 0));
      denominators[i] = (denominators[i] ?? 0) + share;
      denominators[j] = (denominators[j] ?? 0) + share;
    }
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const current = s[i] ?? 0;
      const denominator = (denominators[i] ?? 0) + (prior > 0 ? (2 * prior) / (current + 1) : 0);
      // An item in no comparison (and no prior) has nothing to update from; it keeps its value.
      next[i] = denominator > 0 ? (t.wins[i] ?? 0) / denominator : current;
    }
    if (prior === 0) {
      // Without the virtual item the likelihood ignores scale: pin the mean at 1 so nothing drifts.
      let sum = 0;
      for (const v of next) sum += v;
      if (sum > 0) for (let i = 0; i < n; i++) next[i] = ((next[i] ?? 0) * n) / sum;
    } else {
      rescaleForPrior(next);
    }
    let change = 0;
    for (let i = 0; i < n; i++) {
      const before = s[i] ?? 0;
      const after = next[i] ?? 0;
      change = Math.max(change, Math.abs(after - before) / Math.max(before, after, 1e-300));
    }
    s = next;
    if (change < tolerance) return { strengths: s, iterations: iteration, converged: true };
  }
  return { strengths: s, iterations: maxIterations, converged: false };
}

/**
 * With a prior, only the weak virtual games fix the overall scale, and MM alone moves it very
 * slowly (thousands of sweeps). The real votes do not depend on scale, so multiplying every
 * strength by the c that maximises the virtual-game likelihood, i.e. solving
 * sum_i (1 - c s_i) / (1 + c s_i) = 0, is an exact ascent step; Newton on log c finds it.
 */
function rescaleForPrior(s: Float64Array): void {
  let logC = 0;
  for (let step = 0; step < 50; step++) {
    const c = Math.exp(logC);
    let f = 0;
    let slope = 0;
    for (const v of s) {
      const x = c * v;
      f += (1 - x) / (1 + x);
      slope -= (2 * x) / ((1 + x) * (1 + x));
    }
    if (slope === 0) return;
    const delta = f / slope;
    logC -= delta;
    if (Math.abs(delta) < 1e-14) break;
  }
  const c = Math.exp(logC);
  if (Number.isFinite(c) && c > 0) for (let i = 0; i < s.length; i++) s[i] = (s[i] ?? 0) * c;
}

function normalise(strengths: Float64Array): Float64Array {
  let sum = 0;
  for (const v of strengths) sum += v;
  return sum > 0 ? strengths.map((v) => v / sum) : strengths.map(() => 1 / strengths.length);
}

function toFit(items: readonly string[], raw: RawFit): BradleyTerryFit {
  const normalised = normalise(raw.strengths);
  const strengths: Record<string, number> = {};
  items.forEach((item, i) => (strengths[item] = normalised[i] ?? 0));
  const ranking = items
    .map((item, i) => ({ item, strength: normalised[i] ?? 0, order: i }))
    .sort((x, y) => y.strength - x.strength || x.order - y.order)
    .map(({ item, strength }, position) => ({ item, strength, rank: position + 1 }));
  return { strengths, ranking, iterations: raw.iterations, converged: raw.converged };
}

function settings(options: BradleyTerryOptions): Required<BradleyTerryOptions> {
  const { prior = 0.5, maxIterations = 10_000, tolerance = 1e-10 } = options;
  if (!(prior >= 0)) throw new RangeError(`prior must be 0 or more (got ${prior}).`);
  return { prior, maxIterations, tolerance };
}

export function bradleyTerry(comparisons: readonly Comparison[], items: readonly string[], options: BradleyTerryOptions = {}): BradleyTerryFit {
  const { prior, maxIterations, tolerance } = settings(options);
  const index = indexItems(items);
  const t = tally(collect(comparisons, index), items.length, prior);
  return toFit(items, fitMM(t, items.length, prior, maxIterations, tolerance));
}
