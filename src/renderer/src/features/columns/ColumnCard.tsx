import { variantLetter } from '../../../../shared/judging/verdict';
import { isGeneratedLabel, variantName } from '../../../../shared/variants';
import type { Column } from '../../../../shared/schemas';
import { useEffect, useId } from 'react';
import { ECHO_PROVIDER_ID as ECHO } from '../../../../shared/providers';
import { batchVendorOf } from '../../../../shared/batch';
import { useProviders } from '../../state/providers';
import { useWorkspace } from '../../state/workspace';
import { ParamFields } from './ParamFields';
import { PromptPicker } from './PromptPicker';

interface Props {
  columnId: string;
  position: number;
  count: number;
}

/** One variant of the matrix: provider, model, label, parameters and which prompt it runs. */
export function ColumnCard({ columnId, position, count }: Props): React.JSX.Element | null {
  const column = useWorkspace((s) => s.columns.find((c) => c.id === columnId));
  const updateColumn = useWorkspace((s) => s.updateColumn);
  const removeColumn = useWorkspace((s) => s.removeColumn);
  const moveColumn = useWorkspace((s) => s.moveColumn);
  const providers = useProviders((s) => s.providers);
  const models = useProviders((s) => (column ? s.models[column.providerId] : undefined));
  const loadModels = useProviders((s) => s.loadModels);
  const listId = useId();
  const batchHintId = useId();
  const n = position + 1;
  const of = `variant ${n}`;

  const providerId = column?.providerId;
  const reviewed = !providers.find((p) => p.id === providerId)?.needsReview;
  useEffect(() => {
    if (providerId && providerId !== ECHO && reviewed) void loadModels(providerId);
  }, [providerId, reviewed, loadModels]);

  if (!column) return null;
  const provider = providers.find((p) => p.id === column.providerId);
  const title = `Variant ${variantLetter(n - 1)}`;
  /**
   * A new provider or model. A label made from the old ones ("OpenAI: gpt-4o" from a promptfoo
   * file) would now be wrong, so it goes and the name follows; a label the person typed stays.
   */
  const changeWhat = (patch: Pick<Column, 'providerId' | 'model'> | Pick<Column, 'model'>): void => {
    if (column.label !== undefined && isGeneratedLabel(column.label, column, provider?.name, position)) {
      const { label: _generated, ...rest } = column;
      useWorkspace.setState((s) => ({ columns: s.columns.map((c) => (c.id === columnId ? { ...rest, ...patch } : c)) }));
    } else updateColumn(columnId, patch);
  };

  return (
    <article className="column variant" aria-label={title}>
      <header className="column-head">
        <div className="column-title">
          <strong>{title}</strong>
          <span className="muted">{column.label !== undefined || provider ? variantName(column, position, provider?.name) : 'missing provider'}</span>
        </div>
        <div className="column-actions">
          <button type="button" className="ghost" aria-label={`Move ${of} left`} disabled={position === 0} onClick={() => moveColumn(columnId, -1)}>
            ←
          </button>
          <button type="button" className="ghost" aria-label={`Move ${of} right`} disabled={position === count - 1} onClick={() => moveColumn(columnId, 1)}>
            →
          </button>
          <button type="button" className="ghost" aria-label={`Remove ${of}`} onClick={() => removeColumn(columnId)}>
            ✕
          </button>
        </div>
      </header>
      <div className="column-settings">
        <div className="row">
          <label>
            <span>Provider</span>
            <select
              aria-label={`Provider for ${of}`}
              value={provider ? column.providerId : ''}
              onChange={(e) => {
                const next = e.target.value;
                changeWhat({ providerId: next, model: next === ECHO ? 'echo' : '' });
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
              aria-label={`Model for ${of}`}
              list={listId}
              value={column.model}
              placeholder={column.providerId === ECHO ? 'echo' : 'model id, e.g. gpt-4o-mini'}
              onChange={(e) => changeWhat({ model: e.target.value })}
            />
            <datalist id={listId}>{models?.state === 'ok' && models.models.map((m) => <option key={m} value={m} />)}</datalist>
          </label>
        </div>
        {models?.state === 'error' && (
          <p className="hint error-text" role="note">
            Could not list models: {models.message} Type the model id instead.{' '}
            <button type="button" className="link" onClick={() => void loadModels(column.providerId, true)}>
              Retry
            </button>
          </p>
        )}
        <label>
          <span>Label (optional, shown after the variant&apos;s letter)</span>
          <input
            aria-label={`Label for ${of}`}
            value={column.label ?? ''}
            maxLength={80}
            placeholder="e.g. terse, few-shot"
            onChange={(e) => {
              const label = e.target.value;
              if (label.trim() === '') {
                const { label: _old, ...rest } = column;
                useWorkspace.setState((s) => ({ columns: s.columns.map((c) => (c.id === columnId ? rest : c)) }));
              } else updateColumn(columnId, { label });
            }}
          />
        </label>
        <PromptPicker
          of={of}
          versionId={column.promptVersionId}
          onChange={(versionId) => {
            if (versionId) updateColumn(columnId, { promptVersionId: versionId });
            else {
              const { promptVersionId: _old, ...rest } = column;
              useWorkspace.setState((s) => ({ columns: s.columns.map((c) => (c.id === columnId ? rest : c)) }));
            }
          }}
        />
        {provider && batchVendorOf(provider.kind, provider.api) !== undefined && (
          <label className="batch-choice">
            <input
              type="checkbox"
              aria-label={`Send as batch: ${of}`}
              aria-describedby={batchHintId}
              checked={column.batch === true}
              onChange={(e) => {
                if (e.target.checked) updateColumn(columnId, { batch: true });
                else {
                  const { batch: _old, ...rest } = column;
                  useWorkspace.setState((s) => ({ columns: s.columns.map((c) => (c.id === columnId ? rest : c)) }));
                }
              }}
            />
            <span>Send as batch</span>
            <span className="muted" id={batchHintId}>
              (half price; the vendor answers within 24 hours)
            </span>
          </label>
        )}
        <ParamFields params={column.params} model={column.model} of={of} kind={provider?.kind} api={provider?.api} onChange={(params) => updateColumn(columnId, { params })} />
      </div>
    </article>
  );
}
