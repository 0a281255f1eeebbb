/**
 * Import test cases from a CSV, JSONL or JSON file: the rows it read, where each column goes,
 * every row it could not read (line and reason), then Replace or Append.
 */
import { useId, useMemo, useState } from 'react';
import {
  applyMapping,
  defaultMapping,
  jsonLikeColumns,
  imageProblems,
  jsonProblems,
  parseCasesFile,
  TARGET_DESCRIPTION,
  TARGET_EXPECTED,
  TARGET_IGNORE,
  type CasesMapping,
  type ParsedCases,
} from '../../../../shared/cases/import';
import { imageLabel, imageSourceOf, isImageValue } from '../../../../shared/images';
import type { TestCase } from '../../../../shared/schemas';
import { storeDataImages } from '../images/pick';
import { messageOf } from '../../state/errors';
import { useUi } from '../../state/ui';
import { useWorkspace } from '../../state/workspace';
import { readPicked } from '../files/deliver';
import { Modal } from '../../components/Modal';

interface Props {
  /** The template's variables: the targets offered first. */
  variables: readonly string[];
  /** A file already in hand (dropped on the window): the dialog opens with it read. */
  initialFile?: { fileName: string; text: string };
  onClose(): void;
}

function load(file: { fileName: string; text: string }, variables: readonly string[]): { loaded: Loaded; mapping: CasesMapping } {
  const parsed = parseCasesFile(file.fileName, file.text);
  return { loaded: { fileName: file.fileName, parsed }, mapping: defaultMapping(parsed.columns, variables) };
}

interface Loaded {
  fileName: string;
  parsed: ParsedCases;
}

const PREVIEW_ROWS = 5;
const SHOWN_PROBLEMS = 50;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

function previewText(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : isImageValue(value) ? imageLabel(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

export function ImportCasesDialog({ variables, initialFile, onClose }: Props): React.JSX.Element {
  const fileId = useId();
  const [initial] = useState(() => (initialFile ? load(initialFile, variables) : undefined));
  const [loaded, setLoaded] = useState<Loaded | undefined>(initial?.loaded);
  const [readError, setReadError] = useState<string | undefined>();
  const [mapping, setMapping] = useState<CasesMapping>(initial?.mapping ?? {});
  // Columns whose cells look like JSON lists or objects start ticked: a template loops over them.
  const jsonByDefault = (next: Loaded | undefined): ReadonlySet<string> => (next?.parsed.format === 'csv' ? new Set(jsonLikeColumns(next.parsed)) : new Set());
  const [parseJson, setParseJson] = useState<ReadonlySet<string>>(() => jsonByDefault(initial?.loaded));
  const [storing, setStoring] = useState(false);
  const replaceCases = useWorkspace((s) => s.replaceCases);
  const notify = useUi((s) => s.notify);

  const onPick = async (file: File | undefined): Promise<void> => {
    setReadError(undefined);
    setLoaded(undefined);
    if (!file) return;
    try {
      const next = load(await readPicked(file), variables);
      setLoaded(next.loaded);
      setMapping(next.mapping);
      setParseJson(jsonByDefault(next.loaded));
    } catch (error) {
      setReadError(messageOf(error));
    }
  };

  const parsed = loaded?.parsed;
  const jsonLike = useMemo(() => (parsed?.format === 'csv' ? new Set(jsonLikeColumns(parsed)) : new Set<string>()), [parsed]);
  const problems = useMemo(() => {
    if (!parsed) return [];
    return [...parsed.problems, ...jsonProblems(parsed, parseJson), ...imageProblems(parsed)].sort((a, b) => a.line - b.line);
  }, [parsed, parseJson]);
  const preview = useMemo(() => {
    if (!parsed) return undefined;
    const head = { ...parsed, rows: parsed.rows.slice(0, PREVIEW_ROWS) };
    const cases = applyMapping(head, mapping, { parseJson });
    const targets = [...new Set(parsed.columns.map((c) => mapping[c] ?? c).filter((t) => t !== TARGET_IGNORE && t !== TARGET_EXPECTED && t !== TARGET_DESCRIPTION))];
    const mapped = new Set(Object.values(mapping));
    return { cases, targets, expected: mapped.has(TARGET_EXPECTED), description: mapped.has(TARGET_DESCRIPTION) };
  }, [parsed, mapping, parseJson]);

  const apply = (mode: 'replace' | 'append'): void => {
    if (!loaded || loaded.parsed.rows.length === 0) return;
    const read = applyMapping(loaded.parsed, mapping, { parseJson });
    // Data URI images are stored once in the data folder first; the rows then name them.
    const anyData = read.some((c) => Object.values(c.vars).some((v) => imageSourceOf(v)?.kind === 'data'));
    if (anyData) {
      setStoring(true);
      void storeDataImages(read).then((cases) => finish(cases, mode));
      return;
    }
    finish(read, mode);
  };

  const finish = (cases: TestCase[], mode: 'replace' | 'append'): void => {
    if (!loaded) return;
    replaceCases(cases, mode);
    const skipped = loaded.parsed.problems.filter((p) => !p.kept).length;
    notify(
      `${mode === 'replace' ? 'Imported' : 'Appended'} ${plural(cases.length, 'test case')} from ${loaded.fileName}` +
        (skipped > 0 ? ` (${plural(skipped, 'row')} skipped).` : '.') +
        (mode === 'replace' ? ' “Bring back the previous draft” undoes it.' : ''),
    );
    onClose();
  };

  const targetOptions = (column: string): string[] => {
    const options = [...variables];
    if (!options.includes(column)) options.push(column);
    return options;
  };

  const good = parsed?.rows.length ?? 0;
  const unread = parsed?.problems.filter((p) => !p.kept).length ?? 0;

  return (
    <Modal title="Import test cases" onClose={onClose}>
      <div className="cases-import form">
        <label htmlFor={fileId}>{initialFile ? 'Another file of test cases' : 'File of test cases'} (CSV with a header row, JSONL, or JSON)</label>
        <input
          id={fileId}
          type="file"
          accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,text/csv,application/json"
          onChange={(event) => void onPick(event.target.files?.[0])}
        />
        {readError && (
          <p className="error-text" role="alert">
            {readError}
          </p>
        )}
        {parsed && loaded && (
          <>
            <p role="status">
              {loaded.fileName}: {plural(good, 'row')} read
              {unread > 0 ? `, ${plural(unread, 'row')} could not be read (listed below, left out)` : ''}.
            </p>
            {parsed.columns.length > 0 && (
              <table className="cases-mapping">
                <caption>Where each column goes</caption>
                <thead>
                  <tr>
                    <th scope="col">Column in the file</th>
                    <th scope="col">Goes to</th>
                    {parsed.format === 'csv' && <th scope="col">JSON</th>}
                  </tr>
                </thead>
                <tbody>
                  {parsed.columns.map((column) => (
                    <tr key={column}>
                      <th scope="row">
                        <code>{column}</code>
                      </th>
                      <td>
                        <select
                          aria-label={`Map column ${column} to`}
                          value={mapping[column] ?? column}
                          onChange={(event) => setMapping({ ...mapping, [column]: event.target.value })}
                        >
                          <optgroup label="Variable">
                            {targetOptions(column).map((name) => (
                              <option key={name} value={name}>
                                {variables.includes(name) ? name : `${name} (new column)`}
                              </option>
                            ))}
                          </optgroup>
                          <option value={TARGET_EXPECTED}>Expected answer</option>
                          <option value={TARGET_DESCRIPTION}>Description</option>
                          <option value={TARGET_IGNORE}>Ignore</option>
                        </select>
                      </td>
                      {parsed.format === 'csv' && (
                        <td>
                          <label className="cases-toggle">
                            <input
                              type="checkbox"
                              aria-label={`Parse column ${column} as JSON`}
                              checked={parseJson.has(column)}
                              onChange={(event) => {
                                const next = new Set(parseJson);
                                if (event.target.checked) next.add(column);
                                else next.delete(column);
                                setParseJson(next);
                              }}
                            />
                            <span aria-hidden="true">parse</span>
                            {jsonLike.has(column) && <span className="muted"> · looks like JSON</span>}
                          </label>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {preview && preview.cases.length > 0 && (
              <div className="cases-preview">
                <table aria-label="Preview of the first rows">
                  <thead>
                    <tr>
                      <th scope="col">Line</th>
                      {preview.targets.map((t) => (
                        <th key={t} scope="col">
                          {t}
                        </th>
                      ))}
                      {preview.expected && <th scope="col">expected</th>}
                      {preview.description && <th scope="col">description</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {preview.cases.map((testCase, i) => (
                      <tr key={testCase.id}>
                        <td className="muted">{parsed.rows[i]?.line}</td>
                        {preview.targets.map((t) => (
                          <td key={t}>{previewText(testCase.vars[t])}</td>
                        ))}
                        {preview.expected && <td>{previewText(testCase.expected)}</td>}
                        {preview.description && <td>{previewText(testCase.description)}</td>}
                      </tr>
                    ))}
                  </tbody>
                </table>
                {good > PREVIEW_ROWS && <p className="hint muted">…and {plural(good - PREVIEW_ROWS, 'more row')}.</p>}
              </div>
            )}
            {problems.length > 0 && (
              <section className="cases-problems" aria-label="Problems">
                <h3>Problems</h3>
                <ul>
                  {problems.slice(0, SHOWN_PROBLEMS).map((problem, i) => (
                    <li key={`${problem.line}-${i}`}>
                      line {problem.line}: {problem.reason}
                    </li>
                  ))}
                </ul>
                {problems.length > SHOWN_PROBLEMS && <p className="hint muted">…and {plural(problems.length - SHOWN_PROBLEMS, 'more problem')}.</p>}
              </section>
            )}
          </>
        )}
        <div className="row">
          <button type="button" className="primary" disabled={good === 0 || storing} onClick={() => apply('replace')} title="Put these rows in place of the table (undo with “Bring back the previous draft”)">
            Replace
          </button>
          {storing && (
            <span className="muted" role="status">
              Storing images…
            </span>
          )}
          <button type="button" disabled={good === 0 || storing} onClick={() => apply('append')} title="Add these rows after the table's rows">
            Append
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </Modal>
  );
}
