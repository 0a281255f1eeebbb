/**
 * The run on screen. A run can have 10,000+ cells, so the store never holds them all: it
 * holds the run's shape (columns, rows, repeats), live progress counters, and the cells of
 * the pages of rows the grid shows, fetched with runs.cells as it scrolls and dropped when
 * they are far off screen. Streamed text and status changes are gathered as they arrive
 * and applied once per animation frame; a grid cell subscribes to its own cells only.
 */
import { create } from 'zustand';
import type { AppEvent } from '../../../shared/contract';
import type { Cell, CellStatus, Column, RunDetail, RunStatus, TestCase } from '../../../shared/schemas';
import { api } from '../bridge/current';
import { messageOf } from './errors';
import { useLibrary } from './library';
import {
  applyCellUpdate,
  applyDeltas,
  countTransition,
  emptyCounts,
  finishedOf,
  isFinal,
  pageOf,
  PAGE_ROWS,
  planRows,
  type Cells,
  type Counts,
} from './stream-reducer';
import { saveDraftNow, snapshot, useWorkspace } from './workspace';
import { rectangle } from './grid-navigation';

export interface OpenOptions {
  /** The run's prompt, rows and variants replace the draft in the editor. */
  intoEditor?: boolean;
}

/** The draft becomes the run's template, table and variants; what a run does not record stays. */
function openInEditor(detail: RunDetail): void {
  const { promptId: _promptId, promptVersionId: _versionId, ...current } = snapshot();
  useWorkspace.getState().replace({
    ...current,
    messages: detail.messages,
    testCases: detail.testCases.length > 0 ? detail.testCases : [{ id: 'case-1', vars: {} }],
    selectedCase: 0,
    columns: detail.columns,
    repeats: detail.run.repeats,
    ...(detail.promptId && detail.promptVersionId ? { promptId: detail.promptId, promptVersionId: detail.promptVersionId } : {}),
  });
  useLibrary.getState().setLinked(undefined);
  if (detail.promptVersionId) void useLibrary.getState().loadLinked();
}

/**
 * Keeps the id of the run on screen in main, and shows that run again after a reload or a
 * restart (Results and Verdict only: the draft is the workspace's). Call once at start.
 */
export async function restoreOpenRun(): Promise<void> {
  useRun.subscribe((state, previous) => {
    if (state.runId !== previous.runId) void api()['runs.setOpened']({ runId: state.runId ?? null }).catch(() => undefined);
  });
  try {
    const { runId } = await api()['runs.opened']({});
    // A run started or opened meanwhile wins.
    if (runId && !useRun.getState().runId) await useRun.getState().open(runId);
  } catch {
    // The run is gone or unreadable: start with none.
  }
}

/** A grid cell: one test case (row) × one variant (column); it holds one cell per repeat. */
export function slotKey(caseIndex: number, columnIndex: number): string {
  return `${caseIndex}:${columnIndex}`;
}

export interface Pace {
  /** When the pace was last measured from, and how many cells were finished then. */
  at: number;
  finished: number;
}

interface RunState {
  runId: string | undefined;
  status: RunStatus | undefined;
  running: boolean;
  columns: readonly Column[];
  testCases: readonly TestCase[];
  repeats: number;
  progress: Counts;
  pace: Pace | undefined;
  /** Cells of the pages of rows on screen (and a few around them), by id. */
  cells: Cells;
  /** Slot ("case:column") → its cells' ids, by repeat. */
  slots: Readonly<Record<string, readonly string[]>>;
  /** Selected slots, for "Re-run selected". */
  selection: Readonly<Record<string, true>>;
  /** The rows shown, as case indexes in display order (sorted, filtered); undefined: all, in table order. */
  order: readonly number[] | undefined;
  /** The grid's active cell (its row by case index, so it stays on its row when rows move). */
  active: { caseIndex: number; columnIndex: number } | undefined;
  /** The slot clicked last, where a shift-click range starts. */
  anchor: string | undefined;
  error: string | undefined;
  /** A re-run or resume that failed, shown beside its buttons. */
  actionError: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  show(detail: RunDetail, options?: OpenOptions): void;
  /**
   * Loads a saved run into Results, Judge and Verdict. The draft stays as it is unless
   * `intoEditor`: then the run's prompt, rows and variants replace it (Undo brings it back).
   */
  open(runId: string, options?: OpenOptions): Promise<void>;
  /** Re-reads the run on screen, after the event stream was interrupted. */
  resync(): Promise<void>;
  /** The grid shows rows first..last: fetch their pages, drop far ones. */
  showRows(first: number, last: number): void;
  toggleSelected(caseIndex: number, columnIndex: number, range: boolean): void;
  /** Selects the rectangle from the anchor (the active cell when none) to this slot, as shift+arrows do. */
  extendSelection(caseIndex: number, columnIndex: number): void;
  setOrder(order: readonly number[] | undefined): void;
  setActive(caseIndex: number, columnIndex: number): void;
  selectFailed(): void;
  clearSelection(): void;
  rerunSelected(): Promise<void>;
  rerunFailed(): Promise<void>;
  resume(): Promise<void>;
}

const initial = {
  runId: undefined,
  status: undefined,
  running: false,
  columns: [],
  testCases: [],
  repeats: 1,
  progress: emptyCounts(),
  pace: undefined,
  cells: {},
  slots: {},
  selection: {},
  anchor: undefined,
  order: undefined,
  active: undefined,
  error: undefined,
  actionError: undefined,
} satisfies Partial<RunState>;

/** How often the counters are checked against the database while a run goes on. */
const PROGRESS_EVERY_MS = 3000;

export const useRun = create<RunState>()((set, get) => ({
  ...initial,
  async start() {
    if (get().running || startInFlight) return;
    const { messages, testCases, columns, promptId, repeats, useCache, assertions, judge, tools, toolChoice } = snapshot();
    if (columns.length === 0) {
      set({ error: 'Add a variant first (in Variants): a variant is a provider and a model to run the prompt on.' });
      return;
    }
    set({ error: undefined, actionError: undefined });
    // The draft is what was run: keep it even if the app stops right after.
    void saveDraftNow();
    startInFlight = true;
    try {
      const reply = await api()['runs.start']({
        messages,
        testCases,
        columns,
        repeats,
        useCache,
        assertions,
        ...(judge ? { judge } : {}),
        ...(promptId ? { promptId } : {}),
        ...(tools ? { tools } : {}),
        ...(toolChoice !== undefined ? { toolChoice } : {}),
      }).finally(() => {
        startInFlight = false;
      });
      reset();
      counts = emptyCounts(reply.total);
      set({
        ...initial,
        runId: reply.runId,
        status: 'running',
        running: true,
        columns,
        testCases,
        repeats,
        progress: counts,
        pace: { at: now(), finished: 0 },
      });
      watchProgress();
      // A run of a changed library prompt makes a version: the draft follows it.
      if (reply.promptVersionId) {
        useWorkspace.setState({ promptVersionId: reply.promptVersionId });
        void useLibrary.getState().loadLinked();
      }
      // Events that raced ahead of the reply (a fast provider can finish first) apply now.
      for (const event of earlyEvents.splice(0)) handleRunEvent(event);
    } catch (error) {
      earlyEvents.length = 0;
      set({ error: messageOf(error) });
    }
  },
  async stop() {
    const { runId } = get();
    if (!runId) return;
    try {
      const { stopped } = await api()['runs.stop']({ runId });
      // Nothing in flight here (a run another process owns, or one already over): stop waiting.
      if (stopped === 0) {
        set({ running: false });
        void refreshProgress(runId);
      }
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async resync() {
    const { runId } = get();
    if (!runId) return;
    await refreshProgress(runId);
    refetchLoadedPages(runId);
  },
  async open(runId, options) {
    get().show(await api()['runs.get']({ runId }), options);
  },
  show(detail, options) {
    reset();
    const { run, columns, testCases, progress } = detail;
    counts = { ...progress };
    const cells: Record<string, Cell> = {};
    const slots: Record<string, string[]> = {};
    // The first page of cells, case-major: every row before the last one it reaches is complete.
    const complete = detail.cells.length >= progress.total ? testCases.length : Math.max(0, ...detail.cells.map((c) => c.caseIndex));
    const fullPages = complete >= testCases.length ? pageOf(Math.max(0, testCases.length - 1)) + 1 : Math.floor(complete / PAGE_ROWS);
    for (const cell of detail.cells) {
      if (pageOf(cell.caseIndex) >= fullPages) continue;
      place(cells, slots, cell);
    }
    for (let k = 0; k < Math.min(testCases.length, fullPages * PAGE_ROWS); k++) loadedCases.add(k);
    if (options?.intoEditor) openInEditor(detail);
    set({
      ...initial,
      runId: run.id,
      status: run.status,
      running: run.status === 'running',
      columns,
      testCases,
      repeats: run.repeats,
      progress: counts,
      pace: { at: now(), finished: finishedOf(counts) },
      cells,
      slots,
    });
    if (run.status === 'running') watchProgress();
  },
  showRows(first, last) {
    const { runId } = get();
    if (!runId) return;
    visibleRows = { first, last };
    const { load, evict } = planRows(first, last, rowCount(), caseAtRow, displayRowOf, [...loadedCases, ...loadingCases]);
    if (evict.length > 0) dropCases(evict);
    if (load.length > 0) void loadCases(runId, load);
  },
  setOrder(order) {
    set({ order });
    get().showRows(visibleRows.first, visibleRows.last);
  },
  setActive(caseIndex, columnIndex) {
    const { active } = get();
    if (active?.caseIndex !== caseIndex || active.columnIndex !== columnIndex) set({ active: { caseIndex, columnIndex } });
  },
  toggleSelected(caseIndex, columnIndex, range) {
    const key = slotKey(caseIndex, columnIndex);
    const { anchor, selection } = get();
    const next: Record<string, true> = { ...selection };
    if (range && anchor) {
      get().extendSelection(caseIndex, columnIndex);
      return;
    }
    if (next[key]) delete next[key];
    else next[key] = true;
    rangeBase = next;
    set({ selection: next, anchor: key, active: { caseIndex, columnIndex } });
  },
  extendSelection(caseIndex, columnIndex) {
    const { anchor, active, selection } = get();
    const from = anchor ?? (active ? slotKey(active.caseIndex, active.columnIndex) : undefined);
    if (from === undefined) return get().toggleSelected(caseIndex, columnIndex, false);
    if (anchor === undefined) rangeBase = selection;
    // A rectangle on screen (rows as sorted and filtered) from the anchor to this slot.
    const [aCase = 0, aColumn = 0] = from.split(':').map(Number);
    const aRow = displayRowOf(aCase);
    const bRow = displayRowOf(caseIndex);
    const next: Record<string, true> = { ...rangeBase };
    if (aRow !== undefined && bRow !== undefined) {
      for (const slot of rectangle({ row: aRow, col: aColumn }, { row: bRow, col: columnIndex }, caseAtRow)) next[slotKey(slot.caseIndex, slot.columnIndex)] = true;
    }
    set({ selection: next, anchor: from, active: { caseIndex, columnIndex } });
  },
  selectFailed() {
    const { cells } = get();
    const next: Record<string, true> = {};
    for (const cell of Object.values(cells)) if (cell.status === 'error' || cell.status === 'cancelled') next[slotKey(cell.caseIndex, cell.columnIndex)] = true;
    set({ selection: next });
  },
  clearSelection() {
    rangeBase = {};
    set({ selection: {}, anchor: undefined });
  },
  async rerunSelected() {
    const { runId, selection } = get();
    if (!runId) return;
    const keys = Object.keys(selection);
    if (keys.length === 0) return;
    set({ actionError: undefined });
    try {
      const cellIds = await idsOfSlots(runId, keys);
      restartLocally((cell) => cellIds.has(cell.id));
      await api()['runs.rerun']({ runId, cellIds: [...cellIds] });
      set({ selection: {}, anchor: undefined });
      afterRestart(runId);
    } catch (error) {
      set({ actionError: messageOf(error) });
      void refreshProgress(runId);
    }
  },
  async rerunFailed() {
    const { runId } = get();
    if (!runId) return;
    set({ actionError: undefined });
    try {
      restartLocally((cell) => cell.status === 'error' || cell.status === 'cancelled');
      await api()['runs.rerun']({ runId, failed: true });
      afterRestart(runId);
    } catch (error) {
      set({ actionError: messageOf(error) });
      void refreshProgress(runId);
    }
  },
  async resume() {
    const { runId } = get();
    if (!runId) return;
    set({ actionError: undefined });
    try {
      // What a crash left: cells marked "interrupted" (and any still waiting).
      restartLocally((cell) => cell.error?.code === 'interrupted');
      await api()['runs.resume']({ runId });
      afterRestart(runId);
    } catch (error) {
      set({ actionError: messageOf(error) });
      void refreshProgress(runId);
    }
  },
}));

// ---------------------------------------------------------------------------------------
// Module state: plain structures the events update without re-rendering anything.

/** The last status seen of every cell of the run, loaded or not: how counters move. */
const statusById = new Map<string, CellStatus>();
/** The counters as events move them; published to the store once per frame. */
let counts: Counts = emptyCounts();
/** Rows (case indexes) whose cells are in the store, and rows being fetched. */
const loadedCases = new Set<number>();
const loadingCases = new Set<number>();
/** Display rows on screen. */
let visibleRows = { first: 0, last: 0 };
/** The selection when the anchor was set: a shift-range is added to it, so it can grow and shrink. */
let rangeBase: Readonly<Record<string, true>> = {};
/** Display row of each case of the current order. */
let positions: { order: readonly number[]; rows: Map<number, number> } | undefined;

function rowCount(): number {
  const { order, testCases } = useRun.getState();
  return order ? order.length : testCases.length;
}

/** The test case shown on display row `row`. */
export function caseAtRow(row: number): number | undefined {
  const { order, testCases } = useRun.getState();
  if (order) return order[row];
  return row >= 0 && row < testCases.length ? row : undefined;
}

/** The display row of a test case, or undefined when a filter hides it. */
export function displayRowOf(caseIndex: number): number | undefined {
  const { order, testCases } = useRun.getState();
  if (!order) return caseIndex >= 0 && caseIndex < testCases.length ? caseIndex : undefined;
  if (positions?.order !== order) positions = { order, rows: new Map(order.map((k, i) => [k, i])) };
  return positions.rows.get(caseIndex);
}
/** Status changes of cells whose page is being fetched: applied over the page when it arrives. */
const heldUpdates = new Map<string, Cell>();
const pendingText = new Map<string, string>();
const pendingUpdates = new Map<string, Cell>();
let countsDirty = false;
let frame: number | undefined;
let progressTimer: ReturnType<typeof setInterval> | undefined;
/** While runs.start is in flight its events can arrive before its reply; they wait here. */
let startInFlight = false;
const earlyEvents: AppEvent[] = [];

function now(): number {
  return typeof performance === 'undefined' ? Date.now() : performance.now();
}

function reset(): void {
  statusById.clear();
  loadedCases.clear();
  loadingCases.clear();
  rangeBase = {};
  heldUpdates.clear();
  pendingText.clear();
  pendingUpdates.clear();
  countsDirty = false;
  stopWatching();
}

function place(cells: Record<string, Cell>, slots: Record<string, string[]>, cell: Cell): void {
  cells[cell.id] = cell;
  const key = slotKey(cell.caseIndex, cell.columnIndex);
  const ids = (slots[key] ??= []);
  ids[cell.repeat] = cell.id;
  if (!statusById.has(cell.id)) statusById.set(cell.id, cell.status);
}

/** Fetches the cells of these rows (case indexes), a thousand rows a request at most. */
async function loadCases(runId: string, cases: readonly number[]): Promise<void> {
  for (let i = 0; i < cases.length; i += 1000) {
    const batch = cases.slice(i, i + 1000);
    for (const k of batch) loadingCases.add(k);
    try {
      const { cells } = await api()['runs.rowCells']({ runId, cases: [...batch] });
      if (useRun.getState().runId !== runId) return;
      const arrived = batch.filter((k) => loadingCases.delete(k));
      // Scrolled far away (or filtered out) meanwhile: keep only the rows still wanted.
      const { evict } = planRows(visibleRows.first, visibleRows.last, rowCount(), caseAtRow, displayRowOf, arrived);
      const dropped = new Set(evict);
      const kept = new Set(arrived.filter((k) => !dropped.has(k)));
      for (const k of kept) loadedCases.add(k);
      useRun.setState((s) => {
        let nextCells: Record<string, Cell> = { ...s.cells };
        const nextSlots: Record<string, string[]> = { ...(s.slots as Record<string, string[]>) };
        for (const cell of cells) {
          if (!kept.has(cell.caseIndex)) continue;
          const key = slotKey(cell.caseIndex, cell.columnIndex);
          nextSlots[key] = [...(nextSlots[key] ?? [])];
          place(nextCells, nextSlots, cell);
        }
        // A pair a finished run never asked (a promptfoo config's tests[].prompts or providers
        // filter skipped it): an empty slot, shown as not run rather than loading for ever. While
        // a run goes on its cells may still be being planned, so a missing one is only loading.
        if (s.status !== 'running') for (const k of kept) for (let c = 0; c < s.columns.length; c++) nextSlots[slotKey(k, c)] ??= [];
        for (const cell of cells) {
          const held = heldUpdates.get(cell.id);
          if (!held) continue;
          heldUpdates.delete(cell.id);
          if (kept.has(cell.caseIndex)) nextCells = applyCellUpdate(nextCells, held) as Record<string, Cell>;
        }
        return { cells: nextCells, slots: nextSlots };
      });
    } catch {
      for (const k of batch) loadingCases.delete(k);
      // The grid asks again when it next scrolls; a run that is gone shows what it had.
    }
  }
}

function dropCases(cases: readonly number[]): void {
  const drop = new Set(cases);
  for (const k of cases) {
    loadedCases.delete(k);
    loadingCases.delete(k);
  }
  useRun.setState((s) => {
    const cells: Record<string, Cell> = {};
    for (const [id, cell] of Object.entries(s.cells)) if (!drop.has(cell.caseIndex)) cells[id] = cell;
    const slots: Record<string, readonly string[]> = {};
    for (const [key, ids] of Object.entries(s.slots)) if (!drop.has(Number(key.split(':')[0]))) slots[key] = ids;
    return { cells, slots };
  });
  for (const [id, cell] of heldUpdates) if (drop.has(cell.caseIndex)) heldUpdates.delete(id);
}

/** Fetches every row on screen again (after the event stream dropped, or a run started over). */
function refetchLoadedPages(runId: string): void {
  const cases = [...loadedCases];
  loadedCases.clear();
  if (cases.length > 0) void loadCases(runId, cases);
}

async function refreshProgress(runId: string): Promise<void> {
  try {
    const { status, ...progress } = await api()['runs.progress']({ runId });
    if (useRun.getState().runId !== runId) return;
    counts = progress;
    countsDirty = false;
    const running = status === 'running';
    useRun.setState({ progress: counts, status, running });
    if (!running) stopWatching();
  } catch {
    // The run is gone; what is on screen stays.
  }
}

function watchProgress(): void {
  stopWatching();
  progressTimer = setInterval(() => {
    const { runId, running } = useRun.getState();
    if (runId && running) void refreshProgress(runId);
    else stopWatching();
  }, PROGRESS_EVERY_MS);
}

function stopWatching(): void {
  if (progressTimer !== undefined) clearInterval(progressTimer);
  progressTimer = undefined;
}

/** Puts the loaded cells a re-run or resume will ask again back to "pending" before it starts. */
function restartLocally(matches: (cell: Cell) => boolean): void {
  useRun.setState((s) => {
    let changed = false;
    const cells: Record<string, Cell> = { ...s.cells };
    for (const cell of Object.values(s.cells)) {
      if (!isFinal(cell.status) || !matches(cell)) continue;
      const { error: _error, ttftMs: _ttft, totalMs: _total, costUsd: _cost, cached: _cached, finishReason: _finish, ...rest } = cell;
      cells[cell.id] = { ...rest, status: 'pending', output: '', usage: {} };
      statusById.set(cell.id, 'pending');
      changed = true;
    }
    return changed ? { cells } : s;
  });
}

function afterRestart(runId: string): void {
  // Cells of pages not on screen that went back to "pending" are unknown here: forget them all.
  statusById.clear();
  for (const cell of Object.values(useRun.getState().cells)) statusById.set(cell.id, cell.status);
  useRun.setState({ status: 'running', running: true, pace: { at: now(), finished: finishedOf(counts) } });
  watchProgress();
  // The cells on screen as main reopened them (a selection may cover rows not loaded, or fewer).
  refetchLoadedPages(runId);
  void refreshProgress(runId).then(() => {
    useRun.setState((s) => ({ pace: { at: now(), finished: finishedOf(s.progress) } }));
  });
}

/** The cell ids of the slots named, reading pages that are not loaded from the database. */
async function idsOfSlots(runId: string, keys: readonly string[]): Promise<Set<string>> {
  const wanted = new Set(keys);
  const ids = new Set<string>();
  const { slots } = useRun.getState();
  const missingCases = new Set<number>();
  for (const key of keys) {
    const known = slots[key];
    if (known) for (const id of known) ids.add(id);
    else missingCases.add(Number(key.split(':')[0]));
  }
  const cases = [...missingCases].sort((a, b) => a - b);
  while (cases.length > 0) {
    const fromCase = cases[0] ?? 0;
    const toCase = fromCase + 1000;
    const { cells } = await api()['runs.cells']({ runId, fromCase, toCase });
    for (const cell of cells) if (wanted.has(slotKey(cell.caseIndex, cell.columnIndex))) ids.add(cell.id);
    while (cases.length > 0 && (cases[0] ?? 0) < toCase) cases.shift();
  }
  return ids;
}

/** Applies what arrived since the last frame: streamed text, status changes, counters. */
export function flushRunEvents(): void {
  frame = undefined;
  if (pendingText.size === 0 && pendingUpdates.size === 0 && !countsDirty) return;
  const text = new Map(pendingText);
  const updates = [...pendingUpdates.values()];
  pendingText.clear();
  pendingUpdates.clear();
  const publishCounts = countsDirty;
  countsDirty = false;
  useRun.setState((s) => {
    let cells = s.cells;
    for (const update of updates) cells = applyCellUpdate(cells, update);
    cells = applyDeltas(cells, text);
    return publishCounts ? { cells, progress: counts } : { cells };
  });
}

function schedule(): void {
  frame ??= requestAnimationFrame(flushRunEvents);
}

/** Feeds main's events for the run on screen into the store. */
export function handleRunEvent(event: AppEvent): void {
  const { runId } = useRun.getState();
  if (event.runId !== runId) {
    if (startInFlight) earlyEvents.push(event);
    return;
  }
  switch (event.type) {
    case 'cell.delta':
      // Only cells on screen stream; the others get their full text in their final update.
      if (useRun.getState().cells[event.cellId] === undefined && !pendingUpdates.has(event.cellId)) return;
      pendingText.set(event.cellId, (pendingText.get(event.cellId) ?? '') + event.text);
      schedule();
      break;
    case 'cell.update': {
      const { cell } = event;
      const previous = statusById.get(cell.id) ?? 'pending';
      const next = countTransition(counts, previous, cell);
      if (next !== counts) {
        counts = next;
        countsDirty = true;
      }
      if (!(isFinal(previous) && cell.status === 'running')) statusById.set(cell.id, cell.status);
      if (loadedCases.has(cell.caseIndex)) {
        if (isFinal(cell.status)) pendingText.delete(cell.id);
        // A final update wins over a "running" one that arrives in the same frame.
        const waiting = pendingUpdates.get(cell.id);
        if (!(waiting && isFinal(waiting.status) && cell.status === 'running')) pendingUpdates.set(cell.id, cell);
      } else if (loadingCases.has(cell.caseIndex)) {
        const held = heldUpdates.get(cell.id);
        if (!(held && isFinal(held.status) && cell.status === 'running')) heldUpdates.set(cell.id, cell);
      }
      schedule();
      break;
    }
    case 'run.finished':
      flushRunEvents();
      stopWatching();
      useRun.setState({ running: false, status: event.status });
      // Cells cancelled while they waited get no event of their own: read the final state.
      void refreshProgress(event.runId);
      refetchLoadedPages(event.runId);
      break;
    case 'run.resumed':
      if (!useRun.getState().running) afterRestart(event.runId);
      break;
  }
}
