/**
 * History's reads: runs found by a search over their prompt, test cases and answers, filtered
 * by model, label, status and date, with the figures that tell rows apart (pass rate, votes,
 * cost). Answers are indexed as each cell finishes (output_search); a run's prompt and test
 * cases are indexed here, in batches, the first time a search needs them, so starting a run of
 * 100,000 rows costs nothing extra. Pass rate and cost are counted once per finished run and
 * kept in run_stats until one of its cells changes (a trigger drops them).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { RunsCompare, RunsList, RunsListFilter } from '../../shared/history';
import type { Message, RunStatus, RunSummary, TestCase, Variables } from '../../shared/schemas';
import { isBusy } from './busy';
import { ftsQuery } from './library';
import { compareRuns, type CompareOptions } from './run-compare';
import { inTransaction, json, num, optNum, optStr, str, type Row } from './rows';

/** Test cases per row of the search index: small enough that one insert never holds the thread long. */
const CASES_PER_DOCUMENT = 500;

/** A variable's value as words for the index. */
function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function caseText(testCase: TestCase): string {
  const parts = Object.entries(testCase.vars).map(([name, value]) => `${name} ${valueText(value)}`);
  if (testCase.expected !== undefined) parts.push(testCase.expected);
  if (testCase.description !== undefined) parts.push(testCase.description);
  return parts.join('\n');
}

export class RunHistory {
  constructor(private readonly db: DatabaseSync) {}

  /** The indexing under way, so two searches at once never index a run twice. */
  private indexing: Promise<number> | undefined;

  /**
   * Adds runs not yet in the search index: the prompt, then CASES_PER_DOCUMENT test cases per
   * document, each document in its own short transaction with a pause for the event loop in
   * between (a run of 100,000 rows takes 200 of them); where a run got to is kept
   * (run_search_done.next_case), so a crash half-way goes on from there. Stops (and the next
   * search goes on) while another process holds the write lock: the search then finds what is
   * indexed. Returns how many runs were finished.
   */
  indexPending(): Promise<number> {
    this.indexing ??= this.indexAll().finally(() => {
      this.indexing = undefined;
    });
    return this.indexing;
  }

  private async indexAll(): Promise<number> {
    const pending = this.db
      .prepare(`SELECT r.id, d.next_case FROM runs r LEFT JOIN run_search_done d ON d.run_id = r.id WHERE d.run_id IS NULL OR d.next_case IS NOT NULL`)
      .all() as Row[];
    let count = 0;
    for (const row of pending) {
      try {
        if (await this.indexRun(str(row, 'id'), optNum(row, 'next_case'))) count++;
      } catch (error) {
        if (isBusy(error)) break;
        throw error;
      }
    }
    return count;
  }

  private async indexRun(runId: string, from: number | undefined): Promise<boolean> {
    const row = this.db.prepare('SELECT title, messages, variables, test_cases FROM runs WHERE id = ?').get(runId) as Row | undefined;
    if (!row) return false;
    const insert = this.db.prepare('INSERT INTO run_search (run_id, text) VALUES (?, ?)');
    const progress = this.db.prepare('INSERT INTO run_search_done (run_id, next_case) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET next_case = excluded.next_case');
    const cases = optStr(row, 'test_cases') !== undefined ? json<TestCase[]>(row, 'test_cases') : [{ id: 'case-1', vars: json<Variables>(row, 'variables') }];
    if (from === undefined) {
      const messages = json<Message[]>(row, 'messages');
      inTransaction(this.db, () => {
        insert.run(runId, [str(row, 'title'), ...messages.map((m) => m.content)].join('\n'));
        progress.run(runId, 0);
      });
    }
    const exists = this.db.prepare('SELECT 1 FROM runs WHERE id = ?');
    for (let i = from ?? 0; i < cases.length; i += CASES_PER_DOCUMENT) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.db.isOpen) return false;
      const written = inTransaction(this.db, () => {
        // The run may have been removed meanwhile (its planning failed).
        if (exists.get(runId) === undefined) return false;
        insert.run(runId, cases.slice(i, i + CASES_PER_DOCUMENT).map(caseText).join('\n'));
        progress.run(runId, i + CASES_PER_DOCUMENT < cases.length ? i + CASES_PER_DOCUMENT : null);
        return true;
      });
      if (!written) return false;
    }
    if (cases.length === 0) progress.run(runId, null);
    return true;
  }

  async list(filter: RunsListFilter): Promise<RunsList> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const fts = filter.query !== undefined ? ftsQuery(filter.query) : undefined;
    if (fts !== undefined) {
      await this.indexPending();
      where.push(`r.id IN (SELECT run_id FROM run_search WHERE run_search MATCH ? UNION SELECT run_id FROM output_search WHERE output_search MATCH ?)`);
      args.push(fts, fts);
    }
    if (filter.models && filter.models.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM json_each(r.columns) c WHERE json_extract(c.value, '$.model') IN (SELECT value FROM json_each(?)))`);
      args.push(JSON.stringify(filter.models));
    }
    if (filter.labels && filter.labels.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM json_each(r.columns) c WHERE json_extract(c.value, '$.label') IN (SELECT value FROM json_each(?)))`);
      args.push(JSON.stringify(filter.labels));
    }
    if (filter.statuses && filter.statuses.length > 0) {
      where.push(`r.status IN (SELECT value FROM json_each(?))`);
      args.push(JSON.stringify(filter.statuses));
    }
    // created_at is ISO 8601 in UTC, so text order is time order.
    if (filter.from !== undefined) {
      where.push('r.created_at >= ?');
      args.push(new Date(filter.from).toISOString());
    }
    if (filter.to !== undefined) {
      where.push('r.created_at < ?');
      args.push(new Date(filter.to).toISOString());
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(
        `SELECT r.id, r.created_at, r.status, r.source, r.title, r.cell_count, r.case_count, r.repeats, r.columns,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND c.status = 'error') AS error_count,
           (SELECT COUNT(*) FROM votes v WHERE v.run_id = r.id AND v.rater NOT LIKE 'judge:%') AS votes,
           s.graded, s.passed, s.cost_usd, s.priced, s.estimated
         FROM runs r LEFT JOIN run_stats s ON s.run_id = r.id ${clause}
         ORDER BY r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, filter.limit, filter.offset) as Row[];
    const totalRow = this.db.prepare(`SELECT COUNT(*) AS n FROM runs r ${clause}`).get(...args) as Row | undefined;
    return { runs: rows.map((row) => this.summary(row)), total: totalRow ? num(totalRow, 'n') : 0, facets: this.facets() };
  }

  /** Every model and label the runs used (read from the runs' columns, never from their cells). */
  facets(): { models: string[]; labels: string[] } {
    const values = (path: string): string[] =>
      (
        this.db
          .prepare(`SELECT DISTINCT json_extract(c.value, '${path}') AS v FROM runs r, json_each(r.columns) c WHERE json_extract(c.value, '${path}') IS NOT NULL ORDER BY v LIMIT 200`)
          .all() as Row[]
      )
        .map((row) => str(row, 'v'))
        .filter((v) => v !== '');
    return { models: values('$.model'), labels: values('$.label') };
  }

  /** Pass rate and cost of a run, counted over its cells (kept for finished runs). */
  private stats(runId: string, status: RunStatus): { graded: number; passed: number; costUsd: number; priced: number; costEstimated: number } | undefined {
    if (status === 'running') return undefined;
    const row = this.db
      .prepare(
        `SELECT COUNT(grading) AS graded, COALESCE(SUM(json_extract(grading, '$.pass') = 1), 0) AS passed,
           COALESCE(SUM(cost_usd), 0) AS cost_usd, COUNT(cost_usd) AS priced, COALESCE(SUM(cost_usd IS NOT NULL AND cost_estimated = 1), 0) AS estimated
         FROM cells WHERE run_id = ?`,
      )
      .get(runId) as Row;
    const stats = { graded: num(row, 'graded'), passed: num(row, 'passed'), costUsd: num(row, 'cost_usd'), priced: num(row, 'priced'), costEstimated: num(row, 'estimated') };
    try {
      this.db
        .prepare('INSERT OR REPLACE INTO run_stats (run_id, graded, passed, cost_usd, priced, estimated) VALUES (?, ?, ?, ?, ?, ?)')
        .run(runId, stats.graded, stats.passed, stats.costUsd, stats.priced, stats.costEstimated);
    } catch (error) {
      // Another process holds the lock: counted again next time.
      if (!isBusy(error)) throw error;
    }
    return stats;
  }

  private summary(row: Row): RunSummary {
    const id = str(row, 'id');
    const status = str(row, 'status') as RunStatus;
    const columns = json<{ model?: string; label?: string }[]>(row, 'columns');
    const models = [...new Set(columns.map((c) => c.model ?? ''))];
    const cached = optNum(row, 'graded') !== undefined;
    const stats = cached
      ? { graded: num(row, 'graded'), passed: num(row, 'passed'), costUsd: num(row, 'cost_usd'), priced: num(row, 'priced'), costEstimated: num(row, 'estimated') }
      : this.stats(id, status);
    return {
      id,
      createdAt: str(row, 'created_at'),
      status,
      source: str(row, 'source') === 'cli' ? 'cli' : 'app',
      title: str(row, 'title'),
      cellCount: num(row, 'cell_count'),
      errorCount: num(row, 'error_count'),
      models,
      caseCount: num(row, 'case_count'),
      repeats: Math.max(1, num(row, 'repeats')),
      variants: columns.map((c) => ({ model: c.model ?? '', ...(c.label ? { label: c.label } : {}) })),
      votes: num(row, 'votes'),
      ...(stats ?? {}),
    };
  }

  compare(baseRunId: string, otherRunId: string, options: CompareOptions): RunsCompare {
    return compareRuns(this.db, baseRunId, otherRunId, options);
  }

  /** The run open in Results, so a reload or a restart shows it again. */
  opened(): string | undefined {
    const row = this.db.prepare(`SELECT k.value FROM kv k JOIN runs r ON r.id = k.value WHERE k.key = ?`).get(OPENED_KEY) as Row | undefined;
    return row ? str(row, 'value') : undefined;
  }

  setOpened(runId: string | null): void {
    if (runId === null) this.db.prepare('DELETE FROM kv WHERE key = ?').run(OPENED_KEY);
    else this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(OPENED_KEY, runId);
  }
}

const OPENED_KEY = 'history.openedRun';
