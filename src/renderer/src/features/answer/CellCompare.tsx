import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { variantLetter } from '../../../../shared/judging/verdict';
import { slotKey, useRun } from '../../state/run';
import { AnswerDiff } from './AnswerDiff';
import { useWholeAnswerState } from './useWholeAnswer';

interface Choice {
  cellId: string;
  name: string;
}

/** Every answer of one row, named: this variant's repeats first, then the other variants'. */
function useRowChoices(caseIndex: number, columnIndex: number): { own: Choice[]; others: Choice[] } {
  const columns = useRun((s) => s.columns.length);
  const repeats = useRun((s) => s.repeats);
  const ids = useRun(
    useShallow((s) => {
      const out: string[] = [];
      for (let c = 0; c < columns; c++) out.push((s.slots[slotKey(caseIndex, c)] ?? []).join(','));
      return out;
    }),
  );
  const own: Choice[] = [];
  const others: Choice[] = [];
  ids.forEach((joined, c) => {
    const cells = joined === '' ? [] : joined.split(',');
    cells.forEach((cellId, r) => {
      const repeat = repeats > 1 ? `repeat ${r + 1}` : '';
      if (c === columnIndex) own.push({ cellId, name: repeats > 1 ? `Repeat ${r + 1}` : `Variant ${variantLetter(c)}` });
      else others.push({ cellId, name: `Variant ${variantLetter(c)}${repeat ? `, ${repeat}` : ''}` });
    });
  });
  return { own, others };
}

function Diff({ before, after }: { before: Choice; after: Choice }): React.JSX.Element {
  const a = useRun((s) => s.cells[before.cellId]);
  const b = useRun((s) => s.cells[after.cellId]);
  const beforeText = useWholeAnswerState(a);
  const afterText = useWholeAnswerState(b);
  if (!a || !b) return <p className="muted">That answer is not loaded. Scroll the grid back to its row and open it again.</p>;
  // A diff of the first 16,384 characters would be thrown away a moment later, after costing its time budget.
  if (!beforeText.whole || !afterText.whole) return <p className="muted">Reading the whole answers…</p>;
  return <AnswerDiff before={beforeText.text} after={afterText.text} beforeName={before.name} afterName={after.name} />;
}

/**
 * "Compare with…" in the cell dialog: a word diff of this cell's answer (or one of its repeats)
 * against another repeat or another variant's answer to the same row.
 */
export function CellCompare({ caseIndex, columnIndex }: { caseIndex: number; columnIndex: number }): React.JSX.Element | null {
  const { own, others } = useRowChoices(caseIndex, columnIndex);
  const [baseId, setBaseId] = useState<string | undefined>();
  const [otherId, setOtherId] = useState('');
  const base = own.find((c) => c.cellId === baseId) ?? own[0];
  if (!base) return null;
  const choices = [...own.filter((c) => c.cellId !== base.cellId), ...others];
  if (choices.length === 0) return null;
  const other = choices.find((c) => c.cellId === otherId);
  return (
    <section className="answer-compare" aria-label="Compare">
      <div className="answer-compare-pick">
        {own.length > 1 && (
          <label>
            Compare{' '}
            <select value={base.cellId} onChange={(e) => setBaseId(e.target.value)}>
              {own.map((c) => (
                <option key={c.cellId} value={c.cellId}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Compare with…{' '}
          <select value={other ? other.cellId : ''} onChange={(e) => setOtherId(e.target.value)}>
            <option value="">Choose an answer</option>
            {choices.map((c) => (
              <option key={c.cellId} value={c.cellId}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {other && <Diff before={base} after={other} />}
    </section>
  );
}
