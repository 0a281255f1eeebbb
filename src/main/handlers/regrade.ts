/**
 * Grading a finished run's answers again with other checks (runner/regrade.ts): the checks a
 * run holds, the estimate shown before, the start and the stop.
 */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { Regrader } from '../runner/regrade';
import type { Store } from '../store/store';

type RegradeHandlers = Pick<Handlers, 'runs.checks' | 'runs.regradeEstimate' | 'runs.regrade' | 'runs.stopRegrade'>;

export function regradeHandlers(store: Store, regrader: Regrader): RegradeHandlers {
  return {
    'runs.checks': ({ runId }) => {
      if (store.runStatus(runId) === undefined) return Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
      const spec = store.gradingSpec(runId);
      return Promise.resolve({
        assertions: spec.assertions,
        rowChecks: Object.fromEntries(spec.testCases.map((t) => [t.id, t.assert ?? []])),
        ...(spec.judge ? { judge: spec.judge } : {}),
      });
    },
    'runs.regradeEstimate': ({ runId, checks }) => regrader.estimate(runId, checks),
    'runs.regrade': ({ runId, checks }) => regrader.start(runId, checks),
    'runs.stopRegrade': ({ runId }) => Promise.resolve({ stopped: regrader.stop(runId) }),
  };
}
