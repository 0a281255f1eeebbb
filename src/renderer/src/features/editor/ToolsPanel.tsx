import Editor, { type OnMount } from '@monaco-editor/react';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { ToolChoice, ToolDefinition } from '../../../../shared/tools';
import { monaco } from '../../monaco/setup';
import type { EditorProblem } from '../../monaco/template-problems';
import { useWorkspace } from '../../state/workspace';
import { exampleTool, readToolsText, toolsOf, toolsToText } from './tools-text';
import { useDebounced } from './useDebounced';
import './tools.css';

const MARKER_OWNER = 'parallax-tools';
const MIN_HEIGHT = 96;
const MAX_HEIGHT = 420;

function choiceValue(choice: ToolChoice | undefined): string {
  if (choice === undefined) return 'auto';
  return typeof choice === 'string' ? choice : `tool:${choice.name}`;
}

function choiceOf(value: string): ToolChoice | undefined {
  if (value === 'auto') return undefined;
  if (value === 'none' || value === 'required') return value;
  return { name: value.slice('tool:'.length) };
}

function sameTools(a: readonly ToolDefinition[] | undefined, b: readonly ToolDefinition[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * The prompt's tools: a JSON list of {name, description, parameters} edited in Monaco, with
 * problems as markers and in words, and which tool the model must call. Valid text is written
 * to the draft as it is typed; text with errors is kept here and the draft keeps its last valid
 * tools. A paste in OpenAI's, Anthropic's or Gemini's form is rewritten in Parallax's.
 */
export function ToolsPanel(): React.JSX.Element {
  const tools = useWorkspace((s) => s.tools);
  const toolChoice = useWorkspace((s) => s.toolChoice);
  const setTools = useWorkspace((s) => s.setTools);
  const setToolChoice = useWorkspace((s) => s.setToolChoice);
  const [open, setOpen] = useState(() => (tools?.length ?? 0) > 0);
  const [text, setText] = useState(() => toolsToText(tools ?? []));
  const [note, setNote] = useState<string | undefined>();
  const [shown, setShown] = useState(tools);
  const panelId = useId();

  // Another draft (opened, restored, undone) brings its own tools: the text follows, unless
  // the change is the text's own.
  if (tools !== shown) {
    setShown(tools);
    const current = toolsOf(text);
    if (current === undefined || !sameTools(current, tools)) {
      setText(toolsToText(tools ?? []));
      if ((tools?.length ?? 0) > 0) setOpen(true);
    }
  }

  // Valid text goes to the draft at once (so the draft never lags behind the text); its
  // problems, which take longer to place, follow after a pause.
  const edit = useCallback(
    (next: string): void => {
      setText(next);
      const read = toolsOf(next);
      if (read !== undefined && !sameTools(read, useWorkspace.getState().tools)) setTools(read);
    },
    [setTools],
  );
  const current = useMemo(() => toolsOf(text), [text]);
  const settled = useDebounced(text, 200);
  const result = useMemo(() => readToolsText(settled), [settled]);

  const count = tools?.length ?? 0;
  return (
    <section className="tools-panel" aria-labelledby={`${panelId}-heading`}>
      <div className="tools-head">
        <h3 id={`${panelId}-heading`}>
          <button type="button" className="ghost tools-toggle" aria-expanded={open} aria-controls={`${panelId}-body`} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'} Tools{count > 0 ? ` (${count})` : ''}
          </button>
        </h3>
        {count > 0 && !open && <span className="muted">{tools?.map((t) => t.name).join(', ')}</span>}
      </div>
      {open && (
        <div id={`${panelId}-body`} className="tools-body">
          <p className="muted tools-help">
            A JSON list of tools, each <code>{'{ "name", "description", "parameters" }'}</code> with a JSON Schema of its arguments; every variant is offered them. OpenAI&apos;s, Anthropic&apos;s and Gemini&apos;s forms are converted on paste.
          </p>
          <ToolsEditor text={text} problems={result.problems} onChange={edit} onNote={setNote} />
          <ToolProblems problems={result.problems} />
          {!result.ok && <p className="muted tools-help">Runs use the last valid tools until these errors are fixed.</p>}
          {result.ok && result.converted && (
            <p className="tools-convert">
              <button
                type="button"
                onClick={() => {
                  edit(toolsToText(result.tools));
                  setNote(`Converted ${result.tools.length} tool${result.tools.length === 1 ? '' : 's'} to Parallax's form.`);
                }}
              >
                Convert to Parallax&apos;s form
              </button>
            </p>
          )}
          <div className="row tools-actions">
            <button
              type="button"
              disabled={current === undefined}
              onClick={() => {
                if (current === undefined) return;
                edit(toolsToText([...current, exampleTool(current)]));
                setNote(undefined);
              }}
            >
              Add tool
            </button>
            <label className="tools-choice">
              Tool choice{' '}
              <select value={choiceValue(toolChoice)} disabled={count === 0} onChange={(e) => setToolChoice(choiceOf(e.target.value))}>
                <option value="auto">Auto: the model decides</option>
                <option value="none">None: no tool</option>
                <option value="required">Required: some tool</option>
                {tools?.map((t) => (
                  <option key={t.name} value={`tool:${t.name}`}>
                    Call {t.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p className="tools-note" role="status">
            {note}
          </p>
        </div>
      )}
    </section>
  );
}

function ToolsEditor({ text, problems, onChange, onNote }: { text: string; problems: readonly EditorProblem[]; onChange: (text: string) => void; onNote: (note: string) => void }): React.JSX.Element {
  const [height, setHeight] = useState(MIN_HEIGHT);
  const [model, setModel] = useState<monaco.editor.ITextModel | null>(null);

  useEffect(() => {
    if (!model || model.isDisposed()) return;
    monaco.editor.setModelMarkers(
      model,
      MARKER_OWNER,
      problems.map((p) => ({
        severity: p.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
        startLineNumber: p.line,
        startColumn: p.column,
        endLineNumber: p.line,
        endColumn: p.endColumn,
        message: p.message,
      })),
    );
  }, [model, problems]);

  const onMount = useCallback<OnMount>(
    (editor) => {
      const fit = (): void => setHeight(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, editor.getContentHeight())));
      editor.onDidContentSizeChange(fit);
      fit();
      setModel(editor.getModel());
      editor.onDidPaste(() => {
        const pasted = readToolsText(editor.getValue());
        if (!pasted.ok || !pasted.converted) return;
        const current = editor.getModel();
        if (!current) return;
        // An edit, not setValue, so Undo brings the pasted form back.
        editor.executeEdits('parallax-tools-convert', [{ range: current.getFullModelRange(), text: toolsToText(pasted.tools) }]);
        onNote(`Converted ${pasted.tools.length} pasted tool${pasted.tools.length === 1 ? '' : 's'} to Parallax's form (Undo keeps the original).`);
      });
    },
    [onNote],
  );

  return (
    <div className="tools-editor" style={{ height }}>
      <Editor
        value={text}
        language="plaintext"
        theme="parallax-dark"
        onChange={(value) => onChange(value ?? '')}
        onMount={onMount}
        loading={<div className="muted">Loading editor…</div>}
        options={{
          ariaLabel: 'Tools (JSON)',
          minimap: { enabled: false },
          lineNumbers: 'on',
          wordWrap: 'on',
          scrollBeyondLastLine: false,
          renderLineHighlight: 'none',
          glyphMargin: false,
          overviewRulerLanes: 0,
          scrollbar: { vertical: 'auto', alwaysConsumeMouseWheel: false },
          fontSize: 13,
          padding: { top: 8, bottom: 8 },
          automaticLayout: true,
          quickSuggestions: false,
          tabFocusMode: true,
          tabSize: 2,
          fixedOverflowWidgets: true,
        }}
      />
    </div>
  );
}

function ToolProblems({ problems }: { problems: readonly EditorProblem[] }): React.JSX.Element | null {
  if (problems.length === 0) return null;
  return (
    <ul className="template-problems" aria-label="Problems in the tools">
      {problems.map((p, i) => (
        <li key={i} className={p.severity === 'error' ? 'error-text' : 'template-warning'}>
          <span className="template-problem-place">
            {p.severity === 'error' ? 'Error' : 'Warning'} · line {p.line}, column {p.column}:
          </span>{' '}
          {p.message}
        </li>
      ))}
    </ul>
  );
}
