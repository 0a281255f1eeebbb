import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  bradleyTerry,
  bradleyTerryIntervals,
  formatP,
  logChoose,
  mean,
  normalCdf,
  normalQuantile,
  pairVerdict,
  percentile,
  shareIdentical,
  signTest,
  stddev,
  votesNeeded,
  wilsonInterval,
} from '../../src/shared/stats';

// Reference values below were computed with SciPy 1.17.1 / numpy 2.4.6 (python3); each comment
// gives the exact expression. `from scipy.stats import binomtest, norm; import numpy as np`.

describe('wilsonInterval', () => {
  const cases: Array<[number, number, number, number]> = [
    // binomtest(k, n).proportion_ci(method='wilson') -> (low, high)
    [7, 10, 0.39677814746114526, 0.892208732593699],
    [0, 10, 0.0, 0.27753279986288926],
    [10, 10, 0.7224672001371109, 1.0],
    [3, 4, 0.30064184258240184, 0.9544127391902995],
    [55, 100, 0.45244602997442135, 0.6438546202048803],
    [1, 1, 0.20654931437723745, 1.0],
    [5000, 10000, 0.49020206181540477, 0.5097979381845952],
  ];
  it.each(cases)('k = %i, n = %i matches SciPy', (k, n, low, high) => {
    const ci = wilsonInterval(k, n);
    expect(ci.low).toBeCloseTo(low, 12);
    expect(ci.high).toBeCloseTo(high, 12);
    expect(ci.estimate).toBe(k / n);
  });

  it('with the rounded z = 1.959964 still agrees to 7 places', () => {
    expect(wilsonInterval(7, 10, 1.959964).low).toBeCloseTo(0.39677814746114526, 7);
  });

  it('has no estimate and the whole range for no votes', () => {
    const ci = wilsonInterval(0, 0);
    expect(ci).toMatchObject({ low: 0, high: 1 });
    expect(ci.estimate).toBeNaN();
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 3)).toThrow(RangeError);
  });
});

describe('signTest', () => {
  const cases: Array<[number, number, number]> = [
    // binomtest(w, w + l).pvalue
    [7, 3, 0.34375],
    [9, 1, 0.021484375],
    [10, 0, 0.001953125],
    [12, 2, 0.012939453125],
    [15, 5, 0.04138946533203125],
    [0, 1, 1.0],
    [1, 0, 1.0],
    [5, 5, 1.0],
    [60, 40, 0.05688793364098089],
    [30, 70, 7.85013964559367e-5],
  ];
  it.each(cases)('%i wins, %i losses matches SciPy exactly', (w, l, p) => {
    expect(signTest(w, l)).toBeCloseTo(p, 14);
    expect(signTest(l, w)).toBeCloseTo(p, 14);
  });

  it('stays accurate at n = 10,000 (relative error < 1e-9)', () => {
    // binomtest(5100, 10000).pvalue, binomtest(5200, 10000).pvalue, binomtest(4000, 10000).pvalue
    const large: Array<[number, number, number]> = [
      [5100, 4900, 0.04658552770494645],
      [5200, 4800, 6.593515598672343e-5],
      [4000, 6000, 1.7404316412268293e-89],
    ];
    for (const [w, l, p] of large) expect(Math.abs(signTest(w, l) - p) / p).toBeLessThan(1e-9);
  });

  it('gives 1 with no decisive votes', () => {
    expect(signTest(0, 0)).toBe(1);
  });
});

describe('binomial helpers', () => {
  it('logChoose is exact for small n', () => {
    expect(Math.exp(logChoose(10, 3))).toBeCloseTo(120, 10);
    expect(Math.exp(logChoose(52, 5))).toBeCloseTo(2598960, 5);
    expect(logChoose(5, 6)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('binomialCdf sums either tail', () => {
    // Hand arithmetic: P(X <= 1), X ~ Bin(4, 0.5) = (1 + 4) / 16; P(X <= 3) = 15 / 16.
    expect(binomialCdf(1, 4, 0.5)).toBeCloseTo(5 / 16, 15);
    expect(binomialCdf(3, 4, 0.5)).toBeCloseTo(15 / 16, 15);
    // P(X <= 2), X ~ Bin(5, 0.3) = 0.7^5 + 5 * 0.3 * 0.7^4 + 10 * 0.09 * 0.7^3 = 0.83692
    expect(binomialCdf(2, 5, 0.3)).toBeCloseTo(0.83692, 14);
    expect(binomialCdf(-1, 5, 0.3)).toBe(0);
    expect(binomialCdf(5, 5, 0.3)).toBe(1);
  });
});

describe('normal distribution', () => {
  it('matches norm.ppf and norm.cdf', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13); // norm.ppf(0.975)
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 13); // norm.ppf(0.8)
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12); // norm.ppf(0.001)
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10); // norm.ppf(1e-10)
    expect(normalQuantile(0.5)).toBeCloseTo(0, 15); // norm.ppf(0.5)
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 15); // norm.cdf(-3)
    expect(normalCdf(0.5)).toBeCloseTo(0.6914624612740131, 14); // norm.cdf(0.5)
  });
});

describe('votesNeeded', () => {
  it('follows the normal-approximation formula', () => {
    // python3: ((norm.ppf(0.975) * 0.5 + norm.ppf(0.8) * math.sqrt(0.24)) / 0.1) ** 2 = 193.84728588314744
    const z = 1.959963984540054;
    const zp = 0.8416212335729143;
    const n = ((z * 0.5 + zp * Math.sqrt(0.24)) / 0.1) ** 2;
    expect(n).toBeCloseTo(193.84728588314744, 10);
    expect(votesNeeded()).toEqual({ needed: 194, more: 194, effect: 0.1 });
    expect(votesNeeded({ decisive: 74 })).toMatchObject({ needed: 194, more: 120 });
    expect(votesNeeded({ decisive: 500 })).toMatchObject({ more: 0 });
  });

  it('needs more votes for a smaller difference', () => {
    // python3: z = norm.ppf(0.975); zp = norm.ppf(0.8)
    //          ((z * 0.5 + zp * math.sqrt(0.55 * 0.45)) / 0.05) ** 2 = 782.5259552102937 -> 783
    expect(votesNeeded({ effect: 0.05 }).needed).toBe(783);
  });

  it('really has about 80% power at the returned n (exact binomial check)', () => {
    // Power = P(two-sided sign test rejects | true rate 0.6, n = 194), summed exactly.
    const n = votesNeeded().needed;
    let power = 0;
    for (let k = 0; k <= n; k++) {
      if (signTest(k, n - k) < 0.05) power += binomialCdf(k, n, 0.6) - binomialCdf(k - 1, n, 0.6);
    }
    expect(power).toBeGreaterThan(0.75);
    expect(power).toBeLessThan(0.85);
  });
});

describe('pairVerdict', () => {
  it('says which side is better when the votes show it', () => {
    const v = pairVerdict({ a: 'A', b: 'B', wins: 2, losses: 12, ties: 3 });
    expect(v.p).toBeCloseTo(0.012939453125, 14); // binomtest(2, 14).pvalue
    expect(v.better).toBe('b');
    expect(v.sentence).toBe('B is better than A (p = 0.013).');
    expect(v.decisive).toBe(14);
    expect(v.ties).toBe(3);
    expect(v.winRate.estimate).toBeCloseTo(2 / 14, 15);
    // binomtest(2, 14).proportion_ci(method='wilson')
    expect(v.winRate.low).toBeCloseTo(0.040093921271464966, 12);
    expect(v.winRate.high).toBeCloseTo(0.39941379496970353, 12);
  });

  it('formats tiny p values', () => {
    const v = pairVerdict({ a: 'A', b: 'B', wins: 70, losses: 30 });
    expect(v.sentence).toBe('A is better than B (p < 0.001).');
  });

  it('says how many more votes would settle it', () => {
    const v = pairVerdict({ a: 'A', b: 'B', wins: 40, losses: 34, ties: 10 });
    expect(v.better).toBeNull();
    expect(v.sentence).toBe('No difference shown yet; about 120 more votes would show a 10-point one.');
  });

  it('handles no votes and enough votes without a difference', () => {
    expect(pairVerdict({ a: 'A', b: 'B', wins: 0, losses: 0 }).sentence).toBe(
      'No decisive votes yet; about 194 would show a 10-point difference.',
    );
    const many = pairVerdict({ a: 'v1', b: 'v2', wins: 105, losses: 100 });
    expect(many.p).toBeCloseTo(0.7800402214898476, 12); // binomtest(105, 205).pvalue
    expect(many.sentence).toMatch(/^No difference shown \(p = 0\.78\); with 205 decisive votes/);
  });

  it('formatP keeps two significant digits', () => {
    expect(formatP(0.0031)).toBe('p = 0.0031');
    expect(formatP(0.01)).toBe('p = 0.01');
    expect(formatP(0.34375)).toBe('p = 0.34');
    expect(formatP(1)).toBe('p = 1');
    expect(formatP(0.00099)).toBe('p < 0.001');
  });
});

describe('descriptive statistics', () => {
  const v = [3.5, 1.0, 4.0, 1.5, 9.0, 2.6];
  it('matches numpy', () => {
    expect(mean(v)).toBeCloseTo(3.6, 14); // np.mean(v)
    expect(stddev(v)).toBeCloseTo(2.8809720581775866, 14); // np.std(v, ddof=1)
    // np.percentile(v, p) for p in [0, 10, 25, 50, 90, 100, 33.3]
    const expected: Array<[number, number]> = [
      [0, 1.0],
      [10, 1.25],
      [25, 1.775],
      [50, 3.05],
      [90, 6.5],
      [100, 9.0],
      [33.3, 2.2315],
    ];
    for (const [p, value] of expected) expect(percentile(v, p)).toBeCloseTo(value, 12);
  });

  it('returns NaN rather than inventing a number for too little data', () => {
    expect(mean([])).toBeNaN();
    expect(stddev([4])).toBeNaN();
    expect(percentile([], 50)).toBeNaN();
    expect(shareIdentical([])).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('shareIdentical is the share of the most common output', () => {
    expect(shareIdentical(['a', 'b', 'a', 'a'])).toBe(0.75);
    expect(shareIdentical(['x', 'y', 'z'])).toBeCloseTo(1 / 3, 15);
    expect(shareIdentical(['same', 'same'])).toBe(1);
    expect(shareIdentical(['a', 'A'])).toBe(0.5);
  });
});

describe('bradleyTerry', () => {
  it('has the closed form for two items: strength = share of wins', () => {
    const fit = bradleyTerry([{ a: 'A', b: 'B', wins: 7, losses: 3 }], ['A', 'B'], { prior: 0 });
    expect(fit.strengths['A']).toBeCloseTo(0.7, 9);
    expect(fit.strengths['B']).toBeCloseTo(0.3, 9);
    expect(fit.converged).toBe(true);
    // A tie is half a win each way: 7 + 1, 3 + 1 out of 12.
    const tied = bradleyTerry([{ a: 'A', b: 'B', wins: 7, losses: 3, ties: 2 }], ['A', 'B'], { prior: 0 });
    expect(tied.strengths['A']).toBeCloseTo(8 / 12, 9);
  });

  // Reference: maximise the log-likelihood with SciPy 1.17.1 (python3 script):
  //   import numpy as np; from scipy.optimize import minimize
  //   items = ['A','B','C','D']; idx = {k: i for i, k in enumerate(items)}
  //   data = [('A','B',6,4,2), ('B','C',7,3,0), ('A','C',8,2,1), ('C','D',5,5,0), ('B','D',6,3,1), ('A','D',4,1,0)]
  //   def nll(theta, prior):
  //       s = np.exp(theta); ll = 0.0
  //       for a, b, wa, wb, t in data:
  //           i, j = idx[a], idx[b]; pa = s[i] / (s[i] + s[j])
  //           ll += (wa + t/2) * np.log(pa) + (wb + t/2) * np.log(1 - pa)
  //       for i in range(len(items)):   # virtual item of strength 1
  //           p = s[i] / (s[i] + 1); ll += prior * np.log(p) + prior * np.log(1 - p)
  //       return -ll
  //   # prior 0 (scale-free, so theta_A pinned at 0):
  //   r = minimize(lambda t: nll(np.concatenate([[0.0], t]), 0.0), np.zeros(3), method='BFGS', options={'gtol': 1e-10})
  //   s = np.exp(np.concatenate([[0.0], r.x])); s / s.sum()
  //   # prior 0.5:
  //   r = minimize(nll, np.zeros(4), args=(0.5,), method='BFGS', options={'gtol': 1e-12}); s = np.exp(r.x); s / s.sum()
  const data = [
    { a: 'A', b: 'B', wins: 6, losses: 4, ties: 2 },
    { a: 'B', b: 'C', wins: 7, losses: 3 },
    { a: 'A', b: 'C', wins: 8, losses: 2, ties: 1 },
    { a: 'C', b: 'D', wins: 5, losses: 5 },
    { a: 'D', b: 'B', wins: 3, losses: 6, ties: 1 }, // written the other way round on purpose
    { a: 'A', b: 'D', wins: 4, losses: 1 },
  ];
  const items = ['A', 'B', 'C', 'D'];

  it('matches a SciPy maximum-likelihood fit (prior 0)', () => {
    const fit = bradleyTerry(data, items, { prior: 0 });
    expect(fit.converged).toBe(true);
    const mle = [0.43985412070652335, 0.29211910436733024, 0.13088443505107034, 0.1371423398750761];
    items.forEach((item, i) => expect(fit.strengths[item]).toBeCloseTo(mle[i] ?? 0, 6));
    expect(fit.ranking.map((r) => r.item)).toEqual(['A', 'B', 'D', 'C']);
    expect(fit.ranking.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
  });

  it('matches a SciPy penalised fit with the default prior (0.5 virtual wins and losses)', () => {
    const fit = bradleyTerry(data, items);
    const map = [0.4329535294036591, 0.29199025640901005, 0.13407116442794864, 0.14098504975938211];
    items.forEach((item, i) => expect(fit.strengths[item]).toBeCloseTo(map[i] ?? 0, 6));
    const total = Object.values(fit.strengths).reduce((x, y) => x + y, 0);
    expect(total).toBeCloseTo(1, 12);
  });

  it('keeps strengths finite when an item lost every vote (default prior)', () => {
    const fit = bradleyTerry([{ a: 'A', b: 'B', wins: 3, losses: 0 }], ['A', 'B', 'C']);
    expect(fit.strengths['B']).toBeGreaterThan(0);
    expect(fit.strengths['A']).toBeLessThan(1);
    // C was never compared: it sits at the prior's average, between A and B.
    expect(fit.ranking.map((r) => r.item)).toEqual(['A', 'C', 'B']);
  });

  it('names an item that is compared but not listed', () => {
    expect(() => bradleyTerry([{ a: 'A', b: 'Z', wins: 1, losses: 0 }], ['A', 'B'])).toThrow(/"Z"/);
  });
});

describe('bradleyTerryIntervals', () => {
  // The example: 15 decisive votes, C never wins. The bootstrap over votes said
  // C 0.01 (0.01–0.02), as every resample repeats the same one-sided outcome.
  const separated = [
    { a: 'A', b: 'C', wins: 8, losses: 0 },
    { a: 'B', b: 'C', wins: 7, losses: 0 },
  ];

  it('keeps separated votes honest: wide intervals for the side that never won', () => {
    const fit = bradleyTerryIntervals(separated, ['A', 'B', 'C']);
    expect(fit.ranking.map((r) => r.item)).toEqual(['A', 'B', 'C']);
    const c = fit.byItem['C']!;
    // Chance of beating an average variant: small, but the data cannot rule out about half.
    expect(c.chance).toBeLessThan(0.2);
    expect(c.low).toBeLessThan(0.01);
    expect(c.high).toBeGreaterThan(0.5);
    // A vs C: 8 of 8, Wilson 68–100%. The model's interval overlaps it and is about as wide.
    const w = wilsonInterval(8, 8);
    const ac = fit.pair('A', 'C');
    expect(ac.low).toBeLessThan(w.high);
    expect(ac.high).toBeGreaterThan(w.low);
    expect(ac.high - ac.low).toBeGreaterThan((w.high - w.low) / 2);
    // A and B never met: the model knows little about them, and says so.
    const ab = fit.pair('A', 'B');
    expect(ab.estimate).toBeGreaterThan(0.45);
    expect(ab.estimate).toBeLessThan(0.6);
    expect(ab.high - ab.low).toBeGreaterThan(0.8);
  });

  it('narrows with more votes and follows the level', () => {
    const few = bradleyTerryIntervals([{ a: 'A', b: 'B', wins: 7, losses: 3 }], ['A', 'B', 'C']).byItem['A']!;
    const many = bradleyTerryIntervals([{ a: 'A', b: 'B', wins: 70, losses: 30 }], ['A', 'B', 'C']).byItem['A']!;
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    const narrow = bradleyTerryIntervals([{ a: 'A', b: 'B', wins: 7, losses: 3 }], ['A', 'B', 'C'], { level: 0.5 }).byItem['A']!;
    expect(narrow.high - narrow.low).toBeLessThan(few.high - few.low);
    for (const r of [few, many, narrow]) {
      expect(r.low).toBeLessThan(r.chance);
      expect(r.high).toBeGreaterThan(r.chance);
    }
  });

  it('places an item with no votes at the prior: even odds, nearly the whole range', () => {
    const e = bradleyTerryIntervals(separated, ['A', 'B', 'C', 'E']).byItem['E']!;
    expect(e.chance).toBeCloseTo(0.5, 9);
    expect(e.low).toBeLessThan(0.05);
    expect(e.high).toBeGreaterThan(0.95);
  });

  it('refuses a prior of 0 and names an unknown item', () => {
    expect(() => bradleyTerryIntervals(separated, ['A', 'B', 'C'], { prior: 0 })).toThrow(/prior/);
    expect(() => bradleyTerryIntervals(separated, ['A', 'B'])).toThrow(/"C"/);
  });
});
