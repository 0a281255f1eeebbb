/**
 * promptfoo's code in configs: `javascript` checks and `transform`s. The code is written as
 * promptfoo reads it (one line is an expression, or declarations ending in one; several lines
 * are a function body) and its result is read as promptfoo reads it (a boolean, a number
 * against the threshold, or a `{ pass, score, reason }` object). Running it is the caller's:
 * main runs it in the sandbox, with no access to this machine.
 */
import type { CodeRunner, CodeValue } from './types';

/** Where a one-line `const a = …; b` ends its last statement: the last `;` outside brackets and strings. */
function lastTopLevelSemicolon(code: string): number {
  let depth = 0;
  let last = -1;
  let quote: string | undefined;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ';' && depth === 0) last = i;
  }
  return last;
}

/**
 * The function body of a one-line check, as promptfoo builds it: `output.length > 3` becomes
 * `return output.length > 3`; `const s = JSON.parse(output).score; s > 0.5` returns its last
 * expression. Several lines are a body already and are used as written.
 */
export function checkFunctionBody(code: string): string {
  const value = code.trimEnd();
  if (value.includes('\n')) return value;
  const trimmed = value.trim().replace(/;+\s*$/, '');
  if (/^(const|let|var)\s/.test(trimmed)) {
    const at = lastTopLevelSemicolon(trimmed);
    if (at !== -1) {
      const expression = trimmed.slice(at + 1).trim();
      if (expression !== '') return `${trimmed.slice(0, at + 1)} return ${expression}`;
    }
    return trimmed;
  }
  return `return ${trimmed}`;
}

/** A transform's body, as promptfoo builds it: one line is an expression, several a body. */
export function transformFunctionBody(code: string): string {
  return code.includes('\n') ? code : `return ${code}`;
}

/** What a check's code returned, read as promptfoo reads it. */
export type CheckOutcome =
  | { kind: 'boolean'; value: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'grading'; pass: boolean; score: number; reason: string }
  | { kind: 'invalid'; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readCheckValue(value: CodeValue): CheckOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.json);
  } catch {
    parsed = undefined;
  }
  if (value.kind === 'boolean' && typeof parsed === 'boolean') return { kind: 'boolean', value: parsed };
  if (value.kind === 'number' && typeof parsed === 'number' && Number.isFinite(parsed)) return { kind: 'number', value: parsed };
  // promptfoo's isGradingResult: pass, score and reason are all required.
  if (value.kind === 'object' && isRecord(parsed) && typeof parsed['pass'] === 'boolean' && typeof parsed['score'] === 'number' && typeof parsed['reason'] === 'string') {
    return { kind: 'grading', pass: parsed['pass'], score: parsed['score'], reason: parsed['reason'].slice(0, 10_000) };
  }
  if (value.kind === 'object' && isRecord(parsed) && typeof parsed['pass'] === 'boolean') {
    return { kind: 'invalid', error: 'Custom function must return a boolean, number, or GradingResult object: a GradingResult has pass (true/false), score (a number) and reason (text).' };
  }
  return { kind: 'invalid', error: `Custom function must return a boolean, a finite number, or a GradingResult object ({ pass, score, reason }). Got ${value.kind === 'number' ? 'a number that is not finite' : `type ${value.kind}`}.` };
}

/**
 * Applies a transform to an output in the sandbox. A string result is the new output; any
 * other value is written as JSON (Parallax's outputs are text). Null or undefined is an error,
 * as in promptfoo.
 */
export function applyTransform(run: CodeRunner, code: string, output: string, context: Record<string, unknown>): { ok: true; output: string } | { ok: false; error: string } {
  const result = run(['output', 'context'], transformFunctionBody(code), [output, context]);
  if (!result.ok) return { ok: false, error: `Transform failed: ${result.error}` };
  const { value } = result;
  if (value.kind === 'undefined' || value.kind === 'null') return { ok: false, error: 'Transform function did not return a value' };
  return { ok: true, output: value.kind === 'string' ? value.text : value.json };
}
