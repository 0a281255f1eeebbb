import { useEffect, useMemo, useState } from 'react';
import type { RunEstimate as Estimate } from '../../../../shared/contract';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useWorkspace } from '../../state/workspace';
import { useDebounced } from '../editor/useDebounced';
import { describeEstimate } from './describe';
import './estimate.css';

type State = { kind: 'idle' } | { kind: 'ready'; estimate: Estimate } | { kind: 'failed'; message: string };

/**
 * What the whole matrix (variants × rows × repeats) will cost before it runs: real token
 * counts of the rendered prompts, priced from the price table. Recomputed after a pause
 * whenever the messages, the rows, the columns or the repeats change.
 */
export function RunEstimate(): React.JSX.Element {
  const messages = useWorkspace((s) => s.messages);
  const testCases = useWorkspace((s) => s.testCases);
  const columns = useWorkspace((s) => s.columns);
  const repeats = useWorkspace((s) => s.repeats);
  const tools = useWorkspace((s) => s.tools);
  const request = useDebounced(useMemo(() => ({ messages, testCases, columns, repeats, ...(tools ? { tools } : {}) }), [messages, testCases, columns, repeats, tools]), 400);
  const [state, setState] = useState<State>({ kind: 'idle' });

  useEffect(() => {
    if (request.columns.length === 0) return;
    let latest = true;
    const call = api()['runs.estimate'];
    call(request)
      .then((estimate) => latest && setState({ kind: 'ready', estimate }))
      .catch((error: unknown) => latest && setState({ kind: 'failed', message: messageOf(error) }));
    return () => {
      latest = false;
    };
  }, [request]);

  if (columns.length === 0) {
    return (
      <p className="run-estimate muted" role="status" aria-label="Run estimate">
        Add a column to see what a run will cost.
      </p>
    );
  }
  if (state.kind === 'failed') {
    return (
      <p className="run-estimate error-text" role="status" aria-label="Run estimate">
        No estimate: {state.message}
      </p>
    );
  }
  if (state.kind === 'idle') {
    return (
      <p className="run-estimate muted" role="status" aria-label="Run estimate">
        Estimating…
      </p>
    );
  }
  const { summary, notes } = describeEstimate(state.estimate, columns.map((c) => c.model));
  return (
    <div className="run-estimate" role="status" aria-label="Run estimate">
      <span className="run-estimate-summary">{summary}</span>
      {notes.map((note) => (
        <span key={note} className="run-estimate-note muted">
          {note}
        </span>
      ))}
    </div>
  );
}
