/**
 * The run's verdict: who wins each pair and how sure we are, the ranking for three or more
 * variants, pass rates, speed, cost and consistency per variant, with charts beside the tables.
 * It refetches when votes, ratings or cells of its run change.
 */
import { useEffect, useState } from 'react';
import type { AppEvent, Verdict } from '../../../../shared/contract';
import { variantLetter } from '../../../../shared/judging/verdict';
import { bridge } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useRun } from '../../state/run';
import { QualityChart, WinRateChart } from './VerdictCharts';
import { AgreementSection, useAgreement } from './AgreementSection';
import { ExportResults } from './ExportResults';
import { formatMean, formatMs, formatPercent, formatPValue, formatRate, formatStrength, formatUsd, NONE } from './format';
import './verdict.css';
import { ThumbIcon } from '../../components/Icon';

/** Votes and ratings move the verdict at once; streaming cells only every so often. */
const SOON_MS = 150;
const WHILE_RUNNING_MS = 1500;

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; verdict: Verdict };

function useVerdict(runId: string, rater: string): { load: Load; refresh: () => void } {
  // Keyed by run, so switching runs shows "loading" rather than the previous run's numbers.
  const [state, setState] = useState<{ runId: string; load: Load } | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let alive = true;
    let inFlight = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchNow = (): void => {
      const mine = ++inFlight;
      bridge()
        .api['judge.verdict']({ runId, ...(rater !== '' ? { rater } : {}) })
        .then(
          (verdict) => {
            if (alive && inFlight === mine) setState({ runId, load: { kind: 'ready', verdict } });
          },
          (error: unknown) => {
            if (alive && inFlight === mine) setState({ runId, load: { kind: 'error', message: messageOf(error) } });
          },
        );
    };
    const schedule = (delay: number): void => {
      // A sooner refetch replaces a later one; a later one never postpones a sooner one.
      if (timer !== undefined && delay >= WHILE_RUNNING_MS) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        fetchNow();
      }, delay);
    };
    fetchNow();
    const b = bridge();
    const off = b.onEvent((event: AppEvent) => {
      if (event.type === 'cell.delta' || event.runId !== runId) return;
      if (event.type === 'cell.update') {
        if (['done', 'error', 'cancelled'].includes(event.cell.status)) schedule(WHILE_RUNNING_MS);
      } else schedule(SOON_MS);
    });
    const offReconnect = b.onReconnect?.(() => schedule(SOON_MS));
    return () => {
      alive = false;
      off();
      offReconnect?.();
      clearTimeout(timer);
    };
  }, [runId, rater, attempt]);

  const load: Load = state?.runId === runId ? state.load : { kind: 'loading' };
  return { load, refresh: () => setAttempt((n) => n + 1) };
}

function letter(index: number): string {
  return variantLetter(index);
}

function PairsSection({ verdict }: { verdict: Verdict }): React.JSX.Element {
  const labels = verdict.variants.map((v) => v.label);
  if (verdict.votes === 0) {
    return (
      <section className="verdict-section" aria-labelledby="verdict-pairs">
        <h3 id="verdict-pairs">Who wins</h3>
        <p className="empty">Judge pairs to see who wins: open Judge, compare two answers to the same row without their names, and press 1, 2, 3 or 4.</p>
      </section>
    );
  }
  return (
    <section className="verdict-section" aria-labelledby="verdict-pairs">
      <h3 id="verdict-pairs">Who wins</h3>
      <ul className="verdict-sentences" aria-label="What the votes say">
        {verdict.pairs.map((p) => (
          <li key={`${p.a}:${p.b}`} className={p.better ? 'shown' : undefined}>
            <strong>
              {letter(p.a)} vs {letter(p.b)}:
            </strong>{' '}
            {p.sentence}
          </li>
        ))}
      </ul>
      <div className="verdict-with-chart">
        <table className="verdict-table" aria-label="Pairs of variants">
          <caption className="muted">
            Wins, losses and the win rate are the first variant&apos;s; p is the two-sided sign test on decisive votes.
            {verdict.ranking !== null && ' Bradley–Terry: the ranking model’s chance for the same pair, which also uses the other pairs’ votes.'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Pair</th>
              <th scope="col">Wins</th>
              <th scope="col">Losses</th>
              <th scope="col">Ties</th>
              <th scope="col">Both bad</th>
              <th scope="col">Win rate (95% CI)</th>
              {verdict.ranking !== null && <th scope="col">Bradley–Terry (95%)</th>}
              <th scope="col">p</th>
              <th scope="col">More votes for a 10-point difference</th>
            </tr>
          </thead>
          <tbody>
            {verdict.pairs.map((p) => (
              <tr key={`${p.a}:${p.b}`}>
                <th scope="row" title={`${labels[p.a] ?? ''} vs ${labels[p.b] ?? ''}`}>
                  {letter(p.a)} vs {letter(p.b)}
                </th>
                <td>{p.wins}</td>
                <td>{p.losses}</td>
                <td>{p.ties}</td>
                <td>{p.bothBad}</td>
                <td>{formatRate(p.winRate)}</td>
                {verdict.ranking !== null && <td>{formatRate(p.model)}</td>}
                <td className={p.better ? 'significant' : undefined}>{formatPValue(p.p)}</td>
                <td>{p.better ? NONE : p.moreVotesNeeded}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <WinRateChart verdict={verdict} />
      </div>
    </section>
  );
}

function RankingSection({ verdict }: { verdict: Verdict }): React.JSX.Element | null {
  if (verdict.variants.length < 3) return null;
  return (
    <section className="verdict-section" aria-labelledby="verdict-ranking">
      <h3 id="verdict-ranking">Ranking</h3>
      {verdict.ranking === null ? (
        <p className="empty">Vote on pairs to rank the variants.</p>
      ) : (
        <table className="verdict-table" aria-label="Ranking">
          <caption className="muted">
            Bradley–Terry with a weak prior: each variant&apos;s chance to beat an average variant, with a 95% profile-likelihood interval. Few votes, or a
            variant that never won, give wide intervals.
          </caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col" className="label-col">Variant</th>
              <th scope="col">Chance to beat an average variant (95%)</th>
            </tr>
          </thead>
          <tbody>
            {verdict.ranking.map((r) => (
              <tr key={r.columnIndex}>
                <td>{r.rank}</td>
                <th scope="row">{verdict.variants[r.columnIndex]?.label ?? letter(r.columnIndex)}</th>
                <td>
                  <span className="strength-bar" aria-hidden="true">
                    <span className="strength-range" style={{ left: `${r.low * 100}%`, width: `${Math.max(1, (r.high - r.low) * 100)}%` }} />
                    <span className="strength-point" style={{ left: `${r.strength * 100}%` }} />
                  </span>
                  {formatStrength(r.strength, r.low, r.high)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function checkLabel(check: Verdict['variants'][number]['checks'][number]): string {
  return check.check ?? check.type;
}

function ChecksSection({ verdict }: { verdict: Verdict }): React.JSX.Element {
  // Every check any variant has, with its weight (promptfoo's `weight`; shown when it is not 1).
  const names = new Map<string, number>();
  for (const v of verdict.variants) for (const c of v.checks) if (!names.has(checkLabel(c))) names.set(checkLabel(c), c.weight ?? 1);
  const anyChecks = verdict.variants.some((v) => v.passRate !== null);
  return (
    <section className="verdict-section" aria-labelledby="verdict-checks">
      <h3 id="verdict-checks">Checks</h3>
      {!anyChecks ? (
        <p className="empty">Add checks in Checks to see pass rates: each answer is tested (contains, is-json, similarity, a judge model…) and the rates show here.</p>
      ) : (
        <table className="verdict-table" aria-label="Pass rates">
          <caption className="muted">
            Share of answers that passed each check, with 95% Wilson intervals. Mean over checks weighs each check by its weight; all checks passed
            counts the answers that passed every one.
          </caption>
          <thead>
            <tr>
              <th scope="col" className="label-col">Variant</th>
              <th scope="col">Mean over checks</th>
              <th scope="col">All checks passed</th>
              {[...names].map(([name, weight]) => (
                <th scope="col" key={name} title={name}>
                  {weight === 1 ? name : `${name} (weight ${weight})`}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {verdict.variants.map((v) => (
              <tr key={v.columnIndex}>
                <th scope="row">{v.label}</th>
                <td>{formatPercent(v.checkMean)}</td>
                <td>{formatRate(v.passRate)}</td>
                {[...names.keys()].map((t) => {
                  const check = v.checks.find((c) => checkLabel(c) === t);
                  return (
                    <td key={t} title={check ? `${check.passed} of ${check.total} passed` : undefined}>
                      {check ? `${formatRate(check.rate)} · ${check.passed}/${check.total}` : NONE}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function VariantsSection({ verdict }: { verdict: Verdict }): React.JSX.Element {
  const repeats = verdict.variants.some((v) => v.consistency !== null);
  const scored = verdict.variants.some((v) => v.scored > 0 || v.thumbsUp > 0 || v.thumbsDown > 0);
  return (
    <section className="verdict-section" aria-labelledby="verdict-variants">
      <h3 id="verdict-variants">Speed, cost and scores</h3>
      <table className="verdict-table" aria-label="Per variant">
        <thead>
          <tr>
            <th scope="col" className="label-col">Variant</th>
            <th scope="col">Answers</th>
            <th scope="col">Mean latency</th>
            <th scope="col">p95 latency</th>
            <th scope="col">Mean tokens</th>
            <th scope="col">Total cost</th>
            <th scope="col">Mean cost</th>
            {scored && <th scope="col">Mean score</th>}
            {scored && <th scope="col">Thumbs</th>}
            {repeats && <th scope="col">Identical repeats</th>}
            {repeats && <th scope="col">Score spread (sd)</th>}
            <th scope="col">Quality</th>
          </tr>
        </thead>
        <tbody>
          {verdict.variants.map((v) => (
            <tr key={v.columnIndex}>
              <th scope="row">{v.label}</th>
              <td>
                {v.done} of {v.cells}
              </td>
              <td>{formatMs(v.latencyMeanMs)}</td>
              <td>{formatMs(v.latencyP95Ms)}</td>
              <td>{formatMean(v.tokensMean)}</td>
              <td>{formatUsd(v.costUsd, v.costEstimated)}</td>
              <td>{formatUsd(v.costMeanUsd, v.costEstimated)}</td>
              {scored && <td>{v.scored > 0 ? `${formatMean(v.scoreMean, 2)} (${v.scored})` : NONE}</td>}
              {scored && (
                <td>
                  <span aria-label={`${v.thumbsUp} up, ${v.thumbsDown} down`}>
                    <ThumbIcon direction="up" /> {v.thumbsUp} · <ThumbIcon direction="down" /> {v.thumbsDown}
                  </span>
                </td>
              )}
              {repeats && <td>{v.consistency ? `${formatPercent(v.consistency.identicalShare)} over ${v.consistency.rows} rows` : NONE}</td>}
              {repeats && <td>{v.consistency?.scoreSpread != null ? formatMean(v.consistency.scoreSpread, 2) : NONE}</td>}
              <td>{formatPercent(v.quality)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted verdict-note">
        Quality is the mean of the checks&apos; pass rates (weighted) when there are checks, else the mean score (1–5 as 0–100%), else the share of votes
        won.
        {verdict.variants.some((v) => v.costEstimated === true) && ' A cost marked ≈ is estimated: the server sent no token counts, so they were counted with a tokenizer.'}
      </p>
      <div className="verdict-charts">
        <QualityChart verdict={verdict} against="cost" />
        <QualityChart verdict={verdict} against="latency" />
      </div>
    </section>
  );
}

export function VerdictPanel({ runId }: { runId: string }): React.JSX.Element {
  // Rankings and win rates from the people's votes, one per pair of a row (''), or one rater's (a judge's too).
  const [rater, setRater] = useState('');
  const { load, refresh } = useVerdict(runId, rater);
  const agreement = useAgreement(runId);
  const raters = agreement.kind === 'ready' ? agreement.report.raters : [];
  const running = useRun((s) => s.runId === runId && s.running);
  return (
    <section className="verdict" aria-label="Verdict">
      <div className="row verdict-head">
        <h2>Verdict</h2>
        {load.kind === 'ready' && <span className="muted">{load.verdict.votes === 1 ? '1 vote' : `${load.verdict.votes} votes`}</span>}
        <span className="spacer" />
        {(raters.length >= 2 || rater !== '') && (
          <label className="verdict-rater">
            Votes from{' '}
            <select value={rater} onChange={(e) => setRater(e.target.value)}>
              <option value="">All people (one vote per pair)</option>
              {raters.map((r) => (
                <option key={r.rater} value={r.rater}>
                  {r.rater} ({r.votes})
                </option>
              ))}
            </select>
          </label>
        )}
        <ExportResults runId={runId} />
      </div>
      {running && (
        <p className="verdict-running" role="status">
          The run is still going: these numbers cover the answers so far and update as more arrive.
        </p>
      )}
      {load.kind === 'loading' && <p className="muted">Reading the verdict…</p>}
      {load.kind === 'error' && (
        <p className="error-text" role="alert">
          Could not read the verdict: {load.message}{' '}
          <button type="button" className="link" onClick={refresh}>
            Try again
          </button>
        </p>
      )}
      {load.kind === 'ready' && (
        <>
          {load.verdict.variants.length < 2 ? (
            <p className="empty">This run has one variant: add a second in Variants and run again to compare them.</p>
          ) : (
            <>
              <PairsSection verdict={load.verdict} />
              <RankingSection verdict={load.verdict} />
              <AgreementSection runId={runId} load={agreement} labels={load.verdict.variants.map((v) => v.label)} />
            </>
          )}
          <ChecksSection verdict={load.verdict} />
          <VariantsSection verdict={load.verdict} />
        </>
      )}
    </section>
  );
}
