import type { RunSummary } from '../../../../shared/schemas';
import { labelWithoutLetter, variantLetter } from '../../../../shared/variants';
import { formatPercent, formatUsd } from '../verdict/format';

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** "5 rows × 2 variants × 2 repeats": the run's matrix, from its counts. */
export function matrixOf(run: RunSummary): string {
  const variants = run.variants?.length ?? (run.caseCount > 0 && run.repeats > 0 ? Math.round(run.cellCount / (run.caseCount * run.repeats)) : 0);
  const parts = [count(run.caseCount, 'row'), count(variants, 'variant')];
  if (run.repeats > 1) parts.push(count(run.repeats, 'repeat'));
  return parts.join(' × ');
}

/** "A: terse (gpt-4o) · B: gpt-4o-mini": what tells one run's variants from another's. */
export function variantsOf(run: RunSummary): string {
  if (!run.variants) return run.models.join(', ');
  return run.variants
    .map((v, i) => {
      const letter = variantLetter(i);
      const label = v.label ? labelWithoutLetter(v.label, i) : '';
      return label === '' ? `${letter}: ${v.model}` : `${letter}: ${label} (${v.model})`;
    })
    .join(' · ');
}

/** "83% of 12": cells that passed every check; "–" without checks or while running. */
export function passRateOf(run: RunSummary): string {
  if (run.graded === undefined) return run.status === 'running' ? 'running' : '–';
  if (run.graded === 0) return 'no checks';
  return `${formatPercent((run.passed ?? 0) / run.graded)} of ${run.graded.toLocaleString('en-US')}`;
}

/** The cost, saying when part of it is unknown (cells with no price). */
export function costOf(run: RunSummary): string {
  if (run.costUsd === undefined) return '–';
  if ((run.priced ?? 0) === 0) return 'no price';
  const partial = (run.priced ?? 0) < run.cellCount - run.errorCount;
  const estimate = (run.costEstimated ?? 0) > 0 ? ' (estimate)' : '';
  return `${formatUsd(run.costUsd)}${estimate}${partial ? ' (part unpriced)' : ''}`;
}

export function when(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
