/**
 * History: a page of runs found by a search and filters (main does the finding), the runs
 * picked to compare, and the comparison on screen.
 */
import { create } from 'zustand';
import type { RunsCompare } from '../../../shared/history';
import type { RunStatus, RunSummary } from '../../../shared/schemas';
import { api } from '../bridge/current';
import { messageOf } from './errors';

export interface HistoryFilters {
  query: string;
  model: string;
  label: string;
  status: RunStatus | '';
  /** Local dates (yyyy-mm-dd) from the date fields; empty: no bound. */
  from: string;
  to: string;
}

export const NO_FILTERS: HistoryFilters = { query: '', model: '', label: '', status: '', from: '', to: '' };

export function hasFilters(filters: HistoryFilters): boolean {
  return Object.values(filters).some((value) => value.trim() !== '');
}

/** A local date's start, as the instant main compares with; `nextDay` gives the end of the day. */
function dayStart(date: string, nextDay = false): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const day = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (nextDay ? 1 : 0));
  return Number.isNaN(day.getTime()) ? undefined : day.toISOString();
}

/** The filters as runs.list takes them. */
export function listInput(filters: HistoryFilters): Record<string, unknown> {
  const from = dayStart(filters.from);
  const to = dayStart(filters.to, true);
  return {
    ...(filters.query.trim() !== '' ? { query: filters.query.slice(0, 500) } : {}),
    ...(filters.model !== '' ? { models: [filters.model] } : {}),
    ...(filters.label !== '' ? { labels: [filters.label] } : {}),
    ...(filters.status !== '' ? { statuses: [filters.status] } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

export type CompareRows = 'changed' | 'all';

interface HistoryState {
  runs: RunSummary[];
  total: number;
  facets: { models: string[]; labels: string[] };
  filters: HistoryFilters;
  loading: boolean;
  error: string | undefined;
  /** Runs ticked to compare (at most two, the latest ticks kept). */
  picked: string[];
  comparison: RunsCompare | undefined;
  compareRows: CompareRows;
  comparing: boolean;
  compareError: string | undefined;
  refresh(): Promise<void>;
  loadMore(): Promise<void>;
  setFilters(patch: Partial<HistoryFilters>): void;
  clearFilters(): void;
  togglePicked(runId: string): void;
  /** Compares the two picked runs, the older as the base. */
  compare(): Promise<void>;
  /** Another page or choice of rows of the comparison on screen. */
  compareRowsPage(rows: CompareRows, offset: number): Promise<void>;
  swapCompared(): Promise<void>;
  closeCompare(): void;
}

export const HISTORY_PAGE = 50;
export const COMPARE_PAGE = 50;
/** Answers that arrive out of order (a slow search overtaken by a later one) are dropped. */
let listSeq = 0;

export const useHistory = create<HistoryState>()((set, get) => {
  const fetchPage = async (offset: number): Promise<void> => {
    const seq = ++listSeq;
    set({ loading: true, error: undefined });
    try {
      const reply = await api()['runs.list']({ limit: HISTORY_PAGE, offset, ...listInput(get().filters) });
      if (seq !== listSeq) return;
      set((s) => ({
        runs: offset === 0 ? reply.runs : [...s.runs, ...reply.runs],
        total: reply.total,
        facets: reply.facets ?? s.facets,
        loading: false,
      }));
    } catch (error) {
      if (seq === listSeq) set({ loading: false, error: messageOf(error) });
    }
  };
  const runCompare = async (baseRunId: string, otherRunId: string, rows: CompareRows, offset: number): Promise<void> => {
    set({ comparing: true, compareError: undefined, compareRows: rows });
    try {
      const comparison = await api()['runs.compare']({ baseRunId, otherRunId, rows, offset, limit: COMPARE_PAGE });
      set({ comparison, comparing: false });
    } catch (error) {
      set({ comparing: false, compareError: messageOf(error) });
    }
  };
  return {
    runs: [],
    total: 0,
    facets: { models: [], labels: [] },
    filters: NO_FILTERS,
    loading: false,
    error: undefined,
    picked: [],
    comparison: undefined,
    compareRows: 'changed',
    comparing: false,
    compareError: undefined,
    refresh: () => fetchPage(0),
    loadMore: () => fetchPage(get().runs.length),
    setFilters(patch) {
      set((s) => ({ filters: { ...s.filters, ...patch } }));
      void fetchPage(0);
    },
    clearFilters() {
      set({ filters: NO_FILTERS });
      void fetchPage(0);
    },
    togglePicked(runId) {
      set((s) => ({ picked: s.picked.includes(runId) ? s.picked.filter((id) => id !== runId) : [...s.picked, runId].slice(-2) }));
    },
    async compare() {
      const { picked, runs } = get();
      if (picked.length !== 2) return;
      const when = (id: string): string => runs.find((r) => r.id === id)?.createdAt ?? '';
      const [base, other] = [...picked].sort((a, b) => when(a).localeCompare(when(b)));
      if (base && other) await runCompare(base, other, 'changed', 0);
    },
    async compareRowsPage(rows, offset) {
      const { comparison } = get();
      if (comparison) await runCompare(comparison.base.id, comparison.other.id, rows, offset);
    },
    async swapCompared() {
      const { comparison, compareRows } = get();
      if (comparison) await runCompare(comparison.other.id, comparison.base.id, compareRows, 0);
    },
    closeCompare() {
      set({ comparison: undefined, compareError: undefined });
    },
  };
});
