/** Statistics for judging: vote verdicts, rankings and descriptive numbers. Pure TypeScript. */
export { binomialCdf, logChoose, signTest, wilsonInterval, Z_95 } from './binomial';
export type { Interval, WilsonInterval } from './binomial';
export { bradleyTerry } from './bradley-terry';
export type { BradleyTerryFit, BradleyTerryOptions, Comparison, RankedItem } from './bradley-terry';
export { bradleyTerryIntervals } from './bradley-terry-intervals';
export type { BradleyTerryIntervals, Contest, IntervalOptions, RatedItem } from './bradley-terry-intervals';
export { mean, percentile, percentileOfSorted, shareIdentical, stddev } from './descriptive';
export { normalCdf, normalQuantile } from './normal';
export { formatP, pairVerdict, votesNeeded } from './pair-verdict';
export type { PairVerdict, PairVerdictOptions, PairVotes, VotesNeeded, VotesNeededOptions } from './pair-verdict';
export { bootstrapInterval, cohenKappa, cohenKappaTable, fleissKappa, fleissKappaOfCounts, krippendorffAlpha, krippendorffAlphaOf, seededRandom } from './agreement';
export type { Agreement, BootstrapOptions, CohenKappa, Degenerate, Ratings } from './agreement';
export { groupDistanceTest, jaccardDistance, wordSet } from './permutation';
export type { PermutationOptions, PermutationResult } from './permutation';
