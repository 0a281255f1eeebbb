/**
 * Re-grading a finished run with other checks (runner/regrade.ts): reading its answers a page
 * at a time, replacing one cell's check results in one statement (a crash leaves each cell
 * with its old results or its new ones, never a mix), and recording on the run the checks it
 * is graded with once every answer has them.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Grading, JudgeConfig, TestCase } from '../../shared/schemas';
import type { Assertion } from '../../shared/assertions/types';
import { num, str, type Row } from './rows';

export class Regrading {
  private readonly statements = new Map<string, StatementSync>();
  constructor(private readonly db: DatabaseSync) {}

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** How many answers (finished cells) the run has: what a re-grade grades. */
  answerCount(runId: string): number {
    const row = this.statement(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND status = 'done'`).get(runId) as Row | undefined;
    return row ? num(row, 'n') : 0;
  }

  /** Ids of the run's answers after `afterPosition`, in position order (keyset paging). */
  answerPage(runId: string, afterPosition: number, limit: number): { id: string; position: number }[] {
    const rows = this.statement(`SELECT id, position FROM cells WHERE run_id = ? AND status = 'done' AND position > ? ORDER BY position LIMIT ?`).all(
      runId,
      afterPosition,
      limit,
    ) as Row[];
    return rows.map((row) => ({ id: str(row, 'id'), position: num(row, 'position') }));
  }

  /**
   * Replaces one answer's check results. Nothing is written (false) when the cell is no longer
   * a finished answer or its run is running again (a re-run took it): that run grades it itself.
   */
  setGrading(cellId: string, grading: Grading | undefined): boolean {
    const result = this.statement(
      `UPDATE cells SET grading = ? WHERE id = ? AND status = 'done' AND (SELECT status FROM runs WHERE runs.id = cells.run_id) <> 'running'`,
    ).run(grading ? JSON.stringify(grading) : null, cellId);
    return Number(result.changes) > 0;
  }

  /**
   * Records the checks the run is now graded with: the checks for every row, each row's own
   * (kept inside its test case, as a run records them) and the judge. False when the run is
   * running again.
   */
  recordChecks(runId: string, checks: { assertions: Assertion[]; testCases: TestCase[]; judge: JudgeConfig | undefined }): boolean {
    const result = this.statement(`UPDATE runs SET assertions = ?, test_cases = ?, judge = ? WHERE id = ? AND status <> 'running'`).run(
      JSON.stringify(checks.assertions),
      JSON.stringify(checks.testCases),
      checks.judge ? JSON.stringify(checks.judge) : null,
      runId,
    );
    return Number(result.changes) > 0;
  }
}
