/**
 * Batch runs: a variant's cells sent to a vendor's batch engine (OpenAI's Batch API, Anthropic's
 * Message Batches) as one job, answered within 24 hours at half the list price.
 */
import { z } from 'zod';

/** What a batch costs against the list price: both vendors charge half. */
export const BATCH_PRICE_FACTOR = 0.5;

export const batchVendorSchema = z.enum(['openai', 'anthropic']);
export type BatchVendor = z.infer<typeof batchVendorSchema>;

/** A job's state: `submitting` until the vendor has it, then the vendor's own (in one set of words). */
export const batchJobStatusSchema = z.enum(['submitting', 'validating', 'in_progress', 'finalizing', 'cancelling', 'completed', 'failed', 'expired', 'cancelled', 'ended']);
export type BatchJobStatus = z.infer<typeof batchJobStatusSchema>;

export const batchJobSchema = z.object({
  id: z.string(),
  runId: z.string(),
  columnIndex: z.number().int().nonnegative(),
  providerId: z.string(),
  vendor: batchVendorSchema,
  /** The vendor's id for the job, once it has it. */
  remoteId: z.string().optional(),
  status: batchJobStatusSchema,
  total: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Results written into cells so far. */
  fetched: z.number().int().nonnegative(),
  /** Why the whole job failed, as the vendor said it. */
  problem: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BatchJob = z.infer<typeof batchJobSchema>;

/** The job will change no more. */
export function isBatchOver(status: BatchJobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'expired' || status === 'cancelled' || status === 'ended';
}

/** Which engine a provider's kind (and OpenAI API) can batch through, if any. */
export function batchVendorOf(kind: string, api: string | undefined): BatchVendor | undefined {
  if (kind === 'anthropic') return 'anthropic';
  if (kind === 'openai' && api !== 'responses') return 'openai';
  return undefined;
}

/** Error codes of cells a batch did not answer: what "Send N failed live" sends again. */
export const BATCH_FAILURE_CODES: readonly string[] = ['batch_expired', 'batch_failed'];
