/**
 * Grading the run on screen again with the checks of the Checks tab, without running it
 * again: the checks the run was graded with (to tell whether the tab's differ), the estimate
 * shown before anything is spent, the re-grade's progress from main's events, and its outcome.
 */
import { create } from 'zustand';
import type { AppEvent } from '../../../shared/contract';
import { sameChecks, type RegradeChecks, type RegradeEstimate, type RunChecks } from '../../../shared/regrade';
import type { AssertionDefinition } from '../../../shared/assertions/types';
import type { JudgeConfig, TestCase } from '../../../shared/schemas';
import { api, bridge } from '../bridge/current';
import { messageOf } from './errors';
import { useRun } from './run';

type Phase = 'idle' | 'estimating' | 'confirm' | 'starting' | 'grading' | 'stopping';

interface RegradeState {
  /** The run whose checks `runChecks` are. */
  runId: string | undefined;
  runChecks: RunChecks | undefined;
  phase: Phase;
  estimate: RegradeEstimate | undefined;
  /** The checks the estimate is for: a confirm grades exactly these. */
  estimated: RegradeChecks | undefined;
  progress: { graded: number; total: number } | undefined;
  /** How the last re-grade ended, in a sentence. */
  note: string | undefined;
  error: string | undefined;
  /** Reads the checks a run's answers are graded with. */
  load(runId: string): Promise<void>;
  /** Asks main what grading with `checks` would cost, and waits for a confirm. */
  askEstimate(checks: RegradeChecks): Promise<void>;
  cancel(): void;
  confirm(): Promise<void>;
  stop(): Promise<void>;
}

let unsubscribe: (() => void) | undefined;

export const useRegrade = create<RegradeState>()((set, get) => ({
  runId: undefined,
  runChecks: undefined,
  phase: 'idle',
  estimate: undefined,
  estimated: undefined,
  progress: undefined,
  note: undefined,
  error: undefined,
  async load(runId) {
    if (get().runId !== runId) {
      // Another run: what was said about the last one no longer applies (a re-grade in flight goes on in main).
      unsubscribe?.();
      unsubscribe = undefined;
      set({ runId, runChecks: undefined, phase: 'idle', estimate: undefined, estimated: undefined, progress: undefined, note: undefined, error: undefined });
    }
    try {
      const runChecks = await api()['runs.checks']({ runId });
      if (get().runId === runId) set({ runChecks });
    } catch (error) {
      if (get().runId === runId) set({ error: messageOf(error) });
    }
  },
  async askEstimate(checks) {
    const { runId } = get();
    if (!runId || get().phase !== 'idle') return;
    set({ phase: 'estimating', error: undefined, note: undefined });
    try {
      const estimate = await api()['runs.regradeEstimate']({ runId, checks });
      if (get().runId === runId) set({ phase: 'confirm', estimate, estimated: checks });
    } catch (error) {
      if (get().runId === runId) set({ phase: 'idle', error: messageOf(error) });
    }
  },
  cancel() {
    if (get().phase === 'confirm') set({ phase: 'idle', estimate: undefined, estimated: undefined });
  },
  async confirm() {
    const { runId, estimated } = get();
    if (!runId || !estimated || get().phase !== 'confirm') return;
    set({ phase: 'starting', error: undefined });
    listen(runId);
    try {
      const { answers } = await api()['runs.regrade']({ runId, checks: estimated });
      // A fast re-grade may have ended before this reply.
      if (get().runId === runId && get().phase === 'starting') set({ phase: 'grading', progress: get().progress ?? { graded: 0, total: answers } });
    } catch (error) {
      unsubscribe?.();
      unsubscribe = undefined;
      if (get().runId === runId) set({ phase: 'idle', error: messageOf(error) });
    }
  },
  async stop() {
    const { runId, phase } = get();
    if (!runId || (phase !== 'grading' && phase !== 'starting')) return;
    set({ phase: 'stopping' });
    try {
      await api()['runs.stopRegrade']({ runId });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
}));

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function listen(runId: string): void {
  unsubscribe?.();
  unsubscribe = bridge().onEvent((event: AppEvent) => {
    if (event.runId !== runId || useRegrade.getState().runId !== runId) return;
    if (event.type === 'regrade.progress') {
      useRegrade.setState({ progress: { graded: event.graded, total: event.total } });
    } else if (event.type === 'regrade.finished') {
      unsubscribe?.();
      unsubscribe = undefined;
      const note =
        event.status === 'done'
          ? `Graded ${plural(event.graded, 'answer')} with these checks${event.judgeCalls > 0 ? ` (${plural(event.judgeCalls, 'rubric call')})` : ''}.`
          : event.status === 'cancelled'
            ? `Stopped: ${plural(event.graded, 'answer')} of ${event.total.toLocaleString('en-US')} graded with these checks; the others keep their earlier results.`
            : undefined;
      useRegrade.setState({
        phase: 'idle',
        estimate: undefined,
        estimated: undefined,
        progress: undefined,
        note,
        error: event.status === 'failed' ? (event.message ?? 'Grading stopped.') : undefined,
      });
      // The run now records the new checks; the grid's pages and counters are read again.
      void useRegrade.getState().load(runId);
      void useRun.getState().resync();
    }
  });
}

/**
 * The Checks tab's checks as a re-grade takes them: for every row, the judge, and the own
 * checks of the run's rows where they differ from the run's (a row not named keeps its own).
 */
export function draftChecks(assertions: readonly AssertionDefinition[], testCases: readonly TestCase[], judge: JudgeConfig | undefined, run: RunChecks): RegradeChecks {
  const rowChecks: Record<string, AssertionDefinition[]> = {};
  for (const testCase of testCases) {
    const stored = run.rowChecks[testCase.id];
    const own = testCase.assert ?? [];
    if (stored !== undefined && !sameChecks(stored, own)) rowChecks[testCase.id] = own;
  }
  return { assertions: [...assertions], rowChecks, ...(judge ? { judge } : {}) };
}
