/** History's side of the contract: finding runs (search and filters) and comparing two of them. */
import { z } from 'zod';
import { runStatusSchema, runSummarySchema } from './schemas';

export const HISTORY_PAGE_MAX = 500;

export const runsListInputSchema = z
  .object({
    limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).default(100),
    offset: z.number().int().min(0).default(0),
    /** Words to find in the prompt, the test cases' values or the answers (each as a prefix, all required). */
    query: z.string().max(500).optional(),
    models: z.array(z.string().max(500)).max(50).optional(),
    labels: z.array(z.string().max(80)).max(50).optional(),
    statuses: z.array(runStatusSchema).max(4).optional(),
    /** Started at or after this instant (ISO 8601). */
    from: z.iso.datetime().optional(),
    /** Started before this instant (ISO 8601). */
    to: z.iso.datetime().optional(),
  })
  .strict();
export type RunsListInput = z.input<typeof runsListInputSchema>;
export type RunsListFilter = z.output<typeof runsListInputSchema>;

export const runsListOutputSchema = z.object({
  runs: z.array(runSummarySchema),
  /** Runs that match (all runs without a search or filter). */
  total: z.number().int(),
  /** Every model and label any run used, for the filters. */
  facets: z.object({ models: z.array(z.string()), labels: z.array(z.string()) }).optional(),
});
export type RunsList = z.infer<typeof runsListOutputSchema>;

const figuresSchema = z.object({
  passRate: z.number().nullable(),
  meanScore: z.number().nullable(),
  meanLatencyMs: z.number().nullable(),
  costUsd: z.number(),
  priced: z.number().int(),
  estimated: z.number().int(),
  cells: z.number().int(),
  errors: z.number().int(),
});

const rowChangeSchema = z.enum(['fixed', 'broken', 'same']);

const comparedRunSchema = z.object({ id: z.string(), createdAt: z.string(), title: z.string(), caseCount: z.number().int() });

/** Rows of the comparison carried per call; the rest come page by page. */
export const COMPARE_ROWS_MAX = 200;
/** Row numbers listed of the rows only one run has (the counts are always whole). */
export const UNMATCHED_LISTED = 50;

export const runsCompareInputSchema = z
  .object({
    baseRunId: z.string().min(1),
    otherRunId: z.string().min(1),
    /** Which rows to list: those whose outcome changed for some variant, or all matched rows. */
    rows: z.enum(['changed', 'all']).default('changed'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(COMPARE_ROWS_MAX).default(50),
  })
  .strict();

export const runsCompareOutputSchema = z.object({
  base: comparedRunSchema,
  other: comparedRunSchema,
  /** Outcomes are the checks' (pass share of a row's repeats) when both runs have checks, else answering without an error. */
  basis: z.enum(['checks', 'errors']),
  matchedRows: z.number().int(),
  /** Row numbers (0-based) only one run has, the first UNMATCHED_LISTED of each, and how many in all. */
  onlyInBase: z.array(z.number().int()),
  onlyInBaseCount: z.number().int(),
  onlyInOther: z.array(z.number().int()),
  onlyInOtherCount: z.number().int(),
  pairs: z.array(
    z.object({
      baseColumn: z.number().int(),
      otherColumn: z.number().int(),
      baseLabel: z.string(),
      otherLabel: z.string(),
      base: figuresSchema,
      other: figuresSchema,
      fixed: z.number().int(),
      broken: z.number().int(),
      same: z.number().int(),
      skipped: z.number().int(),
      p: z.number(),
      sentence: z.string(),
    }),
  ),
  /** Variants of one run with no counterpart in the other. */
  unpairedBase: z.array(z.string()),
  unpairedOther: z.array(z.string()),
  rows: z.array(
    z.object({
      baseCase: z.number().int(),
      otherCase: z.number().int(),
      /** The test case's values, shortened for a table cell. */
      vars: z.string(),
      /** Per pair (in `pairs` order): outcome in each run (0–1, null: none) and the change. */
      outcomes: z.array(z.object({ base: z.number().nullable(), other: z.number().nullable(), change: rowChangeSchema.nullable() })),
    }),
  ),
  /** Rows the `rows` choice holds in all. */
  rowTotal: z.number().int(),
});
export type RunsCompare = z.infer<typeof runsCompareOutputSchema>;
