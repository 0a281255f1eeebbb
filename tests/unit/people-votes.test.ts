/** The votes a verdict counts: judges out unless picked, one observation per pair of a row. */
import { describe, expect, it } from 'vitest';
import type { Vote } from '../../src/shared/contract';
import { verdictVotes } from '../../src/shared/judging/people-votes';

function vote(rater: string, caseIndex: number, outcome: Vote['outcome'], swapped = false): Vote {
  return {
    id: `${rater}-${caseIndex}`,
    runId: 'r',
    caseIndex,
    leftCellId: swapped ? 'cell-b' : 'cell-a',
    rightCellId: swapped ? 'cell-a' : 'cell-b',
    leftColumn: swapped ? 1 : 0,
    rightColumn: swapped ? 0 : 1,
    outcome,
    createdAt: '2026-01-01T00:00:00Z',
    rater,
  };
}

describe('verdictVotes', () => {
  it('reduces people to their majority per row, a tie when split, and leaves judges out', () => {
    const votes = [
      // Row 0: two of three prefer column 0 (one of them saw the sides swapped).
      vote('Alice', 0, 'left'),
      vote('Bob', 0, 'right', true),
      vote('Carol', 0, 'right'),
      // Row 1: split evenly: a tie.
      vote('Alice', 1, 'left'),
      vote('Bob', 1, 'right'),
      // Row 2: one person, and a judge that says otherwise.
      vote('Alice', 2, 'right'),
      vote('judge:gpt-x', 2, 'left'),
      vote('judge:gpt-x', 3, 'left'),
      vote('Bob', 4, 'skip'),
    ];
    const out = verdictVotes(votes);
    expect(out.map((v) => [v.caseIndex, v.leftColumn, v.rightColumn, v.outcome])).toEqual([
      [0, 0, 1, 'left'],
      [1, 0, 1, 'tie'],
      [2, 0, 1, 'right'],
    ]);
    expect(out[0]?.leftCellId).toBe('cell-a');
  });

  it('keeps a picked rater’s votes as they are, a judge’s too', () => {
    const votes = [vote('Alice', 0, 'left'), vote('judge:gpt-x', 0, 'right'), vote('judge:gpt-x', 1, 'tie')];
    expect(verdictVotes(votes, 'judge:gpt-x').map((v) => v.outcome)).toEqual(['right', 'tie']);
  });
});
