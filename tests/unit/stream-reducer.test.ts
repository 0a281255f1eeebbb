import { describe, expect, it } from 'vitest';
import type { Cell } from '../../src/shared/schemas';
import { applyCellUpdate, applyDeltas } from '../../src/renderer/src/state/stream-reducer';

function cell(id: string, patch: Partial<Cell> = {}): Cell {
  return {
    id,
    runId: 'r1',
    columnIndex: 0,
    providerId: 'echo',
    providerName: 'Echo',
    model: 'echo',
    params: {},
    variables: {},
    messages: [{ role: 'user', content: 'hi' }],
    status: 'pending',
    output: '',
    usage: {},
    ...patch,
  };
}

describe('the renderer stream reducer', () => {
  it('appends a frame of deltas to the cells still going, and marks them running', () => {
    const cells = { a: cell('a'), b: cell('b', { status: 'running', output: 'Hel' }) };
    const next = applyDeltas(cells, new Map([['a', 'One'], ['b', 'lo']]));
    expect(next.a).toMatchObject({ status: 'running', output: 'One' });
    expect(next.b?.output).toBe('Hello');
    expect(cells.b.output).toBe('Hel');
  });

  it('ignores deltas for finished or unknown cells and returns the same object when nothing changed', () => {
    const cells = { a: cell('a', { status: 'done', output: 'final' }) };
    const next = applyDeltas(cells, new Map([['a', 'late'], ['zzz', 'x']]));
    expect(next).toBe(cells);
  });

  it('lets a final update replace the streamed text with the full text', () => {
    const cells = { a: cell('a', { status: 'running', output: 'partial' }) };
    const next = applyCellUpdate(cells, cell('a', { status: 'done', output: 'partial and the rest', finishReason: 'stop' }));
    expect(next.a).toMatchObject({ status: 'done', output: 'partial and the rest', finishReason: 'stop' });
  });

  it('keeps the streamed text when a running update arrives, and never undoes a final state', () => {
    const streaming = { a: cell('a', { status: 'running', output: 'so far' }) };
    expect(applyCellUpdate(streaming, cell('a', { status: 'running', ttftMs: 12 })).a).toMatchObject({ output: 'so far', ttftMs: 12 });
    const finished = { a: cell('a', { status: 'error', output: 'x', error: { code: 'provider_error', message: 'boom' } }) };
    expect(applyCellUpdate(finished, cell('a', { status: 'running' }))).toBe(finished);
  });
});
