/**
 * Runs cells: each is one request to one provider. Main owns every request: it streams,
 * times with a monotonic clock, limits requests in flight per provider (and overall, for the
 * CLI's -j), cancels per cell, and commits each finished cell to the store on its own.
 */
import { performance } from 'node:perf_hooks';
import pLimit, { type LimitFunction } from 'p-limit';
import type { AppEvent } from '../../shared/contract';
import { AppError, toErrorInfo } from '../../shared/errors';
import { estimateCost } from '../../shared/prices';
import type { Cell, RunStatus } from '../../shared/schemas';
import type { ProviderRegistry, ResolvedProvider } from '../providers/registry';
import type { NewCell, NewRun, Store } from '../store/store';
import { DeltaCoalescer } from './coalescer';

export interface RunPlan {
  run: NewRun;
  cells: NewCell[];
}

export interface RunnerOptions {
  /** Requests in flight across all providers (the CLI's -j). Unlimited when absent. */
  maxConcurrency?: number;
  /** How often stream deltas are sent to the UI. */
  flushMs?: number;
}

interface ActiveRun {
  controllers: Map<string, AbortController>;
  stopped: boolean;
  done: Promise<RunStatus>;
}

export class Runner {
  private readonly active = new Map<string, ActiveRun>();
  private readonly providerLimits = new Map<string, LimitFunction>();
  private readonly globalLimit: LimitFunction | undefined;
  private readonly coalescer: DeltaCoalescer;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly registry: ProviderRegistry,
    private readonly emit: (event: AppEvent) => void,
    options: RunnerOptions = {},
  ) {
    this.globalLimit = options.maxConcurrency ? pLimit(options.maxConcurrency) : undefined;
    this.coalescer = new DeltaCoalescer(emit, options.flushMs ?? 25);
  }

  /** Records the run and its cells, starts them, and returns the cells as they stand (pending). */
  start(plan: RunPlan): { runId: string; cells: Cell[] } {
    this.store.createRun(plan.run, plan.cells);
    const cells: Cell[] = plan.cells.map((c) => ({
      id: c.id,
      runId: plan.run.id,
      columnIndex: c.columnIndex,
      providerId: c.providerId,
      providerName: c.providerName,
      model: c.model,
      params: c.params,
      variables: c.variables,
      messages: c.messages,
      status: 'pending',
      output: '',
      usage: {},
    }));
    const active: ActiveRun = { controllers: new Map(), stopped: false, done: Promise.resolve('done') };
    for (const cell of cells) active.controllers.set(cell.id, new AbortController());
    this.active.set(plan.run.id, active);
    active.done = this.execute(plan.run.id, cells, active).catch((error: unknown) => {
      // Only a failure to record the run's end lands here; the cells have all been reported.
      this.active.delete(plan.run.id);
      const reason = error instanceof Error ? error.message : String(error);
      this.emit({ type: 'run.finished', runId: plan.run.id, status: 'interrupted' });
      process.emitWarning(`Parallax could not record the end of run ${plan.run.id}: ${reason}`);
      return 'interrupted' as const;
    });
    return { runId: plan.run.id, cells };
  }

  /** Resolves when every cell of the run has finished, with the run's final status. */
  whenDone(runId: string): Promise<RunStatus> {
    return this.active.get(runId)?.done ?? Promise.resolve('done');
  }

  /** Cancels every request of a run still in flight or waiting. Returns how many were cancelled. */
  stop(runId: string): number {
    const active = this.active.get(runId);
    if (!active) return 0;
    active.stopped = true;
    let count = 0;
    for (const controller of active.controllers.values()) {
      if (!controller.signal.aborted) {
        controller.abort();
        count++;
      }
    }
    return count;
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
    this.stopAll();
    this.coalescer.dispose();
  }

  private limitFor(provider: ResolvedProvider): LimitFunction {
    let limit = this.providerLimits.get(provider.id);
    if (!limit) {
      limit = pLimit(provider.concurrency);
      this.providerLimits.set(provider.id, limit);
    }
    return limit;
  }

  private async execute(runId: string, cells: Cell[], active: ActiveRun): Promise<RunStatus> {
    const resolved = new Map<string, Promise<ResolvedProvider>>();
    const resolveOnce = (providerId: string): Promise<ResolvedProvider> => {
      let promise = resolved.get(providerId);
      if (!promise) {
        promise = this.registry.resolve(providerId);
        resolved.set(providerId, promise);
      }
      return promise;
    };
    await Promise.all(
      cells.map(async (cell) => {
        const controller = active.controllers.get(cell.id) ?? new AbortController();
        let provider: ResolvedProvider;
        try {
          provider = await resolveOnce(cell.providerId);
        } catch (error) {
          this.finish({ ...cell, status: 'error', error: toErrorInfo(error) });
          return;
        }
        const task = (): Promise<void> => this.runCell(cell, provider, controller.signal);
        const limited = (): Promise<void> => this.limitFor(provider)(task);
        await (this.globalLimit ? this.globalLimit(limited) : limited());
      }),
    );
    this.active.delete(runId);
    if (this.closed) return 'interrupted';
    const status: RunStatus = active.stopped ? 'cancelled' : 'done';
    this.store.finishRun(runId, status);
    this.emit({ type: 'run.finished', runId, status });
    return status;
  }

  private async runCell(pending: Cell, resolved: ResolvedProvider, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      this.finish({ ...pending, status: 'cancelled', error: { code: 'cancelled', message: 'Stopped before it started.' } });
      return;
    }
    const cell: Cell = { ...pending, status: 'running' };
    this.emit({ type: 'cell.update', runId: cell.runId, cell: { ...cell } });
    const started = performance.now();
    let output = '';
    try {
      for await (const part of resolved.provider.stream({ model: cell.model, messages: cell.messages, params: cell.params, signal })) {
        if (part.type === 'delta') {
          if (cell.ttftMs === undefined) cell.ttftMs = performance.now() - started;
          output += part.text;
          this.coalescer.push(cell.runId, cell.id, part.text);
        } else {
          cell.usage = part.usage;
          if (part.finishReason !== undefined) cell.finishReason = part.finishReason;
        }
      }
      if (signal.aborted) throw new AppError('cancelled', 'Stopped.');
      cell.totalMs = performance.now() - started;
      const cost = estimateCost(cell.model, cell.usage.inputTokens, cell.usage.outputTokens);
      this.finish({ ...cell, status: 'done', output, ...(cost !== undefined ? { costUsd: cost } : {}) });
    } catch (error) {
      const cancelled = signal.aborted;
      this.finish({
        ...cell,
        output,
        totalMs: performance.now() - started,
        status: cancelled ? 'cancelled' : 'error',
        error: cancelled ? { code: 'cancelled', message: 'Stopped.' } : toErrorInfo(error),
      });
    }
  }

  private finish(cell: Cell): void {
    this.coalescer.forget(cell.id);
    if (this.closed) return;
    let shown = cell;
    try {
      this.store.finishCell(cell);
    } catch (error) {
      // The database refused (busy beyond its timeout, disk full): say so in the cell rather
      // than lose the answer silently or bring the process down.
      const reason = error instanceof Error ? error.message : String(error);
      shown = { ...cell, status: 'error', error: { code: 'internal', message: `This answer could not be saved (${reason}). Copy it now if you need it.` } };
    }
    this.emit({ type: 'cell.update', runId: cell.runId, cell: shown });
  }
}
