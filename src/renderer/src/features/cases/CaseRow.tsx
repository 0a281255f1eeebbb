import { memo } from 'react';
import { useBias } from '../../state/bias';
import { useWorkspace } from '../../state/workspace';
import { ExpectedCell, VariableCell } from './CellEditor';

interface Props {
  row: number;
  count: number;
  columns: readonly string[];
  showExpected: boolean;
  /** Where the virtualiser puts the row. */
  start: number;
  measure(element: HTMLElement | null): void;
}

/** One test case: pick it for the preview, its values, and its row actions. */
export const CaseRow = memo(function CaseRow({ row, count, columns, showExpected, start, measure }: Props): React.JSX.Element {
  const selected = useWorkspace((s) => s.selectedCase === row);
  const description = useWorkspace((s) => s.testCases[row]?.description);
  const { selectCase, duplicateCase, removeCases, moveCase } = useWorkspace.getState();
  const n = row + 1;
  return (
    <div
      role="row"
      aria-rowindex={row + 2}
      aria-selected={selected}
      data-index={row}
      ref={measure}
      className={selected ? 'case-row selected' : 'case-row'}
      style={{ transform: `translateY(${start}px)` }}
    >
      <div role="gridcell" className="case-pick">
        <input
          type="radio"
          name="preview-case"
          aria-label={`Use row ${n} for preview`}
          title={description ? `Row ${n}: ${description}` : `Use row ${n} for preview`}
          checked={selected}
          data-row={row}
          data-col={-1}
          onChange={() => selectCase(row)}
        />
        <span className="case-number" aria-hidden="true">
          {n}
        </span>
      </div>
      {columns.map((name, col) => (
        <VariableCell key={name} row={row} col={col} name={name} />
      ))}
      {showExpected && <ExpectedCell row={row} col={columns.length} />}
      <div role="gridcell" className="case-actions">
        <button type="button" className="ghost" aria-label={`Move row ${n} up`} title="Move up (Alt+↑)" disabled={row === 0} onClick={() => moveCase(row, row - 1)}>
          ↑
        </button>
        <button type="button" className="ghost" aria-label={`Move row ${n} down`} title="Move down (Alt+↓)" disabled={row === count - 1} onClick={() => moveCase(row, row + 1)}>
          ↓
        </button>
        <button type="button" className="ghost" aria-label={`Duplicate row ${n}`} title="Duplicate (Ctrl/Cmd+D)" onClick={() => duplicateCase(row)}>
          ❐
        </button>
        <button type="button" className="ghost" aria-label={`Bias probe of row ${n}…`} title="Bias probe: copies of this row that change only a name, pronoun, gender, age or origin" onClick={() => useBias.getState().openFor(row)}>
          ⚖
        </button>
        <button type="button" className="ghost" aria-label={`Delete row ${n}`} title="Delete (Delete on the row)" onClick={() => removeCases([row])}>
          ✕
        </button>
      </div>
    </div>
  );
});
