import { variantLetter } from '../../../../shared/judging/verdict';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { imageLabel, isImageValue } from '../../../../shared/images';
import type { Column, TestCase } from '../../../../shared/schemas';
import { useProviders } from '../../state/providers';
import { caseAtRow, displayRowOf, useRun } from '../../state/run';
import { useBias } from '../../state/bias';
import { readProbe } from '../../../../shared/bias/substitute';
import { moveByKey, stepReading, type GridPos, type GridSize } from '../../state/grid-navigation';
import { useRowView, watchRowView } from '../../state/row-view';
import { useWorkspace } from '../../state/workspace';
import { useVersionName } from '../columns/versionName';
import { RegradeBanner } from '../checks/RegradeBanner';
import { CellDialog } from './CellDialog';
import { cellId, GridCell } from './GridCell';
import { RowImages } from '../images/RowImages';
import { RowViewBar } from './RowViewBar';
import { RunProgress } from './RunProgress';
import { BatchStatus } from './BatchStatus';
import { variantName } from '../../../../shared/variants';
import './grid.css';

const ROW_HEIGHT = 156;
const ROW_HEIGHT_REPEATS = 176;

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function EmptyGrid(): React.JSX.Element {
  const variants = useWorkspace((s) => s.columns.length);
  const rows = useWorkspace((s) => s.testCases.length);
  const repeats = useWorkspace((s) => s.repeats);
  return (
    <p className="empty">
      Press Run (Ctrl/Cmd+Enter) to run {plural(variants, 'variant')} × {plural(rows, 'row')} × {plural(repeats, 'repeat')}. Each answer streams into
      its cell here.
    </p>
  );
}

function VariantHeader({ column, index }: { column: Column; index: number }): React.JSX.Element {
  const provider = useProviders((s) => s.providers.find((p) => p.id === column.providerId));
  const version = useVersionName(column.promptVersionId);
  const title = variantName(column, index, provider?.name);
  return (
    <div role="columnheader" className="results-colhead" title={title}>
      <span className="muted">Variant {variantLetter(index)}</span>
      <strong className="results-coltitle">{title}</strong>
      <span className="muted results-colprompt">{column.promptVersionId ? (version ?? 'library version') : 'draft in the editor'}</span>
    </div>
  );
}

function caseSummary(testCase: TestCase | undefined): string {
  if (!testCase) return '';
  const parts = Object.entries(testCase.vars).map(([name, value]) => `${name}: ${typeof value === 'string' ? value : isImageValue(value) ? imageLabel(value) : JSON.stringify(value)}`);
  return testCase.description ?? parts.join(' · ');
}

const GridRow = memo(function GridRow({
  caseIndex,
  displayRow,
  testCase,
  columns,
  repeats,
  top,
  height,
  onExpand,
}: {
  caseIndex: number;
  /** Where the row is shown (rows may be sorted and filtered). */
  displayRow: number;
  testCase: TestCase | undefined;
  columns: number;
  repeats: number;
  top: number;
  height: number;
  onExpand(caseIndex: number, columnIndex: number): void;
}): React.JSX.Element {
  return (
    <div role="row" aria-rowindex={displayRow + 2} className="results-row" style={{ transform: `translateY(${top}px)`, height }}>
      <div role="rowheader" aria-colindex={1} className="results-rowhead" title={caseSummary(testCase)}>
        <strong>#{caseIndex + 1}</strong>
        <span className="results-vars">{caseSummary(testCase)}</span>
        <RowImages vars={testCase?.vars} />
        {testCase?.expected !== undefined && <span className="muted results-expected">expected: {testCase.expected}</span>}
      </div>
      {Array.from({ length: columns }, (_, c) => (
        <GridCell key={c} caseIndex={caseIndex} columnIndex={c} repeats={repeats} onExpand={onExpand} />
      ))}
    </div>
  );
});

function GridActions(): React.JSX.Element {
  const selected = useRun((s) => Object.keys(s.selection).length);
  const failed = useRun((s) => s.progress.error + s.progress.cancelled);
  const running = useRun((s) => s.running);
  const actionError = useRun((s) => s.actionError);
  const { selectFailed, clearSelection, rerunSelected, rerunFailed } = useRun.getState();
  // A run a bias probe made (its rows say so) offers its report again.
  const runId = useRun((s) => s.runId);
  const probe = useRun((s) => readProbe(s.testCases) !== undefined);
  return (
    <div className="results-actions">
      <div role="toolbar" aria-label="Cells" className="row">
        <button type="button" onClick={selectFailed} disabled={failed === 0}>
          Select failed
        </button>
        <button type="button" onClick={clearSelection} disabled={selected === 0}>
          Clear selection
        </button>
        <button type="button" onClick={() => void rerunSelected()} disabled={selected === 0 || running}>
          Re-run selected{selected > 0 ? ` (${selected})` : ''}
        </button>
        <button type="button" onClick={() => void rerunFailed()} disabled={failed === 0 || running}>
          Re-run failed{failed > 0 ? ` (${failed})` : ''}
        </button>
        {probe && runId && (
          <button type="button" onClick={() => void useBias.getState().openReport(runId)} disabled={running}>
            Bias report
          </button>
        )}
      </div>
      {actionError && (
        <p className="error-text" role="alert">
          {actionError}
        </p>
      )}
    </div>
  );
}

function InterruptedBanner(): React.JSX.Element | null {
  const status = useRun((s) => s.status);
  const progress = useRun((s) => s.progress);
  const resume = useRun((s) => s.resume);
  if (status !== 'interrupted') return null;
  return (
    <div className="interrupted" role="note" aria-label="Interrupted run">
      <span>
        This run was interrupted (the process running it stopped). {progress.done.toLocaleString('en-US')} of {progress.total.toLocaleString('en-US')} cells
        finished.
      </span>
      <button type="button" className="primary" onClick={() => void resume()}>
        Resume
      </button>
    </div>
  );
}

/** No row passes the filter: say so, with the way back. */
function NoRows(): React.JSX.Element {
  const clear = useRowView((s) => s.clear);
  return (
    <div className="results-none" role="note">
      <p>No rows match.</p>
      <button type="button" onClick={clear}>
        Clear filters
      </button>
    </div>
  );
}

/**
 * Everything above the rows. Its own memoised component: the grid re-renders on every scrolled
 * frame (the virtualiser), and these read the store themselves, so scrolling never redraws them.
 */
const GridHead = memo(function GridHead(): React.JSX.Element {
  return (
    <>
      <div className="results-head">
        <RunProgress label="Run progress" />
        <GridActions />
        <RowViewBar />
      </div>
      <InterruptedBanner />
      <BatchStatus />
      <RegradeBanner />
    </>
  );
});

/**
 * The run matrix: a row per test case (sorted and filtered by main's order), a column per
 * variant, virtualised by rows. The grid is one tab stop: arrows move its active cell
 * (aria-activedescendant), Enter opens it, Space selects it, shift+arrows select a rectangle.
 */
export function ResultsGrid(): React.JSX.Element {
  const runId = useRun((s) => s.runId);
  const columns = useRun((s) => s.columns);
  const testCases = useRun((s) => s.testCases);
  const repeats = useRun((s) => s.repeats);
  const order = useRun((s) => s.order);
  const active = useRun((s) => s.active);
  const showRows = useRun((s) => s.showRows);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const providers = useProviders((s) => s.providers);
  const rowHeight = repeats > 1 ? ROW_HEIGHT_REPEATS : ROW_HEIGHT;
  const rows = runId ? (order ? order.length : testCases.length) : 0;

  useEffect(() => watchRowView(), []);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 6,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (runId) showRows(first, last);
  }, [runId, first, last, order, showRows]);

  // A new run starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setDialogOpen(false);
  }, [runId]);

  const activeRow = active ? displayRowOf(active.caseIndex) : undefined;
  const size: GridSize = {
    rows,
    cols: columns.length,
    page: Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 4) / rowHeight) - 1),
  };

  /** Brings a cell into view, below the sticky header and right of the sticky test-case column. */
  const reveal = useCallback(
    (row: number, caseIndex: number, columnIndex: number) => {
      virtualizer.scrollToIndex(row, { align: 'auto' });
      requestAnimationFrame(() => document.getElementById(cellId(caseIndex, columnIndex))?.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
    },
    [virtualizer],
  );

  const goTo = (pos: GridPos, extend: boolean): void => {
    const caseIndex = caseAtRow(pos.row);
    if (caseIndex === undefined) return;
    const state = useRun.getState();
    if (extend) state.extendSelection(caseIndex, pos.col);
    else state.setActive(caseIndex, pos.col);
    reveal(pos.row, caseIndex, pos.col);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>): void => {
    if (event.altKey || rows === 0 || columns.length === 0) return;
    // Keys typed into a popover (the checks list) are its own.
    if (event.target instanceof HTMLElement && event.target.closest('[popover]')) return;
    const onGrid = event.target === event.currentTarget;
    const from: GridPos = activeRow !== undefined && active ? { row: activeRow, col: Math.min(active.columnIndex, columns.length - 1) } : { row: Math.min(first, rows - 1), col: 0 };
    const moved = moveByKey(from, event.key, { ctrl: event.ctrlKey || event.metaKey }, size);
    if (moved) {
      event.preventDefault();
      // An arrow pressed on a control clicked inside a cell goes back to the grid's one tab stop.
      if (!onGrid) scrollRef.current?.focus({ preventScroll: true });
      goTo(moved, event.shiftKey && event.key.startsWith('Arrow'));
      return;
    }
    // Ctrl/Cmd+Enter runs the draft (App's shortcut), whatever has focus.
    if (!onGrid || event.ctrlKey || event.metaKey) return;
    const caseIndex = caseAtRow(from.row);
    if (caseIndex === undefined) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      useRun.getState().setActive(caseIndex, from.col);
      setDialogOpen(true);
    } else if (event.key === ' ') {
      event.preventDefault();
      useRun.getState().toggleSelected(caseIndex, from.col, event.shiftKey);
    }
  };

  const onExpand = useCallback((caseIndex: number, columnIndex: number) => {
    useRun.getState().setActive(caseIndex, columnIndex);
    setDialogOpen(true);
  }, []);

  const step = (delta: 1 | -1): void => {
    if (!active || activeRow === undefined) return;
    const next = stepReading({ row: activeRow, col: active.columnIndex }, delta, size);
    if (next) goTo(next, false);
  };

  const template = useMemo(() => `minmax(150px, 200px) repeat(${columns.length}, minmax(260px, 1fr))`, [columns.length]);

  if (!runId) return <EmptyGrid />;

  const open = dialogOpen && active ? active : undefined;
  const openColumn = open ? columns[open.columnIndex] : undefined;
  const rendered = activeRow !== undefined && items.some((item) => item.index === activeRow);
  const openRow = open ? displayRowOf(open.caseIndex) : undefined;
  return (
    <section className="results" aria-label="Results">
      <GridHead />
      {order && order.length === 0 && <NoRows />}
      <div
        className="results-scroll"
        ref={scrollRef}
        role="grid"
        aria-label="Results grid"
        aria-rowcount={rows + 1}
        aria-colcount={columns.length + 1}
        aria-multiselectable="true"
        aria-activedescendant={rendered && active ? cellId(active.caseIndex, active.columnIndex) : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onFocus={(event) => {
          // The first focus lands on the first cell on screen.
          if (event.target === event.currentTarget && !useRun.getState().active) {
            const caseIndex = caseAtRow(first);
            if (caseIndex !== undefined) useRun.getState().setActive(caseIndex, 0);
          }
        }}
      >
        <div className="results-table" style={{ ['--results-columns' as string]: template, minWidth: 200 + columns.length * 260 }}>
          <div role="rowgroup" className="results-header">
            <div role="row" aria-rowindex={1} className="results-row header">
              <div role="columnheader" aria-colindex={1} className="results-rowhead">
                Test case
              </div>
              {columns.map((column, i) => (
                <VariantHeader key={column.id} column={column} index={i} />
              ))}
            </div>
          </div>
          <div role="rowgroup" className="results-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const caseIndex = order ? (order[item.index] ?? 0) : item.index;
              return (
                <GridRow
                  key={item.key}
                  caseIndex={caseIndex}
                  displayRow={item.index}
                  testCase={testCases[caseIndex]}
                  columns={columns.length}
                  repeats={repeats}
                  top={item.start}
                  height={item.size}
                  onExpand={onExpand}
                />
              );
            })}
          </div>
        </div>
      </div>
      {open && (
        <CellDialog
          caseIndex={open.caseIndex}
          columnIndex={open.columnIndex}
          variant={openColumn ? `Variant ${variantLetter(open.columnIndex)}: ${variantName(openColumn, open.columnIndex, providers.find((p) => p.id === openColumn.providerId)?.name)}` : `Variant ${variantLetter(open.columnIndex)}`}
          testCase={testCases[open.caseIndex]}
          position={openRow !== undefined ? { index: openRow * columns.length + open.columnIndex, of: rows * columns.length } : undefined}
          onStep={step}
          onClose={() => {
            setDialogOpen(false);
            // Back to the cell it was opened from (the grid keeps the one tab stop).
            requestAnimationFrame(() => scrollRef.current?.focus({ preventScroll: true }));
          }}
        />
      )}
    </section>
  );
}
