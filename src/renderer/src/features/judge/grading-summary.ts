/**
 * The one line a cell's checks are summed up in. With a test threshold (promptfoo's), a row can
 * pass with failed checks, or fail with none: the line then says the aggregate score did it.
 */
import type { Grading } from '../../../../shared/schemas';

const AGGREGATE = /^Aggregate score /;

export function gradingSummary(grading: Grading): string {
  const total = grading.componentResults.length;
  const failed = grading.componentResults.filter((c) => !c.pass);
  const checks = `check${total === 1 ? '' : 's'}`;
  const byScore = AGGREGATE.test(grading.reason);
  if (grading.pass) return `✓ ${total - failed.length}/${total} ${checks}${failed.length > 0 && byScore ? ` · ${grading.reason}` : ''}`;
  if (failed.length === 0) return `✗ ${grading.reason}`;
  return `✗ ${failed.length} of ${total} failed: ${byScore ? grading.reason : (failed[0]?.reason ?? grading.reason)}`;
}
