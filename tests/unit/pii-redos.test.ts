/**
 * The address patterns on inputs built to make a backtracking regex run for minutes: one exec is
 * never interrupted by the scan's time budget, so each must finish on its own. Measured before
 * the patterns were bounded: 4 s to 59 s each; now a few ms. The bound is generous so a loaded
 * machine does not fail it.
 */
import { describe, expect, it } from 'vitest';
import { scanPii } from '../../src/shared/pii/detect';

// Each with how many addresses it holds.
const HOSTILE: [string, string, number][] = [
  ['Roman numerals that also read as names (it)', 'Via Roma ' + 'II '.repeat(27) + 'x', 0],
  ['"de" run on after a French street word', '12 rue ' + 'de'.repeat(50_000), 0],
  ['one capitalised 100,000-letter word (de/nl)', 'A'.repeat(100_000), 0],
  ['a DNA sequence (de/nl)', 'ACGT'.repeat(10_000), 0],
  ['Spanish street words, repeated', 'Calle '.repeat(20_000), 0],
  ['Italian street words, repeated', 'Via '.repeat(20_000), 0],
  ['French, every word a street word', '12 rue Rue '.repeat(2_000), 2_000],
];

describe('address patterns on hostile text', () => {
  scanPii('warm up', ['address']);
  for (const [label, text, found] of HOSTILE) {
    it(label, () => {
      const started = performance.now();
      const result = scanPii(text, ['address'], 5_000);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(result.complete).toBe(true);
      expect(result.spans).toHaveLength(found);
    });
  }

  it('still finds the addresses the bounded patterns were written for', () => {
    const text = "Corso Vittorio Emanuele II, 12; 3 rue de l'Église; Lange Straße 12; Calle de Alcalá 45; 27 rue du Faubourg Saint-Antoine";
    expect(scanPii(text, ['address']).spans.map((s) => s.text)).toEqual([
      'Corso Vittorio Emanuele II, 12',
      "3 rue de l'Église",
      'Lange Straße 12',
      'Calle de Alcalá 45',
      '27 rue du Faubourg Saint-Antoine',
    ]);
  });
});
