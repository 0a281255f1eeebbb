/**
 * A variant's cells sent through its provider's batch engine (providers/batch.ts) instead of
 * live: the same request bodies, one job per MAX_BATCH_ITEMS cells (custom_id = cell id),
 * recorded in the store before it is sent and polled with backoff until the vendor is done.
 * Each result is written into its cell as a live answer is finished (the runner's finish path:
 * checks run, the cell is masked and saved, the grid sees it), priced at the batch price.
 *
 * A job outlives the process: on a resume, the run's cells still pending that a recorded job
 * holds are polled for, never sent again. A stop (or Cancel batch) cancels the job at the vendor
 * and still writes the answers it gave before; a quit leaves it running there, recorded, for the
 * next resume.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AppError } from '../../shared/errors';
import { BATCH_PRICE_FACTOR, type BatchJob, type BatchJobStatus, type BatchVendor } from '../../shared/batch';
import type { AppEvent } from '../../shared/contract';
import type { Cell, Usage } from '../../shared/schemas';
import { MAX_BATCH_ITEMS, batchError, type BatchApi, type BatchItem, type BatchResult, type BatchStatus } from '../providers/batch';
import { AnswerCap } from './answer-cap';
import type { ResolvedProvider } from '../providers/registry';
import { completeUsage } from '../providers/tokens';
import type { Store } from '../store/store';
import { sleep } from './backoff';
import { unmask, type PiiMapping } from '../../shared/pii/mask';

/**
 * How often a job is asked where it stands: from `firstMs`, growing by half each time to `maxMs`.
 * A vendor that cannot be reached is asked again at `maxMs` until `windowMs` after the job was
 * recorded (the vendor's 24 hours and some grace); only then are its cells left for a resume.
 */
export interface PollPolicy {
  firstMs: number;
  maxMs: number;
  windowMs?: number;
}

export const DEFAULT_POLL: PollPolicy = { firstMs: 5_000, maxMs: 60_000 };
/** The vendors' 24-hour window and 2 hours' grace. */
export const BATCH_WINDOW_MS = 26 * 3600_000;
/** Reads of a result file in a row that failed without writing an answer before its cells are left for a resume. */
export const MAX_READ_FAILURES = 20;

/** PARALLAX_BATCH_POLL_MS: how often a batch is first polled (10 ms to 10 minutes; it grows to 4 times that); the default otherwise. */
export function batchPollOf(env: Readonly<Record<string, string | undefined>>): { batchPoll?: PollPolicy } {
  const ms = Number(env['PARALLAX_BATCH_POLL_MS'] ?? '');
  return Number.isFinite(ms) && ms >= 10 && ms <= 600_000 ? { batchPoll: { firstMs: ms, maxMs: ms * 4 } } : {};
}

/** What the runner lends a batch: its store, its finish path, and how to know it should stop. */
export interface BatchHost {
  store: Store;
  emit: (event: AppEvent) => void;
  /** Grades and records a finished cell, as the runner does for a live answer. */
  finish: (cell: Cell) => Promise<void>;
  cost: (model: string, usage: Usage) => number | undefined;
  /** UTF-8 bytes of an answer kept (answer-cap.ts). */
  maxAnswerBytes: number;
  /** Aborted when the run is stopped (the job is cancelled at the vendor) or the process closes (it is left running). */
  signal: AbortSignal;
  /**
   * The cell as its provider's personal-data policy lets it go (the runner's guard), with the
   * mapping that puts the values back in its answer: undefined when the policy stopped it (the
   * cell is then finished, failed). Deterministic, so a resumed job's mapping is rebuilt by
   * asking again with the cell's rendered messages.
   */
  prepare: (cell: Cell) => Promise<{ cell: Cell; mapping: PiiMapping } | undefined>;
  /**
   * Leaves a cell for a resume (error `interrupted`, not graded): its job is still the vendor's
   * and its answer can be read later. The run then ends interrupted, so Resume is offered.
   */
  interrupt: (cell: Cell, message: string) => Promise<void>;
  /** A check of the cell's row needs its answer's log-probabilities (perplexity). */
  wantsLogprobs: (cell: Cell) => boolean;
  /** The process is closing: leave jobs as they are. */
  closing: () => boolean;
  poll: PollPolicy;
}

/** Never aborted: reading results paid for goes on through a stop (a close is checked between lines). */
const NEVER = new AbortController().signal;

/** Answers and failures a job's results brought, for the job's record. */
interface Tally {
  written: number;
  badLines: number;
}

export class BatchGroup {
  private readonly vendor: BatchVendor;
  /** The cells sent from this process, as sent (masked), with their mappings; a resumed job's are rebuilt. */
  private readonly sent = new Map<string, { cell: Cell; mapping: PiiMapping }>();

  constructor(
    private readonly host: BatchHost,
    private readonly runId: string,
    private readonly columnIndex: number,
    private readonly provider: ResolvedProvider,
    private readonly api: BatchApi,
  ) {
    this.vendor = api.vendor;
  }

  /** Sends (or, for cells a recorded job holds, polls for) `cellIds`, writing each answer as it is read. */
  async run(cellIds: readonly string[]): Promise<void> {
    const { store } = this.host;
    const api = this.api;
    const wanted = new Set(cellIds);
    const jobs: BatchJob[] = [];
    for (const recorded of store.batchJobs.ofRun(this.runId)) {
      if (recorded.columnIndex !== this.columnIndex || recorded.providerId !== this.provider.id) continue;
      const held = store.batchJobs.cellIds(recorded.id).filter((id) => wanted.has(id));
      if (held.length === 0) continue;
      // Recorded but its vendor id never came (the process ended while sending): looked up by its tag where the vendor keeps one.
      const job = recorded.remoteId === undefined ? await this.adopt(api, recorded, held) : recorded;
      if (job === 'unknown') {
        for (const id of held) wanted.delete(id);
        continue;
      }
      if (job === undefined) {
        store.batchJobs.remove(recorded.id);
        continue;
      }
      // Its results were all read: a cell of it still wanted is asked again, in a new job.
      if (job.fetched >= job.total) continue;
      for (const id of held) wanted.delete(id);
      // At the vendor still: shown "In batch", as when it was sent.
      await store.write(() => store.batchJobs.markSent(held));
      this.changed(job.id);
      jobs.push(job);
    }
    const fresh = [...wanted];
    for (let from = 0; from < fresh.length && !this.host.signal.aborted; from += MAX_BATCH_ITEMS) {
      const job = await this.submit(api, fresh.slice(from, from + MAX_BATCH_ITEMS));
      if (job) jobs.push(job);
    }
    await Promise.all(jobs.map((job) => this.follow(api, job)));
  }

  /**
   * A job recorded without a vendor id: the vendor's job created with its tag, now recorded (its
   * cells marked sent); undefined when it was never created (sent again); `unknown` when the
   * vendor could not be asked (its cells left for a resume, never sent twice).
   */
  private async adopt(api: BatchApi, job: BatchJob, held: readonly string[]): Promise<BatchJob | undefined | 'unknown'> {
    if (!api.find) return undefined;
    const { store } = this.host;
    let remoteId: string | undefined;
    try {
      remoteId = await api.find(job.id, AbortSignal.timeout(60_000));
    } catch {
      for (const id of held) {
        const cell = store.getCell(id);
        if (cell?.status === 'pending' || cell?.status === 'running') await this.host.interrupt(cell, `Parallax could not ask ${this.provider.name} whether this batch was sent. Resume the run to ask again.`);
      }
      return 'unknown';
    }
    if (remoteId === undefined) return undefined;
    await store.write(() => store.batchJobs.update(job.id, { remoteId, status: 'validating', fetched: 0 }));
    await store.write(() => store.batchJobs.markSent(held));
    this.changed(job.id);
    return store.batchJobs.get(job.id);
  }

  private changed(jobId: string): void {
    const job = this.host.store.batchJobs.get(jobId);
    if (job) this.host.emit({ type: 'batch.update', runId: this.runId, job });
  }

  /** Records a job for these cells, sends it, and records the vendor's id; undefined when sending failed (its cells then failed). */
  private async submit(api: BatchApi, cellIds: readonly string[]): Promise<BatchJob | undefined> {
    const { store } = this.host;
    const items: BatchItem[] = [];
    const cells: Cell[] = [];
    for (const id of cellIds) {
      const stored = store.getCell(id);
      if (stored?.status !== 'pending') continue;
      const guarded = await this.host.prepare(stored);
      if (guarded === undefined) continue;
      const { cell } = guarded;
      this.sent.set(cell.id, guarded);
      cells.push(cell);
      items.push({ customId: cell.id, model: cell.model, messages: cell.sentMessages ?? cell.messages, params: cell.params, ...(this.host.wantsLogprobs(cell) ? { logprobs: true } : {}) });
    }
    if (items.length === 0) return undefined;
    const id = randomUUID();
    await store.write(() => store.batchJobs.create({ id, runId: this.runId, columnIndex: this.columnIndex, providerId: this.provider.id, vendor: this.vendor, cellIds: items.map((i) => i.customId) }));
    let remoteId: string;
    try {
      remoteId = await this.send(api, items, id);
    } catch (error) {
      const message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
      await store.write(() => store.batchJobs.update(id, { status: 'failed', problem: message.slice(0, 500), fetched: items.length }));
      this.changed(id);
      if (this.host.closing()) return undefined;
      const info = this.host.signal.aborted ? { code: 'cancelled', message: 'Stopped.' } : batchError('failed', `Sending the batch failed: ${message}`);
      for (const cell of cells) await this.host.finish({ ...cell, status: this.host.signal.aborted ? 'cancelled' : 'error', attempts: 1, error: info });
      return undefined;
    }
    await store.write(() => store.batchJobs.update(id, { remoteId, status: 'validating' }));
    await store.write(() => store.batchJobs.markSent(cells.map((cell) => cell.id)));
    this.changed(id);
    return store.batchJobs.get(id);
  }

  /**
   * Creates the job. A create in flight is not cut short by a stop or a quit (the vendor may
   * have it already; a stop cancels it once its id is known). Refusals a moment may cure (429,
   * 5xx, a broken connection) are tried again with backoff, after looking the job up by its tag
   * where the vendor keeps one, so a create that went through is not sent twice.
   */
  private async send(api: BatchApi, items: readonly BatchItem[], jobId: string): Promise<string> {
    let wait = Math.max(1_000, this.host.poll.firstMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await api.submit(items, NEVER, jobId);
      } catch (error) {
        const again = attempt < SEND_ATTEMPTS && !this.host.closing() && !this.host.signal.aborted && retryableSend(error, api.find !== undefined);
        if (!again) throw error;
        const found = await api.find?.(jobId, AbortSignal.timeout(60_000)).catch(() => undefined);
        if (found !== undefined) return found;
        await sleep(wait, this.host.signal).catch(() => undefined);
        // Stopped or closing while it waited: nothing more is sent.
        if (this.host.signal.aborted || this.host.closing()) throw error;
        wait = Math.min(this.host.poll.maxMs, wait * 2);
      }
    }
  }

  /**
   * Polls a job until its results are in (writing them) or the process closes. A stop (or Cancel
   * batch) asks the vendor to cancel it and polls on until it has ended: what the vendor answered
   * before is written (paid for), the rest is cancelled.
   */
  private async follow(api: BatchApi, job: BatchJob): Promise<void> {
    const remoteId = job.remoteId;
    if (remoteId === undefined) return;
    const { store, signal } = this.host;
    const began = performance.now();
    const recorded = Date.parse(job.createdAt);
    const deadline = (Number.isFinite(recorded) ? recorded : Date.now()) + (this.host.poll.windowMs ?? BATCH_WINDOW_MS);
    let wait = this.host.poll.firstMs;
    let cancelAsked = false;
    for (;;) {
      if (this.host.closing()) return;
      if (signal.aborted && !cancelAsked) cancelAsked = await this.cancel(api, job.id, remoteId);
      // Once stopped, the stop signal no longer cuts a poll short (it would spin).
      const pollSignal = signal.aborted ? NEVER : signal;
      let status: BatchStatus;
      try {
        status = await api.status(remoteId, pollSignal);
      } catch (error) {
        if (this.host.closing()) return;
        // Cut short by the stop: cancelled above, on the next turn.
        if (signal.aborted && pollSignal !== NEVER) continue;
        // A vendor that cannot be reached now may be reachable later (the job is theirs, and
        // answered for 24 hours): asked again at the longest interval until its window is past.
        if (Date.now() > deadline) {
          const reason = error instanceof Error ? error.message : String(error);
          await store.write(() => store.batchJobs.update(job.id, { problem: `Could not ask ${this.provider.name} about the batch: ${reason}`.slice(0, 500) }));
          this.changed(job.id);
          await this.leaveRest(job.id, `Parallax could not reach ${this.provider.name} to ask about the batch. Resume the run to ask again.`);
          return;
        }
        wait = this.host.poll.maxMs;
        await sleep(wait, pollSignal).catch(() => undefined);
        continue;
      }
      const state: BatchJobStatus = status.state;
      await store.write(() => store.batchJobs.update(job.id, { status: state, succeeded: status.succeeded, failed: status.failed, ...(status.problem ? { problem: status.problem } : {}) }));
      this.changed(job.id);
      if (status.resultsReady) {
        await this.readResults(api, job.id, remoteId, performance.now() - began, status);
        return;
      }
      // A cancel the vendor did not take is asked again at the longest interval.
      if (signal.aborted && !cancelAsked) wait = this.host.poll.maxMs;
      await sleep(wait, pollSignal).catch(() => undefined);
      wait = Math.min(this.host.poll.maxMs, wait * 1.5);
    }
  }

  /**
   * Writes every result into its cell; the job's cells left without one fail with why. A read
   * that breaks off (the network, a slow grader holding the download open) is started again with
   * backoff, skipping the results already written; after MAX_READ_FAILURES in a row that wrote
   * nothing, the cells still waiting are left for a resume. A stop does not end the read: the
   * answers are paid for.
   */
  private async readResults(api: BatchApi, jobId: string, remoteId: string, waitedMs: number, status: BatchStatus): Promise<void> {
    const { store } = this.host;
    const tally: Tally = { written: 0, badLines: 0 };
    const seen = new Set<string>();
    let wait = this.host.poll.firstMs;
    for (let failures = 0; ; ) {
      const before = tally.written;
      try {
        await this.readOnce(api, jobId, remoteId, waitedMs, tally, seen);
        break;
      } catch (error) {
        if (this.host.closing()) return;
        failures = tally.written > before ? 1 : failures + 1;
        // Parallax's own refusal (a results address on another host) is not cured by asking again.
        const permanent = error instanceof AppError && !error.retryable;
        if (permanent || failures >= MAX_READ_FAILURES) {
          const reason = error instanceof Error ? error.message : String(error);
          await store.write(() => store.batchJobs.update(jobId, { fetched: tally.written, problem: `Reading the results failed: ${reason}`.slice(0, 500) }));
          this.changed(jobId);
          await this.leaveRest(jobId, `Reading the batch's results from ${this.provider.name} failed. Resume the run to read them again.`);
          return;
        }
        await sleep(wait, NEVER).catch(() => undefined);
        wait = Math.min(this.host.poll.maxMs, wait * 1.5);
      }
    }
    if (this.host.closing()) return;
    const why = status.state === 'expired' ? batchError('expired') : status.state === 'cancelled' ? batchError('cancelled') : batchError(status.state === 'failed' ? 'failed' : 'missing', status.problem ?? (tally.badLines > 0 ? `${tally.badLines} line(s) of the result file could not be used.` : ''));
    await this.failRest(jobId, why);
    await store.write(() => store.batchJobs.update(jobId, { fetched: store.batchJobs.get(jobId)?.total ?? tally.written, ...(tally.badLines > 0 ? { problem: `${tally.badLines} line(s) of the result file could not be used.` } : {}) }));
    this.changed(jobId);
  }

  /** One read of the result file from its start; results of cells already handled (`seen`) are passed over. */
  private async readOnce(api: BatchApi, jobId: string, remoteId: string, waitedMs: number, tally: Tally, seen: Set<string>): Promise<void> {
    const { store } = this.host;
    const mine = new Set(store.batchJobs.cellIds(jobId));
    // Each read counts the file's bad lines afresh (a retry reads it from the start).
    tally.badLines = 0;
    const bad = (): void => {
      tally.badLines++;
    };
    const here = new Set<string>();
    // Not the run's stop signal: a stop does not end a read of answers already paid for.
    for await (const result of api.results(remoteId, NEVER, bad)) {
      if (this.host.closing()) return;
      if (!mine.has(result.customId) || here.has(result.customId)) {
        bad();
        continue;
      }
      here.add(result.customId);
      // Written by an earlier read of the file.
      if (seen.has(result.customId)) continue;
      const stored = store.getCell(result.customId);
      if (stored?.status !== 'pending' && stored?.status !== 'running') {
        seen.add(result.customId);
        continue;
      }
      const guarded = this.sent.get(stored.id) ?? (await this.host.prepare(stored));
      this.sent.delete(stored.id);
      seen.add(result.customId);
      // The policy now stops it (changed since it was sent): the cell was finished, failed.
      if (guarded === undefined) continue;
      await this.host.finish(this.answered({ ...guarded.cell, status: stored.status }, restored(result, guarded.mapping), waitedMs));
      tally.written++;
      if (tally.written % 500 === 0) await store.write(() => store.batchJobs.update(jobId, { fetched: tally.written }));
    }
  }

  /** Leaves the job's cells still waiting for a resume (the job is kept; its results can be read later). */
  private async leaveRest(jobId: string, message: string): Promise<void> {
    for (const id of this.host.store.batchJobs.cellIds(jobId)) {
      if (this.host.closing()) return;
      const cell = this.host.store.getCell(id);
      if (cell?.status !== 'pending' && cell?.status !== 'running') continue;
      await this.host.interrupt(cell, message);
    }
  }

  /** The cell finished with its batch result, priced at the batch price. */
  private answered(cell: Cell, result: BatchResult, waitedMs: number): Cell {
    return batchResultCell(cell, result, waitedMs, this.host.cost, this.host.maxAnswerBytes);
  }

  /** Fails the job's cells still waiting (no result came for them). */
  private async failRest(jobId: string, error: { code: string; message: string }): Promise<void> {
    const { store } = this.host;
    for (const id of store.batchJobs.cellIds(jobId)) {
      const cell = store.getCell(id);
      if (cell?.status !== 'pending' && cell?.status !== 'running') continue;
      // Sent from this process: recorded as sent (masked), with what the policy found.
      const sent = this.sent.get(id)?.cell;
      await this.host.finish({ ...(sent ?? cell), status: error.code === 'cancelled' ? 'cancelled' : 'error', error });
    }
  }

  /** A stop: the vendor is told to cancel the job (the answers it already has still come back). False when it could not be told. */
  private async cancel(api: BatchApi, jobId: string, remoteId: string): Promise<boolean> {
    const { store } = this.host;
    let asked = false;
    try {
      await api.cancel(remoteId, AbortSignal.timeout(30_000));
      await store.write(() => store.batchJobs.update(jobId, { status: 'cancelling' }));
      asked = true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await store.write(() => store.batchJobs.update(jobId, { problem: `Cancelling at the vendor failed: ${reason}`.slice(0, 500) }));
    }
    this.changed(jobId);
    return asked;
  }
}

/** Creates asked at most per job. */
const SEND_ATTEMPTS = 4;

/**
 * A refusal worth asking again: Parallax's own retryable errors, the vendor's 429 and 5xx, and
 * (only where the job can be looked up first, `findable`) a connection that broke.
 */
function retryableSend(error: unknown, findable: boolean): boolean {
  if (error instanceof AppError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status === 429 || status >= 500;
  return findable && error instanceof Error && /connection|timed? ?out|ECONNRESET|socket/i.test(`${error.name} ${error.message}`);
}

/** A result with the values its request's placeholders stand for put back (answer, thinking, tool calls). */
function restored(result: BatchResult, mapping: PiiMapping): BatchResult {
  if (!result.ok || Object.keys(mapping).length === 0) return result;
  return {
    ...result,
    output: unmask(result.output, mapping),
    ...(result.reasoning !== undefined ? { reasoning: unmask(result.reasoning, mapping) } : {}),
    ...(result.toolCalls ? { toolCalls: result.toolCalls.map((call) => ({ ...call, arguments: unmask(call.arguments, mapping) })) } : {}),
  };
}

/** A cell finished with one batch result, as the live path finishes it: usage completed, cost at the batch price. */
export function batchResultCell(cell: Cell, result: BatchResult, waitedMs: number, cost: BatchHost['cost'], maxAnswerBytes: number): Cell {
  if (!result.ok) return { ...cell, status: result.error.code === 'cancelled' ? 'cancelled' : 'error', attempts: 1, totalMs: waitedMs, error: result.error };
  // Only the first maxAnswerBytes are kept, as for a live answer.
  const cap = new AnswerCap(maxAnswerBytes);
  const kept = cap.push(result.output);
  const counted = completeUsage(result.usage, cell.sentMessages ?? cell.messages, kept, cap.cut ? cap.answerBytes : undefined);
  const price = cost(cell.model, counted.usage);
  const sane = price !== undefined && Number.isFinite(price) && price >= 0 ? price * BATCH_PRICE_FACTOR : undefined;
  const { error: _none, ...rest } = cell;
  return {
    ...rest,
    status: 'done',
    output: kept + cap.mark(),
    ...(cap.cut ? { cut: { answerBytes: cap.answerBytes } } : {}),
    ...(result.reasoning !== undefined ? { reasoning: result.reasoning } : {}),
    ...(result.toolCalls ? { toolCalls: result.toolCalls } : {}),
    usage: counted.usage,
    ...(counted.estimated ? { costEstimated: true } : {}),
    ...(sane !== undefined ? { costUsd: sane } : {}),
    ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
    ...(result.logprobs !== undefined ? { logprobs: result.logprobs } : {}),
    attempts: 1,
    totalMs: waitedMs,
  };
}
