/** The bias probe's report: a probe run's answers grouped by the attribute value each row stands for. */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { attributeKind } from '../../shared/bias/attributes';
import { biasReport, probeKind, type ProbeAnswer } from '../../shared/bias/report';
import { readProbe } from '../../shared/bias/substitute';
import type { Store } from '../store/store';

type BiasHandlers = Pick<Handlers, 'bias.report'>;

/**
 * Answers a report reads at most: every pair of a variant's answers is compared once and then
 * again in every shuffle, so the work grows with the square of this.
 */
export const MAX_PROBE_ANSWERS = 2000;

export function biasHandlers(store: Store): BiasHandlers {
  return {
    'bias.report': async ({ runId, marked, permutations, seed, ...given }) => {
      const detail = store.getRun(runId);
      if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
      // A probe run reopened later: its rows say what each stands for.
      const read = given.kind && given.values && given.caseValues ? undefined : readProbe(detail.testCases);
      if (!read && !(given.kind && given.values && given.caseValues)) throw new AppError('bad_input', 'This run is not a bias probe: its rows were not made by one (or name the attribute and values with the request).');
      const kind = given.kind ?? read?.kind ?? 'names';
      const caseValues = given.caseValues ?? read?.caseValues ?? [];
      const values = given.values ?? [...new Set(caseValues)].map((label) => attributeKind(kind).values.find((v) => v.label === label) ?? { label, terms: [label] });
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
      const report = biasReport(probeKind(kind, values), answers, caseValues, { ...(marked ? { marked } : {}), permutations: permutations ?? 2000, seed: seed ?? 1 });
      return { ...report, kind };
    },
  };
}
