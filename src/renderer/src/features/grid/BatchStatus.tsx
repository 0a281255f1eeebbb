import { useEffect, useState } from 'react';
import { isBatchOver, type BatchJob } from '../../../../shared/batch';
import { api, bridge } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useRun } from '../../state/run';
import './batch.css';

const VENDOR_NAMES: Record<BatchJob['vendor'], string> = { openai: 'OpenAI Batch API', anthropic: 'Anthropic Message Batches' };
const STATUS_WORDS: Record<BatchJob['status'], string> = {
  submitting: 'sending',
  validating: 'validating',
  in_progress: 'in progress',
  finalizing: 'finalizing',
  cancelling: 'cancelling',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
  ended: 'ended',
};

/** "OpenAI Batch API · in progress · 40 of 100 answered". */
export function batchLine(job: BatchJob): string {
  const answered = job.succeeded + job.failed;
  return `${VENDOR_NAMES[job.vendor]} · ${STATUS_WORDS[job.status]} · ${answered.toLocaleString('en-US')} of ${job.total.toLocaleString('en-US')} answered${job.failed > 0 ? ` (${job.failed.toLocaleString('en-US')} failed)` : ''}`;
}

/** runs.batches' answer, and the run it is of. */
type Batches = Awaited<ReturnType<ReturnType<typeof api>['runs.batches']>> & { runId: string };

/**
 * The run's batch jobs (variants sent to a vendor's batch engine): where each stands, a Cancel
 * while one is open, and "Send N failed live" for what a batch did not answer. Main's events
 * (batch.update) say when to read them again.
 */
export function BatchStatus(): React.JSX.Element | null {
  const runId = useRun((s) => s.runId);
  const running = useRun((s) => s.running);
  const [batches, setBatches] = useState<Batches | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [sending, setSending] = useState(false);

  useEffect(() => {
    if (!runId) return;
    let latest = true;
    const load = (): void => {
      const read = api()['runs.batches'];
      read({ runId })
        .then((reply) => latest && setBatches({ ...reply, runId }))
        .catch((error: unknown) => latest && setProblem(messageOf(error)));
    };
    load();
    const off = bridge().onEvent((event) => {
      if ((event.type === 'batch.update' || event.type === 'run.finished' || event.type === 'run.resumed') && event.runId === runId) load();
    });
    return () => {
      latest = false;
      off();
    };
  }, [runId, running]);

  if (!runId || batches?.runId !== runId || (batches.jobs.length === 0 && batches.failedCells === 0)) return null;
  const open = batches.jobs.some((job) => !isBatchOver(job.status) && job.status !== 'cancelling');
  // The batch jobs only: the run's live variants go on; what the vendor answered already is still written.
  const cancel = async (): Promise<void> => {
    setProblem(undefined);
    try {
      await api()['runs.cancelBatches']({ runId });
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  const sendLive = async (): Promise<void> => {
    setSending(true);
    setProblem(undefined);
    try {
      await api()['runs.sendFailedLive']({ runId });
    } catch (error) {
      setProblem(messageOf(error));
    } finally {
      setSending(false);
    }
  };
  return (
    <section className="batch-status" aria-label="Batch jobs">
      <ul>
        {batches.jobs.map((job, i) => (
          <li key={job.id}>
            <span
              role="progressbar"
              aria-label={`Batch ${i + 1}`}
              aria-valuemin={0}
              aria-valuemax={job.total}
              aria-valuenow={job.succeeded + job.failed}
              aria-valuetext={batchLine(job)}
              className="batch-bar"
            >
              <span className="batch-fill" style={{ width: `${job.total === 0 ? 0 : ((job.succeeded + job.failed) / job.total) * 100}%` }} />
            </span>
            <span>{batchLine(job)}</span>
            {job.problem !== undefined && <span className="muted batch-problem">{job.problem}</span>}
          </li>
        ))}
      </ul>
      <div className="batch-actions">
        {running && open && (
          <button type="button" onClick={() => void cancel()}>
            Cancel batch
          </button>
        )}
        {!running && batches.failedCells > 0 && (
          <button type="button" disabled={sending} onClick={() => void sendLive()}>
            Send {batches.failedCells.toLocaleString('en-US')} failed live
          </button>
        )}
      </div>
      {problem !== undefined && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
