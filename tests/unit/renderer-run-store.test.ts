/**
 * The renderer's run store against a fake bridge. Typechecked with the web project (it is
 * renderer code); run by vitest in Node with a stand-in for requestAnimationFrame.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Api, AppEvent, RunRequest } from '../../src/shared/contract';
import type { Cell } from '../../src/shared/schemas';
import { setBridge } from '../../src/renderer/src/bridge/current';
import { handleRunEvent, useRun } from '../../src/renderer/src/state/run';
import { useWorkspace } from '../../src/renderer/src/state/workspace';

globalThis.requestAnimationFrame ??= (callback: FrameRequestCallback): number => setTimeout(() => callback(0), 0) as unknown as number;

function cell(id: string, columnIndex: number, patch: Partial<Cell> = {}): Cell {
  return {
    id, runId: 'run-1', columnIndex, providerId: 'echo', providerName: 'Echo', model: 'echo', params: {}, variables: {},
    messages: [{ role: 'user', content: 'hi' }], status: 'pending', output: '', usage: {}, ...patch,
  };
}

/** A bridge whose runs.start lets the run finish, events and all, before it replies. */
function raceBridge(): void {
  const api = {
    'runs.start': (request: RunRequest) => {
      const cells = request.columns.map((_, i) => cell(`cell-${i}`, i));
      for (const c of cells) {
        handleRunEvent({ type: 'cell.update', runId: 'run-1', cell: { ...c, status: 'running' } });
        handleRunEvent({ type: 'cell.delta', runId: 'run-1', cellId: c.id, seq: 0, text: 'Hello' });
        handleRunEvent({ type: 'cell.update', runId: 'run-1', cell: { ...c, status: 'done', output: 'Hello there', finishReason: 'stop' } });
      }
      handleRunEvent({ type: 'run.finished', runId: 'run-1', status: 'done' });
      return Promise.resolve({ runId: 'run-1', cells });
    },
    'workspace.save': () => Promise.resolve({ savedAt: '' }),
  } as unknown as Api;
  setBridge({ api, onEvent: (_listener: (event: AppEvent) => void) => () => undefined });
}

beforeEach(() => {
  useRun.setState({ runId: undefined, cells: {}, cellByColumn: {}, running: false, error: undefined });
  useWorkspace.getState().load({
    messages: [{ role: 'user', content: 'hi' }],
    variables: {},
    columns: [
      { id: 'a', providerId: 'echo', model: 'echo', params: {} },
      { id: 'b', providerId: 'echo', model: 'echo', params: {} },
    ],
  });
});

describe('the run store', () => {
  it('keeps the events of a run that finished before runs.start replied', async () => {
    raceBridge();
    await useRun.getState().start();
    const { cells, cellByColumn, running } = useRun.getState();
    expect(running).toBe(false);
    for (const column of ['a', 'b']) {
      const id = cellByColumn[column];
      expect(id).toBeDefined();
      expect(cells[id ?? '']).toMatchObject({ status: 'done', output: 'Hello there' });
    }
  });

  it('ignores events of other runs', () => {
    useRun.setState({ runId: 'mine', cells: { x: cell('x', 0, { runId: 'mine', status: 'running' }) } });
    handleRunEvent({ type: 'cell.update', runId: 'someone-else', cell: cell('x', 0, { runId: 'someone-else', status: 'done', output: 'not mine' }) });
    expect(useRun.getState().cells.x?.output).toBe('');
  });
});
