/**
 * Grading a finished run's answers again with other checks, without asking its models again.
 * Deterministic checks run locally through the same path as a run's grading (grading.ts, the
 * sandbox for regex and javascript); a model-graded check asks the judge only where the cell
 * holds no result of that same check (and judge), so changing one rubric costs one call per
 * answer and adding a `contains` costs nothing.
 *
 * Each cell's results are replaced in one statement, so a crash or a Stop leaves every cell
 * graded entirely by the old checks or entirely by the new ones. The run records the new
 * checks only once every answer has them; a stopped re-grade is finished by grading again,
 * which keeps the judge's verdicts it already has.
 */
import pLimit from 'p-limit';
import type { AppEvent } from '../../shared/contract';
import type { RegradeChecks, RegradeEstimate } from '../../shared/regrade';
import { AppError } from '../../shared/errors';
import { estimateCost, priceFor, type PriceTable } from '../../shared/prices';
import type { Cell, JudgeConfig, TestCase } from '../../shared/schemas';
import { checkedOutput, rubricPrompt, DEFAULT_RUBRIC_PROMPT } from '../../shared/assertions';
import type { Assertion } from '../../shared/assertions/types';
import type { ProviderRegistry } from '../providers/registry';
import { TokenCounter } from '../providers/tokens';
import { BusyGaveUp } from '../store/busy';
import { VIEW_OUTPUT_CHARS, type GradingSpec, type Store } from '../store/store';
import { carryComparisons } from './compare';
import { checksFor, gradeCell, graderServicesOf, isModelGraded, judgeCallsFor, judgeOf, keptResults, renderValue } from './grading';

/** Answers read from the database at a time. */
const PAGE = 200;
/** Answers graded at once (each may wait on the judge). */
const PARALLEL = 4;
/** What a judge is assumed to answer, in tokens: a short JSON verdict with a reason. */
export const JUDGE_OUTPUT_TOKENS = 100;

export interface RegraderOptions {
  /** Masks keys in what a judge may have put in a reason. */
  redact?: (text: string) => string;
  prices: () => PriceTable;
}

interface Active {
  abort: AbortController;
  done: Promise<void>;
}

/** The spec a re-grade grades with: the run's test cases with each row's own checks replaced. */
export function specOf(previous: GradingSpec, checks: RegradeChecks): GradingSpec {
  const testCases: TestCase[] = previous.testCases.map((testCase) => {
    const own = checks.rowChecks[testCase.id];
    if (own === undefined) return testCase;
    const { assert: _old, ...rest } = testCase;
    return own.length > 0 ? { ...rest, assert: own as Assertion[] } : rest;
  });
  return { assertions: checks.assertions as Assertion[], testCases, judge: checks.judge };
}

function preview(cell: Cell): Cell {
  return cell.output.length > VIEW_OUTPUT_CHARS ? { ...cell, output: cell.output.slice(0, VIEW_OUTPUT_CHARS), outputChars: cell.output.length } : cell;
}

export class Regrader {
  private readonly active = new Map<string, Active>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly registry: Pick<ProviderRegistry, 'resolve'>,
    private readonly emit: (event: AppEvent) => void,
    private readonly options: RegraderOptions,
  ) {}

  /** A re-grade can start: the run exists, is not running, and is not being re-graded. */
  private check(runId: string): GradingSpec {
    const status = this.store.runStatus(runId);
    if (status === undefined) throw new AppError('not_found', `No run with id "${runId}".`);
    if (status === 'running') throw new AppError('bad_input', 'This run is still running: grade its answers again once it has finished.');
    if (this.active.has(runId)) throw new AppError('bad_input', 'This run’s answers are being graded already. Wait for it to finish, or stop it.');
    return this.store.gradingSpec(runId);
  }

  /** Walks the run's answers page by page (a page read at a time; memory stays flat). */
  private async *answers(runId: string, signal?: AbortSignal): AsyncGenerator<Cell> {
    let after = -1;
    for (;;) {
      if (signal?.aborted === true || this.closed) return;
      const page = this.store.regrading.answerPage(runId, after, PAGE);
      if (page.length === 0) return;
      for (const { id, position } of page) {
        after = position;
        const cell = this.store.getCell(id);
        if (cell?.status === 'done') yield cell;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** How many answers a re-grade grades, how many judge calls it makes, and their estimated cost. */
  async estimate(runId: string, checks: RegradeChecks): Promise<RegradeEstimate> {
    const previous = this.check(runId);
    const spec = specOf(previous, checks);
    const counter = new TokenCounter();
    const template = spec.judge?.prompt ?? DEFAULT_RUBRIC_PROMPT;
    let answers = 0;
    let judgeCalls = 0;
    let inputTokens = 0;
    // Without a model-graded check there is nothing to count but the answers.
    const rubric = spec.judge !== undefined && [...spec.assertions, ...spec.testCases.flatMap((t) => t.assert ?? [])].some((a) => isModelGraded(a));
    if (!rubric) return { answers: this.store.regrading.answerCount(runId), judgeCalls: 0, inputTokens: 0, outputTokens: 0, priced: true, costUsd: 0, ...(spec.judge ? { judgeModel: spec.judge.model } : {}) };
    for await (const cell of this.answers(runId)) {
      answers++;
      const calls = judgeCallsFor(checksFor(spec, cell.caseIndex), spec.judge, keptResults(cell, previous));
      for (const call of calls) {
        judgeCalls++;
        const rubric = typeof call.value === 'string' ? renderValue(call.value, cell.variables) : JSON.stringify(call.value);
        // The judge reads what gradeCell gives it: an answer that is only tool calls is their JSON.
        inputTokens += counter.messages(rubricPrompt(rubric, checkedOutput(cell.output, cell.toolCalls), template));
      }
    }
    const outputTokens = judgeCalls * JUDGE_OUTPUT_TOKENS;
    const judge = spec.judge;
    const table = this.options.prices();
    const priced = judge !== undefined && priceFor(judge.model, table) !== undefined;
    const costUsd = judge && priced ? estimateCost(judge.model, inputTokens, outputTokens, table) : undefined;
    return {
      answers,
      judgeCalls,
      inputTokens,
      outputTokens,
      priced: judgeCalls === 0 || priced,
      ...(judgeCalls === 0 ? { costUsd: 0 } : costUsd !== undefined ? { costUsd } : {}),
      ...(judge ? { judgeModel: judge.model } : {}),
    };
  }

  /**
   * Starts grading the run's answers with `checks` in the background and returns at once.
   * Progress comes as `regrade.progress` events, each graded cell as `cell.update`, and the
   * end as `regrade.finished`.
   */
  async start(runId: string, checks: RegradeChecks): Promise<{ answers: number }> {
    const previous = this.check(runId);
    const spec = specOf(previous, checks);
    // The judge must be reachable (with its key, by today's rules) before anything changes.
    if (spec.judge && [...spec.assertions, ...spec.testCases.flatMap((t) => t.assert ?? [])].some((a) => isModelGraded(a))) {
      await this.registry.resolve(spec.judge.providerId, this.store.runProviders(runId));
    }
    if (this.active.has(runId)) throw new AppError('bad_input', 'This run’s answers are being graded already. Wait for it to finish, or stop it.');
    const total = this.store.regrading.answerCount(runId);
    const abort = new AbortController();
    const active: Active = { abort, done: Promise.resolve() };
    this.active.set(runId, active);
    active.done = this.grade(runId, previous, spec, total, abort).finally(() => this.active.delete(runId));
    return { answers: total };
  }

  /** Stops a re-grade: cells graded so far keep their new results, the rest their old ones. */
  stop(runId: string): boolean {
    const active = this.active.get(runId);
    if (!active) return false;
    active.abort.abort();
    return true;
  }

  /** Resolves when the run's re-grade (if any) has ended. */
  async settled(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  close(): void {
    this.closed = true;
    for (const active of this.active.values()) active.abort.abort();
  }

  private redactCell(cell: Cell): Cell {
    const r = this.options.redact;
    if (!r || !cell.grading) return cell;
    return { ...cell, grading: { ...cell.grading, reason: r(cell.grading.reason), componentResults: cell.grading.componentResults.map((c) => ({ ...c, reason: r(c.reason) })) } };
  }

  private async grade(runId: string, previous: GradingSpec, spec: GradingSpec, total: number, abort: AbortController): Promise<void> {
    const { signal } = abort;
    const recorded = this.store.runProviders(runId);
    const judge = judgeOf(spec, { resolve: (id) => this.registry.resolve(id, recorded) }, signal);
    const services = graderServicesOf(spec, { resolve: (id) => this.registry.resolve(id, recorded) }, signal);
    const limit = pLimit(PARALLEL);
    let graded = 0;
    let judgeCalls = 0;
    let failure: string | undefined;
    let lastProgress = 0;
    const progress = (force: boolean): void => {
      const now = Date.now();
      if (!force && now - lastProgress < 100) return;
      lastProgress = now;
      this.emit({ type: 'regrade.progress', runId, graded, total, judgeCalls });
    };
    const counted = judge
      ? async (...args: Parameters<typeof judge>): Promise<string> => {
          judgeCalls++;
          return judge(...args);
        }
      : undefined;
    const one = async (cell: Cell): Promise<void> => {
      if (signal.aborted || failure !== undefined) return;
      const grading = carryComparisons(await gradeCell(cell, spec, counted, keptResults(cell, previous), services), cell.grading, spec, cell.caseIndex);
      // Stopped while the judge was asked: the cell keeps its old results whole.
      if (signal.aborted) return;
      const next = this.redactCell(grading ? { ...cell, grading } : (({ grading: _old, ...rest }) => rest)(cell));
      const written = await this.store.write(() => this.store.regrading.setGrading(cell.id, next.grading), { cancelled: () => this.closed });
      if (!written) {
        failure ??= 'The run started again (a re-run or resume), so grading stopped; its answers are graded as they finish.';
        return;
      }
      graded++;
      this.emit({ type: 'cell.update', runId, cell: preview(next) });
      progress(false);
    };
    try {
      const pending = new Set<Promise<void>>();
      for await (const cell of this.answers(runId, signal)) {
        if (failure !== undefined) break;
        const task = limit(() => one(cell));
        pending.add(task);
        void task.finally(() => pending.delete(task)).catch(() => undefined);
        // Keep only a few pages of answers in memory.
        if (pending.size >= PARALLEL * 4) await Promise.race(pending);
      }
      await Promise.all(pending);
    } catch (error) {
      if (!(error instanceof BusyGaveUp)) failure ??= `The answers could not be graded: ${error instanceof Error ? error.message : String(error)}`;
    }
    progress(true);
    if (this.closed) return;
    let status: 'done' | 'cancelled' | 'failed' = signal.aborted ? 'cancelled' : failure !== undefined ? 'failed' : 'done';
    if (status === 'done') {
      try {
        const { assertions, testCases } = spec;
        const written = await this.store.write(() => this.store.regrading.recordChecks(runId, { assertions, testCases, judge: spec.judge as JudgeConfig | undefined }), {
          cancelled: () => this.closed,
        });
        if (!written) {
          status = 'failed';
          failure = 'The run started again before its new checks were recorded; grade it again once it has finished.';
        }
      } catch (error) {
        status = 'failed';
        failure = `The new checks could not be recorded on the run: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    this.emit({ type: 'regrade.finished', runId, status, graded, total, judgeCalls, ...(failure !== undefined && status === 'failed' ? { message: failure } : {}) });
  }
}
