/**
 * What a set of blind A/B votes says, in numbers and in one plain sentence.
 */
import { signTest, wilsonInterval, type WilsonInterval } from './binomial';
import { normalQuantile } from './normal';

export interface VotesNeededOptions {
  /** Decisive votes so far (wins + losses; ties do not count). */
  decisive?: number;
  /** The difference to detect, as a win rate above one half: 0.10 means 60% vs 50%. */
  effect?: number;
  /** Two-sided significance level. */
  alpha?: number;
  /** Probability of detecting the effect if it is real. */
  power?: number;
}

export interface VotesNeeded {
  /** Decisive votes a study needs in all. */
  needed: number;
  /** How many more than `decisive` (0 once there are enough). */
  more: number;
  effect: number;
}

/**
 * Decisive votes needed so that a true win rate of 0.5 + effect gives p < alpha with the given
 * power, by the normal approximation to the one-sample test of a proportion against 1/2:
 *
 *   n = ((z(1 - alpha/2) * sqrt(0.5 * 0.5) + z(power) * sqrt(p1 * (1 - p1))) / effect)^2,
 *   p1 = 0.5 + effect, rounded up.
 *
 * For effect 0.10, alpha 0.05, power 0.8: n = ((1.95996 * 0.5 + 0.84162 * 0.48990) / 0.1)^2
 * = 193.8, so 194 decisive votes.
 */
export function votesNeeded(options: VotesNeededOptions = {}): VotesNeeded {
  const { decisive = 0, effect = 0.1, alpha = 0.05, power = 0.8 } = options;
  if (!(effect > 0 && effect < 0.5)) throw new RangeError(`effect must be between 0 and 0.5 (got ${effect}).`);
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError('alpha and power must be between 0 and 1.');
  const p1 = 0.5 + effect;
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zPower = normalQuantile(power);
  const root = (zAlpha * 0.5 + zPower * Math.sqrt(p1 * (1 - p1))) / effect;
  const needed = Math.ceil(root * root - 1e-9);
  return { needed, more: Math.max(0, needed - decisive), effect };
}

/** "p < 0.001", or p to two significant digits: "p = 0.003", "p = 0.042", "p = 0.5". */
export function formatP(p: number): string {
  if (Number.isNaN(p)) return 'p = n/a';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${Number(p.toPrecision(2))}`;
}

export interface PairVotes {
  /** Label of the first side (shown in the sentence). */
  a: string;
  /** Label of the second side. */
  b: string;
  /** Votes where A was preferred to B. */
  wins: number;
  /** Votes where B was preferred to A. */
  losses: number;
  /** Votes that preferred neither; they count towards neither side and not in the test. */
  ties?: number;
}

export interface PairVerdict {
  a: string;
  b: string;
  wins: number;
  losses: number;
  ties: number;
  decisive: number;
  /** A's share of the decisive votes, with its Wilson 95% interval (estimate NaN with none). */
  winRate: WilsonInterval;
  /** Two-sided exact sign test. */
  p: number;
  /** p < alpha. */
  significant: boolean;
  /** Which side the votes show to be better, or null if none is shown yet. */
  better: 'a' | 'b' | null;
  votesNeeded: VotesNeeded;
  sentence: string;
}

export interface PairVerdictOptions {
  alpha?: number;
  power?: number;
  effect?: number;
}

export function pairVerdict(votes: PairVotes, options: PairVerdictOptions = {}): PairVerdict {
  const { alpha = 0.05, power = 0.8, effect = 0.1 } = options;
  const { a, b, wins, losses } = votes;
  const ties = votes.ties ?? 0;
  const decisive = wins + losses;
  const p = signTest(wins, losses);
  const significant = decisive > 0 && p < alpha;
  const better = significant ? (wins > losses ? 'a' : 'b') : null;
  const needed = votesNeeded({ decisive, effect, alpha, power });
  const points = Math.round(effect * 100);
  let sentence: string;
  if (better === 'a') sentence = `${a} is better than ${b} (${formatP(p)}).`;
  else if (better === 'b') sentence = `${b} is better than ${a} (${formatP(p)}).`;
  else if (decisive === 0) sentence = `No decisive votes yet; about ${needed.needed} would show a ${points}-point difference.`;
  else if (needed.more > 0) sentence = `No difference shown yet; about ${needed.more} more votes would show a ${points}-point one.`;
  else sentence = `No difference shown (${formatP(p)}); with ${decisive} decisive votes, any real difference is likely smaller than ${points} points.`;
  return { a, b, wins, losses, ties, decisive, winRate: wilsonInterval(wins, decisive), p, significant, better, votesNeeded: needed, sentence };
}
