/**
 * Runs cells: each is one request to one provider. Main owns every request: it streams,
 * times with a monotonic clock, limits requests in flight per provider (and overall, for the
 * CLI's -j), retries 429/5xx/dropped connections on its own schedule (backoff.ts), serves
 * unchanged requests from the response cache, cancels per cell, and commits each finished
 * cell to the store on its own.
 *
 * Memory stays flat as a run grows: the queue holds cell ids only, and a cell is read from
 * the database when its turn comes.
 */
import { performance } from 'node:perf_hooks';
import pLimit, { type LimitFunction } from 'p-limit';
import type { AppEvent } from '../../shared/contract';
import { AppError, toErrorInfo } from '../../shared/errors';
import { costOfUsage } from '../../shared/prices';
import { completeUsage } from '../providers/tokens';
import type { Cell, RunStatus, Usage } from '../../shared/schemas';
import type { ImageLoader } from '../providers/content';
import type { ToolCall } from '../../shared/tools';
import type { ProviderRegistry, ResolvedProvider } from '../providers/registry';
import { HEARTBEAT_MS, type GradingSpec, type NewCell, type NewRun, type RecordedProvider, type RerunSelection, type Store } from '../store/store';
import { compareRow, hasComparison } from './compare';
import { gradeCell, graderServicesOf, hasChecks, judgeOf, needsLogprobs } from './grading';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type BackoffPolicy } from './backoff';
import { FairLimiter, type Lane } from './fair-limit';
import { formatDuration } from '../../shared/timeouts';
import { cacheKey } from './cache-key';
import { DeltaCoalescer } from './coalescer';
import { AnswerCap, DEFAULT_MAX_ANSWER_BYTES } from './answer-cap';
import { BusyGaveUp } from '../store/busy';
import { MAX_TOKENS } from '../providers/wire';
import type { PiiGuard } from '../pii/guard';
import { guardGraders } from '../pii/graders';
import { StreamUnmasker, unmask, type PiiMapping } from '../../shared/pii/mask';
import { describeCounts } from '../../shared/pii/kinds';
import type { BatchApi } from '../providers/batch';
import { BatchGroup, DEFAULT_POLL, type PollPolicy } from './batch';

export interface RunPlan {
  run: NewRun;
  cells: Iterable<NewCell>;
  /** How many cells `cells` yields, when known: a big run then starts before all are written. */
  total?: number;
}

/**
 * A big run is written in chunks (one transaction each) sized to take about PLAN_CHUNK_MS to
 * produce and write, from PLAN_CHUNK_MIN to PLAN_CHUNK_CELLS cells: between chunks the event
 * loop answers other calls, and another process may write. Producing a chunk (rendering its
 * rows) also stops at PLAN_CHUNK_MS.
 */
export const PLAN_CHUNK_CELLS = 4000;
const PLAN_CHUNK_MIN = 100;
const PLAN_CHUNK_FIRST = 1000;
export const PLAN_CHUNK_MS = 15;
/** Workers let the event loop run at least this often, so other calls are answered during a run. */
const YIELD_EVERY_MS = 10;
/** A stopped run's waiting cells are cancelled at most this many at a time. */
const CANCEL_CHUNK = 2000;
/** Pending cells are read back a page at a time, yielding in between. */
const PENDING_PAGE = 4000;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The next chunk of a run's cells: up to `size`, or what PLAN_CHUNK_MS produced. */
function takeChunk(cells: Iterator<NewCell>, size: number): { cells: NewCell[]; last: boolean } {
  const chunk: NewCell[] = [];
  const until = performance.now() + PLAN_CHUNK_MS;
  while (chunk.length < size) {
    const next = cells.next();
    if (next.done === true) return { cells: chunk, last: true };
    chunk.push(next.value);
    if ((chunk.length & 63) === 0 && performance.now() > until) break;
  }
  return { cells: chunk, last: false };
}

export interface RunnerOptions {
  /** Requests in flight across all providers (the CLI's -j). Unlimited when absent. */
  maxConcurrency?: number;
  /** How often stream deltas are sent to the UI. */
  flushMs?: number;
  backoff?: BackoffPolicy;
  /** For tests: the jitter's source of randomness. */
  random?: () => number;
  /** Cost of a finished cell; the built-in price list when absent. */
  cost?: (model: string, usage: Usage) => number | undefined;
  /** Masks keys in text from providers (answers, errors, check reasons) before it is kept or shown. */
  redact?: (text: string) => string;
  /** How often a running run's lease is renewed (store.ts LEASE_MS is how long it lasts). */
  heartbeatMs?: number;
  /** UTF-8 bytes of an answer kept, read as each cell starts (answer-cap.ts); 1 MB when absent. */
  maxAnswerBytes?: () => number;
  /** Reads stored images for requests that carry them (src/main/images.ts). */
  loadImage?: ImageLoader;
  /** Applies each provider's personal-data policy to a request before it is sent (src/main/pii/guard.ts). */
  pii?: PiiGuard;
  /** How often batch jobs are polled (runner/batch.ts). */
  batchPoll?: PollPolicy;
}

/** Thinking kept per cell (characters); the rest is dropped, its tokens still counted. */
const MAX_REASONING_CHARS = 1_000_000;
/** Tool calls kept per cell. */
const MAX_TOOL_CALLS = 64;

/** A call within what a cell keeps (shared/tools.ts): masking a key can make a text longer than the provider's cap. */
function boundedCall(call: ToolCall): ToolCall {
  return { id: call.id.slice(0, 500), name: call.name.slice(0, 500), arguments: call.arguments.slice(0, 1_000_000) };
}

/** Token counts a provider reported, if they are believable: whole numbers from 0 to MAX_TOKENS. */
function usageProblem(usage: Usage): string | undefined {
  for (const [name, value] of Object.entries(usage) as [string, unknown][]) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_TOKENS) {
      return `The provider reported ${name} = ${String(value)}, which is not a token count (a whole number from 0 to ${MAX_TOKENS.toLocaleString('en-US')}); the answer is not recorded as finished.`;
    }
  }
  return undefined;
}

/** A cell marked interrupted, as it was before: waiting to be asked. */
function resumable(cell: Cell): Cell {
  const { error: _interrupted, ...rest } = cell;
  return { ...rest, status: 'pending' };
}

/** After this many cells of one provider in a row fail to connect, its other cells fail at once. */
export const UNREACHABLE_AFTER = 3;

interface ActiveRun {
  runId: string;
  /** Requests in flight (or waiting to retry), by cell id. */
  controllers: Map<string, AbortController>;
  stopped: boolean;
  useCache: boolean;
  /** Consecutive cells per provider that could not connect even after retrying. */
  unreachable: Map<string, number>;
  /** The run's checks, when it has any. */
  grading: GradingSpec | undefined;
  /** Aborts judge calls when the run stops. */
  judgeAbort: AbortController;
  /** Graded cells of rows with select-best or max-score, held back until their row is done (compare.ts), by cell id. */
  held?: Map<string, Cell>;
  /** Cells whose end was reported (even if the database refused it), so the final sweep does not report them again. */
  reported: Set<string>;
  /** The providers the run recorded when it started (how a resumed CLI run reaches them). */
  recorded: RecordedProvider[];
  /** Renews the run's lease while it runs. */
  heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Another process took the run over (its lease had lapsed): stop, write nothing more. */
  lost: boolean;
  /** A big run's cells still being written in chunks: true once all are in (or the run was stopped), false if planning failed. */
  planning?: Promise<boolean>;
  /** Aborted on a stop: batch jobs are cancelled at the vendor (runner/batch.ts). */
  batchAbort: AbortController;
  /** Every cell goes live, batch variants too (sending a batch's failures again). */
  live: boolean;
  /** A batch left cells for a resume (its vendor unreachable, its results unread): the run ends interrupted. */
  leftForResume?: boolean;
  done: Promise<RunStatus>;
}

export class Runner {
  private readonly active = new Map<string, ActiveRun>();
  private readonly providerLimits = new Map<string, LimitFunction>();
  /** The CLI's -j, shared fairly between providers, a slot held for one attempt at a time. */
  private readonly fair: FairLimiter | undefined;
  private readonly coalescer: DeltaCoalescer;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly cost: NonNullable<RunnerOptions['cost']>;
  private readonly loadImage: ImageLoader | undefined;
  private readonly redact: (text: string) => string;
  private readonly heartbeatMs: number;
  private readonly maxAnswerBytes: () => number;
  private readonly pii: PiiGuard | undefined;
  private readonly batchPoll: PollPolicy;
  private closed = false;
  /** When the current slice of work on the thread began, and the turn of the event loop it waits for (pause()). */
  private sliceStart = 0;
  private turn: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly registry: ProviderRegistry,
    private readonly emit: (event: AppEvent) => void,
    options: RunnerOptions = {},
  ) {
    this.fair = options.maxConcurrency ? new FairLimiter(options.maxConcurrency) : undefined;
    this.coalescer = new DeltaCoalescer(emit, options.flushMs ?? 25);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.cost = options.cost ?? ((model, usage) => costOfUsage(model, usage));
    this.loadImage = options.loadImage;
    this.redact = options.redact ?? ((text) => text);
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.maxAnswerBytes = options.maxAnswerBytes ?? (() => DEFAULT_MAX_ANSWER_BYTES);
    this.pii = options.pii;
    this.batchPoll = options.batchPoll ?? DEFAULT_POLL;
  }

  /**
   * Records the run and its cells and starts them. Returns how many cells it has. A run bigger
   * than one chunk (with its total known) resolves once its first chunk is written; the rest
   * is written a chunk at a time in the background, and the cells start once all are in.
   * Waits out a database another process holds (Store.write).
   */
  async start(plan: RunPlan): Promise<{ runId: string; total: number }> {
    const runId = plan.run.id;
    const cells = plan.cells[Symbol.iterator]();
    const first = takeChunk(cells, PLAN_CHUNK_FIRST);
    if (first.last) {
      const total = await this.store.write(() => this.store.createRun(plan.run, first.cells));
      this.launch(runId, plan.run.useCache);
      return { runId, total };
    }
    // Marked first, so a crash before the last chunk leaves nothing half-planned (Store.discardHalfPlanned).
    await this.store.write(() => this.store.markPlanning(runId));
    await this.store.write(() => this.store.createRun(plan.run, first.cells));
    let planned = first.cells.length;
    let size = PLAN_CHUNK_FIRST;
    const planRest = async (active: ActiveRun): Promise<boolean> => {
      try {
        for (;;) {
          await yieldToEventLoop();
          // Closed (the app quits): left marked, so the next open removes the half-planned run.
          if (this.closed) return false;
          if (active.stopped) {
            await this.store.write(() => this.store.endPlanning(runId), { cancelled: () => this.closed });
            return true;
          }
          const began = performance.now();
          const chunk = takeChunk(cells, size);
          await this.store.write(() => this.store.addCells(runId, chunk.cells, chunk.last), { cancelled: () => this.closed });
          planned += chunk.cells.length;
          // The next chunk sized to take about PLAN_CHUNK_MS on this machine (at most twice this one).
          const took = Math.max(1, performance.now() - began);
          size = Math.round(Math.min(PLAN_CHUNK_CELLS, size * 2, Math.max(PLAN_CHUNK_MIN, (chunk.cells.length * PLAN_CHUNK_MS) / took)));
          if (chunk.last) return true;
        }
      } catch (error) {
        if (this.closed) return false;
        const reason = error instanceof Error ? error.message : String(error);
        process.emitWarning(`Parallax could not write run ${runId} (${reason}); the run is removed.`);
        try {
          await this.store.write(() => this.store.discardRun(runId), { cancelled: () => this.closed });
        } catch {
          // Still marked: the next open removes it.
        }
        return false;
      }
    };
    this.launch(runId, plan.run.useCache, planRest);
    if (plan.total !== undefined) return { runId, total: plan.total };
    // The total is not known: it is once planning ends.
    await this.active.get(runId)?.planning;
    return { runId, total: planned };
  }

  /**
   * Runs cells of a run that is not running again, in place: the failed ones, the ones named,
   * or (resume) the ones a crash left unfinished. Returns how many were queued.
   */
  rerun(runId: string, selection: RerunSelection, options: { live?: boolean } = {}): number {
    if (this.active.has(runId)) throw new AppError('bad_input', 'This run is still running. Stop it or let it finish, then run cells again.');
    const status = this.store.runStatus(runId);
    if (status === undefined) throw new AppError('not_found', `No run with id "${runId}".`);
    if (status === 'running') {
      throw new AppError('bad_input', 'Another Parallax process is running this run right now. Let it finish, or close it first.');
    }
    const reopened = this.store.reopenRun(runId, selection);
    if ('busy' in reopened) {
      throw new AppError('bad_input', 'Another Parallax process is running this run right now. Let it finish, or close it first.');
    }
    const { queued } = reopened;
    if (queued === 0) return 0;
    // A re-run asks the model again: answers from the cache would only repeat themselves.
    // A resume continues the run as it was started.
    this.launch(runId, selection.kind === 'unfinished' ? this.store.runUsesCache(runId) : false, undefined, options.live === true);
    this.emit({ type: 'run.resumed', runId, queued });
    return queued;
  }

  /** Resolves when every cell of the run has finished, with the run's final status. */
  whenDone(runId: string): Promise<RunStatus> {
    return this.active.get(runId)?.done ?? Promise.resolve(this.store.runStatus(runId) ?? 'done');
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Cancels every request of a run in flight, and every cell still waiting. Returns how many. */
  stop(runId: string): number {
    const active = this.active.get(runId);
    if (!active) return 0;
    active.stopped = true;
    active.judgeAbort.abort();
    active.batchAbort.abort();
    let count = 0;
    for (const controller of active.controllers.values()) {
      if (!controller.signal.aborted) {
        controller.abort();
        count++;
      }
    }
    return count + this.store.unfinishedCount(runId, ['pending']);
  }

  /**
   * Cancels the run's batch jobs at their vendors (what they answered already is still written),
   * leaving its live variants running. Returns whether the run is running here.
   */
  cancelBatches(runId: string): boolean {
    const active = this.active.get(runId);
    if (!active) return false;
    active.batchAbort.abort();
    return true;
  }

  stopAll(): void {
    for (const runId of this.active.keys()) this.stop(runId);
  }

  /**
   * Stops every run for good, right before the store closes (app quit). Cells still unwinding
   * are not written to the closed store; the next open marks their runs interrupted.
   */
  close(): void {
    this.closed = true;
    for (const active of this.active.values()) this.endLease(active);
    this.stopAll();
    this.coalescer.dispose();
  }

  /** The heartbeat: keeps the run's lease; a run another process took over is stopped here. */
  private beat(active: ActiveRun): void {
    if (this.closed || active.lost) return;
    // Another process holds the write lock and a write already waits for it (Store.write): this
    // one would only block the thread for the busy timeout and fail; the next beat tries again.
    if (this.store.waitingForLock) return;
    let ours: boolean;
    try {
      ours = this.store.tryWrite(() => this.store.renewLease(active.runId));
    } catch {
      // The database is busy (or closing): the next beat tries again.
      return;
    }
    if (!ours) this.lose(active);
  }

  /** Another process resumed this run: abort what is in flight here and leave the cells to it. */
  private lose(active: ActiveRun): void {
    if (active.lost) return;
    active.lost = true;
    active.stopped = true;
    active.judgeAbort.abort();
    for (const controller of active.controllers.values()) controller.abort();
    this.endLease(active);
  }

  private endLease(active: ActiveRun): void {
    if (active.heartbeat !== undefined) clearInterval(active.heartbeat);
    active.heartbeat = undefined;
    this.store.releaseLease(active.runId);
  }

  /**
   * Cells that answer without waiting on I/O (echo, the cache) run on microtasks alone, and
   * would starve every other call (timers, sockets, the app's requests) until the run ends.
   * Past YIELD_EVERY_MS of work, a cell waits here, before its next database work, for the
   * event loop to have a turn. One turn is shared by every worker, so 64 of them cannot each
   * take a slice in a row.
   */
  private async pause(): Promise<void> {
    while (performance.now() - this.sliceStart > YIELD_EVERY_MS) {
      this.turn ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          this.turn = undefined;
          this.sliceStart = performance.now();
          resolve();
        }),
      );
      await this.turn;
    }
  }

  private launch(runId: string, useCache: boolean, plan?: (active: ActiveRun) => Promise<boolean>, live = false): void {
    const spec = this.store.gradingSpec(runId);
    const active: ActiveRun = {
      runId,
      controllers: new Map(),
      stopped: false,
      useCache,
      unreachable: new Map(),
      grading: hasChecks(spec) ? spec : undefined,
      judgeAbort: new AbortController(),
      reported: new Set(),
      recorded: this.store.runProviders(runId),
      heartbeat: undefined,
      lost: false,
      batchAbort: new AbortController(),
      live,
      done: Promise.resolve('done'),
    };
    this.active.set(runId, active);
    this.store.holdLease(runId);
    active.heartbeat = setInterval(() => this.beat(active), this.heartbeatMs);
    active.heartbeat.unref();
    if (plan) active.planning = plan(active);
    active.done = this.execute(active).catch((error: unknown) => {
      // Only a failure to record the run's end lands here; the cells have all been reported.
      this.active.delete(runId);
      this.endLease(active);
      const reason = error instanceof Error ? error.message : String(error);
      this.emit({ type: 'run.finished', runId, status: 'interrupted' });
      // Closed mid-way (the app quits): nothing went wrong; the next open marks the run interrupted.
      if (!this.closed) process.emitWarning(`Parallax could not record the end of run ${runId}: ${reason}`);
      return 'interrupted' as const;
    });
  }

  private limitFor(provider: ResolvedProvider): LimitFunction {
    let limit = this.providerLimits.get(provider.id);
    if (!limit) {
      limit = pLimit(provider.concurrency);
      this.providerLimits.set(provider.id, limit);
    } else if (limit.concurrency !== provider.concurrency) {
      // Changed in Settings since the last run: the new limit applies from now on.
      limit.concurrency = provider.concurrency;
    }
    return limit;
  }

  private async execute(active: ActiveRun): Promise<RunStatus> {
    const { runId } = active;
    // Yield once so runs.start can reply before the first events; a big run's cells start once all are written.
    const planned = await (active.planning ?? Promise.resolve(true));
    if (!planned) {
      this.active.delete(runId);
      this.endLease(active);
      if (!this.closed) this.emit({ type: 'run.finished', runId, status: 'interrupted' });
      return 'interrupted';
    }
    // Read a page at a time, yielding in between, so a 400k-cell run does not hold up other calls.
    const byProvider = new Map<string, string[]>();
    // Variants sent to a batch engine: their cells by column (runner/batch.ts).
    const batchColumns = active.live ? new Set<number>() : new Set(this.store.runColumns(runId).flatMap((c, i) => (c.batch === true ? [i] : [])));
    const byBatch = new Map<number, { providerId: string; ids: string[] }>();
    for (let after = -1; ; ) {
      const page = this.store.pendingCellsPage(runId, after, PENDING_PAGE);
      for (const { id, providerId, position, columnIndex } of page) {
        after = position;
        if (batchColumns.has(columnIndex)) {
          let group = byBatch.get(columnIndex);
          if (!group) byBatch.set(columnIndex, (group = { providerId, ids: [] }));
          group.ids.push(id);
          continue;
        }
        let ids = byProvider.get(providerId);
        if (!ids) byProvider.set(providerId, (ids = []));
        ids.push(id);
      }
      if (page.length < PENDING_PAGE) break;
      await yieldToEventLoop();
    }
    // Every provider counts in the -j split from the start, so none takes all the slots while another resolves.
    const placeholders = new Map<string, Lane[]>();
    if (this.fair) {
      for (const [providerId, ids] of byProvider) {
        const fair = this.fair;
        placeholders.set(providerId, Array.from({ length: Math.min(ids.length, fair.max) }, () => fair.join(providerId)));
      }
    }
    const dropPlaceholders = (providerId: string): void => {
      for (const lane of placeholders.get(providerId) ?? []) lane.leave();
      placeholders.delete(providerId);
    };
    const batches = [...byBatch].map(([columnIndex, group]) => this.runBatch(active, columnIndex, group.providerId, group.ids));
    await Promise.all([
      ...batches,
      ...[...byProvider].map(async ([providerId, ids]) => {
        let provider: ResolvedProvider;
        try {
          provider = await this.registry.resolve(providerId, active.recorded);
        } catch (error) {
          dropPlaceholders(providerId);
          const info = toErrorInfo(error);
          for (const id of ids) {
            if (this.closed) return;
            const cell = this.store.getCell(id);
            if (cell) await this.finish({ ...cell, status: 'error', error: info });
          }
          return;
        }
        // As many workers as the provider takes at once; each takes the next cell in turn.
        // Slots (the provider's, and -j's) are taken per attempt, so a cell sleeping before a retry holds none.
        let next = 0;
        const worker = async (lane: Lane | undefined): Promise<void> => {
          try {
            while (next < ids.length && !active.stopped && !this.closed) {
              await this.pause();
              const id = ids[next++];
              if (id === undefined) break;
              try {
                await this.runCell(id, provider, active, lane);
              } catch (error) {
                // A fault of ours (not the provider's, which runCell records) fails this cell, not the run.
                await this.failUnfinished(active, id, `This cell failed inside Parallax: ${error instanceof Error ? error.message : String(error)}`);
              }
            }
          } finally {
            lane?.leave();
          }
        };
        const lanes = Array.from({ length: Math.min(provider.concurrency, ids.length) }, () => this.fair?.join(providerId));
        dropPlaceholders(providerId);
        await Promise.all(lanes.map(worker));
      }),
    ]);
    // Rows a stop left incomplete: their held answers are kept, without the comparison.
    await this.releaseRows(active, true);
    this.active.delete(runId);
    this.endLease(active);
    if (this.closed) return 'interrupted';
    if (active.lost) {
      // Another process resumed the run and finishes it; nothing of this one's is written.
      this.emit({ type: 'run.finished', runId, status: 'interrupted' });
      return 'interrupted';
    }
    // The run's end is written even while another process holds the database (Store.write waits it out).
    const untilClosed = { cancelled: () => this.closed };
    if (active.stopped) {
      // In chunks: cancelling 400k waiting cells in one statement would hold up every other call.
      for (let size = CANCEL_CHUNK; ; ) {
        const began = performance.now();
        if ((await this.store.write(() => this.store.cancelPendingChunk(runId, size), untilClosed)) < size) break;
        // Sized like the planning's chunks, to about PLAN_CHUNK_MS each.
        size = Math.round(Math.min(CANCEL_CHUNK, size * 2, Math.max(PLAN_CHUNK_MIN, (size * PLAN_CHUNK_MS) / Math.max(1, performance.now() - began))));
        await yieldToEventLoop();
        if (this.closed) return 'interrupted';
      }
    }
    // Every cell of a finished run is finished: one left pending or running is failed, with why.
    if (this.store.unfinishedCount(runId) > 0) {
      for (const ids of [...byProvider.values(), ...[...byBatch.values()].map((g) => g.ids)]) {
        for (const id of ids) await this.failUnfinished(active, id, active.stopped ? undefined : 'This cell never finished (no answer or error came back); the run ended without it.');
      }
    }
    // Cells left for a resume (a batch's, or a live column's a resume on start did not ask): the run stays resumable.
    const left = active.leftForResume === true || this.store.interruptedCount(runId) > 0;
    const status: RunStatus = active.stopped ? 'cancelled' : left ? 'interrupted' : 'done';
    await this.store.write(() => this.store.finishRun(runId, status), untilClosed);
    this.emit({ type: 'run.finished', runId, status });
    return status;
  }

  /**
   * Sends a batch variant's cells through its provider's batch engine (or polls the job a resume
   * finds for them), writing each result through this runner's finish path. A provider without
   * one fails the cells with why; they can be sent live.
   */
  private async runBatch(active: ActiveRun, columnIndex: number, providerId: string, ids: readonly string[]): Promise<void> {
    const fail = async (message: string): Promise<void> => {
      for (const id of ids) {
        if (this.closed) return;
        const cell = this.store.getCell(id);
        if (cell?.status === 'pending') await this.finish({ ...cell, status: 'error', attempts: 0, error: { code: 'batch_failed', message } });
      }
    };
    let resolved: ResolvedProvider;
    try {
      resolved = await this.registry.resolve(providerId, active.recorded);
    } catch (error) {
      await fail(toErrorInfo(error).message);
      return;
    }
    let api: BatchApi;
    try {
      if (!resolved.provider.batchApi) throw new Error('none');
      api = await resolved.provider.batchApi(this.loadImage);
    } catch {
      await fail(`${resolved.name} has no batch engine Parallax can use (OpenAI's Batch API for Chat Completions, or Anthropic's Message Batches). Send these cells live.`);
      return;
    }
    const group = new BatchGroup(
      {
        store: this.store,
        emit: this.emit,
        finish: (cell) => this.finishGraded(active, cell),
        cost: this.cost,
        maxAnswerBytes: this.maxAnswerBytes(),
        signal: active.batchAbort.signal,
        // Masked as a live request is; a resumed job's mapping is rebuilt by masking the cell's rendered messages again.
        prepare: (cell) => this.guardPii(cell, resolved),
        wantsLogprobs: (cell) => active.grading !== undefined && needsLogprobs(active.grading, cell.caseIndex),
        interrupt: async (cell, message) => {
          active.leftForResume = true;
          // Not graded: the answer is still to come.
          await this.finish({ ...cell, status: 'error', error: { code: 'interrupted', message } });
        },
        closing: () => this.closed || active.lost,
        poll: this.batchPoll,
      },
      active.runId,
      columnIndex,
      resolved,
      api,
    );
    try {
      await group.run(ids);
    } catch (error) {
      if (this.closed) return;
      await fail(`The batch could not be sent: ${toErrorInfo(error).message}`);
    }
  }

  /**
   * Waits for a slot of the provider's own limit, then one of -j's; returns what frees both.
   * Held for one attempt: a cell sleeping before a retry gives its slots back.
   */
  private slot(resolved: ResolvedProvider, lane: Lane | undefined): Promise<() => void> {
    return new Promise((granted, refused) => {
      this.limitFor(resolved)(
        () =>
          new Promise<void>((freeProvider) => {
            const global = lane ? lane.acquire() : Promise.resolve(() => undefined);
            global.then(
              (freeGlobal) =>
                granted(() => {
                  freeGlobal();
                  freeProvider();
                }),
              (error: unknown) => {
                freeProvider();
                refused(error instanceof Error ? error : new Error(String(error)));
              },
            );
          }),
      ).catch((error: unknown) => refused(error instanceof Error ? error : new Error(String(error))));
    });
  }

  private async runCell(cellId: string, resolved: ResolvedProvider, active: ActiveRun, lane?: Lane): Promise<void> {
    // Stopped while it waited for a slot: it stays pending and is cancelled with the rest.
    if (active.stopped || this.closed) return;
    const stored = this.store.getCell(cellId);
    // Marked interrupted by another process while this one was held up (a busy database kept its
    // lease from being renewed) yet still this process's run: asked all the same, not skipped.
    const taken = stored?.status === 'error' && stored.error?.code === 'interrupted' && this.store.ownsRun(stored.runId) ? resumable(stored) : stored;
    if (taken?.status !== 'pending') return;
    // What is sent (and stored, and cached under) is the request after the provider's personal-data policy.
    const guarded = await this.guardPii(taken, resolved);
    if (guarded === undefined) return;
    const { cell: pending, mapping } = guarded;

    // A perplexity check of the row needs the answer's token log-probabilities: asked for, cached with them.
    const logprobs = active.grading !== undefined && needsLogprobs(active.grading, pending.caseIndex);
    const key = cacheKey({ endpoint: resolved.endpoint, model: pending.model, messages: pending.sentMessages ?? pending.messages, params: pending.params, ...(logprobs ? { logprobs } : {}) });
    // Only a cell's first repeat may come from the cache: repeats exist to ask again.
    if (active.useCache && pending.repeat === 0) {
      const hit = this.store.cacheGet(key);
      if (hit) {
        await this.finishGraded(active, {
          ...pending,
          status: 'done',
          output: unmask(hit.output, mapping),
          usage: hit.usage,
          ...(hit.finishReason !== undefined ? { finishReason: hit.finishReason } : {}),
          // Cached as it came back: placeholders, put back as a live answer's are.
          ...(hit.reasoning !== undefined ? { reasoning: unmask(hit.reasoning, mapping) } : {}),
          ...(hit.toolCalls ? { toolCalls: hit.toolCalls.map((call) => ({ ...call, arguments: unmask(call.arguments, mapping) })) } : {}),
          ...(hit.logprobs ? { logprobs: hit.logprobs } : {}),
          ttftMs: 0,
          totalMs: 0,
          costUsd: 0,
          cached: true,
          attempts: 0,
        });
        return;
      }
    }

    let release = await this.slot(resolved, lane);
    // Stopped while it waited for a slot: it stays pending and is cancelled with the rest.
    if (active.stopped || this.closed) {
      release();
      return;
    }
    const down = active.unreachable.get(resolved.id) ?? 0;
    if (down >= UNREACHABLE_AFTER) {
      release();
      await this.finish({
        ...pending,
        status: 'error',
        attempts: 0,
        error: { code: 'network', message: `Not sent: ${resolved.name} could not be reached for the last ${down} requests. Re-run failed cells once it is back.` },
      });
      return;
    }

    const controller = new AbortController();
    const { signal } = controller;
    active.controllers.set(cellId, controller);
    const cell: Cell = { ...pending, status: 'running', attempts: 1 };
    // Only what progress shows: not waited for when another process holds the database.
    void this.store.write(() => this.store.markRunning(cellId), { cancelled: () => this.closed }).catch(() => undefined);
    this.emit({ type: 'cell.update', runId: cell.runId, cell: { ...cell } });
    const started = performance.now();
    // The provider's total timeout bounds the whole cell, its retries and their waits included.
    const total = resolved.provider.totalTimeoutMs;
    const deadline = total !== undefined ? started + total : undefined;
    // Why the try before failed, said too when the last try fails another way (a total timeout, say).
    let previous: string | undefined;
    let output = '';
    // Only the first maxAnswerBytes are kept (and shown); the rest is counted, not held.
    const answer = new AnswerCap(this.maxAnswerBytes());
    // The page sees the answer with the placeholders put back as it streams.
    const shown = new StreamUnmasker(mapping);
    try {
      for (let attempt = 1; ; attempt++) {
        cell.attempts = attempt;
        if (attempt > 1) release = await this.slot(resolved, lane);
        if (signal.aborted) {
          release();
          throw new AppError('cancelled', 'Stopped.');
        }
        const attemptStarted = performance.now();
        try {
          const request = { model: cell.model, messages: cell.sentMessages ?? cell.messages, params: cell.params, signal, keepChars: answer.maxBytes, ...(this.loadImage ? { loadImage: this.loadImage } : {}), ...(deadline !== undefined ? { deadline } : {}), ...(logprobs ? { logprobs } : {}) };
          for await (const part of resolved.provider.stream(request)) {
            if (part.type === 'delta') {
              if (cell.ttftMs === undefined) cell.ttftMs = performance.now() - attemptStarted;
              const kept = answer.push(part.text);
              output += kept;
              const restored = shown.push(kept);
              if (restored !== '') this.coalescer.push(cell.runId, cell.id, restored);
            } else if (part.type === 'reasoning') {
              // Thinking is the first thing a reasoning model sends: it is the first token too.
              if (cell.ttftMs === undefined) cell.ttftMs = performance.now() - attemptStarted;
              const room = MAX_REASONING_CHARS - (cell.reasoning?.length ?? 0);
              if (room > 0) cell.reasoning = (cell.reasoning ?? '') + part.text.slice(0, room);
            } else if (part.type === 'tool_call') {
              if (cell.ttftMs === undefined) cell.ttftMs = performance.now() - attemptStarted;
              if ((cell.toolCalls?.length ?? 0) < MAX_TOOL_CALLS) cell.toolCalls = [...(cell.toolCalls ?? []), boundedCall(part.call)];
              // The grid shows a call as it comes (the answer may be nothing else).
              this.emit({ type: 'cell.update', runId: cell.runId, cell: this.redactCell({ ...cell, output }) });
            } else {
              cell.usage = part.usage;
              if (part.finishReason !== undefined) cell.finishReason = part.finishReason;
              if (part.logprobs !== undefined) cell.logprobs = part.logprobs;
            }
          }
          release();
          if (signal.aborted) throw new AppError('cancelled', 'Stopped.');
          break;
        } catch (error) {
          release();
          // Part of an answer already on screen is kept, not asked for again.
          const retryable = error instanceof AppError && error.retryable && output === '' && cell.toolCalls === undefined && !signal.aborted;
          if (!retryable || attempt >= this.backoff.maxAttempts) {
            if (previous !== undefined && error instanceof AppError && !error.message.includes(previous)) {
              // The earlier failure first: it is usually the cause (a total timeout only ends the story).
              throw new AppError(error.code, `${previous} Then, on try ${attempt}: ${error.message}`);
            }
            throw error;
          }
          previous = error.message;
          // A try that is asked again starts its thinking and calls afresh.
          delete cell.reasoning;
          delete cell.toolCalls;
          const wait = backoffDelay(attempt, error.retryAfterMs, this.backoff, this.random);
          if (deadline !== undefined && total !== undefined && performance.now() + wait >= deadline) {
            // The next try would start after the deadline: fail now, with the reason and the limit.
            throw new AppError(error.code, `${error.message} Not tried again: the next try would start after the cell's ${formatDuration(total)} (total timeout).`);
          }
          const fired = /\((connect|first-byte|idle) timeout\)/.exec(error.message)?.[1];
          const why = error.code === 'rate_limited' ? 'Rate limited' : fired !== undefined ? `No answer in time (${fired} timeout)` : error.code === 'network' ? 'Could not connect' : 'Server error';
          this.emit({
            type: 'cell.update',
            runId: cell.runId,
            cell: { ...cell, error: { code: 'retrying', message: `${why}; trying again in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.backoff.maxAttempts}).` } },
          });
          // Asleep, the cell holds no slot and does not count in -j's split.
          lane?.away();
          try {
            await sleep(wait, signal).catch(() => undefined);
          } finally {
            lane?.back();
          }
          if (signal.aborted) throw new AppError('cancelled', 'Stopped.');
        }
      }
      cell.totalMs = performance.now() - started;
      active.unreachable.set(resolved.id, 0);
      const problem = usageProblem(cell.usage);
      if (problem !== undefined) {
        cell.usage = {};
        throw new AppError('provider_error', problem);
      }
      // A server that streams without usage (many OpenAI-compatible ones) still gets a price: its
      // tokens are counted here and the figure is marked as an estimate wherever it is shown.
      const counted = completeUsage(cell.usage, cell.sentMessages ?? cell.messages, output, answer.cut ? answer.answerBytes : undefined);
      cell.usage = counted.usage;
      const cost = this.cost(cell.model, cell.usage);
      const sane = cost !== undefined && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
      const finished: Cell = {
        ...cell,
        ...(counted.estimated ? { costEstimated: true } : {}),
        status: 'done',
        output: unmask(this.redact(output), mapping) + answer.mark(),
        ...(cell.reasoning !== undefined ? { reasoning: unmask(cell.reasoning, mapping) } : {}),
        ...(cell.toolCalls ? { toolCalls: cell.toolCalls.map((c) => ({ ...c, arguments: unmask(c.arguments, mapping) })) } : {}),
        ...(answer.cut ? { cut: { answerBytes: answer.answerBytes } } : {}),
        ...(sane !== undefined ? { costUsd: sane } : {}),
      };
      // A cut answer is not cached: asked again, it is read again (and cut by the cap of the day).
      if (active.useCache && !this.closed && !answer.cut) {
        try {
          // Kept as it came back (placeholders, not the values): the key is of the masked request too.
          this.store.cachePut(key, {
            output: this.redact(output) + answer.mark(),
            usage: cell.usage,
            finishReason: finished.finishReason,
            ...(cell.logprobs !== undefined ? { logprobs: cell.logprobs } : {}),
            ...(cell.reasoning !== undefined ? { reasoning: this.redact(cell.reasoning) } : {}),
            ...(cell.toolCalls ? { toolCalls: cell.toolCalls.map((c) => boundedCall({ id: this.redact(c.id), name: this.redact(c.name), arguments: this.redact(c.arguments) })) } : {}),
          });
        } catch {
          // A cache that cannot be written only costs a later request.
        }
      }
      await this.finishGraded(active, finished);
    } catch (error) {
      const cancelled = signal.aborted;
      const info = cancelled ? { code: 'cancelled', message: 'Stopped.' } : toErrorInfo(error);
      if (!cancelled && info.code === 'network' && output === '') active.unreachable.set(resolved.id, (active.unreachable.get(resolved.id) ?? 0) + 1);
      const cut = answer.cut ? { cut: { answerBytes: answer.answerBytes } } : {};
      await this.finish({ ...cell, output: unmask(output, mapping) + answer.mark(false), ...cut, totalMs: performance.now() - started, status: cancelled ? 'cancelled' : 'error', error: info });
    } finally {
      active.controllers.delete(cellId);
    }
  }

  /**
   * The cell as its provider's personal-data policy lets it go (src/main/pii/guard.ts): masked
   * messages and the placeholders' mapping, with what was found recorded; undefined when the
   * policy stopped it (the cell is then finished as failed, naming the kinds, never the values).
   */
  private async guardPii(cell: Cell, resolved: ResolvedProvider): Promise<{ cell: Cell; mapping: PiiMapping } | undefined> {
    if (!this.pii) return { cell, mapping: {} };
    let prepared: Awaited<ReturnType<PiiGuard['prepare']>>;
    try {
      prepared = await this.pii.prepare(resolved.id, resolved.endpoint, cell.messages);
    } catch (error) {
      const message = `Not sent: the request could not be scanned for personal data (${error instanceof Error ? error.message : String(error)}).`;
      await this.finish({ ...cell, status: 'error', attempts: 0, error: { code: 'pii_blocked', message } });
      return undefined;
    }
    const { pii, outcome } = prepared;
    if (outcome.action === 'refuse') {
      const message = `Not sent: ${outcome.why}, and ${resolved.name}'s personal-data policy is ${pii.policy}. Shorten the request, or set the policy to warn or off in Settings → Providers.`;
      await this.finish({ ...cell, status: 'error', attempts: 0, error: { code: 'pii_blocked', message } });
      return undefined;
    }
    if (outcome.action === 'block') {
      const message = `Not sent: the request holds personal data (${describeCounts(outcome.counts)}) and ${resolved.name}'s personal-data policy is block. Remove it, or set the policy to mask in Settings → Providers.`;
      await this.finish({ ...cell, status: 'error', attempts: 0, error: { code: 'pii_blocked', message } });
      return undefined;
    }
    if (outcome.found === 0 || (pii.policy !== 'mask' && pii.policy !== 'warn')) return { cell, mapping: {} };
    // The rendered messages stay the cell's own (a re-run masks them afresh); what went out is kept beside them.
    const sent = pii.policy === 'mask' ? { sentMessages: outcome.messages } : {};
    return { cell: { ...cell, ...sent, pii: { policy: pii.policy, counts: outcome.counts } }, mapping: outcome.mapping };
  }

  /** Grades a finished answer with the run's checks (if any), then records it. */
  private async finishGraded(active: ActiveRun, cell: Cell): Promise<void> {
    if (!active.grading || this.closed) {
      await this.finish(cell);
      return;
    }
    let grading: Cell['grading'];
    try {
      const registry = guardGraders({ resolve: (id: string) => this.registry.resolve(id, active.recorded) }, this.pii);
      grading = await gradeCell(cell, active.grading, judgeOf(active.grading, registry, active.judgeAbort.signal), new Map(), graderServicesOf(active.grading, registry, active.judgeAbort.signal));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      grading = { pass: false, score: 0, reason: `The checks could not run: ${reason}`, componentResults: [] };
    }
    // Stopped while the judge was asked: the answer is kept, ungraded, rather than failed by a check that never ran.
    if (active.judgeAbort.signal.aborted) grading = undefined;
    const graded = grading ? { ...cell, grading } : cell;
    if (!active.judgeAbort.signal.aborted && hasComparison(active.grading, cell.caseIndex)) {
      // select-best / max-score compare the row's answers: this one waits for the rest of its row.
      (active.held ??= new Map()).set(cell.id, graded);
      await this.releaseRows(active, false);
      return;
    }
    await this.finish(graded);
  }

  /**
   * Finishes the held cells of every row that is done (no cell of it pending or running but the
   * held ones), with the row's comparisons graded and merged in; `force` (the run is over)
   * finishes the rest too, without them.
   */
  private async releaseRows(active: ActiveRun, force: boolean): Promise<void> {
    const held = active.held;
    if (!held || held.size === 0 || !active.grading) return;
    const rows = new Set([...held.values()].map((cell) => cell.caseIndex));
    for (const caseIndex of rows) {
      const waiting = this.store.cellsOfCaseList(active.runId, [caseIndex]).some((c) => (c.status === 'pending' || c.status === 'running') && !held.has(c.id));
      if (waiting && !force) continue;
      // Taken out before any await, so a row is released once.
      const cells = [...held.values()].filter((cell) => cell.caseIndex === caseIndex);
      for (const cell of cells) held.delete(cell.id);
      let finished: Cell[] = cells;
      if (!waiting && !active.stopped && !active.judgeAbort.signal.aborted) {
        try {
          const registry = guardGraders({ resolve: (id: string) => this.registry.resolve(id, active.recorded) }, this.pii);
          finished = await compareRow(cells, active.grading, judgeOf(active.grading, registry, active.judgeAbort.signal));
        } catch (error) {
          const reason = `The comparison checks could not run: ${error instanceof Error ? error.message : String(error)}`;
          finished = cells.map((cell) => ({ ...cell, grading: { ...(cell.grading ?? { score: 0, componentResults: [] }), pass: false, reason } }));
        }
      }
      for (const cell of finished) await this.finish(cell);
    }
  }

  /** Fails a cell that is still pending or running (cancels it when `reason` is absent). Never throws. */
  private async failUnfinished(active: ActiveRun, cellId: string, reason: string | undefined): Promise<void> {
    if (this.closed) return;
    let cell: Cell | undefined;
    try {
      cell = this.store.getCell(cellId);
    } catch {
      return;
    }
    if (cell?.status !== 'pending' && cell?.status !== 'running') return;
    const failed: Cell =
      reason === undefined
        ? { ...cell, status: 'cancelled', error: { code: 'cancelled', message: 'Stopped.' } }
        : { ...cell, status: 'error', error: { code: 'internal', message: reason } };
    if (!active.reported.has(cellId)) {
      await this.finish(failed);
      return;
    }
    // Its end was shown but not saved (the database refused): try once more, quietly.
    try {
      await this.store.write(() => this.store.finishCell(this.redactCell(failed)), { cancelled: () => this.closed });
    } catch {
      // Still refused: the next open marks the run's unfinished cells interrupted.
    }
  }

  /** Masks keys in everything a provider (or a judge) may have put in a cell. */
  private redactCell(cell: Cell): Cell {
    const r = this.redact;
    return {
      ...cell,
      output: r(cell.output),
      ...(cell.reasoning !== undefined ? { reasoning: r(cell.reasoning) } : {}),
      ...(cell.toolCalls ? { toolCalls: cell.toolCalls.map((c) => boundedCall({ id: r(c.id), name: r(c.name), arguments: r(c.arguments) })) } : {}),
      ...(cell.finishReason !== undefined ? { finishReason: r(cell.finishReason) } : {}),
      ...(cell.error ? { error: { ...cell.error, message: r(cell.error.message) } } : {}),
      ...(cell.grading
        ? { grading: { ...cell.grading, reason: r(cell.grading.reason), componentResults: cell.grading.componentResults.map((c) => ({ ...c, reason: r(c.reason) })) } }
        : {}),
    };
  }

  /** Records a finished cell (waiting out a busy database), then shows it. */
  private async finish(unmasked: Cell): Promise<void> {
    await this.pause();
    this.coalescer.forget(unmasked.id);
    if (this.closed) return;
    const cell = this.redactCell(unmasked);
    let shown = cell;
    const active = this.active.get(cell.runId);
    if (active?.lost) return;
    try {
      if (!(await this.store.write(() => this.store.finishCell(cell), { cancelled: () => this.closed }))) {
        // Not written: another process took the run over and asks this cell again itself.
        if (active) this.lose(active);
        return;
      }
    } catch (error) {
      // Closing while it waited for the lock: the next open marks the run interrupted.
      if (error instanceof BusyGaveUp || this.closed) return;
      // The database refused (busy for BUSY_DEADLINE_MS, disk full): say so in the cell rather
      // than lose the answer silently or bring the process down.
      const reason = error instanceof Error ? error.message : String(error);
      shown = { ...cell, status: 'error', error: { code: 'internal', message: `This answer could not be saved (${reason}). Copy it now if you need it.` } };
    }
    if (shown.status !== 'pending' && shown.status !== 'running') this.active.get(cell.runId)?.reported.add(cell.id);
    this.emit({ type: 'cell.update', runId: cell.runId, cell: shown });
    // A row whose last cell failed may now be done: its held answers go on.
    if (active?.held?.size && shown.status !== 'pending' && shown.status !== 'running') await this.releaseRows(active, false);
  }
}
