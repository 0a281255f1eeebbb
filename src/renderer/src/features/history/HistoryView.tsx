import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../../shared/schemas';
import { messageOf } from '../../state/errors';
import { hasFilters, useHistory } from '../../state/history';
import { useRun } from '../../state/run';
import { useUi } from '../../state/ui';
import { CompareView } from '../compare/CompareView';
import { useEditorTab } from '../grid/editorTab';
import { HistoryFilters } from './HistoryFilters';
import { costOf, matrixOf, passRateOf, variantsOf, when } from './format';
import './history.css';


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

/** Up and down arrows move to the same control in the row above or below: one row, one stop per control. */
function moveByRow(event: React.KeyboardEvent<HTMLTableSectionElement>): void {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const target = event.target as HTMLElement;
  const cell = target.closest('td');
  const row = cell?.parentElement;
  if (!cell || !row) return;
  const sibling = (event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLTableRowElement | null;
  const controls = [...cell.querySelectorAll<HTMLElement>('button, input')];
  const at = Math.max(0, controls.indexOf(target));
  const to = sibling?.cells[cell.cellIndex]?.querySelectorAll<HTMLElement>('button, input')[at];
  if (!to) return;
  event.preventDefault();
  to.focus();
}

function RunRow({ run, onOpen }: { run: RunSummary; onOpen(runId: string, intoEditor: boolean): void }): React.JSX.Element {
  const picked = useHistory((s) => s.picked.includes(run.id));
  const togglePicked = useHistory((s) => s.togglePicked);
  const started = when(run.createdAt);
  return (
    <tr className={picked ? 'picked' : undefined}>
      <td>
        <input type="checkbox" checked={picked} onChange={() => togglePicked(run.id)} aria-label={`Compare the run from ${started}`} />
      </td>
      <td className="nowrap">{started}</td>
      <td className="title-cell">{run.title || <span className="muted">(empty prompt)</span>}</td>
      <td className="history-variants">{variantsOf(run)}</td>
      <td>{matrixOf(run)}</td>
      <td>{passRateOf(run)}</td>
      <td>{run.votes ?? '–'}</td>
      <td>{costOf(run)}</td>
      <td>
        <StatusText run={run} />
        {run.errorCount > 0 && <span className="error-text"> · {run.errorCount.toLocaleString('en-US')} failed</span>}
        {run.source === 'cli' && <span className="muted"> · CLI</span>}
      </td>
      <td className="history-actions">
        <button
          type="button"
          onClick={() => onOpen(run.id, false)}
          aria-label={`Open results of the run from ${started}`}
          title="Results, Judge and Verdict show this run; the draft in the editor stays as it is"
        >
          Open results
        </button>
        <button
          type="button"
          className="link"
          onClick={() => onOpen(run.id, true)}
          aria-label={`Open in editor: the run from ${started}`}
          title="The run's prompt, rows and variants replace the draft (Bring back the previous draft undoes it)"
        >
          Open in editor
        </button>
      </td>
    </tr>
  );
}

function CompareBar(): React.JSX.Element {
  const picked = useHistory((s) => s.picked.length);
  const compare = useHistory((s) => s.compare);
  const comparing = useHistory((s) => s.comparing);
  const error = useHistory((s) => s.compareError);
  return (
    <div className="row history-comparebar">
      <span className="muted" aria-live="polite">
        {picked === 2 ? 'Two runs picked.' : `Tick two runs to compare them (${picked} of 2 picked).`}
      </span>
      <button type="button" className="primary" disabled={picked !== 2 || comparing} onClick={() => void compare()}>
        Compare
      </button>
      {error && (
        <span className="error-text" role="alert">
          Could not compare: {error}
        </span>
      )}
    </div>
  );
}

export function HistoryView(): React.JSX.Element {
  const { runs, total, loading, error, refresh, loadMore, filters, clearFilters } = useHistory();
  const comparison = useHistory((s) => s.comparison);
  const [openError, setOpenError] = useState<string | undefined>();
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const open = async (runId: string, intoEditor: boolean): Promise<void> => {
    setOpenError(undefined);
    try {
      await useRun.getState().open(runId, { intoEditor });
      useEditorTab.getState().setTab('results');
      useUi.getState().setView('editor');
    } catch (e) {
      setOpenError(messageOf(e));
    }
  };

  if (comparison) return <CompareView />;

  const filtered = hasFilters(filters);
  return (
    <section className="panel history" aria-labelledby="history-heading">
      <div className="row spread">
        <h2 id="history-heading">History</h2>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          Refresh
        </button>
      </div>
      <HistoryFilters />
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
      <p className="muted" role="status">
        {loading && runs.length === 0 ? 'Looking…' : filtered ? `${total.toLocaleString('en-US')} ${total === 1 ? 'run matches' : 'runs match'}.` : `${total.toLocaleString('en-US')} ${total === 1 ? 'run' : 'runs'}.`}
      </p>
      {!loading && runs.length === 0 && !error && !filtered && (
        <p className="empty">No runs yet. Write a prompt in the Editor and press Run (Ctrl/Cmd+Enter): every run is kept here, to search, reopen and compare.</p>
      )}
      {!loading && runs.length === 0 && !error && filtered && (
        <div className="empty">
          <p>No runs match these filters.</p>
          <button type="button" onClick={clearFilters}>
            Clear filters
          </button>
        </div>
      )}
      {runs.length > 0 && (
        <>
          <CompareBar />
          <div className="history-scroll">
            <table aria-label="Runs, newest first">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Compare</span>
                  </th>
                  <th scope="col">Started</th>
                  <th scope="col">Prompt</th>
                  <th scope="col">Variants</th>
                  <th scope="col">Matrix</th>
                  <th scope="col">Pass rate</th>
                  <th scope="col">Votes</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody onKeyDown={moveByRow}>
                {runs.map((run) => (
                  <RunRow key={run.id} run={run} onOpen={(id, intoEditor) => void open(id, intoEditor)} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {total > runs.length && (
        <div className="row">
          <span className="muted">
            Showing {runs.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')} runs.
          </span>
          <button type="button" onClick={() => void loadMore()} disabled={loading}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}
