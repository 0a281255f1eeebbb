import { useState } from 'react';
import type { ToolCall } from '../../../../shared/tools';
import { useWorkspace } from '../../state/workspace';
import { readToolCallsText, toolCallsToText } from './tool-turns';

/**
 * The parts of a few-shot tool turn a message can carry: a tool result answers a call (its
 * id), and an assistant turn can hold the calls it made.
 */
export function ToolTurnFields({ index, label }: { index: number; label: string }): React.JSX.Element | null {
  const role = useWorkspace((s) => s.messages[index]?.role);
  if (role === 'tool') return <ToolCallIdField index={index} label={label} />;
  if (role === 'assistant') return <ToolCallsField index={index} label={label} />;
  return null;
}

function ToolCallIdField({ index, label }: { index: number; label: string }): React.JSX.Element {
  const id = useWorkspace((s) => s.messages[index]?.toolCallId ?? '');
  const setToolCallId = useWorkspace((s) => s.setToolCallId);
  return (
    <div className="tool-turn">
      <label>
        Answers call id{' '}
        <input
          aria-label={`Answers call id (${label.toLowerCase()})`}
          value={id}
          maxLength={500}
          placeholder="call_1"
          onChange={(e) => setToolCallId(index, e.target.value === '' ? undefined : e.target.value)}
        />
      </label>
      {id === '' && <span className="muted">The id of the assistant&apos;s tool call this result answers.</span>}
    </div>
  );
}

function ToolCallsField({ index, label }: { index: number; label: string }): React.JSX.Element {
  const calls = useWorkspace((s) => s.messages[index]?.toolCalls);
  const setToolCalls = useWorkspace((s) => s.setToolCalls);
  const [editing, setEditing] = useState(() => (calls?.length ?? 0) > 0);
  const [text, setText] = useState(() => toolCallsToText(calls ?? []));
  const [shown, setShown] = useState<ToolCall[] | undefined>(calls);
  const [error, setError] = useState<string | undefined>();

  // Calls that changed elsewhere (another draft, a moved message) replace the text; the text's own do not.
  if (calls !== shown) {
    setShown(calls);
    const current = readToolCallsText(text);
    if (!current.ok || JSON.stringify(current.calls) !== JSON.stringify(calls ?? [])) {
      setText(toolCallsToText(calls ?? []));
      setError(undefined);
      if ((calls?.length ?? 0) > 0) setEditing(true);
    }
  }

  const lower = label.toLowerCase();
  if (!editing) {
    return (
      <div className="tool-turn">
        <button type="button" className="ghost" aria-label={`Add tool calls to ${lower}`} onClick={() => setEditing(true)}>
          + Tool calls
        </button>
      </div>
    );
  }
  const change = (next: string): void => {
    setText(next);
    const read = readToolCallsText(next);
    if (!read.ok) {
      setError(read.error);
      return;
    }
    setError(undefined);
    setToolCalls(index, read.calls);
  };
  return (
    <div className="tool-turn">
      <div className="tool-turn-calls">
        <span className="muted">The calls this turn made, as JSON: a list of {'{ "id", "name", "arguments" }'}. Tool result messages answer them by id.</span>
        <textarea
          aria-label={`Tool calls of ${lower}`}
          aria-invalid={error !== undefined}
          spellCheck={false}
          value={text}
          placeholder={'[{ "id": "call_1", "name": "get_weather", "arguments": { "city": "Paris" } }]'}
          onChange={(e) => change(e.target.value)}
        />
        {error !== undefined && <p className="error-text" role="alert">{error}</p>}
      </div>
    </div>
  );
}
