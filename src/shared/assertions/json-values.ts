/**
 * Finding JSON in model output, and reading a JSON schema from an assertion's value.
 */
import { parse as parseYaml } from 'yaml';

/** Index just past the object that opens at `start`, skipping braces inside strings; -1 if unclosed. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Every JSON object written somewhere in the text (prose, code fences, several objects), in
 * order; nested objects are part of their parent, not listed again. Like promptfoo's
 * `extractJsonObjects`, only objects count: a bare array or number is not "JSON in the output".
 */
export function extractJsonObjects(text: string): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  for (let i = text.indexOf('{'); i !== -1 && i < text.length; i = text.indexOf('{', i + 1)) {
    const end = objectEnd(text, i);
    if (end === -1) continue;
    try {
      const value: unknown = JSON.parse(text.slice(i, end));
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        found.push(value as Record<string, unknown>);
        i = end - 1;
      }
    } catch {
      // Not JSON from this brace (e.g. "{name}" in prose); try the next one.
    }
  }
  return found;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** JSON.parse without exceptions. */
export function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The schema an assertion's value holds: an object as is, a string read as YAML (which covers
 * JSON), as promptfoo does. `file://` references are resolved by the caller before this.
 */
export function readSchema(value: unknown): Parsed<object | boolean> {
  let schema: unknown = value;
  if (typeof value === 'string') {
    try {
      schema = parseYaml(value) as unknown;
    } catch (error) {
      return { ok: false, error: `the schema is not valid YAML or JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (typeof schema === 'boolean' || (schema !== null && typeof schema === 'object' && !Array.isArray(schema))) return { ok: true, value: schema };
  return { ok: false, error: 'the schema must be an object (or true/false)' };
}

/** Deep equality for parsed JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]));
}
