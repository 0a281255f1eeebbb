/**
 * Moving around the results grid with the keyboard and selecting rectangles of cells, as pure
 * functions. Positions are on screen: `row` is the display row (after sorting and filtering),
 * `col` the variant. The grid is one tab stop; these decide where its active cell goes.
 */

export interface GridPos {
  row: number;
  col: number;
}

export interface GridSize {
  rows: number;
  cols: number;
  /** Rows that fit on screen: how far PageUp/PageDown move. */
  page: number;
}

export interface KeyMods {
  ctrl?: boolean;
  shift?: boolean;
}

export function clampPos(pos: GridPos, size: GridSize): GridPos {
  return {
    row: Math.max(0, Math.min(size.rows - 1, pos.row)),
    col: Math.max(0, Math.min(size.cols - 1, pos.col)),
  };
}

/**
 * Where a key moves the active cell, or undefined when the key does not move it. Arrows move a
 * cell, Home/End to the first/last variant of the row (with Ctrl/Cmd: of the first/last row),
 * PageUp/PageDown a screenful of rows. The edges hold.
 */
export function moveByKey(pos: GridPos, key: string, mods: KeyMods, size: GridSize): GridPos | undefined {
  if (size.rows <= 0 || size.cols <= 0) return undefined;
  const page = Math.max(1, size.page);
  let next: GridPos;
  switch (key) {
    case 'ArrowUp':
      next = { row: pos.row - 1, col: pos.col };
      break;
    case 'ArrowDown':
      next = { row: pos.row + 1, col: pos.col };
      break;
    case 'ArrowLeft':
      next = { row: pos.row, col: pos.col - 1 };
      break;
    case 'ArrowRight':
      next = { row: pos.row, col: pos.col + 1 };
      break;
    case 'Home':
      next = mods.ctrl ? { row: 0, col: 0 } : { row: pos.row, col: 0 };
      break;
    case 'End':
      next = mods.ctrl ? { row: size.rows - 1, col: size.cols - 1 } : { row: pos.row, col: size.cols - 1 };
      break;
    case 'PageUp':
      next = { row: pos.row - page, col: pos.col };
      break;
    case 'PageDown':
      next = { row: pos.row + page, col: pos.col };
      break;
    default:
      return undefined;
  }
  return clampPos(next, size);
}

/** The next (+1) or previous (-1) cell in reading order, row by row; undefined past either end. */
export function stepReading(pos: GridPos, delta: 1 | -1, size: GridSize): GridPos | undefined {
  if (size.rows <= 0 || size.cols <= 0) return undefined;
  const index = pos.row * size.cols + pos.col + delta;
  if (index < 0 || index >= size.rows * size.cols) return undefined;
  return { row: Math.floor(index / size.cols), col: index % size.cols };
}

/**
 * The cells of the rectangle between two positions (both corners included), as case index and
 * variant, top to bottom and left to right. `caseAt` maps a display row to its test case.
 */
export function rectangle(a: GridPos, b: GridPos, caseAt: (row: number) => number | undefined): { caseIndex: number; columnIndex: number }[] {
  const out: { caseIndex: number; columnIndex: number }[] = [];
  const [top, bottom] = a.row <= b.row ? [a.row, b.row] : [b.row, a.row];
  const [left, right] = a.col <= b.col ? [a.col, b.col] : [b.col, a.col];
  for (let row = top; row <= bottom; row++) {
    const caseIndex = caseAt(row);
    if (caseIndex === undefined) continue;
    for (let col = left; col <= right; col++) out.push({ caseIndex, columnIndex: col });
  }
  return out;
}
