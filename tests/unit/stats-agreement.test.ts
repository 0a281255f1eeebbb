/**
 * Agreement statistics against reference packages. The values below were produced with
 * Debian's python3-statsmodels 0.13.5 and python3-nltk 3.8 (/usr/bin/python3):
 *
 *   from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa, aggregate_raters
 *   from nltk.metrics.agreement import AnnotationTask
 *   cohens_kappa(table)                -> .kappa, .std_kappa, .kappa_low, .kappa_upp
 *   fleiss_kappa(aggregate_raters(codes)[0], method='fleiss')
 *   AnnotationTask(data=[(coder, item, label), ...]).kappa() / .alpha()
 *     (missing ratings are simply absent triples)
 *
 * with the inputs exactly as written here (each string is one rater, one character per item,
 * '.' = not rated). The test needs no Python.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapInterval, cohenKappa, cohenKappaTable, fleissKappa, fleissKappaOfCounts, krippendorffAlpha, krippendorffAlphaOf, seededRandom, type Ratings } from '../../src/shared/stats/agreement';

/** Raters as strings → ratings per item. */
function items(...raters: string[]): Ratings {
  const n = raters[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => raters.map((r) => (r[i] === '.' ? undefined : r[i])));
}

describe("Cohen's kappa", () => {
  it('matches statsmodels cohens_kappa on a 2×2 table (kappa, SE and interval)', () => {
    // cohens_kappa([[20,5],[10,15]]) → 0.4, std 0.12699606293110033, [0.151092290476661, 0.6489077095233389]
    const k = cohenKappaTable([
      [20, 5],
      [10, 15],
    ]);
    expect(k.estimate).toBeCloseTo(0.4, 12);
    expect(k.se).toBeCloseTo(0.12699606293110033, 12);
    expect(k.low).toBeCloseTo(0.151092290476661, 9);
    expect(k.high).toBeCloseTo(0.6489077095233389, 9);
  });

  it('matches statsmodels and nltk on two raters with four categories', () => {
    // statsmodels: kappa 0.68, std 0.14124148965512934, [0.4031717671531598, 0.95682823284684]; nltk kappa() 0.68
    const k = cohenKappa(items('aabbtabaabxbtaabbaab', 'abbbtabaatxbbaabaaab'));
    expect(k.items).toBe(20);
    expect(k.estimate).toBeCloseTo(0.68, 12);
    expect(k.se).toBeCloseTo(0.14124148965512934, 12);
    expect(k.low).toBeCloseTo(0.4031717671531598, 9);
    expect(k.high).toBeCloseTo(0.95682823284684, 9);
  });

  it('uses only the items both raters rated', () => {
    const k = cohenKappa(items('aabbtabaabxbtaabbaab' + 'ab', 'abbbtabaatxbbaabaaab' + '..'));
    expect(k.items).toBe(20);
    expect(k.estimate).toBeCloseTo(0.68, 12);
  });

  it('is undefined when every rating is one category (statsmodels gives nan), and says why', () => {
    const k = cohenKappa(items('aaaaa', 'aaaaa'));
    expect(k.estimate).toBeNull();
    expect(k.degenerate).toBe('one-category');
    expect(k.observed).toBe(1);
    expect(cohenKappa([]).degenerate).toBe('no-data');
  });

  it('is 1 for perfect agreement over two categories, and negative below chance', () => {
    expect(cohenKappa(items('abab', 'abab')).estimate).toBeCloseTo(1, 12);
    expect(cohenKappa(items('abab', 'baba')).estimate).toBeCloseTo(-1, 12);
  });
});

describe("Fleiss' kappa", () => {
  it("matches statsmodels on Fleiss (1971)'s example (Wikipedia's table)", () => {
    // fleiss_kappa(wiki, method='fleiss') → 0.20993070442195522
    const wiki = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappaOfCounts(wiki)).toBeCloseTo(0.20993070442195522, 12);
  });

  it('matches statsmodels on three raters, with a seeded bootstrap interval around it', () => {
    // fleiss_kappa(aggregate_raters(codes)[0]) → 0.6240208877284595
    const ratings = items('aaabbbtaabab', 'aabbbbtabbab', 'aaabbttaabaa');
    const k = fleissKappa(ratings, { seed: 7 });
    expect(k.estimate).toBeCloseTo(0.6240208877284595, 12);
    expect(k.items).toBe(12);
    expect(k.low).not.toBeNull();
    expect(k.low ?? 2).toBeLessThan(k.estimate ?? -2);
    expect(k.high ?? -2).toBeGreaterThan(k.estimate ?? 2);
    // Seeded: the same data and seed give the same interval.
    expect(fleissKappa(ratings, { seed: 7 })).toEqual(k);
  });

  it('refuses unequal counts, and leaves out items someone skipped', () => {
    expect(() => fleissKappaOfCounts([[2, 0], [1, 2]])).toThrow(/same number/);
    const k = fleissKappa(items('aaabbbtaabab' + 'a', 'aabbbbtabbab' + '.', 'aaabbttaabaa' + 'b'));
    expect(k.items).toBe(12);
    expect(k.estimate).toBeCloseTo(0.6240208877284595, 12);
  });

  it('is undefined with one category only', () => {
    expect(fleissKappa(items('aaa', 'aaa', 'aaa')).degenerate).toBe('one-category');
  });
});

describe("Krippendorff's alpha (nominal)", () => {
  it('matches nltk on two raters and on three raters with complete data', () => {
    // nltk alpha(): 0.688 (two raters above), 0.6344647519582245 (three raters above)
    expect(krippendorffAlphaOf(items('aabbtabaabxbtaabbaab', 'abbbtabaatxbbaabaaab'))).toBeCloseTo(0.688, 12);
    expect(krippendorffAlphaOf(items('aaabbbtaabab', 'aabbbbtabbab', 'aaabbttaabaa'))).toBeCloseTo(0.6344647519582245, 12);
  });

  it('matches nltk with missing ratings', () => {
    // nltk alpha() on the triples without the '.' entries → 0.7195467422096318
    const ratings = items('ab.abbta.a', 'abbab.tata', '.bbaabtaaa', 'a.babbt.ab');
    const a = krippendorffAlpha(ratings, { seed: 3 });
    expect(a.estimate).toBeCloseTo(0.7195467422096318, 12);
    expect(a.items).toBe(10);
    expect(a.low ?? 2).toBeLessThanOrEqual(a.estimate ?? -2);
    expect(a.high ?? -2).toBeGreaterThanOrEqual(a.estimate ?? 2);
  });

  it('leaves out items with a single rating, and is undefined with one category (nltk returns 1 there)', () => {
    expect(krippendorffAlpha(items('a.', '.b')).degenerate).toBe('no-data');
    expect(krippendorffAlpha(items('aa', 'aa')).degenerate).toBe('one-category');
  });
});

describe('bootstrap', () => {
  it('the fast bootstrap of sums draws the same resamples as the plain one', () => {
    const ratings = items('ab.abbta.a' + 'abba', 'abbab.tata' + 'bbaa', '.bbaabtaaa' + 'ab.a', 'a.babbt.ab' + 'aabb');
    const alpha = krippendorffAlpha(ratings, { seed: 5, resamples: 300 });
    const pairable = ratings.filter((r) => r.filter((l) => l !== undefined).length >= 2);
    const plain = bootstrapInterval(pairable, krippendorffAlphaOf, { seed: 5, resamples: 300 });
    expect(alpha.low).toBeCloseTo(plain.low ?? Number.NaN, 12);
    expect(alpha.high).toBeCloseTo(plain.high ?? Number.NaN, 12);
    const complete = items('aaabbbtaabab', 'aabbbbtabbab', 'aaabbttaabaa');
    const fleiss = fleissKappa(complete, { seed: 9, resamples: 300 });
    const cats = ['a', 'b', 't'];
    const counts = complete.map((row) => cats.map((c) => row.filter((l) => l === c).length));
    const plainFleiss = bootstrapInterval(counts, fleissKappaOfCounts, { seed: 9, resamples: 300 });
    expect(fleiss.low).toBeCloseTo(plainFleiss.low ?? Number.NaN, 12);
    expect(fleiss.high).toBeCloseTo(plainFleiss.high ?? Number.NaN, 12);
  });

  it('is reproducible by seed and differs between seeds', () => {
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    const a = [r1(), r1(), r1()];
    expect([r2(), r2(), r2()]).toEqual(a);
    for (const v of a) expect(v >= 0 && v < 1).toBe(true);
    const data = Array.from({ length: 50 }, (_, i) => (i * 37) % 11);
    const mean = (s: readonly number[]): number => s.reduce((x, y) => x + y, 0) / s.length;
    const i1 = bootstrapInterval(data, mean, { seed: 1 });
    expect(bootstrapInterval(data, mean, { seed: 1 })).toEqual(i1);
    expect(bootstrapInterval(data, mean, { seed: 2 })).not.toEqual(i1);
    expect(i1.low ?? 99).toBeLessThan(mean(data));
    expect(i1.high ?? -1).toBeGreaterThan(mean(data));
  });
});
