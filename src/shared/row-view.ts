/**
 * How the results grid orders and filters a run's rows (test cases). A run may have 10,000+
 * rows and the page holds only the ones on screen, so main computes the order (runs.rows) and
 * the grid maps each display position to a case index.
 */
import { z } from 'zod';

/** What rows can be sorted by; every metric but `case` is measured on the cells of a row. */
export const ROW_SORT_KEYS = ['case', 'passRate', 'score', 'rating', 'latency', 'cost', 'tokens', 'check'] as const;
export type RowSortKey = (typeof ROW_SORT_KEYS)[number];

const columnIndex = z.number().int().min(0).max(999);
const checkIndex = z.number().int().min(0).max(49);

export const rowSortSchema = z
  .object({
    by: z.enum(ROW_SORT_KEYS),
    /** The variant whose cells are measured; every variant's when absent. */
    column: columnIndex.optional(),
    /** For `check`: the position of the check in the run's list of checks for every row. */
    check: checkIndex.optional(),
    descending: z.boolean().optional(),
  })
  .strict();
export type RowSort = z.infer<typeof rowSortSchema>;

/** Every condition given must hold; a cell condition holds when any cell of the row meets it. */
export const rowFilterSchema = z
  .object({
    /** Only cells of this variant count for the conditions below. */
    column: columnIndex.optional(),
    /** A check failed on an answer of the row. */
    failed: z.boolean().optional(),
    /** This check (position in the run's checks for every row) failed. */
    check: checkIndex.optional(),
    /** A cell of the row failed (an error, not a check). */
    errors: z.boolean().optional(),
    /** The checks' score (0–1) or a person's rating (1–5) at most or at least `value`. */
    score: z
      .object({ of: z.enum(['checks', 'rating']), op: z.enum(['<=', '>=']), value: z.number().finite().min(-1e9).max(1e9) })
      .strict()
      .optional(),
    /** Found, as typed (no patterns), in the row's variables or in an answer. */
    text: z.string().max(500).optional(),
  })
  .strict();
export type RowFilter = z.infer<typeof rowFilterSchema>;

export const rowsQuerySchema = z
  .object({ runId: z.string().min(1), sort: rowSortSchema.optional(), filter: rowFilterSchema.optional() })
  .strict();

export const rowsResultSchema = z.object({
  /** Case indexes in display order: the rows that pass the filter, sorted. */
  rows: z.array(z.number().int().nonnegative()),
  /** Rows in the run. */
  total: z.number().int().nonnegative(),
  /** The run's checks for every row, named, in the order `check` counts them. */
  checks: z.array(z.string()),
});
export type RowsResult = z.infer<typeof rowsResultSchema>;

/** True when the filter narrows nothing. */
export function isEmptyFilter(filter: RowFilter | undefined): boolean {
  if (!filter) return true;
  return !filter.failed && filter.check === undefined && !filter.errors && filter.score === undefined && (filter.text ?? '') === '';
}

/** A check's short name for a menu: `contains "Paris"`, `latency (threshold 500)`, `llm-rubric (tone)`. */
export function checkLabel(check: { type: string; value?: unknown; threshold?: number; metric?: string }): string {
  let label = check.type;
  if (check.metric) label += ` (${check.metric})`;
  const value = check.value;
  if (typeof value === 'string' && value !== '') label += ` "${value.length > 40 ? `${value.slice(0, 39)}…` : value}"`;
  else if (typeof value === 'number') label += ` ${value}`;
  else if (Array.isArray(value)) label += ` [${value.length}]`;
  if (check.threshold !== undefined) label += ` (threshold ${check.threshold})`;
  return label.replace(/\p{Cc}/gu, ' ');
}
