/**
 * The pairwise judging session: the blind pairs of one run, where the person is, and the
 * votes on their way to main. Votes are optimistic: the next pair comes at once and the vote
 * is saved in the background; a vote that fails to save is taken back and its error shown.
 */
import { create } from 'zustand';
import type { JudgePair, VoteOutcome } from '../../../shared/contract';
import { api } from '../bridge/current';
import { messageOf } from './errors';

/** A pair's identity: its two cells, in the order the server put them on screen. */
export function pairKey(pair: Pick<JudgePair, 'leftCellId' | 'rightCellId'>): string {
  return `${pair.leftCellId}|${pair.rightCellId}`;
}

/** A pair nobody has voted on or skipped yet. */
export function isOpen(pair: JudgePair): boolean {
  return pair.vote === undefined;
}

/**
 * Where to go after a vote on pair `from`: the next pair (the next open one with "Only
 * unvoted"), then any open pair from the start; `pairs.length` (the end) when none is left.
 */
export function nextAfterVote(pairs: readonly JudgePair[], from: number, onlyUnvoted: boolean): number {
  if (!onlyUnvoted && from + 1 < pairs.length) return from + 1;
  for (let i = from + 1; i < pairs.length; i++) if (pairs[i] && isOpen(pairs[i] as JudgePair)) return i;
  for (let i = 0; i <= Math.min(from, pairs.length - 1); i++) if (pairs[i] && isOpen(pairs[i] as JudgePair)) return i;
  return pairs.length;
}

/** Next without voting: one step (or to the next open pair with the filter), never past the end. */
export function nextIndex(pairs: readonly JudgePair[], from: number, onlyUnvoted: boolean): number {
  if (!onlyUnvoted) return Math.min(from + 1, pairs.length);
  for (let i = from + 1; i < pairs.length; i++) if (pairs[i] && isOpen(pairs[i] as JudgePair)) return i;
  return pairs.length;
}

/** The first open pair, or the end when every pair has a vote. */
export function firstOpen(pairs: readonly JudgePair[]): number {
  const at = pairs.findIndex(isOpen);
  return at < 0 ? pairs.length : at;
}

export interface PairCounts {
  total: number;
  /** Pairs with a vote other than skip. */
  voted: number;
  skipped: number;
}

export function countPairs(pairs: readonly JudgePair[]): PairCounts {
  let voted = 0;
  let skipped = 0;
  for (const pair of pairs) {
    if (pair.vote === 'skip') skipped++;
    else if (pair.vote !== undefined) voted++;
  }
  return { total: pairs.length, voted, skipped };
}

/** The two variants a picker entry stands for; undefined means every pair of variants. */
export type ColumnPair = readonly [number, number] | undefined;

interface JudgeState {
  runId: string | undefined;
  columns: ColumnPair;
  pairs: JudgePair[];
  /** The pair on screen; `pairs.length` is the end ("All pairs judged"). */
  index: number;
  /** Pairs visited before, for Back and Undo. */
  trail: number[];
  onlyUnvoted: boolean;
  revealed: boolean;
  loading: boolean;
  loadError: string | undefined;
  /** A vote that could not be saved, shown next to the counter. */
  voteError: string | undefined;
  /** Votes in flight, by pair key. */
  saving: Readonly<Record<string, true>>;
  /** Notes typed for pairs not voted on yet: they go out with the vote. */
  notes: Readonly<Record<string, string>>;
  load(runId: string, columns?: ColumnPair): Promise<void>;
  /** Reads the pairs again (more answers finished), staying on the same pair. */
  refresh(): Promise<void>;
  vote(outcome: VoteOutcome): void;
  /** Keeps a note for the pair on screen; re-sends the vote with it when the pair has one. */
  saveNote(note: string): void;
  next(): void;
  back(): void;
  goTo(index: number): void;
  setOnlyUnvoted(on: boolean): void;
  setRevealed(on: boolean): void;
  clear(): void;
}

const initial = {
  runId: undefined,
  columns: undefined,
  pairs: [] as JudgePair[],
  index: 0,
  trail: [] as number[],
  onlyUnvoted: false,
  revealed: false,
  loading: false,
  loadError: undefined,
  voteError: undefined,
  saving: {},
  notes: {},
} satisfies Partial<JudgeState>;

/** A counter per pair so an older reply never undoes a newer vote on the same pair. */
const attempts = new Map<string, number>();
let loadSeq = 0;

function withPair(pairs: JudgePair[], key: string, change: (pair: JudgePair) => JudgePair): JudgePair[] {
  return pairs.map((p) => (pairKey(p) === key ? change(p) : p));
}

function setVote(pair: JudgePair, vote: VoteOutcome | undefined, note: string | undefined): JudgePair {
  const { vote: _v, note: _n, ...rest } = pair;
  return { ...rest, ...(vote !== undefined ? { vote } : {}), ...(note !== undefined ? { note } : {}) };
}

export const useJudge = create<JudgeState>()((set, get) => {
  /** Sends a vote in the background; on failure puts the pair back as it was. */
  const send = (key: string, outcome: VoteOutcome, note: string | undefined, before: JudgePair): void => {
    const { runId } = get();
    if (!runId) return;
    const seq = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, seq);
    set((s) => ({ saving: { ...s.saving, [key]: true } }));
    const done = (): void =>
      set((s) => {
        const saving = { ...s.saving };
        delete saving[key];
        return { saving };
      });
    const request = api()['judge.vote']({ runId, leftCellId: before.leftCellId, rightCellId: before.rightCellId, outcome, ...(note !== undefined && note !== '' ? { note } : {}) });
    request.then(
        () => {
          if (attempts.get(key) !== seq) return;
          done();
        },
        (error: unknown) => {
          if (attempts.get(key) !== seq || get().runId !== runId) return;
          done();
          const number = get().pairs.findIndex((p) => pairKey(p) === key) + 1;
          set((s) => ({
            pairs: withPair(s.pairs, key, () => before),
            // The note is not lost: it waits for the next vote on this pair.
            notes: note ? { ...s.notes, [key]: note } : s.notes,
            voteError: `The vote on pair ${number} was not saved: ${messageOf(error)}`,
          }));
        },
      );
  };

  return {
    ...initial,
    async load(runId, columns) {
      const seq = ++loadSeq;
      const same = get().runId === runId;
      set({
        ...(same ? {} : initial),
        runId,
        columns,
        loading: true,
        loadError: undefined,
        ...(same ? { revealed: get().revealed, onlyUnvoted: get().onlyUnvoted } : {}),
      });
      try {
        const { pairs } = await api()['judge.pairs']({ runId, ...(columns ? { columns: [columns[0], columns[1]] as [number, number] } : {}) });
        if (seq !== loadSeq) return;
        set({ pairs, index: firstOpen(pairs), trail: [], loading: false, voteError: undefined });
      } catch (error) {
        if (seq !== loadSeq) return;
        set({ pairs: [], index: 0, trail: [], loading: false, loadError: messageOf(error) });
      }
    },
    async refresh() {
      const { runId, columns, pairs: before, index } = get();
      if (!runId) return;
      const seq = ++loadSeq;
      try {
        const { pairs } = await api()['judge.pairs']({ runId, ...(columns ? { columns: [columns[0], columns[1]] as [number, number] } : {}) });
        if (seq !== loadSeq) return;
        const current = before[index];
        const pending = get().saving;
        const votes = new Map(get().pairs.map((p) => [pairKey(p), p]));
        // A vote still in flight is newer than what the server said.
        const merged = pairs.map((p) => (pending[pairKey(p)] ? (votes.get(pairKey(p)) ?? p) : p));
        const at = current ? merged.findIndex((p) => pairKey(p) === pairKey(current)) : -1;
        set({ pairs: merged, index: at >= 0 ? at : index >= before.length ? firstOpen(merged) : Math.min(index, merged.length), trail: [] });
      } catch (error) {
        if (seq !== loadSeq) return;
        set({ loadError: messageOf(error) });
      }
    },
    vote(outcome) {
      const { pairs, index, onlyUnvoted, notes } = get();
      const pair = pairs[index];
      if (!pair) return;
      const key = pairKey(pair);
      const note = notes[key] ?? pair.note;
      const updated = withPair(pairs, key, (p) => setVote(p, outcome, note));
      const rest = { ...notes };
      delete rest[key];
      set((s) => ({ pairs: updated, notes: rest, voteError: undefined, index: nextAfterVote(updated, index, onlyUnvoted), trail: [...s.trail, index] }));
      send(key, outcome, note, pair);
    },
    saveNote(note) {
      const { pairs, index } = get();
      const pair = pairs[index];
      if (!pair) return;
      const key = pairKey(pair);
      const text = note.trim();
      if (pair.vote === undefined) {
        set((s) => ({ notes: { ...s.notes, [key]: text } }));
        return;
      }
      set({ pairs: withPair(pairs, key, (p) => setVote(p, p.vote, text === '' ? undefined : text)) });
      send(key, pair.vote, text, pair);
    },
    next() {
      const { pairs, index, onlyUnvoted } = get();
      if (index >= pairs.length) return;
      set((s) => ({ index: nextIndex(pairs, index, onlyUnvoted), trail: [...s.trail, index] }));
    },
    back() {
      const { trail, index } = get();
      const previous = trail[trail.length - 1];
      if (previous !== undefined) set({ index: previous, trail: trail.slice(0, -1) });
      else if (index > 0) set({ index: index - 1 });
    },
    goTo(to) {
      const { pairs, index } = get();
      if (to < 0 || to > pairs.length || to === index) return;
      set((s) => ({ index: to, trail: [...s.trail, index] }));
    },
    setOnlyUnvoted(on) {
      const { pairs, index } = get();
      const current = pairs[index];
      // Turning the filter on while looking at a voted pair moves on to an open one.
      set({ onlyUnvoted: on, ...(on && current && !isOpen(current) ? { index: nextAfterVote(pairs, index, true) } : {}) });
    },
    setRevealed(on) {
      set({ revealed: on });
    },
    clear() {
      loadSeq++;
      set(initial);
    },
  };
});

/** The pair on screen, if not at the end. */
export function currentPair(state: Pick<JudgeState, 'pairs' | 'index'>): JudgePair | undefined {
  return state.pairs[state.index];
}
