import { ECHO_PROVIDER_ID as ECHO } from '../../../../shared/providers';
import { useWorkspace } from '../../state/workspace';
import { ColumnCard } from './ColumnCard';
import { CompareAnswers } from './CompareAnswers';

export function ColumnsGrid(): React.JSX.Element {
  const ids = useWorkspace((s) => s.columns.map((c) => c.id).join(','));
  const addColumn = useWorkspace((s) => s.addColumn);
  const columnIds = ids === '' ? [] : ids.split(',');
  return (
    <section className="panel columns" aria-labelledby="columns-heading">
      <div className="row spread">
        <h2 id="columns-heading">Columns</h2>
        <button type="button" onClick={() => addColumn({ providerId: ECHO, model: 'echo', params: {} })}>
          Add column
        </button>
      </div>
      {columnIds.length === 0 ? (
        <p className="empty">No columns. Add one to choose a provider and model; add two or more to compare them side by side.</p>
      ) : (
        <div className="grid" style={{ gridTemplateColumns: `repeat(${columnIds.length}, minmax(280px, 1fr))` }}>
          {columnIds.map((id, position) => (
            <ColumnCard key={id} columnId={id} position={position} count={columnIds.length} />
          ))}
        </div>
      )}
      <CompareAnswers />
    </section>
  );
}
