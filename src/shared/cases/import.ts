/**
 * Reading test-case files: CSV (header row), JSONL (one object per line) and JSON (an array of
 * objects, or promptfoo's `tests` list). Reading never stops at a bad row: each one becomes a
 * problem with its line number and a reason, and the good rows are kept.
 *
 * Reading and mapping are two steps so the import dialog can show the columns it found and
 * let the person say where each one goes before any test case is made.
 *
 * CSV cells (and header names) that carry the spreadsheet escape Parallax's exports add (a `'`
 * before text that could start a formula, see ../csv.ts) are read without it, so an exported
 * table comes back exactly as it was. A `'` before anything else is kept as written.
 */
import Papa from 'papaparse';
import { assertionSchema, type AssertionDefinition } from '../assertions/types';
import { unescapeCsvCell } from '../csv';
import { imageSourceOf } from '../images';
import type { TestCase, VariableValue } from '../schemas';

export type CasesFormat = 'csv' | 'jsonl' | 'json';

/** One good row of the file: its values by source column, and the line it starts on (1-based). */
export interface SourceRow {
  line: number;
  values: Record<string, VariableValue>;
  /** promptfoo's per-test checks, from JSON and JSONL files. */
  assert?: AssertionDefinition[];
}

export interface Problem {
  line: number;
  reason: string;
  /** The row was imported all the same, without the part this problem is about. */
  kept?: boolean;
}

export interface ParsedCases {
  format: CasesFormat;
  /** Source columns in order of first appearance. */
  columns: string[];
  rows: SourceRow[];
  problems: Problem[];
}

/** Columns promptfoo's CSV convention uses for the expected answer and the description. */
export const EXPECTED_COLUMN = '__expected';
export const DESCRIPTION_COLUMN = '__description';
/**
 * A CSV column whose header ends in `:image` (`photo:image`) holds images: each cell a data URI
 * or an http(s) address (or the name of an image stored in this data folder). A file path is
 * not read: the cell stays text, and the import says so.
 */
export const IMAGE_SUFFIX = ':image';

function isImageColumn(column: string): boolean {
  return column.trim().toLowerCase().endsWith(IMAGE_SUFFIX) && column.trim().length > IMAGE_SUFFIX.length;
}

/** The variable an `:image` column fills. */
function imageColumnName(column: string): string {
  const name = column.trim();
  return name.slice(0, name.length - IMAGE_SUFFIX.length).trim();
}

/** An `:image` cell as a value: an image when it names one Parallax can send, else the text as it is. */
function imageCell(raw: VariableValue): VariableValue {
  if (typeof raw !== 'string' || raw.trim() === '') return raw;
  const text = raw.trim();
  return imageSourceOf({ image: text }) ? { image: text } : raw;
}

/** Picks the reader from the file name, or from the first character when the name says nothing. */
export function detectFormat(fileName: string, text: string): CasesFormat {
  if (/\.jsonl$|\.ndjson$/i.test(fileName)) return 'jsonl';
  if (/\.json$/i.test(fileName)) return 'json';
  if (/\.(csv|tsv|txt)$/i.test(fileName)) return 'csv';
  const first = stripBom(text).trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

export function parseCasesFile(fileName: string, text: string): ParsedCases {
  const format = detectFormat(fileName, text);
  if (format === 'jsonl') return parseJsonl(text);
  if (format === 'json') return parseJson(text);
  return parseCsv(text);
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------------------------------------------------------------------------------------------
// CSV

const DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter the header line uses most, outside quotes (a comma when there is a tie at 0). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  let most = 0;
  for (const [delimiter, count] of counts) {
    if (count > most) {
      best = delimiter;
      most = count;
    }
  }
  return best;
}

/** Header names made usable: trimmed, never empty, never repeated. */
function headerNames(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  return raw.map((name, index) => {
    let base = name.trim() || `column_${index + 1}`;
    if (seen.has(base)) {
      let n = 2;
      while (seen.has(`${base}_${n}`)) n += 1;
      base = `${base}_${n}`;
    }
    seen.add(base);
    return base;
  });
}

export function parseCsv(input: string): ParsedCases {
  const text = stripBom(input);
  const delimiter = detectDelimiter(text);
  const problems: Problem[] = [];
  const rows: SourceRow[] = [];
  let columns: string[] | undefined;
  // Line bookkeeping: papaparse reports where each row ends (meta.cursor); a row starts where
  // the previous one ended, and its line is one more than the newlines before that offset.
  let rowStart = 0;
  let scanned = 0;
  let line = 1;
  let stopped = false;
  const lineAt = (offset: number): number => {
    for (let i = scanned; i < offset; i += 1) if (text.charCodeAt(i) === 10) line += 1;
    scanned = Math.max(scanned, offset);
    return line;
  };
  Papa.parse<string[]>(text, {
    delimiter,
    step: (result, parser) => {
      if (stopped) return;
      const startLine = lineAt(rowStart);
      rowStart = result.meta.cursor;
      const fields = result.data;
      const quoteError = result.errors.find((e) => e.type === 'Quotes');
      if (quoteError) {
        const lastLine = lineAt(Math.max(rowStart - 1, 0));
        const rest = lastLine > startLine ? `; lines ${startLine}–${lastLine} were not read` : '';
        problems.push({ line: startLine, reason: `a quoted field is never closed (a " is missing)${rest}` });
        stopped = true;
        parser.abort();
        return;
      }
      // A blank line is not a row.
      if (fields.length === 1 && (fields[0] ?? '').trim() === '') return;
      if (!columns) {
        columns = headerNames(fields.map(unescapeCsvCell));
        return;
      }
      if (fields.length !== columns.length) {
        problems.push({
          line: startLine,
          reason: `${fields.length} ${fields.length === 1 ? 'field' : 'fields'}, but the header has ${columns.length}`,
        });
        return;
      }
      const values: Record<string, VariableValue> = {};
      columns.forEach((column, i) => {
        values[column] = unescapeCsvCell(stripCr(fields[i] ?? ''));
      });
      rows.push({ line: startLine, values });
    },
  });
  if (!columns) problems.push({ line: 1, reason: 'the file is empty: a CSV needs a header row naming its columns' });
  return { format: 'csv', columns: columns ?? [], rows, problems };
}

/** A file with mixed line endings leaves a \r on the last field of a row. */
function stripCr(value: string): string {
  return value.endsWith('\r') ? value.slice(0, -1) : value;
}

// ---------------------------------------------------------------------------------------------
// JSON and JSONL

type JsonObject = Record<string, VariableValue>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

/**
 * A row from one JSON value: a plain object is the row; promptfoo's test shape
 * `{ vars, description?, assert? }` (plus Parallax's own `expected`) gives its vars, its
 * description, its expected answer and its checks. A check Parallax does not know is left out
 * and reported; the row is kept.
 */
function rowFromObject(value: unknown, line: number, problems: Problem[]): SourceRow | undefined {
  if (!isObject(value)) {
    problems.push({ line, reason: `expected an object with one value per column, found ${kindOf(value)}` });
    return undefined;
  }
  if (!('vars' in value)) return { line, values: value };
  const { vars, description, expected, assert } = value;
  if (!isObject(vars)) {
    problems.push({ line, reason: `"vars" should be an object of variable values, found ${kindOf(vars)}` });
    return undefined;
  }
  const values: JsonObject = { ...vars };
  if (typeof description === 'string' && values[DESCRIPTION_COLUMN] === undefined) values[DESCRIPTION_COLUMN] = description;
  if (typeof expected === 'string' && values[EXPECTED_COLUMN] === undefined) values[EXPECTED_COLUMN] = expected;
  const row: SourceRow = { line, values };
  if (Array.isArray(assert)) {
    const checks: AssertionDefinition[] = [];
    assert.forEach((item, i) => {
      const parsed = assertionSchema.safeParse(item);
      if (parsed.success) checks.push(parsed.data);
      else problems.push({ line, reason: `assert ${i + 1} left out: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`, kept: true });
    });
    if (checks.length > 0) row.assert = checks;
  }
  return row;
}

function collect(rows: SourceRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row.values)) seen.add(key);
  return [...seen];
}

/** The reason a JSON text does not parse, without the engine's "JSON.parse:" prefix. */
function jsonReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `not valid JSON (${message.replace(/^JSON\.parse: /, '')})`;
}

export function parseJsonl(input: string): ParsedCases {
  const text = stripBom(input);
  const rows: SourceRow[] = [];
  const problems: Problem[] = [];
  text.split('\n').forEach((raw, index) => {
    const lineText = raw.trim();
    if (lineText === '') return;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      problems.push({ line, reason: jsonReason(error) });
      return;
    }
    const row = rowFromObject(value, line, problems);
    if (row) rows.push(row);
  });
  if (rows.length === 0 && problems.length === 0) problems.push({ line: 1, reason: 'the file is empty: a JSONL file has one JSON object per line' });
  return { format: 'jsonl', columns: collect(rows), rows, problems };
}

export function parseJson(input: string): ParsedCases {
  const text = stripBom(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { format: 'json', columns: [], rows: [], problems: [{ line: lineOfJsonError(text, error), reason: jsonReason(error) }] };
  }
  // promptfoo configs keep their list under `tests`.
  if (isObject(value) && Array.isArray(value.tests)) value = value.tests;
  if (!Array.isArray(value)) {
    return {
      format: 'json',
      columns: [],
      rows: [],
      problems: [{ line: 1, reason: `expected a list of test cases ([{...}, {...}]), found ${kindOf(value)}` }],
    };
  }
  const starts = elementLines(text);
  const rows: SourceRow[] = [];
  const problems: Problem[] = [];
  value.forEach((item: unknown, index) => {
    const line = starts[index] ?? 1;
    const row = rowFromObject(item, line, problems);
    if (row) rows.push(row);
  });
  return { format: 'json', columns: collect(rows), rows, problems };
}

/** V8 says "at position N" (and newer ones "(line L column C)"); turn either into a line. */
function lineOfJsonError(text: string, error: unknown): number {
  const message = error instanceof Error ? error.message : '';
  const explicit = /line (\d+) column \d+/.exec(message);
  if (explicit?.[1]) return Number(explicit[1]);
  const position = /position (\d+)/.exec(message);
  if (position?.[1]) return lineOfOffset(text, Number(position[1]));
  return 1;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/**
 * The line each element of the list that holds the test cases starts on: the top-level array,
 * or the array under a top-level `"tests"` key. Scans once, minding strings and nesting.
 */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let listDepth = -1;
  let expectValue = false;
  let lastKey = '';
  let stringStart = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n') line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') {
        inString = false;
        if (depth === 1) lastKey = text.slice(stringStart + 1, i);
      }
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') continue;
    if (depth === listDepth && expectValue && char !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (char === '"') {
      inString = true;
      stringStart = i;
    } else if (char === '[' || char === '{') {
      depth += 1;
      if (char === '[' && listDepth === -1 && (depth === 1 || (depth === 2 && lastKey === 'tests'))) {
        listDepth = depth;
        expectValue = true;
      }
    } else if (char === ']' || char === '}') {
      if (depth === listDepth) listDepth = -2; // the list is closed: record nothing more
      depth -= 1;
    } else if (char === ',' && depth === listDepth) {
      expectValue = true;
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Mapping

/** Where a source column goes: a variable of that name, the expected answer, the description, nowhere. */
export type ColumnTarget = string;
export const TARGET_EXPECTED = 'expected';
export const TARGET_DESCRIPTION = 'description';
export const TARGET_IGNORE = 'ignore';

export type CasesMapping = Record<string, ColumnTarget>;

/**
 * The mapping the dialog starts with: promptfoo's `__expected`/`__description` (and plain
 * `expected`/`description` when the template has no variable of that name) go to their
 * fields, other `__` columns (promptfoo metadata) are ignored, and every other column keeps its
 * name as a variable, so nothing in the file is dropped unless the person says so.
 */
export function defaultMapping(columns: readonly string[], templateVariables: readonly string[]): CasesMapping {
  const known = new Set(templateVariables);
  const mapping: CasesMapping = {};
  for (const column of columns) {
    const name = column.trim();
    if (isImageColumn(column)) mapping[column] = imageColumnName(column);
    else if (known.has(name)) mapping[column] = name;
    else if (name === EXPECTED_COLUMN || name === 'expected') mapping[column] = TARGET_EXPECTED;
    else if (name === DESCRIPTION_COLUMN || name === 'description') mapping[column] = TARGET_DESCRIPTION;
    else if (name.startsWith('__')) mapping[column] = TARGET_IGNORE;
    else mapping[column] = name;
  }
  return mapping;
}

export interface MappingOptions {
  /** Source columns whose text is JSON to parse (CSV cells are text otherwise). */
  parseJson?: Iterable<string>;
}

function asText(value: VariableValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Makes test cases (with new ids) from the good rows, as the mapping says. */
export function applyMapping(parsed: ParsedCases, mapping: CasesMapping, options: MappingOptions = {}): TestCase[] {
  const json = new Set(options.parseJson ?? []);
  return parsed.rows.map((row): TestCase => {
    const vars: Record<string, VariableValue> = {};
    let expected: string | undefined;
    let description: string | undefined;
    for (const [column, raw] of Object.entries(row.values)) {
      const target = mapping[column] ?? column;
      if (target === TARGET_IGNORE) continue;
      if (target === TARGET_EXPECTED) {
        if (raw !== '' && raw !== null) expected = asText(raw);
      } else if (target === TARGET_DESCRIPTION) {
        if (raw !== '' && raw !== null) description = asText(raw).slice(0, 500);
      } else {
        vars[target] = parsed.format === 'csv' && isImageColumn(column) ? imageCell(raw) : json.has(column) ? parseCell(raw) : raw;
      }
    }
    return {
      id: crypto.randomUUID(),
      vars,
      ...(expected !== undefined ? { expected } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(row.assert ? { assert: row.assert } : {}),
    };
  });
}

/** A text cell's JSON value; the cell as it is when it is not text, is blank, or does not parse. */
function parseCell(raw: VariableValue): VariableValue {
  if (typeof raw !== 'string' || raw.trim() === '') return raw;
  try {
    return JSON.parse(raw) as VariableValue;
  } catch {
    return raw;
  }
}

/**
 * For the columns to parse as JSON: each cell that is not valid JSON (it will stay text),
 * with its line, so the dialog can say so before anything is imported.
 */
export function jsonProblems(parsed: ParsedCases, columns: Iterable<string>): Problem[] {
  const problems: Problem[] = [];
  for (const column of columns) {
    for (const row of parsed.rows) {
      const raw = row.values[column];
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      try {
        JSON.parse(raw);
      } catch (error) {
        problems.push({ line: row.line, reason: `${column}: ${jsonReason(error)}; it stays text` });
      }
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}

/** For a CSV's `:image` columns: each cell that is not a data URI or web address (it stays text), with its line. */
export function imageProblems(parsed: ParsedCases): Problem[] {
  if (parsed.format !== 'csv') return [];
  const problems: Problem[] = [];
  for (const column of parsed.columns.filter(isImageColumn)) {
    for (const row of parsed.rows) {
      const raw = row.values[column];
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      if (imageCell(raw) === raw) {
        problems.push({ line: row.line, reason: `${column}: not a data:image URI or an http(s) address (files are not read); it stays text`, kept: true });
      }
    }
  }
  return problems;
}

/** Columns whose every non-blank cell is JSON list or object text: worth offering "parse as JSON". */
export function jsonLikeColumns(parsed: ParsedCases): string[] {
  return parsed.columns.filter((column) => {
    let seen = false;
    for (const row of parsed.rows) {
      const raw = row.values[column];
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      const t = raw.trim();
      if (!((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}')))) return false;
      seen = true;
    }
    return seen;
  });
}
