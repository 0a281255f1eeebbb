/**
 * select-best and max-score: checks that compare all of a row's answers, so they cannot run
 * as each answer finishes (grading.ts grades one cell). As promptfoo does once its eval is
 * over, they run when the row's last cell is done: the runner holds the row's graded cells
 * back (still "running" to anyone watching) until then, grades the comparison, merges it into
 * each cell's grading as promptfoo merges it, and finishes them together.
 *
 * Compared are the answers of the row's cells that finished in this process (every provider,
 * prompt and repeat of the test case, in column then repeat order); a cell that failed has no
 * answer to compare and keeps its error. select-best runs first, then max-score, which weighs
 * every other check's score (not select-best's).
 */
import { gradeSelectBest, selectMaxScore, type GraderVerdict } from '../../shared/assertions/model-graded';
import type { Assertion } from '../../shared/assertions/types';
import type { Cell, Grading, Message, Variables } from '../../shared/schemas';
import type { GradingSpec } from '../store/store';
import { renderMessages } from '../template/render';
import { checksFor, gradersOfRow, isComparison, type RoutedJudge } from './grading';

/** Whether a row has a check that compares its answers. */
export function hasComparison(spec: GradingSpec, caseIndex: number): boolean {
  return checksFor(spec, caseIndex).some((check) => isComparison(check));
}

type Component = Grading['componentResults'][number];

function component(check: Assertion, verdict: GraderVerdict): Component {
  return { type: check.type, pass: verdict.pass, score: verdict.score, reason: verdict.reason, ...(check.metric !== undefined ? { metric: check.metric } : {}) };
}

/** promptfoo's mergeSelectBestGradingResult: a loss fails the answer and sets its score and reason. */
function mergeSelectBest(grading: Grading, added: Component): Grading {
  return {
    ...grading,
    pass: grading.pass && added.pass,
    ...(added.pass ? {} : { reason: added.reason, score: added.score }),
    componentResults: [...grading.componentResults, added],
  };
}

/** promptfoo's mergeMaxScoreGradingResult: a loss fails the answer, scores it 0 and, if it passed, gives the reason. */
function mergeMaxScore(grading: Grading, added: Component): Grading {
  return {
    ...grading,
    pass: grading.pass && added.pass,
    score: added.pass ? grading.score : added.score,
    reason: !added.pass && grading.pass ? added.reason : grading.reason,
    componentResults: [...grading.componentResults, added],
  };
}

/** A row whose only checks compare: promptfoo grades each answer with no checks first (it passes, scoring 0). */
const UNCHECKED: Grading = { pass: true, score: 0, reason: 'No assertions', componentResults: [] };

/**
 * A re-grade grades cells one at a time, so it cannot compare a row: the comparison results a
 * cell held are merged into its new grading again (checks that are no longer in the run drop out).
 */
export function carryComparisons(grading: Grading | undefined, previous: Grading | undefined, spec: GradingSpec, caseIndex: number): Grading | undefined {
  const still = new Set<string>(checksFor(spec, caseIndex).filter((check) => isComparison(check)).map((check) => check.type));
  const carried = (previous?.componentResults ?? []).filter((c) => still.has(c.type));
  if (carried.length === 0) return grading;
  let next = grading ?? UNCHECKED;
  for (const c of carried) next = c.type === 'select-best' ? mergeSelectBest(next, c) : mergeMaxScore(next, c);
  return next;
}

/**
 * Grades a row's comparisons over its finished cells and returns them with the merged grading.
 * `judge` asks the run's judge (select-best); without one, select-best fails with the reason.
 */
export async function compareRow(cells: readonly Cell[], spec: GradingSpec, judge: RoutedJudge | undefined): Promise<Cell[]> {
  const first = cells[0];
  if (!first) return [];
  const checks = checksFor(spec, first.caseIndex);
  // promptfoo takes the first of each, and only the plain form.
  const selectBest = checks.find((check) => check.type === 'select-best');
  const maxScore = checks.find((check) => check.type === 'max-score');
  let out = [...cells].sort((a, b) => a.columnIndex - b.columnIndex || a.repeat - b.repeat).map((cell) => ({ ...cell, grading: cell.grading ?? UNCHECKED }));
  if (selectBest) {
    const render = (messages: readonly Message[], vars: Record<string, unknown>): Message[] => renderMessages(messages, vars as Variables);
    // Its own grader (assert.provider, the row's options.provider), else the run's judge.
    const grader = gradersOfRow(spec, first.caseIndex).get(selectBest) ?? spec.judge;
    const routed = judge ? (messages: Message[]) => judge(messages, grader) : undefined;
    const verdicts = await gradeSelectBest(
      selectBest.value,
      out.map((cell) => cell.grading?.output ?? cell.output),
      first.variables,
      { ...(routed ? { judge: routed } : {}), render, ...(spec.judge?.prompt ? { rubricTemplate: spec.judge.prompt } : {}) },
    );
    out = out.map((cell, i) => ({ ...cell, grading: mergeSelectBest(cell.grading ?? UNCHECKED, component(selectBest, verdicts[i] ?? verdicts[0] ?? { pass: false, score: 0, reason: 'No verdict' })) }));
  }
  if (maxScore) {
    const chosen = selectMaxScore(
      out.map((cell) => (cell.grading?.componentResults ?? []).map((c) => ({ type: c.type, score: c.score }))),
      maxScore.value,
    );
    const verdicts: GraderVerdict[] = chosen.ok ? chosen.verdicts : out.map(() => ({ pass: false, score: 0, reason: chosen.error }));
    out = out.map((cell, i) => ({ ...cell, grading: mergeMaxScore(cell.grading ?? UNCHECKED, component(maxScore, verdicts[i] ?? { pass: false, score: 0, reason: 'No verdict' })) }));
  }
  return out;
}
