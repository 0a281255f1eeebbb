import { useId, useMemo, useState } from 'react';
import { ATTRIBUTE_KINDS, attributeKind, suggestedValues, type AttributeKind, type AttributeValue } from '../../../../shared/bias/attributes';
import { counterfactualRows, findOccurrences, type MarkedTerm } from '../../../../shared/bias/substitute';
import type { VariableValue } from '../../../../shared/schemas';
import { FormActions } from '../../components/FormActions';
import { useBias } from '../../state/bias';
import { useWorkspace } from '../../state/workspace';
import { ProbeValues } from './ProbeValues';

/** Characters of a generated value shown in the preview. */
const PREVIEW_CHARS = 240;
const MAX_REPEATS = 50;

function shown(value: VariableValue | undefined): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/** Names typed in the "add names" field, as values of their own. */
function addedNames(text: string): AttributeValue[] {
  const names = [...new Set(text.split(',').map((n) => n.trim()).filter((n) => n !== ''))];
  return names.map((name) => ({ label: name.slice(0, 200), terms: [name.slice(0, 200)], group: 'Added' }));
}

/** The probe's settings: attribute, variables, marked terms, values and repeats; a preview of its rows. */
export function ProbeSetup({ row }: { row: number }): React.JSX.Element {
  const testCase = useWorkspace((s) => s.testCases[row]);
  const variants = useWorkspace((s) => s.columns.length);
  const draftRepeats = useWorkspace((s) => s.repeats);
  const error = useBias((s) => s.error);
  const { run, close } = useBias.getState();
  const id = useId();

  const [kind, setKind] = useState<AttributeKind>('names');
  const info = attributeKind(kind);
  const varNames = useMemo(() => Object.keys(testCase?.vars ?? {}).filter((n) => typeof testCase?.vars[n] !== 'number' && typeof testCase?.vars[n] !== 'boolean'), [testCase]);
  const [scope, setScope] = useState<readonly string[]>(varNames);
  const [marked, setMarked] = useState<readonly MarkedTerm[]>([]);
  const [markText, setMarkText] = useState('');
  const [markSlot, setMarkSlot] = useState(0);
  // What the row holds decides the values ticked first (a man's name: men's names of every group).
  const suggest = (next: AttributeKind, variables: readonly string[]): Set<string> => {
    const nextInfo = attributeKind(next);
    const first = findOccurrences(nextInfo, testCase?.vars ?? {}, { variables }).find((o) => o.value !== 'marked');
    return new Set(suggestedValues(nextInfo, first?.value));
  };
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => suggest('names', varNames));
  const [extra, setExtra] = useState('');
  const [repeats, setRepeats] = useState(Math.max(3, draftRepeats));
  const [problem, setProblem] = useState<string | undefined>();

  const vars = useMemo(() => testCase?.vars ?? {}, [testCase]);
  const occurrences = useMemo(() => findOccurrences(info, vars, { variables: scope, marked }), [info, vars, scope, marked]);
  const values = useMemo(() => {
    const added = kind === 'names' ? addedNames(extra) : [];
    const labels = new Set(added.map((v) => v.label));
    return [...info.values.filter((v) => chosen.has(v.label) && !labels.has(v.label)), ...added];
  }, [info, chosen, extra, kind]);
  const rows = useMemo(() => (testCase ? counterfactualRows(info, testCase, values, { variables: scope, marked }) : []), [info, testCase, values, scope, marked]);

  if (!testCase) return <p className="error-text">This row no longer exists.</p>;

  const changeKind = (next: AttributeKind): void => {
    setKind(next);
    setChosen(suggest(next, scope));
    setMarkSlot(0);
  };
  const found = new Map<string, number>();
  for (const o of occurrences) found.set(`${o.variable}\u0000${o.text}\u0000${o.value}`, (found.get(`${o.variable}\u0000${o.text}\u0000${o.value}`) ?? 0) + 1);
  const answers = rows.length * variants * repeats;

  const submit = (): void => {
    if (values.length < 2) return setProblem('Pick two or more values to compare.');
    if (occurrences.length === 0) return setProblem(`Nothing to change: no ${info.label.toLowerCase()} found in the variables chosen. Mark the term to replace.`);
    if (repeats < 2) return setProblem('A probe needs 2 or more repeats: repeats are what the differences are measured against.');
    setProblem(undefined);
    void run({ kind, values, rows, marked, repeats });
  };

  return (
    <form
      className="bias-setup"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <p className="muted">
        Makes a copy of row {row + 1} for each value below, changing only the attribute, runs them on every variant with repeats, and tests whether the
        answers differ across values more than repeats of one row differ.
      </p>
      <label className="bias-field">
        Attribute
        <select value={kind} onChange={(e) => changeKind(e.target.value as AttributeKind)} data-autofocus>
          {ATTRIBUTE_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </label>

      <fieldset className="bias-vars">
        <legend>Variables to change</legend>
        {varNames.length === 0 && <p className="muted">This row has no text variables.</p>}
        {varNames.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={scope.includes(name)} onChange={(e) => setScope(e.target.checked ? [...scope, name] : scope.filter((n) => n !== name))} />
            {name}
          </label>
        ))}
      </fieldset>

      <section aria-labelledby={`${id}-found`} className="bias-found">
        <h3 id={`${id}-found`}>Found in the row</h3>
        {found.size === 0 ? (
          <p className="muted">No {info.label.toLowerCase()} from the lists found. Mark the term to replace below.</p>
        ) : (
          <ul>
            {[...found].slice(0, 30).map(([key, count]) => {
              const [variable, text, value] = key.split('\u0000');
              return (
                <li key={key}>
                  <code>{text}</code> in {variable} ({value}){count > 1 ? ` ×${count}` : ''}
                </li>
              );
            })}
          </ul>
        )}
        <div className="row">
          <label className="bias-field">
            Mark a term
            <input type="text" value={markText} maxLength={200} onChange={(e) => setMarkText(e.target.value)} placeholder="e.g. Bobbie" />
          </label>
          {info.slots.length > 1 && (
            <label className="bias-field">
              as
              <select value={markSlot} onChange={(e) => setMarkSlot(Number(e.target.value))}>
                {info.slots.map((slot, i) => (
                  <option key={slot} value={i}>
                    {slot}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="button"
            disabled={markText.trim() === ''}
            onClick={() => {
              setMarked([...marked.filter((m) => m.text !== markText.trim()), { text: markText.trim(), slot: markSlot }]);
              setMarkText('');
            }}
          >
            Add term
          </button>
        </div>
        {marked.length > 0 && (
          <ul className="bias-marked">
            {marked.map((m) => (
              <li key={m.text}>
                <code>{m.text}</code> ({info.slots[m.slot]}){' '}
                <button type="button" className="ghost" aria-label={`Remove marked term ${m.text}`} onClick={() => setMarked(marked.filter((x) => x !== m))}>
                  ✕
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <ProbeValues info={info} chosen={chosen} onChange={setChosen} extra={extra} onExtra={setExtra} />

      <label className="bias-field">
        Repeats per row
        <input type="number" min={2} max={MAX_REPEATS} value={repeats} onChange={(e) => setRepeats(Math.min(MAX_REPEATS, Math.max(1, Math.floor(Number(e.target.value) || 1))))} />
      </label>

      <section aria-labelledby={`${id}-preview`} className="bias-preview">
        <h3 id={`${id}-preview`}>Rows the probe runs</h3>
        <p className="muted">
          {rows.length} rows × {variants} {variants === 1 ? 'variant' : 'variants'} × {repeats} repeats = {answers} answers.
        </p>
        <div className="bias-preview-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Value</th>
                {scope.map((name) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.testCase.id}>
                  <th scope="row">{r.value}</th>
                  {scope.map((name) => (
                    <td key={name}>{shown(r.testCase.vars[name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <FormActions submitLabel={`Run probe (${answers} answers)`} busy={false} error={problem ?? error} onCancel={close} />
    </form>
  );
}
