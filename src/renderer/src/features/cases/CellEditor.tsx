import { memo, useState } from 'react';
import type { VariableValue } from '../../../../shared/schemas';
import { useWorkspace } from '../../state/workspace';

/** Lines a cell shows before it scrolls; a multi-line value grows the row up to this. */
const MAX_LINES = 8;

function lineCount(text: string): number {
  let lines = 1;
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 10) lines += 1;
  return Math.min(lines, MAX_LINES);
}

/** How a value is edited: text as it is; lists, objects, numbers, true/false and null as JSON text. */
function asEditable(value: VariableValue | undefined): { text: string; json: boolean } {
  if (value === undefined) return { text: '', json: false };
  if (typeof value === 'string') return { text: value, json: false };
  // Short JSON stays on one line; a long list or object is laid out to be read.
  const compact = JSON.stringify(value);
  return { text: compact.length <= 60 ? compact : JSON.stringify(value, null, 2), json: true };
}

interface CellProps {
  row: number;
  col: number;
  name: string;
}

/** Text that is meant as a list or an object: it starts with [ or {. */
function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

/**
 * One variable's value in one row. Text is text, except that a list or an object typed as
 * JSON (`["a", "b"]`, `{"name": "Ada"}`) becomes that list or object, so a template can loop
 * over it or read it with dots. A JSON value is written back only when it parses, with the
 * reason beside the cell while it does not. What the person typed stays on screen while the
 * cell has focus (no reformatting under the cursor).
 */
export const VariableCell = memo(function VariableCell({ row, col, name }: CellProps): React.JSX.Element {
  const value = useWorkspace((s) => s.testCases[row]?.vars[name]);
  const setCaseVar = useWorkspace((s) => s.setCaseVar);
  const { text, json } = asEditable(value);
  // While JSON does not parse, the person's text lives here and the stored value stays as it was.
  const [draft, setDraft] = useState<{ text: string; error: string } | undefined>();
  const [typed, setTyped] = useState<string | undefined>();
  const shown = draft?.text ?? typed ?? text;
  const errorId = `case-cell-error-${row}-${col}`;
  const onChange = (next: string): void => {
    setTyped(next);
    if (next.trim() === '') {
      // Emptied: the value becomes empty text.
      setDraft(undefined);
      setCaseVar(row, name, '');
      return;
    }
    if (looksLikeJson(next)) {
      try {
        const parsed = JSON.parse(next) as VariableValue;
        if (typeof parsed === 'object' && parsed !== null) {
          setDraft(undefined);
          setCaseVar(row, name, parsed);
          return;
        }
      } catch (error) {
        // A list or object being edited stays as it was until it parses again.
        if (json) {
          setDraft({ text: next, error: error instanceof Error ? error.message : String(error) });
          return;
        }
      }
    }
    setDraft(undefined);
    setCaseVar(row, name, next);
  };
  return (
    <div role="gridcell" className={json ? 'case-cell json' : 'case-cell'}>
      <textarea
        className="case-input"
        aria-label={`${name}, row ${row + 1}`}
        aria-invalid={draft ? true : undefined}
        aria-describedby={draft ? errorId : undefined}
        data-row={row}
        data-col={col}
        rows={lineCount(shown)}
        spellCheck={false}
        value={shown}
        onChange={(event) => onChange(event.target.value)}
        onBlur={() => setTyped(undefined)}
      />
      {typeof value === 'object' && value !== null && !draft && <span className="case-cell-kind muted">{Array.isArray(value) ? `list of ${value.length}` : 'object'}</span>}
      {draft && (
        <span id={errorId} className="case-cell-error error-text" role="alert">
          Not valid JSON, not saved: {draft.error}
        </span>
      )}
    </div>
  );
});

/** The expected answer of one row: text; emptied means "no expected answer". */
export const ExpectedCell = memo(function ExpectedCell({ row, col }: Omit<CellProps, 'name'>): React.JSX.Element {
  const expected = useWorkspace((s) => s.testCases[row]?.expected ?? '');
  const setExpected = useWorkspace((s) => s.setExpected);
  return (
    <div role="gridcell" className="case-cell expected">
      <textarea
        className="case-input"
        aria-label={`expected, row ${row + 1}`}
        data-row={row}
        data-col={col}
        rows={lineCount(expected)}
        spellCheck={false}
        value={expected}
        onChange={(event) => setExpected(row, event.target.value === '' ? undefined : event.target.value)}
      />
    </div>
  );
});
