/**
 * A variant's letter is shown once wherever it is named: following the old placeholder
 * ("e.g. B: terse") gave "A: A: model-a t0.2" in Judge, the verdict and exports.
 */
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/shared/schemas';
import { isGeneratedLabel, labelWithoutLetter, variantLabel, variantName } from '../../src/shared/variants';

const column = (patch: Partial<Column> = {}): Column => ({ id: 'c', providerId: 'p1', model: 'model-a', params: { temperature: 0.2 }, ...patch });

describe('variantLabel', () => {
  it('shows the letter once when the label starts with it', () => {
    expect(variantLabel(column({ label: 'A: model-a t0.2' }), 0, 'Lab')).toBe('A: model-a t0.2');
    expect(variantLabel(column({ label: 'a - model-a t0.2' }), 0, 'Lab')).toBe('A: model-a t0.2');
    expect(variantLabel(column({ label: 'A: A: twice' }), 0, 'Lab')).toBe('A: twice');
    expect(variantLabel(column({ label: 'AB: wide' }), 27, 'Lab')).toBe('AB: wide');
  });

  it('keeps another letter and text that merely starts with a letter', () => {
    expect(variantLabel(column({ label: 'B: terse' }), 0, 'Lab')).toBe('A: B: terse');
    expect(variantLabel(column({ label: 'Answer briefly' }), 0, 'Lab')).toBe('A: Answer briefly');
    expect(variantLabel(column({ label: 'A' }), 0, 'Lab')).toBe('A: A');
  });

  it('is idempotent: composing from its own output gives the same text', () => {
    for (const [c, i] of [
      [column({ label: 'terse' }), 1],
      [column(), 0],
      [column({ label: 'A: A: model-a' }), 0],
      [column({ promptVersionId: 'v1' }), 2],
    ] as const) {
      const once = variantLabel(c, i, 'Lab');
      expect(variantLabel({ ...c, label: once }, i, 'Lab')).toBe(once);
    }
  });

  it('falls back to what the variant is when the label is only the letter prefix', () => {
    expect(variantLabel(column({ label: 'A: ' }), 0, 'Lab')).toBe('A: Lab · model-a · temp 0.2');
    expect(variantName(column({ label: 'C:' }), 2, 'Lab')).toBe('Lab · model-a · temp 0.2');
    expect(variantLabel(column({ promptVersionId: 'v1' }), 0, 'Lab')).toBe('A: Lab · model-a · temp 0.2 · saved version');
  });

  it('names hostile labels as text, without control characters mattering', () => {
    const label = '=HYPERLINK("x") <script>alert(1)</script>';
    expect(variantLabel(column({ label }), 0, 'Lab')).toBe(`A: ${label}`);
    expect(labelWithoutLetter('A:\u0000x', 0)).toBe('\u0000x');
  });
});

describe('isGeneratedLabel', () => {
  it('knows labels made from the provider and model', () => {
    const c = column();
    for (const label of ['Lab: model-a', 'Lab · model-a', 'Lab · model-a · temp 0.2', 'openai:chat:model-a', 'Lab: model-a #2', 'A: Lab · model-a · temp 0.2']) {
      expect(isGeneratedLabel(label, c, 'Lab', 0), label).toBe(true);
    }
  });

  it('leaves labels a person typed', () => {
    const c = column();
    for (const label of ['terse', 'A: model-a t0.2', 'Lab, but shorter', 'Other: model-a']) expect(isGeneratedLabel(label, c, 'Lab', 0), label).toBe(false);
  });
});
