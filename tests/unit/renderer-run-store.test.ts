/**
 * The renderer's run store against a fake bridge that keeps a run's cells like main does.
 * Typechecked with the web project (it is renderer code); run by vitest in Node with a
 * stand-in for requestAnimationFrame.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Api, AppEvent, RunRequest } from '../../src/shared/contract';
import type { Cell, Column, RunDetail, TestCase } from '../../src/shared/schemas';
import { setBridge } from '../../src/renderer/src/bridge/current';
import { flushRunEvents, handleRunEvent, slotKey, useRun } from '../../src/renderer/src/state/run';
import { useWorkspace } from '../../src/renderer/src/state/workspace';

globalThis.requestAnimationFrame ??= (callback: FrameRequestCallback): number => setTimeout(() => callback(0), 0) as unknown as number;

const columns: Column[] = [
  { id: 'a', providerId: 'echo', model: 'echo', params: {} },
  { id: 'b', providerId: 'echo', model: 'echo', params: {} },
];

function cases(n: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => ({ id: `case-${i}`, vars: { n: String(i) } }));
}

function cellOf(runId: string, caseIndex: number, columnIndex: number, repeat = 0, patch: Partial<Cell> = {}): Cell {
  return {
    id: `${runId}-${caseIndex}-${columnIndex}-${repeat}`,
    runId,
    caseIndex,
    columnIndex,
    repeat,
    providerId: 'echo',
    providerName: 'Echo',
    model: 'echo',
    params: {},
    variables: { n: String(caseIndex) },
    messages: [{ role: 'user', content: 'hi' }],
    status: 'pending',
    output: '',
    usage: {},
    ...patch,
  };
}

/** A stand-in for main: one run's cells in case-major order, and the calls the UI makes. */
class FakeMain {
  cells: Cell[] = [];
  status: RunDetail['run']['status'] = 'running';
  calls: { method: string; input: unknown }[] = [];
  /** Runs while runs.start is in flight, before it replies. */
  beforeStartReply: (main: FakeMain) => void = () => undefined;

  constructor(
    readonly runId: string,
    readonly testCases: TestCase[],
    readonly repeats = 1,
  ) {
    for (let c = 0; c < testCases.length; c++)
      for (let col = 0; col < columns.length; col++) for (let r = 0; r < repeats; r++) this.cells.push(cellOf(runId, c, col, r));
  }

  progress(): RunDetail['progress'] {
    const count = (s: Cell['status']): number => this.cells.filter((c) => c.status === s).length;
    return {
      total: this.cells.length,
      pending: count('pending'),
      running: count('running'),
      done: count('done'),
      error: count('error'),
      cancelled: count('cancelled'),
      cached: this.cells.filter((c) => c.cached).length,
      costUsd: this.cells.reduce((sum, c) => sum + (c.costUsd ?? 0), 0),
      inputTokens: 0,
      outputTokens: 0,
    };
  }

  /** Changes a cell as main would, and sends the event. */
  update(caseIndex: number, columnIndex: number, patch: Partial<Cell>, repeat = 0): Cell {
    const index = this.cells.findIndex((c) => c.caseIndex === caseIndex && c.columnIndex === columnIndex && c.repeat === repeat);
    const next = { ...this.cells[index], ...patch } as Cell;
    this.cells[index] = next;
    handleRunEvent({ type: 'cell.update', runId: this.runId, cell: next });
    return next;
  }

  detail(): RunDetail {
    return {
      run: {
        id: this.runId,
        createdAt: '2026-01-01T00:00:00.000Z',
        status: this.status,
        source: 'app',
        title: 'hi',
        cellCount: this.cells.length,
        errorCount: 0,
        models: ['echo'],
        caseCount: this.testCases.length,
        repeats: this.repeats,
      },
      messages: [{ role: 'user', content: 'hi' }],
      testCases: this.testCases,
      columns,
      progress: this.progress(),
      cells: this.cells.slice(0, 10),
    };
  }

  install(): void {
    const log = (method: string, input: unknown): void => void this.calls.push({ method, input });
    const api = {
      'runs.start': (request: RunRequest) => {
        log('runs.start', request);
        this.beforeStartReply(this);
        return Promise.resolve({ runId: this.runId, total: this.cells.length });
      },
      'runs.cells': (input: { runId: string; fromCase: number; toCase: number }) => {
        log('runs.cells', input);
        return Promise.resolve({ cells: this.cells.filter((c) => c.caseIndex >= input.fromCase && c.caseIndex < input.toCase).map((c) => ({ ...c })) });
      },
      'runs.rowCells': (input: { runId: string; cases: number[] }) => {
        log('runs.rowCells', input);
        const wanted = new Set(input.cases);
        return Promise.resolve({ cells: this.cells.filter((c) => wanted.has(c.caseIndex)).map((c) => ({ ...c })) });
      },
      'runs.progress': (input: { runId: string }) => {
        log('runs.progress', input);
        return Promise.resolve({ ...this.progress(), status: this.status });
      },
      'runs.get': () => Promise.resolve(this.detail()),
      'runs.rerun': (input: { runId: string; cellIds?: string[]; failed?: boolean }) => {
        log('runs.rerun', input);
        let queued = 0;
        this.cells = this.cells.map((c) => {
          const again = input.failed ? c.status === 'error' : (input.cellIds ?? []).includes(c.id);
          if (!again) return c;
          queued++;
          return { ...c, status: 'pending', output: '' };
        });
        this.status = 'running';
        return Promise.resolve({ queued });
      },
      'workspace.save': () => Promise.resolve({ savedAt: '' }),
    } as unknown as Api;
    setBridge({ api, onEvent: (_listener: (event: AppEvent) => void) => () => undefined });
  }
}

/** Lets fetches resolve and a frame pass. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushRunEvents();
}

beforeEach(() => {
  useRun.setState({ runId: undefined, cells: {}, slots: {}, running: false, error: undefined, selection: {} });
  useWorkspace.getState().load({
    messages: [{ role: 'user', content: 'hi' }],
    testCases: cases(2),
    selectedCase: 0,
    columns,
    repeats: 1,
    useCache: true,
    assertions: [],
  });
});

describe('the run store', () => {
  it('keeps the events of a run that finished before runs.start replied', async () => {
    const main = new FakeMain('run-1', cases(2));
    main.beforeStartReply = (m) => {
      for (let c = 0; c < 2; c++) {
        for (let col = 0; col < 2; col++) {
          m.update(c, col, { status: 'running' });
          handleRunEvent({ type: 'cell.delta', runId: 'run-1', cellId: cellOf('run-1', c, col).id, seq: 0, text: 'Hello' });
          m.update(c, col, { status: 'done', output: 'Hello there', costUsd: 0.5 });
        }
      }
      m.status = 'done';
      handleRunEvent({ type: 'run.finished', runId: 'run-1', status: 'done' });
    };
    main.install();
    await useRun.getState().start();
    await settle();
    const state = useRun.getState();
    expect(state.running).toBe(false);
    expect(state.status).toBe('done');
    expect(state.progress).toMatchObject({ total: 4, done: 4, pending: 0, costUsd: 2 });
    // The grid asks for the rows on screen: the finished cells come from the database.
    state.showRows(0, 1);
    await settle();
    const ids = useRun.getState().slots[slotKey(1, 1)];
    expect(useRun.getState().cells[ids?.[0] ?? '']).toMatchObject({ status: 'done', output: 'Hello there' });
  });

  it('counts progress from status changes of cells on screen and off it, and streams text only into loaded cells', async () => {
    const main = new FakeMain('run-2', cases(200));
    main.install();
    useRun.getState().show(main.detail());
    useRun.getState().showRows(0, 10);
    await settle();
    expect(useRun.getState().progress).toMatchObject({ total: 400, pending: 400, done: 0 });

    const near = main.update(3, 0, { status: 'running' });
    handleRunEvent({ type: 'cell.delta', runId: 'run-2', cellId: near.id, seq: 0, text: 'Hel' });
    handleRunEvent({ type: 'cell.delta', runId: 'run-2', cellId: near.id, seq: 1, text: 'lo' });
    const far = main.update(180, 1, { status: 'running' });
    handleRunEvent({ type: 'cell.delta', runId: 'run-2', cellId: far.id, seq: 0, text: 'off screen' });
    await settle();
    expect(useRun.getState().cells[near.id]).toMatchObject({ status: 'running', output: 'Hello' });
    expect(useRun.getState().cells[far.id]).toBeUndefined();
    expect(useRun.getState().progress).toMatchObject({ pending: 398, running: 2 });

    main.update(3, 0, { status: 'done', output: 'Hello world', costUsd: 0.1 });
    main.update(180, 1, { status: 'error', error: { code: 'rate_limited', message: 'Too many requests.' } });
    // A late "running" update changes neither the cell nor the counts.
    handleRunEvent({ type: 'cell.update', runId: 'run-2', cell: { ...near, status: 'running' } });
    await settle();
    expect(useRun.getState().cells[near.id]).toMatchObject({ status: 'done', output: 'Hello world' });
    expect(useRun.getState().progress).toMatchObject({ pending: 398, running: 0, done: 1, error: 1, costUsd: 0.1 });
  });

  it('holds only the pages near the rows on screen, however far the grid scrolls', async () => {
    const main = new FakeMain('run-3', cases(5000));
    main.install();
    useRun.getState().show(main.detail());
    let most = 0;
    for (let first = 0; first < 5000; first += 40) {
      useRun.getState().showRows(first, first + 12);
      await settle();
      most = Math.max(most, Object.keys(useRun.getState().cells).length);
    }
    const { cells, slots } = useRun.getState();
    // 10 pages of 50 rows × 2 variants at most, whatever the table's size.
    expect(most).toBeLessThanOrEqual(10 * 50 * 2);
    expect(Object.values(cells).every((c) => c.caseIndex >= 4000)).toBe(true);
    expect(Object.keys(slots).length).toBe(Object.keys(cells).length);
    expect(cells[cellOf('run-3', 4990, 1).id]).toBeDefined();
  });

  it('shows a pair a finished run never asked (a config filter skipped it) as an empty slot, not loading', async () => {
    const main = new FakeMain('run-filtered', cases(120));
    // Variant B was asked for even rows only, as a promptfoo config's tests[].providers can say.
    main.cells = main.cells.filter((c) => c.columnIndex === 0 || c.caseIndex % 2 === 0).map((c) => ({ ...c, status: 'done' as const }));
    main.status = 'done';
    main.install();
    useRun.getState().show(main.detail());
    useRun.getState().showRows(0, 10);
    await settle();
    const { slots } = useRun.getState();
    expect(slots[slotKey(1, 1)]).toEqual([]);
    expect(slots[slotKey(2, 1)]).toEqual([cellOf('run-filtered', 2, 1).id]);
    expect(slots[slotKey(1, 0)]).toEqual([cellOf('run-filtered', 1, 0).id]);
    // Rows not loaded yet stay unknown (loading), not "not run".
    expect(slots[slotKey(119, 1)]).toBeUndefined();
  });

  it('reads the final counts from main when a run finishes (cells stopped while waiting send no event)', async () => {
    const main = new FakeMain('run-4', cases(3));
    main.install();
    useRun.getState().show(main.detail());
    main.cells = main.cells.map((c) => ({ ...c, status: 'cancelled' }));
    main.status = 'cancelled';
    handleRunEvent({ type: 'run.finished', runId: 'run-4', status: 'cancelled' });
    await settle();
    expect(useRun.getState()).toMatchObject({ running: false, status: 'cancelled' });
    expect(useRun.getState().progress).toMatchObject({ cancelled: 6, pending: 0 });
  });

  it('re-runs the failed cells: they go back to waiting, and their new answers count again', async () => {
    const main = new FakeMain('run-5', cases(2));
    main.install();
    useRun.getState().show(main.detail());
    useRun.getState().showRows(0, 1);
    await settle();
    const failed = main.update(1, 0, { status: 'error', error: { code: 'network', message: 'Could not connect.' } });
    for (const [c, col] of [[0, 0], [0, 1], [1, 1]] as const) main.update(c, col, { status: 'done', output: 'ok' });
    main.status = 'done';
    handleRunEvent({ type: 'run.finished', runId: 'run-5', status: 'done' });
    await settle();
    expect(useRun.getState().progress).toMatchObject({ done: 3, error: 1 });

    await useRun.getState().rerunFailed();
    expect(main.calls.find((c) => c.method === 'runs.rerun')?.input).toEqual({ runId: 'run-5', failed: true });
    await settle();
    expect(useRun.getState().cells[failed.id]).toMatchObject({ status: 'pending', output: '' });
    expect(useRun.getState()).toMatchObject({ running: true, status: 'running' });
    expect(useRun.getState().progress).toMatchObject({ done: 3, error: 0, pending: 1 });

    main.update(1, 0, { status: 'running' });
    main.update(1, 0, { status: 'done', output: 'now it works' });
    await settle();
    expect(useRun.getState().cells[failed.id]).toMatchObject({ status: 'done', output: 'now it works' });
    expect(useRun.getState().progress).toMatchObject({ done: 4, error: 0, pending: 0 });
  });

  it('re-runs a selection, including rows whose page is not loaded', async () => {
    const main = new FakeMain('run-6', cases(300), 2);
    main.status = 'done';
    main.install();
    useRun.getState().show(main.detail());
    useRun.getState().showRows(0, 5);
    await settle();
    useRun.getState().toggleSelected(2, 1, false);
    useRun.getState().toggleSelected(250, 0, false);
    await useRun.getState().rerunSelected();
    const rerun = main.calls.find((c) => c.method === 'runs.rerun')?.input as { cellIds: string[] };
    expect(new Set(rerun.cellIds)).toEqual(new Set([cellOf('run-6', 2, 1, 0).id, cellOf('run-6', 2, 1, 1).id, cellOf('run-6', 250, 0, 0).id, cellOf('run-6', 250, 0, 1).id]));
    expect(useRun.getState().selection).toEqual({});
  });

  it('selects the rectangle between the anchor and a shift-clicked slot, as the rows are shown', () => {
    const three: Column[] = [...columns, { id: 'c', providerId: 'echo', model: 'echo', params: {} }];
    useRun.setState({ runId: 'rect', columns: three, testCases: cases(6), order: undefined, selection: {}, anchor: undefined });
    // Rows 1–2 × A–B: four slots, not 1C as reading order would add.
    useRun.getState().toggleSelected(0, 0, false);
    useRun.getState().toggleSelected(1, 1, true);
    expect(Object.keys(useRun.getState().selection).sort()).toEqual(['0:0', '0:1', '1:0', '1:1']);
    // Another shift-click from the same anchor replaces the rectangle (it can shrink).
    useRun.getState().toggleSelected(0, 2, true);
    expect(Object.keys(useRun.getState().selection).sort()).toEqual(['0:0', '0:1', '0:2']);
    // Sorted rows: the rectangle runs over the rows as displayed (cases 5, 2, 4), not by case index.
    useRun.setState({ order: [5, 2, 4, 0], selection: {}, anchor: undefined });
    useRun.getState().toggleSelected(5, 1, false);
    useRun.getState().extendSelection(4, 2);
    expect(Object.keys(useRun.getState().selection).sort()).toEqual(['2:1', '2:2', '4:1', '4:2', '5:1', '5:2']);
    expect(useRun.getState().active).toEqual({ caseIndex: 4, columnIndex: 2 });
    // A plain toggle keeps what is selected and starts a new anchor.
    useRun.getState().toggleSelected(0, 0, false);
    useRun.getState().extendSelection(0, 0);
    expect(Object.keys(useRun.getState().selection)).toHaveLength(7);
    useRun.setState({ order: undefined });
  });

  it('fetches the rows shown when they are sorted: only those, by case index', async () => {
    const main = new FakeMain('run-sorted', cases(400));
    main.status = 'done';
    main.install();
    useRun.getState().show(main.detail());
    const order = Array.from({ length: 400 }, (_, i) => 399 - i);
    useRun.getState().setOrder(order);
    useRun.getState().showRows(0, 5);
    await settle();
    const { cells } = useRun.getState();
    // Display rows 0–99 (two pages) are cases 399 down to 300; the first rows of the table are dropped.
    expect(cells[cellOf('run-sorted', 399, 1).id]).toBeDefined();
    expect(cells[cellOf('run-sorted', 300, 0).id]).toBeDefined();
    expect(cells[cellOf('run-sorted', 0, 0).id]).toBeUndefined();
    expect(Object.values(cells).every((c) => c.caseIndex >= 300)).toBe(true);
    // A filter that leaves three rows keeps only theirs.
    useRun.getState().setOrder([7, 390, 12]);
    await settle();
    expect(new Set(Object.values(useRun.getState().cells).map((c) => c.caseIndex))).toEqual(new Set([7, 390, 12]));
    useRun.getState().setOrder(undefined);
  });

  it('ignores events of other runs', async () => {
    const main = new FakeMain('mine', cases(1));
    main.install();
    useRun.getState().show(main.detail());
    useRun.getState().showRows(0, 0);
    await settle();
    const id = cellOf('mine', 0, 0).id;
    handleRunEvent({ type: 'cell.update', runId: 'someone-else', cell: cellOf('mine', 0, 0, 0, { runId: 'someone-else', status: 'done', output: 'not mine' }) });
    await settle();
    expect(useRun.getState().cells[id]?.output).toBe('');
    expect(useRun.getState().progress.done).toBe(0);
  });
});
