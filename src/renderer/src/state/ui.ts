import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract';

export type View = 'editor' | 'library' | 'history' | 'settings';

interface UiState {
  view: View;
  info: AppInfo | undefined;
  /** One line saying what just happened (saved, exported, imported), shown in the status bar. */
  notice: string | undefined;
  setView(view: View): void;
  notify(message: string | undefined): void;
}

export const useUi = create<UiState>()((set) => ({
  view: 'editor',
  info: undefined,
  notice: undefined,
  setView: (view) => set({ view }),
  notify: (notice) => set({ notice }),
}));
