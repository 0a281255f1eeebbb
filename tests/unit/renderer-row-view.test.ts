/**
 * The grid's sort and filter state against a fake bridge: a view asks main for the order and the
 * run store shows it; while a run streams the order is asked again every few seconds (not per
 * event), once more when it ends, and clearing goes back to table order without a list.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api, AppEvent } from '../../src/shared/contract';
import type { RowFilter, RowSort } from '../../src/shared/row-view';
import { setBridge } from '../../src/renderer/src/bridge/current';
import { useRun } from '../../src/renderer/src/state/run';
import { REORDER_EVERY_MS, useRowView, watchRowView } from '../../src/renderer/src/state/row-view';

const asked: { sort?: RowSort; filter?: RowFilter }[] = [];
let answer = [2, 0, 1];

function install(): void {
  const api = {
    'runs.rows': (input: { runId: string; sort?: RowSort; filter?: RowFilter }) => {
      asked.push({ ...(input.sort ? { sort: input.sort } : {}), ...(input.filter ? { filter: input.filter } : {}) });
      return Promise.resolve({ rows: answer, total: 3, checks: ['contains "x"'] });
    },
    'runs.rowCells': () => Promise.resolve({ cells: [] }),
  } as unknown as Api;
  setBridge({ api, onEvent: (_listener: (event: AppEvent) => void) => () => undefined });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let stop: () => void = () => undefined;
beforeEach(() => {
  vi.useFakeTimers();
  asked.length = 0;
  answer = [2, 0, 1];
  install();
  useRowView.setState({ sort: { by: 'case' }, filter: {} });
  useRun.setState({ runId: undefined, running: false, order: undefined, testCases: [{ id: 'a', vars: {} }, { id: 'b', vars: {} }, { id: 'c', vars: {} }] });
  stop = watchRowView();
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

describe('the grid’s row view', () => {
  it('asks for the checks of a new run, and for the order once sorted; clearing needs no list', async () => {
    useRun.setState({ runId: 'r1', running: false });
    await settle();
    expect(asked).toEqual([{}]);
    expect(useRowView.getState().checks).toEqual(['contains "x"']);
    expect(useRun.getState().order).toBeUndefined();

    useRowView.getState().setSort({ by: 'latency', column: 1, descending: true });
    await settle();
    expect(asked.at(-1)).toEqual({ sort: { by: 'latency', column: 1, descending: true }, filter: {} });
    expect(useRun.getState().order).toEqual([2, 0, 1]);
    expect(useRowView.getState().shown).toBe(3);

    // Empty values leave the filter, so a box typed empty filters nothing.
    useRowView.getState().setFilter({ text: '', failed: false, column: undefined });
    expect(useRowView.getState().filter).toEqual({});

    useRowView.getState().clear();
    await settle();
    expect(useRun.getState().order).toBeUndefined();
  });

  it('asks again every few seconds while the run streams, and once when it ends', async () => {
    useRun.setState({ runId: 'r2', running: true });
    await settle();
    useRowView.getState().setFilter({ failed: true });
    await settle();
    const before = asked.length;
    await vi.advanceTimersByTimeAsync(REORDER_EVERY_MS * 3 + 10);
    expect(asked.length - before).toBe(3);
    answer = [1];
    useRun.setState({ running: false });
    await settle();
    expect(useRun.getState().order).toEqual([1]);
    const after = asked.length;
    await vi.advanceTimersByTimeAsync(REORDER_EVERY_MS * 3);
    // A finished run's order does not change by itself.
    expect(asked.length).toBe(after);
  });

  it('does not poll a run in table order', async () => {
    useRun.setState({ runId: 'r3', running: true });
    await settle();
    const before = asked.length;
    await vi.advanceTimersByTimeAsync(REORDER_EVERY_MS * 4);
    expect(asked.length).toBe(before);
  });
});
