/**
 * The results grid's row order: a run's test cases sorted by a metric of their cells and
 * filtered, computed here in one grouped query over the cells table (the page holds only the
 * rows on screen). Text is matched as typed: instr(), never LIKE or a pattern, so `%`, `_`,
 * `\` and `.*` are ordinary characters.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { checkLabel, type RowFilter, type RowSort, type RowsResult } from '../../shared/row-view';
import type { TestCase } from '../../shared/schemas';
import { num, optStr, type Row } from './rows';

/** The value a row is sorted by: an average over the cells in scope (NULL when none has one). */
const METRICS: Record<Exclude<RowSort['by'], 'case' | 'check'>, string> = {
  passRate: `json_extract(c.grading, '$.pass')`,
  score: `json_extract(c.grading, '$.score')`,
  rating: 'r.score',
  // A cached answer took no time of its own.
  latency: `CASE WHEN c.status = 'done' AND c.cached = 0 THEN c.total_ms END`,
  cost: 'c.cost_usd',
  tokens: 'c.output_tokens',
};

function checkPath(index: number): string {
  return `$.componentResults[${index}].pass`;
}

/** Text a row's variables, description and expected answer are searched in, lower-cased. */
function haystackOf(testCase: TestCase | undefined): string {
  if (!testCase) return '';
  const parts = Object.values(testCase.vars).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  if (testCase.description !== undefined) parts.push(testCase.description);
  if (testCase.expected !== undefined) parts.push(testCase.expected);
  return parts.join('\n').toLowerCase();
}

export class RowOrder {
  /** The last run's searchable rows: a run's test cases never change, and a running grid asks every few seconds. */
  private haystacks: { runId: string; rows: string[] } | undefined;

  constructor(private readonly db: DatabaseSync) {}

  rows(runId: string, sort: RowSort | undefined, filter: RowFilter | undefined): RowsResult | undefined {
    const run = this.db.prepare('SELECT case_count, test_cases, assertions FROM runs WHERE id = ?').get(runId) as Row | undefined;
    if (!run) return undefined;
    const checks = parseChecks(optStr(run, 'assertions'));
    const selectParams: SQLInputValue[] = [];
    const params: SQLInputValue[] = [];
    const select: string[] = ['c.case_index AS k'];

    // The sort value, over the cells of one variant or all of them.
    const by = sort?.by ?? 'case';
    if (by !== 'case') {
      let expression: string;
      if (by === 'check') {
        expression = `json_extract(c.grading, ?)`;
        selectParams.push(checkPath(sort?.check ?? 0));
      } else {
        expression = METRICS[by];
      }
      if (sort?.column !== undefined) {
        expression = `CASE WHEN c.column_index = ? THEN ${expression} END`;
        selectParams.unshift(sort.column);
      }
      select.push(`AVG(${expression}) AS v`);
    }

    // Each condition is "some cell in scope meets it".
    const having: string[] = [];
    const scope = filter?.column !== undefined ? 'c.column_index = ? AND ' : '';
    const any = (condition: string, ...values: SQLInputValue[]): void => {
      having.push(`SUM(CASE WHEN ${scope}(${condition}) THEN 1 ELSE 0 END) > 0`);
      if (filter?.column !== undefined) params.push(filter.column);
      params.push(...values);
    };
    if (filter?.failed) any(`c.status = 'done' AND json_extract(c.grading, '$.pass') = 0`);
    if (filter?.check !== undefined) any(`json_extract(c.grading, ?) = 0`, checkPath(filter.check));
    if (filter?.errors) any(`c.status = 'error'`);
    if (filter?.score) {
      const value = filter.score.of === 'rating' ? 'r.score' : `json_extract(c.grading, '$.score')`;
      any(`${value} ${filter.score.op === '<=' ? '<=' : '>='} ?`, filter.score.value);
    }
    const text = filter?.text ?? '';
    if (text !== '') {
      // Case-insensitive for ASCII (SQLite's lower() folds only A–Z, so the text is folded the same way), exact for the rest.
      const inAnswer = `instr(lower(c.output), ?) > 0`;
      const inVars = this.rowsWithText(runId, optStr(run, 'test_cases'), text);
      // Variables are the same for every cell of a row: matched once per row, here.
      having.push(`(SUM(CASE WHEN ${scope}(${inAnswer}) THEN 1 ELSE 0 END) > 0 OR c.case_index IN (SELECT value FROM json_each(?)))`);
      if (filter?.column !== undefined) params.push(filter.column);
      params.push(text.replace(/[A-Z]/g, (ch) => ch.toLowerCase()), JSON.stringify(inVars));
    }

    const direction = sort?.descending ? 'DESC' : 'ASC';
    const order = by === 'case' ? `k ${direction}` : `(v IS NULL), v ${direction}, k`;
    const join = by === 'rating' || filter?.score?.of === 'rating' ? 'LEFT JOIN ratings r ON r.cell_id = c.id' : '';
    const sql = `SELECT ${select.join(', ')} FROM cells c ${join} WHERE c.run_id = ? GROUP BY c.case_index ${
      having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''
    } ORDER BY ${order}`;
    const rows = this.db.prepare(sql).all(...selectParams, runId, ...params) as Row[];
    return { rows: rows.map((row) => num(row, 'k')), total: num(run, 'case_count'), checks };
  }

  /** Case indexes whose variables (or description, or expected answer) contain the text. */
  private rowsWithText(runId: string, testCasesJson: string | undefined, text: string): number[] {
    if (this.haystacks?.runId !== runId) {
      let cases: TestCase[];
      try {
        cases = testCasesJson !== undefined ? (JSON.parse(testCasesJson) as TestCase[]) : [];
      } catch {
        cases = [];
      }
      this.haystacks = { runId, rows: cases.map(haystackOf) };
    }
    const needle = text.toLowerCase();
    const found: number[] = [];
    this.haystacks.rows.forEach((haystack, i) => {
      if (haystack.includes(needle)) found.push(i);
    });
    return found;
  }
}

function parseChecks(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return [];
    return list.map((check: unknown) =>
      typeof check === 'object' && check !== null && 'type' in check && typeof check.type === 'string' ? checkLabel(check as { type: string }) : 'check',
    );
  } catch {
    return [];
  }
}
