import { create } from 'zustand';
import type { RunSummary } from '../../../shared/schemas';
import { api } from '../bridge/current';
import { messageOf } from './errors';

interface HistoryState {
  runs: RunSummary[];
  total: number;
  loading: boolean;
  error: string | undefined;
  refresh(): Promise<void>;
  loadMore(): Promise<void>;
}

const PAGE = 100;

export const useHistory = create<HistoryState>()((set, get) => ({
  runs: [],
  total: 0,
  loading: false,
  error: undefined,
  async refresh() {
    set({ loading: true, error: undefined });
    try {
      const { runs, total } = await api()['runs.list']({ limit: PAGE, offset: 0 });
      set({ runs, total, loading: false });
    } catch (error) {
      set({ loading: false, error: messageOf(error) });
    }
  },
  async loadMore() {
    set({ loading: true, error: undefined });
    try {
      const { runs, total } = await api()['runs.list']({ limit: PAGE, offset: get().runs.length });
      set((s) => ({ runs: [...s.runs, ...runs], total, loading: false }));
    } catch (error) {
      set({ loading: false, error: messageOf(error) });
    }
  },
}));
