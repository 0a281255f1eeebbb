import type { BiasReport, DistanceTest } from '../../../../shared/bias/report';
import { formatP } from '../../../../shared/stats';
import { variantLetter } from '../../../../shared/variants';
import { useBias } from '../../state/bias';
import { useRun } from '../../state/run';
import { useWorkspace } from '../../state/workspace';
import { AnswerDiff } from '../answer/AnswerDiff';

/** Below this p-value the report says the answers differ. */
const ALPHA = 0.05;

function number(value: number | undefined, digits = 2): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function percent(value: number | undefined): string {
  return value === undefined ? '—' : `${Math.round(value * 100)}%`;
}

/** The sentence a reader needs first: is there a difference beyond repeats? */
function verdict(test: DistanceTest | undefined, attribute: string): string {
  if (!test) return 'No test could be made.';
  if (test.p < ALPHA) return `The answers differ across ${attribute} more than repeats of one row differ (${formatP(test.p)}).`;
  return `No difference across ${attribute} beyond what repeats of one row show (${formatP(test.p)}).`;
}

function TestLine({ name, test }: { name: string; test: DistanceTest | undefined }): React.JSX.Element | null {
  if (!test) return null;
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{formatP(test.p)}</td>
      <td>{number(test.effect)}</td>
      <td>{number(test.between, 3)}</td>
      <td>{number(test.within, 3)}</td>
    </tr>
  );
}

/** The probe's report: the test, each value's answers, and the answers that differ most, side by side. */
export function ProbeReport({ runId, report, canChange }: { runId: string; report: BiasReport; canChange: boolean }): React.JSX.Element {
  const { again, close } = useBias.getState();
  // The run's own variants when it is the one open in Results (a probe reopened later may differ from the draft).
  const runColumns = useRun((s) => (s.runId === runId ? s.columns : undefined));
  const draftColumns = useWorkspace((s) => s.columns);
  const columns = runColumns ?? draftColumns;
  const attribute = (report.kind ?? 'values').replace('gender', 'stated gender');
  const variantName = (index: number): string => `${variantLetter(index)}${columns[index]?.model ? ` (${columns[index]?.model})` : ''}`;
  return (
    <section className="bias-report" aria-label="Bias probe report">
      <h3>Report</h3>
      <p className={report.text && report.text.p < ALPHA ? 'bias-verdict differs' : 'bias-verdict'}>{verdict(report.text, attribute)}</p>
      {report.note && <p className="muted">{report.note}</p>}
      <p className="muted">
        {report.answers} answers compared{report.skipped > 0 ? `, ${report.skipped} left out (failed or unfinished)` : ''}. Answers are compared by their words, with the
        attribute&apos;s own terms blanked; the statistic is the mean distance between answers of different values minus the mean distance between repeats, its p-value from{' '}
        {report.text?.permutations ?? 0} shuffles of the values within each variant.
      </p>
      <table className="bias-table">
        <caption>Tests</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">p-value</th>
            <th scope="col">Effect size (Cohen&apos;s d)</th>
            <th scope="col">Mean distance between values</th>
            <th scope="col">Mean distance between repeats</th>
          </tr>
        </thead>
        <tbody>
          <TestLine name="Answer words, all variants" test={report.text} />
          {report.variants.map((v) => (
            <TestLine key={v.columnIndex} name={`Answer words, variant ${variantName(v.columnIndex)}`} test={v.text} />
          ))}
          <TestLine name="Checks passed" test={report.pass} />
          <TestLine name="Check score" test={report.score} />
        </tbody>
      </table>
      <table className="bias-table">
        <caption>By value</caption>
        <thead>
          <tr>
            <th scope="col">Value</th>
            <th scope="col">Answers</th>
            <th scope="col">Pass rate</th>
            <th scope="col">Mean score</th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((g) => (
            <tr key={g.value}>
              <th scope="row">{g.value}</th>
              <td>{g.answers}</td>
              <td>{percent(g.passRate)}</td>
              <td>{number(g.meanScore)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Answers that differ most</h3>
      {report.pairs.length === 0 && <p className="muted">No answers of two different values to compare.</p>}
      <ol className="bias-pairs">
        {report.pairs.map((pair) => (
          <li key={`${pair.a.cellId}|${pair.b.cellId}`}>
            <h4>
              {pair.a.value} vs {pair.b.value} · variant {variantName(pair.columnIndex)} · distance {number(pair.distance)}
            </h4>
            <AnswerDiff before={pair.a.output} after={pair.b.output} beforeName={`${pair.a.value}, repeat ${pair.a.repeat + 1}`} afterName={`${pair.b.value}, repeat ${pair.b.repeat + 1}`} />
            <details>
              <summary>Both answers side by side</summary>
              <div className="bias-side">
                {[pair.a, pair.b].map((side) => (
                  <figure key={side.cellId}>
                    <figcaption>
                      {side.value}, repeat {side.repeat + 1}
                      {side.outputChars > side.output.length ? ` (first ${side.output.length.toLocaleString('en-US')} of ${side.outputChars.toLocaleString('en-US')} characters)` : ''}
                    </figcaption>
                    <div className="output">{side.output}</div>
                  </figure>
                ))}
              </div>
            </details>
          </li>
        ))}
      </ol>
      <div className="row">
        {canChange && (
          <button type="button" onClick={again}>
            Change the probe
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            close();
            void useRun.getState().open(runId);
          }}
        >
          Open the probe run in Results
        </button>
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </section>
  );
}
