import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  caseKey,
  emptyAggregate,
  figuresOf,
  matchRows,
  outcomeSentence,
  pairVariants,
  rowOutcome,
  tallyOutcomes,
} from '../../src/shared/judging/compare';
import type { Column, Variables } from '../../src/shared/schemas';

const column = (id: string, model: string, params: Column['params'] = {}): Column => ({ id, providerId: 'echo', model, params });

describe('matching rows by their values', () => {
  it('matches reordered rows by their variables, whatever the order of keys', () => {
    const rows = (vars: Variables[]): string[] => vars.map((v) => caseKey(v));
    const base = rows([{ topic: 'otters', lang: 'en' }, { topic: 'tides' }, { topic: 'comets' }]);
    const other = rows([{ topic: 'comets' }, { lang: 'en', topic: 'otters' }, { topic: 'tides' }]);
    expect(matchRows(base, other)).toEqual({ pairs: [[0, 1], [1, 2], [2, 0]], onlyInBase: [], onlyInOther: [] });
  });

  it('says which rows only one run has, and pairs duplicates first with first', () => {
    const base = ['a', 'b', 'b', 'c'].map((v) => caseKey({ v }));
    const other = ['b', 'd', 'b', 'b', 'a'].map((v) => caseKey({ v }));
    expect(matchRows(base, other)).toEqual({ pairs: [[0, 4], [1, 0], [2, 2]], onlyInBase: [3], onlyInOther: [1, 3] });
  });

  it('tells a number from its text and sorts nested keys', () => {
    expect(caseKey({ n: 1 })).not.toBe(caseKey({ n: '1' }));
    expect(canonicalJson({ b: [{ y: 1, x: 2 }], a: null })).toBe('{"a":null,"b":[{"x":2,"y":1}]}');
  });
});

describe('pairing variants', () => {
  it('pairs the same model and settings wherever they sit, then the rest in order', () => {
    const base = [column('a', 'm1'), column('b', 'm2', { temperature: 0.5 }), column('c', 'm3')];
    const other = [column('x', 'm2', { temperature: 0.5 }), column('y', 'm9'), column('z', 'm1')];
    expect(pairVariants(base, other)).toEqual([
      [0, 2],
      [1, 0],
      [2, 1],
    ]);
  });

  it('leaves a variant with no counterpart unpaired', () => {
    expect(pairVariants([column('a', 'm1'), column('b', 'm2')], [column('x', 'm2')])).toEqual([[1, 0]]);
  });
});

describe('outcomes and the sign test', () => {
  it('a row passes by the share of its repeats that pass the checks, or that answered', () => {
    expect(rowOutcome({ ...emptyAggregate(), cells: 4, graded: 4, passed: 3 }, 'checks')).toBe(0.75);
    expect(rowOutcome({ ...emptyAggregate(), cells: 2, errors: 1 }, 'checks')).toBeUndefined();
    expect(rowOutcome({ ...emptyAggregate(), cells: 2, errors: 1 }, 'errors')).toBe(0.5);
    expect(rowOutcome(undefined, 'errors')).toBeUndefined();
  });

  it('9 fixed, 2 broken, 3 same: p = 2·(1 + 11 + 55)/2¹¹ = 0.0654296875, not significant', () => {
    const pairs: [number | undefined, number | undefined][] = [
      ...Array.from({ length: 9 }, (): [number, number] => [0, 1]),
      [1, 0],
      [1, 0.5],
      [1, 1],
      [0, 0],
      [0.5, 0.5],
      [undefined, 1],
    ];
    const tally = tallyOutcomes(pairs);
    expect(tally).toMatchObject({ fixed: 9, broken: 2, same: 3, skipped: 1 });
    expect(tally.p).toBeCloseTo(0.0654296875, 12);
    expect(outcomeSentence('B', tally)).toBe('B is better on 9 rows, worse on 2 (the same on 3 rows); p = 0.065, not significant at 0.05.');
  });

  it('8 fixed, none broken: p = 2/2⁸ = 0.0078125, significant', () => {
    const tally = tallyOutcomes(Array.from({ length: 8 }, (): [number, number] => [0, 1]));
    expect(tally.p).toBeCloseTo(0.0078125, 12);
    expect(outcomeSentence('B', tally)).toBe('B is better on 8 rows, worse on 0; p = 0.0078, significant at 0.05: B is better.');
    const worse = tallyOutcomes(Array.from({ length: 8 }, (): [number, number] => [1, 0]));
    expect(outcomeSentence('B', worse)).toContain('significant at 0.05: B is worse.');
  });

  it('says so when nothing changed or nothing can be compared', () => {
    expect(outcomeSentence('B', tallyOutcomes([[1, 1], [0, 0]]))).toBe('B does the same on all 2 rows: no row changed.');
    expect(outcomeSentence('B', tallyOutcomes([[undefined, 1]]))).toBe('No row has an outcome in both runs: nothing to compare.');
  });

  it('figures: pass rate and mean score over graded cells, latency over timed ones', () => {
    const f = figuresOf({ cells: 4, errors: 1, graded: 3, passed: 2, scoreSum: 2.25, timed: 2, msSum: 300, priced: 4, costSum: 0.02, estimated: 1 });
    expect(f).toEqual({ passRate: 2 / 3, meanScore: 0.75, meanLatencyMs: 150, costUsd: 0.02, priced: 4, estimated: 1, cells: 4, errors: 1 });
    expect(figuresOf(emptyAggregate())).toMatchObject({ passRate: null, meanScore: null, meanLatencyMs: null });
  });
});
