/**
 * Batch jobs of runs (runner/batch.ts): which cells went in which vendor job, where it stands,
 * and how many of its results are written. A job is recorded before it is sent and its remote
 * id as soon as the vendor gives one, so a restart polls it again instead of sending it twice.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { z } from 'zod';
import { BATCH_FAILURE_CODES, batchJobStatusSchema, batchVendorSchema, type BatchJob, type BatchJobStatus, type BatchVendor } from '../../shared/batch';
import { num, optStr, str, type Row } from './rows';

export interface NewBatchJob {
  id: string;
  runId: string;
  columnIndex: number;
  providerId: string;
  vendor: BatchVendor;
  cellIds: readonly string[];
}

const cellIdsSchema = z.array(z.string().max(200)).max(1_000_000);

export class BatchJobs {
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

  create(job: NewBatchJob): void {
    const now = new Date().toISOString();
    this.statement(
      `INSERT INTO batch_jobs (id, run_id, column_index, provider_id, vendor, status, total, cell_ids, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'submitting', ?, ?, ?, ?)`,
    ).run(job.id, job.runId, job.columnIndex, job.providerId, job.vendor, job.cellIds.length, JSON.stringify(job.cellIds), now, now);
  }

  update(id: string, change: { remoteId?: string; status?: BatchJobStatus; succeeded?: number; failed?: number; fetched?: number; problem?: string }): void {
    this.statement(
      `UPDATE batch_jobs SET remote_id = COALESCE(?, remote_id), status = COALESCE(?, status), succeeded = COALESCE(?, succeeded), failed = COALESCE(?, failed),
         fetched = COALESCE(?, fetched), problem = COALESCE(?, problem), updated_at = ? WHERE id = ?`,
    ).run(change.remoteId ?? null, change.status ?? null, change.succeeded ?? null, change.failed ?? null, change.fetched ?? null, change.problem ?? null, new Date().toISOString(), id);
  }

  /**
   * The job's cells are at the vendor: running, with a note the grid shows ("In batch") until
   * their results are written (an interruption or a result replaces it).
   */
  markSent(cellIds: readonly string[]): void {
    this.statement(
      `UPDATE cells SET status = 'running', error_code = 'batch', error_message = 'Sent in a batch; the vendor answers within 24 hours.'
       WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'`,
    ).run(JSON.stringify(cellIds));
  }

  /**
   * The cells are to be asked afresh (a re-run of failed or chosen cells): no job holds them any
   * more, so the next run sends them in a new one instead of reading the old job's results again.
   */
  detach(runId: string, cellIds: readonly string[]): void {
    if (cellIds.length === 0) return;
    const gone = new Set(cellIds);
    for (const job of this.ofRun(runId)) {
      const held = this.cellIds(job.id);
      const kept = held.filter((id) => !gone.has(id));
      if (kept.length !== held.length) this.statement('UPDATE batch_jobs SET cell_ids = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(kept), new Date().toISOString(), job.id);
    }
  }

  remove(id: string): void {
    this.statement('DELETE FROM batch_jobs WHERE id = ?').run(id);
  }

  ofRun(runId: string): BatchJob[] {
    return (this.statement('SELECT * FROM batch_jobs WHERE run_id = ? ORDER BY created_at, id').all(runId) as Row[]).map((row) => this.job(row));
  }

  get(id: string): BatchJob | undefined {
    const row = this.statement('SELECT * FROM batch_jobs WHERE id = ?').get(id) as Row | undefined;
    return row ? this.job(row) : undefined;
  }

  /** The cells a job holds (its custom_ids). */
  cellIds(id: string): string[] {
    const row = this.statement('SELECT cell_ids FROM batch_jobs WHERE id = ?').get(id) as Row | undefined;
    if (!row) return [];
    const parsed = cellIdsSchema.safeParse(JSON.parse(str(row, 'cell_ids')));
    return parsed.success ? parsed.data : [];
  }

  /** Cells of a run a batch did not answer (expired, or the engine failed them): what can be sent live. */
  failedCellIds(runId: string): string[] {
    return (
      this.statement(`SELECT id FROM cells WHERE run_id = ? AND status = 'error' AND error_code IN (SELECT value FROM json_each(?)) ORDER BY position`).all(
        runId,
        JSON.stringify(BATCH_FAILURE_CODES),
      ) as Row[]
    ).map((row) => str(row, 'id'));
  }

  failedCount(runId: string): number {
    const row = this.statement(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND status = 'error' AND error_code IN (SELECT value FROM json_each(?))`).get(
      runId,
      JSON.stringify(BATCH_FAILURE_CODES),
    ) as Row | undefined;
    return row ? num(row, 'n') : 0;
  }

  /**
   * The run's cells in jobs the vendor knows (a remote id) whose results are not all read: what a
   * resume on start may poll for without sending anything.
   */
  heldAtVendor(runId: string): { cellIds: string[]; providerIds: string[] } {
    const jobs = this.ofRun(runId).filter((job) => job.remoteId !== undefined && job.fetched < job.total);
    return { cellIds: jobs.flatMap((job) => this.cellIds(job.id)), providerIds: [...new Set(jobs.map((job) => job.providerId))] };
  }

  /** Runs with a job at the vendor still answering, or whose results are not all read (for resuming them on start). */
  openRuns(): string[] {
    return (
      this.statement(`SELECT DISTINCT run_id FROM batch_jobs WHERE remote_id IS NOT NULL AND (status NOT IN ('completed', 'failed', 'expired', 'cancelled', 'ended') OR fetched < total)`).all() as Row[]
    ).map((row) =>
      str(row, 'run_id'),
    );
  }

  private job(row: Row): BatchJob {
    const remoteId = optStr(row, 'remote_id');
    const problem = optStr(row, 'problem');
    return {
      id: str(row, 'id'),
      runId: str(row, 'run_id'),
      columnIndex: num(row, 'column_index'),
      providerId: str(row, 'provider_id'),
      vendor: batchVendorSchema.catch('openai').parse(str(row, 'vendor')),
      ...(remoteId !== undefined ? { remoteId } : {}),
      status: batchJobStatusSchema.catch('failed').parse(str(row, 'status')),
      total: num(row, 'total'),
      succeeded: num(row, 'succeeded'),
      failed: num(row, 'failed'),
      fetched: num(row, 'fetched'),
      ...(problem !== undefined ? { problem } : {}),
      createdAt: str(row, 'created_at'),
      updatedAt: str(row, 'updated_at'),
    };
  }
}
