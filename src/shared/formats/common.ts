/**
 * What the prompt file formats share: import reports (all or nothing, with line and column),
 * parameter names, sample values, and the rules that keep keys out of files.
 */
import { AppError } from '../errors';
import { paramsSchema, type Params, type VariableValue, type Variables } from '../schemas';
import { promptDocumentSchema, type FormatIssue, type ImportResult, type PromptDocument, type PromptModel } from './document';

export const ENVAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const DEFAULT_KEY_ENVAR = 'OPENAI_API_KEY';

export interface Position {
  line?: number;
  column?: number;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function where(at: Position | undefined): string {
  if (at?.line === undefined) return '';
  return at.column === undefined ? `line ${at.line}: ` : `line ${at.line}, column ${at.column}: `;
}

/** Collects what an import found. Any error means nothing is imported. */
export class ImportReport {
  readonly errors: FormatIssue[] = [];
  readonly warnings: string[] = [];

  error(message: string, at?: Position): void {
    this.errors.push({ ...(at?.line !== undefined ? { line: at.line } : {}), ...(at?.column !== undefined ? { column: at.column } : {}), message });
  }

  /** Warnings are sentences; the position goes in front so a person can find the spot. */
  warn(message: string, at?: Position): void {
    this.warnings.push(`${where(at)}${message}`);
  }

  /** The last gate: the document must satisfy the schema every other part of Parallax trusts. */
  finish(document: PromptDocument): ImportResult {
    if (this.errors.length > 0) return { ok: false, errors: this.errors };
    const parsed = promptDocumentSchema.safeParse(document);
    if (!parsed.success) {
      return { ok: false, errors: parsed.error.issues.map((issue) => ({ message: `${issue.path.join('.') || 'the prompt'}: ${issue.message}` })) };
    }
    return { ok: true, document: parsed.data, warnings: this.warnings };
  }

  fail(message: string, at?: Position): ImportResult {
    this.error(message, at);
    return { ok: false, errors: this.errors };
  }
}

/** A refusal to export, as the project's typed error so every front door reports it the same way. */
export function cannotExport(formatLabel: string, reason: string): AppError {
  return new AppError('bad_input', `Cannot export as ${formatLabel}: ${reason}`);
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * Drops a byte order mark and, for a file written with Windows line ends (its first line ends
 * in CRLF), turns CRLF into LF. A file that uses LF keeps any CR inside messages as written.
 */
export function normalizeText(text: string): string {
  const unmarked = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const firstBreak = unmarked.indexOf('\n');
  return firstBreak > 0 && unmarked[firstBreak - 1] === '\r' ? unmarked.replace(/\r\n/g, '\n') : unmarked;
}

/** `prompts/Greeting.v2.prompty` → `Greeting.v2`: the name an import gives a file that names nothing. */
export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = (dot > 0 ? base.slice(0, dot) : base).trim();
  return stem || 'Imported prompt';
}

export function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** For comments in generated code: one line, no control characters, not too long. */
export function oneLine(text: string, max = 100): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---------------------------------------------------------------------------------------------
// Parameters

/**
 * Parallax's parameter names and the names OpenAI's API (and Prompty's `parameters`) use.
 * `satisfies` makes a new field in Params a compile error here until it gets its row.
 */
export const API_PARAM_NAMES = {
  temperature: 'temperature',
  topP: 'top_p',
  maxTokens: 'max_tokens',
  seed: 'seed',
  stop: 'stop',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  responseFormat: 'response_format',
  reasoningEffort: 'reasoning_effort',
  topK: 'top_k',
  thinkingBudget: 'thinking_budget',
  reasoningSummary: 'reasoning_summary',
  safety: 'safety_settings',
  tools: 'tools',
  toolChoice: 'tool_choice',
} as const satisfies Record<Exclude<keyof Params, 'extra'>, string>;
export type ParamKey = keyof typeof API_PARAM_NAMES;
export const PARAM_KEYS = Object.keys(API_PARAM_NAMES) as ParamKey[];

/** What a valid value looks like, for the error sentence. */
const PARAM_RULES: Record<ParamKey, string> = {
  temperature: 'a number from 0 to 2',
  topP: 'a number from 0 to 1',
  maxTokens: 'a whole number of tokens above 0',
  seed: 'a whole number',
  stop: 'a list of up to 4 stop sequences',
  presencePenalty: 'a number from -2 to 2',
  frequencyPenalty: 'a number from -2 to 2',
  responseFormat: 'text, json_object, or json_schema with a name and a schema',
  reasoningEffort: 'none, minimal, low, medium, high or xhigh',
  topK: 'a whole number from 1 to 1000',
  thinkingBudget: 'a whole number of tokens (0 turns thinking off, -1 lets the model decide)',
  reasoningSummary: 'auto, concise or detailed',
  safety: 'a map from harm category (HARM_CATEGORY_…) to threshold (BLOCK_…)',
  tools: 'a list of tools, each with a name, a description and a JSON Schema of its parameters',
  toolChoice: 'auto, none, required, or { name } of one tool',
};

/** The API's `response_format` for ours: json_schema nests its name and schema. */
function responseFormatToApi(format: NonNullable<Params['responseFormat']>): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) } };
}

/** Ours from the API's `response_format` (or already ours); unchanged when it is neither. */
function responseFormatFromApi(value: unknown): unknown {
  if (!isRecord(value) || value['type'] !== 'json_schema' || !isRecord(value['json_schema'])) return value;
  const inner = value['json_schema'];
  return { type: 'json_schema', name: inner['name'], schema: inner['schema'], ...(inner['strict'] !== undefined ? { strict: inner['strict'] } : {}) };
}

/** `{ temperature: 0.2, max_tokens: 256 }`, in a stable order, set values only. */
export function paramsToApi(params: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PARAM_KEYS) {
    const value = params[key];
    if (value === undefined) continue;
    out[API_PARAM_NAMES[key]] = key === 'responseFormat' && params.responseFormat !== undefined ? responseFormatToApi(params.responseFormat) : value;
  }
  // Fields sent as written come after, without replacing one Parallax sets itself.
  for (const [name, value] of Object.entries(params.extra ?? {})) if (!(name in out)) out[name] = value;
  return out;
}

/**
 * Reads parameters from a map under the given names (API names or Parallax's own), checking
 * each with the schema. Returns the params and the keys it used, so callers can warn on the rest.
 */
export function readParams(
  source: Record<string, unknown>,
  names: Readonly<Partial<Record<ParamKey, string>>>,
  report: ImportReport,
  at: (key: string) => Position,
  label: (key: string) => string,
): { params: Params; used: Set<string> } {
  const params: Params = {};
  const used = new Set<string>();
  for (const key of PARAM_KEYS) {
    const name = names[key];
    if (name === undefined || !(name in source)) continue;
    used.add(name);
    const raw = source[name];
    if (raw === null || raw === undefined) continue;
    const value = key === 'responseFormat' ? responseFormatFromApi(raw) : key === 'stop' && typeof raw === 'string' ? [raw] : raw;
    const parsed = paramsSchema.pick({ [key]: true } as Record<ParamKey, true>).safeParse({ [key]: value });
    if (parsed.success && parsed.data[key] !== undefined) Object.assign(params, parsed.data);
    else report.error(`${label(name)} must be ${PARAM_RULES[key]}, not ${typeof value === 'number' ? String(value) : describeType(value)}`, at(name));
  }
  return { params, used };
}

// ---------------------------------------------------------------------------------------------
// Keys

/** Export refuses a key variable that is not a variable name: that field may hold a pasted key. */
export function checkKeyEnvar(model: PromptModel | undefined, formatLabel: string): void {
  if (model?.apiKeyEnvar !== undefined && !ENVAR_NAME.test(model.apiKeyEnvar)) {
    throw cannotExport(
      formatLabel,
      'the model\'s key variable is not the name of an environment variable (letters, digits and underscores), and Parallax never writes what may be a key into a file. Fix it in the prompt\'s model settings.',
    );
  }
}

export type KeyReference = { kind: 'envar'; name: string; droppedDefault: boolean } | { kind: 'literal' } | { kind: 'none' };

/** Prompty's `${env:NAME}` (or `${env:NAME:default}`); anything else non-empty is a key written into the file. */
export function readKeyReference(value: unknown): KeyReference {
  if (value === undefined || value === null || value === '') return { kind: 'none' };
  if (typeof value !== 'string') return { kind: 'literal' };
  const match = /^\$\{env:([^:}]+)(?::([^}]*))?\}$/.exec(value.trim());
  const name = match?.[1]?.trim();
  if (!match || name === undefined || !ENVAR_NAME.test(name)) return { kind: 'literal' };
  return { kind: 'envar', name, droppedDefault: (match[2] ?? '') !== '' };
}

export const LITERAL_KEY_WARNING =
  'holds an API key written into the file; Parallax dropped it and did not store it. Keep keys in environment variables and name the variable instead';

// ---------------------------------------------------------------------------------------------
// Sample values

/** A value that is canonical JSON for an object or list: written as YAML so templates can read into it, and read back to the same text. */
function structured(value: string): unknown {
  if (!value.startsWith('{') && !value.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && JSON.stringify(parsed) === value ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function sampleToYaml(sample: Variables): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sample)) out[name] = typeof value === 'string' ? (structured(value) ?? value) : value;
  return out;
}

/** A variable's value as text: strings as they are, anything else as JSON. */
export function valueText(value: VariableValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The YAML type name a sample value gets (Prompty's `inputs.<name>.type`). */
export function sampleType(value: VariableValue | undefined): 'string' | 'object' | 'array' {
  const parsed = value === undefined ? undefined : typeof value === 'string' ? structured(value) : value;
  return parsed === undefined || parsed === null || typeof parsed !== 'object' ? 'string' : Array.isArray(parsed) ? 'array' : 'object';
}

/** Variables are text: numbers and booleans as written, maps and lists as JSON (which `{{ name.field }}` reads into). */
export function sampleValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function readSample(value: unknown, report: ImportReport, at: Position, label: string): Variables {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    report.warn(`${label} is ${describeType(value)}, not a map of name: value; no sample values were imported`, at);
    return {};
  }
  // fromEntries defines own properties, so even a variable called __proto__ is kept as data.
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, sampleValue(item)]));
}

/** A list of names (authors, tags): a single string counts as a list of one. */
export function readStringList(value: unknown, report: ImportReport, at: Position, label: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) {
    report.error(`${label} must be a list of text, not ${describeType(value)}`, at);
    return [];
  }
  const list: string[] = [];
  for (const item of value) {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') list.push(String(item));
    else report.error(`${label} must be a list of text; one entry is ${describeType(item)}`, at);
  }
  return list;
}

export function readText(value: unknown, report: ImportReport, at: Position, label: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  report.error(`${label} must be text, not ${describeType(value)}`, at);
  return undefined;
}

/** Only http(s) URLs become a base URL; Prompty's `${env:…}` cannot be resolved in a file import. */
export function readBaseUrl(value: unknown, report: ImportReport, at: Position, label: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && value.trim().startsWith('${env:')) {
    report.warn(`${label} reads an environment variable, which an imported file cannot resolve; set the base URL in Parallax`, at);
    return undefined;
  }
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+/i.test(value.trim())) {
    // The value is not repeated: a field that is not a URL may hold anything, a key included.
    report.error(`${label} must be a full http(s) URL such as https://api.openai.com/v1`, at);
    return undefined;
  }
  return value.trim();
}

/** Warns once per key a format does not read; never repeats the value, which may be a secret. */
export function warnIgnored(record: Record<string, unknown>, read: ReadonlySet<string>, report: ImportReport, at: (key: string) => Position, prefix: string, hint = ''): void {
  for (const key of Object.keys(record)) {
    if (!read.has(key)) report.warn(`${prefix}${key} is ignored${hint}`, at(key));
  }
}
