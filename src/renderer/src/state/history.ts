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
}

export const useHistory = create<HistoryState>()((set) => ({
  runs: [],
  total: 0,
  loading: false,
  error: undefined,
  async refresh() {
    set({ loading: true, error: undefined });
    try {
      const { runs, total } = await api()['runs.list']({ limit: 200, offset: 0 });
      set({ runs, total, loading: false });
    } catch (error) {
      set({ loading: false, error: messageOf(error) });
    }
  },
}));
