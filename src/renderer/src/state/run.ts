/**
 * The run on screen: its cells, streaming. Deltas are gathered as they arrive and applied
 * once per animation frame, and each column subscribes to its own cell only, so a token
 * re-renders one cell, not the page.
 */
import { create } from 'zustand';
import type { AppEvent } from '../../../shared/contract';
import type { Cell, RunDetail } from '../../../shared/schemas';
import { api } from '../bridge/current';
import { messageOf } from './errors';
import { useLibrary } from './library';
import { applyCellUpdate, applyDeltas, type Cells } from './stream-reducer';
import { saveDraftNow, snapshot, useWorkspace } from './workspace';

interface RunState {
  runId: string | undefined;
  /** Column id → the id of that column's cell in the run on screen. */
  cellByColumn: Record<string, string>;
  cells: Cells;
  running: boolean;
  error: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  show(detail: RunDetail): void;
  /** Loads a saved run into the editor and grid. */
  open(runId: string): Promise<void>;
  /** Re-reads the run on screen, after the event stream was interrupted. */
  resync(): Promise<void>;
}

export const useRun = create<RunState>()((set, get) => ({
  runId: undefined,
  cellByColumn: {},
  cells: {},
  running: false,
  error: undefined,
  async start() {
    if (get().running) return;
    const { messages, variables, columns, promptId } = snapshot();
    if (columns.length === 0) {
      set({ error: 'Add a column first: a column is a provider and a model to run the prompt on.' });
      return;
    }
    pendingText.clear();
    set({ running: true, error: undefined });
    // The draft is what was run: keep it even if the app stops right after.
    void saveDraftNow();
    try {
      startInFlight = true;
      const { runId, cells, promptVersionId } = await api()['runs.start']({ messages, variables, columns, ...(promptId ? { promptId } : {}) }).finally(() => {
        startInFlight = false;
      });

      const cellByColumn: Record<string, string> = {};
      const byId: Record<string, Cell> = {};
      for (const cell of cells) {
        const column = columns[cell.columnIndex];
        if (column) cellByColumn[column.id] = cell.id;
        byId[cell.id] = cell;
      }
      set({ runId, cellByColumn, cells: byId });
      // A run of a changed library prompt makes a version: the draft follows it.
      if (promptVersionId) {
        useWorkspace.setState({ promptVersionId });
        void useLibrary.getState().loadLinked();
      }
      // Events that raced ahead of the reply (a fast provider can finish first) apply now.
      const early = earlyEvents.splice(0);
      for (const event of early) handleRunEvent(event);
    } catch (error) {
      earlyEvents.length = 0;
      set({ running: false, error: messageOf(error) });
    }
  },
  async stop() {
    const { runId } = get();
    if (!runId) return;
    try {
      const { stopped } = await api()['runs.stop']({ runId });
      // Nothing in flight here (a run another process owns, or one already over): stop waiting.
      if (stopped === 0) set({ running: false });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async resync() {
    const { runId } = get();
    if (!runId) return;
    try {
      const detail = await api()['runs.get']({ runId });
      if (get().runId !== runId) return;
      pendingText.clear();
      set({ cells: Object.fromEntries(detail.cells.map((c) => [c.id, c])), running: detail.run.status === 'running' });
    } catch {
      // The run is gone; what is on screen stays.
    }
  },
  async open(runId) {
    get().show(await api()['runs.get']({ runId }));
  },
  show(detail) {
    pendingText.clear();
    const cellByColumn: Record<string, string> = {};
    const cells: Record<string, Cell> = {};
    for (const cell of detail.cells) {
      const column = detail.columns[cell.columnIndex];
      if (column && cellByColumn[column.id] === undefined) cellByColumn[column.id] = cell.id;
      cells[cell.id] = cell;
    }
    useWorkspace.getState().replace({
      messages: detail.messages,
      variables: detail.variables,
      columns: detail.columns,
      ...(detail.promptId && detail.promptVersionId ? { promptId: detail.promptId, promptVersionId: detail.promptVersionId } : {}),
    });
    useLibrary.getState().setLinked(undefined);
    if (detail.promptVersionId) void useLibrary.getState().loadLinked();
    set({ runId: detail.run.id, cellByColumn, cells, running: detail.run.status === 'running', error: undefined });
  },
}));

const pendingText = new Map<string, string>();
/** While runs.start is in flight its events can arrive before its reply; they wait here. */
let startInFlight = false;
const earlyEvents: AppEvent[] = [];
let frame: number | undefined;

function applyPending(): void {
  frame = undefined;
  if (pendingText.size === 0) return;
  const updates = new Map(pendingText);
  pendingText.clear();
  useRun.setState((s) => ({ cells: applyDeltas(s.cells, updates) }));
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
      pendingText.set(event.cellId, (pendingText.get(event.cellId) ?? '') + event.text);
      frame ??= requestAnimationFrame(applyPending);
      break;
    case 'cell.update': {
      const final = event.cell.status !== 'running' && event.cell.status !== 'pending';
      if (final) pendingText.delete(event.cell.id);
      useRun.setState((s) => ({ cells: applyCellUpdate(s.cells, event.cell) }));
      break;
    }
    case 'run.finished':
      applyPending();
      useRun.setState({ running: false });
      break;
  }
}
