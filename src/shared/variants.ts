/**
 * How a variant is named wherever it appears (grid headers, judging, the verdict, exports):
 * its letter, and its provider · model · the settings that tell it apart from the others.
 */
import type { Column } from './schemas';

/** "A", "B", … then "AA": the blind-safe short name of a variant. */
export function variantLetter(index: number): string {
  let n = index;
  let out = '';
  do {
    out = String.fromCharCode(65 + (n % 26)) + out;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return out;
}

/** The settings that tell two variants of one model apart: "temp 0.7", "max 256", … */
export function keyParams(column: Column): string[] {
  const p = column.params;
  const out: string[] = [];
  if (p.temperature !== undefined) out.push(`temp ${p.temperature}`);
  if (p.topP !== undefined) out.push(`top_p ${p.topP}`);
  if (p.maxTokens !== undefined) out.push(`max ${p.maxTokens}`);
  if (p.seed !== undefined) out.push(`seed ${p.seed}`);
  if (p.reasoningEffort !== undefined) out.push(`effort ${p.reasoningEffort}`);
  if (p.responseFormat && p.responseFormat.type !== 'text') out.push(p.responseFormat.type === 'json_schema' ? `schema ${p.responseFormat.name}` : 'JSON');
  if (p.stop?.length) out.push(`${p.stop.length} stop`);
  return out;
}

/** "Echo · echo · temp 0.7", or the variant's own label when it has one. */
export function variantTitle(column: Column, providerName: string | undefined): string {
  if (column.label) return column.label;
  return [providerName ?? column.providerId, column.model || '(no model)', ...keyParams(column)].join(' · ');
}
