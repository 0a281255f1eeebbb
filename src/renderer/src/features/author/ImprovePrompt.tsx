import { useEffect, useState } from 'react';
import type { AuthorResult } from '../../../../shared/author';
import type { Message, RunSummary } from '../../../../shared/schemas';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useRun } from '../../state/run';
import { DiffView } from '../library/DiffView';
import { useEditorTab } from '../grid/editorTab';
import { useKeptState } from '../../state/kept';
import { formatUsd } from '../estimate/describe';
import { AuthorCall } from './AuthorCall';

type Revision = Extract<AuthorResult['result'], { action: 'improve' }>;

function promptText(messages: readonly Message[]): string {
  return messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

/** Runs a person would improve from: not Writing help's own calls. */
function isAuthorRun(run: RunSummary): boolean {
  return run.variants?.some((v) => v.label?.startsWith('author:') === true) ?? false;
}

/**
 * Improve from evidence: the improver reads a run's failing rows, votes, checks and verdict and
 * proposes a revision, shown as a diff with its reasons. One click saves it as a library
 * version and runs the old version against the new one on the same rows.
 */
export function ImprovePrompt(): React.JSX.Element {
  const openRunId = useRun((s) => s.runId);
  const openRun = useRun((s) => s.open);
  const setTab = useEditorTab((s) => s.setTab);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [runId, setRunId] = useKeptState('author-improve:runId', () => openRunId ?? '');
  const [revision, setRevision] = useKeptState<Revision | undefined>('author-improve:revision', () => undefined);
  const [repeats, setRepeats] = useKeptState('author-improve:repeats', () => 1);
  const [trying, setTrying] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // The calls and their cost, shown before anything starts (the cache is off for a fair comparison).
  const [confirm, setConfirm] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const list = api()['runs.list'];
    void list({ limit: 50 })
      .then((found) => {
        if (!live) return;
        const mine = found.runs.filter((r) => !isAuthorRun(r));
        setRuns(mine);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  // The run picked, else the newest (the one just made, usually).
  const chosen = runs.some((r) => r.id === runId) ? runId : (runs[0]?.id ?? '');

  const estimate = async (): Promise<void> => {
    if (!revision) return;
    setError(undefined);
    try {
      const e = await api()['author.estimateRevision']({ runId: revision.runId, messages: revision.after, repeats });
      const cost = e.costUsd !== undefined ? `about ${formatUsd(e.costUsd)}` : 'cost unknown (no price for the model)';
      setConfirm(`This makes ${e.cells} ${e.cells === 1 ? 'call' : 'calls'} with the cache off, ${cost}.`);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const tryIt = async (): Promise<void> => {
    if (!revision) return;
    setConfirm(undefined);
    setTrying(true);
    setError(undefined);
    try {
      const started = await api()['author.tryRevision']({ runId: revision.runId, messages: revision.after, repeats });
      await openRun(started.runId);
      setTab('verdict');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setTrying(false);
    }
  };

  return (
    <section className="author-action" aria-labelledby="author-improve">
      <h3 id="author-improve">Improve from a run</h3>
      <label className="check-field">
        <span>Run to learn from</span>
        <select value={chosen} onChange={(e) => setRunId(e.target.value)}>
          {runs.length === 0 && <option value="">No runs yet</option>}
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              {new Date(r.createdAt).toLocaleString()} · {r.title || '(untitled)'}
              {r.graded !== undefined && r.passed !== undefined ? ` · ${r.graded - r.passed} failing` : ''}
            </option>
          ))}
        </select>
      </label>
      <AuthorCall
        action="improve"
        request={chosen !== '' ? { action: 'improve', runId: chosen } : undefined}
        missing="Run the prompt first: the improver reads a run’s failures and votes."
        label="Propose a revision"
        onResult={(result) => {
          if (result.result.action === 'improve') setRevision(result.result);
        }}
      />
      {revision && (
        <div className="author-draft" role="region" aria-label="Proposed revision">
          <div className="author-revision">
            <DiffView label="Proposed revision of the prompt" original={promptText(revision.before)} modified={promptText(revision.after)} />
            <div className="author-reasons">
              <h4>Why</h4>
              <ul>
                {revision.reasons.map((reason, i) => (
                  <li key={i}>{reason}</li>
                ))}
              </ul>
            </div>
          </div>
          <div className="row">
            <label className="check-inline">
              Repeats
              <input
                type="number"
                min={1}
                max={50}
                value={repeats}
                onChange={(e) => {
                  setConfirm(undefined);
                  setRepeats(Math.max(1, Math.min(50, Math.round(Number(e.target.value) || 1))));
                }}
              />
            </label>
            <button type="button" className="primary" disabled={trying || confirm !== undefined} onClick={() => void estimate()}>
              {trying ? 'Starting…' : 'Save as a new version and run old vs new'}
            </button>
            <button type="button" onClick={() => setRevision(undefined)}>
              Discard revision
            </button>
          </div>
          {confirm !== undefined && (
            <div className="row" role="group" aria-label="Confirm the comparison run">
              <span role="status">{confirm}</span>
              <button type="button" className="primary" onClick={() => void tryIt()}>
                Start the run
              </button>
              <button type="button" onClick={() => setConfirm(undefined)}>
                Cancel
              </button>
            </div>
          )}
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
