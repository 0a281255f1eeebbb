import type { RunEstimate } from '../../../../shared/contract';

const count = new Intl.NumberFormat('en-US');

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return '< $0.01';
  return `$${usd.toFixed(2)}`;
}

/** "≈ 12,400 input tokens · ≈ $0.03 for 40 cells", and what the figure leaves out. */
export function describeEstimate(estimate: RunEstimate, models: readonly string[]): { summary: string; notes: string[] } {
  const cells = `${count.format(estimate.cells)} ${estimate.cells === 1 ? 'cell' : 'cells'}`;
  const cost = estimate.costUsd === undefined ? 'no price' : `≈ ${formatUsd(estimate.costUsd)}`;
  const summary = `≈ ${count.format(estimate.inputTokens)} input tokens · ${cost} for ${cells}`;
  const notes: string[] = [];
  const unpriced = [...new Set(estimate.columns.filter((c) => !c.priced).map((c) => models[c.columnIndex] || `column ${c.columnIndex + 1}`))];
  if (unpriced.length > 0) notes.push(`no price for model ${unpriced.join(', ')} (add one in Settings → Prices)`);
  const outputs = [...new Set(estimate.columns.map((c) => c.assumedOutputTokens))];
  if (estimate.costUsd !== undefined) notes.push(`assumes ${outputs.map((n) => count.format(n)).join('/')} output tokens a cell`);
  const batched = estimate.columns.filter((c) => c.batch === true).length;
  if (batched > 0) notes.push(`${batched === estimate.columns.length ? 'every variant goes' : `${batched} ${batched === 1 ? 'variant goes' : 'variants go'}`} as a batch: half the list price, answered within 24 hours`);
  const first = estimate.errors[0];
  if (first) notes.push(`${estimate.errors.length} ${estimate.errors.length === 1 ? 'row fails' : 'rows fail'} to render (row ${first.caseIndex + 1}: ${first.message})`);
  return { summary, notes };
}
