/**
 * A ballot someone else sent (src/shared/judging/ballot.ts), open for voting here: its pairs,
 * where the rater is, and their votes. Votes are kept in localStorage by the ballot's token, so
 * closing the window loses nothing; "Export votes" writes them as a votes file.
 */
import { create } from 'zustand';
import type { VoteOutcome } from '../../../shared/contract';
import type { Ballot, BallotVote } from '../../../shared/judging/ballot';

const STORAGE_PREFIX = 'parallax-ballot-votes:';

function savedVotes(token: string): Record<string, BallotVote> {
  try {
    const raw = localStorage.getItem(`${STORAGE_PREFIX}${token}`);
    if (!raw) return {};
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: Record<string, BallotVote> = {};
    for (const [id, v] of Object.entries(parsed as Record<string, unknown>)) {
      const outcome = (v as { outcome?: unknown } | null)?.outcome;
      if (typeof outcome === 'string' && ['left', 'right', 'tie', 'both_bad', 'skip'].includes(outcome)) out[id] = { pair: id, outcome: outcome as VoteOutcome };
    }
    return out;
  } catch {
    return {};
  }
}

interface BallotState {
  ballot: Ballot | undefined;
  fileName: string;
  index: number;
  votes: Record<string, BallotVote>;
  open(ballot: Ballot, fileName: string): void;
  vote(outcome: VoteOutcome): void;
  goTo(index: number): void;
  close(): void;
}

export const useBallot = create<BallotState>()((set, get) => ({
  ballot: undefined,
  fileName: '',
  index: 0,
  votes: {},
  open(ballot, fileName) {
    const votes = savedVotes(ballot.ballot);
    const first = ballot.pairs.findIndex((p) => votes[p.id] === undefined);
    set({ ballot, fileName, votes, index: first < 0 ? ballot.pairs.length : first });
  },
  vote(outcome) {
    const { ballot, index, votes } = get();
    const pair = ballot?.pairs[index];
    if (!ballot || !pair) return;
    const next = { ...votes, [pair.id]: { pair: pair.id, outcome } };
    try {
      localStorage.setItem(`${STORAGE_PREFIX}${ballot.ballot}`, JSON.stringify(next));
    } catch {
      // Storage full or off: the votes stay in memory until exported.
    }
    set({ votes: next, index: Math.min(index + 1, ballot.pairs.length) });
  },
  goTo(index) {
    const { ballot } = get();
    if (ballot && index >= 0 && index <= ballot.pairs.length) set({ index });
  },
  close() {
    set({ ballot: undefined, fileName: '', votes: {}, index: 0 });
  },
}));
