/**
 * computeVerdict from hand-built cells and votes. Reference values come from SciPy 1.17.1 and
 * NumPy 2.4.6 (python3 here); the exact expression is next to each number.
 */
import { describe, expect, it } from 'vitest';
import type { Vote, VoteOutcome } from '../../src/shared/contract';
import type { Grading } from '../../src/shared/schemas';
import { computeVerdict, variantLetter, type VerdictCell } from '../../src/shared/judging/verdict';

function cell(columnIndex: number, caseIndex: number, patch: Partial<VerdictCell> = {}): VerdictCell {
  return {
    columnIndex,
    caseIndex,
    repeat: 0,
    status: 'done',
    output: `answer ${columnIndex}/${caseIndex}`,
    totalMs: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    costUsd: undefined,
    grading: undefined,
    score: undefined,
    thumb: undefined,
    ...patch,
  };
}

let voteSeq = 0;
function vote(caseIndex: number, leftColumn: number, rightColumn: number, outcome: VoteOutcome): Vote {
  voteSeq++;
  return {
    id: `v${voteSeq}`,
    runId: 'run-1',
    rater: 'me',
    caseIndex,
    leftCellId: `c${caseIndex}-${leftColumn}`,
    rightCellId: `c${caseIndex}-${rightColumn}`,
    leftColumn,
    rightColumn,
    outcome,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

/** A vote for `winner` over `loser`, with the winner on the left or the right. */
function prefer(caseIndex: number, winner: number, loser: number, winnerOnLeft: boolean): Vote {
  return winnerOnLeft ? vote(caseIndex, winner, loser, 'left') : vote(caseIndex, loser, winner, 'right');
}

function grading(pass: boolean, components: { type: string; pass: boolean; score?: number }[], score = pass ? 1 : 0): Grading {
  return {
    pass,
    score,
    reason: pass ? 'All checks passed' : 'A check failed',
    componentResults: components.map((c) => ({ type: c.type, pass: c.pass, score: c.score ?? (c.pass ? 1 : 0), reason: c.pass ? 'ok' : 'failed' })),
  };
}

const TWO = ['A: Echo · echo', 'B: Echo · loud'];
const THREE = ['A: first', 'B: second', 'C: third'];

describe('computeVerdict: pairs', () => {
  it('counts wins and losses per pair whichever side each variant sat on', () => {
    // B preferred 6 times: three times shown on the left, three times on the right.
    const votes = [0, 1, 2, 3, 4, 5].map((i) => prefer(i, 1, 0, i % 2 === 0));
    const verdict = computeVerdict({ labels: TWO, cells: [], votes, repeats: 1 });
    expect(verdict.pairs).toHaveLength(1);
    const pair = verdict.pairs[0]!;
    expect(pair).toMatchObject({ a: 0, b: 1, wins: 0, losses: 6, ties: 0, bothBad: 0, better: 'b' });
    // scipy.stats.binomtest(6, 6).pvalue == 0.03125
    expect(pair.p).toBeCloseTo(0.03125, 12);
    // The win rate is A's: 0 of 6, Wilson: binomtest(0, 6).proportion_ci(method='wilson') = (0, 0.3903342879021654)
    expect(pair.winRate.estimate).toBe(0);
    expect(pair.winRate.low).toBe(0);
    expect(pair.winRate.high).toBeCloseTo(0.3903342879021654, 10);
    expect(pair.sentence).toBe('B: Echo · loud is better than A: Echo · echo (p = 0.031).');
    expect(verdict.votes).toBe(6);
  });

  it('gives the Wilson interval for 6 of 6 and the sign test for 8–2', () => {
    const sixNil = computeVerdict({ labels: TWO, cells: [], votes: [0, 1, 2, 3, 4, 5].map((i) => prefer(i, 0, 1, i < 3)), repeats: 1 });
    const six = sixNil.pairs[0]!;
    expect(six).toMatchObject({ wins: 6, losses: 0, better: 'a' });
    // scipy.stats.binomtest(6, 6).proportion_ci(method='wilson') = (0.6096657120978346, 1.0)
    expect(six.winRate.estimate).toBe(1);
    expect(six.winRate.low).toBeCloseTo(0.6096657120978346, 10);
    expect(six.winRate.high).toBe(1);

    const votes = [...Array.from({ length: 8 }, (_, i) => prefer(i, 0, 1, i % 3 !== 0)), prefer(8, 1, 0, true), prefer(9, 1, 0, false)];
    const pair = computeVerdict({ labels: TWO, cells: [], votes, repeats: 1 }).pairs[0]!;
    expect(pair).toMatchObject({ wins: 8, losses: 2, better: null });
    // scipy.stats.binomtest(8, 10).pvalue == 0.109375
    expect(pair.p).toBeCloseTo(0.109375, 12);
    // binomtest(8, 10).proportion_ci(method='wilson') = (0.4901624715366418, 0.9433178485456248)
    expect(pair.winRate.low).toBeCloseTo(0.4901624715366418, 10);
    expect(pair.winRate.high).toBeCloseTo(0.9433178485456248, 10);
    expect(pair.moreVotesNeeded).toBeGreaterThan(0);
    expect(pair.sentence).toBe(`No difference shown yet; about ${pair.moreVotesNeeded} more votes would show a 10-point one.`);
  });

  it('keeps ties and both-bad apart, leaves them out of the test, and ignores skips', () => {
    const votes = [
      prefer(0, 0, 1, true),
      prefer(1, 0, 1, false),
      prefer(2, 0, 1, true),
      vote(3, 1, 0, 'tie'),
      vote(4, 0, 1, 'tie'),
      vote(5, 1, 0, 'both_bad'),
      vote(6, 0, 1, 'skip'),
      vote(7, 1, 0, 'skip'),
    ];
    const verdict = computeVerdict({ labels: TWO, cells: [], votes, repeats: 1 });
    const pair = verdict.pairs[0]!;
    expect(pair).toMatchObject({ wins: 3, losses: 0, ties: 2, bothBad: 1 });
    // scipy.stats.binomtest(3, 3).pvalue == 0.25: ties and both-bad do not enter the sign test.
    expect(pair.p).toBeCloseTo(0.25, 12);
    expect(pair.winRate.estimate).toBe(1);
    expect(verdict.votes).toBe(6);
  });

  it('says there are no decisive votes when there are none', () => {
    const verdict = computeVerdict({ labels: TWO, cells: [], votes: [vote(0, 0, 1, 'tie')], repeats: 1 });
    const pair = verdict.pairs[0]!;
    expect(pair.winRate.estimate).toBeNull();
    expect(pair.p).toBe(1);
    expect(pair.sentence).toMatch(/^No decisive votes yet; about \d+ would show a 10-point difference\.$/);
    expect(verdict.ranking).toBeNull();
  });

  it('lists every pair of three variants, each with its own tally', () => {
    const votes = [prefer(0, 2, 0, true), prefer(1, 2, 0, false), prefer(0, 1, 2, false), vote(2, 1, 0, 'tie')];
    const verdict = computeVerdict({ labels: THREE, cells: [], votes, repeats: 1 });
    expect(verdict.pairs.map((p) => [p.a, p.b, p.wins, p.losses, p.ties])).toEqual([
      [0, 1, 0, 0, 1],
      [0, 2, 0, 2, 0],
      [1, 2, 1, 0, 0],
    ]);
  });
});

describe('computeVerdict: ranking', () => {
  it('ranks three variants strongest first with intervals around each strength', () => {
    // A beats B 5–1, B beats C 5–1, A beats C 6–0: A > B > C.
    const votes: Vote[] = [];
    let row = 0;
    const add = (winner: number, loser: number, n: number): void => {
      for (let i = 0; i < n; i++) votes.push(prefer(row++, winner, loser, i % 2 === 0));
    };
    add(0, 1, 5);
    add(1, 0, 1);
    add(1, 2, 5);
    add(2, 1, 1);
    add(0, 2, 6);
    const verdict = computeVerdict({ labels: THREE, cells: [], votes, repeats: 1 });
    const ranking = verdict.ranking!;
    expect(ranking.map((r) => r.columnIndex)).toEqual([0, 1, 2]);
    expect(ranking.map((r) => r.rank)).toEqual([1, 2, 3]);
    // Strength is the chance to beat an average variant: A above even, C below.
    expect(ranking[0]!.strength).toBeGreaterThan(0.5);
    expect(ranking[2]!.strength).toBeLessThan(0.5);
    for (const r of ranking) {
      expect(r.low).toBeLessThanOrEqual(r.strength + 1e-12);
      expect(r.high).toBeGreaterThanOrEqual(r.strength - 1e-12);
    }
    expect(ranking[0]!.strength).toBeGreaterThan(ranking[1]!.strength);
    expect(ranking[1]!.strength).toBeGreaterThan(ranking[2]!.strength);
    expect(computeVerdict({ labels: THREE, cells: [], votes, repeats: 1 }).ranking).toEqual(ranking);
  });

  it("does not contradict the pairs' Wilson intervals when one variant never wins (the issue's example)", () => {
    // 15 decisive votes: A beats C 8–0, B beats C 7–0, A and B never met.
    const votes: Vote[] = [];
    for (let i = 0; i < 8; i++) votes.push(prefer(i, 0, 2, i % 2 === 0));
    for (let i = 0; i < 7; i++) votes.push(prefer(8 + i, 1, 2, i % 2 === 1));
    const verdict = computeVerdict({ labels: THREE, cells: [], votes, repeats: 1 });
    const c = verdict.ranking!.find((r) => r.columnIndex === 2)!;
    expect(c.rank).toBe(3);
    // The bootstrap said C 0.01 (0.01–0.02); 15 votes cannot pin C down that far.
    expect(c.high - c.low).toBeGreaterThan(0.3);
    for (const pair of verdict.pairs) {
      const model = pair.model!;
      expect(model.low).toBeLessThanOrEqual(model.estimate!);
      expect(model.high).toBeGreaterThanOrEqual(model.estimate!);
      if (pair.wins + pair.losses === 0) {
        // No votes on the pair: the model may lean, but must stay unsure.
        expect(model.high - model.low).toBeGreaterThan(0.8);
        continue;
      }
      // A vs C 8 of 8: Wilson 68–100%. The model's interval overlaps it and is not much narrower.
      expect(model.low).toBeLessThan(pair.winRate.high);
      expect(model.high).toBeGreaterThan(pair.winRate.low);
      expect(model.high - model.low).toBeGreaterThan((pair.winRate.high - pair.winRate.low) / 2);
    }
  });

  it('has no ranking for two variants', () => {
    const verdict = computeVerdict({ labels: TWO, cells: [], votes: [prefer(0, 0, 1, true)], repeats: 1 });
    expect(verdict.ranking).toBeNull();
  });
});

describe('computeVerdict: per variant', () => {
  it('gives the pass rate with its interval and the pass rate of each check', () => {
    const cells = [
      cell(0, 0, { grading: grading(true, [{ type: 'contains', pass: true }, { type: 'is-json', pass: true }]) }),
      cell(0, 1, { grading: grading(false, [{ type: 'contains', pass: true }, { type: 'is-json', pass: false }]) }),
      cell(0, 2, { grading: grading(true, [{ type: 'contains', pass: true }, { type: 'is-json', pass: true }]) }),
      cell(0, 3, { grading: grading(true, [{ type: 'contains', pass: true }, { type: 'is-json', pass: true }]) }),
      cell(1, 0, { grading: grading(false, [{ type: 'contains', pass: false }, { type: 'is-json', pass: true }]) }),
      cell(1, 1, { status: 'error', grading: undefined }),
    ];
    const verdict = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1 });
    const [a, b] = verdict.variants;
    expect(a!.passRate!.estimate).toBe(0.75);
    // scipy.stats.binomtest(3, 4).proportion_ci(method='wilson') = (0.30064184258240184, 0.9544127391902995)
    expect(a!.passRate!.low).toBeCloseTo(0.30064184258240184, 10);
    expect(a!.passRate!.high).toBeCloseTo(0.9544127391902995, 10);
    expect(a!.checks).toEqual([
      expect.objectContaining({ type: 'contains', passed: 4, total: 4 }),
      expect.objectContaining({ type: 'is-json', passed: 3, total: 4 }),
    ]);
    // Quality is the mean of the checks' pass rates (4/4 and 3/4), all-pass is apart.
    expect(a!.checkMean).toBe(0.875);
    expect(a!.quality).toBe(0.875);
    expect(b).toMatchObject({ cells: 2, done: 1 });
    expect(b!.passRate!.estimate).toBe(0);
    expect(b!.checks.find((c) => c.type === 'contains')).toMatchObject({ passed: 0, total: 1 });
  });

  it('has no pass rate without checks, and falls back to scores, then the win share, for quality', () => {
    const cells = [cell(0, 0, { score: 5, thumb: 'up' }), cell(0, 1, { score: 3, thumb: 'down' }), cell(0, 2, { thumb: 'up' }), cell(1, 0), cell(1, 1)];
    const votes = [prefer(0, 1, 0, true), prefer(1, 1, 0, false), prefer(2, 0, 1, true), prefer(3, 1, 0, true)];
    const [a, b] = computeVerdict({ labels: TWO, cells, votes, repeats: 1 }).variants;
    expect(a!.passRate).toBeNull();
    expect(a!.checks).toEqual([]);
    expect(a).toMatchObject({ scoreMean: 4, scored: 2, thumbsUp: 2, thumbsDown: 1 });
    // Mean score 4 on 1–5 → (4 - 1) / 4.
    expect(a!.quality).toBe(0.75);
    // B has no scores: its share of decisive votes, 3 of 4.
    expect(b!.quality).toBe(0.75);
    expect(b!.scoreMean).toBeNull();
  });

  it('gives mean and p95 latency (numpy linear), tokens and cost over the finished cells', () => {
    const latencies = [120, 80, 300, 150, 95, 410];
    const cells = [
      ...latencies.map((ms, i) => cell(0, i, { totalMs: ms, inputTokens: 10, outputTokens: i, costUsd: 0.001 })),
      cell(0, 6, { status: 'error', totalMs: 5000 }),
    ];
    const [a, b] = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1 }).variants;
    // numpy.percentile([120, 80, 300, 150, 95, 410], 95) == 382.5
    expect(a!.latencyP95Ms).toBeCloseTo(382.5, 10);
    expect(a!.latencyMeanMs).toBeCloseTo(latencies.reduce((s, v) => s + v, 0) / 6, 10);
    // 10 in + 0..5 out: mean 12.5
    expect(a!.tokensMean).toBeCloseTo(12.5, 10);
    expect(a!.costUsd).toBeCloseTo(0.006, 12);
    expect(a!.costMeanUsd).toBeCloseTo(0.001, 12);
    expect(b).toMatchObject({ cells: 0, latencyMeanMs: null, latencyP95Ms: null, tokensMean: null, costUsd: 0, costMeanUsd: null, quality: null });
  });

  it('keeps quality apart from one check that always fails, and weighs checks as promptfoo does', () => {
    const specs = [
      { name: 'contains "Paris"', weight: 1 },
      { name: 'is-json', weight: 3 },
      { name: 'never', weight: 0 },
    ];
    const row = (pass: [boolean, boolean, boolean]): Grading =>
      grading(false, [
        { type: 'contains', pass: pass[0] },
        { type: 'is-json', pass: pass[1] },
        { type: 'equals', pass: pass[2] },
      ]);
    const cells = [cell(0, 0, { grading: row([true, true, false]) }), cell(0, 1, { grading: row([true, false, false]) }), cell(1, 0, { grading: row([false, true, false]) }), cell(1, 1, { grading: row([false, true, false]) })];
    const [a, b] = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1, checksOf: () => specs }).variants;
    // Every answer failed the third check: all-pass is 0 for both, quality is not.
    expect(a!.passRate!.estimate).toBe(0);
    expect(b!.passRate!.estimate).toBe(0);
    expect(a!.checks.map((c) => [c.check, c.weight, c.passed, c.total])).toEqual([
      ['contains "Paris"', 1, 2, 2],
      ['is-json', 3, 1, 2],
      ['never', 0, 0, 2],
    ]);
    // Weighted: (1 × 1 + 3 × 0.5 + 0 × 0) / (1 + 3) = 0.625; B: (0 + 3 × 1) / 4 = 0.75.
    expect(a!.quality).toBeCloseTo(0.625, 12);
    expect(b!.quality).toBeCloseTo(0.75, 12);
    // Without the run's checks, results are named by type and weigh 1 each.
    const plain = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1 }).variants[0]!;
    expect(plain.checks.map((c) => c.check)).toEqual(['contains', 'is-json', 'equals']);
    expect(plain.quality).toBeCloseTo(0.5, 12);
  });

  it('says when a cost total holds estimates', () => {
    const cells = [cell(0, 0, { costUsd: 0.002, costEstimated: true }), cell(0, 1, { costUsd: 0.001 }), cell(1, 0, { costUsd: 0.003 })];
    const [a, b] = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1 }).variants;
    expect(a).toMatchObject({ costEstimated: true });
    expect(a!.costUsd).toBeCloseTo(0.003, 12);
    expect(b).toMatchObject({ costEstimated: false });
  });

  it('measures consistency with repeats: share of identical outputs and the spread of check scores', () => {
    const withScore = (score: number): Grading => grading(score === 1, [{ type: 'llm-rubric', pass: score === 1, score }], score);
    const cells = [
      cell(0, 0, { repeat: 0, output: 'x', grading: withScore(1) }),
      cell(0, 0, { repeat: 1, output: 'x', grading: withScore(0.5) }),
      cell(0, 0, { repeat: 2, output: 'x', grading: withScore(0) }),
      cell(0, 1, { repeat: 0, output: 'y', grading: withScore(1) }),
      cell(0, 1, { repeat: 1, output: 'y', grading: withScore(1) }),
      cell(0, 1, { repeat: 2, output: 'z', grading: withScore(1) }),
      cell(1, 0, { repeat: 0, output: 'p' }),
      cell(1, 0, { repeat: 1, output: 'q' }),
      cell(1, 0, { repeat: 2, output: 'r', status: 'error' }),
    ];
    const [a, b] = computeVerdict({ labels: TWO, cells, votes: [], repeats: 3 }).variants;
    // Row 1: 3 of 3 identical; row 2: 2 of 3 → mean 5/6.
    expect(a!.consistency!.identicalShare).toBeCloseTo(5 / 6, 12);
    // numpy.std([1, 0.5, 0], ddof=1) == 0.5; numpy.std([1, 1, 1], ddof=1) == 0 → mean 0.25
    expect(a!.consistency!.scoreSpread).toBeCloseTo(0.25, 12);
    expect(a!.consistency!.rows).toBe(2);
    // Only finished repeats count: 'p' and 'q' differ → 1/2; no check scores → no spread.
    expect(b!.consistency).toEqual({ identicalShare: 0.5, scoreSpread: null, rows: 1 });

    const single = computeVerdict({ labels: TWO, cells, votes: [], repeats: 1 }).variants[0]!;
    expect(single.consistency).toBeNull();
  });
});

describe('variantLetter', () => {
  it('names variants A, B, … Z, AA, AB', () => {
    expect([0, 1, 2, 25, 26, 27, 51, 52].map(variantLetter)).toEqual(['A', 'B', 'C', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });
});
