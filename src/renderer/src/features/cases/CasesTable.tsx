/**
 * The test-case table: a row per test case, a column per template variable (plus any other
 * value a row holds, plus "expected"). Rows are virtualised, so 10,000 of them scroll as
 * smoothly as ten, and each cell subscribes to its own value, so typing re-renders one cell.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { casesToCsv, casesToJsonl } from '../../../../shared/cases/export';
import { messageOf } from '../../state/errors';
import { useUi } from '../../state/ui';
import { useTemplateVariables, useWorkspace } from '../../state/workspace';
import { deliverFile } from '../files/deliver';
import { CaseRow } from './CaseRow';
import { ImportCasesDialog } from './ImportCasesDialog';
import './cases.css';

const ROW_ESTIMATE = 38;

/** The template's variables first, then any other column a row holds. */
function useCaseColumns(variables: readonly string[]): string[] {
  const held = useWorkspace((s) => s.caseVarNames);
  return useMemo(() => [...variables, ...held.filter((name) => !variables.includes(name))], [variables, held]);
}

function isTextField(target: EventTarget): boolean {
  return target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === 'text');
}

function rowCount(n: number): string {
  return `${n.toLocaleString('en')} ${n === 1 ? 'row' : 'rows'}`;
}

export function CasesTable(): React.JSX.Element {
  const testCases = useWorkspace((s) => s.testCases);
  const removed = useWorkspace((s) => s.removed);
  const count = testCases.length;
  const variables = useTemplateVariables();
  const columns = useCaseColumns(variables);
  const anyExpected = useMemo(() => testCases.some((c) => c.expected !== undefined), [testCases]);
  const [expectedChoice, setExpectedChoice] = useState<boolean | undefined>();
  const showExpected = expectedChoice ?? anyExpected;
  const [importing, setImporting] = useState(false);
  const [exportError, setExportError] = useState<string | undefined>();
  const notify = useUi((s) => s.notify);
  const scrollRef = useRef<HTMLDivElement>(null);

  const getItemKey = useCallback((index: number) => testCases[index]?.id ?? index, [testCases]);
  // The virtualiser is a mutable object by design; this component re-renders with it, nothing memoises it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 6,
    getItemKey,
  });

  const editable = columns.length + (showExpected ? 1 : 0);
  const template = `64px repeat(${columns.length}, minmax(180px, 1fr))${showExpected ? ' minmax(200px, 1fr)' : ''} 160px`;
  const minWidth = 64 + columns.length * 180 + (showExpected ? 200 : 0) + 160;

  /** Focuses a cell (col -1 is the row's preview radio), scrolling it into view first if it is not rendered. */
  const focusCell = useCallback(
    (row: number, col: number): void => {
      const rows = useWorkspace.getState().testCases.length;
      if (row < 0 || row >= rows) return;
      virtualizer.scrollToIndex(row, { align: 'auto' });
      let tries = 0;
      const attempt = (): void => {
        const element = scrollRef.current?.querySelector<HTMLElement>(`[data-row="${row}"][data-col="${col}"]`);
        if (element) element.focus();
        else if ((tries += 1) < 20) requestAnimationFrame(attempt);
      };
      requestAnimationFrame(attempt);
    },
    [virtualizer],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const target = event.target as HTMLElement;
    const rowElement = target.closest<HTMLElement>('[role="row"][data-index]');
    if (!rowElement) return;
    const row = Number(rowElement.dataset.index);
    const col = target.dataset.col !== undefined ? Number(target.dataset.col) : -1;
    const mod = event.ctrlKey || event.metaKey;
    const state = useWorkspace.getState();
    if (mod && event.key.toLowerCase() === 'd') {
      event.preventDefault();
      state.duplicateCase(row);
      focusCell(row + 1, col);
    } else if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      const to = event.key === 'ArrowUp' ? row - 1 : row + 1;
      if (to < 0 || to >= state.testCases.length) return;
      state.moveCase(row, to);
      focusCell(to, col);
    } else if (mod && event.key.toLowerCase() === 'z' && !event.shiftKey && !isTextField(target)) {
      if (!state.removed) return;
      event.preventDefault();
      const back = state.removed.entries[0]?.index ?? row;
      state.undoRemoveCases();
      focusCell(back, -1);
    } else if ((event.key === 'Delete' || (event.key === 'Backspace' && mod)) && !isTextField(target)) {
      event.preventDefault();
      state.removeCases([row]);
      focusCell(Math.min(row, useWorkspace.getState().testCases.length - 1), -1);
    } else if (target instanceof HTMLTextAreaElement && !event.altKey && !mod) {
      moveFromText(event, target, row, col);
    } else if (target instanceof HTMLInputElement && target.type === 'radio' && !mod) {
      // The preview radio: arrows walk the grid instead of changing the preview row.
      if (event.key === 'ArrowUp' || event.key === 'ArrowDown' || event.key === 'ArrowRight' || event.key === 'ArrowLeft') event.preventDefault();
      if (event.key === 'ArrowUp') focusCell(row - 1, -1);
      else if (event.key === 'ArrowDown') focusCell(row + 1, -1);
      else if (event.key === 'ArrowRight' && editable > 0) focusCell(row, 0);
    }
  };

  /** Arrows leave a text cell only at its edge; Enter moves down (Shift+Enter is a new line). */
  const moveFromText = (event: KeyboardEvent<HTMLDivElement>, field: HTMLTextAreaElement, row: number, col: number): void => {
    const { selectionStart, selectionEnd, value } = field;
    const collapsed = selectionStart === selectionEnd;
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      focusCell(row + 1, col);
    } else if (event.key === 'ArrowUp' && collapsed && !value.slice(0, selectionStart).includes('\n')) {
      event.preventDefault();
      focusCell(row - 1, col);
    } else if (event.key === 'ArrowDown' && collapsed && !value.slice(selectionEnd).includes('\n')) {
      event.preventDefault();
      focusCell(row + 1, col);
    } else if (event.key === 'ArrowLeft' && collapsed && selectionStart === 0) {
      event.preventDefault();
      focusCell(row, col - 1);
    } else if (event.key === 'ArrowRight' && collapsed && selectionEnd === value.length && col + 1 < editable) {
      event.preventDefault();
      focusCell(row, col + 1);
    }
  };

  const exportAs = (kind: 'csv' | 'jsonl'): void => {
    setExportError(undefined);
    const cases = useWorkspace.getState().testCases;
    const file =
      kind === 'csv'
        ? { fileName: 'test-cases.csv', text: casesToCsv(cases, variables), mimeType: 'text/csv' }
        : { fileName: 'test-cases.jsonl', text: casesToJsonl(cases), mimeType: 'application/jsonl' };
    deliverFile(file).then(
      (sentence) => sentence && notify(sentence),
      (error: unknown) => setExportError(`Export failed: ${messageOf(error)}`),
    );
  };

  const addRow = (): void => {
    useWorkspace.getState().addCase();
    focusCell(useWorkspace.getState().testCases.length - 1, editable > 0 ? 0 : -1);
  };

  const items = virtualizer.getVirtualItems();
  const gridStyle = { '--case-columns': template, minWidth: `${minWidth}px` } as CSSProperties;

  return (
    <section className="cases" aria-labelledby="cases-heading">
      <div className="cases-toolbar">
        <h2 id="cases-heading">Test cases</h2>
        <span className="muted" aria-live="polite">
          {rowCount(count)}
        </span>
        <div className="spacer" />
        <label className="cases-toggle">
          <input type="checkbox" checked={showExpected} onChange={(event) => setExpectedChoice(event.target.checked)} />
          Expected column
        </label>
        <button type="button" onClick={addRow}>
          Add row
        </button>
        <button type="button" aria-label="Import test cases" onClick={() => setImporting(true)}>
          Import…
        </button>
        <button type="button" onClick={() => exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => exportAs('jsonl')}>
          Export JSONL
        </button>
        <button
          type="button"
          disabled={count <= 1}
          title="Removes every row; Undo brings them back"
          onClick={() => useWorkspace.getState().removeCases(Array.from({ length: count }, (_, i) => i))}
        >
          Delete all rows
        </button>
      </div>
      {exportError && (
        <p className="error-text" role="alert">
          {exportError}
        </p>
      )}
      {removed && (
        <p className="cases-notice" role="status">
          Removed {rowCount(removed.entries.length)}.{' '}
          <button type="button" className="link" onClick={() => useWorkspace.getState().undoRemoveCases()} aria-keyshortcuts="Control+Z Meta+Z">
            Undo
          </button>
        </p>
      )}
      {columns.length === 0 && (
        <p className="empty">
          No variables yet. Type {'{{name}}'} in a message and a column for it appears here, or import a CSV, JSONL or JSON file of test cases.
        </p>
      )}
      <div
        ref={scrollRef}
        className="cases-scroll"
        role="grid"
        aria-label="Test cases"
        aria-rowcount={count + 1}
        aria-colcount={editable + 2}
        onKeyDown={onKeyDown}
      >
        <div className="cases-inner" style={gridStyle}>
          <div role="rowgroup" className="cases-head">
            <div role="row" aria-rowindex={1} className="case-row head">
              <div role="columnheader" className="case-pick">
                Preview
              </div>
              {columns.map((name) => (
                <div role="columnheader" key={name} className="case-col-name" title={variables.includes(name) ? name : `${name} (not used by the template)`}>
                  {name}
                  {!variables.includes(name) && <span className="muted"> · unused</span>}
                </div>
              ))}
              {showExpected && (
                <div role="columnheader" className="case-col-name expected">
                  expected
                </div>
              )}
              <div role="columnheader" className="case-actions">
                <span className="visually-hidden">Row actions</span>
              </div>
            </div>
          </div>
          <div role="rowgroup" className="cases-body" style={{ height: `${virtualizer.getTotalSize()}px` }}>
            {items.map((item) => (
              <CaseRow
                key={item.key}
                row={item.index}
                count={count}
                columns={columns}
                showExpected={showExpected}
                start={item.start}
                measure={virtualizer.measureElement}
              />
            ))}
          </div>
        </div>
      </div>
      <p className="hint muted">
        Enter moves down (Shift+Enter for a new line) · Alt+↑/↓ moves a row · Ctrl/Cmd+D duplicates · Delete on a row&apos;s radio removes it, Ctrl/Cmd+Z brings it back
      </p>
      {importing && <ImportCasesDialog variables={variables} onClose={() => setImporting(false)} />}
    </section>
  );
}
