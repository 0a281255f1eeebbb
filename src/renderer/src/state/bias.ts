/**
 * The bias probe (src/shared/bias/): which row it is made from, the run of its counterfactual
 * rows, and the report. The probe is its own run (the draft's prompt and variants over the
 * generated rows, with repeats), so it is kept in History like any run and never changes the
 * draft's table.
 */
import { create } from 'zustand';
import type { AttributeKind, AttributeValue } from '../../../shared/bias/attributes';
import type { BiasReport } from '../../../shared/bias/report';
import type { MarkedTerm, ProbeRow } from '../../../shared/bias/substitute';
import { api } from '../bridge/current';
import { messageOf } from './errors';
import { saveDraftNow, snapshot } from './workspace';

export interface ProbePlan {
  kind: AttributeKind;
  values: readonly AttributeValue[];
  rows: readonly ProbeRow[];
  marked: readonly MarkedTerm[];
  repeats: number;
}

type Phase =
  | { kind: 'setup' }
  | { kind: 'running'; runId: string; done: number; total: number }
  | { kind: 'loading'; runId: string }
  | { kind: 'report'; runId: string; report: BiasReport };

interface BiasState {
  /** The row (index in the draft's table) the open probe dialog is for. */
  row: number | undefined;
  /** A probe run whose report was opened from Results (no row: the probe cannot be changed). */
  reportOf: string | undefined;
  phase: Phase;
  plan: ProbePlan | undefined;
  error: string | undefined;
  openFor(row: number): void;
  /** Opens the report of a probe run that already ran (its rows say what they stand for). */
  openReport(runId: string): Promise<void>;
  close(): void;
  /** Runs the plan's rows on the draft's prompt and variants, then computes the report. */
  run(plan: ProbePlan): Promise<void>;
  /** Back to the setup, to change the probe. */
  again(): void;
  /** Stops the probe's run; the answers so far are reported. */
  stop(): Promise<void>;
}

/** How often the probe run's progress is read while it goes on. */
const POLL_MS = 400;
/** Shuffles of the permutation test. */
const PERMUTATIONS = 5000;

let generation = 0;

export const useBias = create<BiasState>()((set, get) => ({
  row: undefined,
  reportOf: undefined,
  phase: { kind: 'setup' },
  plan: undefined,
  error: undefined,
  openFor(row) {
    generation++;
    set({ row, reportOf: undefined, phase: { kind: 'setup' }, plan: undefined, error: undefined });
  },
  async openReport(runId) {
    const mine = ++generation;
    set({ row: undefined, reportOf: runId, phase: { kind: 'loading', runId }, plan: undefined, error: undefined });
    try {
      const report = await api()['bias.report']({ runId, permutations: PERMUTATIONS });
      if (mine === generation) set({ phase: { kind: 'report', runId, report } });
    } catch (error) {
      if (mine === generation) set({ error: messageOf(error) });
    }
  },
  close() {
    generation++;
    set({ row: undefined, reportOf: undefined, phase: { kind: 'setup' }, error: undefined });
  },
  again() {
    generation++;
    set({ phase: { kind: 'setup' }, error: undefined });
  },
  async run(plan) {
    const mine = ++generation;
    const { messages, columns, assertions, judge, tools, toolChoice, useCache, promptId } = snapshot();
    if (columns.length === 0) {
      set({ error: 'Add a variant first (in Variants): the probe runs the prompt on each variant.' });
      return;
    }
    set({ plan, error: undefined });
    void saveDraftNow();
    try {
      const { runId, total } = await api()['runs.start']({
        messages,
        testCases: plan.rows.map((r) => r.testCase),
        columns,
        repeats: plan.repeats,
        useCache,
        assertions,
        ...(judge ? { judge } : {}),
        ...(promptId ? { promptId } : {}),
        ...(tools ? { tools } : {}),
        ...(toolChoice !== undefined ? { toolChoice } : {}),
      });
      if (mine !== generation) return;
      set({ phase: { kind: 'running', runId, done: 0, total } });
      for (;;) {
        const progress = await api()['runs.progress']({ runId });
        if (mine !== generation) return;
        const done = progress.total - progress.pending - progress.running;
        set({ phase: { kind: 'running', runId, done, total: progress.total } });
        if (progress.status !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const report = await api()['bias.report']({
        runId,
        kind: plan.kind,
        values: plan.values.map((v) => ({ ...v, terms: [...v.terms] })),
        caseValues: plan.rows.map((r) => r.value),
        ...(plan.marked.length > 0 ? { marked: [...plan.marked] } : {}),
        permutations: PERMUTATIONS,
      });
      if (mine !== generation) return;
      set({ phase: { kind: 'report', runId, report } });
    } catch (error) {
      if (mine !== generation) return;
      set({ phase: { kind: 'setup' }, error: messageOf(error) });
    }
  },
  async stop() {
    const { phase } = get();
    if (phase.kind !== 'running') return;
    try {
      await api()['runs.stop']({ runId: phase.runId });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
}));
