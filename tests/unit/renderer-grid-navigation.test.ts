/**
 * The results grid's keyboard and selection logic as pure functions: where keys move the active
 * cell, reading-order steps for the cell dialog, rectangles over sorted rows, and which rows'
 * cells to fetch and drop when the rows are shown sorted or filtered.
 */
import { describe, expect, it } from 'vitest';
import { moveByKey, rectangle, stepReading, type GridSize } from '../../src/renderer/src/state/grid-navigation';
import { planRows } from '../../src/renderer/src/state/stream-reducer';

const size: GridSize = { rows: 10, cols: 3, page: 4 };

describe('moving the active cell', () => {
  it('moves a cell with the arrows and holds at the edges', () => {
    expect(moveByKey({ row: 2, col: 1 }, 'ArrowDown', {}, size)).toEqual({ row: 3, col: 1 });
    expect(moveByKey({ row: 2, col: 1 }, 'ArrowUp', {}, size)).toEqual({ row: 1, col: 1 });
    expect(moveByKey({ row: 2, col: 1 }, 'ArrowRight', {}, size)).toEqual({ row: 2, col: 2 });
    expect(moveByKey({ row: 2, col: 2 }, 'ArrowRight', {}, size)).toEqual({ row: 2, col: 2 });
    expect(moveByKey({ row: 0, col: 0 }, 'ArrowUp', {}, size)).toEqual({ row: 0, col: 0 });
    expect(moveByKey({ row: 9, col: 0 }, 'ArrowDown', {}, size)).toEqual({ row: 9, col: 0 });
    expect(moveByKey({ row: 0, col: 0 }, 'ArrowLeft', {}, size)).toEqual({ row: 0, col: 0 });
  });

  it('goes to the row’s ends with Home/End, the grid’s with Ctrl, and a screenful with PageUp/PageDown', () => {
    expect(moveByKey({ row: 5, col: 1 }, 'Home', {}, size)).toEqual({ row: 5, col: 0 });
    expect(moveByKey({ row: 5, col: 1 }, 'End', {}, size)).toEqual({ row: 5, col: 2 });
    expect(moveByKey({ row: 5, col: 1 }, 'Home', { ctrl: true }, size)).toEqual({ row: 0, col: 0 });
    expect(moveByKey({ row: 5, col: 1 }, 'End', { ctrl: true }, size)).toEqual({ row: 9, col: 2 });
    expect(moveByKey({ row: 5, col: 1 }, 'PageDown', {}, size)).toEqual({ row: 9, col: 1 });
    expect(moveByKey({ row: 5, col: 1 }, 'PageUp', {}, size)).toEqual({ row: 1, col: 1 });
    expect(moveByKey({ row: 1, col: 1 }, 'PageUp', {}, size)).toEqual({ row: 0, col: 1 });
  });

  it('ignores other keys and an empty grid', () => {
    expect(moveByKey({ row: 1, col: 1 }, 'a', {}, size)).toBeUndefined();
    expect(moveByKey({ row: 1, col: 1 }, 'Enter', {}, size)).toBeUndefined();
    expect(moveByKey({ row: 0, col: 0 }, 'ArrowDown', {}, { rows: 0, cols: 3, page: 4 })).toBeUndefined();
  });

  it('steps through cells in reading order for the dialog, and stops at either end', () => {
    expect(stepReading({ row: 0, col: 2 }, 1, size)).toEqual({ row: 1, col: 0 });
    expect(stepReading({ row: 1, col: 0 }, -1, size)).toEqual({ row: 0, col: 2 });
    expect(stepReading({ row: 0, col: 0 }, -1, size)).toBeUndefined();
    expect(stepReading({ row: 9, col: 2 }, 1, size)).toBeUndefined();
  });
});

describe('rectangles', () => {
  it('covers exactly the rows and variants between two corners, either way round', () => {
    const identity = (row: number): number => row;
    expect(rectangle({ row: 0, col: 0 }, { row: 1, col: 1 }, identity)).toEqual([
      { caseIndex: 0, columnIndex: 0 },
      { caseIndex: 0, columnIndex: 1 },
      { caseIndex: 1, columnIndex: 0 },
      { caseIndex: 1, columnIndex: 1 },
    ]);
    expect(rectangle({ row: 1, col: 1 }, { row: 0, col: 0 }, identity)).toHaveLength(4);
    expect(rectangle({ row: 3, col: 2 }, { row: 3, col: 2 }, identity)).toEqual([{ caseIndex: 3, columnIndex: 2 }]);
  });

  it('maps display rows to test cases when the rows are sorted', () => {
    const order = [7, 3, 9];
    expect(rectangle({ row: 0, col: 1 }, { row: 2, col: 1 }, (row) => order[row]).map((s) => s.caseIndex)).toEqual([7, 3, 9]);
  });
});

describe('which rows to fetch', () => {
  it('loads the pages of display rows around the screen, as the order has them', () => {
    const order = Array.from({ length: 500 }, (_, i) => 499 - i);
    const positions = new Map(order.map((k, i) => [k, i]));
    const { load, evict } = planRows(0, 10, 500, (row) => order[row], (k) => positions.get(k), []);
    // Display pages 0 and 1: rows 0–99, cases 499 down to 400.
    expect(load).toHaveLength(100);
    expect(load[0]).toBe(499);
    expect(load.at(-1)).toBe(400);
    expect(evict).toEqual([]);
  });

  it('drops rows far from the screen and rows a filter hides', () => {
    const order = [4, 8, 15, 16, 23, 42];
    const positions = new Map(order.map((k, i) => [k, i]));
    const { load, evict } = planRows(0, 5, order.length, (row) => order[row], (k) => positions.get(k), [4, 8, 99]);
    expect(load).toEqual([15, 16, 23, 42]);
    expect(evict).toEqual([99]);
    const far = planRows(2000, 2010, 3000, (row) => row, (k) => k, [0, 10, 1990]);
    expect(far.evict).toEqual([0, 10]);
    expect(planRows(0, 0, 0, () => undefined, () => undefined, [1, 2]).evict).toEqual([1, 2]);
  });
});
