/**
 * How a person likes answers shown (Markdown, raw or JSON) and whether Judge shows the
 * differences between its two answers. A preference of this browser profile, so it lives in
 * localStorage and not in the database: the CLI has no use for it.
 */
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { ANSWER_MODES, type AnswerMode } from './answer-format';

interface AnswerPrefs {
  mode: AnswerMode;
  /** Judge shows a word diff of its two answers. */
  judgeDiff: boolean;
  setMode(mode: AnswerMode): void;
  setJudgeDiff(on: boolean): void;
}

function isMode(value: unknown): value is AnswerMode {
  return typeof value === 'string' && (ANSWER_MODES as readonly string[]).includes(value);
}

export const useAnswerPrefs = create<AnswerPrefs>()(
  persist(
    (set) => ({
      mode: 'markdown',
      judgeDiff: false,
      setMode: (mode) => set({ mode }),
      setJudgeDiff: (judgeDiff) => set({ judgeDiff }),
    }),
    {
      name: 'parallax.answers',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ mode: state.mode, judgeDiff: state.judgeDiff }),
      // What comes back from storage is checked, not trusted: another version may have written it.
      merge: (stored, current) => {
        const saved = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
        return {
          ...current,
          mode: isMode(saved.mode) ? saved.mode : current.mode,
          judgeDiff: typeof saved.judgeDiff === 'boolean' ? saved.judgeDiff : current.judgeDiff,
        };
      },
    },
  ),
);
