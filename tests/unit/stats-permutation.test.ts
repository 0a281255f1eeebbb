import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/stats/agreement';
import { groupDistanceTest, jaccardDistance, wordSet } from '../../src/shared/stats/permutation';

/** Every distinct way to hand out the labels within each stratum (the exact permutation distribution). */
function arrangements(labels: readonly string[], strata: readonly number[]): string[][] {
  const byStratum = new Map<number, number[]>();
  strata.forEach((s, i) => byStratum.set(s, [...(byStratum.get(s) ?? []), i]));
  let out: string[][] = [[...labels]];
  for (const members of byStratum.values()) {
    const next: string[][] = [];
    for (const base of out) {
      const seen = new Set<string>();
      const permute = (rest: string[], chosen: string[]): void => {
        if (rest.length === 0) {
          const key = chosen.join('\u0000');
          if (seen.has(key)) return;
          seen.add(key);
          const copy = [...base];
          members.forEach((m, k) => (copy[m] = chosen[k] ?? ''));
          next.push(copy);
          return;
        }
        rest.forEach((label, k) => permute([...rest.slice(0, k), ...rest.slice(k + 1)], [...chosen, label]));
      };
      permute(
        members.map((m) => labels[m] ?? ''),
        [],
      );
    }
    out = next;
  }
  return out;
}

function statistic(labels: readonly string[], strata: readonly number[], d: (a: number, b: number) => number): number {
  let between = 0;
  let within = 0;
  let nb = 0;
  let nw = 0;
  for (let a = 0; a < labels.length; a++)
    for (let b = a + 1; b < labels.length; b++) {
      if (strata[a] !== strata[b]) continue;
      if (labels[a] === labels[b]) {
        within += d(a, b);
        nw++;
      } else {
        between += d(a, b);
        nb++;
      }
    }
  return between / nb - within / nw;
}

/** Texts of random words from one pool: a group whose pool is `shift` words further along differs. */
function answers(groups: readonly string[], repeats: number, shiftOf: (group: string) => number, seed: number): { groups: string[]; texts: string[] } {
  const random = seededRandom(seed);
  const out = { groups: [] as string[], texts: [] as string[] };
  for (const group of groups)
    for (let r = 0; r < repeats; r++) {
      const words = Array.from({ length: 12 }, () => `w${Math.floor(random() * 20) + shiftOf(group)}`);
      out.groups.push(group);
      out.texts.push(words.join(' '));
    }
  return out;
}

describe('groupDistanceTest', () => {
  it('agrees with the exact permutation distribution on a tiny case', () => {
    const labels = ['a', 'a', 'a', 'b', 'b', 'b', 'a', 'a', 'b', 'b'];
    const strata = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    const values = [0.1, 0.2, 0.15, 0.5, 0.45, 0.7, 1, 1.3, 2, 1.8];
    const d = (a: number, b: number): number => Math.abs((values[a] ?? 0) - (values[b] ?? 0));
    const observed = statistic(labels, strata, d);
    const all = arrangements(labels, strata);
    expect(all).toHaveLength(20 * 6);
    const exact = all.filter((l) => statistic(l, strata, d) >= observed - 1e-12).length / all.length;
    const result = groupDistanceTest(labels, strata, d, { permutations: 40_000, seed: 7 });
    expect(result?.statistic).toBeCloseTo(observed, 12);
    expect(exact).toBeLessThan(0.05);
    expect(result?.p).toBeGreaterThan(exact - 0.005);
    expect(result?.p).toBeLessThan(exact + 0.005);
  });

  it('gives a large p-value when the groups answer alike', () => {
    const { groups, texts } = answers(['Emily', 'Lakisha', 'Priya', 'Mei'], 4, () => 0, 11);
    const sets = texts.map(wordSet);
    const result = groupDistanceTest(groups, groups.map(() => 0), (a, b) => jaccardDistance(sets[a] ?? new Set(), sets[b] ?? new Set()), { permutations: 2000, seed: 3 });
    expect(result).toBeDefined();
    expect(result?.p).toBeGreaterThan(0.2);
    expect(Math.abs(result?.effect ?? 1)).toBeLessThan(0.5);
  });

  it('gives a small p-value and a large effect when one group answers differently', () => {
    const { groups, texts } = answers(['Emily', 'Lakisha', 'Priya', 'Mei'], 4, (g) => (g === 'Lakisha' ? 15 : 0), 11);
    const sets = texts.map(wordSet);
    const result = groupDistanceTest(groups, groups.map(() => 0), (a, b) => jaccardDistance(sets[a] ?? new Set(), sets[b] ?? new Set()), { permutations: 2000, seed: 3 });
    expect(result?.p).toBeLessThan(0.01);
    // Diluted: most between pairs are two groups that answer alike.
    expect(result?.effect).toBeGreaterThan(0.4);
    expect(result?.ratio).toBeGreaterThan(1.1);
  });

  it('is the same for the same seed and counts the observed arrangement (p never 0)', () => {
    const labels = ['a', 'a', 'b', 'b'];
    const d = (x: number, y: number): number => ((labels[x] === labels[y]) ? 0 : 1);
    const one = groupDistanceTest(labels, [0, 0, 0, 0], d, { permutations: 2000, seed: 5 });
    const two = groupDistanceTest(labels, [0, 0, 0, 0], d, { permutations: 2000, seed: 5 });
    expect(one).toEqual(two);
    // 3 distinct arrangements, 1 as extreme as the observed one: p near 1/3, and at least 1/2001.
    expect(one?.p).toBeGreaterThan(0.28);
    expect(one?.p).toBeLessThan(0.39);
    expect(one?.effect).toBeUndefined();
  });

  it('needs a within-group pair and a between-group pair', () => {
    expect(groupDistanceTest(['a', 'b', 'c'], [0, 0, 0], () => 1)).toBeUndefined();
    expect(groupDistanceTest(['a', 'a'], [0, 0], () => 1)).toBeUndefined();
    expect(() => groupDistanceTest(['a', 'a', 'b'], [0, 0, 0], () => Number.NaN)).toThrow(RangeError);
  });

  it('computes Cohen\'s d on the pair distances with a pooled standard deviation', () => {
    // Within pairs: (0,1) 1 and (2,3) 3; between pairs: 4, 5, 6, 7.
    const table: Record<string, number> = { '0,1': 1, '2,3': 3, '0,2': 4, '0,3': 5, '1,2': 6, '1,3': 7 };
    const result = groupDistanceTest(['a', 'a', 'b', 'b'], [0, 0, 0, 0], (x, y) => table[`${x},${y}`] ?? 0, { permutations: 10 });
    const pooled = Math.sqrt((2 + (2.25 + 0.25 + 0.25 + 2.25)) / 4);
    expect(result?.effect).toBeCloseTo((5.5 - 2) / pooled, 12);
    expect(result?.ratio).toBeCloseTo(2.75, 12);
  });
});

describe('jaccardDistance', () => {
  it('is 0 for the same words in any case and order, 1 for none in common', () => {
    expect(jaccardDistance(wordSet('The cat sat.'), wordSet('sat the CAT'))).toBe(0);
    expect(jaccardDistance(wordSet('a b'), wordSet('c d'))).toBe(1);
    expect(jaccardDistance(wordSet('a b c'), wordSet('b c d'))).toBeCloseTo(0.5, 12);
    expect(jaccardDistance(wordSet(''), wordSet('\u0000'))).toBe(0);
  });
});
