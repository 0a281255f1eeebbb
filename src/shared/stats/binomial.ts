/**
 * Binomial statistics for votes: the Wilson score interval for a win rate and the exact sign
 * test. Tail sums run in log space with a term-ratio recurrence, so they stay exact for small
 * n and neither overflow nor underflow for n in the tens of thousands.
 */

/** The two-sided 95% normal quantile, norm.ppf(0.975), to full double precision. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

export interface WilsonInterval extends Interval {
  /** successes / n; NaN when n = 0 (there is no estimate without data). */
  estimate: number;
}

/**
 * Wilson score interval (no continuity correction), the same as SciPy's
 * `binomtest(k, n).proportion_ci(method='wilson')`. With n = 0 it is the whole of [0, 1] and
 * the estimate is NaN.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): WilsonInterval {
  assertCounts(successes, n);
  if (n === 0) return { low: 0, high: 1, estimate: Number.NaN };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 and k = n the bound is exactly 0 or 1; say so rather than leave 1e-17 of noise.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { low, high, estimate: p };
}

/** ln C(n, k), as a sum of logs: exact to a few ulps per term, no gamma function needed. */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  const m = Math.min(k, n - k);
  let sum = 0;
  for (let j = 1; j <= m; j++) sum += Math.log((n - m + j) / j);
  return sum;
}

function logPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (p === 1) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/**
 * ln P(X <= k) for k at or below the mode: terms shrink as i falls, so sum them relative to
 * the largest one (the term at k) and stop once they no longer change the sum.
 */
function logLowerTail(k: number, n: number, p: number): number {
  const ratio = (1 - p) / p; // pmf(i - 1) / pmf(i) = i / (n - i + 1) * (1 - p) / p
  let term = 1;
  let sum = 1;
  for (let i = k; i > 0; i--) {
    term *= (i / (n - i + 1)) * ratio;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return logPmf(k, n, p) + Math.log(sum);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  // Sum whichever tail lies away from the mode, so every term is smaller than the first.
  if (k <= n * p) return Math.exp(logLowerTail(k, n, p));
  // P(X <= k) = 1 - P(X >= k + 1) = 1 - P(n - X <= n - k - 1), and n - X ~ Binomial(n, 1 - p).
  return 1 - Math.exp(logLowerTail(n - k - 1, n, 1 - p));
}

/**
 * The exact two-sided sign test on decisive votes (ties are left out before calling):
 * p = min(1, 2 * P(X <= min(wins, losses))) with X ~ Binomial(wins + losses, 1/2). This is
 * SciPy's `binomtest(wins, wins + losses).pvalue`. No votes give p = 1.
 */
export function signTest(wins: number, losses: number): number {
  assertCounts(wins, wins + losses);
  assertCounts(losses, wins + losses);
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  if (2 * k === n) return 1;
  return Math.min(1, 2 * Math.exp(logLowerTail(k, n, 0.5)));
}

function assertCounts(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new RangeError(`Counts must be whole numbers with 0 <= k <= n (got k = ${k}, n = ${n}).`);
  }
}
