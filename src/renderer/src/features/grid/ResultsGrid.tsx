import { variantLetter } from '../../../../shared/judging/verdict';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Column, TestCase } from '../../../../shared/schemas';
import { useProviders } from '../../state/providers';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import { useVersionName } from '../columns/versionName';
import { RegradeBanner } from '../checks/RegradeBanner';
import { CellDialog } from './CellDialog';
import { GridCell } from './GridCell';
import { RunProgress } from './RunProgress';
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
  const parts = Object.entries(testCase.vars).map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return testCase.description ?? parts.join(' · ');
}

const GridRow = memo(function GridRow({
  caseIndex,
  testCase,
  columns,
  repeats,
  top,
  height,
  onExpand,
}: {
  caseIndex: number;
  testCase: TestCase | undefined;
  columns: number;
  repeats: number;
  top: number;
  height: number;
  onExpand(caseIndex: number, columnIndex: number): void;
}): React.JSX.Element {
  return (
    <div role="row" aria-rowindex={caseIndex + 2} className="results-row" style={{ transform: `translateY(${top}px)`, height }}>
      <div role="rowheader" className="results-rowhead" title={caseSummary(testCase)}>
        <strong>#{caseIndex + 1}</strong>
        <span className="results-vars">{caseSummary(testCase)}</span>
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

/** The run matrix: a row per test case, a column per variant, virtualised by rows. */
export function ResultsGrid(): React.JSX.Element {
  const runId = useRun((s) => s.runId);
  const columns = useRun((s) => s.columns);
  const testCases = useRun((s) => s.testCases);
  const repeats = useRun((s) => s.repeats);
  const showRows = useRun((s) => s.showRows);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<{ caseIndex: number; columnIndex: number } | undefined>();
  const providers = useProviders((s) => s.providers);
  const rowHeight = repeats > 1 ? ROW_HEIGHT_REPEATS : ROW_HEIGHT;

  const virtualizer = useVirtualizer({
    count: runId ? testCases.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 6,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (runId) showRows(first, last);
  }, [runId, first, last, showRows]);

  // A new run starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setExpanded(undefined);
  }, [runId]);

  const onExpand = useCallback((caseIndex: number, columnIndex: number) => setExpanded({ caseIndex, columnIndex }), []);
  const template = useMemo(() => `minmax(150px, 200px) repeat(${columns.length}, minmax(260px, 1fr))`, [columns.length]);

  if (!runId) return <EmptyGrid />;

  const expandedColumn = expanded ? columns[expanded.columnIndex] : undefined;
  return (
    <section className="results" aria-label="Results">
      <div className="results-head">
        <RunProgress label="Run progress" />
        <GridActions />
      </div>
      <InterruptedBanner />
      <RegradeBanner />
      <div className="results-scroll" ref={scrollRef} tabIndex={-1}>
        <div
          role="table"
          aria-label="Results grid"
          aria-rowcount={testCases.length + 1}
          aria-colcount={columns.length + 1}
          className="results-table"
          style={{ ['--results-columns' as string]: template, minWidth: 200 + columns.length * 260 }}
        >
          <div role="rowgroup" className="results-header">
            <div role="row" aria-rowindex={1} className="results-row header">
              <div role="columnheader" className="results-rowhead">
                Test case
              </div>
              {columns.map((column, i) => (
                <VariantHeader key={column.id} column={column} index={i} />
              ))}
            </div>
          </div>
          <div role="rowgroup" className="results-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => (
              <GridRow
                key={item.key}
                caseIndex={item.index}
                testCase={testCases[item.index]}
                columns={columns.length}
                repeats={repeats}
                top={item.start}
                height={item.size}
                onExpand={onExpand}
              />
            ))}
          </div>
        </div>
      </div>
      {expanded && (
        <CellDialog
          caseIndex={expanded.caseIndex}
          columnIndex={expanded.columnIndex}
          variant={expandedColumn ? `Variant ${variantLetter(expanded.columnIndex)}: ${variantName(expandedColumn, expanded.columnIndex, providers.find((p) => p.id === expandedColumn.providerId)?.name)}` : `Variant ${variantLetter(expanded.columnIndex)}`}
          testCase={testCases[expanded.caseIndex]}
          onClose={() => setExpanded(undefined)}
        />
      )}
    </section>
  );
}
