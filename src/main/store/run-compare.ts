/**
 * Two runs side by side (runs.compare). SQL sums each run's cells per row and variant (one
 * pass over the run's index, streamed), so memory grows with rows × variants in typed arrays,
 * never with cells or answers; the pure logic (matching, outcomes, the sign test) is
 * src/shared/judging/compare.ts.
 */
import type { DatabaseSync } from 'node:sqlite';
import { COMPARE_ROWS_MAX, UNMATCHED_LISTED, type RunsCompare } from '../../shared/history';
import {
  addAggregate,
  caseKey,
  emptyAggregate,
  figuresOf,
  matchRows,
  pairVariants,
  rowChange,
  rowOutcome,
  tallyOutcomes,
  outcomeSentence,
  type OutcomeBasis,
  type RowAggregate,
} from '../../shared/judging/compare';
import { variantLabel, variantLetter } from '../../shared/variants';
import type { Column, TestCase, Variables } from '../../shared/schemas';
import { AppError } from '../../shared/errors';
import { json, num, optStr, str, type Row } from './rows';

const FIELDS = ['cells', 'errors', 'graded', 'passed', 'scoreSum', 'timed', 'msSum', 'priced', 'costSum', 'estimated'] as const;

/** A run's sums per row × variant, in one typed array per figure. */
class Aggregates {
  private readonly data: Record<(typeof FIELDS)[number], Float64Array>;
  constructor(
    readonly rows: number,
    readonly columns: number,
  ) {
    const size = Math.max(1, rows * columns);
    this.data = Object.fromEntries(FIELDS.map((f) => [f, new Float64Array(size)])) as Record<(typeof FIELDS)[number], Float64Array>;
  }
  set(row: number, column: number, value: RowAggregate): void {
    if (row >= this.rows || column >= this.columns) return;
    for (const f of FIELDS) this.data[f][row * this.columns + column] = value[f];
  }
  get(row: number, column: number): RowAggregate | undefined {
    if (row >= this.rows || column >= this.columns) return undefined;
    const at = row * this.columns + column;
    const out = emptyAggregate();
    for (const f of FIELDS) out[f] = this.data[f][at] ?? 0;
    return out;
  }
}

interface LoadedRun {
  id: string;
  createdAt: string;
  title: string;
  testCases: TestCase[];
  columns: Column[];
  providerNames: Map<string, string>;
  sums: Aggregates;
}

const SUMS_SQL = `SELECT case_index, column_index, COUNT(*) AS cells, COALESCE(SUM(status = 'error'), 0) AS errors,
   COUNT(grading) AS graded, COALESCE(SUM(json_extract(grading, '$.pass') = 1), 0) AS passed,
   COALESCE(SUM(json_extract(grading, '$.score')), 0) AS score_sum,
   COALESCE(SUM(total_ms IS NOT NULL AND cached = 0), 0) AS timed, COALESCE(SUM(CASE WHEN cached = 0 THEN total_ms END), 0) AS ms_sum,
   COUNT(cost_usd) AS priced, COALESCE(SUM(cost_usd), 0) AS cost_sum, COALESCE(SUM(cost_usd IS NOT NULL AND cost_estimated = 1), 0) AS estimated
 FROM cells WHERE run_id = ? GROUP BY case_index, column_index`;

function loadRun(db: DatabaseSync, runId: string): LoadedRun {
  const row = db.prepare('SELECT id, created_at, title, test_cases, variables, columns FROM runs WHERE id = ?').get(runId) as Row | undefined;
  if (!row) throw new AppError('not_found', `No run with id "${runId}".`);
  const testCases = optStr(row, 'test_cases') !== undefined ? json<TestCase[]>(row, 'test_cases') : [{ id: 'case-1', vars: json<Variables>(row, 'variables') }];
  const columns = json<Column[]>(row, 'columns');
  const sums = new Aggregates(testCases.length, columns.length);
  for (const r of db.prepare(SUMS_SQL).iterate(runId) as Iterable<Row>) {
    sums.set(num(r, 'case_index'), num(r, 'column_index'), {
      cells: num(r, 'cells'),
      errors: num(r, 'errors'),
      graded: num(r, 'graded'),
      passed: num(r, 'passed'),
      scoreSum: num(r, 'score_sum'),
      timed: num(r, 'timed'),
      msSum: num(r, 'ms_sum'),
      priced: num(r, 'priced'),
      costSum: num(r, 'cost_sum'),
      estimated: num(r, 'estimated'),
    });
  }
  const names = db.prepare('SELECT DISTINCT provider_id, provider_name FROM cells WHERE run_id = ? AND position < ?').all(runId, columns.length * 4) as Row[];
  return {
    id: str(row, 'id'),
    createdAt: str(row, 'created_at'),
    title: str(row, 'title'),
    testCases,
    columns,
    providerNames: new Map(names.map((n) => [str(n, 'provider_id'), str(n, 'provider_name')])),
    sums,
  };
}

function varsSummary(testCase: TestCase | undefined): string {
  if (!testCase) return '';
  const text = testCase.description ?? Object.entries(testCase.vars).map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' · ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function labelOf(run: LoadedRun, index: number): string {
  const column = run.columns[index];
  return column ? variantLabel(column, index, run.providerNames.get(column.providerId)) : variantLetter(index);
}

export interface CompareOptions {
  rows: 'changed' | 'all';
  offset: number;
  limit: number;
}

export function compareRuns(db: DatabaseSync, baseRunId: string, otherRunId: string, options: CompareOptions): RunsCompare {
  const base = loadRun(db, baseRunId);
  const other = loadRun(db, otherRunId);
  const match = matchRows(
    base.testCases.map((c) => caseKey(c.vars)),
    other.testCases.map((c) => caseKey(c.vars)),
  );
  const variantPairs = pairVariants(base.columns, other.columns);
  const anyGraded = (run: LoadedRun): boolean => {
    for (let r = 0; r < run.sums.rows; r++) for (let c = 0; c < run.sums.columns; c++) if ((run.sums.get(r, c)?.graded ?? 0) > 0) return true;
    return false;
  };
  const basis: OutcomeBasis = anyGraded(base) && anyGraded(other) ? 'checks' : 'errors';

  const pairs = variantPairs.map(([bc, oc]) => {
    const baseTotal = emptyAggregate();
    const otherTotal = emptyAggregate();
    const outcomes: [number | undefined, number | undefined][] = [];
    for (const [br, or] of match.pairs) {
      const b = base.sums.get(br, bc);
      const o = other.sums.get(or, oc);
      if (b) addAggregate(baseTotal, b);
      if (o) addAggregate(otherTotal, o);
      outcomes.push([rowOutcome(b, basis), rowOutcome(o, basis)]);
    }
    const tally = tallyOutcomes(outcomes);
    const otherLabel = labelOf(other, oc);
    return {
      baseColumn: bc,
      otherColumn: oc,
      baseLabel: labelOf(base, bc),
      otherLabel,
      base: figuresOf(baseTotal),
      other: figuresOf(otherTotal),
      ...tally,
      sentence: outcomeSentence(`Run 2's ${variantLetter(oc)}`, tally),
    };
  });

  // The rows to list: each row's outcome per pair, and whether any pair changed.
  const listed: RunsCompare['rows'] = [];
  let rowTotal = 0;
  const limit = Math.min(options.limit, COMPARE_ROWS_MAX);
  for (const [br, or] of match.pairs) {
    const outcomes = variantPairs.map(([bc, oc]) => {
      const b = rowOutcome(base.sums.get(br, bc), basis);
      const o = rowOutcome(other.sums.get(or, oc), basis);
      return { base: b ?? null, other: o ?? null, change: b !== undefined && o !== undefined ? rowChange(b, o) : null };
    });
    if (options.rows === 'changed' && !outcomes.some((o) => o.change === 'fixed' || o.change === 'broken')) continue;
    if (rowTotal >= options.offset && listed.length < limit) listed.push({ baseCase: br, otherCase: or, vars: varsSummary(base.testCases[br]), outcomes });
    rowTotal++;
  }

  const pairedBase = new Set(variantPairs.map(([b]) => b));
  const pairedOther = new Set(variantPairs.map(([, o]) => o));
  return {
    base: { id: base.id, createdAt: base.createdAt, title: base.title, caseCount: base.testCases.length },
    other: { id: other.id, createdAt: other.createdAt, title: other.title, caseCount: other.testCases.length },
    basis,
    matchedRows: match.pairs.length,
    onlyInBase: match.onlyInBase.slice(0, UNMATCHED_LISTED),
    onlyInBaseCount: match.onlyInBase.length,
    onlyInOther: match.onlyInOther.slice(0, UNMATCHED_LISTED),
    onlyInOtherCount: match.onlyInOther.length,
    pairs,
    unpairedBase: base.columns.map((_, i) => i).filter((i) => !pairedBase.has(i)).map((i) => labelOf(base, i)),
    unpairedOther: other.columns.map((_, i) => i).filter((i) => !pairedOther.has(i)).map((i) => labelOf(other, i)),
    rows: listed,
    rowTotal,
  };
}
