/**
 * How streamed events fold into the cells on screen, as pure functions so they are tested
 * without any UI. Deltas only extend a cell that is still going; a final update carries the
 * full text and replaces whatever streamed in; a "running" update keeps the streamed text.
 */
import type { Cell } from '../../../shared/schemas';

export type Cells = Readonly<Record<string, Cell>>;

function isFinal(cell: Cell): boolean {
  return cell.status !== 'running' && cell.status !== 'pending';
}

export function applyDeltas(cells: Cells, deltas: ReadonlyMap<string, string>): Cells {
  let next: Record<string, Cell> | undefined;
  for (const [cellId, text] of deltas) {
    const cell = cells[cellId];
    if (!cell || isFinal(cell) || text === '') continue;
    next ??= { ...cells };
    next[cellId] = { ...cell, status: 'running', output: cell.output + text };
  }
  return next ?? cells;
}

export function applyCellUpdate(cells: Cells, update: Cell): Cells {
  const current = cells[update.id];
  if (isFinal(update)) return { ...cells, [update.id]: update };
  // A late "running" update must not undo a final one, nor drop streamed text.
  if (current && isFinal(current)) return cells;
  return { ...cells, [update.id]: { ...update, output: current?.output ?? '' } };
}
