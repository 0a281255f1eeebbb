import { useEffect, useId } from 'react';
import { ECHO_PROVIDER_ID as ECHO } from '../../../../shared/providers';
import { useProviders } from '../../state/providers';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import { formatCost, formatMs, formatTokens } from './format';

interface Props {
  columnId: string;
  position: number;
  count: number;
}

function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function ColumnCard({ columnId, position, count }: Props): React.JSX.Element | null {
  const column = useWorkspace((s) => s.columns.find((c) => c.id === columnId));
  const updateColumn = useWorkspace((s) => s.updateColumn);
  const removeColumn = useWorkspace((s) => s.removeColumn);
  const moveColumn = useWorkspace((s) => s.moveColumn);
  const providers = useProviders((s) => s.providers);
  const models = useProviders((s) => (column ? s.models[column.providerId] : undefined));
  const loadModels = useProviders((s) => s.loadModels);
  const cell = useRun((s) => {
    const cellId = s.cellByColumn[columnId];
    return cellId === undefined ? undefined : s.cells[cellId];
  });
  const listId = useId();
  const n = position + 1;

  const providerId = column?.providerId;
  const reviewed = !providers.find((p) => p.id === providerId)?.needsReview;
  useEffect(() => {
    if (providerId && providerId !== ECHO && reviewed) void loadModels(providerId);
  }, [providerId, reviewed, loadModels]);

  if (!column) return null;
  const provider = providers.find((p) => p.id === column.providerId);
  const title = `Column ${n}`;

  return (
    <article className="column" aria-label={title}>
      <header className="column-head">
        <div className="column-title">
          <strong>{title}</strong>
          <span className="muted">{provider ? provider.name : 'missing provider'}</span>
        </div>
        <div className="column-actions">
          <button type="button" className="ghost" aria-label={`Move column ${n} left`} disabled={position === 0} onClick={() => moveColumn(columnId, -1)}>
            ←
          </button>
          <button type="button" className="ghost" aria-label={`Move column ${n} right`} disabled={position === count - 1} onClick={() => moveColumn(columnId, 1)}>
            →
          </button>
          <button type="button" className="ghost" aria-label={`Remove column ${n}`} onClick={() => removeColumn(columnId)}>
            ✕
          </button>
        </div>
      </header>
      <div className="column-settings">
        <label>
          <span>Provider</span>
          <select
            aria-label={`Provider for column ${n}`}
            value={provider ? column.providerId : ''}
            onChange={(e) => {
              const next = e.target.value;
              updateColumn(columnId, { providerId: next, model: next === ECHO ? 'echo' : '' });
            }}
          >
            {!provider && <option value="">(removed provider)</option>}
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Model</span>
          <input
            aria-label={`Model for column ${n}`}
            list={listId}
            value={column.model}
            placeholder={column.providerId === ECHO ? 'echo' : 'model id, e.g. gpt-4o-mini'}
            onChange={(e) => updateColumn(columnId, { model: e.target.value })}
          />
          <datalist id={listId}>{models?.state === 'ok' && models.models.map((m) => <option key={m} value={m} />)}</datalist>
        </label>
        {models?.state === 'error' && (
          <p className="hint error-text" role="note">
            Could not list models: {models.message} Type the model id instead.{' '}
            <button type="button" className="link" onClick={() => void loadModels(column.providerId, true)}>
              Retry
            </button>
          </p>
        )}
        <div className="row">
          <label>
            <span>Temperature</span>
            <input
              aria-label={`Temperature for column ${n}`}
              type="number"
              min={0}
              max={2}
              step={0.1}
              placeholder="default"
              value={column.params.temperature ?? ''}
              onChange={(e) => {
                const temperature = numberOrUndefined(e.target.value);
                const { temperature: _old, ...rest } = column.params;
                updateColumn(columnId, { params: temperature === undefined ? rest : { ...rest, temperature: Math.min(2, Math.max(0, temperature)) } });
              }}
            />
          </label>
          <label>
            <span>Max tokens</span>
            <input
              aria-label={`Max tokens for column ${n}`}
              type="number"
              min={1}
              step={1}
              placeholder="default"
              value={column.params.maxTokens ?? ''}
              onChange={(e) => {
                const value = numberOrUndefined(e.target.value);
                const { maxTokens: _old, ...rest } = column.params;
                updateColumn(columnId, { params: value === undefined || value < 1 ? rest : { ...rest, maxTokens: Math.round(value) } });
              }}
            />
          </label>
        </div>
      </div>
      <section className="answer" aria-label={`Answer from column ${n}`} aria-busy={cell?.status === 'running' || cell?.status === 'pending'}>
        {!cell && <p className="muted">Press Run (Ctrl+Enter) to see this column's answer.</p>}
        {cell?.status === 'pending' && <p className="muted">Waiting…</p>}
        {cell && cell.output !== '' && <pre className="output">{cell.output}</pre>}
        {cell?.error && (
          <p className={cell.status === 'cancelled' ? 'muted' : 'error-text'} role={cell.status === 'cancelled' ? undefined : 'alert'}>
            {cell.status === 'cancelled' ? 'Stopped.' : `Error (${cell.error.code}): ${cell.error.message}`}
          </p>
        )}
      </section>
      {cell && (
        <dl className="metrics" aria-label={`Figures for column ${n}`}>
          <div>
            <dt>First token</dt>
            <dd>{formatMs(cell.ttftMs)}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{formatMs(cell.totalMs)}</dd>
          </div>
          <div>
            <dt>Tokens in/out</dt>
            <dd>
              {formatTokens(cell.usage.inputTokens)} / {formatTokens(cell.usage.outputTokens)}
            </dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(cell.costUsd)}</dd>
          </div>
          <div>
            <dt>Finish</dt>
            <dd>{cell.finishReason ?? cell.status}</dd>
          </div>
        </dl>
      )}
    </article>
  );
}
