import { useState } from 'react';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import { DiffView } from '../library/DiffView';

/** Two columns' answers in the diff editor. */
export function CompareAnswers(): React.JSX.Element | null {
  const columns = useWorkspace((s) => s.columns);
  const cellByColumn = useRun((s) => s.cellByColumn);
  const cells = useRun((s) => s.cells);
  const [open, setOpen] = useState(false);
  const [left, setLeft] = useState(0);
  const [right, setRight] = useState(1);
  const answers = columns.map((c) => {
    const cellId = cellByColumn[c.id];
    return cellId === undefined ? undefined : cells[cellId]?.output;
  });
  if (answers.filter((a) => a !== undefined).length < 2) return null;
  const choice = (value: number, set: (n: number) => void, label: string): React.JSX.Element => (
    <select aria-label={label} value={value} onChange={(e) => set(Number(e.target.value))}>
      {columns.map((c, i) => (
        <option key={c.id} value={i}>
          Column {i + 1}
        </option>
      ))}
    </select>
  );
  return (
    <div className="compare-answers">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide answer comparison' : 'Compare answers'}
      </button>
      {open && (
        <>
          <div className="row">
            {choice(left, setLeft, 'Left answer')} vs {choice(right, setRight, 'Right answer')}
          </div>
          <DiffView label={`Answer of column ${left + 1} against column ${right + 1}`} original={answers[left] ?? ''} modified={answers[right] ?? ''} />
        </>
      )}
    </div>
  );
}
