/**
 * The grid shows an answer's first four lines (clamped); the rest is read in the cell's dialog.
 * More text than fits only costs layout on every streamed frame, so a cell holds this much at
 * most: enough for four full lines of the widest cell on a wide screen.
 */
export const GRID_TEXT_CHARS = 2000;

/** The part of an answer a grid cell shows; never cuts a surrogate pair in two. */
export function gridText(text: string): string {
  if (text.length <= GRID_TEXT_CHARS) return text;
  const code = text.charCodeAt(GRID_TEXT_CHARS - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? GRID_TEXT_CHARS - 1 : GRID_TEXT_CHARS);
}
