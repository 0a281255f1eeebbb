import { describe, expect, it } from 'vitest';
import { isBlankCase, mergeImported, moveRow, removeRows, restoreRows } from '../../src/shared/cases/table';
import type { TestCase } from '../../src/shared/schemas';

const rows = (...names: string[]): TestCase[] => names.map((n) => ({ id: n, vars: { topic: n } }));
const ids = (cases: readonly TestCase[]): string[] => cases.map((c) => c.id);
let blanks = 0;
const blank = (): TestCase => ({ id: `blank-${++blanks}`, vars: {} });

describe('editing the test-case table', () => {
  it('removes rows, keeps the selection on its row, and puts them back where they were', () => {
    const table = rows('a', 'b', 'c', 'd', 'e');
    const edit = removeRows(table, 3, [1, 2], blank);
    expect(edit && ids(edit.testCases)).toEqual(['a', 'd', 'e']);
    expect(edit?.selectedCase).toBe(1); // still on "d"
    expect(edit?.removed.entries.map((e) => e.index)).toEqual([1, 2]);
    const back = edit && restoreRows(edit.testCases, edit.removed);
    expect(back && ids(back.testCases)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(back?.selectedCase).toBe(1);
  });

  it('selects the row that took the place of a removed selected row, and ignores indexes out of range', () => {
    expect(removeRows(rows('a', 'b', 'c'), 2, [2], blank)?.selectedCase).toBe(1);
    expect(removeRows(rows('a', 'b', 'c'), 1, [1], blank)?.selectedCase).toBe(1);
    expect(removeRows(rows('a'), 0, [5, -1], blank)).toBeUndefined();
  });

  it('never leaves the table empty, and undo replaces the blank placeholder', () => {
    const edit = removeRows(rows('a', 'b'), 0, [0, 1], blank);
    expect(edit?.testCases).toHaveLength(1);
    expect(isBlankCase(edit?.testCases[0])).toBe(true);
    expect(edit?.removed.emptied).toBe(true);
    const back = edit && restoreRows(edit.testCases, edit.removed);
    expect(back && ids(back.testCases)).toEqual(['a', 'b']);
    // Once the placeholder holds something, it stays alongside the restored rows.
    const typed: TestCase[] = [{ id: 'p', vars: { topic: 'typed' } }];
    expect(edit && ids(restoreRows(typed, edit.removed).testCases)).toEqual(['a', 'b', 'p']);
  });

  it('moves a row up or down, and the selection follows the row it was on', () => {
    const down = moveRow(rows('a', 'b', 'c', 'd'), 0, 0, 2);
    expect(down && ids(down.testCases)).toEqual(['b', 'c', 'a', 'd']);
    expect(down?.selectedCase).toBe(2);
    const up = moveRow(rows('a', 'b', 'c', 'd'), 1, 3, 0);
    expect(up && ids(up.testCases)).toEqual(['d', 'a', 'b', 'c']);
    expect(up?.selectedCase).toBe(2); // "b" moved down one
    expect(moveRow(rows('a', 'b'), 0, 1, 2)).toBeUndefined();
  });

  it('appends imported rows after the table, or replaces it (a lone blank row counts as empty)', () => {
    const appended = mergeImported(rows('a'), rows('x', 'y'), 'append', 100);
    expect(ids(appended.testCases)).toEqual(['a', 'x', 'y']);
    expect(appended.selectedCase).toBe(1);
    expect(ids(mergeImported(rows('a'), rows('x'), 'replace', 100).testCases)).toEqual(['x']);
    expect(ids(mergeImported([blank()], rows('x'), 'append', 100).testCases)).toEqual(['x']);
    expect(mergeImported(rows('a'), rows('x', 'y', 'z'), 'append', 2).testCases).toHaveLength(2);
  });
});
