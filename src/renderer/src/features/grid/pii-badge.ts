import { describeCounts } from '../../../../shared/pii/kinds';
import type { Cell } from '../../../../shared/schemas';

/** "PII masked: 2 email, 1 phone" (or "PII sent: …" under warn); undefined when nothing was found. */
export function piiBadgeText(cell: Pick<Cell, 'pii'> | undefined): string | undefined {
  const pii = cell?.pii;
  if (!pii) return undefined;
  const counts = describeCounts(pii.counts);
  if (counts === '') return undefined;
  return pii.policy === 'mask' ? `PII masked: ${counts}` : `PII sent: ${counts}`;
}
