import type { RunsCompare } from '../../../../shared/history';
import { useHistory } from '../../state/history';
import { formatMs, formatPercent, formatUsd } from '../verdict/format';
import { when } from '../history/format';
import { CompareRows } from './CompareRows';
import './compare.css';

type Pair = RunsCompare['pairs'][number];
type Figures = Pair['base'];

function rows(n: number): string {
  return `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
}

/** "+12 pts", "−40 ms", "+$0.0012": a signed change; "–" when either side has no figure. */
function delta(a: number | null, b: number | null, format: (n: number) => string): string {
  if (a === null || b === null) return '–';
  const d = b - a;
  if (Math.abs(d) < 1e-12) return 'no change';
  return `${d > 0 ? '+' : '−'}${format(Math.abs(d))}`;
}

const points = (share: number): string => `${(share * 100).toFixed(1).replace(/\.0$/, '')} pts`;
const score = (n: number | null): string => (n === null ? '–' : n.toFixed(2));

function cost(f: Figures): string {
  if (f.priced === 0) return 'no price';
  return `${formatUsd(f.costUsd)}${f.estimated > 0 ? ' (estimate)' : ''}${f.priced < f.cells - f.errors ? ' (part unpriced)' : ''}`;
}

function PairCard({ pair, basis }: { pair: Pair; basis: RunsCompare['basis'] }): React.JSX.Element {
  const heading = pair.baseLabel === pair.otherLabel ? pair.baseLabel : `${pair.baseLabel} → ${pair.otherLabel}`;
  const metrics: { name: string; a: string; b: string; change: string }[] = [
    {
      name: basis === 'checks' ? 'Pass rate (every check)' : 'Answered without an error',
      a: basis === 'checks' ? formatPercent(pair.base.passRate) : formatPercent(pair.base.cells > 0 ? 1 - pair.base.errors / pair.base.cells : null),
      b: basis === 'checks' ? formatPercent(pair.other.passRate) : formatPercent(pair.other.cells > 0 ? 1 - pair.other.errors / pair.other.cells : null),
      change:
        basis === 'checks'
          ? delta(pair.base.passRate, pair.other.passRate, points)
          : delta(pair.base.cells > 0 ? 1 - pair.base.errors / pair.base.cells : null, pair.other.cells > 0 ? 1 - pair.other.errors / pair.other.cells : null, points),
    },
    { name: 'Mean check score', a: score(pair.base.meanScore), b: score(pair.other.meanScore), change: delta(pair.base.meanScore, pair.other.meanScore, (n) => n.toFixed(2)) },
    { name: 'Mean latency', a: formatMs(pair.base.meanLatencyMs), b: formatMs(pair.other.meanLatencyMs), change: delta(pair.base.meanLatencyMs, pair.other.meanLatencyMs, formatMs) },
    {
      name: 'Cost',
      a: cost(pair.base),
      b: cost(pair.other),
      change: pair.base.priced > 0 && pair.other.priced > 0 ? delta(pair.base.costUsd, pair.other.costUsd, formatUsd) : '–',
    },
  ];
  return (
    <article className="compare-pair" aria-label={`Variant ${heading}`}>
      <h3>{heading}</h3>
      <p className="compare-sentence">{pair.sentence}</p>
      <p className="muted">
        Fixed {rows(pair.fixed)}, broken {rows(pair.broken)}, same {rows(pair.same)}
        {pair.skipped > 0 ? `; ${rows(pair.skipped)} without an outcome in one run` : ''}.
      </p>
      <table className="compare-figures" aria-label={`Figures of ${heading}`}>
        <thead>
          <tr>
            <th scope="col">Over the matched rows</th>
            <th scope="col">Run 1</th>
            <th scope="col">Run 2</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.name}>
              <th scope="row">{m.name}</th>
              <td>{m.a}</td>
              <td>{m.b}</td>
              <td>{m.change}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function list(indexes: readonly number[], count: number): string {
  const shown = indexes.map((i) => `#${i + 1}`).join(', ');
  return count > indexes.length ? `${shown} and ${(count - indexes.length).toLocaleString('en-US')} more` : shown;
}

function Matching({ comparison: c }: { comparison: RunsCompare }): React.JSX.Element {
  return (
    <p>
      {rows(c.matchedRows)} matched by their test-case values.{' '}
      {c.onlyInBaseCount === 0 && c.onlyInOtherCount === 0 ? 'Every row has its counterpart.' : ''}
      {c.onlyInBaseCount > 0 && <>Only in run 1: {list(c.onlyInBase, c.onlyInBaseCount)}. </>}
      {c.onlyInOtherCount > 0 && <>Only in run 2: {list(c.onlyInOther, c.onlyInOtherCount)}. </>}
      {c.unpairedBase.length > 0 && <>Variants only in run 1: {c.unpairedBase.join(', ')}. </>}
      {c.unpairedOther.length > 0 && <>Variants only in run 2: {c.unpairedOther.join(', ')}. </>}
    </p>
  );
}

/** Two runs side by side: did the edit help? */
export function CompareView(): React.JSX.Element | null {
  const comparison = useHistory((s) => s.comparison);
  const comparing = useHistory((s) => s.comparing);
  const error = useHistory((s) => s.compareError);
  const close = useHistory((s) => s.closeCompare);
  const swap = useHistory((s) => s.swapCompared);
  if (!comparison) return null;
  const { base, other } = comparison;
  return (
    <section className="panel compare" aria-labelledby="compare-heading">
      <div className="row spread">
        <h2 id="compare-heading">Compare runs</h2>
        <div className="row">
          <button type="button" onClick={() => void swap()} disabled={comparing}>
            Swap runs
          </button>
          <button type="button" onClick={close}>
            Back to History
          </button>
        </div>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <dl className="compare-runs">
        <dt>Run 1 (base)</dt>
        <dd>
          {when(base.createdAt)} · {base.title || '(empty prompt)'} · {rows(base.caseCount)}
        </dd>
        <dt>Run 2</dt>
        <dd>
          {when(other.createdAt)} · {other.title || '(empty prompt)'} · {rows(other.caseCount)}
        </dd>
      </dl>
      <Matching comparison={comparison} />
      <p className="muted">
        {comparison.basis === 'checks'
          ? "A row's outcome is the share of its repeats that pass every check. The sign test counts the rows that changed, each once."
          : "Neither run has checks on both sides, so a row's outcome is answering without an error. Add checks (Checks tab) to compare quality."}
      </p>
      {comparison.pairs.length === 0 ? (
        <p className="empty">The runs share no variant to compare.</p>
      ) : (
        <div className="compare-pairs">
          {comparison.pairs.map((pair) => (
            <PairCard key={`${pair.baseColumn}:${pair.otherColumn}`} pair={pair} basis={comparison.basis} />
          ))}
        </div>
      )}
      <CompareRows />
    </section>
  );
}
