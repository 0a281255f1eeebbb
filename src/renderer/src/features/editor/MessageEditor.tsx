import Editor, { type OnMount } from '@monaco-editor/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Role } from '../../../../shared/schemas';
import { monaco } from '../../monaco/setup';
import { TEMPLATE_LANGUAGE } from '../../monaco/template-language';
import { templateProblems, type EditorProblem } from '../../monaco/template-problems';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import { useDebounced } from './useDebounced';
import { ToolTurnFields } from './ToolTurnFields';
import { useTableColumns } from './useTableColumns';
import './editor.css';

const ROLE_NAMES: Record<Role, string> = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool result' };
const MARKER_OWNER = 'parallax-template';

interface Props {
  index: number;
  /** Accessible name of this message, e.g. "System message" or "User message 2". */
  label: string;
  count: number;
}

const MIN_HEIGHT = 72;
const MAX_HEIGHT = 360;

/** Moves a message up or down; roles and contents travel together. */
function moveMessage(from: number, to: number): void {
  useWorkspace.setState((s) => {
    if (to < 0 || to >= s.messages.length || from === to) return s;
    const messages = [...s.messages];
    const [moved] = messages.splice(from, 1);
    if (moved) messages.splice(to, 0, moved);
    return { messages };
  });
}

export function MessageEditor({ index, label, count }: Props): React.JSX.Element {
  const role = useWorkspace((s) => s.messages[index]?.role ?? 'user');
  const content = useWorkspace((s) => s.messages[index]?.content ?? '');
  const engine = useWorkspace((s) => s.messages[index]?.engine ?? 'nunjucks');
  const setContent = useWorkspace((s) => s.setContent);
  const setRole = useWorkspace((s) => s.setRole);
  const removeMessage = useWorkspace((s) => s.removeMessage);
  const rowVars = useWorkspace((s) => s.testCases[s.selectedCase]?.vars);
  const rowIndex = useWorkspace((s) => s.selectedCase);
  const columns = useTableColumns();
  const [height, setHeight] = useState(MIN_HEIGHT);
  const [model, setModel] = useState<monaco.editor.ITextModel | null>(null);

  // Markers follow typing after a short pause, not on every key.
  const text = useDebounced(content, 200);
  const problems = useMemo(() => templateProblems(text, { columns, vars: rowVars, rowIndex }, engine), [text, columns, rowVars, rowIndex, engine]);

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

  const onMount = useCallback<OnMount>((editor) => {
    const fit = (): void => setHeight(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, editor.getContentHeight())));
    editor.onDidContentSizeChange(fit);
    fit();
    setModel(editor.getModel());
    editor.onDidChangeModel(() => setModel(editor.getModel()));
    // Monaco keeps Ctrl/Cmd+Enter for itself unless told; here it means Run.
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void useRun.getState().start());
  }, []);

  const lower = label.toLowerCase();
  return (
    <div className="message" role="group" aria-label={label}>
      <div className="message-head">
        <select aria-label={`Role of ${lower}`} value={role} onChange={(e) => setRole(index, e.target.value as Role)}>
          {(Object.keys(ROLE_NAMES) as Role[]).map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
        <div className="message-actions">
          {count > 1 && (
            <>
              <button type="button" className="ghost" aria-label={`Move ${lower} up`} disabled={index === 0} onClick={() => moveMessage(index, index - 1)}>
                ↑
              </button>
              <button type="button" className="ghost" aria-label={`Move ${lower} down`} disabled={index === count - 1} onClick={() => moveMessage(index, index + 1)}>
                ↓
              </button>
              <button type="button" className="ghost" aria-label={`Remove ${lower}`} onClick={() => removeMessage(index)}>
                ✕
              </button>
            </>
          )}
        </div>
      </div>
      <div className="message-editor" style={{ height }}>
        <Editor
          value={content}
          language={TEMPLATE_LANGUAGE}
          theme="parallax-dark"
          onChange={(value) => setContent(index, value ?? '')}
          onMount={onMount}
          loading={<div className="muted">Loading editor…</div>}
          options={{
            ariaLabel: label,
            minimap: { enabled: false },
            lineNumbers: 'off',
            wordWrap: 'on',
            scrollBeyondLastLine: false,
            renderLineHighlight: 'none',
            folding: false,
            glyphMargin: false,
            lineDecorationsWidth: 8,
            overviewRulerLanes: 0,
            scrollbar: { vertical: 'auto', alwaysConsumeMouseWheel: false },
            fontSize: 13,
            padding: { top: 8, bottom: 8 },
            automaticLayout: true,
            quickSuggestions: false,
            suggestOnTriggerCharacters: true,
            tabFocusMode: true,
            autoClosingBrackets: 'never',
            fixedOverflowWidgets: true,
            // `{{`/`}}` are the language's brackets; coloured pairs fight the template colours.
            bracketPairColorization: { enabled: false },
            matchBrackets: 'never',
          }}
        />
      </div>
      <ToolTurnFields index={index} label={label} />
      <ProblemList label={label} problems={problems} />
    </div>
  );
}

/** The markers as text, so they can be read without hovering a squiggle. */
function ProblemList({ label, problems }: { label: string; problems: readonly EditorProblem[] }): React.JSX.Element | null {
  if (problems.length === 0) return null;
  return (
    <ul className="template-problems" aria-label={`Problems in ${label.toLowerCase()}`}>
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

export function roleLabel(role: Role): string {
  return ROLE_NAMES[role];
}
