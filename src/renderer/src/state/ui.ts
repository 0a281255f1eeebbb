import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract';

export type View = 'editor' | 'library' | 'history' | 'settings';

/** A note stays long enough to be read: 6 s, plus a little per word of a long one, at most 20 s. */
export function noticeMs(message: string): number {
  const words = message.trim().split(/\s+/).length;
  return Math.min(20_000, Math.max(6_000, 2_000 + words * 300));
}

/** How long the fade at the end of a note takes (CSS transition of `.notice.leaving`). */
export const NOTICE_FADE_MS = 600;

interface UiState {
  view: View;
  info: AppInfo | undefined;
  /** One note saying what just happened (saved, exported, imported), shown in the status bar until it fades. */
  notice: string | undefined;
  /** True during the note's last moments, while it fades out. */
  noticeLeaving: boolean;
  setView(view: View): void;
  notify(message: string | undefined): void;
  /** Keeps the note while the pointer or focus is on it; `false` lets it go again. */
  holdNotice(hold: boolean): void;
}

let timers: ReturnType<typeof setTimeout>[] = [];
let held = false;

function clearTimers(): void {
  for (const timer of timers) clearTimeout(timer);
  timers = [];
}

export const useUi = create<UiState>()((set, get) => {
  const schedule = (message: string): void => {
    clearTimers();
    if (held) return;
    const ms = noticeMs(message);
    timers = [
      setTimeout(() => set({ noticeLeaving: true }), ms - NOTICE_FADE_MS),
      setTimeout(() => set({ notice: undefined, noticeLeaving: false }), ms),
    ];
  };
  return {
    view: 'editor',
    info: undefined,
    notice: undefined,
    noticeLeaving: false,
    setView: (view) => set({ view }),
    notify: (notice) => {
      set({ notice, noticeLeaving: false });
      if (notice === undefined) clearTimers();
      else schedule(notice);
    },
    holdNotice: (hold) => {
      held = hold;
      const notice = get().notice;
      if (hold) {
        clearTimers();
        set({ noticeLeaving: false });
      } else if (notice !== undefined) schedule(notice);
    },
  };
});
