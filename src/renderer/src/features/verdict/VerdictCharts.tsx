/**
 * The verdict's pictures: win rates with their 95% whiskers, and quality against cost and
 * latency. Each is an image with a name that says what it shows; the same numbers are in the
 * panel's tables, for reading and for screen readers.
 */
import { Bar, BarChart, CartesianGrid, ErrorBar, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { Verdict } from '../../../../shared/contract';
import { variantLetter } from '../../../../shared/judging/verdict';
import { formatMs, formatPercent, formatUsd } from './format';

// SVG attributes do not read CSS variables: these are styles.css's --accent, --muted, --border.
const ACCENT = '#6aa9ff';
const MUTED = '#9aa1ad';
const GRID = '#30343e';
const TEXT = '#e4e6eb';

const axis = { stroke: MUTED, tick: { fill: MUTED, fontSize: 12 } };

interface WinRatePoint {
  name: string;
  rate: number;
  whisker: [number, number];
  low: number;
  high: number;
}

export function winRatePoints(verdict: Verdict): WinRatePoint[] {
  return verdict.pairs
    .filter((p) => p.winRate.estimate !== null)
    .map((p) => {
      const rate = (p.winRate.estimate ?? 0) * 100;
      const low = p.winRate.low * 100;
      const high = p.winRate.high * 100;
      return { name: `${variantLetter(p.a)} vs ${variantLetter(p.b)}`, rate, whisker: [rate - low, high - rate], low, high };
    });
}

export function WinRateChart({ verdict }: { verdict: Verdict }): React.JSX.Element | null {
  const data = winRatePoints(verdict);
  if (data.length === 0) return null;
  const description = data.map((d) => `${d.name}: first wins ${Math.round(d.rate)}% (95% interval ${Math.round(d.low)} to ${Math.round(d.high)}%)`).join('; ');
  return (
    <figure className="verdict-chart" role="img" aria-label={`Win rate of the first variant in each pair, with 95% intervals. ${description}`}>
      <BarChart
        accessibilityLayer={false}
        layout="vertical"
        data={data}
        width={460}
        height={Math.max(110, 44 * data.length + 50)}
        margin={{ top: 8, right: 24, bottom: 18, left: 8 }}
      >
        <CartesianGrid stroke={GRID} horizontal={false} />
        <XAxis type="number" domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} unit="%" {...axis} />
        <YAxis type="category" dataKey="name" width={64} {...axis} />
        <ReferenceLine x={50} stroke={MUTED} strokeDasharray="4 3" />
        <Bar dataKey="rate" fill={ACCENT} fillOpacity={0.55} barSize={18} minPointSize={2} isAnimationActive={false}>
          <ErrorBar dataKey="whisker" width={6} stroke={TEXT} strokeWidth={1.5} isAnimationActive={false} />
        </Bar>
      </BarChart>
      <figcaption className="muted">First variant&apos;s share of decisive votes; whiskers are 95% intervals; the dashed line is a coin toss.</figcaption>
    </figure>
  );
}

interface QualityPoint {
  letter: string;
  x: number;
  quality: number;
  /** How many labels of nearby points sit below this one's (so close points do not print over each other). */
  stack: number;
}

/** One point per variant; variants at the very same spot share a point labelled "A, B". */
export function qualityPoints(verdict: Verdict, against: 'cost' | 'latency'): QualityPoint[] {
  const points = new Map<string, QualityPoint>();
  for (const v of verdict.variants) {
    const x = against === 'cost' ? v.costMeanUsd : v.latencyMeanMs;
    if (v.quality === null || x === null) continue;
    const key = `${x}:${v.quality}`;
    const known = points.get(key);
    if (known) known.letter += `, ${variantLetter(v.columnIndex)}`;
    else points.set(key, { letter: variantLetter(v.columnIndex), x, quality: v.quality * 100, stack: 0 });
  }
  const list = [...points.values()];
  const span = Math.max(...list.map((p) => p.x), 0) || 1;
  list.forEach((p, i) => {
    p.stack = list.slice(0, i).filter((q) => Math.abs(q.x - p.x) <= span * 0.08 && Math.abs(q.quality - p.quality) <= 6).length;
  });
  return list;
}

/** A point and its letter; the letter climbs a line per earlier point nearby. */
function LabelledPoint({ cx, cy, payload }: { cx?: number; cy?: number; payload?: QualityPoint }): React.JSX.Element | null {
  if (cx === undefined || cy === undefined || !payload) return null;
  return (
    <g>
      <circle cx={cx} cy={cy} r={5} fill={ACCENT} />
      <text x={cx} y={cy - 9 - payload.stack * 13} textAnchor="middle" fill={TEXT} fontSize={12}>
        {payload.letter}
      </text>
    </g>
  );
}

export function QualityChart({ verdict, against }: { verdict: Verdict; against: 'cost' | 'latency' }): React.JSX.Element {
  const data = qualityPoints(verdict, against);
  const estimated = against === 'cost' && verdict.variants.some((v) => v.costEstimated === true);
  const title = against === 'cost' ? `Quality against mean cost per answer${estimated ? ' (costs partly estimated)' : ''}` : 'Quality against mean latency';
  const show = against === 'cost' ? formatUsd : formatMs;
  if (data.length === 0 || data.every((d) => d.x === 0)) {
    const why =
      data.length > 0
        ? 'every answer cost $0 (echo, or models without a price in Settings), so there is nothing to weigh'
        : `nothing to plot yet. Quality comes from checks, scores or votes; ${against === 'cost' ? 'cost needs a price for the model' : 'latency needs finished answers'}`;
    return (
      <figure className="verdict-chart" aria-label={title}>
        <p className="empty">
          {title}: {why}.
        </p>
      </figure>
    );
  }
  const description = data.map((d) => `${d.letter}: quality ${formatPercent(d.quality / 100)}, ${show(d.x)}`).join('; ');
  return (
    <figure className="verdict-chart" role="img" aria-label={`${title}, one point per variant. ${description}`}>
      <ScatterChart accessibilityLayer={false} width={300} height={220} margin={{ top: 36, right: 18, bottom: 18, left: 4 }}>
        <CartesianGrid stroke={GRID} />
        <XAxis
          type="number"
          dataKey="x"
          name={against === 'cost' ? 'Mean cost' : 'Mean latency'}
          domain={[0, 'auto']}
          tickFormatter={(value: number) => show(value)}
          {...axis}
        />
        <YAxis type="number" dataKey="quality" name="Quality" domain={[0, 100]} unit="%" width={48} {...axis} />
        <Tooltip cursor={false} contentStyle={{ background: '#22252d', border: `1px solid ${GRID}` }} />
        <Scatter data={data} fill={ACCENT} isAnimationActive={false} shape={(props: { cx?: number; cy?: number; payload?: QualityPoint }) => <LabelledPoint {...props} />} />
      </ScatterChart>
      <figcaption className="muted">{title}. Up and to the left is better.</figcaption>
    </figure>
  );
}
