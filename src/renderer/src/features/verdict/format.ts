/**
 * How the verdict's numbers read on screen. A missing number (null, NaN) reads as "–", never 0.
 */
import { formatP } from '../../../../shared/stats/pair-verdict';

export const NONE = '–';

function known(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** 0.756 → "76%"; shares under 10% and over 90% keep one decimal so 99.5% does not read as 100%. */
export function formatPercent(share: number | null | undefined): string {
  if (!known(share)) return NONE;
  const percent = share * 100;
  const exact = Math.abs(percent - Math.round(percent)) < 1e-9;
  if (exact || (percent >= 10 && percent <= 90)) return `${Math.round(percent)}%`;
  return `${percent.toFixed(1)}%`;
}

/** "76% (49–94%)": an estimate with its 95% interval; "–" without an estimate. */
export function formatRate(rate: { estimate: number | null; low: number; high: number } | null | undefined): string {
  if (!rate || !known(rate.estimate)) return NONE;
  return `${formatPercent(rate.estimate)} (${formatPercent(rate.low).replace('%', '')}–${formatPercent(rate.high)})`;
}

/** A p-value alone: "0.031", "< 0.001", "1". */
export function formatPValue(p: number | null | undefined): string {
  if (!known(p)) return NONE;
  return formatP(p).replace(/^p = /, '').replace(/^p < /, '< ');
}

/** 412 → "412 ms", 1534 → "1.53 s". */
export function formatMs(ms: number | null | undefined): string {
  if (!known(ms)) return NONE;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Dollars with enough digits for fractions of a cent: "$0", "$0.00042", "$1.2345"; "≈$0.00042 (estimated)" for counted tokens. */
export function formatUsd(usd: number | null | undefined, estimated = false): string {
  if (!known(usd)) return NONE;
  if (estimated) return `≈${formatUsd(usd)} (estimated)`;
  if (usd === 0) return '$0';
  if (usd < 0.01) {
    // Two significant digits, written out: toPrecision would say 1e-7.
    const digits = Math.min(12, Math.ceil(-Math.log10(usd)) + 1);
    return `$${usd.toFixed(digits).replace(/0+$/, '')}`;
  }
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** A mean count: "12", "12.5". */
export function formatMean(value: number | null | undefined, digits = 1): string {
  if (!known(value)) return NONE;
  return Number(value.toFixed(digits)).toLocaleString('en-US');
}

/** A chance with its interval, as the ranking shows it: "87% (55–98%)". */
export function formatStrength(strength: number, low: number, high: number): string {
  return formatRate({ estimate: strength, low, high });
}
