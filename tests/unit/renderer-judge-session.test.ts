/**
 * The pairwise judging session (src/renderer/src/state/judge.ts) against a fake bridge: the
 * next pair comes at once, the vote is saved behind, a vote that fails is taken back with
 * its error, notes travel with votes, Back/Undo returns to the pair before.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Api, JudgePair, VoteOutcome } from '../../src/shared/contract';
import { setBridge } from '../../src/renderer/src/bridge/current';
import { countPairs, firstOpen, nextAfterVote, nextIndex, useJudge } from '../../src/renderer/src/state/judge';

function pair(caseIndex: number, vote?: VoteOutcome): JudgePair {
  return {
    caseIndex,
    leftCellId: `L${caseIndex}`,
    rightCellId: `R${caseIndex}`,
    leftColumn: caseIndex % 2,
    rightColumn: 1 - (caseIndex % 2),
    leftOutput: `left ${caseIndex}`,
    rightOutput: `right ${caseIndex}`,
    ...(vote ? { vote } : {}),
  };
}

interface VoteCall {
  runId: string;
  leftCellId: string;
  rightCellId: string;
  outcome: VoteOutcome;
  note?: string;
}

/** Main as far as judging goes: pairs with stored votes, and a switch to make votes fail. */
class FakeMain {
  votes = new Map<string, VoteCall>();
  calls: VoteCall[] = [];
  failNext = false;
  /** Replies to votes wait until released, to see the optimistic state. */
  held: (() => void)[] = [];
  hold = false;

  constructor(readonly pairs: JudgePair[]) {}

  install(): void {
    const api = {
      'judge.pairs': () =>
        Promise.resolve({
          pairs: this.pairs.map((p) => {
            const v = this.votes.get(`${p.leftCellId}|${p.rightCellId}`);
            return v ? { ...p, vote: v.outcome, ...(v.note ? { note: v.note } : {}) } : { ...p };
          }),
          voted: this.votes.size,
        }),
      'judge.vote': (input: VoteCall) => {
        this.calls.push(input);
        const fail = this.failNext;
        this.failNext = false;
        const reply = (): Promise<unknown> => {
          if (fail) return Promise.reject(new Error('The database is locked.'));
          this.votes.set(`${input.leftCellId}|${input.rightCellId}`, input);
          return Promise.resolve({ id: 'v', caseIndex: 0, leftColumn: 0, rightColumn: 1, createdAt: '', ...input });
        };
        if (!this.hold) return reply();
        return new Promise((resolve, reject) => this.held.push(() => void reply().then(resolve, reject)));
      },
    } as unknown as Api;
    setBridge({ api, onEvent: () => () => undefined });
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('navigation helpers', () => {
  const pairs = [pair(0, 'left'), pair(1), pair(2, 'tie'), pair(3)];

  it('moves to the next pair after a vote, or the next open one with the filter', () => {
    expect(nextAfterVote(pairs, 0, false)).toBe(1);
    expect(nextAfterVote(pairs, 1, true)).toBe(3);
    // From the last pair, back to an open one earlier on.
    expect(nextAfterVote(pairs, 3, false)).toBe(1);
    expect(nextAfterVote([pair(0, 'left'), pair(1, 'skip')], 1, false)).toBe(2);
  });

  it('steps with Next, never past the end', () => {
    expect(nextIndex(pairs, 0, false)).toBe(1);
    expect(nextIndex(pairs, 1, true)).toBe(3);
    expect(nextIndex(pairs, 3, true)).toBe(4);
    expect(nextIndex(pairs, 4, false)).toBe(4);
  });

  it('starts at the first open pair and counts votes apart from skips', () => {
    expect(firstOpen(pairs)).toBe(1);
    expect(firstOpen([pair(0, 'right')])).toBe(1);
    expect(countPairs([...pairs, pair(4, 'skip')])).toEqual({ total: 5, voted: 2, skipped: 1 });
  });
});

describe('the pairwise session', () => {
  let main: FakeMain;
  beforeEach(async () => {
    useJudge.getState().clear();
    main = new FakeMain([pair(0), pair(1), pair(2)]);
    main.install();
    await useJudge.getState().load('run-1');
  });

  it('shows the next pair at once and saves the vote behind it', async () => {
    main.hold = true;
    useJudge.getState().vote('right');
    // Before main answers: on pair 2 already, pair 1 shows the vote as saving.
    expect(useJudge.getState().index).toBe(1);
    expect(useJudge.getState().pairs[0]?.vote).toBe('right');
    expect(Object.keys(useJudge.getState().saving)).toEqual(['L0|R0']);
    main.held.splice(0).forEach((release) => release());
    await settle();
    expect(useJudge.getState().saving).toEqual({});
    expect(main.calls).toEqual([{ runId: 'run-1', leftCellId: 'L0', rightCellId: 'R0', outcome: 'right' }]);
  });

  it('takes a failed vote back and says so, keeping the person where they are', async () => {
    useJudge.getState().vote('left');
    main.failNext = true;
    useJudge.getState().vote('tie');
    expect(useJudge.getState().index).toBe(2);
    await settle();
    const state = useJudge.getState();
    expect(state.pairs[0]?.vote).toBe('left');
    expect(state.pairs[1]?.vote).toBeUndefined();
    expect(state.voteError).toBe('The vote on pair 2 was not saved: The database is locked.');
    expect(state.index).toBe(2);
    expect(countPairs(state.pairs).voted).toBe(1);
  });

  it('reaches the end after the last vote, and a reload comes back in the same state', async () => {
    for (const outcome of ['left', 'skip', 'both_bad'] as const) useJudge.getState().vote(outcome);
    expect(useJudge.getState().index).toBe(3);
    await settle();
    useJudge.getState().clear();
    await useJudge.getState().load('run-1');
    const state = useJudge.getState();
    expect(state.pairs.map((p) => p.vote)).toEqual(['left', 'skip', 'both_bad']);
    expect(state.index).toBe(3);
  });

  it('goes back with Back (Undo) and lets the vote change', async () => {
    useJudge.getState().vote('left');
    useJudge.getState().vote('left');
    useJudge.getState().back();
    expect(useJudge.getState().index).toBe(1);
    useJudge.getState().vote('right');
    await settle();
    expect(main.votes.get('L1|R1')?.outcome).toBe('right');
    expect(useJudge.getState().index).toBe(2);
  });

  it('sends a note typed before the vote with the vote, and re-sends a voted pair with its new note', async () => {
    useJudge.getState().saveNote('  too long  ');
    expect(main.calls).toHaveLength(0);
    useJudge.getState().vote('right');
    await settle();
    expect(main.calls.at(-1)).toMatchObject({ leftCellId: 'L0', outcome: 'right', note: 'too long' });
    useJudge.getState().back();
    useJudge.getState().saveNote('wrong tone');
    await settle();
    expect(main.calls.at(-1)).toMatchObject({ leftCellId: 'L0', outcome: 'right', note: 'wrong tone' });
    expect(useJudge.getState().pairs[0]?.note).toBe('wrong tone');
  });

  it('"Only unvoted" skips over voted pairs', async () => {
    main.votes.set('L1|R1', { runId: 'run-1', leftCellId: 'L1', rightCellId: 'R1', outcome: 'tie' });
    await useJudge.getState().load('run-1');
    useJudge.getState().setOnlyUnvoted(true);
    expect(useJudge.getState().index).toBe(0);
    useJudge.getState().vote('left');
    expect(useJudge.getState().index).toBe(2);
  });
});
