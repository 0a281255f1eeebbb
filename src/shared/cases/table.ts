/**
 * Edits of the test-case table as pure functions, so the store stays thin and the rules
 * (never empty, selection follows its row, removed rows come back where they were) are tested
 * without a UI.
 */
import type { TestCase } from '../schemas';

export interface RemovedRows {
  /** In ascending index order. */
  entries: { index: number; testCase: TestCase }[];
  /** The removal took every row, and a blank one was put in their place. */
  emptied: boolean;
}

export interface TableEdit {
  testCases: TestCase[];
  selectedCase: number;
}

export function clampIndex(index: number, length: number): number {
  return Math.max(0, Math.min(Number.isFinite(index) ? Math.trunc(index) : 0, length - 1));
}

/** A row with no values at all: what "Add row" makes and what an emptied table keeps. */
export function isBlankCase(testCase: TestCase | undefined): boolean {
  if (!testCase) return true;
  return testCase.expected === undefined && testCase.description === undefined && Object.values(testCase.vars).every((v) => v === '' || v === null);
}

/** Removes rows, keeping one blank row (from makeBlank) if none would be left. */
export function removeRows(
  cases: readonly TestCase[],
  selected: number,
  indexes: readonly number[],
  makeBlank: () => TestCase,
): (TableEdit & { removed: RemovedRows }) | undefined {
  const doomed = new Set(indexes.filter((i) => Number.isInteger(i) && i >= 0 && i < cases.length));
  if (doomed.size === 0) return undefined;
  const entries: RemovedRows['entries'] = [];
  const kept: TestCase[] = [];
  cases.forEach((testCase, index) => {
    if (doomed.has(index)) entries.push({ index, testCase });
    else kept.push(testCase);
  });
  const emptied = kept.length === 0;
  const testCases = emptied ? [makeBlank()] : kept;
  // The same row stays selected when it survives; otherwise the row that took its place.
  const before = entries.filter((e) => e.index < selected).length;
  return { testCases, selectedCase: clampIndex(selected - before, testCases.length), removed: { entries, emptied } };
}

/** Puts removed rows back where they were; the placeholder of an emptied table gives way to them. */
export function restoreRows(cases: readonly TestCase[], removed: RemovedRows): TableEdit {
  const testCases = removed.emptied && cases.length === 1 && isBlankCase(cases[0]) ? [] : [...cases];
  for (const { index, testCase } of removed.entries) testCases.splice(Math.min(index, testCases.length), 0, testCase);
  return { testCases, selectedCase: clampIndex(removed.entries[0]?.index ?? 0, testCases.length) };
}

/** Moves one row; the selection stays on the row it was on. */
export function moveRow(cases: readonly TestCase[], selected: number, from: number, to: number): TableEdit | undefined {
  if (from === to || from < 0 || to < 0 || from >= cases.length || to >= cases.length) return undefined;
  const testCases = [...cases];
  const [moved] = testCases.splice(from, 1);
  if (!moved) return undefined;
  testCases.splice(to, 0, moved);
  let selectedCase = selected;
  if (selected === from) selectedCase = to;
  else if (from < selected && to >= selected) selectedCase -= 1;
  else if (from > selected && to <= selected) selectedCase += 1;
  return { testCases, selectedCase };
}

/** Imported rows: instead of the table, or after it (a table holding only a blank row is replaced). */
export function mergeImported(cases: readonly TestCase[], imported: readonly TestCase[], mode: 'replace' | 'append', max: number): TableEdit {
  const onlyBlank = cases.length === 1 && isBlankCase(cases[0]);
  const append = mode === 'append' && !onlyBlank;
  const testCases = (append ? [...cases, ...imported] : [...imported]).slice(0, max);
  return { testCases, selectedCase: clampIndex(append ? cases.length : 0, testCases.length) };
}
