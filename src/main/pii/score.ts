/**
 * Precision and recall of the personal-data scanner on a labelled set
 * (tests/fixtures/pii/labelled.jsonl): a find counts when its kind and text equal an expected
 * span of the same sentence (each expected span matched once). Used by the unit test, which
 * asserts floors, and by bench/pii.ts, which prints the table for the README.
 */
import { z } from 'zod';
import { PII_KINDS, piiKindSchema, type PiiKind } from '../../shared/pii/kinds';
import type { PiiScanner } from './scanner';

export const labelledRowSchema = z.object({
  lang: z.string(),
  text: z.string(),
  spans: z.array(z.object({ kind: piiKindSchema, text: z.string() })),
  /** `held-out`: written after the detectors were tuned, and never tuned on; absent: the templated set they were tuned on. */
  split: z.literal('held-out').optional(),
});
export type LabelledRow = z.infer<typeof labelledRowSchema>;

export interface KindScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export interface PiiScore {
  byKind: Record<PiiKind, KindScore>;
  overall: KindScore;
  /** Sentences with a missed or a wrong find, for reading. */
  misses: { text: string; missed: string[]; wrong: string[] }[];
}

function finish(tp: number, fp: number, fn: number): KindScore {
  return { tp, fp, fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}

export function readLabelled(jsonl: string): LabelledRow[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => labelledRowSchema.parse(JSON.parse(line)));
}

export async function scoreScanner(scanner: PiiScanner, rows: readonly LabelledRow[]): Promise<PiiScore> {
  const counts = Object.fromEntries(PII_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }])) as Record<PiiKind, { tp: number; fp: number; fn: number }>;
  const misses: PiiScore['misses'] = [];
  for (const row of rows) {
    const { spans } = await scanner.scan(row.text);
    const expected = row.spans.map((s) => `${s.kind}:${s.text}`);
    const wrong: string[] = [];
    for (const found of spans) {
      const key = `${found.kind}:${found.text}`;
      const at = expected.indexOf(key);
      if (at >= 0) {
        expected.splice(at, 1);
        counts[found.kind].tp++;
      } else {
        counts[found.kind].fp++;
        wrong.push(key);
      }
    }
    for (const key of expected) counts[key.slice(0, key.indexOf(':')) as PiiKind].fn++;
    if (expected.length > 0 || wrong.length > 0) misses.push({ text: row.text, missed: expected, wrong });
  }
  const byKind = Object.fromEntries(PII_KINDS.map((k) => [k, finish(counts[k].tp, counts[k].fp, counts[k].fn)])) as Record<PiiKind, KindScore>;
  const sum = (f: 'tp' | 'fp' | 'fn'): number => PII_KINDS.reduce((n, k) => n + counts[k][f], 0);
  return { byKind, overall: finish(sum('tp'), sum('fp'), sum('fn')), misses };
}
