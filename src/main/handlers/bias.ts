/** The bias probe's report: a probe run's answers grouped by the attribute value each row stands for. */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { biasReport, probeKind, type ProbeAnswer } from '../../shared/bias/report';
import type { Store } from '../store/store';

type BiasHandlers = Pick<Handlers, 'bias.report'>;

/**
 * Answers a report reads at most: every pair of a variant's answers is compared once and then
 * again in every shuffle, so the work grows with the square of this.
 */
export const MAX_PROBE_ANSWERS = 2000;

export function biasHandlers(store: Store): BiasHandlers {
  return {
    'bias.report': async ({ runId, kind, values, caseValues, marked, permutations, seed }) => {
      const detail = store.getRun(runId);
      if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
      if (detail.testCases.length !== caseValues.length) {
        throw new AppError('bad_input', `The run has ${detail.testCases.length} rows but the probe names a value for ${caseValues.length}: open the probe's own run.`);
      }
      if (detail.progress.total > MAX_PROBE_ANSWERS) throw new AppError('bad_input', `A bias probe compares at most ${MAX_PROBE_ANSWERS} answers; this run has ${detail.progress.total}.`);
      const answers: ProbeAnswer[] = store.cellsOf(runId).map((cell) => ({
        cellId: cell.id,
        caseIndex: cell.caseIndex,
        columnIndex: cell.columnIndex,
        repeat: cell.repeat,
        output: cell.output,
        ok: cell.status === 'done',
        ...(cell.grading ? { pass: cell.grading.pass, score: cell.grading.score } : {}),
      }));
      return biasReport(probeKind(kind, values), answers, caseValues, { ...(marked ? { marked } : {}), permutations: permutations ?? 2000, seed: seed ?? 1 });
    },
  };
}
