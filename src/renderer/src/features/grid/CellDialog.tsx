import { CellRating, GradingBadge } from '../judge/CellRating';
import { useEffect, useState } from 'react';
import { formatBytes } from '../../../../shared/answer-limit';
import { api } from '../../bridge/current';
import type { Cell, TestCase } from '../../../../shared/schemas';
import { Modal } from '../../components/Modal';
import { useRun } from '../../state/run';
import { CellError, figures, statusWord, useSlotCells } from './GridCell';
import { spreadOf } from './summary';

interface Props {
  caseIndex: number;
  columnIndex: number;
  variant: string;
  testCase: TestCase | undefined;
  onClose(): void;
}

function CopyButton({ text, label }: { text: string; label: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      aria-label={label}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('failed'),
        )
      }
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy' : 'Copy'}
    </button>
  );
}

/**
 * The answer whole: grid pages carry long answers cut to their start (cell.outputChars), so the
 * dialog reads the stored answer once with runs.cell.
 */
function useWholeOutput(cell: Cell | undefined): string {
  const [whole, setWhole] = useState<{ id: string; output: string } | undefined>(undefined);
  const id = cell?.id;
  const partial = cell?.outputChars !== undefined;
  useEffect(() => {
    if (id === undefined || !partial) return;
    let live = true;
    void api()['runs.cell']({ cellId: id })
      .then((full) => {
        if (live) setWhole({ id, output: full.output });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id, partial]);
  if (!cell) return '';
  return whole?.id === cell.id ? whole.output : cell.output;
}

function Repeat({ cell, n, of }: { cell: Cell | undefined; n: number; of: number }): React.JSX.Element {
  const title = of > 1 ? `Repeat ${n} of ${of}` : 'Answer';
  const output = useWholeOutput(cell);
  return (
    <section className="cell-repeat" aria-label={title}>
      <div className="row spread">
        <h3>
          {title} · {statusWord(cell)}
          {cell?.cached ? ' · cached' : ''}
          {cell?.attempts !== undefined && cell.attempts > 1 ? ` · ${cell.attempts} attempts` : ''}
        </h3>
        {cell && <CopyButton text={output} label={of > 1 ? `Copy repeat ${n}` : 'Copy answer'} />}
      </div>
      {cell && <p className="muted result-figures">{figures(cell) || 'No figures yet.'}</p>}
      {cell?.cut && (
        <p className="muted answer-cut" role="note">
          The answer was {formatBytes(cell.cut.answerBytes)}; Parallax kept its first part (Settings → Answers sets how much).
        </p>
      )}
      {cell && output !== '' && <pre className="output cell-output">{output}</pre>}
      {cell && <CellError cell={cell} />}
      {cell?.status === 'done' && (
        <>
          <GradingBadge grading={cell.grading} />
          <CellRating
            cell={cell}
            onChange={(rating) => {
              // The grid shows the new rating at once, without reloading its page.
              const shown = useRun.getState().cells[cell.id];
              if (shown) useRun.setState((state) => ({ cells: { ...state.cells, [cell.id]: { ...shown, rating } } }));
            }}
          />
        </>
      )}
    </section>
  );
}

/** A grid cell read whole: every repeat's full text, what was sent, the variables, the timings. */
export function CellDialog({ caseIndex, columnIndex, variant, testCase, onClose }: Props): React.JSX.Element {
  const cells = useSlotCells(caseIndex, columnIndex) ?? [];
  const first = cells.find((c) => c !== undefined);
  const spread = spreadOf(cells);
  return (
    <Modal title={`Row ${caseIndex + 1} · ${variant}`} onClose={onClose}>
      <div className="cell-dialog">
        {spread && <p className="result-spread">{spread}</p>}
        {cells.length === 0 && <p className="muted">This cell is not loaded. Scroll the grid back to it and open it again.</p>}
        {cells.map((cell, i) => (
          <Repeat key={cell?.id ?? i} cell={cell} n={i + 1} of={cells.length} />
        ))}
        {first && (
          <details open>
            <summary>Messages sent</summary>
            <ol className="sent-messages">
              {first.messages.map((m, i) => (
                <li key={i}>
                  <strong>{m.role}</strong>
                  <pre className="output">{m.content}</pre>
                </li>
              ))}
            </ol>
          </details>
        )}
        <details>
          <summary>Variables</summary>
          <pre className="output">{JSON.stringify(first?.variables ?? testCase?.vars ?? {}, null, 2)}</pre>
          {testCase?.expected !== undefined && (
            <>
              <h3>Expected</h3>
              <pre className="output">{testCase.expected}</pre>
            </>
          )}
        </details>
        {first && (
          <p className="muted">
            {first.providerName} · {first.model}
          </p>
        )}
      </div>
    </Modal>
  );
}
