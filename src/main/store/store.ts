/**
 * The local database: one SQLite file in the data folder, through the built-in `node:sqlite`
 * (no native module to rebuild for Electron). WAL mode; every finished cell is committed on
 * its own, so a crash loses at most the cells in flight.
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type {
  Cell,
  CellStatus,
  Column,
  Message,
  Params,
  RunDetail,
  RunStatus,
  RunSummary,
  Variables,
} from '../../shared/schemas';
import { Library } from './library';
import { MIGRATIONS } from './migrations';
import { inTransaction, json, num, optNum, optStr, str, type Row } from './rows';

export interface StoredProvider {
  id: string;
  name: string;
  kind: 'openai';
  baseUrl: string;
  apiKeyEnvar?: string;
  /** Came from an imported file and is not confirmed yet: no key, no requests. */
  needsReview?: boolean;
}

export interface NewRun {
  id: string;
  createdAt: string;
  source: 'app' | 'cli';
  title: string;
  messages: Message[];
  variables: Variables;
  columns: Column[];
  /** The library version this run used, if the draft belongs to a saved prompt. */
  promptVersionId?: string;
}

export interface NewCell {
  id: string;
  position: number;
  columnIndex: number;
  providerId: string;
  providerName: string;
  model: string;
  params: Params;
  variables: Variables;
  messages: Message[];
}

export const DATABASE_FILE = 'parallax.db';

/** Stores open in this process, by owner id: their runs are not orphans. */
const openOwners = new Set<string>();

/** True when a process with this pid exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Store {
  private readonly db: DatabaseSync;
  /** `<pid>:<random>`: marks the runs this instance starts. */
  readonly owner = `${process.pid}:${randomUUID()}`;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new DatabaseSync(join(dataDir, DATABASE_FILE));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    this.migrate();
    openOwners.add(this.owner);
    this.library = new Library(this.db);
  }

  /** Prompts and their versions, in the same database. */
  readonly library: Library;

  get schemaVersion(): number {
    const row = this.db.prepare('PRAGMA user_version').get() as Row | undefined;
    return row ? num(row, 'user_version') : 0;
  }

  private migrate(): void {
    const from = this.schemaVersion;
    for (let version = from; version < MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version];
      if (sql === undefined) continue;
      this.transaction(() => {
        this.db.exec(sql);
        this.db.exec(`PRAGMA user_version = ${version + 1}`);
      });
    }
  }

  private transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  private readonly statements = new Map<string, StatementSync>();
  /** Hot statements are prepared once: re-preparing per cell costs time and native memory. */
  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    openOwners.delete(this.owner);
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }

  // ── key/value ─────────────────────────────────────────────────────────────

  getValue(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as Row | undefined;
    return row ? str(row, 'value') : undefined;
  }

  setValue(key: string, value: string): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ── providers (never their keys) ─────────────────────────────────────────

  listProviders(): StoredProvider[] {
    const rows = this.db.prepare('SELECT * FROM providers ORDER BY created_at, name').all() as Row[];
    return rows.map((row) => ({
      id: str(row, 'id'),
      name: str(row, 'name'),
      kind: 'openai',
      baseUrl: str(row, 'base_url'),
      ...(optStr(row, 'api_key_envar') ? { apiKeyEnvar: optStr(row, 'api_key_envar') } : {}),
      ...(num(row, 'needs_review') === 1 ? { needsReview: true } : {}),
    }));
  }

  getProvider(id: string): StoredProvider | undefined {
    return this.listProviders().find((p) => p.id === id);
  }

  saveProvider(provider: StoredProvider): void {
    this.db
      .prepare(
        `INSERT INTO providers (id, name, kind, base_url, api_key_envar, created_at, needs_review) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url, api_key_envar = excluded.api_key_envar,
           needs_review = excluded.needs_review`,
      )
      .run(provider.id, provider.name, provider.kind, provider.baseUrl, provider.apiKeyEnvar ?? null, new Date().toISOString(), provider.needsReview ? 1 : 0);
  }

  deleteProvider(id: string): boolean {
    return Number(this.db.prepare('DELETE FROM providers WHERE id = ?').run(id).changes) > 0;
  }

  // ── runs and cells ───────────────────────────────────────────────────────

  createRun(run: NewRun, cells: readonly NewCell[]): void {
    const insertCell = this.db.prepare(
      `INSERT INTO cells (id, run_id, position, column_index, provider_id, provider_name, model, params, variables, messages, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    );
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO runs (id, created_at, status, source, title, messages, variables, columns, owner, prompt_version_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          run.id,
          run.createdAt,
          'running',
          run.source,
          run.title,
          JSON.stringify(run.messages),
          JSON.stringify(run.variables),
          JSON.stringify(run.columns),
          this.owner,
          run.promptVersionId ?? null,
        );
      for (const cell of cells) {
        insertCell.run(
          cell.id,
          run.id,
          cell.position,
          cell.columnIndex,
          cell.providerId,
          cell.providerName,
          cell.model,
          JSON.stringify(cell.params),
          JSON.stringify(cell.variables),
          JSON.stringify(cell.messages),
        );
      }
    });
  }

  /** Records a cell's outcome; called once per finished cell, in its own transaction. */
  finishCell(cell: Cell): void {
    this.transaction(() => {
      this.writeCell(cell);
      // Outputs are searchable from the library.
      if (cell.output !== '') this.statement('INSERT INTO output_search (cell_id, run_id, output) VALUES (?, ?, ?)').run(cell.id, cell.runId, cell.output);
    });
  }

  private writeCell(cell: Cell): void {
    this
      .statement(
        `UPDATE cells SET status = ?, output = ?, input_tokens = ?, output_tokens = ?, ttft_ms = ?, total_ms = ?, cost_usd = ?,
           finish_reason = ?, error_code = ?, error_message = ? WHERE id = ?`,
      )
      .run(
        cell.status,
        cell.output,
        cell.usage.inputTokens ?? null,
        cell.usage.outputTokens ?? null,
        cell.ttftMs ?? null,
        cell.totalMs ?? null,
        cell.costUsd ?? null,
        cell.finishReason ?? null,
        cell.error?.code ?? null,
        cell.error?.message ?? null,
        cell.id,
      );
  }

  finishRun(runId: string, status: RunStatus): void {
    this.db.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, runId);
  }

  /**
   * Runs left `running` by a process that died (or a store closed mid-run) are marked
   * interrupted, with their unfinished cells. Runs of a live process, this one's open stores
   * included, are left alone.
   */
  markInterrupted(isAlive: (pid: number) => boolean = processAlive): number {
    const running = this.db.prepare(`SELECT id, owner FROM runs WHERE status = 'running'`).all() as Row[];
    const orphans = running
      .filter((row) => {
        const owner = optStr(row, 'owner');
        if (owner === undefined) return true;
        if (openOwners.has(owner)) return false;
        const pid = Number(owner.split(':')[0]);
        return pid === process.pid || !Number.isInteger(pid) || !isAlive(pid);
      })
      .map((row) => str(row, 'id'));
    if (orphans.length === 0) return 0;
    const markCells = this.db.prepare(
      `UPDATE cells SET status = 'error', error_code = 'interrupted', error_message = 'Parallax stopped before this request finished.'
       WHERE run_id = ? AND status IN ('pending', 'running')`,
    );
    const markRun = this.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`);
    return this.transaction(() => {
      let count = 0;
      for (const id of orphans) {
        markCells.run(id);
        count += Number(markRun.run(id).changes);
      }
      return count;
    });
  }

  listRuns(limit: number, offset: number): { runs: RunSummary[]; total: number } {
    const rows = this.db
      .prepare(
        `SELECT r.id, r.created_at, r.status, r.source, r.title,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id) AS cell_count,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND c.status = 'error') AS error_count,
           (SELECT json_group_array(DISTINCT c.model) FROM cells c WHERE c.run_id = r.id) AS models
         FROM runs r ORDER BY r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(limit, offset) as Row[];
    const totalRow = this.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as Row | undefined;
    return { runs: rows.map((row) => this.summary(row)), total: totalRow ? num(totalRow, 'n') : 0 };
  }

  private summary(row: Row): RunSummary {
    return {
      id: str(row, 'id'),
      createdAt: str(row, 'created_at'),
      status: str(row, 'status') as RunStatus,
      source: str(row, 'source') === 'cli' ? 'cli' : 'app',
      title: str(row, 'title'),
      cellCount: num(row, 'cell_count'),
      errorCount: num(row, 'error_count'),
      models: json<string[]>(row, 'models'),
    };
  }

  getRun(runId: string): RunDetail | undefined {
    const row = this.db
      .prepare(
        `SELECT r.*, (SELECT v.prompt_id FROM prompt_versions v WHERE v.id = r.prompt_version_id) AS prompt_id,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id) AS cell_count,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND c.status = 'error') AS error_count,
           (SELECT json_group_array(DISTINCT c.model) FROM cells c WHERE c.run_id = r.id) AS models
         FROM runs r WHERE r.id = ?`,
      )
      .get(runId) as Row | undefined;
    if (!row) return undefined;
    return {
      run: this.summary(row),
      messages: json<Message[]>(row, 'messages'),
      variables: json<Variables>(row, 'variables'),
      columns: json<Column[]>(row, 'columns'),
      cells: this.cellsOf(runId),
      ...(optStr(row, 'prompt_id') !== undefined && optStr(row, 'prompt_version_id') !== undefined
        ? { promptId: optStr(row, 'prompt_id'), promptVersionId: optStr(row, 'prompt_version_id') }
        : {}),
    };
  }

  /**
   * Cells of a run in position order. Large runs are read in pages: `fromPosition` is the
   * position to start at (keyset paging on the index, so each page costs the same).
   */
  cellsOf(runId: string, limit = -1, fromPosition = 0): Cell[] {
    const rows = this.db
      .prepare('SELECT * FROM cells WHERE run_id = ? AND position >= ? ORDER BY position LIMIT ?')
      .all(runId, fromPosition, limit) as Row[];
    return rows.map((row) => this.cell(row));
  }

  private cell(row: Row): Cell {
    const errorCode = optStr(row, 'error_code');
    const inputTokens = optNum(row, 'input_tokens');
    const outputTokens = optNum(row, 'output_tokens');
    const ttftMs = optNum(row, 'ttft_ms');
    const totalMs = optNum(row, 'total_ms');
    const costUsd = optNum(row, 'cost_usd');
    const finishReason = optStr(row, 'finish_reason');
    return {
      id: str(row, 'id'),
      runId: str(row, 'run_id'),
      columnIndex: num(row, 'column_index'),
      providerId: str(row, 'provider_id'),
      providerName: str(row, 'provider_name'),
      model: str(row, 'model'),
      params: json<Params>(row, 'params'),
      variables: json<Variables>(row, 'variables'),
      messages: json<Message[]>(row, 'messages'),
      status: str(row, 'status') as CellStatus,
      output: str(row, 'output'),
      usage: {
        ...(inputTokens !== undefined ? { inputTokens } : {}),
        ...(outputTokens !== undefined ? { outputTokens } : {}),
      },
      ...(ttftMs !== undefined ? { ttftMs } : {}),
      ...(totalMs !== undefined ? { totalMs } : {}),
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(finishReason !== undefined ? { finishReason } : {}),
      ...(errorCode !== undefined ? { error: { code: errorCode, message: optStr(row, 'error_message') ?? '' } } : {}),
    };
  }
}
