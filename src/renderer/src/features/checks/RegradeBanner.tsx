import { useEffect, useId, useMemo } from 'react';
import { checksDiffer, describeEstimate } from '../../../../shared/regrade';
import { useRegrade, draftChecks } from '../../state/regrade';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import './regrade.css';

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Offers to grade the answers of the run on screen with the Checks tab's checks when they
 * differ from the ones it was graded with: the estimate first (rubric calls and their cost),
 * then a confirm, progress with Stop, and the outcome. Shown in Checks and in Results.
 */
export function RegradeBanner(): React.JSX.Element | null {
  const runId = useRun((s) => s.runId);
  const running = useRun((s) => s.running);
  const answers = useRun((s) => s.progress.done);
  const assertions = useWorkspace((s) => s.assertions);
  const testCases = useWorkspace((s) => s.testCases);
  const judge = useWorkspace((s) => s.judge);
  const loadedFor = useRegrade((s) => s.runId);
  const runChecks = useRegrade((s) => s.runChecks);
  const phase = useRegrade((s) => s.phase);
  const estimate = useRegrade((s) => s.estimate);
  const estimated = useRegrade((s) => s.estimated);
  const progress = useRegrade((s) => s.progress);
  const note = useRegrade((s) => s.note);
  const error = useRegrade((s) => s.error);
  const { askEstimate, cancel, confirm, stop, load } = useRegrade.getState();
  const id = useId();

  useEffect(() => {
    if (runId) void load(runId);
  }, [runId, load]);

  const checks = useMemo(() => (runChecks ? draftChecks(assertions, testCases, judge, runChecks) : undefined), [assertions, testCases, judge, runChecks]);
  // Compares every row's checks: on a big run, not something to redo on each render.
  const differ = useMemo(() => runChecks !== undefined && checks !== undefined && checksDiffer(runChecks, checks), [runChecks, checks]);
  // Checks edited after the estimate: it no longer says what a confirm would do.
  const stale = phase === 'confirm' && JSON.stringify(estimated) !== JSON.stringify(checks);
  useEffect(() => {
    if (stale) cancel();
  }, [stale, cancel]);

  if (!runId || loadedFor !== runId) return null;
  const busy = phase === 'starting' || phase === 'grading' || phase === 'stopping';
  if (!busy && phase !== 'confirm' && !differ && note === undefined && error === undefined) return null;
  if (running && !busy) return null;

  return (
    <section className="regrade-banner" aria-label="Grade existing answers">
      {phase === 'confirm' && estimate ? (
        <>
          <p id={`${id}-estimate`}>
            Grading {plural(estimate.answers, 'answer')} with these checks: <strong>{describeEstimate(estimate)}</strong>
            {estimate.judgeCalls > 0 ? ` (≈${(estimate.inputTokens + estimate.outputTokens).toLocaleString('en-US')} tokens for ${estimate.judgeModel ?? 'the judge'})` : ''}. No
            variant is asked again.
          </p>
          <div className="row">
            <button type="button" className="primary" aria-describedby={`${id}-estimate`} onClick={() => void confirm()}>
              Grade now
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </>
      ) : busy ? (
        <>
          <label className="regrade-progress">
            <span>
              {phase === 'stopping'
                ? 'Stopping…'
                : progress
                  ? `Grading answers: ${progress.graded.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')}`
                  : 'Grading answers…'}
            </span>
            <progress aria-label="Grading answers" value={progress?.graded ?? 0} max={Math.max(1, progress?.total ?? 1)} />
          </label>
          <button type="button" onClick={() => void stop()} disabled={phase === 'stopping'}>
            Stop grading
          </button>
        </>
      ) : (
        <>
          {differ ? (
            <>
              <p>These checks differ from the ones this run’s answers were graded with.</p>
              <button type="button" className="primary" disabled={phase === 'estimating' || answers === 0} onClick={() => checks && void askEstimate(checks)}>
                {phase === 'estimating' ? 'Estimating…' : `Grade the ${plural(answers, 'existing answer')} with these checks`}
              </button>
            </>
          ) : null}
          {note !== undefined && (
            <p role="status" className="muted">
              {note}
            </p>
          )}
        </>
      )}
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
