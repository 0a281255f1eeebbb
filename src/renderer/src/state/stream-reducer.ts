/**
 * How a run's events fold into what the grid shows, as pure functions so they are tested
 * without any UI: streamed text into the cells on screen, status changes into the progress
 * counters, and which pages of rows to keep as the grid scrolls.
 */
import type { Cell, CellStatus, RunProgress } from '../../../shared/schemas';

export type Cells = Readonly<Record<string, Cell>>;

export function isFinal(status: CellStatus): boolean {
  return status !== 'running' && status !== 'pending';
}

/** Deltas only extend a cell that is still going. */
export function applyDeltas(cells: Cells, deltas: ReadonlyMap<string, string>): Cells {
  let next: Record<string, Cell> | undefined;
  for (const [cellId, text] of deltas) {
    const cell = cells[cellId];
    if (!cell || isFinal(cell.status) || text === '') continue;
    next ??= { ...cells };
    next[cellId] = { ...cell, status: 'running', output: cell.output + text };
  }
  return next ?? cells;
}

/**
 * A final update carries the full text and replaces whatever streamed in; a "running" update
 * keeps the streamed text; a late "running" update never undoes a final one. A "pending"
 * update (a cell queued again by a re-run) starts the cell over.
 */
export function applyCellUpdate(cells: Cells, update: Cell): Cells {
  const current = cells[update.id];
  if (isFinal(update.status) || update.status === 'pending') return { ...cells, [update.id]: update };
  if (current && isFinal(current.status)) return cells;
  return { ...cells, [update.id]: { ...update, output: current?.output ?? '' } };
}

export type Counts = RunProgress;

export function emptyCounts(total = 0): Counts {
  return { total, pending: total, running: 0, done: 0, error: 0, cancelled: 0, cached: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 };
}

/**
 * Moves one cell from its previous status to its new one in the counters. Cost, tokens and
 * "cached" are added when a cell reaches a final state. Returns the same object when the
 * update changes nothing (a repeated status, or a late "running" after a final one).
 */
export function countTransition(counts: Counts, previous: CellStatus, cell: Cell): Counts {
  const next = cell.status;
  if (previous === next) return counts;
  if (isFinal(previous) && next === 'running') return counts;
  const out: Counts = { ...counts, [previous]: Math.max(0, counts[previous] - 1), [next]: counts[next] + 1 };
  if (isFinal(next)) {
    out.costUsd += cell.costUsd ?? 0;
    if (cell.costEstimated === true && cell.costUsd !== undefined) out.costEstimated = (counts.costEstimated ?? 0) + 1;
    out.inputTokens += cell.usage.inputTokens ?? 0;
    out.outputTokens += cell.usage.outputTokens ?? 0;
    if (cell.cached) out.cached += 1;
  }
  return out;
}

export function finishedOf(counts: Counts): number {
  return counts.done + counts.error + counts.cancelled;
}

/**
 * Seconds left, from the pace since `since` (how many cells were finished then, and when).
 * Undefined until a cell finished, so the estimate is never a guess from nothing.
 */
export function etaSeconds(counts: Counts, since: { at: number; finished: number }, now: number): number | undefined {
  const finished = finishedOf(counts);
  const gained = finished - since.finished;
  const elapsed = now - since.at;
  if (gained <= 0 || elapsed <= 0) return undefined;
  const remaining = Math.max(0, counts.total - finished);
  return Math.round(((elapsed / gained) * remaining) / 1000);
}

/** Rows are fetched in pages of this many test cases. */
export const PAGE_ROWS = 50;

export function pageOf(row: number): number {
  return Math.floor(row / PAGE_ROWS);
}

/**
 * Which rows' cells to fetch and which to drop when the grid shows display rows first..last
 * and display row i is case `caseAt(i)` (sorted or filtered rows are not in table order).
 * Rows are fetched a page of display rows at a time: the visible pages and one on either side;
 * loaded cases further than `keep` pages from them, or no longer shown at all, are dropped.
 */
export function planRows(
  firstRow: number,
  lastRow: number,
  rowCount: number,
  caseAt: (row: number) => number | undefined,
  positionOf: (caseIndex: number) => number | undefined,
  loaded: Iterable<number>,
  keep = 3,
): { load: number[]; evict: number[] } {
  if (rowCount <= 0) return { load: [], evict: [...loaded] };
  const lastPage = pageOf(rowCount - 1);
  const from = Math.max(0, pageOf(Math.max(0, firstRow)) - 1);
  const to = Math.min(lastPage, pageOf(Math.max(firstRow, lastRow)) + 1);
  const have = new Set(loaded);
  const load: number[] = [];
  for (let row = from * PAGE_ROWS; row < Math.min(rowCount, (to + 1) * PAGE_ROWS); row++) {
    const caseIndex = caseAt(row);
    if (caseIndex !== undefined && !have.has(caseIndex)) load.push(caseIndex);
  }
  const keepFrom = (from - keep) * PAGE_ROWS;
  const keepTo = (to + keep + 1) * PAGE_ROWS;
  const evict = [...have].filter((caseIndex) => {
    const row = positionOf(caseIndex);
    return row === undefined || row < keepFrom || row >= keepTo;
  });
  return { load, evict };
}
