/**
 * Do answers differ between groups more than they differ within a group? A permutation test
 * on pairwise distances (the idea of Mantel's test and of PERMANOVA, reduced to one number):
 * the statistic is the mean distance between two answers of different groups minus the mean
 * distance between two answers of the same group (repeats of one row). Group labels are
 * shuffled within each stratum (a variant: its answers are only ever compared with each
 * other), and the p-value is the share of shuffles whose statistic reaches the observed one,
 * counting the observed arrangement itself ((1 + hits) / (1 + shuffles), so never 0).
 */
import { seededRandom } from './agreement';

export interface PermutationOptions {
  /** Shuffles of the labels (at least 2000 is sensible; default 5000). */
  permutations?: number;
  /** The shuffles' seed: the same seed gives the same p-value. */
  seed?: number;
}

export interface PermutationResult {
  /** Mean between-group distance minus mean within-group distance. */
  statistic: number;
  between: number;
  within: number;
  /** Pairs behind each mean. */
  betweenPairs: number;
  withinPairs: number;
  /** One-sided: the chance of a statistic this large if the groups did not matter. */
  p: number;
  permutations: number;
  /**
   * Cohen's d of the between-group against the within-group distances (pooled standard
   * deviation); undefined when every distance is the same and the means differ (no spread to scale by).
   */
  effect: number | undefined;
  /** Between over within; undefined when within is 0. */
  ratio: number | undefined;
}

interface Pairs {
  i: Int32Array;
  j: Int32Array;
  d: Float64Array;
}

/** Every pair of items in the same stratum, with its distance (computed once). */
function pairsOf(strata: readonly number[], distance: (i: number, j: number) => number): Pairs {
  const byStratum = new Map<number, number[]>();
  strata.forEach((s, index) => {
    const members = byStratum.get(s);
    if (members) members.push(index);
    else byStratum.set(s, [index]);
  });
  const i: number[] = [];
  const j: number[] = [];
  const d: number[] = [];
  for (const members of byStratum.values()) {
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        const x = members[a] ?? 0;
        const y = members[b] ?? 0;
        const value = distance(x, y);
        if (!Number.isFinite(value)) throw new RangeError(`A distance must be a finite number (items ${x} and ${y} gave ${value}).`);
        i.push(x);
        j.push(y);
        d.push(value);
      }
    }
  }
  return { i: Int32Array.from(i), j: Int32Array.from(j), d: Float64Array.from(d) };
}

interface Split {
  between: number;
  within: number;
  betweenPairs: number;
  withinPairs: number;
}

function split(pairs: Pairs, labels: Int32Array): Split {
  let between = 0;
  let within = 0;
  let betweenPairs = 0;
  let withinPairs = 0;
  for (let k = 0; k < pairs.d.length; k++) {
    const value = pairs.d[k] ?? 0;
    if (labels[pairs.i[k] ?? 0] === labels[pairs.j[k] ?? 0]) {
      within += value;
      withinPairs++;
    } else {
      between += value;
      betweenPairs++;
    }
  }
  return { between: between / betweenPairs, within: within / withinPairs, betweenPairs, withinPairs };
}

function cohensD(pairs: Pairs, labels: Int32Array, means: Split): number | undefined {
  let betweenSquares = 0;
  let withinSquares = 0;
  for (let k = 0; k < pairs.d.length; k++) {
    const value = pairs.d[k] ?? 0;
    if (labels[pairs.i[k] ?? 0] === labels[pairs.j[k] ?? 0]) withinSquares += (value - means.within) ** 2;
    else betweenSquares += (value - means.between) ** 2;
  }
  const freedom = means.betweenPairs + means.withinPairs - 2;
  const pooled = freedom > 0 ? Math.sqrt((betweenSquares + withinSquares) / freedom) : 0;
  const difference = means.between - means.within;
  if (pooled > 1e-12) return difference / pooled;
  return Math.abs(difference) < 1e-12 ? 0 : undefined;
}

/**
 * The test. `groups[k]` is item k's group (an attribute value), `strata[k]` the stratum it is
 * compared within (a variant); `distance(a, b)` is 0 for the same answer. Needs, somewhere, two
 * items of one group and two groups in one stratum; undefined when there is no such pair.
 */
export function groupDistanceTest(
  groups: readonly string[],
  strata: readonly number[],
  distance: (a: number, b: number) => number,
  options: PermutationOptions = {},
): PermutationResult | undefined {
  if (groups.length !== strata.length) throw new RangeError('groups and strata must have one entry per item.');
  const permutations = Math.max(1, Math.floor(options.permutations ?? 5000));
  const codes = new Map<string, number>();
  const labels = Int32Array.from(groups, (g) => {
    let code = codes.get(g);
    if (code === undefined) codes.set(g, (code = codes.size));
    return code;
  });
  const pairs = pairsOf(strata, distance);
  const observed = split(pairs, labels);
  if (observed.betweenPairs === 0 || observed.withinPairs === 0) return undefined;
  const statistic = observed.between - observed.within;

  // Shuffle within strata only: an item keeps its variant, and each stratum keeps its group sizes.
  const members = new Map<number, number[]>();
  strata.forEach((s, index) => {
    const list = members.get(s);
    if (list) list.push(index);
    else members.set(s, [index]);
  });
  const strataMembers = [...members.values()];
  const random = seededRandom(options.seed ?? 1);
  const shuffled = Int32Array.from(labels);
  // Floating-point sums of the same distances in another order can differ in the last bits.
  const tolerance = 1e-9 * Math.max(1, Math.abs(statistic));
  let hits = 0;
  for (let round = 0; round < permutations; round++) {
    for (const list of strataMembers) {
      for (let k = list.length - 1; k > 0; k--) {
        const r = Math.floor(random() * (k + 1));
        const a = list[k] ?? 0;
        const b = list[r] ?? 0;
        const held = shuffled[a] ?? 0;
        shuffled[a] = shuffled[b] ?? 0;
        shuffled[b] = held;
      }
    }
    const s = split(pairs, shuffled);
    if (s.between - s.within >= statistic - tolerance) hits++;
  }
  const within = observed.within;
  return {
    statistic,
    between: observed.between,
    within,
    betweenPairs: observed.betweenPairs,
    withinPairs: observed.withinPairs,
    p: (1 + hits) / (1 + permutations),
    permutations,
    effect: cohensD(pairs, labels, observed),
    ratio: within > 1e-12 ? observed.between / within : undefined,
  };
}

const WORD = /[\p{L}\p{N}]+/gu;
/** Characters of an answer read for its words: past this, a distance says nothing new. */
const MAX_CHARS = 200_000;

/** The distinct lower-cased words of a text (letters and digits), read from its first MAX_CHARS. */
export function wordSet(text: string): Set<string> {
  return new Set(text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? []);
}

/** 1 − Jaccard similarity of two word sets: 0 for the same words, 1 for none in common (0 for two empty texts). */
export function jaccardDistance(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const word of small) if (large.has(word)) common++;
  return 1 - common / (a.size + b.size - common);
}
