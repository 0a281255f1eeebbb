import { GradingBadge } from '../judge/CellRating';
import { memo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Cell } from '../../../../shared/schemas';
import { slotKey, useRun } from '../../state/run';
import { formatCost, formatMs } from '../columns/format';
import { tokenWords } from './usage-words';
import { spreadOf } from './summary';
import { formatBytes } from '../../../../shared/answer-limit';
import { piiBadgeText } from './pii-badge';
import { Thinking } from '../answer/Thinking';
import { ToolCallLines } from '../answer/ToolCalls';
import { gridText } from './grid-text';

const NONE: readonly string[] = [];

/** The DOM id of a grid cell, for the grid's aria-activedescendant. */
export function cellId(caseIndex: number, columnIndex: number): string {
  return `results-cell-${caseIndex}-${columnIndex}`;
}

/** The cells of one slot (row × variant), one per repeat; undefined while its page loads. */
export function useSlotCells(caseIndex: number, columnIndex: number): readonly (Cell | undefined)[] | undefined {
  const ids = useRun((s) => s.slots[slotKey(caseIndex, columnIndex)]);
  const cells = useRun(useShallow((s) => (ids ?? NONE).map((id) => s.cells[id])));
  return ids ? cells : undefined;
}

export function statusWord(cell: Cell | undefined, notRun = false): string {
  if (notRun) return 'Not run';
  if (!cell) return 'Loading…';
  switch (cell.status) {
    case 'pending':
      return 'Waiting';
    case 'running':
      return cell.error?.code === 'retrying' ? 'Retrying' : cell.error?.code === 'batch' ? 'In batch' : 'Streaming';
    case 'done':
      return 'Done';
    case 'error':
      return 'Failed';
    case 'cancelled':
      return 'Stopped';
  }
}

/** An error in plain words, as the cell shows it. */
export function CellError({ cell }: { cell: Cell }): React.JSX.Element | null {
  if (!cell.error) return null;
  if (cell.status === 'cancelled') return <p className="muted result-note">Stopped before it finished.</p>;
  if (cell.status === 'running') return <p className="muted result-note">{cell.error.message}</p>;
  return (
    <p className="error-text result-note" role="alert">
      {cell.error.message}
    </p>
  );
}

export function figures(cell: Cell): string {
  const parts: string[] = [];
  if (cell.ttftMs !== undefined) parts.push(`first ${formatMs(cell.ttftMs)}`);
  if (cell.totalMs !== undefined) parts.push(`total ${formatMs(cell.totalMs)}`);
  parts.push(...tokenWords(cell.usage));
  if (cell.status === 'done' && !cell.cached) parts.push(formatCost(cell.costUsd, cell.costEstimated === true));
  // A cut answer: the whole was this big, only its first part is kept (Settings → Answers).
  if (cell.cut) parts.push(`cut (${formatBytes(cell.cut.answerBytes)})`);
  return parts.join(' · ');
}

interface Props {
  caseIndex: number;
  columnIndex: number;
  repeats: number;
  onExpand(caseIndex: number, columnIndex: number): void;
}

/** One result in the grid: the answer (clamped), its status and figures, its repeats. */
export const GridCell = memo(function GridCell({ caseIndex, columnIndex, repeats, onExpand }: Props): React.JSX.Element {
  const cells = useSlotCells(caseIndex, columnIndex);
  const selected = useRun((s) => s.selection[slotKey(caseIndex, columnIndex)] === true);
  const active = useRun((s) => s.active?.caseIndex === caseIndex && s.active.columnIndex === columnIndex);
  const toggle = useRun((s) => s.toggleSelected);
  const [shown, setShown] = useState(0);
  const where = `row ${caseIndex + 1}, variant ${columnIndex + 1}`;
  const cell = cells?.[Math.min(shown, (cells?.length ?? 1) - 1)];
  const spread = cells ? spreadOf(cells) : undefined;
  // The run has no cell here: its config's filters skipped this row for this variant.
  const notRun = cells !== undefined && cells.length === 0;
  const status = cell?.status ?? (notRun ? 'not-run' : 'loading');
  const line = cell ? figures(cell) : undefined;

  return (
    // The grid is one tab stop: its cells' controls are reached by click, or through Enter (the dialog).
    <div
      role="gridcell"
      id={cellId(caseIndex, columnIndex)}
      aria-colindex={columnIndex + 2}
      aria-selected={selected}
      aria-label={`Row ${caseIndex + 1}, variant ${columnIndex + 1}`}
      aria-busy={status === 'running' || status === 'pending'}
      className={`result status-${status}${selected ? ' selected' : ''}${active ? ' active' : ''}`}
      onMouseDown={(event) => {
        if (!event.shiftKey) useRun.getState().setActive(caseIndex, columnIndex);
      }}
      onClick={(event) => {
        // Shift-click selects the rectangle from the anchor; a click on the cell's own surface
        // (not on one of its controls) expands it.
        if (event.shiftKey && !(event.target instanceof HTMLInputElement)) useRun.getState().extendSelection(caseIndex, columnIndex);
        else if (event.target === event.currentTarget) onExpand(caseIndex, columnIndex);
      }}
    >
      <div className="result-top">
        <input
          type="checkbox"
          tabIndex={-1}
          aria-label={`Select ${where}`}
          checked={selected}
          onChange={() => undefined}
          onClick={(event) => toggle(caseIndex, columnIndex, event.shiftKey)}
        />
        <span className="result-status" {...(notRun ? { title: "The run's config does not ask this variant for this row (its tests' prompts or providers filter)." } : {})}>
          {statusWord(cell, notRun)}
        </span>
        {cell?.cached && <span className="badge">cached</span>}
        {piiBadgeText(cell) !== undefined && <span className="badge warn">{piiBadgeText(cell)}</span>}
        {cell?.attempts !== undefined && cell.attempts > 1 && <span className="badge warn">{cell.attempts} attempts</span>}
        <GradingBadge grading={cell?.grading} tabIndex={-1} />
        {cell?.rating?.score !== undefined && <span className="badge">{cell.rating.score}/5</span>}
        {cell?.rating?.thumb && (
          <span className="badge" role="img" aria-label={cell.rating.thumb === 'up' ? 'Thumbs up' : 'Thumbs down'}>
            {cell.rating.thumb === 'up' ? '+1' : '−1'}
          </span>
        )}
        {repeats > 1 && cells && (
          <span className="repeat-tabs" role="group" aria-label={`Repeats of ${where}`}>
            {cells.map((c, i) => (
              <button
                key={c?.id ?? i}
                type="button"
                tabIndex={-1}
                className={`repeat-tab status-${c?.status ?? 'loading'}`}
                aria-pressed={i === shown}
                aria-label={`Repeat ${i + 1} of ${repeats}`}
                onClick={() => setShown(i)}
              >
                {i + 1}/{repeats}
              </button>
            ))}
          </span>
        )}
      </div>
      {/* Thinking comes before the answer, as the model sent it; opened, it takes the answer's room (the row's height is fixed). */}
      {cell?.reasoning && <Thinking key={cell.id} text={cell.reasoning} tokens={cell.usage.reasoningTokens} inGrid maxChars={20_000} />}
      <button
        type="button"
        tabIndex={-1}
        className="result-open"
        aria-label={`Expand ${where}`}
        onClick={(event) => {
          // Shift-click selects (the cell around it does that).
          if (!event.shiftKey) onExpand(caseIndex, columnIndex);
        }}
      >
        <span className="result-text">{cell?.output ? gridText(cell.output) : cell?.status === 'pending' || cell?.toolCalls ? '' : cell?.status === 'running' ? '…' : ''}</span>
        {cell?.toolCalls && cell.toolCalls.length > 0 && <ToolCallLines calls={cell.toolCalls} tools={cell.params.tools} />}
      </button>
      {cell && <CellError cell={cell} />}
      {/* The line is cut to the cell's width: the whole of it (an estimated cost's "(estimated)" too) on hover. */}
      {line !== undefined && (
        <div className="result-figures" title={line}>
          {line}
        </div>
      )}
      {spread && <div className="result-spread">{spread}</div>}
    </div>
  );
});
