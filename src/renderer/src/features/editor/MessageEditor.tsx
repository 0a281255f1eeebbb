import Editor, { type OnMount } from '@monaco-editor/react';
import { useCallback, useState } from 'react';
import type { Role } from '../../../../shared/schemas';
import { monaco } from '../../monaco/setup';
import { TEMPLATE_LANGUAGE } from '../../monaco/template-language';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';

const ROLE_NAMES: Record<Role, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

interface Props {
  index: number;
  /** Accessible name of this message, e.g. "System message" or "User message 2". */
  label: string;
  canRemove: boolean;
}

const MIN_HEIGHT = 72;
const MAX_HEIGHT = 360;

export function MessageEditor({ index, label, canRemove }: Props): React.JSX.Element {
  const role = useWorkspace((s) => s.messages[index]?.role ?? 'user');
  const content = useWorkspace((s) => s.messages[index]?.content ?? '');
  const setContent = useWorkspace((s) => s.setContent);
  const setRole = useWorkspace((s) => s.setRole);
  const removeMessage = useWorkspace((s) => s.removeMessage);
  const [height, setHeight] = useState(MIN_HEIGHT);

  const onMount = useCallback<OnMount>((editor) => {
    const fit = (): void => setHeight(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, editor.getContentHeight())));
    editor.onDidContentSizeChange(fit);
    fit();
    // Monaco keeps Ctrl/Cmd+Enter for itself unless told; here it means Run.
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void useRun.getState().start());
  }, []);

  return (
    <div className="message" role="group" aria-label={label}>
      <div className="message-head">
        <select aria-label={`Role of ${label.toLowerCase()}`} value={role} onChange={(e) => setRole(index, e.target.value as Role)}>
          {(Object.keys(ROLE_NAMES) as Role[]).map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
        {canRemove && (
          <button type="button" className="ghost" aria-label={`Remove ${label.toLowerCase()}`} onClick={() => removeMessage(index)}>
            ✕
          </button>
        )}
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
          }}
        />
      </div>
    </div>
  );
}

export function roleLabel(role: Role): string {
  return ROLE_NAMES[role];
}
