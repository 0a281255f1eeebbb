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
  if (p.topK !== undefined) out.push(`top_k ${p.topK}`);
  if (p.thinkingBudget !== undefined) out.push(p.thinkingBudget === 0 ? 'no thinking' : p.thinkingBudget === -1 ? 'thinking auto' : `thinking ${p.thinkingBudget}`);
  if (p.reasoningSummary !== undefined) out.push(`summary ${p.reasoningSummary}`);
  if (p.responseFormat && p.responseFormat.type !== 'text') out.push(p.responseFormat.type === 'json_schema' ? `schema ${p.responseFormat.name}` : 'JSON');
  if (p.stop?.length) out.push(`${p.stop.length} stop`);
  return out;
}

/** What a variant is, from its provider, model and settings: "Echo · echo · temp 0.7". */
function describe(column: Column, providerName: string | undefined): string {
  return [providerName ?? column.providerId, column.model || '(no model)', ...keyParams(column)].join(' · ');
}

/** "Echo · echo · temp 0.7", or the variant's own label when it has one. */
export function variantTitle(column: Column, providerName: string | undefined): string {
  if (column.label) return column.label;
  return describe(column, providerName);
}

/** A leading "B:" (or "B -", "b)") a person typed, as the old placeholder showed. */
const LETTER_PREFIX = /^\s*([A-Za-z]{1,2})\s*[:：)\-–—]\s*/;

/**
 * The label without the variant's own letter in front: "A: terse" on variant A is "terse", so
 * the letter, added wherever the variant is named, is shown once. A different letter stays
 * ("B: terse" on variant A is a name, perhaps of the variant it was copied from).
 */
export function labelWithoutLetter(label: string, index: number): string {
  const letter = variantLetter(index);
  let rest = label.trim();
  for (let m = LETTER_PREFIX.exec(rest); m && m[1]?.toUpperCase() === letter; m = LETTER_PREFIX.exec(rest)) rest = rest.slice(m[0].length).trim();
  return rest;
}

/**
 * The variant's name without its letter: its label (less a typed letter), else what it is.
 * Used by the grid's headers, Judge, the verdict and exports alike.
 */
export function variantName(column: Column, index: number, providerName: string | undefined): string {
  const own = column.label ? labelWithoutLetter(column.label, index) : '';
  return own !== '' ? own : describe(column, providerName);
}

/**
 * "A: OpenAI · gpt-4o-mini · temp 0.2", "B: terse": the letter once and the name. Composing it
 * again from its own output gives the same text.
 */
export function variantLabel(column: Column, index: number, providerName: string | undefined): string {
  const own = column.label ? labelWithoutLetter(column.label, index) : '';
  const name = own !== '' ? own : `${describe(column, providerName)}${column.promptVersionId ? ' · saved version' : ''}`;
  return `${variantLetter(index)}: ${name}`;
}

/**
 * Whether a label was made from the variant's provider and model rather than typed: the forms
 * Parallax writes ("Echo · echo · temp 0.7", promptfoo's "OpenAI: gpt-4o", "echo #2", with or
 * without the letter). Such a label describes the old provider once it changes, so it goes.
 */
export function isGeneratedLabel(label: string, column: Column, providerName: string | undefined, index?: number): boolean {
  const model = column.model.trim();
  const names = [providerName, column.providerId].filter((n): n is string => n !== undefined && n !== '');
  const forms = new Set<string>([describe(column, providerName), `openai:chat:${model}`, `openai:${model}`]);
  for (const name of names) {
    forms.add(`${name}: ${model}`);
    forms.add(`${name} · ${model || '(no model)'}`);
    forms.add(name);
  }
  if (model !== '') forms.add(model);
  let text = label.trim();
  if (index !== undefined) text = labelWithoutLetter(text, index);
  text = text.replace(/\s+#\d+$/, '').replace(/ · saved version$/, '');
  return forms.has(text);
}
