/**
 * The Tools editor's text: a JSON list of tools, read into the neutral definitions with each
 * problem placed where it is (line and column, for Monaco's markers and the list beside it).
 * OpenAI's, the Responses API's, Anthropic's and Gemini's forms are read too (a paste from
 * their docs or a promptfoo config works) and reported as converted, so the editor can write
 * them back in Parallax's form. Pure: no DOM, no Monaco.
 */
import { LineCounter, parseDocument } from 'yaml';
import { toolsFromConfig } from '../../../../shared/promptfoo/vendor-config';
import { MAX_TOOLS, toolsSchema, type ToolDefinition } from '../../../../shared/tools';
import type { EditorProblem } from '../../monaco/template-problems';

export type ToolsText = { ok: true; tools: ToolDefinition[]; converted: boolean; problems: EditorProblem[] } | { ok: false; problems: EditorProblem[] };

/** JSON longer than this is not read (a tool list is a few kilobytes). */
export const MAX_TOOLS_TEXT = 1_000_000;

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

type Place = Pick<EditorProblem, 'line' | 'column' | 'endColumn'>;

function placeAt(text: string, offset: number, length = 1): Place {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const lineEnd = text.indexOf('\n', offset);
  const end = Math.min(offset + Math.max(1, length), lineEnd === -1 ? text.length : lineEnd);
  return { line, column, endColumn: column + Math.max(1, end - offset) };
}

/** Where JSON.parse stopped: V8 says "at position N" and, lately, "(line L column C)". */
function syntaxPlace(text: string, message: string): Place {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) {
    const line = Number(lineCol[1]);
    const column = Number(lineCol[2]);
    return { line, column, endColumn: column + 1 };
  }
  const position = /position (\d+)/.exec(message);
  if (position) return placeAt(text, Number(position[1]));
  return placeAt(text, text.length);
}

/**
 * Finds a path's node in the text: the yaml parser reads JSON with offsets. Falls back along
 * the path to the nearest node that exists, then to the start.
 */
function locator(text: string): (path: readonly (string | number)[]) => Place {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false, uniqueKeys: false });
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return placeAt(text, node.range[0], node.range[1] - node.range[0]);
    }
    return placeAt(text, 0);
  };
}

/** Lint-like checks a JSON Schema for arguments can fail without ajv (which the page's CSP forbids). */
function schemaWarnings(parameters: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (parameters['type'] !== 'object') out.push('parameters should be an object schema ("type": "object"): OpenAI, Anthropic and Gemini want the arguments as an object');
  const properties = parameters['properties'];
  if (properties !== undefined && !isRecord(properties)) out.push('"properties" must be an object of property schemas');
  const required = parameters['required'];
  if (required !== undefined) {
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) out.push('"required" must be a list of property names');
    else if (isRecord(properties)) {
      const missing = required.filter((r) => !Object.hasOwn(properties, r));
      if (missing.length > 0) out.push(`"required" names ${missing.map((m) => JSON.stringify(m)).join(', ')}, which "properties" does not define`);
    }
  }
  if (isRecord(properties)) {
    for (const [name, schema] of Object.entries(properties)) {
      if (!isRecord(schema)) {
        out.push(`property ${JSON.stringify(name)} must be a schema (an object)`);
        continue;
      }
      const type = schema['type'];
      const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
      const bad = types.find((t) => typeof t !== 'string' || !JSON_TYPES.has(t));
      if (bad !== undefined) out.push(`property ${JSON.stringify(name)} has type ${JSON.stringify(bad)}; JSON Schema types are ${[...JSON_TYPES].join(', ')}`);
    }
  }
  return out;
}

/** Which item of the list a vendor-config error (`[2].function.name: …`) is about, and the rest of its path. */
function pathOfError(message: string): { path: (string | number)[]; text: string } {
  const match = /^\[(\d+)\]((?:\.[\w$-]+|\[\d+\])*)(?::\s*|\s+)(.*)$/s.exec(message);
  if (!match) return { path: [], text: message };
  const rest = (match[2] ?? '').match(/\.[\w$-]+|\[\d+\]/g) ?? [];
  const sub = rest.map((step) => (step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1)));
  return { path: [Number(match[1]), ...sub], text: match[3] ?? message };
}

function isNeutral(item: unknown): boolean {
  return isRecord(item) && Object.keys(item).every((k) => k === 'name' || k === 'description' || k === 'parameters');
}

/** The tools the text stands for, or undefined when it has errors: the quick read, without problems. */
export function toolsOf(text: string): ToolDefinition[] | undefined {
  if (text.trim() === '') return [];
  if (text.length > MAX_TOOLS_TEXT) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const read = toolsFromConfig(Array.isArray(value) ? value : [value]);
  if (!read.ok) return undefined;
  const parsed = toolsSchema.safeParse(read.value);
  return parsed.success ? parsed.data : undefined;
}

/** Reads the editor's text. Blank text is no tools. */
export function readToolsText(text: string): ToolsText {
  if (text.trim() === '') return { ok: true, tools: [], converted: false, problems: [] };
  if (text.length > MAX_TOOLS_TEXT) return { ok: false, problems: [{ severity: 'error', message: `The tools are ${text.length.toLocaleString('en')} characters long; at most ${MAX_TOOLS_TEXT.toLocaleString('en')}.`, ...placeAt(text, 0) }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ severity: 'error', message: `Not valid JSON: ${message}`, ...syntaxPlace(text, message) }] };
  }
  const where = locator(text);
  // One tool on its own, or Gemini's wrapper, is a list of one.
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_TOOLS) return { ok: false, problems: [{ severity: 'error', message: `At most ${MAX_TOOLS} tools.`, ...where([]) }] };
  const read = toolsFromConfig(list);
  if (!read.ok) {
    const { path, text: words } = pathOfError(read.error);
    const [index, ...sub] = path;
    const item = typeof index === 'number' ? list[index] : undefined;
    // An OpenAI-form tool keeps its fields under "function".
    const under = isRecord(item) && isRecord(item['function']) && sub.length > 0 && sub[0] !== 'functionDeclarations' ? ['function'] : [];
    const nested = [...(Array.isArray(value) && typeof index === 'number' ? [index] : []), ...under, ...sub];
    const message = /^(names|has) /.test(words) ? `The list ${words}` : words.startsWith('must ') ? `The tools ${words}` : words.charAt(0).toUpperCase() + words.slice(1);
    return { ok: false, problems: [{ severity: 'error', message: message.endsWith('.') ? message : `${message}.`, ...where(nested) }] };
  }
  const parsed = toolsSchema.safeParse(read.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problems: [{ severity: 'error', message: issue?.message ?? 'Not a list of tools.', ...where(issue?.path.filter((p): p is string | number => typeof p !== 'symbol') ?? []) }] };
  }
  const problems: EditorProblem[] = [];
  parsed.data.forEach((tool, index) => {
    const base: (string | number)[] = Array.isArray(value) ? [index] : [];
    const item = list[index];
    const inner = isRecord(item) && isRecord(item['function']) ? [...base, 'function'] : base;
    if (tool.parameters) {
      for (const warning of schemaWarnings(tool.parameters)) problems.push({ severity: 'warning', message: `${tool.name}: ${warning}.`, ...where([...inner, 'parameters']) });
    }
    if (tool.description === undefined || tool.description.trim() === '') {
      problems.push({ severity: 'warning', message: `${tool.name}: no description; models choose tools by their descriptions.`, ...where([...inner, 'name']) });
    }
  });
  const converted = !Array.isArray(value) || !list.every(isNeutral);
  return { ok: true, tools: parsed.data, converted, problems };
}

/** The tools as the editor writes them: Parallax's form, two-space JSON. */
export function toolsToText(tools: readonly ToolDefinition[]): string {
  return tools.length === 0 ? '' : JSON.stringify(tools, null, 2);
}

/** A first tool to edit, for the Add tool button. */
export function exampleTool(taken: readonly ToolDefinition[]): ToolDefinition {
  let name = 'get_weather';
  for (let n = 2; taken.some((t) => t.name === name); n++) name = `get_weather_${n}`;
  return {
    name,
    description: 'The current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'The city, e.g. Paris' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  };
}
