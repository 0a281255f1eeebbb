/**
 * Descriptive statistics for scores, latencies and costs. Empty input gives NaN rather than a
 * made-up number; the UI shows NaN as "no data".
 */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (divides by n - 1, numpy's `std(ddof=1)`); NaN for fewer than 2. */
export function stddev(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * The p-th percentile (p from 0 to 100) by linear interpolation between the two nearest ranks,
 * numpy's default `percentile(values, p)` ("linear", R's type 7): the value at position
 * (n - 1) * p / 100 in sorted order.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0 || Number.isNaN(p)) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile wants p between 0 and 100 (got ${p}).`);
  const sorted = [...values].sort((x, y) => x - y);
  return percentileOfSorted(sorted, p);
}

/** As `percentile`, for values already sorted ascending (saves the copy and sort in loops). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = ((sorted.length - 1) * p) / 100;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

/**
 * Share of outputs equal to the most common one: 1 when every repeat said exactly the same,
 * 1/n when all differ. Exact string equality; NaN for no outputs.
 */
export function shareIdentical(outputs: readonly string[]): number {
  if (outputs.length === 0) return Number.NaN;
  const counts = new Map<string, number>();
  let most = 0;
  for (const output of outputs) {
    const count = (counts.get(output) ?? 0) + 1;
    counts.set(output, count);
    if (count > most) most = count;
  }
  return most / outputs.length;
}
