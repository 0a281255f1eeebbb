/**
 * Agreement between raters on nominal labels (which answer of a pair is better): Cohen's kappa
 * for two raters with its asymptotic standard error (as statsmodels' `cohens_kappa`), Fleiss'
 * kappa for two or more raters who each rated every item (as statsmodels' `fleiss_kappa`), and
 * Krippendorff's alpha, nominal, where raters may skip items (as nltk's `AnnotationTask.alpha`).
 * Intervals for Fleiss and Krippendorff come from a seeded bootstrap over items, so the same
 * data always gives the same interval.
 *
 * When every rating falls in one category, chance agreement is 1 and every one of these is 0/0:
 * undefined, not "perfect". The estimate is then null and `degenerate` says why.
 */
import { Z_95 } from './binomial';
import { percentileOfSorted } from './descriptive';

/** An item's label per rater; undefined where that rater did not rate it. */
export type Ratings = readonly (readonly (string | undefined)[])[];

export type Degenerate = 'no-data' | 'one-category';

export interface Agreement {
  /** null when the statistic is undefined for this data (see `degenerate`). */
  estimate: number | null;
  low: number | null;
  high: number | null;
  /** Items the statistic used. */
  items: number;
  degenerate?: Degenerate;
}

export interface CohenKappa extends Agreement {
  /** Share of items both raters labelled the same. */
  observed: number | null;
  /** Asymptotic standard error (statsmodels' `std_kappa`). */
  se: number | null;
}

function undefinedResult(items: number, degenerate: Degenerate): Agreement {
  return { estimate: null, low: null, high: null, items, degenerate };
}

/**
 * Cohen's kappa from a square contingency table (rows: rater 1's category, columns: rater 2's),
 * with statsmodels' variance and a normal 95% interval.
 */
export function cohenKappaTable(table: readonly (readonly number[])[]): CohenKappa {
  const k = table.length;
  let n = 0;
  for (const row of table) {
    if (row.length !== k) throw new RangeError('A contingency table must be square.');
    for (const cell of row) {
      if (!Number.isFinite(cell) || cell < 0) throw new RangeError('Counts must be finite and not negative.');
      n += cell;
    }
  }
  if (n === 0) return { ...undefinedResult(0, 'no-data'), observed: null, se: null };
  const p = table.map((row) => row.map((c) => c / n));
  const rowFreq = p.map((row) => row.reduce((a, b) => a + b, 0));
  const colFreq = Array.from({ length: k }, (_, j) => p.reduce((a, row) => a + (row[j] ?? 0), 0));
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    observed += p[i]?.[i] ?? 0;
    expected += (rowFreq[i] ?? 0) * (colFreq[i] ?? 0);
  }
  if (1 - expected < 1e-12) return { ...undefinedResult(n, 'one-category'), observed, se: null };
  const kappa = (observed - expected) / (1 - expected);
  let termA = 0;
  let termB = 0;
  for (let i = 0; i < k; i++) {
    const ri = rowFreq[i] ?? 0;
    const ci = colFreq[i] ?? 0;
    termA += (p[i]?.[i] ?? 0) * (1 - (ri + ci) * (1 - kappa)) ** 2;
    for (let j = 0; j < k; j++) if (i !== j) termB += (p[i]?.[j] ?? 0) * (ci + (rowFreq[j] ?? 0)) ** 2;
  }
  termB *= (1 - kappa) ** 2;
  const termC = (kappa - expected * (1 - kappa)) ** 2;
  const variance = Math.max(0, (termA + termB - termC) / (1 - expected) ** 2 / n);
  const se = Math.sqrt(variance);
  return { estimate: kappa, low: Math.max(-1, kappa - Z_95 * se), high: Math.min(1, kappa + Z_95 * se), items: n, observed, se };
}

/** The categories that occur, in first-seen order. */
function categoriesOf(ratings: Ratings): string[] {
  const seen = new Set<string>();
  for (const item of ratings) for (const label of item) if (label !== undefined) seen.add(label);
  return [...seen];
}

/** Cohen's kappa for two raters over the items both rated (`ratings[item] = [rater1, rater2]`). */
export function cohenKappa(ratings: Ratings): CohenKappa {
  const categories = categoriesOf(ratings);
  const index = new Map(categories.map((c, i) => [c, i]));
  const table = categories.map(() => categories.map(() => 0));
  for (const item of ratings) {
    const a = item[0] === undefined ? undefined : index.get(item[0]);
    const b = item[1] === undefined ? undefined : index.get(item[1]);
    if (a === undefined || b === undefined) continue;
    const row = table[a];
    if (row) row[b] = (row[b] ?? 0) + 1;
  }
  return cohenKappaTable(table);
}

/**
 * Fleiss' kappa from counts per item and category (`counts[item][category]` = raters who chose
 * it); every item must have the same number of ratings, at least two. NaN when chance agreement is 1.
 */
export function fleissKappaOfCounts(counts: readonly (readonly number[])[]): number {
  const items = counts.length;
  if (items === 0) return Number.NaN;
  const raters = counts[0]?.reduce((a, b) => a + b, 0) ?? 0;
  if (raters < 2) throw new RangeError("Fleiss' kappa needs at least two ratings per item.");
  const categories = counts[0]?.length ?? 0;
  const totals = new Array<number>(categories).fill(0);
  let agreement = 0;
  for (const row of counts) {
    let squares = 0;
    let sum = 0;
    for (let j = 0; j < categories; j++) {
      const c = row[j] ?? 0;
      totals[j] = (totals[j] ?? 0) + c;
      squares += c * c;
      sum += c;
    }
    if (sum !== raters) throw new RangeError("Fleiss' kappa needs the same number of ratings for every item.");
    agreement += (squares - raters) / (raters * (raters - 1));
  }
  const observed = agreement / items;
  const expected = totals.reduce((sum, t) => sum + (t / (items * raters)) ** 2, 0);
  if (1 - expected < 1e-12) return Number.NaN;
  return (observed - expected) / (1 - expected);
}

/**
 * Krippendorff's alpha, nominal: items with fewer than two ratings are left out (they carry no
 * information on agreement). NaN when there is no pairable item or only one category.
 */
export function krippendorffAlphaOf(ratings: Ratings): number {
  const totals = new Map<string, number>();
  let observedSum = 0;
  let pairable = 0;
  for (const item of ratings) {
    const freq = new Map<string, number>();
    let m = 0;
    for (const label of item) {
      if (label === undefined) continue;
      freq.set(label, (freq.get(label) ?? 0) + 1);
      m++;
    }
    if (m < 2) continue;
    // Disagreeing ordered pairs within the item, weighted 1 / (m - 1).
    let same = 0;
    for (const c of freq.values()) same += c * c;
    observedSum += (m * m - same) / (m - 1);
    pairable += m;
    for (const [label, c] of freq) totals.set(label, (totals.get(label) ?? 0) + c);
  }
  if (pairable < 2) return Number.NaN;
  let same = 0;
  for (const c of totals.values()) same += c * c;
  const expected = (pairable * pairable - same) / (pairable * (pairable - 1));
  if (expected === 0) return Number.NaN;
  return 1 - observedSum / pairable / expected;
}

/** A small seeded generator (mulberry32): the same seed gives the same bootstrap every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
}

/**
 * Percentile bootstrap over items: resample the items with replacement, recompute, and take
 * the 2.5th and 97.5th percentiles of the statistics that are defined. Null when fewer than
 * half the resamples give a number (too few items to say).
 */
export function bootstrapInterval<T>(items: readonly T[], statistic: (sample: readonly T[]) => number, options: BootstrapOptions = {}): { low: number | null; high: number | null } {
  const resamples = options.resamples ?? 1000;
  const random = seededRandom(options.seed ?? 1);
  if (items.length < 2) return { low: null, high: null };
  const values: number[] = [];
  const sample = new Array<T>(items.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < items.length; i++) sample[i] = items[Math.floor(random() * items.length)] as T;
    const value = statistic(sample);
    if (Number.isFinite(value)) values.push(value);
  }
  if (values.length < resamples / 2) return { low: null, high: null };
  values.sort((x, y) => x - y);
  return { low: percentileOfSorted(values, 2.5), high: percentileOfSorted(values, 97.5) };
}

function withInterval(items: number, estimate: number, interval: () => { low: number | null; high: number | null }, hasData: boolean): Agreement {
  if (!hasData) return undefinedResult(items, 'no-data');
  if (!Number.isFinite(estimate)) return undefinedResult(items, 'one-category');
  return { estimate, ...interval(), items };
}

/** One item's ratings reduced to what the statistics sum: counts per category and rating total. */
interface ItemCounts {
  counts: number[];
  m: number;
}

function countsOf(ratings: Ratings): { items: ItemCounts[]; categories: number } {
  const categories = categoriesOf(ratings);
  const index = new Map(categories.map((c, i) => [c, i]));
  const items = ratings.map((item) => {
    const counts = categories.map(() => 0);
    let m = 0;
    for (const label of item) {
      const i = label === undefined ? undefined : index.get(label);
      if (i === undefined) continue;
      counts[i] = (counts[i] ?? 0) + 1;
      m++;
    }
    return { counts, m };
  });
  return { items, categories: categories.length };
}

/**
 * Percentile bootstrap for a statistic that sees the items only through sums of a vector per
 * item: the resample loop is then additions over one flat array, fast enough for thousands of
 * items on the main process. Same percentiles and rule for undefined resamples as `bootstrapInterval`.
 */
function bootstrapOfSums(rows: readonly (readonly number[])[], statistic: (sums: Float64Array, n: number) => number, options: BootstrapOptions): { low: number | null; high: number | null } {
  const n = rows.length;
  if (n < 2) return { low: null, high: null };
  const width = rows[0]?.length ?? 0;
  const flat = new Float64Array(n * width);
  rows.forEach((row, i) => row.forEach((v, w) => (flat[i * width + w] = v)));
  const resamples = options.resamples ?? 1000;
  const random = seededRandom(options.seed ?? 1);
  const sums = new Float64Array(width);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(random() * n) * width;
      for (let w = 0; w < width; w++) sums[w] = (sums[w] ?? 0) + (flat[at + w] ?? 0);
    }
    const value = statistic(sums, n);
    if (Number.isFinite(value)) values.push(value);
  }
  if (values.length < resamples / 2) return { low: null, high: null };
  values.sort((x, y) => x - y);
  return { low: percentileOfSorted(values, 2.5), high: percentileOfSorted(values, 97.5) };
}

/** Per item, for alpha: [ratings, disagreeing pairs / (m - 1), count of each category…]. */
function alphaRow({ counts, m }: ItemCounts): number[] {
  let same = 0;
  for (const c of counts) same += c * c;
  return [m, (m * m - same) / (m - 1), ...counts];
}

/** Krippendorff's alpha (nominal) from the sums of `alphaRow`s. */
function alphaOfSums(sums: ArrayLike<number>): number {
  const pairable = sums[0] ?? 0;
  if (pairable < 2) return Number.NaN;
  let same = 0;
  for (let j = 2; j < sums.length; j++) same += (sums[j] ?? 0) ** 2;
  const expected = (pairable * pairable - same) / (pairable * (pairable - 1));
  if (expected === 0) return Number.NaN;
  return 1 - (sums[1] ?? 0) / pairable / expected;
}

/**
 * Fleiss' kappa over the items every rater rated (`ratings[item][rater]`), with a bootstrap
 * interval. Items someone skipped are left out, since the statistic needs equal counts.
 */
export function fleissKappa(ratings: Ratings, options: BootstrapOptions = {}): Agreement {
  const complete = ratings.filter((item) => item.length >= 2 && item.every((l) => l !== undefined));
  const { items } = countsOf(complete);
  const counts = items.map((i) => i.counts);
  const raters = complete[0]?.length ?? 0;
  // Per item: its share of agreeing rater pairs, then its counts; kappa from their sums.
  const rows = counts.map((row) => [row.reduce((sum, c) => sum + c * c, 0) - raters, ...row].map((v, i) => (i === 0 ? v / (raters * (raters - 1)) : v)));
  const ofSums = (sums: Float64Array, n: number): number => {
    const observed = (sums[0] ?? 0) / n;
    let expected = 0;
    for (let j = 1; j < sums.length; j++) expected += ((sums[j] ?? 0) / (n * raters)) ** 2;
    return 1 - expected < 1e-12 ? Number.NaN : (observed - expected) / (1 - expected);
  };
  return withInterval(complete.length, complete.length > 0 ? fleissKappaOfCounts(counts) : Number.NaN, () => bootstrapOfSums(rows, ofSums, options), complete.length > 0);
}

/** Krippendorff's alpha (nominal, missing ratings allowed) with a bootstrap interval over items. */
export function krippendorffAlpha(ratings: Ratings, options: BootstrapOptions = {}): Agreement {
  const { items } = countsOf(ratings);
  const rows = items.filter((i) => i.m >= 2).map(alphaRow);
  const total = new Float64Array(rows[0]?.length ?? 0);
  for (const row of rows) row.forEach((v, w) => (total[w] = (total[w] ?? 0) + v));
  return withInterval(rows.length, alphaOfSums(total), () => bootstrapOfSums(rows, (sums) => alphaOfSums(sums), options), rows.length > 0);
}
