import type { AuthorResult } from '../../../../shared/author';
import type { AssertionDefinition } from '../../../../shared/assertions/types';
import type { Message } from '../../../../shared/schemas';
import { useWorkspace } from '../../state/workspace';
import { useKeptState } from '../../state/kept';
import { AuthorCall } from './AuthorCall';

type Draft = Extract<AuthorResult['result'], { action: 'generate-prompt' }>['draft'];

/** Puts a draft into the editor: its messages, its variables as the table's header, and the checks ticked added to the run's. Undone with the draft's Undo. */
function acceptDraft(draft: { messages: Message[]; variables: string[]; checks: AssertionDefinition[] }): void {
  const s = useWorkspace.getState();
  const testCases = s.testCases.map((row) => ({ ...row, vars: { ...Object.fromEntries(draft.variables.map((v) => [v, ''])), ...row.vars } }));
  s.replace({
    messages: draft.messages,
    testCases,
    selectedCase: s.selectedCase,
    columns: s.columns,
    repeats: s.repeats,
    useCache: s.useCache,
    // Added to the checks already there: a draft must not silently drop checks someone wrote.
    assertions: [...s.assertions, ...draft.checks],
    ...(s.judge ? { judge: s.judge } : {}),
  });
}

/** Generate a prompt from a task description: a draft to accept, edit or discard. */
export function GeneratePrompt(): React.JSX.Element {
  const [task, setTask] = useKeptState('author-prompt:task', () => '');
  const [examples, setExamples] = useKeptState('author-prompt:examples', () => '');
  const [draft, setDraft] = useKeptState<Draft | undefined>('author-prompt:draft', () => undefined);
  const [accepted, setAccepted] = useKeptState('author-prompt:accepted', () => false);
  // The suggested checks left unticked (by index): every check is added unless unticked.
  const [skipped, setSkipped] = useKeptState<number[]>('author-prompt:skipped', () => []);
  const undo = useWorkspace((s) => s.undoReplace);

  return (
    <section className="author-action" aria-labelledby="author-generate-prompt">
      <h3 id="author-generate-prompt">Generate a prompt</h3>
      <label className="check-field">
        <span>Task description</span>
        <textarea rows={4} value={task} placeholder="What should the prompt make the model do? Who reads the answer?" onChange={(e) => setTask(e.target.value)} />
      </label>
      <label className="check-field">
        <span>Example inputs and outputs (optional)</span>
        <textarea rows={3} value={examples} onChange={(e) => setExamples(e.target.value)} />
      </label>
      <AuthorCall
        action="generate-prompt"
        request={task.trim() !== '' ? { action: 'generate-prompt', task, examples } : undefined}
        missing="Describe the task first."
        label="Generate a prompt"
        onResult={(result) => {
          if (result.result.action !== 'generate-prompt') return;
          setDraft(result.result.draft);
          setSkipped([]);
          setAccepted(false);
        }}
      />
      {accepted && (
        <p className="row" role="status">
          The draft is in the editor.
          <button
            type="button"
            onClick={() => {
              undo();
              setAccepted(false);
            }}
          >
            Undo accepting the prompt
          </button>
        </p>
      )}
      {draft && (
        <div className="author-draft" role="region" aria-label="Generated prompt draft">
          <h4>Draft</h4>
          {draft.messages.map((message, i) => (
            <label key={i} className="check-field">
              <span>Draft {message.role} message</span>
              <textarea
                rows={message.role === 'system' ? 5 : 4}
                value={message.content}
                onChange={(e) => setDraft({ ...draft, messages: draft.messages.map((m, j) => (j === i ? { ...m, content: e.target.value } : m)) })}
              />
            </label>
          ))}
          <p>
            <strong>Test-case columns:</strong> {draft.variables.length > 0 ? draft.variables.join(', ') : 'none'}
          </p>
          <p>
            <strong>Suggested checks:</strong>
          </p>
          {draft.checks.length > 0 ? (
            <ul className="author-checks">
              {draft.checks.map((check, i) => (
                <li key={i}>
                  <label className="check-inline">
                    <input type="checkbox" checked={!skipped.includes(i)} onChange={(e) => setSkipped(e.target.checked ? skipped.filter((k) => k !== i) : [...skipped, i])} />
                    Add check {i + 1}: {check.type}
                  </label>
                  {/* The whole check (value, transform, threshold, weight, metric): what Accept adds is what is read here. */}
                  <pre aria-label={`Check ${i + 1} in full`}>{JSON.stringify(check, null, 2)}</pre>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">none</p>
          )}
          {draft.notes.map((note) => (
            <p key={note} className="muted hint">
              {note}
            </p>
          ))}
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() => {
                acceptDraft({ ...draft, checks: draft.checks.filter((_, i) => !skipped.includes(i)) });
                setDraft(undefined);
                setAccepted(true);
              }}
            >
              Accept into the editor
            </button>
            <button type="button" onClick={() => setDraft(undefined)}>
              Discard draft
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
