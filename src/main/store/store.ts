/**
 * The local database: one SQLite file in the data folder, through the built-in `node:sqlite`
 * (no native module to rebuild for Electron). WAL mode; every finished cell is committed on
 * its own, so a crash loses at most the cells in flight.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { PRIVATE_FILE_MODE, ensurePrivateDir, ensurePrivateFile, restrictMode } from '../data-dir';
import type {
  Cell,
  CellStatus,
  Column,
  Grading,
  JudgeConfig,
  Rating,
  Message,
  Params,
  ErrorInfo,
  RunDetail,
  RunProgress,
  RunStatus,
  RunSummary,
  TestCase,
  Usage,
  Variables,
} from '../../shared/schemas';
import type { Assertion } from '../../shared/assertions/types';
import { Judging } from './judging';
import { Library } from './library';
import { RunHistory } from './run-history';
import { Regrading } from './regrading';
import { RowOrder } from './row-order';
import { BatchJobs } from './batch-jobs';
import { MIGRATIONS } from './migrations';
import { inTransaction, json, num, optNum, optStr, str, type Row } from './rows';
import { BUSY_TIMEOUT_MS, BusyGaveUp, isBusy, retryWhileBusy, type BusyRetryOptions } from './busy';
import { providerTimeoutsSchema, type ProviderTimeouts } from '../../shared/timeouts';
import { cellPiiSchema, type CellPii } from '../../shared/pii/kinds';
import { z } from 'zod';
import { columnSchema, logprobTotalsSchema, messageSchema, type OpenAIApi } from '../../shared/schemas';
import { toolCallSchema, type ToolCall } from '../../shared/tools';

/** A provider's saved timeouts; anything unreadable is dropped (the defaults apply). */
function storedTimeouts(text: string | undefined): { timeouts?: ProviderTimeouts } {
  if (text === undefined) return {};
  try {
    const parsed = providerTimeoutsSchema.safeParse(JSON.parse(text));
    return parsed.success && Object.keys(parsed.data).length > 0 ? { timeouts: parsed.data } : {};
  } catch {
    return {};
  }
}

export interface StoredProvider {
  id: string;
  name: string;
  kind: SavedProviderKind;
  /** Kind openai: the Responses API instead of Chat Completions. */
  api?: OpenAIApi;
  baseUrl: string;
  apiKeyEnvar?: string;
  /** Came from an imported file and is not confirmed yet: no key, no requests. */
  needsReview?: boolean;
  /** Requests in flight at once; the default when absent. */
  concurrency?: number;
  /** Its own timeouts (ms); absent ones take the defaults. */
  timeouts?: ProviderTimeouts;
}

/**
 * A provider as a run records it, so any process can resume the run: never a key, only the
 * name of the variable the key is read from (looked up again, by the same rule, on resume).
 */
export interface RecordedProvider {
  /** The id the run's cells name (a config's provider id, or `echo`). */
  id: string;
  name: string;
  kind: SavedProviderKind | 'echo';
  api?: OpenAIApi;
  model?: string;
  baseUrl?: string;
  /** The environment variable the key came from (never its value). */
  apiKeyEnvar?: string;
  /** The base URL came from the environment (OPENAI_BASE_URL), not from the config. */
  baseUrlFromEnv?: boolean;
  params?: Params;
  /** The config's own timeouts for it (config.timeout / config.timeouts). */
  timeouts?: ProviderTimeouts;
}

/** How long a run's lease lasts, and how often the process running it renews it. */
export const LEASE_MS = 10_000;
export const HEARTBEAT_MS = 2_000;

/** Runs whose lease a runner of this process is renewing right now (never orphans here). */
const heldLeases = new Set<string>();

/** What taking a run to run it again found. */
export type ReopenResult = { queued: number } | { busy: true };

export interface NewRun {
  id: string;
  createdAt: string;
  source: 'app' | 'cli';
  title: string;
  messages: Message[];
  testCases: TestCase[];
  columns: Column[];
  repeats: number;
  useCache: boolean;
  /** The library version this run used, if the draft belongs to a saved prompt. */
  promptVersionId?: string;
  /** Checks for every row. */
  assertions?: Assertion[];
  judge?: JudgeConfig;
  /** Providers the run was started with (a config's, for the CLI): what a resume uses. */
  providers?: RecordedProvider[];
  /** Identifies the config a CLI run came from, so running it again can find this run. */
  fingerprint?: string;
}

/** What the runner needs to grade a run's cells. */
export interface GradingSpec {
  assertions: Assertion[];
  testCases: TestCase[];
  judge: JudgeConfig | undefined;
}

export interface NewCell {
  id: string;
  /** Order in the run: case-major, then column, then repeat. */
  position: number;
  columnIndex: number;
  caseIndex: number;
  repeat: number;
  /** The cell cannot run (its row's template failed to render): recorded as this error. */
  error?: ErrorInfo;
  providerId: string;
  providerName: string;
  model: string;
  params: Params;
  variables: Variables;
  messages: Message[];
}

/** A stored answer, served again for the same request. */
export interface CachedResponse {
  output: string;
  usage: Usage;
  finishReason: string | undefined;
  reasoning?: string;
  toolCalls?: ToolCall[];
  logprobs?: Cell['logprobs'];
}

/** The APIs a saved provider can speak (src/main/providers/factory.ts makes each). */
export type SavedProviderKind = 'openai' | 'anthropic' | 'google';

function savedKindOf(text: string | undefined): SavedProviderKind {
  return text === 'anthropic' || text === 'google' ? text : 'openai';
}

/** The `extra` column of cells and the response cache: what a cell holds besides its answer and main counts. */
interface Extra {
  reasoning?: string;
  toolCalls?: ToolCall[];
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  pii?: CellPii;
  logprobs?: Cell['logprobs'];
  sentMessages?: Message[];
}

function extraOf(source: {
  reasoning?: string | undefined;
  toolCalls?: ToolCall[] | undefined;
  usage: Usage;
  pii?: CellPii | undefined;
  logprobs?: Cell['logprobs'] | undefined;
  sentMessages?: Message[] | undefined;
}): string | null {
  const extra: Extra = {
    ...(source.reasoning !== undefined ? { reasoning: source.reasoning } : {}),
    ...(source.toolCalls && source.toolCalls.length > 0 ? { toolCalls: source.toolCalls } : {}),
    ...(source.usage.cacheReadTokens !== undefined ? { cacheReadTokens: source.usage.cacheReadTokens } : {}),
    ...(source.usage.cacheWriteTokens !== undefined ? { cacheWriteTokens: source.usage.cacheWriteTokens } : {}),
    ...(source.usage.reasoningTokens !== undefined ? { reasoningTokens: source.usage.reasoningTokens } : {}),
    ...(source.pii !== undefined ? { pii: source.pii } : {}),
    ...(source.logprobs !== undefined ? { logprobs: source.logprobs } : {}),
    ...(source.sentMessages !== undefined ? { sentMessages: source.sentMessages } : {}),
  };
  return Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
}

/** The extra column read back; anything unreadable (a hand-edited database) counts as nothing. */
function readExtra(row: Row): { fields: Pick<Cell, 'reasoning' | 'toolCalls' | 'extrasCut' | 'pii' | 'logprobs' | 'sentMessages'>; usage: Usage } {
  const text = optStr(row, 'extra');
  if (text === undefined) return { fields: {}, usage: {} };
  // A page's cut copy (PREVIEW_EXTRA) writes null where a cell had no thinking and [] where it made no calls.
  const value = safeJson(text);
  const present = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) : value;
  const parsed = extraSchema.safeParse(present);
  if (!parsed.success) return { fields: {}, usage: {} };
  const { reasoning, toolCalls, pii, logprobs, sentMessages, ...usage } = parsed.data;
  return {
    fields: {
      ...(reasoning !== undefined ? { reasoning } : {}),
      ...(toolCalls && toolCalls.length > 0 ? { toolCalls } : {}),
      ...(optNum(row, 'extras_cut') === 1 ? { extrasCut: true } : {}),
      ...(pii !== undefined ? { pii } : {}),
      ...(logprobs !== undefined ? { logprobs } : {}),
      ...(sentMessages !== undefined ? { sentMessages } : {}),
    },
    usage: stripUndefined(usage),
  };
}

const extraSchema = z.object({
  reasoning: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
  cacheReadTokens: z.number().int().nonnegative().optional(),
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  reasoningTokens: z.number().int().nonnegative().optional(),
  pii: cellPiiSchema.optional(),
  logprobs: logprobTotalsSchema.optional(),
  sentMessages: z.array(messageSchema).optional(),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stripUndefined(usage: Usage): Usage {
  return Object.fromEntries(Object.entries(usage).filter(([, v]) => v !== undefined));
}

/** Which cells of a finished run to run again. */
/** `unfinished` with `ids`: only those of the unfinished cells (a batch job's, resumed on start). */
export type RerunSelection = { kind: 'failed' } | { kind: 'ids'; ids: readonly string[] } | { kind: 'unfinished'; ids?: readonly string[] };

const PROGRESS_SQL = `SELECT COUNT(*) AS total,
   COALESCE(SUM(status = 'pending'), 0) AS pending, COALESCE(SUM(status = 'running'), 0) AS running,
   COALESCE(SUM(status = 'done'), 0) AS done, COALESCE(SUM(status = 'error'), 0) AS error,
   COALESCE(SUM(status = 'cancelled'), 0) AS cancelled, COALESCE(SUM(cached), 0) AS cached,
   COALESCE(SUM(cost_usd), 0) AS cost_usd, COALESCE(SUM(cost_usd IS NOT NULL AND cost_estimated = 1), 0) AS cost_estimated,
   COALESCE(SUM(input_tokens), 0) AS input_tokens,
   COALESCE(SUM(output_tokens), 0) AS output_tokens
 FROM cells WHERE run_id = ?`;

export const DATABASE_FILE = 'parallax.db';
/** kv key (+ run id) of a run whose cells are still being written in chunks. */
const PLANNING_KEY = 'planning:';
/** While a write waits for another process's lock, each attempt blocks the thread at most this long. */
const PROBE_BUSY_TIMEOUT_MS = 10;
/** A new cell's values, in the order of INSERT_CELL_SQL's columns. */
function cellRow(runId: string, cell: NewCell): (string | number | null)[] {
  return [
    cell.id,
    runId,
    cell.position,
    cell.columnIndex,
    cell.caseIndex,
    cell.repeat,
    cell.providerId,
    cell.providerName,
    cell.model,
    JSON.stringify(cell.params),
    JSON.stringify(cell.variables),
    JSON.stringify(cell.messages),
    cell.error ? 'error' : 'pending',
    cell.error?.code ?? null,
    cell.error?.message ?? null,
  ];
}

const INSERT_CELL_SQL = `INSERT INTO cells (id, run_id, position, column_index, case_index, repeat, provider_id, provider_name, model, params, variables, messages,
     status, error_code, error_message)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const RATING_COLUMNS = 'r.score AS r_score, r.thumb AS r_thumb, r.tags AS r_tags, r.note AS r_note, r.updated_at AS r_updated';

function ratingOf(row: Row): Rating {
  const score = optNum(row, 'r_score');
  const thumb = optStr(row, 'r_thumb');
  const note = optStr(row, 'r_note');
  return {
    ...(score !== undefined ? { score } : {}),
    ...(thumb === 'up' || thumb === 'down' ? { thumb } : {}),
    tags: optStr(row, 'r_tags') !== undefined ? json<string[]>(row, 'r_tags') : [],
    ...(note !== undefined ? { note } : {}),
    updatedAt: str(row, 'r_updated'),
  };
}
/** Rows of cells runs.get returns with the run; the rest come page by page. */
export const FIRST_PAGE_CASES = 50;
/** Characters of an answer that grid pages and runs.get carry (runs.cell reads it whole). */
export const VIEW_OUTPUT_CHARS = 16_384;

/**
 * A cell's extra (thinking, tool calls) as grid pages carry it: whole when small, else with the
 * thinking and each call's arguments cut to VIEW_OUTPUT_CHARS inside SQLite, so a page of a
 * reasoning model's run stays small; `extras_cut` says so and runs.cell reads them whole.
 */
const EXTRA_WHOLE_CHARS = 2 * VIEW_OUTPUT_CHARS;
const PREVIEW_EXTRA = `CASE WHEN c.extra IS NULL OR length(c.extra) <= ${EXTRA_WHOLE_CHARS} THEN c.extra ELSE json_set(c.extra,
    '$.reasoning', substr(json_extract(c.extra, '$.reasoning'), 1, ${VIEW_OUTPUT_CHARS}),
    '$.toolCalls', json((SELECT json_group_array(json_object('id', json_extract(value, '$.id'), 'name', json_extract(value, '$.name'),
      'arguments', substr(json_extract(value, '$.arguments'), 1, ${VIEW_OUTPUT_CHARS}))) FROM json_each(c.extra, '$.toolCalls')))) END AS extra,
  (length(c.extra) > ${EXTRA_WHOLE_CHARS}) AS extras_cut`;

export class Store {
  private readonly db: DatabaseSync;
  /** `<pid>:<random>`: marks the runs this instance starts. */
  readonly owner = `${process.pid}:${randomUUID()}`;

  constructor(dataDir: string) {
    // Owner-only folder and database (see data-dir.ts); SQLite gives the -wal and -shm files
    // the database's mode, and files left from an older version are narrowed here.
    ensurePrivateDir(dataDir);
    const file = join(dataDir, DATABASE_FILE);
    ensurePrivateFile(file);
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    // Short: a wait for the lock blocks the thread. Writes a run cannot lose wait longer, off the thread (write()).
    this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    for (const suffix of ['-wal', '-shm']) restrictMode(`${file}${suffix}`, PRIVATE_FILE_MODE);
    this.migrate();
    this.library = new Library(this.db);
    this.judging = new Judging(this.db);
    this.history = new RunHistory(this.db);
    this.regrading = new Regrading(this.db);
    this.rowOrder = new RowOrder(this.db);
    this.batchJobs = new BatchJobs(this.db);
  }

  /** Jobs of runs sent to a vendor's batch engine. */
  readonly batchJobs: BatchJobs;

  /** The variants a run was started with (as recorded). */
  runColumns(runId: string): Column[] {
    const row = this.statement('SELECT columns FROM runs WHERE id = ?').get(runId) as Row | undefined;
    if (!row) return [];
    const parsed = z.array(columnSchema).safeParse(JSON.parse(str(row, 'columns')));
    return parsed.success ? parsed.data : [];
  }

  /** Prompts and their versions, in the same database. */
  readonly library: Library;
  /** Votes and ratings. */
  readonly judging: Judging;
  /** History's search, filters and figures, and comparing two runs. */
  readonly history: RunHistory;
  /** A finished run's answers graded again with other checks. */
  readonly regrading: Regrading;
  /** The results grid's rows, sorted and filtered. */
  readonly rowOrder: RowOrder;

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
    // Runs still running here end with this store: their lease lapses now, not in LEASE_MS.
    try {
      if (this.db.isOpen) this.db.prepare(`UPDATE runs SET lease_until = 0 WHERE owner = ? AND status = 'running'`).run(this.owner);
    } catch {
      // Busy or read-only: the lease lapses by itself.
    }
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }

  // ── key/value ─────────────────────────────────────────────────────────────

  getValue(key: string): string | undefined {
    // Read once per cell (prices, answer cap): a cached statement, not a new one each time.
    const row = this.statement('SELECT value FROM kv WHERE key = ?').get(key) as Row | undefined;
    return row ? str(row, 'value') : undefined;
  }

  setValue(key: string, value: string): void {
    this.statement('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ── providers (never their keys) ─────────────────────────────────────────

  listProviders(): StoredProvider[] {
    const rows = this.db.prepare('SELECT * FROM providers ORDER BY created_at, name').all() as Row[];
    return rows.map((row) => ({
      id: str(row, 'id'),
      name: str(row, 'name'),
      kind: savedKindOf(optStr(row, 'kind')),
      ...(optStr(row, 'api') === 'responses' ? { api: 'responses' as const } : {}),
      baseUrl: str(row, 'base_url'),
      ...(optStr(row, 'api_key_envar') ? { apiKeyEnvar: optStr(row, 'api_key_envar') } : {}),
      ...(num(row, 'needs_review') === 1 ? { needsReview: true } : {}),
      ...(optNum(row, 'concurrency') !== undefined ? { concurrency: num(row, 'concurrency') } : {}),
      ...storedTimeouts(optStr(row, 'timeouts')),
    }));
  }

  getProvider(id: string): StoredProvider | undefined {
    return this.listProviders().find((p) => p.id === id);
  }

  saveProvider(provider: StoredProvider): void {
    this.db
      .prepare(
        `INSERT INTO providers (id, name, kind, base_url, api_key_envar, created_at, needs_review, concurrency, timeouts, api) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, base_url = excluded.base_url, api_key_envar = excluded.api_key_envar,
           needs_review = excluded.needs_review, concurrency = excluded.concurrency, timeouts = excluded.timeouts, api = excluded.api`,
      )
      .run(
        provider.id,
        provider.name,
        provider.kind,
        provider.baseUrl,
        provider.apiKeyEnvar ?? null,
        new Date().toISOString(),
        provider.needsReview ? 1 : 0,
        provider.concurrency ?? null,
        provider.timeouts && Object.keys(provider.timeouts).length > 0 ? JSON.stringify(provider.timeouts) : null,
        provider.kind === 'openai' && provider.api === 'responses' ? 'responses' : null,
      );
  }

  deleteProvider(id: string): boolean {
    return Number(this.db.prepare('DELETE FROM providers WHERE id = ?').run(id).changes) > 0;
  }

  // ── runs and cells ───────────────────────────────────────────────────────

  createRun(run: NewRun, cells: Iterable<NewCell>): number {
    const insertCell = this.db.prepare(
      `INSERT INTO cells (id, run_id, position, column_index, case_index, repeat, provider_id, provider_name, model, params, variables, messages,
         status, error_code, error_message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (id, created_at, status, source, title, messages, variables, columns, owner, prompt_version_id, test_cases, repeats,
             case_count, use_cache, cell_count, assertions, judge, lease_until, providers, fingerprint)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.id,
          run.createdAt,
          'running',
          run.source,
          run.title,
          JSON.stringify(run.messages),
          JSON.stringify(run.testCases[0]?.vars ?? {}),
          JSON.stringify(run.columns),
          this.owner,
          run.promptVersionId ?? null,
          JSON.stringify(run.testCases),
          run.repeats,
          run.testCases.length,
          run.useCache ? 1 : 0,
          JSON.stringify(run.assertions ?? []),
          run.judge ? JSON.stringify(run.judge) : null,
          Date.now() + LEASE_MS,
          run.providers ? JSON.stringify(run.providers) : null,
          run.fingerprint ?? null,
        );
      let count = 0;
      for (const cell of cells) {
        insertCell.run(...cellRow(run.id, cell));
        count++;
      }
      this.db.prepare('UPDATE runs SET cell_count = ? WHERE id = ?').run(count, run.id);
      return count;
    });
  }

  // ── writes that wait out a busy database (busy.ts) ─────────────────────────

  /** Set while one write waits for the lock: the others queue behind it instead of each blocking the thread. */
  private busyWait: Promise<void> | undefined;

  /**
   * Runs a write (or a transaction) that must not be lost. When another process holds the
   * write lock, it is tried again with growing pauses until BUSY_DEADLINE_MS, the event loop
   * free meanwhile; writes made through here while one waits queue behind it, in order.
   * Throws BusyGaveUp when the store closes (or `cancelled` says so) while still waiting.
   */
  async write<T>(work: () => T, options: BusyRetryOptions = {}): Promise<T> {
    while (this.busyWait) await this.busyWait;
    try {
      return this.withBusyTimeout(PROBE_BUSY_TIMEOUT_MS, work);
    } catch (error) {
      if (!isBusy(error)) throw error;
    }
    let release = (): void => undefined;
    this.busyWait = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      return await retryWhileBusy(() => this.withBusyTimeout(PROBE_BUSY_TIMEOUT_MS, work), {
        ...options,
        cancelled: () => !this.db.isOpen || options.cancelled?.() === true,
      });
    } catch (error) {
      if (!this.db.isOpen && !(error instanceof BusyGaveUp)) throw new BusyGaveUp(error);
      throw error;
    } finally {
      this.busyWait = undefined;
      release();
    }
  }

  /**
   * A write tried once, blocking the thread at most PROBE_BUSY_TIMEOUT_MS for the lock: for
   * writes that are simply tried again later (the heartbeat). Throws SQLITE_BUSY as it comes.
   */
  tryWrite<T>(work: () => T): T {
    return this.withBusyTimeout(PROBE_BUSY_TIMEOUT_MS, work);
  }

  /** True while a write waits for another process to let go of the lock. */
  get waitingForLock(): boolean {
    return this.busyWait !== undefined;
  }

  private withBusyTimeout<T>(ms: number, work: () => T): T {
    this.db.exec(`PRAGMA busy_timeout = ${ms}`);
    try {
      return work();
    } finally {
      if (this.db.isOpen) this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  // ── a big run, planned in chunks ─────────────────────────────────────────

  /**
   * A run too big for one transaction is written in chunks (Runner.start): this marks it as
   * still being planned until its last chunk is in, so a crash half-way leaves no half-planned
   * run behind (discardHalfPlanned removes it; there is nothing to resume).
   */
  markPlanning(runId: string): void {
    this.setValue(`${PLANNING_KEY}${runId}`, this.owner);
  }

  /** One more chunk of a run's cells, in one transaction; `last` ends the planning. */
  addCells(runId: string, cells: readonly NewCell[], last: boolean): void {
    const insertCell = this.statement(INSERT_CELL_SQL);
    this.transaction(() => {
      for (const cell of cells) {
        insertCell.run(...cellRow(runId, cell));
      }
      this.statement('UPDATE runs SET cell_count = cell_count + ? WHERE id = ?').run(cells.length, runId);
      if (last) this.statement('DELETE FROM kv WHERE key = ?').run(`${PLANNING_KEY}${runId}`);
    });
  }

  /** Planning ended early (the run was stopped): the run keeps the cells it has. */
  endPlanning(runId: string): void {
    this.statement('DELETE FROM kv WHERE key = ?').run(`${PLANNING_KEY}${runId}`);
  }

  /** Is the run still being planned (or was its planning cut short by a crash)? */
  isPlanning(runId: string): boolean {
    return this.getValue(`${PLANNING_KEY}${runId}`) !== undefined;
  }

  /** Removes a run and everything of it (its planning failed, so nothing of it is kept). */
  discardRun(runId: string): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM output_search WHERE run_id = ?').run(runId);
      this.db.prepare('DELETE FROM run_search WHERE run_id = ?').run(runId);
      this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
      this.db.prepare('DELETE FROM kv WHERE key = ?').run(`${PLANNING_KEY}${runId}`);
    });
  }

  /**
   * Runs whose planning never finished and that no process runs any more (interrupted) are
   * removed whole: they hold only part of their matrix. Returns how many.
   */
  discardHalfPlanned(): number {
    const marks = this.db.prepare(`SELECT key FROM kv WHERE key LIKE '${PLANNING_KEY}%'`).all() as Row[];
    let count = 0;
    for (const mark of marks) {
      const runId = str(mark, 'key').slice(PLANNING_KEY.length);
      const status = this.runStatus(runId);
      if (status === 'running') continue;
      if (status === 'interrupted') {
        this.discardRun(runId);
        count++;
      } else {
        this.endPlanning(runId);
      }
    }
    return count;
  }

  /** Ids and providers of a run's cells still to run after `afterPosition`, a page at a time. */
  pendingCellsPage(runId: string, afterPosition: number, limit: number): { id: string; providerId: string; position: number; columnIndex: number }[] {
    const rows = this.statement(`SELECT id, provider_id, position, column_index FROM cells WHERE run_id = ? AND position > ? AND status = 'pending' ORDER BY position LIMIT ?`).all(
      runId,
      afterPosition,
      limit,
    ) as Row[];
    return rows.map((row) => ({ id: str(row, 'id'), providerId: str(row, 'provider_id'), position: num(row, 'position'), columnIndex: num(row, 'column_index') }));
  }

  /**
   * Cancels up to `limit` cells of a stopped run that never started; the runner calls it
   * until it cancels fewer, yielding in between, so stopping a huge run holds nothing up.
   */
  cancelPendingChunk(runId: string, limit: number): number {
    return Number(
      this.statement(
        `UPDATE cells SET status = 'cancelled', error_code = 'cancelled', error_message = 'Stopped before it started.'
         WHERE rowid IN (SELECT rowid FROM cells WHERE run_id = ? AND status = 'pending' LIMIT ?) AND (SELECT owner FROM runs WHERE runs.id = ?) = ?`,
      ).run(runId, limit, runId, this.owner).changes,
    );
  }

  /** Cells of a run not finished yet (pending or running): read from the index alone. */
  /** Cells of a run left for a resume (marked interrupted). */
  interruptedCount(runId: string): number {
    return num(this.statement(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND status = 'error' AND error_code = 'interrupted'`).get(runId) as Row, 'n');
  }

  unfinishedCount(runId: string, statuses: readonly ('pending' | 'running')[] = ['pending', 'running']): number {
    const row = this.statement(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND status IN (SELECT value FROM json_each(?))`).get(runId, JSON.stringify(statuses)) as Row;
    return num(row, 'n');
  }

  /** One cell, as stored. */
  getCell(cellId: string): Cell | undefined {
    const row = this.statement(`SELECT c.*, ${RATING_COLUMNS} FROM cells c LEFT JOIN ratings r ON r.cell_id = c.id WHERE c.id = ?`).get(cellId) as Row | undefined;
    return row ? this.cell(row) : undefined;
  }

  /** Ids and providers of a run's cells still to run, in position order. */
  pendingCells(runId: string): { id: string; providerId: string }[] {
    const rows = this.db.prepare(`SELECT id, provider_id FROM cells WHERE run_id = ? AND status = 'pending' ORDER BY position`).all(runId) as Row[];
    return rows.map((row) => ({ id: str(row, 'id'), providerId: str(row, 'provider_id') }));
  }

  /**
   * Puts a finished run back to running, owned by this process, with the chosen cells reset to
   * pending. Returns how many cells were reset, or `busy` when a live process runs it: the
   * check and the claim are one write transaction, so two processes never both take a run.
   */
  reopenRun(runId: string, selection: RerunSelection): ReopenResult {
    // A cell whose row's template did not render has nothing to send: asking again cannot help.
    const sendable = `COALESCE(error_code, '') <> 'template'`;
    const where =
      selection.kind === 'failed'
        ? `status IN ('error', 'cancelled') AND ${sendable}`
        : selection.kind === 'unfinished'
          ? `(status IN ('pending', 'running') OR error_code = 'interrupted')${selection.ids ? ' AND id IN (SELECT value FROM json_each(?))' : ''}`
          : `id IN (SELECT value FROM json_each(?)) AND ${sendable}`;
    const args = selection.kind === 'failed' || selection.ids === undefined ? [] : [JSON.stringify(selection.ids)];
    return this.transaction((): ReopenResult => {
      const run = this.db.prepare('SELECT status, lease_until FROM runs WHERE id = ?').get(runId) as Row | undefined;
      if (run && str(run, 'status') === 'running' && (optNum(run, 'lease_until') ?? 0) >= Date.now()) return { busy: true };
      const matching = this.db.prepare(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND ${where}`).get(runId, ...args) as Row;
      // Nothing to run again: the run keeps its status (an interrupted run stays resumable).
      if (num(matching, 'n') === 0) return { queued: 0 };
      // Failed or chosen cells are asked afresh: a batch job that held them is not read for them again.
      // Only the unfinished resume keeps them with their job (still at the vendor).
      if (selection.kind !== 'unfinished') {
        const ids = (this.db.prepare(`SELECT id FROM cells WHERE run_id = ? AND ${where}`).all(runId, ...args) as Row[]).map((row) => str(row, 'id'));
        this.batchJobs.detach(runId, ids);
      }
      this.db.prepare(`DELETE FROM output_search WHERE run_id = ? AND cell_id IN (SELECT id FROM cells WHERE run_id = ? AND ${where})`).run(runId, runId, ...args);
      // A new answer voids what people said about the old one.
      this.db.prepare(`DELETE FROM ratings WHERE cell_id IN (SELECT id FROM cells WHERE run_id = ? AND ${where})`).run(runId, ...args);
      this.db
        .prepare(`DELETE FROM votes WHERE run_id = ? AND (left_cell_id IN (SELECT id FROM cells WHERE run_id = ? AND ${where}) OR right_cell_id IN (SELECT id FROM cells WHERE run_id = ? AND ${where}))`)
        .run(runId, runId, ...args, runId, ...args);
      const changed = Number(
        this.db
          .prepare(
            `UPDATE cells SET status = 'pending', output = '', input_tokens = NULL, output_tokens = NULL, ttft_ms = NULL, total_ms = NULL,
               cost_usd = NULL, cost_estimated = 0, finish_reason = NULL, error_code = NULL, error_message = NULL, cached = 0, attempts = NULL, grading = NULL, answer_bytes = NULL, extra = NULL
             WHERE run_id = ? AND ${where}`,
          )
          .run(runId, ...args).changes,
      );
      this.db.prepare(`UPDATE runs SET status = 'running', owner = ?, lease_until = ? WHERE id = ?`).run(this.owner, Date.now() + LEASE_MS, runId);
      return { queued: changed };
    });
  }

  // ── liveness: a lease renewed by the process running the run ─────────────

  /** This process runs the run now: renew its lease (renewLease) until releaseLease. */
  holdLease(runId: string): void {
    heldLeases.add(runId);
  }

  releaseLease(runId: string): void {
    heldLeases.delete(runId);
  }

  /**
   * The heartbeat: pushes the run's lease forward. False when the run is no longer this
   * store's (another process resumed it after the lease lapsed): stop, and write nothing more.
   * A run another process marked interrupted while this one was held up (the database busy
   * past the lease) but that nobody took is taken back; its runner asks the cells marked
   * interrupted all the same (runner.ts), and writes the ones in flight as they end.
   */
  renewLease(runId: string): boolean {
    const until = Date.now() + LEASE_MS;
    const renewed = this.statement(`UPDATE runs SET lease_until = ? WHERE id = ? AND owner = ? AND status = 'running'`).run(until, runId, this.owner);
    if (Number(renewed.changes) > 0) return true;
    const taken = this.db.prepare(`UPDATE runs SET status = 'running', lease_until = ? WHERE id = ? AND owner = ? AND status = 'interrupted'`).run(until, runId, this.owner);
    return Number(taken.changes) > 0;
  }

  /** Does this store own the run (it started or resumed it, and nobody took it since)? */
  ownsRun(runId: string): boolean {
    const row = this.statement('SELECT owner FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row !== undefined && optStr(row, 'owner') === this.owner;
  }

  /** The providers a run recorded when it started (runs from before they were recorded: none). */
  runProviders(runId: string): RecordedProvider[] {
    const row = this.db.prepare('SELECT providers FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row && optStr(row, 'providers') !== undefined ? json<RecordedProvider[]>(row, 'providers') : [];
  }

  /** Answered cells of a run whose checks failed (all of them, whichever process answered them). */
  failedChecks(runId: string): number {
    const row = this.db.prepare(`SELECT COUNT(*) AS n FROM cells WHERE run_id = ? AND status = 'done' AND grading IS NOT NULL AND json_extract(grading, '$.pass') = 0`).get(runId) as Row;
    return num(row, 'n');
  }

  /** Providers of the cells a resume would run (unfinished ones), and the run's judge. */
  unfinishedProviders(runId: string): string[] {
    const rows = this.db
      .prepare(`SELECT DISTINCT provider_id FROM cells WHERE run_id = ? AND (status IN ('pending', 'running') OR error_code = 'interrupted')`)
      .all(runId) as Row[];
    return rows.map((row) => str(row, 'provider_id'));
  }

  /** The newest interrupted run made from the same config (its fingerprint), if any. */
  interruptedRunOf(fingerprint: string): { id: string; createdAt: string; unfinished: number } | undefined {
    const row = this.db
      .prepare(
        `SELECT r.id, r.created_at, (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND (c.status IN ('pending', 'running') OR c.error_code = 'interrupted')) AS unfinished
         FROM runs r WHERE r.fingerprint = ? AND r.status = 'interrupted' ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`,
      )
      .get(fingerprint) as Row | undefined;
    return row ? { id: str(row, 'id'), createdAt: str(row, 'created_at'), unfinished: num(row, 'unfinished') } : undefined;
  }

  /** The fingerprint a run was recorded with (CLI runs). */
  runFingerprint(runId: string): string | undefined {
    const row = this.db.prepare('SELECT fingerprint FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row ? optStr(row, 'fingerprint') : undefined;
  }

  /** A cell's request is going out: progress counts it as running, not waiting. */
  markRunning(cellId: string): void {
    this.statement(`UPDATE cells SET status = 'running' WHERE id = ? AND status = 'pending' AND (SELECT owner FROM runs WHERE runs.id = cells.run_id) = ?`).run(cellId, this.owner);
  }

  /** Cells never started because the run was stopped: cancelled in one statement. */
  cancelPending(runId: string): number {
    return Number(
      this.db
        .prepare(
          `UPDATE cells SET status = 'cancelled', error_code = 'cancelled', error_message = 'Stopped before it started.'
           WHERE run_id = ? AND status = 'pending' AND (SELECT owner FROM runs WHERE runs.id = cells.run_id) = ?`,
        )
        .run(runId, this.owner).changes,
    );
  }

  progress(runId: string): RunProgress {
    const row = this.statement(PROGRESS_SQL).get(runId) as Row;
    return {
      total: num(row, 'total'),
      pending: num(row, 'pending'),
      running: num(row, 'running'),
      done: num(row, 'done'),
      error: num(row, 'error'),
      cancelled: num(row, 'cancelled'),
      cached: num(row, 'cached'),
      costUsd: num(row, 'cost_usd'),
      costEstimated: num(row, 'cost_estimated'),
      inputTokens: num(row, 'input_tokens'),
      outputTokens: num(row, 'output_tokens'),
    };
  }

  gradingSpec(runId: string): GradingSpec {
    const row = this.db.prepare('SELECT test_cases, variables, assertions, judge FROM runs WHERE id = ?').get(runId) as Row | undefined;
    if (!row) return { assertions: [], testCases: [], judge: undefined };
    return {
      assertions: optStr(row, 'assertions') !== undefined ? json<Assertion[]>(row, 'assertions') : [],
      testCases: optStr(row, 'test_cases') !== undefined ? json<TestCase[]>(row, 'test_cases') : [{ id: 'case-1', vars: json<Variables>(row, 'variables') }],
      judge: optStr(row, 'judge') !== undefined ? json<JudgeConfig>(row, 'judge') : undefined,
    };
  }

  runUsesCache(runId: string): boolean {
    const row = this.db.prepare('SELECT use_cache FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row ? num(row, 'use_cache') === 1 : false;
  }

  runStatus(runId: string): RunStatus | undefined {
    const row = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return row ? (str(row, 'status') as RunStatus) : undefined;
  }

  // ── response cache ───────────────────────────────────────────────────────

  cacheGet(key: string): CachedResponse | undefined {
    const row = this.statement('SELECT output, input_tokens, output_tokens, finish_reason, extra FROM response_cache WHERE key = ?').get(key) as Row | undefined;
    if (!row) return undefined;
    const inputTokens = optNum(row, 'input_tokens');
    const outputTokens = optNum(row, 'output_tokens');
    const extra = readExtra(row);
    return {
      output: str(row, 'output'),
      usage: { ...(inputTokens !== undefined ? { inputTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}), ...extra.usage },
      finishReason: optStr(row, 'finish_reason'),
      ...extra.fields,
    };
  }

  cachePut(key: string, response: CachedResponse): void {
    this.statement(
      `INSERT INTO response_cache (key, output, input_tokens, output_tokens, finish_reason, created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET output = excluded.output, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
         finish_reason = excluded.finish_reason, created_at = excluded.created_at, extra = excluded.extra`,
    ).run(key, response.output, response.usage.inputTokens ?? null, response.usage.outputTokens ?? null, response.finishReason ?? null, new Date().toISOString(), extraOf(response));
  }

  clearCache(): number {
    return Number(this.db.prepare('DELETE FROM response_cache').run().changes);
  }

  /**
   * Records a cell's outcome; called once per finished cell, in its own transaction. False
   * (nothing written) when the run is no longer this store's: another process resumed it.
   */
  finishCell(cell: Cell): boolean {
    return this.transaction(() => {
      if (!this.writeCell(cell)) return false;
      // Outputs are searchable from the library.
      if (cell.output !== '') this.statement('INSERT INTO output_search (cell_id, run_id, output) VALUES (?, ?, ?)').run(cell.id, cell.runId, cell.output);
      return true;
    });
  }

  private writeCell(cell: Cell): boolean {
    const result = this
      .statement(
        `UPDATE cells SET status = ?, output = ?, input_tokens = ?, output_tokens = ?, ttft_ms = ?, total_ms = ?, cost_usd = ?, cost_estimated = ?,
           finish_reason = ?, error_code = ?, error_message = ?, cached = ?, attempts = ?, grading = ?, answer_bytes = ?, extra = ?
         WHERE id = ? AND (SELECT owner FROM runs WHERE runs.id = cells.run_id) = ?`,
      )
      .run(
        cell.status,
        cell.output,
        cell.usage.inputTokens ?? null,
        cell.usage.outputTokens ?? null,
        cell.ttftMs ?? null,
        cell.totalMs ?? null,
        cell.costUsd ?? null,
        cell.costEstimated === true ? 1 : 0,
        cell.finishReason ?? null,
        cell.error?.code ?? null,
        cell.error?.message ?? null,
        cell.cached ? 1 : 0,
        cell.attempts ?? null,
        cell.grading ? JSON.stringify(cell.grading) : null,
        cell.cut?.answerBytes ?? null,
        extraOf(cell),
        cell.id,
        this.owner,
      );
    return Number(result.changes) > 0;
  }

  /** Records how a run ended; only its owner may (false: another process took it). */
  finishRun(runId: string, status: RunStatus): boolean {
    return Number(this.db.prepare('UPDATE runs SET status = ? WHERE id = ? AND owner = ?').run(status, runId, this.owner).changes) > 0;
  }

  /**
   * Runs left `running` whose lease has lapsed (the process running them died, hung, or closed
   * its store mid-run) are marked interrupted, with their unfinished cells. Liveness is the
   * lease alone, never a pid (a pid is reused); a run a runner of this process still holds is
   * left alone. Returns how many runs were marked.
   */
  markInterrupted(now: number = Date.now()): number {
    const lapsed = this.statement(`SELECT id FROM runs WHERE status = 'running' AND COALESCE(lease_until, 0) < ?`).all(now) as Row[];
    const orphans = lapsed.map((row) => str(row, 'id')).filter((id) => !heldLeases.has(id));
    if (orphans.length === 0) return 0;
    const markCells = this.db.prepare(
      `UPDATE cells SET status = 'error', error_code = 'interrupted', error_message = 'Parallax stopped before this request finished.'
       WHERE run_id = ? AND status IN ('pending', 'running')`,
    );
    // Checked again inside the write: the owner may have renewed it meanwhile.
    const markRun = this.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running' AND COALESCE(lease_until, 0) < ?`);
    return this.transaction(() => {
      let count = 0;
      for (const id of orphans) {
        const marked = Number(markRun.run(id, now).changes);
        if (marked > 0) markCells.run(id);
        count += marked;
      }
      return count;
    });
  }

  /** Newest first. A run's models are read from its columns (each cell runs its column's model), not from a scan of its cells. */
  listRuns(limit: number, offset: number): { runs: RunSummary[]; total: number } {
    const rows = this.db
      .prepare(
        `SELECT r.id, r.created_at, r.status, r.source, r.title, r.cell_count, r.case_count, r.repeats,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND c.status = 'error') AS error_count,
           (SELECT json_group_array(DISTINCT json_extract(value, '$.model')) FROM json_each(r.columns)) AS models
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
      caseCount: num(row, 'case_count'),
      repeats: Math.max(1, num(row, 'repeats')),
    };
  }

  getRun(runId: string): RunDetail | undefined {
    const row = this.db
      .prepare(
        `SELECT r.*, (SELECT v.prompt_id FROM prompt_versions v WHERE v.id = r.prompt_version_id) AS prompt_id,
           (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND c.status = 'error') AS error_count,
           (SELECT json_group_array(DISTINCT json_extract(value, '$.model')) FROM json_each(r.columns)) AS models
         FROM runs r WHERE r.id = ?`,
      )
      .get(runId) as Row | undefined;
    if (!row) return undefined;
    return {
      run: this.summary(row),
      messages: json<Message[]>(row, 'messages'),
      testCases: optStr(row, 'test_cases') !== undefined ? json<TestCase[]>(row, 'test_cases') : [{ id: 'case-1', vars: json<Variables>(row, 'variables') }],
      columns: json<Column[]>(row, 'columns'),
      progress: this.progress(runId),
      cells: this.cellsOfCases(runId, 0, FIRST_PAGE_CASES, true),
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
      .prepare(`SELECT c.*, ${RATING_COLUMNS} FROM cells c LEFT JOIN ratings r ON r.cell_id = c.id WHERE c.run_id = ? AND c.position >= ? ORDER BY c.position LIMIT ?`)
      .all(runId, fromPosition, limit) as Row[];
    return rows.map((row) => this.cell(row));
  }

  /** The cells table's columns with the answer cut to VIEW_OUTPUT_CHARS (and its whole length), read once. */
  private previewSelect: string | undefined;
  private previewColumns(): string {
    if (this.previewSelect === undefined) {
      const names = (this.db.prepare('PRAGMA table_info(cells)').all() as Row[]).map((row) => str(row, 'name'));
      this.previewSelect = names
        .map((name) =>
          name === 'output'
            ? `substr(c.output, 1, ${VIEW_OUTPUT_CHARS}) AS output, length(c.output) AS output_chars`
            : name === 'extra'
              ? PREVIEW_EXTRA
              : `c."${name.replace(/"/g, '""')}"`,
        )
        .join(', ');
    }
    return this.previewSelect;
  }

  /**
   * Every cell of rows fromCase..toCase-1 (all columns and repeats), in position order. With
   * `preview`, answers longer than VIEW_OUTPUT_CHARS come cut to it (with `outputChars`), as the
   * grid's pages and runs.get carry them: reading them whole is runs.cell's job.
   */
  cellsOfCases(runId: string, fromCase: number, toCase: number, preview = false): Cell[] {
    const rows = this.statement(
      `SELECT ${preview ? this.previewColumns() : 'c.*'}, ${RATING_COLUMNS} FROM cells c LEFT JOIN ratings r ON r.cell_id = c.id
       WHERE c.run_id = ? AND c.case_index >= ? AND c.case_index < ? ORDER BY c.case_index, c.column_index, c.repeat`,
    ).all(runId, fromCase, toCase) as Row[];
    return rows.map((row) => this.cell(row));
  }

  /** Every cell of the rows named (case indexes, in any order), answers cut as cellsOfCases' preview; in case-major order. */
  cellsOfCaseList(runId: string, cases: readonly number[]): Cell[] {
    const rows = this.statement(
      `SELECT ${this.previewColumns()}, ${RATING_COLUMNS} FROM cells c LEFT JOIN ratings r ON r.cell_id = c.id
       WHERE c.run_id = ? AND c.case_index IN (SELECT value FROM json_each(?)) ORDER BY c.case_index, c.column_index, c.repeat`,
    ).all(runId, JSON.stringify(cases)) as Row[];
    return rows.map((row) => this.cell(row));
  }

  /** The rows a run has cells in, ascending, without reading a cell. */
  caseIndexesOf(runId: string): number[] {
    const rows = this.statement('SELECT DISTINCT case_index FROM cells WHERE run_id = ? ORDER BY case_index').all(runId) as Row[];
    return rows.map((row) => num(row, 'case_index'));
  }

  private cell(row: Row): Cell {
    const errorCode = optStr(row, 'error_code');
    const inputTokens = optNum(row, 'input_tokens');
    const outputTokens = optNum(row, 'output_tokens');
    const ttftMs = optNum(row, 'ttft_ms');
    const totalMs = optNum(row, 'total_ms');
    const costUsd = optNum(row, 'cost_usd');
    const finishReason = optStr(row, 'finish_reason');
    const extra = readExtra(row);
    return {
      id: str(row, 'id'),
      runId: str(row, 'run_id'),
      columnIndex: num(row, 'column_index'),
      caseIndex: num(row, 'case_index'),
      repeat: num(row, 'repeat'),
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
        ...extra.usage,
      },
      ...extra.fields,
      ...(ttftMs !== undefined ? { ttftMs } : {}),
      ...(totalMs !== undefined ? { totalMs } : {}),
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(costUsd !== undefined && optNum(row, 'cost_estimated') === 1 ? { costEstimated: true } : {}),
      ...(finishReason !== undefined ? { finishReason } : {}),
      ...(errorCode !== undefined ? { error: { code: errorCode, message: optStr(row, 'error_message') ?? '' } } : {}),
      ...(num(row, 'cached') ? { cached: true } : {}),
      ...(optNum(row, 'attempts') !== undefined ? { attempts: num(row, 'attempts') } : {}),
      ...(optStr(row, 'grading') !== undefined ? { grading: json<Grading>(row, 'grading') } : {}),
      ...(optNum(row, 'answer_bytes') !== undefined ? { cut: { answerBytes: num(row, 'answer_bytes') } } : {}),
      ...((optNum(row, 'output_chars') ?? 0) > VIEW_OUTPUT_CHARS ? { outputChars: num(row, 'output_chars') } : {}),
      ...(optStr(row, 'r_updated') !== undefined ? { rating: ratingOf(row) } : {}),
    };
  }
}
