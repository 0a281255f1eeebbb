import { useEffect, useMemo, useState } from 'react';
import type { TemplateErrorInfo } from '../../../../shared/contract';
import type { Message } from '../../../../shared/schemas';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useWorkspace } from '../../state/workspace';
import { useDebounced } from '../editor/useDebounced';
import { MessageParts } from '../images/MessageParts';
import { PiiPreview } from './PiiPreview';
import './preview.css';

const ROLE_NAMES = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool result' } as const;

type Preview = { kind: 'loading' } | { kind: 'ready'; messages: Message[]; errors: TemplateErrorInfo[] } | { kind: 'failed'; message: string };

/**
 * The exact messages the selected row sends, rendered in main by the engine a run uses.
 * Asked for after a pause in typing; only the latest answer is shown.
 */
export function PreviewPanel(): React.JSX.Element {
  const messages = useWorkspace((s) => s.messages);
  const vars = useWorkspace((s) => s.testCases[s.selectedCase]?.vars);
  const selected = useWorkspace((s) => s.selectedCase);
  const rowCount = useWorkspace((s) => s.testCases.length);
  const selectCase = useWorkspace((s) => s.selectCase);
  const request = useDebounced(useMemo(() => ({ messages, vars }), [messages, vars]), 250);
  const [preview, setPreview] = useState<Preview>({ kind: 'loading' });

  useEffect(() => {
    let latest = true;
    const call = api()['templates.preview'];
    call({ messages: request.messages, vars: request.vars ?? {} })
      .then((result) => latest && setPreview({ kind: 'ready', ...result }))
      .catch((error: unknown) => latest && setPreview({ kind: 'failed', message: messageOf(error) }));
    return () => {
      latest = false;
    };
  }, [request]);

  return (
    <section className="preview" aria-labelledby="preview-heading">
      <div className="preview-head">
        <h3 id="preview-heading">Preview</h3>
        <div className="row preview-rows" role="group" aria-label="Preview row">
          <button type="button" className="ghost" aria-label="Previous row" disabled={selected <= 0} onClick={() => selectCase(selected - 1)}>
            ‹
          </button>
          <span aria-live="polite">
            Row {selected + 1} of {rowCount}
          </span>
          <button type="button" className="ghost" aria-label="Next row" disabled={selected >= rowCount - 1} onClick={() => selectCase(selected + 1)}>
            ›
          </button>
        </div>
      </div>
      {preview.kind === 'loading' && <p className="muted">Rendering…</p>}
      {preview.kind === 'failed' && (
        <p className="error-text" role="alert">
          The preview failed: {preview.message}
        </p>
      )}
      {preview.kind === 'ready' && (
        <>
          {preview.errors.length > 0 && (
            <ul className="preview-errors" aria-label="Template errors">
              {preview.errors.map((e, i) => (
                <li key={i} className="error-text">
                  Message {e.messageIndex + 1}, line {e.line}, column {e.column}: {e.message}
                </li>
              ))}
            </ul>
          )}
          <ol className="preview-messages" aria-label="Messages sent for this row">
            {preview.messages.map((m, i) => {
              const failed = preview.errors.some((e) => e.messageIndex === i);
              return (
                <li key={i} className={`preview-message role-${m.role}`} aria-label={`${ROLE_NAMES[m.role]} message ${i + 1}`}>
                  <div className="preview-role">{ROLE_NAMES[m.role]}</div>
                  {failed ? (
                    <p className="muted">Not rendered: fix the error above.</p>
                  ) : m.parts ? (
                    <MessageParts parts={m.parts} textClass="preview-text" />
                  ) : m.content === '' ? (
                    <p className="muted">(empty)</p>
                  ) : (
                    <pre className="preview-text">{m.content}</pre>
                  )}
                </li>
              );
            })}
          </ol>
          {preview.errors.length === 0 && <PiiPreview messages={preview.messages} />}
        </>
      )}
    </section>
  );
}
