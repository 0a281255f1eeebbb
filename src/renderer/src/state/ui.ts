import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract';

export type View = 'editor' | 'history' | 'settings';

interface UiState {
  view: View;
  info: AppInfo | undefined;
  setView(view: View): void;
}

export const useUi = create<UiState>()((set) => ({
  view: 'editor',
  info: undefined,
  setView: (view) => set({ view }),
}));
