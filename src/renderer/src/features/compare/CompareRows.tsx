import { useEffect, useState } from 'react';
import type { Cell } from '../../../../shared/schemas';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { COMPARE_PAGE, useHistory, type CompareRows as RowsChoice } from '../../state/history';
import { AnswerDiff } from '../answer/AnswerDiff';
import { formatPercent } from '../verdict/format';

const CHANGE_TEXT = { fixed: 'fixed', broken: 'broken', same: 'same' } as const;

function outcome(value: number | null): string {
  return value === null ? '–' : formatPercent(value);
}

/** The two runs' answers of one matched row, side by side, for one pair of variants. */
function RowAnswers({ baseCase, otherCase, onClose }: { baseCase: number; otherCase: number; onClose(): void }): React.JSX.Element {
  const comparison = useHistory((s) => s.comparison);
  const [cells, setCells] = useState<{ base: Cell[]; other: Cell[] } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const baseRun = comparison?.base.id;
  const otherRun = comparison?.other.id;
  useEffect(() => {
    if (!baseRun || !otherRun) return;
    let current = true;
    Promise.all([
      api()['runs.cells']({ runId: baseRun, fromCase: baseCase, toCase: baseCase + 1 }),
      api()['runs.cells']({ runId: otherRun, fromCase: otherCase, toCase: otherCase + 1 }),
    ]).then(
      ([b, o]) => current && setCells({ base: b.cells, other: o.cells }),
      (e: unknown) => current && setError(messageOf(e)),
    );
    return () => {
      current = false;
    };
  }, [baseRun, otherRun, baseCase, otherCase]);
  if (!comparison) return <></>;
  const loading = !cells && !error;
  const answer = (list: Cell[] | undefined, column: number): string => {
    const cell = list?.find((c) => c.columnIndex === column && c.repeat === 0);
    if (!cell) return '(no answer)';
    if (cell.error) return `Error: ${cell.error.message}`;
    return cell.output + (cell.outputChars !== undefined ? `\n… (${cell.outputChars.toLocaleString('en-US')} characters in all)` : '');
  };
  const labelOf = (pair: (typeof comparison.pairs)[number]): string =>
    pair.baseLabel === pair.otherLabel ? pair.baseLabel : `${pair.baseLabel} → ${pair.otherLabel}`;
  return (
    <div className="compare-answers" role="region" aria-label={`Answers of row ${baseCase + 1}`}>
      {error && <p className="error-text">{error}</p>}
      {loading && <p className="muted">Reading the answers…</p>}
      {cells &&
        comparison.pairs.map((pair) => (
          <div key={`${pair.baseColumn}:${pair.otherColumn}`} className="compare-answer-pair" role="group" aria-label={`Answers of ${labelOf(pair)}`}>
            <h4>{labelOf(pair)}</h4>
            <AnswerDiff before={answer(cells.base, pair.baseColumn)} after={answer(cells.other, pair.otherColumn)} beforeName="run 1" afterName="run 2" />
            <details>
              <summary>Both answers side by side</summary>
              <div className="compare-answer-sides">
                <figure>
                  <figcaption>Run 1</figcaption>
                  <pre>{answer(cells.base, pair.baseColumn)}</pre>
                </figure>
                <figure>
                  <figcaption>Run 2</figcaption>
                  <pre>{answer(cells.other, pair.otherColumn)}</pre>
                </figure>
              </div>
            </details>
          </div>
        ))}
      <button type="button" className="link" onClick={onClose}>
        Hide answers
      </button>
    </div>
  );
}

/** The matched rows (or only those that changed), a page at a time, each with its outcome per pair. */
export function CompareRows(): React.JSX.Element | null {
  const comparison = useHistory((s) => s.comparison);
  const choice = useHistory((s) => s.compareRows);
  const comparing = useHistory((s) => s.comparing);
  const page = useHistory((s) => s.compareRowsPage);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | undefined>();
  if (!comparison) return null;
  const go = (rows: RowsChoice, at: number): void => {
    setOffset(at);
    setOpen(undefined);
    void page(rows, at);
  };
  const { rows, rowTotal, pairs } = comparison;
  return (
    <section className="compare-rows" aria-labelledby="compare-rows-heading">
      <div className="row spread">
        <h3 id="compare-rows-heading">Rows</h3>
        <fieldset className="row compare-choice">
          <legend className="visually-hidden">Rows to list</legend>
          <label>
            <input type="radio" name="compare-rows" checked={choice === 'changed'} onChange={() => go('changed', 0)} /> Changed rows
          </label>
          <label>
            <input type="radio" name="compare-rows" checked={choice === 'all'} onChange={() => go('all', 0)} /> All matched rows
          </label>
        </fieldset>
      </div>
      {rows.length === 0 ? (
        <p className="empty">{choice === 'changed' ? 'No row changed its outcome for any variant.' : 'No rows matched.'}</p>
      ) : (
        <div className="history-scroll">
          <table aria-label={choice === 'changed' ? 'Rows whose outcome changed' : 'Matched rows'}>
            <thead>
              <tr>
                <th scope="col">Row (run 1 / run 2)</th>
                <th scope="col">Test case</th>
                {pairs.map((p) => (
                  <th scope="col" key={`${p.baseColumn}:${p.otherColumn}`}>
                    {p.baseLabel}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">Answers</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const key = `${row.baseCase}:${row.otherCase}`;
                return [
                  <tr key={key}>
                    <th scope="row">
                      #{row.baseCase + 1} / #{row.otherCase + 1}
                    </th>
                    <td className="compare-vars">{row.vars}</td>
                    {row.outcomes.map((o, i) => (
                      <td key={i} className={o.change ? `change-${o.change}` : undefined}>
                        {o.change ? CHANGE_TEXT[o.change] : 'no outcome'} ({outcome(o.base)} → {outcome(o.other)})
                      </td>
                    ))}
                    <td>
                      <button type="button" className="link" aria-expanded={open === key} onClick={() => setOpen(open === key ? undefined : key)}>
                        {open === key ? 'Hide answers' : 'Show answers'}
                      </button>
                    </td>
                  </tr>,
                  open === key && (
                    <tr key={`${key}:answers`}>
                      <td colSpan={pairs.length + 3}>
                        <RowAnswers baseCase={row.baseCase} otherCase={row.otherCase} onClose={() => setOpen(undefined)} />
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
      {rowTotal > rows.length && (
        <div className="row">
          <span className="muted">
            Rows {(offset + 1).toLocaleString('en-US')}–{(offset + rows.length).toLocaleString('en-US')} of {rowTotal.toLocaleString('en-US')}.
          </span>
          <button type="button" disabled={offset === 0 || comparing} onClick={() => go(choice, Math.max(0, offset - COMPARE_PAGE))}>
            Previous rows
          </button>
          <button type="button" disabled={offset + rows.length >= rowTotal || comparing} onClick={() => go(choice, offset + COMPARE_PAGE)}>
            Next rows
          </button>
        </div>
      )}
    </section>
  );
}
