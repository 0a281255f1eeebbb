import { CellRating, GradingBadge } from '../judge/CellRating';
import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../../../shared/answer-limit';
import { piiBadgeText } from './pii-badge';
import type { Cell, TestCase } from '../../../../shared/schemas';
import { Modal } from '../../components/Modal';
import { AnswerView } from '../answer/AnswerView';
import { Thinking } from '../answer/Thinking';
import { ToolCalls } from '../answer/ToolCalls';
import { CellCompare } from '../answer/CellCompare';
import { useWholeAnswer } from '../answer/useWholeAnswer';
import { useCellExtras } from '../answer/useCellExtras';
import { StructuredCheck } from '../answer/StructuredCheck';
import { useRun } from '../../state/run';
import { CellError, figures, statusWord, useSlotCells } from './GridCell';
import { MessageParts } from '../images/MessageParts';
import { RowImages } from '../images/RowImages';
import { spreadOf } from './summary';

interface Props {
  caseIndex: number;
  columnIndex: number;
  variant: string;
  testCase: TestCase | undefined;
  /** Where this cell is among the cells shown, in reading order (rows as sorted and filtered). */
  position?: { index: number; of: number } | undefined;
  /** Opens the next (+1) or previous (-1) cell shown. */
  onStep?(delta: 1 | -1): void;
  onClose(): void;
}

/** Text fields keep their keys (J and K are letters). */
function isTextField(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['radio', 'checkbox', 'button'].includes(target.type);
}

/** Previous and next cell, as shown in the grid: buttons, J/K and Alt+↑/↓ anywhere in the dialog. */
function CellSteps({ position, onStep, scope }: { position: { index: number; of: number }; onStep(delta: 1 | -1): void; scope: React.RefObject<HTMLDivElement | null> }): React.JSX.Element {
  const stepRef = useRef(onStep);
  useEffect(() => {
    stepRef.current = onStep;
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent): void => {
      const dialog = scope.current?.closest('dialog');
      const target = event.target instanceof Node ? event.target : null;
      if (event.defaultPrevented || !dialog || (target !== document.body && !(target && dialog.contains(target))) || isTextField(event.target)) return;
      if (event.ctrlKey || event.metaKey) return;
      const key = event.key.toLowerCase();
      const delta = event.altKey ? (event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0) : key === 'j' ? 1 : key === 'k' ? -1 : 0;
      if (delta === 0) return;
      event.preventDefault();
      stepRef.current(delta);
    };
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, [scope]);
  return (
    <nav className="cell-steps" aria-label="Cells">
      <button type="button" aria-keyshortcuts="K Alt+ArrowUp" title="Previous cell (K or Alt+↑)" disabled={position.index <= 0} onClick={() => onStep(-1)}>
        ← Previous cell
      </button>
      <span className="muted">
        Cell {(position.index + 1).toLocaleString('en-US')} of {position.of.toLocaleString('en-US')}
      </span>
      <button type="button" aria-keyshortcuts="J Alt+ArrowDown" title="Next cell (J or Alt+↓)" disabled={position.index >= position.of - 1} onClick={() => onStep(1)}>
        Next cell →
      </button>
    </nav>
  );
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

function Repeat({ cell, n, of, shortcuts }: { cell: Cell | undefined; n: number; of: number; shortcuts: boolean }): React.JSX.Element {
  const title = of > 1 ? `Repeat ${n} of ${of}` : 'Answer';
  const output = useWholeAnswer(cell);
  // A page's copy carries long thinking and arguments cut to their start: the dialog shows them whole.
  const whole = useCellExtras(cell?.extrasCut ? cell.id : undefined);
  const reasoning = whole?.reasoning ?? cell?.reasoning;
  const toolCalls = whole?.toolCalls ?? cell?.toolCalls;
  return (
    <section className="cell-repeat" aria-label={title}>
      <div className="row spread">
        <h3>
          {title} · {statusWord(cell)}
          {cell?.cached ? ' · cached' : ''}
          {piiBadgeText(cell) !== undefined ? ` · ${piiBadgeText(cell) ?? ''}` : ''}
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
      {cell && reasoning && <Thinking key={cell.id} text={reasoning} tokens={cell.usage.reasoningTokens} />}
      {cell && output !== '' && <AnswerView text={output} label={title} />}
      {cell?.status === 'done' && <StructuredCheck format={cell.params.responseFormat} output={output} />}
      {cell && toolCalls && toolCalls.length > 0 && <ToolCalls calls={toolCalls} tools={cell.params.tools} />}
      {cell && <CellError cell={cell} />}
      {cell?.status === 'done' && (
        <>
          <GradingBadge grading={cell.grading} />
          <CellRating
            cell={cell}
            shortcuts={shortcuts}
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
export function CellDialog({ caseIndex, columnIndex, variant, testCase, position, onStep, onClose }: Props): React.JSX.Element {
  const cells = useSlotCells(caseIndex, columnIndex) ?? [];
  const first = cells.find((c) => c !== undefined);
  const spread = spreadOf(cells);
  // The rating keys (1–5, U, D) go to the first answered repeat.
  const rated = cells.findIndex((c) => c?.status === 'done');
  const body = useRef<HTMLDivElement>(null);
  // Moving to another cell replaces what had focus: keep it in the dialog.
  useEffect(() => {
    const dialog = body.current?.closest('dialog');
    if (dialog && !dialog.contains(document.activeElement)) body.current?.focus({ preventScroll: true });
    body.current?.scrollTo({ top: 0 });
  }, [caseIndex, columnIndex]);
  return (
    <Modal title={`Row ${caseIndex + 1} · ${variant}`} onClose={onClose}>
      {position && onStep && <CellSteps position={position} onStep={onStep} scope={body} />}
      <div className="cell-dialog" ref={body} tabIndex={-1}>
        {spread && <p className="result-spread">{spread}</p>}
        {cells.length === 0 && <p className="muted">This cell is not loaded. Scroll the grid back to it and open it again.</p>}
        {cells.map((cell, i) => (
          <Repeat key={cell?.id ?? i} cell={cell} n={i + 1} of={cells.length} shortcuts={i === rated} />
        ))}
        <CellCompare caseIndex={caseIndex} columnIndex={columnIndex} />
        {first && (
          <details open>
            <summary>Messages sent</summary>
            <ol className="sent-messages">
              {/* A masked request shows as it went out: placeholders (the values are in Variables). */}
              {(first.sentMessages ?? first.messages).map((m, i) => (
                <li key={i}>
                  <strong>{m.role}</strong>
                  {m.parts ? <MessageParts parts={m.parts} textClass="output" /> : <pre className="output">{m.content}</pre>}
                </li>
              ))}
            </ol>
          </details>
        )}
        <details>
          <summary>Variables</summary>
          <RowImages vars={first?.variables ?? testCase?.vars} size={96} />
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
