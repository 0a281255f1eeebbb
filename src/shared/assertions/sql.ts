/**
 * promptfoo's is-sql and contains-sql (src/assertions/sql.ts in promptfoo 0.121.20), ported
 * line for line: node-sql-parser decides whether the answer is SQL of `databaseType` (MySQL
 * unless named), and its whitelist check holds the tables and columns to `allowedTables` /
 * `allowedColumns` (`select::null::name`-style entries, as node-sql-parser writes them);
 * promptfoo's extra heuristics (an odd number of backticks, `SELECT a b FROM`, MySQL's
 * generate_series) fail the same answers here.
 *
 * The parser is injected (`SqlParser`): node-sql-parser carries a grammar per database, 24 MB in
 * all, which main loads and the renderer never needs (src/main/assertions/sql-parser.ts).
 * It is a PEG parser that takes ~4 µs a character on the thread that grades, so an answer longer
 * than MAX_SQL_CHARS fails with that reason rather than holding the thread (promptfoo parses it,
 * for seconds); parentheses nested too deep overflow its stack, which fails the answer as invalid
 * SQL, as in promptfoo.
 */

/** The part of node-sql-parser's `Parser` the checks use. */
export interface SqlParser {
  astify(sql: string, opt?: SqlParserOptions): unknown;
  parse(sql: string, opt?: SqlParserOptions): { tableList?: string[]; columnList?: string[] };
  whiteListCheck(sql: string, whiteList: string[], opt?: SqlParserOptions): unknown;
}

export interface SqlParserOptions {
  database?: string;
  type?: string;
}

/** The longest SQL a check parses, in characters. */
export const MAX_SQL_CHARS = 100_000;

export interface SqlOutcome {
  pass: boolean;
  reason: string;
}

const STANDARD_SELECT_MODIFIER = '(?:all|distinct)';
const MYSQL_SELECT_MODIFIER = '(?:all|distinct(?:row)?|high_priority|straight_join|sql_(?:big_result|buffer_result|cache|calc_found_rows|no_cache|small_result))';
const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';

function missingCommaPattern(modifier: string): RegExp {
  return new RegExp(String.raw`\bselect\s+(?:${modifier}\s+)*(?!${modifier}\b)${IDENTIFIER}\s+${IDENTIFIER}\s+from\b`, 'i');
}

const STANDARD_MISSING_COMMA = missingCommaPattern(STANDARD_SELECT_MODIFIER);
const MYSQL_MISSING_COMMA = missingCommaPattern(MYSQL_SELECT_MODIFIER);
const MYSQL_FAMILY = new Set(['MySQL', 'MariaDB']);
const BRACKET_IDENTIFIER_DATABASES = new Set(['TransactSQL', 'Sqlite']);
const EXPRESSION_PLACEHOLDER = ' ? ';
const DOLLAR_QUOTE_DELIMITER = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

function findQuotedTextEnd(sql: string, start: number, quote: string): number {
  const closing = quote === '[' ? ']' : quote;
  let cursor = start + 1;
  while (cursor < sql.length) {
    if (closing !== ']' && sql[cursor] === '\\') {
      cursor += 2;
      continue;
    }
    if (sql[cursor] === closing) {
      if (sql[cursor + 1] === closing) {
        cursor += 2;
        continue;
      }
      return cursor + 1;
    }
    cursor++;
  }
  return sql.length;
}

/** The SQL with strings, quoted names and comments blanked, for the heuristics. */
function stripIgnoredSqlText(sql: string, databaseType: string): string {
  const chunks: string[] = [];
  const brackets = BRACKET_IDENTIFIER_DATABASES.has(databaseType);
  let plainStart = 0;
  let cursor = 0;
  while (cursor < sql.length) {
    const c = sql[cursor];
    let ignoredEnd: number | undefined;
    let replacement = ' ';
    if (c === "'" || c === '"' || c === '`' || (c === '[' && brackets)) {
      ignoredEnd = findQuotedTextEnd(sql, cursor, c);
      replacement = EXPRESSION_PLACEHOLDER;
    } else if ((c === '-' && sql[cursor + 1] === '-') || c === '#') {
      ignoredEnd = cursor + 1;
      while (ignoredEnd < sql.length && sql[ignoredEnd] !== '\r' && sql[ignoredEnd] !== '\n') ignoredEnd++;
    } else if (c === '/' && sql[cursor + 1] === '*') {
      const end = sql.indexOf('*/', cursor + 2);
      ignoredEnd = end === -1 ? sql.length : end + 2;
    } else if (c === '$') {
      // Sticky at the cursor: promptfoo's ^-anchored match on sql.slice(cursor), without the copy.
      DOLLAR_QUOTE_DELIMITER.lastIndex = cursor;
      const delimiter = DOLLAR_QUOTE_DELIMITER.exec(sql)?.[0];
      if (delimiter) {
        const end = sql.indexOf(delimiter, cursor + delimiter.length);
        ignoredEnd = end === -1 ? sql.length : end + delimiter.length;
        replacement = EXPRESSION_PLACEHOLDER;
      }
    }
    if (ignoredEnd === undefined) {
      cursor++;
      continue;
    }
    chunks.push(sql.slice(plainStart, cursor), replacement);
    cursor = ignoredEnd;
    plainStart = cursor;
  }
  chunks.push(sql.slice(plainStart));
  return chunks.join('');
}

export interface SqlCheckValue {
  databaseType: string;
  allowedTables: string[] | undefined;
  allowedColumns: string[] | undefined;
}

/** The check's value as promptfoo reads it: nothing, or an object; a string or number is an error. */
export function readSqlValue(value: unknown): { ok: true; value: SqlCheckValue } | { ok: false; error: string } {
  const read: SqlCheckValue = { databaseType: 'MySQL', allowedTables: undefined, allowedColumns: undefined };
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const databaseType = record['databaseType'];
    if (databaseType) read.databaseType = String(databaseType);
    const list = (key: string): string[] | undefined | false => {
      const v = record[key];
      if (v === undefined || v === null) return undefined;
      return Array.isArray(v) ? v.map(String) : false;
    };
    const tables = list('allowedTables');
    const columns = list('allowedColumns');
    if (tables === false || columns === false) return { ok: false, error: 'is-sql allowedTables and allowedColumns must be lists of names' };
    read.allowedTables = tables;
    read.allowedColumns = columns;
  } else if (value) return { ok: false, error: 'is-sql assertion must have a object value.' };
  return { ok: true, value: read };
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** is-sql: promptfoo's handleIsSql, the `not-` form included. */
export function checkSql(parser: SqlParser, output: string, value: SqlCheckValue, inverse: boolean): SqlOutcome {
  if (output.length > MAX_SQL_CHARS) return { pass: false, reason: `The answer is ${output.length} characters; SQL checks parse at most ${MAX_SQL_CHARS}` };
  const { databaseType, allowedTables, allowedColumns } = value;
  const opt: SqlParserOptions = { database: databaseType };
  const failures: string[] = [];
  const syntax = `SQL statement does not conform to the provided ${databaseType} database syntax.`;
  const sql = output.trim();
  if (sql.length === 0) failures.push(syntax);
  if ((sql.match(/`/g)?.length ?? 0) % 2 !== 0) failures.push(syntax);
  if ((MYSQL_FAMILY.has(databaseType) ? MYSQL_MISSING_COMMA : STANDARD_MISSING_COMMA).test(stripIgnoredSqlText(sql, databaseType))) failures.push(syntax);
  if (databaseType === 'MySQL' && /\bgenerate_series\s*\(/i.test(sql)) failures.push(syntax);
  let pass: boolean;
  try {
    parser.astify(output, opt);
    pass = !inverse;
  } catch {
    pass = inverse;
    failures.push(syntax);
  }
  if (failures.length > 0) pass = inverse;
  if (allowedTables) {
    opt.type = 'table';
    try {
      parser.whiteListCheck(output, allowedTables, opt);
    } catch (error) {
      pass = inverse;
      let actual: string[] = [];
      try {
        actual = parser.parse(output, opt).tableList ?? [];
      } catch {
        // Unparseable: the whitelist's own message says why.
      }
      failures.push(actual.length > 0 ? `SQL references unauthorized table(s). Found: [${actual.join(', ')}]. Allowed: [${allowedTables.join(', ')}].` : `SQL validation failed: ${errorMessage(error)}.`);
    }
  }
  if (allowedColumns) {
    opt.type = 'column';
    // promptfoo also accepts a column listed with its table where node-sql-parser names none.
    const normalised = [...allowedColumns];
    for (const item of allowedColumns) {
      const parts = item.split('::');
      if (parts.length === 3 && parts[1] !== 'null') {
        const alt = `${parts[0]}::null::${parts[2]}`;
        if (!normalised.includes(alt)) normalised.push(alt);
      }
    }
    try {
      parser.whiteListCheck(output, normalised, opt);
    } catch (error) {
      pass = inverse;
      let actual: string[] = [];
      try {
        actual = parser.parse(output, opt).columnList ?? [];
      } catch {
        // As above.
      }
      failures.push(actual.length > 0 ? `SQL references unauthorized column(s). Found: [${actual.join(', ')}]. Allowed: [${allowedColumns.join(', ')}].` : `SQL validation failed: ${errorMessage(error)}.`);
    }
  }
  if (inverse && !pass && failures.length === 0) failures.push('The output SQL statement is valid');
  return { pass, reason: pass ? 'Assertion passed' : failures.join(' ') };
}

const FENCE_START = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\r\n]*)$/;
const FENCE_END = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/;

/** The bodies of the answer's fenced code blocks tagged sql or untagged. */
export function extractSqlCodeBlocks(output: string): string[] {
  const blocks: string[] = [];
  let active: { body: string[]; fence: string; length: number; isSql: boolean } | undefined;
  for (const line of output.split(/\r\n?|\n/)) {
    if (!active) {
      const opening = FENCE_START.exec(line);
      if (opening) {
        const fence = opening[1] ?? '';
        const language = (opening[2] ?? '').trim().toLowerCase();
        active = { body: [], fence: fence[0] ?? '', length: fence.length, isSql: language === '' || language === 'sql' };
      }
      continue;
    }
    const closing = FENCE_END.exec(line)?.[1];
    if (closing?.[0] === active.fence && closing.length >= active.length) {
      if (active.isSql) blocks.push(active.body.join('\n').trim());
      active = undefined;
    } else active.body.push(line);
  }
  return blocks;
}

/** contains-sql: some sql (or untagged) code block, else the whole answer, is SQL that passes is-sql. */
export function containsSql(parser: SqlParser, output: string, value: SqlCheckValue, inverse: boolean): SqlOutcome {
  const blocks = extractSqlCodeBlocks(output);
  const candidates = blocks.length > 0 ? blocks : [output];
  let failure = 'Output does not contain valid SQL';
  let found = false;
  for (const candidate of candidates) {
    if (candidate.trim().length === 0) continue;
    const result = checkSql(parser, candidate, value, false);
    if (result.pass) {
      found = true;
      break;
    }
    failure = result.reason;
  }
  const pass = inverse ? !found : found;
  return { pass, reason: pass ? 'Assertion passed' : found ? 'The output SQL statement is valid' : failure };
}
