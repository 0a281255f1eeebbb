import { describe, expect, it } from 'vitest';
import { GRID_TEXT_CHARS, gridText } from '../../src/renderer/src/features/grid/grid-text';

describe('gridText: the part of an answer a grid cell holds', () => {
  it('keeps a short answer whole, hostile text included, as text', () => {
    for (const text of ['', 'hello', '=HYPERLINK("http://x","y")', '<script>alert(1)</script>', 'javascript:alert(1)', 'a\u0000b']) expect(gridText(text)).toBe(text);
    const exact = 'x'.repeat(GRID_TEXT_CHARS);
    expect(gridText(exact)).toBe(exact);
  });

  it('keeps only the first part of a huge answer', () => {
    const huge = `${'first line\n'.repeat(10)}${'\u0000'.repeat(5_000_000)}`;
    const shown = gridText(huge);
    expect(shown).toHaveLength(GRID_TEXT_CHARS);
    expect(huge.startsWith(shown)).toBe(true);
  });

  it('never splits a surrogate pair where it cuts', () => {
    // An emoji (two UTF-16 units) that straddles the limit is left out whole.
    const text = `${'a'.repeat(GRID_TEXT_CHARS - 1)}😀 and more`;
    const shown = gridText(text);
    expect(shown).toBe('a'.repeat(GRID_TEXT_CHARS - 1));
    // One that ends exactly at the limit is kept.
    const fits = `${'a'.repeat(GRID_TEXT_CHARS - 2)}😀 and more`;
    expect(gridText(fits)).toBe(`${'a'.repeat(GRID_TEXT_CHARS - 2)}😀`);
    expect(gridText(fits).length).toBe(GRID_TEXT_CHARS);
  });
});
