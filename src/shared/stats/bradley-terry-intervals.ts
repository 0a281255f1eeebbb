/**
 * Bradley–Terry with a weak prior, and profile-likelihood intervals that stay honest when the
 * votes separate the items (one variant never wins) or are sparse (a pair never met).
 *
 * Model, on log-strengths θ: P(i beats j) = σ(θ_i − θ_j), σ the logistic function; a tie
 * counts as half a win each way. Prior: every item plays `prior` virtual wins and `prior`
 * virtual losses against a fixed average item with θ = 0. With prior = 1 this is the standard
 * logistic density on θ_i, so the chance σ(θ_i) of beating the average item starts out
 * uniform on 0–1: weak, but enough to keep every estimate finite. The same virtual games are
 * ordinary data to a logistic-regression fitter, which is how the reference figures are made
 * (tests/reference/bradley-terry.R, with R's BradleyTerry2 and glm).
 *
 * Intervals are profile-likelihood intervals of this penalised likelihood: the values v of a
 * contrast c·θ (one item's θ_i, or θ_a − θ_b for a pair) where twice the drop of the best
 * log-likelihood with c·θ held at v reaches the χ²₁ quantile. Unlike a bootstrap over votes
 * (which resamples the same one-sided outcome and so cannot widen) or a Wald interval (which
 * assumes a symmetric curve), they follow the likelihood's long flat side under separation.
 */
import { normalQuantile } from './normal';

export interface Contest {
  a: string;
  b: string;
  /** Times a beat b. */
  wins: number;
  /** Times b beat a. */
  losses: number;
  ties?: number;
}

export interface IntervalOptions {
  /** Virtual wins and losses per item against the average item (default 1; must be > 0). */
  prior?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

export interface RatedItem {
  item: string;
  /** Log-strength at the posterior mode, relative to the average item (θ = 0). */
  theta: number;
  thetaLow: number;
  thetaHigh: number;
  /** σ(θ): the chance of beating the average item, with its interval on the same scale. */
  chance: number;
  low: number;
  high: number;
  /** Strength share at the mode (sums to 1 over items): a beats b with share_a / (share_a + share_b). */
  share: number;
  /** 1 for the strongest. */
  rank: number;
}

export interface BradleyTerryIntervals {
  /** Strongest first (equal strengths keep the order of `items`). */
  ranking: RatedItem[];
  byItem: Record<string, RatedItem>;
  /** P(a beats b) at the mode and its profile interval. */
  pair(a: string, b: string): { estimate: number; low: number; high: number };
  prior: number;
  level: number;
}

interface Pair {
  i: number;
  j: number;
  /** Wins of i over j, ties as halves. */
  wi: number;
  total: number;
}

const logistic = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log σ(x) without overflow. */
const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

class Model {
  constructor(
    readonly n: number,
    readonly pairs: readonly Pair[],
    readonly prior: number,
  ) {}

  logLik(theta: Float64Array): number {
    let sum = 0;
    for (const { i, j, wi, total } of this.pairs) {
      const d = (theta[i] ?? 0) - (theta[j] ?? 0);
      sum += wi * logSigmoid(d) + (total - wi) * logSigmoid(-d);
    }
    for (const t of theta) sum += this.prior * (logSigmoid(t) + logSigmoid(-t));
    return sum;
  }

  /** Gradient and the negated Hessian (positive definite thanks to the prior). */
  derivatives(theta: Float64Array): { g: Float64Array; h: Float64Array[] } {
    const n = this.n;
    const g = new Float64Array(n);
    const h = Array.from({ length: n }, () => new Float64Array(n));
    for (const { i, j, wi, total } of this.pairs) {
      const p = logistic((theta[i] ?? 0) - (theta[j] ?? 0));
      const r = wi - total * p;
      const w = total * p * (1 - p);
      g[i] = (g[i] ?? 0) + r;
      g[j] = (g[j] ?? 0) - r;
      add(h, i, i, w);
      add(h, j, j, w);
      add(h, i, j, -w);
      add(h, j, i, -w);
    }
    for (let i = 0; i < n; i++) {
      const p = logistic(theta[i] ?? 0);
      g[i] = (g[i] ?? 0) + this.prior * (1 - 2 * p);
      add(h, i, i, 2 * this.prior * p * (1 - p));
    }
    return { g, h };
  }

  /**
   * The most likely θ, with c·θ held at `value` when a contrast is given (Newton's method on
   * the KKT system, halving the step until the log-likelihood rises; it is concave, so this
   * converges from anywhere).
   */
  maximise(start: Float64Array, contrast?: { c: Float64Array; value: number }): { theta: Float64Array; logLik: number } {
    const n = this.n;
    let theta = Float64Array.from(start);
    if (contrast) {
      // Move onto the constraint first: every later step keeps c·Δ = 0.
      const { c, value } = contrast;
      const shift = (value - dot(c, theta)) / dot(c, c);
      for (let i = 0; i < n; i++) theta[i] = (theta[i] ?? 0) + shift * (c[i] ?? 0);
    }
    let current = this.logLik(theta);
    for (let iteration = 0; iteration < 200; iteration++) {
      const { g, h } = this.derivatives(theta);
      const step = contrast ? solveConstrained(h, g, contrast.c) : solve(h, g);
      let size = 1;
      let next = theta;
      let value = current;
      for (let halving = 0; halving < 60; halving++) {
        next = theta.map((t, i) => t + size * (step[i] ?? 0));
        value = this.logLik(next);
        if (value >= current - 1e-12) break;
        size /= 2;
      }
      const moved = Math.max(...step.map((s) => Math.abs(s * size)));
      theta = next;
      const gain = value - current;
      current = value;
      if (moved < 1e-10 || (gain >= 0 && gain < 1e-14 && moved < 1e-7)) break;
    }
    return { theta, logLik: current };
  }
}

function add(h: Float64Array[], i: number, j: number, value: number): void {
  const row = h[i];
  if (row) row[j] = (row[j] ?? 0) + value;
}

function dot(x: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] ?? 0) * (y[i] ?? 0);
  return sum;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (n is at most a few dozen). */
function solve(a: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => {
    const r = new Float64Array(n + 1);
    r.set(row);
    r[n] = b[i] ?? 0;
    return r;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    const top = m[pivot];
    if (!top) continue;
    m[pivot] = m[col] ?? top;
    m[col] = top;
    const p = top[col] ?? 0;
    if (p === 0) continue;
    for (let r = col + 1; r < n; r++) {
      const row = m[r];
      if (!row) continue;
      const f = (row[col] ?? 0) / p;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) row[k] = (row[k] ?? 0) - f * (top[k] ?? 0);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r];
    if (!row) continue;
    let s = row[n] ?? 0;
    for (let k = r + 1; k < n; k++) s -= (row[k] ?? 0) * (x[k] ?? 0);
    const p = row[r] ?? 0;
    x[r] = p === 0 ? 0 : s / p;
  }
  return x;
}

/** The Newton step of max ℓ subject to c·Δ = 0: [H c; cᵀ 0][Δ; μ] = [g; 0], H the negated Hessian. */
function solveConstrained(h: readonly Float64Array[], g: Float64Array, c: Float64Array): Float64Array {
  const n = g.length;
  const a = h.map((row, i) => {
    const r = new Float64Array(n + 1);
    r.set(row);
    r[n] = c[i] ?? 0;
    return r;
  });
  const last = new Float64Array(n + 1);
  last.set(c);
  a.push(last);
  const b = new Float64Array(n + 1);
  b.set(g);
  return solve(a, b).subarray(0, n);
}

/**
 * The profile interval of c·θ: where 2(ℓ̂ − ℓ_p(v)) = z². Brackets each side by stepping out
 * from the mode in multiples of the curvature's standard error, then closes in with the
 * Illinois (regula falsi) method on the signed root, which is nearly linear in v.
 */
function profileInterval(model: Model, mode: Float64Array, best: number, c: Float64Array, z: number): { low: number; high: number } {
  const centre = dot(c, mode);
  const { h } = model.derivatives(mode);
  const se = Math.sqrt(Math.max(dot(c, solve(h, c)), 1e-12));
  const side = (direction: 1 | -1): number => {
    let warm = mode;
    const excess = (v: number): number => {
      const fit = model.maximise(warm, { c, value: v });
      warm = fit.theta;
      return Math.sqrt(Math.max(0, 2 * (best - fit.logLik))) - z;
    };
    let inner = centre;
    let fInner = -z;
    let distance = z * se;
    let outer = centre + direction * distance;
    let fOuter = excess(outer);
    for (let k = 0; fOuter < 0 && k < 60; k++) {
      inner = outer;
      fInner = fOuter;
      distance *= 2;
      outer = centre + direction * distance;
      fOuter = excess(outer);
    }
    let kept = 0;
    for (let k = 0; k < 100 && Math.abs(outer - inner) > 1e-10; k++) {
      const v = outer - (fOuter * (outer - inner)) / (fOuter - fInner);
      const f = excess(v);
      if (Math.abs(f) < 1e-11) return v;
      if (Math.sign(f) === Math.sign(fOuter)) {
        outer = v;
        fOuter = f;
        if (kept === -1) fInner /= 2;
        kept = -1;
      } else {
        inner = v;
        fInner = f;
        if (kept === 1) fOuter /= 2;
        kept = 1;
      }
    }
    return (inner + outer) / 2;
  };
  return { low: side(-1), high: side(1) };
}

function indexItems(items: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  items.forEach((item, i) => {
    if (index.has(item)) throw new RangeError(`"${item}" is listed twice.`);
    index.set(item, i);
  });
  return index;
}

function pairsOf(contests: readonly Contest[], index: Map<string, number>): Pair[] {
  const byKey = new Map<string, Pair>();
  for (const c of contests) {
    const x = index.get(c.a);
    const y = index.get(c.b);
    if (x === undefined || y === undefined) throw new RangeError(`"${x === undefined ? c.a : c.b}" is compared but not in the list of items.`);
    if (x === y) continue; // an item against itself says nothing about strength
    const ties = c.ties ?? 0;
    const [i, j, wi] = x < y ? [x, y, c.wins + ties / 2] : [y, x, c.losses + ties / 2];
    const total = c.wins + c.losses + ties;
    if (total <= 0) continue;
    const key = `${i}:${j}`;
    const entry = byKey.get(key) ?? { i, j, wi: 0, total: 0 };
    entry.wi += wi;
    entry.total += total;
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

export function bradleyTerryIntervals(contests: readonly Contest[], items: readonly string[], options: IntervalOptions = {}): BradleyTerryIntervals {
  const { prior = 1, level = 0.95 } = options;
  if (!(prior > 0)) throw new RangeError(`prior must be more than 0 (got ${prior}): without it a variant that never lost has no finite strength.`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1 (got ${level}).`);
  const index = indexItems(items);
  const n = items.length;
  const model = new Model(n, pairsOf(contests, index), prior);
  const { theta: mode, logLik: best } = model.maximise(new Float64Array(n));
  const z = normalQuantile(1 - (1 - level) / 2);

  let total = 0;
  for (const t of mode) total += Math.exp(t);
  const rated = items.map((item, i): RatedItem & { order: number } => {
    const c = new Float64Array(n);
    c[i] = 1;
    const { low, high } = profileInterval(model, mode, best, c, z);
    const theta = mode[i] ?? 0;
    return { item, theta, thetaLow: low, thetaHigh: high, chance: logistic(theta), low: logistic(low), high: logistic(high), share: Math.exp(theta) / total, rank: 0, order: i };
  });
  const ranking = [...rated]
    .sort((x, y) => y.theta - x.theta || x.order - y.order)
    .map(({ order: _order, ...r }, position) => ({ ...r, rank: position + 1 }));
  const byItem: Record<string, RatedItem> = {};
  for (const r of ranking) byItem[r.item] = r;

  const pair = (a: string, b: string): { estimate: number; low: number; high: number } => {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) throw new RangeError(`"${i === undefined ? a : b}" is not in the list of items.`);
    const c = new Float64Array(n);
    c[i] = 1;
    c[j] = (c[j] ?? 0) - 1;
    const estimate = logistic(dot(c, mode));
    if (i === j) return { estimate, low: estimate, high: estimate };
    const { low, high } = profileInterval(model, mode, best, c, z);
    return { estimate, low: logistic(low), high: logistic(high) };
  };
  return { ranking, byItem, pair, prior, level };
}
