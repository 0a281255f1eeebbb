import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/contract';
import { DeltaCoalescer } from '../../src/main/runner/coalescer';

let events: AppEvent[];
let coalescer: DeltaCoalescer;

function deltas(): { cellId: string; seq: number; text: string }[] {
  return events.flatMap((e) => (e.type === 'cell.delta' ? [{ cellId: e.cellId, seq: e.seq, text: e.text }] : []));
}

beforeEach(() => {
  vi.useFakeTimers();
  events = [];
  coalescer = new DeltaCoalescer((e) => events.push(e), 25);
});

afterEach(() => {
  coalescer.dispose();
  vi.useRealTimers();
});

describe('DeltaCoalescer', () => {
  it('sends many pushes within one interval as one event, only when the interval ends', () => {
    for (let i = 0; i < 100; i++) coalescer.push('r1', 'c1', `${i},`);
    vi.advanceTimersByTime(24);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      type: 'cell.delta',
      runId: 'r1',
      cellId: 'c1',
      seq: 0,
      text: Array.from({ length: 100 }, (_v, i) => `${i},`).join(''),
    });
  });

  it('numbers a cell’s events 0, 1, 2… and never resends text', () => {
    coalescer.push('r1', 'c1', 'a');
    vi.advanceTimersByTime(25);
    coalescer.push('r1', 'c1', 'b');
    coalescer.push('r1', 'c1', 'c');
    vi.advanceTimersByTime(25);
    coalescer.push('r1', 'c1', 'd');
    vi.advanceTimersByTime(25);
    expect(deltas()).toEqual([
      { cellId: 'c1', seq: 0, text: 'a' },
      { cellId: 'c1', seq: 1, text: 'bc' },
      { cellId: 'c1', seq: 2, text: 'd' },
    ]);
  });

  it('keeps a sequence per cell and flushes cells in the order they first had text', () => {
    coalescer.push('r1', 'c2', 'x');
    coalescer.push('r1', 'c1', 'y');
    coalescer.push('r1', 'c2', 'z');
    vi.advanceTimersByTime(25);
    coalescer.push('r1', 'c1', 'w');
    vi.advanceTimersByTime(25);
    expect(deltas()).toEqual([
      { cellId: 'c2', seq: 0, text: 'xz' },
      { cellId: 'c1', seq: 0, text: 'y' },
      { cellId: 'c1', seq: 1, text: 'w' },
    ]);
  });

  it('sends nothing when no text arrived', () => {
    coalescer.push('r1', 'c1', '');
    vi.advanceTimersByTime(100);
    expect(events).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flush sends one cell’s waiting text at once, so a final update can follow it in order', () => {
    coalescer.push('r1', 'c1', 'one');
    coalescer.push('r1', 'c2', 'two');
    coalescer.flush('c1');
    expect(deltas()).toEqual([{ cellId: 'c1', seq: 0, text: 'one' }]);
    coalescer.flush('c1');
    expect(deltas()).toHaveLength(1);
    vi.advanceTimersByTime(25);
    expect(deltas()).toEqual([
      { cellId: 'c1', seq: 0, text: 'one' },
      { cellId: 'c2', seq: 0, text: 'two' },
    ]);
  });

  it('forget flushes what is waiting and starts a reused cell id again at 0', () => {
    coalescer.push('r1', 'c1', 'a');
    vi.advanceTimersByTime(25);
    coalescer.push('r1', 'c1', 'b');
    coalescer.forget('c1');
    expect(deltas().map((d) => d.seq)).toEqual([0, 1]);
    coalescer.push('r2', 'c1', 'again');
    vi.advanceTimersByTime(25);
    expect(events.at(-1)).toMatchObject({ runId: 'r2', cellId: 'c1', seq: 0, text: 'again' });
  });

  it('dispose sends what is waiting and leaves no timer behind', () => {
    coalescer.push('r1', 'c1', 'tail');
    expect(vi.getTimerCount()).toBe(1);
    coalescer.dispose();
    expect(deltas()).toEqual([{ cellId: 'c1', seq: 0, text: 'tail' }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses one timer for all cells, whatever the number of pushes', () => {
    for (let i = 0; i < 50; i++) coalescer.push('r1', `c${i % 5}`, 'x');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(25);
    expect(events).toHaveLength(5);
    expect(deltas().every((d) => d.text === 'x'.repeat(10))).toBe(true);
  });
});
