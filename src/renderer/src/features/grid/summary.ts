/**
 * The words the grid shows about cells and variants, as pure functions: a repeat spread
 * ("3 runs · 2 distinct · 1.2–1.6 s · 140–170 tokens"), a variant's header, the progress line.
 */
import type { Cell } from '../../../../shared/schemas';
import { finishedOf, type Counts } from '../../state/stream-reducer';

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function range(values: readonly number[], format: (n: number) => string): string | undefined {
  if (values.length === 0) return undefined;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? format(min) : `${format(min)}–${format(max)}`;
}

function timeRange(values: readonly number[]): string | undefined {
  if (values.length === 0) return undefined;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return seconds(min);
  if (max < 1000) return `${Math.round(min)}–${Math.round(max)} ms`;
  if (min >= 1000) return `${(min / 1000).toFixed(1)}–${(max / 1000).toFixed(1)} s`;
  return `${seconds(min)}–${seconds(max)}`;
}

/** How the repeats of one slot differ, over the ones that finished with an answer. */
export function spreadOf(cells: readonly (Cell | undefined)[]): string | undefined {
  const done = cells.filter((c): c is Cell => c?.status === 'done');
  if (done.length < 2) return undefined;
  const distinct = new Set(done.map((c) => c.output)).size;
  const parts = [`${done.length} runs`, `${distinct} distinct`];
  const time = timeRange(done.flatMap((c) => (c.totalMs === undefined ? [] : [c.totalMs])));
  if (time) parts.push(time);
  const tokens = range(done.flatMap((c) => (c.usage.outputTokens === undefined ? [] : [c.usage.outputTokens])), (n) => n.toLocaleString('en-US'));
  if (tokens) parts.push(`${tokens} tokens`);
  return parts.join(' · ');
}

export { keyParams, variantTitle } from '../../../../shared/variants';

export function formatEta(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function usd(n: number): string {
  return n === 0 ? '$0' : n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** "412 / 1,000 · 3 errors · ETA 0:42 · $0.18 so far" */
export function progressLine(counts: Counts, eta: number | undefined, running: boolean): string {
  // Answered (done or failed) out of all: cells a stop cancelled are counted on their own.
  const answered = finishedOf(counts) - counts.cancelled;
  const parts = [`${answered.toLocaleString('en-US')} / ${counts.total.toLocaleString('en-US')}`];
  if (counts.error > 0) parts.push(`${counts.error.toLocaleString('en-US')} error${counts.error === 1 ? '' : 's'}`);
  if (counts.cancelled > 0) parts.push(`${counts.cancelled.toLocaleString('en-US')} stopped`);
  if (counts.cached > 0) parts.push(`${counts.cached.toLocaleString('en-US')} cached`);
  const etaText = running ? formatEta(eta) : undefined;
  if (etaText) parts.push(`ETA ${etaText}`);
  // Cells whose server sent no usage were priced from counted tokens: the total is then an estimate.
  const estimated = (counts.costEstimated ?? 0) > 0;
  parts.push(`${estimated ? '≈' : ''}${usd(counts.costUsd)} ${running ? 'so far' : 'spent'}${estimated ? ' (estimated)' : ''}`);
  return parts.join(' · ');
}
