import { describe, expect, it } from 'vitest';
import type { Cell } from '../../src/shared/schemas';
import {
  applyCellUpdate,
  applyDeltas,
  countTransition,
  emptyCounts,
  etaSeconds,
  PAGE_ROWS,
  planRows,
} from '../../src/renderer/src/state/stream-reducer';
import { formatEta, progressLine, spreadOf, variantTitle } from '../../src/renderer/src/features/grid/summary';

function cell(id: string, patch: Partial<Cell> = {}): Cell {
  return {
    id,
    runId: 'r1',
    columnIndex: 0,
    caseIndex: 0,
    repeat: 0,
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

describe('progress counting', () => {
  it('moves a cell from its previous status to the new one, and adds cost and tokens when it finishes', () => {
    let counts = emptyCounts(3);
    counts = countTransition(counts, 'pending', cell('a', { status: 'running' }));
    expect(counts).toMatchObject({ pending: 2, running: 1, done: 0 });
    counts = countTransition(counts, 'running', cell('a', { status: 'done', costUsd: 0.25, usage: { inputTokens: 10, outputTokens: 4 } }));
    counts = countTransition(counts, 'pending', cell('b', { status: 'done', cached: true, usage: { inputTokens: 10, outputTokens: 4 } }));
    counts = countTransition(counts, 'pending', cell('c', { status: 'error' }));
    expect(counts).toMatchObject({ total: 3, pending: 0, running: 0, done: 2, error: 1, cached: 1, costUsd: 0.25, inputTokens: 20, outputTokens: 8 });
  });

  it('ignores a repeated status and a late running update after a final one', () => {
    const counts = { ...emptyCounts(1), pending: 0, done: 1 };
    expect(countTransition(counts, 'done', cell('a', { status: 'running' }))).toBe(counts);
    expect(countTransition(counts, 'done', cell('a', { status: 'done' }))).toBe(counts);
  });

  it('estimates the time left from the pace since it started measuring, and says nothing before a cell finished', () => {
    const counts = { ...emptyCounts(100), pending: 60, done: 35, error: 5 };
    // 40 cells in 20 s: 60 left take 30 s.
    expect(etaSeconds(counts, { at: 1000, finished: 0 }, 21_000)).toBe(30);
    expect(etaSeconds(counts, { at: 1000, finished: 40 }, 21_000)).toBeUndefined();
  });
});

describe('the page cache', () => {
  // Rows in table order: display row i is case i.
  const table = (count: number) => ({ caseAt: (row: number) => (row < count ? row : undefined), positionOf: (k: number) => (k < count ? k : undefined) });
  const plan = (first: number, last: number, count: number, loaded: Iterable<number>) => {
    const { caseAt, positionOf } = table(count);
    return planRows(first, last, count, caseAt, positionOf, loaded);
  };

  it('asks for the pages of rows on screen and one on either side, not the rows it has', () => {
    const { load, evict } = plan(0, 12, 10_000, []);
    expect(load).toHaveLength(PAGE_ROWS * 2);
    expect(evict).toEqual([]);
    const have = Array.from({ length: PAGE_ROWS * 2 }, (_, i) => PAGE_ROWS * 3 + i);
    expect(plan(PAGE_ROWS * 4 + 3, PAGE_ROWS * 4 + 20, 10_000, have).load).toEqual(Array.from({ length: PAGE_ROWS }, (_, i) => PAGE_ROWS * 5 + i));
  });

  it('drops rows far from the ones on screen, so what is held does not grow with the scroll', () => {
    const loaded = new Set<number>();
    let most = 0;
    for (let first = 0; first < 10_000; first += 17) {
      const { load, evict } = plan(first, first + 15, 10_000, loaded);
      for (const k of evict) loaded.delete(k);
      for (const k of load) loaded.add(k);
      most = Math.max(most, loaded.size);
    }
    expect(most).toBeLessThanOrEqual(10 * PAGE_ROWS);
    expect([...loaded].every((k) => pageOf(k) >= pageOf(9_950) - 4)).toBe(true);
  });

  it('never asks for rows past the last one, and drops them when the table shrinks', () => {
    expect(plan(0, 5, 6, []).load).toEqual([0, 1, 2, 3, 4, 5]);
    expect(plan(0, 5, 6, [0, 7])).toEqual({ load: [1, 2, 3, 4, 5], evict: [7] });
  });
});

function pageOf(row: number): number {
  return Math.floor(row / PAGE_ROWS);
}

describe('what the grid says about cells and variants', () => {
  it('sums up repeats: how many, how many distinct answers, the spread of time and tokens', () => {
    const repeats = [
      cell('a', { status: 'done', output: 'yes', totalMs: 1200, usage: { outputTokens: 140 } }),
      cell('b', { status: 'done', output: 'no', totalMs: 1600, usage: { outputTokens: 170 } }),
      cell('c', { status: 'done', output: 'yes', totalMs: 1400, usage: { outputTokens: 150 } }),
      cell('d', { status: 'error', output: '' }),
    ];
    expect(spreadOf(repeats)).toBe('3 runs · 2 distinct · 1.2–1.6 s · 140–170 tokens');
    expect(spreadOf([repeats[0], undefined])).toBeUndefined();
    expect(spreadOf([cell('x', { status: 'done', totalMs: 120 }), cell('y', { status: 'done', totalMs: 340 })])).toBe('2 runs · 1 distinct · 120–340 ms');
  });

  it('writes the progress line with errors, ETA and cost, and leaves out what is zero', () => {
    const counts = { ...emptyCounts(1000), pending: 588, done: 409, error: 3, costUsd: 0.18 };
    expect(progressLine(counts, 42, true)).toBe('412 / 1,000 · 3 errors · ETA 0:42 · $0.18 so far');
    expect(progressLine({ ...counts, error: 0 }, undefined, false)).toBe('409 / 1,000 · $0.18 spent');
    // Cells a stop cancelled are not "answered": the count says so on its own.
    expect(progressLine({ ...counts, pending: 0, cancelled: 588 }, undefined, false)).toBe('412 / 1,000 · 3 errors · 588 stopped · $0.18 spent');
    expect(formatEta(3725)).toBe('1:02:05');
  });

  it('heads a variant with its label, or provider · model · the parameters it sets', () => {
    const column = { id: 'c', providerId: 'openai', model: 'gpt-4o-mini', params: { temperature: 0.7, maxTokens: 256, responseFormat: { type: 'json_object' as const } } };
    expect(variantTitle(column, 'OpenAI')).toBe('OpenAI · gpt-4o-mini · temp 0.7 · max 256 · JSON');
    expect(variantTitle({ ...column, label: 'B: terse' }, 'OpenAI')).toBe('B: terse');
  });
});
