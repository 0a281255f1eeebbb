import { memo, useRef, useState, type ClipboardEvent, type DragEvent } from 'react';
import { isImageValue } from '../../../../shared/images';
import type { VariableValue } from '../../../../shared/schemas';
import { messageOf } from '../../state/errors';
import { useWorkspace } from '../../state/workspace';
import { ImageCell } from '../images/ImageCell';
import { firstImageFile, imageFromText, imageTextKind, saveImageFile } from '../images/pick';

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
  const image = useImageInput(row, name);
  if (isImageValue(value)) {
    return (
      <div role="gridcell" className="case-cell" {...image.dropTarget}>
        <ImageCell value={value} name={name} row={row} col={col} onRemove={() => setCaseVar(row, name, '')} />
        {image.status}
      </div>
    );
  }
  const offer = typeof value === 'string' && !draft ? imageTextKind(value) : undefined;
  return (
    <div role="gridcell" className={json ? 'case-cell json' : 'case-cell'} {...image.dropTarget}>
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
        onPaste={image.onPaste}
      />
      <button type="button" className="ghost case-image-add" aria-label={`Add image to ${name}, row ${row + 1}`} title="Pick an image file (or drop one on the cell, or paste one)" onClick={image.pick}>
        Add image
      </button>
      {offer && typeof value === 'string' && (
        <button type="button" className="case-image-offer" aria-label={`Use as image: ${name}, row ${row + 1}`} onClick={() => image.fromText(value)}>
          Use as image{offer === 'url' ? ' (web address)' : ''}
        </button>
      )}
      {image.status}
      {typeof value === 'object' && value !== null && !draft && <span className="case-cell-kind muted">{Array.isArray(value) ? `list of ${value.length}` : 'object'}</span>}
      {draft && (
        <span id={errorId} className="case-cell-error error-text" role="alert">
          Not valid JSON, not saved: {draft.error}
        </span>
      )}
    </div>
  );
});

/**
 * How an image gets into a cell: the Add image button (a file picker), a file dropped on the
 * cell, an image pasted into it, or image text (a data URI, a web address) made an image.
 */
function useImageInput(row: number, name: string): {
  pick(): void;
  fromText(text: string): void;
  onPaste(event: ClipboardEvent<HTMLTextAreaElement>): void;
  dropTarget: { onDragOver(event: DragEvent<HTMLDivElement>): void; onDrop(event: DragEvent<HTMLDivElement>): void };
  status: React.JSX.Element | null;
} {
  const setCaseVar = useWorkspace((s) => s.setCaseVar);
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const input = useRef<HTMLInputElement | null>(null);
  const keep = (work: Promise<VariableValue>): void => {
    setState({ busy: true });
    work.then(
      (value) => {
        setCaseVar(row, name, value);
        setState({ busy: false });
      },
      (error: unknown) => setState({ busy: false, error: messageOf(error) }),
    );
  };
  const onFile = (file: File | undefined): void => {
    if (file) keep(saveImageFile(file));
  };
  const pick = (): void => {
    // One input made on demand: a hidden <input type=file> per cell would be 10,000 of them.
    const element = input.current ?? document.createElement('input');
    input.current = element;
    element.type = 'file';
    element.accept = 'image/png,image/jpeg,image/gif,image/webp';
    element.value = '';
    element.onchange = () => onFile(firstImageFile(element.files));
    element.click();
  };
  const status = state.busy ? (
    <span className="muted case-cell-kind" role="status">
      Saving image…
    </span>
  ) : state.error ? (
    <span className="case-cell-error error-text" role="alert">
      Not an image: {state.error}
    </span>
  ) : null;
  return {
    pick,
    fromText: (text) => keep(imageFromText(text)),
    onPaste: (event) => {
      const file = firstImageFile(event.clipboardData.files);
      if (!file) return;
      event.preventDefault();
      onFile(file);
    },
    dropTarget: {
      onDragOver: (event) => {
        if (Array.from(event.dataTransfer.items).some((item) => item.kind === 'file')) event.preventDefault();
      },
      onDrop: (event) => {
        const file = firstImageFile(event.dataTransfer.files);
        if (!file) return;
        // The cell takes it: the window's own drop (which imports files) never sees it.
        // The cell takes it: the window's own drop (which imports files) never sees it.
        event.preventDefault();
        event.stopPropagation();
        onFile(file);
      },
    },
    status,
  };
}

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
