/**
 * Several raters in the verdict: how far the people who voted agree (Cohen's kappa for two,
 * Fleiss' kappa and Krippendorff's alpha for more, per pair of variants and overall, with 95%
 * intervals), the pairs they disagree on most (a click opens the pair in Judge), and each LLM
 * judge measured against them (src/shared/judging/agreement.ts).
 */
import { useEffect, useState } from 'react';
import type { AgreementMeasures, AgreementReport, Calibration } from '../../../../shared/judging/agreement';
import { variantLetter } from '../../../../shared/judging/verdict';
import { api, bridge } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useJudge } from '../../state/judge';
import { useEditorTab } from '../grid/editorTab';
import { formatPercent, formatRate, NONE } from './format';
import { formatUsd } from '../estimate/describe';

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; report: AgreementReport };

/** The agreement report of a run, read again whenever a vote changes. */
export function useAgreement(runId: string): Load {
  const [state, setState] = useState<{ runId: string; load: Load } | undefined>();
  const [changes, setChanges] = useState(0);
  useEffect(() => bridge().onEvent((event) => event.type === 'judge.changed' && event.runId === runId && setChanges((n) => n + 1)), [runId]);
  useEffect(() => {
    let live = true;
    const read = api()['judge.agreement']({ runId });
    read.then(
        (report) => live && setState({ runId, load: { kind: 'ready', report } }),
        (error: unknown) => live && setState({ runId, load: { kind: 'error', message: messageOf(error) } }),
      );
    return () => {
      live = false;
    };
  }, [runId, changes]);
  return state?.runId === runId ? state.load : { kind: 'loading' };
}

function formatKappa(value: { estimate: number | null; low: number | null; high: number | null; degenerate?: string } | null | undefined): string {
  if (!value) return NONE;
  if (value.estimate === null) return value.degenerate === 'one-category' ? 'undefined (one category)' : NONE;
  const interval = value.low !== null && value.high !== null ? ` (${value.low.toFixed(2)} to ${value.high.toFixed(2)})` : '';
  return `${value.estimate.toFixed(2)}${interval}`;
}

function MeasureCells({ m }: { m: AgreementMeasures }): React.JSX.Element {
  return (
    <>
      <td>{m.items}</td>
      <td>{m.raters}</td>
      <td>{formatPercent(m.percentAgree)}</td>
      <td>{formatKappa(m.cohen)}</td>
      <td>{formatKappa(m.fleiss)}</td>
      <td>{formatKappa(m.alpha)}</td>
    </>
  );
}

/** Opens Judge on one pair of one row. */
async function openPair(runId: string, caseIndex: number, a: number, b: number): Promise<void> {
  await useJudge.getState().load(runId, undefined);
  const { pairs, goTo } = useJudge.getState();
  const at = pairs.findIndex((p) => p.caseIndex === caseIndex && Math.min(p.leftColumn, p.rightColumn) === a && Math.max(p.leftColumn, p.rightColumn) === b);
  if (at >= 0) goTo(at);
  useEditorTab.getState().setTab('judge');
}

const CONFUSION = ['first better', 'second better', 'tie'];

function CalibrationTable({ c, labels }: { c: Calibration; labels: readonly string[] }): React.JSX.Element {
  return (
    <div className="agreement-judge">
      <h4>{c.judge}</h4>
      <p>
        Agrees with the people on {c.accuracy.k} of {c.accuracy.n} pairs: accuracy {formatRate(c.accuracy)}, kappa {formatKappa(c.kappa)}.
        {c.positionBias && ` Position bias: its choice changed with the order on ${c.positionBias.k} of ${c.positionBias.n} pairs (${formatRate(c.positionBias)}).`}
        {c.selfPreference &&
          ` Self-preference: ${
            c.selfPreference.judge.n === 0
              ? `it gave no decisive vote on the pairs of its own variant (${labels[c.selfPreference.columnIndex] ?? variantLetter(c.selfPreference.columnIndex)})`
              : `it judges its own variant (${labels[c.selfPreference.columnIndex] ?? variantLetter(c.selfPreference.columnIndex)}) better in ${formatRate(c.selfPreference.judge)} of its decisive votes`
          }; the people, ${formatRate(c.selfPreference.humans)}.`}
      </p>
      <table className="verdict-table" aria-label={`Confusion table of ${c.judge} against the people`}>
        <thead>
          <tr>
            <th scope="col">People say ↓ · judge says →</th>
            {CONFUSION.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {c.confusion.map((row, i) => (
            <tr key={CONFUSION[i]}>
              <th scope="row">{CONFUSION[i]}</th>
              {row.map((n, j) => (
                <td key={j}>{n}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PairwiseJudgeButton({ runId }: { runId: string }): React.JSX.Element {
  const [state, setState] = useState<{ busy: boolean; message?: string; error?: boolean; confirm?: string }>({ busy: false });
  // First the count and the bill; the calls start only when confirmed.
  const estimate = async (): Promise<void> => {
    setState({ busy: false });
    try {
      const e = await api()['judge.pairwiseEstimate']({ runId });
      const cost = e.costUsd !== undefined ? `about ${formatUsd(e.costUsd)}` : 'cost unknown (no price for the model)';
      const capped = e.capped > 0 ? ` (the first ${e.pairs}; ${e.capped} more are left for another time)` : '';
      setState({ busy: false, confirm: `${e.rater} would judge ${e.pairs} pairs${capped} in ${e.calls} calls, ${cost}.` });
    } catch (error) {
      setState({ busy: false, error: true, message: messageOf(error) });
    }
  };
  const run = async (): Promise<void> => {
    setState({ busy: true, message: 'Asking the judge about every pair, in both orders…' });
    try {
      const r = await api()['judge.pairwise']({ runId });
      const rest = r.notAsked !== undefined ? `; ${r.notAsked} not asked${r.stopped === true ? ' (stopped)' : ''}` : '';
      setState({ busy: false, message: `${r.rater} voted on ${r.voted} pairs; its choice changed with the order on ${r.flips}${r.failed > 0 ? `; ${r.failed} gave no verdict` : ''}${rest}.` });
    } catch (error) {
      setState({ busy: false, error: true, message: messageOf(error) });
    }
  };
  const stop = (): void => {
    void api()['judge.pairwiseStop']({ runId }).catch(() => undefined);
  };
  return (
    <div className="row">
      {state.busy ? (
        <button type="button" onClick={stop}>
          Stop the pairwise judge
        </button>
      ) : (
        <button type="button" disabled={state.confirm !== undefined} onClick={() => void estimate()}>
          Ask the pairwise judge
        </button>
      )}
      {state.confirm !== undefined && (
        <span role="group" aria-label="Confirm the pairwise judge" className="row">
          <span role="status">{state.confirm}</span>
          <button type="button" className="primary" onClick={() => void run()}>
            Start judging
          </button>
          <button type="button" onClick={() => setState({ busy: false })}>
            Cancel
          </button>
        </span>
      )}
      {state.message && (
        <span className={state.error ? 'error-text' : 'muted'} role={state.error ? 'alert' : 'status'}>
          {state.message}
        </span>
      )}
    </div>
  );
}

export function AgreementSection({ runId, load, labels }: { runId: string; load: Load; labels: readonly string[] }): React.JSX.Element | null {
  if (load.kind === 'loading') return null;
  if (load.kind === 'error') {
    return (
      <p className="error-text" role="alert">
        Could not read the raters&apos; agreement: {load.message}
      </p>
    );
  }
  const { report } = load;
  const people = report.raters.filter((r) => !r.judge);
  const name = (i: number): string => variantLetter(i);
  return (
    <section className="verdict-section" aria-labelledby="verdict-agreement">
      <h3 id="verdict-agreement">Raters and agreement</h3>
      <p className="muted">
        {report.raters.length === 0
          ? 'No votes yet.'
          : `Votes from ${report.raters.map((r) => `${r.rater} (${r.votes})`).join(', ')}.`}{' '}
        Export a ballot from Judge for colleagues to vote on, then import their votes files to see how far you agree.
      </p>
      {people.length >= 2 && (
        <table className="verdict-table" aria-label="Agreement between raters">
          <caption className="muted">
            Pairs rated by two or more people. Kappa and alpha: 1 is full agreement, 0 what chance gives. Cohen&apos;s kappa (two people) with its
            asymptotic 95% interval; Fleiss&apos; kappa (pairs everyone rated) and Krippendorff&apos;s alpha (missing votes allowed) with seeded bootstrap
            95% intervals.
          </caption>
          <thead>
            <tr>
              <th scope="col">Variants</th>
              <th scope="col">Pairs</th>
              <th scope="col">People</th>
              <th scope="col">Raw agreement</th>
              <th scope="col">Cohen&apos;s kappa</th>
              <th scope="col">Fleiss&apos; kappa</th>
              <th scope="col">Krippendorff&apos;s alpha</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">All</th>
              <MeasureCells m={report.overall} />
            </tr>
            {report.pairs.length > 1 &&
              report.pairs.map((p) => (
                <tr key={`${p.a}:${p.b}`}>
                  <th scope="row" title={`${labels[p.a] ?? ''} vs ${labels[p.b] ?? ''}`}>
                    {name(p.a)} vs {name(p.b)}
                  </th>
                  <MeasureCells m={p.measures} />
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {report.disagreements.length > 0 && (
        <>
          <h4>Where people disagree most</h4>
          <ul className="agreement-disagreements" aria-label="Pairs people disagree on">
            {report.disagreements.map((d) => (
              <li key={`${d.caseIndex}:${d.a}:${d.b}`}>
                <button type="button" className="link" onClick={() => void openPair(runId, d.caseIndex, d.a, d.b)}>
                  Row {d.caseIndex + 1}, {name(d.a)} vs {name(d.b)}
                </button>{' '}
                <span className="muted">
                  {d.labels.map((l) => `${l.rater}: ${l.label === 'a' ? name(d.a) : l.label === 'b' ? name(d.b) : l.label === 'tie' ? 'tie' : 'both bad'}`).join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>LLM judge</h4>
      <p className="muted">
        The pairwise judge sees each pair blind, in both orders; a pair whose verdict changes with the order counts as a tie. Its votes are signed
        judge:&lt;model&gt; and measured against the people&apos;s majority.
      </p>
      <PairwiseJudgeButton runId={runId} />
      {report.judges.map((c) => (
        <CalibrationTable key={c.judge} c={c} labels={labels} />
      ))}
    </section>
  );
}
