/**
 * The judging methods: blind pairs and votes, ratings, the verdict, and the run as a file with
 * all of them in it.
 */
import { createHash } from 'node:crypto';
import type { AppEvent, Handlers, JudgePair } from '../../shared/contract';
import { toCsv } from '../../shared/csv';
import { AppError } from '../../shared/errors';
import { checkSpec, type CheckSpec } from '../../shared/judging/checks';
import { DEFAULT_RATER } from '../../shared/judging/raters';
import { verdictVotes } from '../../shared/judging/people-votes';
import { computeVerdict } from '../../shared/judging/verdict';
import { variantLabel } from '../../shared/variants';
import { checksFor } from '../runner/grading';
import type { Store } from '../store/store';

type JudgingHandlers = Pick<Handlers, 'judge.pairs' | 'judge.vote' | 'judge.votes' | 'judge.rate' | 'judge.verdict' | 'runs.export'>;

/** Pairs shown at once; a person does not vote on more in one sitting. */
const MAX_PAIRS = 5000;

/** Left or right, decided once per pair from the run and the pair, so it is the same every time. */
export function leftIsFirst(runId: string, caseIndex: number, a: number, b: number): boolean {
  const digest = createHash('sha256').update(`${runId}:${caseIndex}:${a}:${b}`).digest();
  return ((digest[0] ?? 0) & 1) === 0;
}

/** The name the local person's votes and ratings carry (Settings › Your name). */
export function localRater(store: Store): string {
  return store.getValue(RATER_KEY) ?? DEFAULT_RATER;
}
export const RATER_KEY = 'rater.name';

/** A pair to judge before any vote is attached: the same pairs, sides and order every time. */
export type BlindPair = Omit<JudgePair, 'vote' | 'note'>;

/** A run's blind pairs (first repeat of each variant per row), at most MAX_PAIRS. */
export function blindPairs(store: Store, runId: string, variants: number, columns?: readonly [number, number]): BlindPair[] {
  if (variants < 2) throw new AppError('bad_input', 'Pairwise judging needs a run with two or more variants.');
  const wanted = columns ? [Math.min(...columns), Math.max(...columns)] : undefined;
  const byCase = new Map<number, Map<number, { id: string; output: string }>>();
  for (const answer of store.judging.firstAnswers(runId)) {
    let row = byCase.get(answer.caseIndex);
    if (!row) byCase.set(answer.caseIndex, (row = new Map()));
    row.set(answer.columnIndex, { id: answer.id, output: answer.output });
  }
  const pairs: BlindPair[] = [];
  for (const [caseIndex, row] of [...byCase].sort((x, y) => x[0] - y[0])) {
    for (let a = 0; a < variants; a++) {
      for (let b = a + 1; b < variants; b++) {
        if (wanted && (wanted[0] !== a || wanted[1] !== b)) continue;
        const first = row.get(a);
        const second = row.get(b);
        if (!first || !second) continue;
        const swap = !leftIsFirst(runId, caseIndex, a, b);
        const [left, right, leftColumn, rightColumn] = swap ? [second, first, b, a] : [first, second, a, b];
        pairs.push({ caseIndex, leftCellId: left.id, rightCellId: right.id, leftColumn, rightColumn, leftOutput: left.output, rightOutput: right.output });
        if (pairs.length >= MAX_PAIRS) return pairs;
      }
    }
  }
  return pairs;
}

export function judgingHandlers(store: Store, emit: (event: AppEvent) => void): JudgingHandlers {
  const detailOf = (runId: string) => {
    const detail = store.getRun(runId);
    if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
    return detail;
  };
  const labelsOf = (runId: string): string[] => {
    const detail = detailOf(runId);
    const names = new Map(store.listProviders().map((p) => [p.id, p.name]));
    names.set('echo', 'Echo');
    return detail.columns.map((column, index) => variantLabel(column, index, names.get(column.providerId)));
  };
  /** Each row's checks, named and weighed, in the order their results are stored. */
  const checksOf = (runId: string): ((caseIndex: number) => CheckSpec[]) => {
    const spec = store.gradingSpec(runId);
    const byCase = new Map<number, CheckSpec[]>();
    return (caseIndex) => {
      let specs = byCase.get(caseIndex);
      if (!specs) byCase.set(caseIndex, (specs = checksFor(spec, caseIndex).map(checkSpec)));
      return specs;
    };
  };

  return {
    'judge.pairs': ({ runId, columns }) => {
      const detail = detailOf(runId);
      const votes = new Map(store.judging.votes(runId, localRater(store)).map((v) => [`${v.leftCellId}|${v.rightCellId}`, v]));
      const pairs: JudgePair[] = blindPairs(store, runId, detail.columns.length, columns).map((pair) => {
        const vote = votes.get(`${pair.leftCellId}|${pair.rightCellId}`);
        return { ...pair, ...(vote ? { vote: vote.outcome, ...(vote.note !== undefined ? { note: vote.note } : {}) } : {}) };
      });
      return Promise.resolve({ pairs, voted: pairs.filter((p) => p.vote !== undefined).length });
    },
    'judge.vote': (input) => {
      const vote = store.judging.vote({ ...input, rater: localRater(store) });
      emit({ type: 'judge.changed', runId: input.runId });
      return Promise.resolve(vote);
    },
    'judge.votes': ({ runId }) => Promise.resolve({ votes: store.judging.votes(runId) }),
    'judge.rate': ({ cellId, ...patch }) => {
      const { runId, rating } = store.judging.rate(cellId, patch, localRater(store));
      emit({ type: 'judge.changed', runId });
      return Promise.resolve(rating);
    },
    'judge.verdict': ({ runId, rater }) => {
      const detail = detailOf(runId);
      const labels = labelsOf(runId);
      const cells = store.judging.cellFacts(runId, detail.run.repeats > 1);
      // All raters: one observation per pair of a row (the people's majority); judges only when picked.
      return Promise.resolve(computeVerdict({ labels, cells, votes: verdictVotes(store.judging.votes(runId, rater), rater), repeats: detail.run.repeats, checksOf: checksOf(runId) }));
    },
    'runs.export': ({ runId, format }) => {
      const detail = detailOf(runId);
      const labels = labelsOf(runId);
      const stem = `parallax-run-${detail.run.createdAt.slice(0, 19).replace(/[:T]/g, '-')}`;
      const cells: ReturnType<Store['cellsOfCases']> = [];
      for (let from = 0; from < Math.max(1, detail.testCases.length); from += 500) cells.push(...store.cellsOfCases(runId, from, from + 500));
      const votes = store.judging.votes(runId);
      const verdict = computeVerdict({ labels, cells: store.judging.cellFacts(runId, detail.run.repeats > 1), votes: verdictVotes(votes), repeats: detail.run.repeats, checksOf: checksOf(runId) });
      if (format === 'json') {
        // The run's total cost, and whether part of it was counted with the tokenizer (each cell says which).
        const cost = { costUsd: verdict.variants.reduce((sum, v) => sum + v.costUsd, 0), costEstimated: verdict.variants.some((v) => v.costEstimated === true) };
        const text = JSON.stringify({ run: detail.run, messages: detail.messages, variants: detail.columns.map((c, i) => ({ ...c, name: labels[i] })), testCases: detail.testCases, cells, votes, cost, verdict }, null, 2);
        return Promise.resolve({ fileName: `${stem}.json`, text: `${text}\n`, mimeType: 'application/json' });
      }
      // The row's values travel with each answer, so the file can be read on its own.
      const varNames = [...new Set(detail.testCases.flatMap((t) => Object.keys(t.vars)))];
      const valueOf = (caseIndex: number, name: string): string => {
        const value = detail.testCases[caseIndex]?.vars[name];
        return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      };
      const header = ['row', ...varNames.map((n) => `vars.${n}`), 'expected', 'variant', 'repeat', 'status', 'output', 'tool_calls', 'reasoning', 'latencyMs', 'inputTokens', 'outputTokens', 'costUsd', 'costEstimated', 'checksPass', 'checksScore', 'checksReason', 'score', 'thumb', 'tags', 'note', 'error'];
      const rows = cells.map((c) => [
        c.caseIndex + 1,
        ...varNames.map((n) => valueOf(c.caseIndex, n)),
        detail.testCases[c.caseIndex]?.expected ?? '',
        labels[c.columnIndex] ?? c.columnIndex,
        c.repeat + 1,
        c.status,
        c.output,
        // The calls as JSON (arguments as the model wrote them); escaped for spreadsheets like every text.
        c.toolCalls ? JSON.stringify(c.toolCalls) : '',
        c.reasoning ?? '',
        c.totalMs !== undefined ? Math.round(c.totalMs) : '',
        c.usage.inputTokens ?? '',
        c.usage.outputTokens ?? '',
        c.costUsd ?? '',
        c.costUsd !== undefined ? String(c.costEstimated === true) : '',
        c.grading ? String(c.grading.pass) : '',
        c.grading?.score ?? '',
        c.grading?.reason ?? '',
        c.rating?.score ?? '',
        c.rating?.thumb ?? '',
        c.rating?.tags.join('; ') ?? '',
        c.rating?.note ?? '',
        c.error?.message ?? '',
      ]);
      const voteRows = votes.map((v) => ['vote', v.caseIndex + 1, labels[v.leftColumn] ?? '', labels[v.rightColumn] ?? '', v.outcome, v.note ?? '', v.createdAt, v.rater]);
      // Each check's pass rate per variant, then the mean over checks (what the charts use) and all-pass.
      const checkRows = verdict.variants.flatMap((v) => [
        ...v.checks.map((c) => ['check', v.label, c.check ?? c.type, c.weight ?? 1, c.passed, c.total, c.rate.estimate ?? '']),
        ...(v.passRate ? [['check', v.label, 'mean over checks', '', '', '', v.checkMean ?? ''], ['check', v.label, 'all checks passed', '', '', '', v.passRate.estimate ?? '']] : []),
      ]);
      // Spreadsheet-safe: answers, row values and check names are hostile text (see shared/csv.ts).
      const text =
        toCsv([header, ...rows], { newline: '\n' }) +
        (voteRows.length > 0 ? `\n${toCsv([['kind', 'row', 'left', 'right', 'outcome', 'note', 'at', 'rater'], ...voteRows], { newline: '\n' })}` : '') +
        (checkRows.length > 0 ? `\n${toCsv([['kind', 'variant', 'check', 'weight', 'passed', 'total', 'passRate'], ...checkRows], { newline: '\n' })}` : '');
      return Promise.resolve({ fileName: `${stem}.csv`, text, mimeType: 'text/csv' });
    },
  };
}
