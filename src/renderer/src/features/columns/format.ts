export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** "$0.00042", or "≈$0.00042 (estimated)" when the tokens were counted here (the server sent no usage). */
export function formatCost(usd: number | undefined, estimated = false): string {
  if (usd === undefined) return 'no price';
  const figure = usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(4)}`;
  return estimated ? `≈${figure} (estimated)` : figure;
}

// One formatter: toLocaleString builds a new one on every call, which the grid makes for each
// cell it draws.
const wholeNumbers = new Intl.NumberFormat('en-US');

export function formatTokens(n: number | undefined): string {
  return n === undefined ? '–' : wholeNumbers.format(n);
}
