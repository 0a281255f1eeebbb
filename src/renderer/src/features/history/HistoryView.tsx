import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../../shared/schemas';
import { messageOf } from '../../state/errors';
import { useHistory } from '../../state/history';
import { useEditorTab } from '../grid/editorTab';
import { useRun } from '../../state/run';
import { useUi } from '../../state/ui';

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** "5 rows × 2 variants × 2 repeats": the run's matrix, from its counts. */
export function matrixOf(run: RunSummary): string {
  const variants = run.caseCount > 0 && run.repeats > 0 ? Math.round(run.cellCount / (run.caseCount * run.repeats)) : 0;
  const parts = [count(run.caseCount, 'row'), count(variants, 'variant')];
  if (run.repeats > 1) parts.push(count(run.repeats, 'repeat'));
  return parts.join(' × ');
}

function StatusText({ run }: { run: RunSummary }): React.JSX.Element {
  if (run.status === 'interrupted') {
    return (
      <span className="badge warn" title="The app closed while this run was going. Open it to resume.">
        interrupted
      </span>
    );
  }
  return <>{run.status}</>;
}

function when(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function HistoryView(): React.JSX.Element {
  const { runs, total, loading, error, refresh, loadMore } = useHistory();
  const [openError, setOpenError] = useState<string | undefined>();
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const open = async (runId: string): Promise<void> => {
    setOpenError(undefined);
    try {
      await useRun.getState().open(runId);
      useEditorTab.getState().setTab('results');
      useUi.getState().setView('editor');
    } catch (e) {
      setOpenError(messageOf(e));
    }
  };

  return (
    <section className="panel history" aria-labelledby="history-heading">
      <div className="row spread">
        <h2 id="history-heading">History</h2>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          Refresh
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {openError && (
        <p className="error-text" role="alert">
          Could not open the run: {openError}
        </p>
      )}
      {!loading && runs.length === 0 && !error && <p className="empty">No runs yet. Write a prompt in the Editor and press Run: every run is kept here.</p>}
      {runs.length > 0 && (
        <table aria-label="Runs, newest first">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Prompt</th>
              <th scope="col">Models</th>
              <th scope="col">Matrix</th>
              <th scope="col">Cells</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>{when(run.createdAt)}</td>
                <td className="title-cell">{run.title || <span className="muted">(empty prompt)</span>}</td>
                <td>{run.models.join(', ')}</td>
                <td>{matrixOf(run)}</td>
                <td>
                  {run.cellCount.toLocaleString('en-US')}
                  {run.errorCount > 0 && <span className="error-text"> ({run.errorCount.toLocaleString('en-US')} failed)</span>}
                </td>
                <td>
                  <StatusText run={run} />
                  {run.source === 'cli' && <span className="muted"> · CLI</span>}
                </td>
                <td>
                  <button type="button" aria-label={`Open run from ${when(run.createdAt)}`} onClick={() => void open(run.id)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > runs.length && (
        <div className="row">
          <span className="muted">
            Showing the newest {runs.length} of {total} runs.
          </span>
          <button type="button" onClick={() => void loadMore()} disabled={loading}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}
