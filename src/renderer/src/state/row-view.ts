/**
 * How the results grid sorts and filters rows. The page never holds every cell of a big run,
 * so main computes the order (runs.rows) and the run store maps display rows to test cases
 * with it. While a run streams the order is asked again every few seconds, not per token.
 */
import { create } from 'zustand';
import { isEmptyFilter, type RowFilter, type RowSort } from '../../../shared/row-view';
import { api } from '../bridge/current';
import { messageOf } from './errors';
import { useRun } from './run';

/** How often a sorted or filtered grid asks for its order again while its run goes on. */
export const REORDER_EVERY_MS = 2000;

interface RowViewState {
  sort: RowSort;
  filter: RowFilter;
  /** The run's checks for every row, named, for the check menus. */
  checks: readonly string[];
  /** Rows that pass the filter, and rows in the run; undefined until asked. */
  shown: number | undefined;
  total: number | undefined;
  error: string | undefined;
  setSort(patch: Partial<RowSort>): void;
  setFilter(patch: Partial<RowFilter>): void;
  /** Back to every row in table order. */
  clear(): void;
}

const DEFAULT_SORT: RowSort = { by: 'case' };

export function isDefaultView(sort: RowSort, filter: RowFilter): boolean {
  return sort.by === 'case' && !sort.descending && isEmptyFilter(filter);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== false && v !== '')) as T;
}

export const useRowView = create<RowViewState>()((set, get) => ({
  sort: DEFAULT_SORT,
  filter: {},
  checks: [],
  shown: undefined,
  total: undefined,
  error: undefined,
  setSort(patch) {
    set({ sort: withoutUndefined({ ...get().sort, ...patch }) });
    void requery();
  },
  setFilter(patch) {
    set({ filter: withoutUndefined({ ...get().filter, ...patch }) });
    void requery();
  },
  clear() {
    set({ sort: DEFAULT_SORT, filter: {} });
    void requery();
  },
}));

let asked = 0;
let inFlight = false;
let again = false;

/** Asks main for the order of the run on screen; one request at a time, the newest view wins. */
export async function requery(): Promise<void> {
  const { runId } = useRun.getState();
  if (!runId) return;
  if (inFlight) {
    again = true;
    return;
  }
  const { sort, filter } = useRowView.getState();
  const plain = isDefaultView(sort, filter);
  const ticket = ++asked;
  inFlight = true;
  try {
    const result = await api()['runs.rows']({ runId, ...(plain ? {} : { sort, filter }) });
    if (ticket !== asked || useRun.getState().runId !== runId) return;
    useRowView.setState({ checks: result.checks, shown: result.rows.length, total: result.total, error: undefined });
    const current = useRowView.getState();
    // The view may have been cleared while main answered: table order needs no list.
    if (isDefaultView(current.sort, current.filter)) useRun.getState().setOrder(undefined);
    else if (!plain) useRun.getState().setOrder(result.rows);
  } catch (error) {
    if (ticket === asked) useRowView.setState({ error: messageOf(error) });
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void requery();
    }
  }
}

let timer: ReturnType<typeof setInterval> | undefined;

/** Keeps the order current: a new run, the end of a run, and every few seconds while one goes on. Call once. */
export function watchRowView(): () => void {
  const unsubscribe = useRun.subscribe((state, previous) => {
    if (state.runId !== previous.runId) {
      useRowView.setState({ checks: [], shown: undefined, total: undefined, error: undefined });
      void requery();
    } else if (state.running !== previous.running && !state.running) {
      void requery();
    }
  });
  timer = setInterval(() => {
    const { running, runId } = useRun.getState();
    const { sort, filter } = useRowView.getState();
    if (runId && running && !isDefaultView(sort, filter)) void requery();
  }, REORDER_EVERY_MS);
  if (useRun.getState().runId) void requery();
  return () => {
    unsubscribe();
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
}
