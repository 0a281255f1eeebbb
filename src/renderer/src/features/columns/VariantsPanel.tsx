import { ECHO_PROVIDER_ID as ECHO } from '../../../../shared/providers';
import { useWorkspace } from '../../state/workspace';
import { ColumnCard } from './ColumnCard';
import './variants.css';

/** The matrix's columns: each variant is a provider + model + parameters (+ a prompt version). */
export function VariantsPanel(): React.JSX.Element {
  const ids = useWorkspace((s) => s.columns.map((c) => c.id).join(','));
  const addColumn = useWorkspace((s) => s.addColumn);
  const columnIds = ids === '' ? [] : ids.split(',');
  return (
    <div className="variants">
      <div className="row spread">
        <p className="muted hint">Each variant is a column of the results grid. Compare models, parameters, or prompt versions.</p>
        <button type="button" onClick={() => addColumn({ providerId: ECHO, model: 'echo', params: {} })}>
          Add variant
        </button>
      </div>
      {columnIds.length === 0 ? (
        <p className="empty">No variants. Add one to choose a provider and model; add two or more to compare them side by side.</p>
      ) : (
        <div className="variant-list">
          {columnIds.map((id, position) => (
            <ColumnCard key={id} columnId={id} position={position} count={columnIds.length} />
          ))}
        </div>
      )}
    </div>
  );
}
