import { CASE_KINDS, MAX_GENERATED_ROWS, type AuthorResult, type CaseKind } from '../../../../shared/author';
import { useTemplateVariables, useWorkspace } from '../../state/workspace';
import { useKeptState } from '../../state/kept';
import { AuthorCall } from './AuthorCall';

type Row = Extract<AuthorResult['result'], { action: 'generate-cases' }>['rows'][number];

let nextId = 0;
const rowId = (): string => `gen-${Date.now().toString(36)}-${(nextId++).toString(36)}`;

/** Generate test cases for the current template: a batch to review row by row before it joins the table. */
export function GenerateCases(): React.JSX.Element {
  const messages = useWorkspace((s) => s.messages);
  const testCases = useWorkspace((s) => s.testCases);
  const caseVarNames = useWorkspace((s) => s.caseVarNames);
  const templateVars = useTemplateVariables();
  const replaceCases = useWorkspace((s) => s.replaceCases);
  const undo = useWorkspace((s) => s.undoReplace);
  const [count, setCount] = useKeptState('author-cases:count', () => 5);
  const [mix, setMix] = useKeptState<CaseKind[]>('author-cases:mix', () => ['typical', 'edge', 'adversarial']);
  const [wantExpected, setWantExpected] = useKeptState('author-cases:wantExpected', () => true);
  const [batch, setBatch] = useKeptState<{ rows: Row[]; keep: boolean[]; dropped: number } | undefined>('author-cases:batch', () => undefined);
  const [added, setAdded] = useKeptState<number | undefined>('author-cases:added', () => undefined);

  const variables = [...new Set([...templateVars, ...caseVarNames])];
  const existing = testCases.map((t) => t.vars);
  const request = (n: number) =>
    variables.length > 0 && mix.length > 0 ? { action: 'generate-cases' as const, messages, variables, existing, count: n, mix, wantExpected } : undefined;
  const missing = variables.length === 0 ? 'The template has no {{variables}} to fill.' : 'Pick at least one kind of test case.';

  const add = (rows: Row[]): void => {
    replaceCases(
      // Only the table's names: a value under another name would be added unseen (the preview shows these columns only).
      rows.map((r) => ({ id: rowId(), vars: Object.fromEntries(Object.entries(r.vars).filter(([name]) => variables.includes(name))), ...(r.expected !== undefined ? { expected: r.expected } : {}), ...(r.kind ? { description: r.kind } : {}) })),
      'append',
    );
    setAdded(rows.length);
    setBatch(undefined);
  };
  const onResult = (result: AuthorResult): void => {
    if (result.result.action !== 'generate-cases') return;
    setBatch({ rows: result.result.rows, keep: result.result.rows.map(() => true), dropped: result.result.dropped });
    setAdded(undefined);
  };

  return (
    <section className="author-action" aria-labelledby="author-generate-cases">
      <h3 id="author-generate-cases">Generate test cases</h3>
      <div className="check-line">
        <label className="check-field">
          <span>Rows to generate</span>
          <input type="number" min={1} max={MAX_GENERATED_ROWS} value={count} onChange={(e) => setCount(Math.max(1, Math.min(MAX_GENERATED_ROWS, Math.round(Number(e.target.value) || 1))))} />
        </label>
        <label className="check-inline">
          <input type="checkbox" checked={wantExpected} onChange={(e) => setWantExpected(e.target.checked)} />
          Expected answer where the task has one
        </label>
      </div>
      <fieldset className="author-mix">
        <legend>Kinds of test case</legend>
        {CASE_KINDS.map((kind) => (
          <label key={kind} className="check-inline">
            <input type="checkbox" checked={mix.includes(kind)} onChange={(e) => setMix(e.target.checked ? [...mix, kind] : mix.filter((k) => k !== kind))} />
            {kind}
          </label>
        ))}
      </fieldset>
      <AuthorCall
        action="generate-cases"
        request={request(count)}
        missing={missing}
        label={`Generate ${count} ${count === 1 ? 'row' : 'rows'}`}
        more={count > 1 ? { label: 'One at a time: generate 1 row', request: request(1) } : undefined}
        onResult={onResult}
      />
      {added !== undefined && (
        <p className="row" role="status">
          Added {added} {added === 1 ? 'row' : 'rows'} to the table.
          <button
            type="button"
            onClick={() => {
              undo();
              setAdded(undefined);
            }}
          >
            Undo adding rows
          </button>
        </p>
      )}
      {batch && (
        <div className="author-draft" role="region" aria-label="Generated test cases">
          <h4>
            {batch.rows.length} generated {batch.rows.length === 1 ? 'row' : 'rows'}
            {batch.dropped > 0 ? ` (${batch.dropped} near-duplicate${batch.dropped === 1 ? '' : 's'} dropped)` : ''}
          </h4>
          {(() => {
            const unknown = [...new Set(batch.rows.flatMap((r) => Object.keys(r.vars)).filter((name) => !variables.includes(name)))];
            return unknown.length > 0 ? (
              <p className="muted hint" role="note">
                Values under names the prompt and table do not have are left out: {unknown.slice(0, 10).join(', ')}
                {unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}.
              </p>
            ) : null;
          })()}
          <table className="author-rows">
            <thead>
              <tr>
                <th scope="col">Keep</th>
                {variables.map((v) => (
                  <th key={v} scope="col">
                    {v}
                  </th>
                ))}
                <th scope="col">expected</th>
                <th scope="col">kind</th>
              </tr>
            </thead>
            <tbody>
              {batch.rows.map((row, i) => (
                <tr key={i} className={batch.keep[i] ? undefined : 'rejected'}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Keep generated row ${i + 1}`}
                      checked={batch.keep[i] ?? false}
                      onChange={(e) => setBatch({ ...batch, keep: batch.keep.map((k, j) => (j === i ? e.target.checked : k)) })}
                    />
                  </td>
                  {variables.map((v) => (
                    <td key={v} className="author-value">
                      {row.vars[v] ?? ''}
                    </td>
                  ))}
                  <td className="author-value">{row.expected ?? ''}</td>
                  <td>{row.kind ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" className="primary" disabled={!batch.keep.some(Boolean)} onClick={() => add(batch.rows.filter((_, i) => batch.keep[i]))}>
              Add {batch.keep.filter(Boolean).length} kept {batch.keep.filter(Boolean).length === 1 ? 'row' : 'rows'}
            </button>
            <button type="button" onClick={() => add(batch.rows)}>
              Add all {batch.rows.length}
            </button>
            <button type="button" onClick={() => setBatch(undefined)}>
              Discard batch
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
