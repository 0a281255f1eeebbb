/**
 * The API contract: every method the UI can call, with its input and output schema, and
 * every event main sends. The IPC binding, the preload, the web door and both renderer
 * bridges are all derived from this one list.
 */
import { z } from 'zod';
import { batchJobSchema } from './batch';
import { toolCallCheckSchema, toolCallsCheckInputSchema } from './tool-calls';
import {
  cellSchema,
  columnSchema,
  messageSchema,
  providerInfoSchema,
  providerInputSchema,
  MAX_REPEATS,
  MAX_TEST_CASES,
  judgeSchema,
  ratingSchema,
  runDetailSchema,
  runProgressSchema,
  runStatusSchema,
  testCaseSchema,
  variablesSchema,
  workspaceSchema,
} from './schemas';
import {
  labelSchema,
  promptNameSchema,
  promptSummarySchema,
  promptVersionSchema,
  savePromptSchema,
  versionSummarySchema,
} from './library';
import type { MethodName } from './methods';
import { assertionSchema } from './assertions/types';
import { biasReportInputSchema, biasReportSchema } from './bias/report';
import { runsCompareInputSchema, runsCompareOutputSchema, runsListInputSchema, runsListOutputSchema } from './history';
import { regradeEstimateSchema, regradeInputSchema, runChecksSchema } from './regrade';
import { rowsQuerySchema, rowsResultSchema } from './row-view';
import { toolChoiceSchema, toolsSchema } from './tools';
import { MAX_IMAGE_BASE64_CHARS, MAX_IMAGE_BYTES, STORED_IMAGE, imageValueSchema } from './images';
import { MAX_MAX_ANSWER_BYTES, MIN_MAX_ANSWER_BYTES } from './answer-limit';
import { agreementSchema } from './judging/agreement';
import { MAX_VOTES_FILE_CHARS, raterNameSchema } from './judging/raters';
import { authorCallSchema, authorEstimateSchema, authorResultSchema, authorSettingsSchema, tryRevisionSchema } from './author';
import { effectivePiiSchema, piiPreviewSchema, piiSettingsSchema } from './pii/kinds';

export { EVENT_CHANNEL, bridgeFunctionName, ipcChannel, methodNames, type MethodName } from './methods';

const empty = z.object({}).strict();

const answerLimitSchema = z.object({ maxAnswerBytes: z.number().int().positive(), defaultBytes: z.number().int().positive() });

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): { input: I; output: O } {
  return { input, output };
}

export const runRequestSchema = z.object({
  /** The library prompt the draft belongs to: the run is recorded against its version. */
  promptId: z.string().optional(),
  messages: z.array(messageSchema).min(1, 'A run needs at least one message.'),
  testCases: z.array(testCaseSchema).min(1, 'Add at least one test case to run.').max(MAX_TEST_CASES),
  /** Run only these rows of the table (0-based); all rows when absent. */
  caseIndexes: z.array(z.number().int().nonnegative()).optional(),
  columns: z.array(columnSchema).min(1, 'Add at least one column to run.').max(32, 'A run can have at most 32 columns.'),
  repeats: z.number().int().min(1).max(MAX_REPEATS).default(1),
  /** Serve unchanged requests from the response cache (never for repeats after the first). */
  useCache: z.boolean().default(true),
  /** Checks for every row, on top of each row's own. */
  assertions: z.array(assertionSchema).max(50).default([]),
  judge: judgeSchema.optional(),
  /** Tools the prompt offers (given to every variant that does not set its own). */
  tools: toolsSchema.optional(),
  toolChoice: toolChoiceSchema.optional(),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

/** What a run will cost before it starts: real token counts of the rendered prompts. */
export const runEstimateSchema = z.object({
  cells: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  /** Sum over columns with a known price; absent when no column has one. */
  costUsd: z.number().nonnegative().optional(),
  /** The output tokens assumed per cell for the cost (max_tokens, else 256). */
  columns: z.array(
    z.object({
      columnIndex: z.number().int().nonnegative(),
      inputTokens: z.number().int().nonnegative(),
      assumedOutputTokens: z.number().int().nonnegative(),
      costUsd: z.number().nonnegative().optional(),
      priced: z.boolean(),
      /** The variant goes as a batch: its cost is the batch price (half the list price). */
      batch: z.boolean().optional(),
    }),
  ),
  /** Rows whose template failed to render, with the reason. */
  errors: z.array(z.object({ caseIndex: z.number().int(), message: z.string() })),
});
export type RunEstimate = z.infer<typeof runEstimateSchema>;

/** A template error with its place: 1-based line and column in the message's text. */
export const templateErrorSchema = z.object({
  messageIndex: z.number().int().nonnegative(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  message: z.string(),
});
export type TemplateErrorInfo = z.infer<typeof templateErrorSchema>;

export const voteOutcomeSchema = z.enum(['left', 'right', 'tie', 'both_bad', 'skip']);
export type VoteOutcome = z.infer<typeof voteOutcomeSchema>;

/** Two answers to the same row from two variants, sides fixed per pair (randomised once). */
export const judgePairSchema = z.object({
  caseIndex: z.number().int().nonnegative(),
  leftCellId: z.string(),
  rightCellId: z.string(),
  leftColumn: z.number().int().nonnegative(),
  rightColumn: z.number().int().nonnegative(),
  leftOutput: z.string(),
  rightOutput: z.string(),
  vote: voteOutcomeSchema.optional(),
  note: z.string().optional(),
});
export type JudgePair = z.infer<typeof judgePairSchema>;

/**
 * An LLM judge's pairwise decision in each order, both told from the stored sides: `forward`
 * with the answers as stored, `reversed` with them swapped. They differ when position decided.
 */
export const voteDetailSchema = z.object({
  kind: z.literal('llm-pairwise'),
  forward: z.enum(['left', 'right', 'tie']),
  reversed: z.enum(['left', 'right', 'tie']),
});
export type VoteDetail = z.infer<typeof voteDetailSchema>;

export const voteSchema = z.object({
  id: z.string(),
  runId: z.string(),
  caseIndex: z.number().int(),
  leftCellId: z.string(),
  rightCellId: z.string(),
  leftColumn: z.number().int(),
  rightColumn: z.number().int(),
  outcome: voteOutcomeSchema,
  note: z.string().optional(),
  createdAt: z.string(),
  /** Who gave it: the person's name from Settings, a colleague's from a votes file, or "judge:<model>". */
  rater: z.string(),
  detail: voteDetailSchema.optional(),
});
export type Vote = z.infer<typeof voteSchema>;


const intervalSchema = z.object({ estimate: z.number().nullable(), low: z.number(), high: z.number() });

/** The run's verdict: the statistics of its votes, checks and measurements. */
export const verdictSchema = z.object({
  variants: z.array(
    z.object({
      columnIndex: z.number().int(),
      label: z.string(),
      cells: z.number().int(),
      done: z.number().int(),
      latencyMeanMs: z.number().nullable(),
      latencyP95Ms: z.number().nullable(),
      tokensMean: z.number().nullable(),
      costUsd: z.number(),
      costMeanUsd: z.number().nullable(),
      /** Some of the cost was counted with the tokenizer because the server sent no usage: an estimate. */
      costEstimated: z.boolean().optional(),
      /** Mean 1–5 score given by people, and how many. */
      scoreMean: z.number().nullable(),
      scored: z.number().int(),
      thumbsUp: z.number().int(),
      thumbsDown: z.number().int(),
      /** Share of cells whose every check passed (all-pass), with its interval; null without checks. */
      passRate: intervalSchema.nullable(),
      /**
       * Each check's pass rate. A check is one assertion (its `metric` name when it has one, so
       * promptfoo's named metrics pool), with its promptfoo `weight` (1 when absent).
       */
      checks: z.array(
        z.object({ type: z.string(), check: z.string().optional(), weight: z.number().optional(), passed: z.number().int(), total: z.number().int(), rate: intervalSchema }),
      ),
      /** Weighted mean of the checks' pass rates; null without checks. */
      checkMean: z.number().nullable().optional(),
      /** With repeats: mean over rows of the share of identical outputs, and the mean spread (sd) of check scores. */
      consistency: z.object({ identicalShare: z.number(), scoreSpread: z.number().nullable(), rows: z.number().int() }).nullable(),
      /** 0..1 quality for the charts: mean check pass rate, else mean score scaled, else win rate. */
      quality: z.number().nullable(),
    }),
  ),
  pairs: z.array(
    z.object({
      a: z.number().int(),
      b: z.number().int(),
      wins: z.number().int(),
      losses: z.number().int(),
      ties: z.number().int(),
      bothBad: z.number().int(),
      winRate: intervalSchema,
      p: z.number(),
      better: z.enum(['a', 'b']).nullable(),
      moreVotesNeeded: z.number().int(),
      sentence: z.string(),
      /** With a ranking: a's chance to beat b under the Bradley–Terry model, with its 95% profile interval. */
      model: intervalSchema.optional(),
    }),
  ),
  /**
   * Bradley–Terry with a weak prior, for three or more variants with votes
   * (src/shared/stats/bradley-terry-intervals.ts): `strength` is the chance to beat an average
   * variant, `low`–`high` its 95% profile-likelihood interval.
   */
  ranking: z
    .array(z.object({ columnIndex: z.number().int(), strength: z.number(), low: z.number(), high: z.number(), rank: z.number().int() }))
    .nullable(),
  votes: z.number().int(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const priceSchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  /** Input read from the prompt cache; the input price when absent. */
  cachedInputPerMTok: z.number().nonnegative().optional(),
  /** Input written to the prompt cache (Anthropic); the input price when absent. */
  cacheWritePerMTok: z.number().nonnegative().optional(),
  /** Thinking tokens, when they are priced apart from the answer; the output price when absent. */
  reasoningPerMTok: z.number().nonnegative().optional(),
});
export const priceTableSchema = z.record(z.string().min(1).max(200), priceSchema);

export const appInfoSchema = z.object({
  version: z.string(),
  door: z.enum(['electron', 'web']),
  dataDir: z.string(),
  /** Where keys typed into Settings are kept, so the UI can say so. */
  keyStorage: z.enum(['vault', 'memory']),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const PROMPT_FORMAT_IDS = ['prompty', 'promptfoo-json', 'promptfoo-text', 'openai-chat', 'markdown', 'typescript', 'python', 'curl'] as const;

/** A file's content on its way out of or into the app. Files are small text; 5 MB is plenty. */
export const fileSchema = z.object({
  fileName: z.string().min(1).max(255),
  text: z.string().max(5 * 1024 * 1024, 'The file is larger than 5 MB.'),
});
export const exportedFileSchema = fileSchema.extend({ mimeType: z.string() });

const savedPromptSchema = z.object({ prompt: promptSummarySchema, version: promptVersionSchema, created: z.boolean() });

/** An environment variable the person allowed to go to a host that is not its own. */
export const keyHostApprovalSchema = z
  .object({
    envar: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'An environment variable name has letters, digits and underscores only.'),
    host: z.string().trim().min(1).max(253),
  })
  .strict();
const keyHostListSchema = z.object({ approvals: z.array(keyHostApprovalSchema) });

export const contract = {
  'app.info': method(empty, appInfoSchema),
  'workspace.get': method(empty, workspaceSchema),
  'workspace.save': method(workspaceSchema, z.object({ savedAt: z.string() })),
  'providers.list': method(empty, z.array(providerInfoSchema)),
  'providers.save': method(providerInputSchema, providerInfoSchema),
  'providers.remove': method(z.object({ id: z.string().min(1) }).strict(), z.object({})),
  'providers.models': method(z.object({ providerId: z.string().min(1) }).strict(), z.object({ models: z.array(z.string()) })),
  /** Keys for other hosts: environment variables allowed to go to a host that is not their own. */
  'keyHosts.list': method(empty, keyHostListSchema),
  'keyHosts.add': method(keyHostApprovalSchema, keyHostListSchema),
  'keyHosts.remove': method(keyHostApprovalSchema, keyHostListSchema),
  // Personal data (src/shared/pii): each provider's policy, and what a request would have masked.
  'pii.settings': method(empty, z.record(z.string(), effectivePiiSchema)),
  'pii.save': method(z.object({ providerId: z.string().min(1).max(200), settings: piiSettingsSchema.strict() }).strict(), effectivePiiSchema),
  'pii.preview': method(z.object({ providerId: z.string().min(1).max(200), messages: z.array(messageSchema).max(200) }).strict(), piiPreviewSchema),
  'runs.start': method(
    runRequestSchema,
    /** promptVersionId: the library version the run was recorded against, if any. */
    z.object({ runId: z.string(), total: z.number().int(), promptVersionId: z.string().optional() }),
  ),
  'runs.stop': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ stopped: z.number().int() })),
  /** Cells of rows fromCase..toCase-1, every column and repeat, in case-major order. */
  'runs.cells': method(
    z
      .object({ runId: z.string().min(1), fromCase: z.number().int().nonnegative(), toCase: z.number().int().positive() })
      .strict()
      .refine((v) => v.toCase > v.fromCase && v.toCase - v.fromCase <= 1000, 'Ask for 1 to 1000 rows at a time.'),
    z.object({ cells: z.array(cellSchema) }),
  ),
  /** The results grid's rows in display order: sorted by a metric and filtered, as case indexes. */
  'runs.rows': method(rowsQuerySchema, rowsResultSchema),
  /** Cells of the rows named (case indexes), every column and repeat, as runs.cells carries them. */
  'runs.rowCells': method(
    z.object({ runId: z.string().min(1), cases: z.array(z.number().int().nonnegative()).min(1).max(1000) }).strict(),
    z.object({ cells: z.array(cellSchema) }),
  ),
  /** One cell with its whole stored answer (runs.get and runs.cells carry long answers cut short, with outputChars). */
  'runs.cell': method(z.object({ cellId: z.string().min(1) }).strict(), cellSchema),
  /** An answer's tool calls checked against the tools offered: JSON, a known tool, arguments that fit its schema. */
  'toolCalls.check': method(toolCallsCheckInputSchema, z.object({ checks: z.array(toolCallCheckSchema) })),
  'runs.progress': method(z.object({ runId: z.string().min(1) }).strict(), runProgressSchema.extend({ status: runStatusSchema })),
  /** Runs cells of a finished run again, in place: the failed ones, or the ones named. */
  'runs.rerun': method(
    z.object({ runId: z.string().min(1), cellIds: z.array(z.string().min(1)).max(MAX_TEST_CASES).optional(), failed: z.boolean().optional() }).strict(),
    z.object({ queued: z.number().int() }),
  ),
  /** The batch jobs of a run (its variants sent to a vendor's batch engine): status and counts. */
  'runs.batches': method(
    z.object({ runId: z.string().min(1) }).strict(),
    z.object({ jobs: z.array(batchJobSchema), /** Cells a batch did not answer (expired, failed): what runs.sendFailedLive sends. */ failedCells: z.number().int().nonnegative() }),
  ),
  /** Sends a finished run's cells a batch did not answer (expired, failed) again, live. */
  /** Cancels a running run's batch jobs only (its live variants go on). */
  'runs.cancelBatches': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ cancelled: z.boolean() })),
  'runs.sendFailedLive': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ queued: z.number().int() })),
  /** Continues a run a crash interrupted: every cell that never finished. */
  'runs.resume': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ queued: z.number().int() })),
  /** The checks a run's answers are graded with (what a re-grade compares the Checks tab to). */
  'runs.checks': method(z.object({ runId: z.string().min(1) }).strict(), runChecksSchema),
  /** What grading a finished run's answers with other checks would do: answers, judge calls, tokens, cost. */
  'runs.regradeEstimate': method(regradeInputSchema, regradeEstimateSchema),
  /** Grades a finished run's answers with other checks, in the background (regrade.* events); no model is asked again. */
  'runs.regrade': method(regradeInputSchema, z.object({ answers: z.number().int() })),
  /** Stops a re-grade: graded cells keep their new results, the others their old ones. */
  'runs.stopRegrade': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ stopped: z.boolean() })),
  'runs.estimate': method(
    runRequestSchema.pick({ messages: true, testCases: true, columns: true, repeats: true, caseIndexes: true, tools: true, toolChoice: true }),
    runEstimateSchema,
  ),
  /** The exact messages a row would send, rendered by the same engine as a run. */
  'templates.preview': method(
    z.object({ messages: z.array(messageSchema).min(1), vars: variablesSchema }).strict(),
    z.object({ messages: z.array(messageSchema), errors: z.array(templateErrorSchema) }),
  ),
  /** How much of one answer Parallax keeps (UTF-8 bytes); the rest is cut with a mark. */
  'answers.limit': method(empty, answerLimitSchema),
  'answers.setLimit': method(
    z
      .object({
        maxAnswerBytes: z
          .number()
          .int()
          .min(MIN_MAX_ANSWER_BYTES, `Keep at least ${MIN_MAX_ANSWER_BYTES} bytes of an answer.`)
          .max(MAX_MAX_ANSWER_BYTES, `Keep at most ${MAX_MAX_ANSWER_BYTES / 1024 / 1024} MB of an answer.`),
      })
      .strict(),
    answerLimitSchema,
  ),
  /** The price table: built-in list prices with the user's own entries over them. */
  'prices.get': method(empty, z.object({ prices: priceTableSchema, overrides: priceTableSchema })),
  'prices.save': method(z.object({ overrides: priceTableSchema }).strict(), z.object({ prices: priceTableSchema, overrides: priceTableSchema })),
  /** Pairs of answers to judge, blind: sides are shuffled per pair, the same every time. */
  'judge.pairs': method(
    z.object({ runId: z.string().min(1), columns: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional() }).strict(),
    z.object({ pairs: z.array(judgePairSchema), voted: z.number().int() }),
  ),
  /** Records (or replaces) the vote on a pair. */
  'judge.vote': method(
    z
      .object({
        runId: z.string().min(1),
        leftCellId: z.string().min(1),
        rightCellId: z.string().min(1),
        outcome: voteOutcomeSchema,
        note: z.string().max(10_000).optional(),
      })
      .strict(),
    voteSchema,
  ),
  'judge.votes': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ votes: z.array(voteSchema) })),
  /** A cell's score, thumb, tags and note; null clears a field. */
  'judge.rate': method(
    z
      .object({
        cellId: z.string().min(1),
        score: z.number().int().min(1).max(5).nullable().optional(),
        thumb: z.enum(['up', 'down']).nullable().optional(),
        tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
        note: z.string().max(10_000).nullable().optional(),
      })
      .strict(),
    ratingSchema,
  ),
  /** The verdict; with `rater`, from that rater's votes only (rankings by one person or judge). */
  'judge.verdict': method(z.object({ runId: z.string().min(1), rater: z.string().min(1).max(200).optional() }).strict(), verdictSchema),
  /** The name the local person's votes and ratings carry (Settings › Your name). */
  'raters.me': method(empty, z.object({ name: z.string() })),
  'raters.setMe': method(z.object({ name: raterNameSchema }).strict(), z.object({ name: z.string() })),
  /** The run's blind pairs as a ballot file for colleagues (src/shared/judging/ballot.ts). */
  'judge.exportBallot': method(z.object({ runId: z.string().min(1) }).strict(), exportedFileSchema),
  /** Merges a colleague's votes file into the run, by rater; importing the same file again changes nothing. */
  'judge.importVotes': method(
    z.object({ runId: z.string().min(1), text: z.string().max(MAX_VOTES_FILE_CHARS, 'The votes file is larger than 5 MB.') }).strict(),
    z.object({ rater: z.string(), added: z.number().int(), changed: z.number().int(), unchanged: z.number().int() }),
  ),
  /** Agreement between raters, and each LLM judge against the people. */
  'judge.agreement': method(z.object({ runId: z.string().min(1) }).strict(), agreementSchema),
  /** Asks the run's judge (or the provider and model given) to vote on every pair, in both orders. */
  'judge.pairwise': method(
    z.object({ runId: z.string().min(1), providerId: z.string().min(1).optional(), model: z.string().min(1).max(200).optional(), rubric: z.string().max(10_000).optional() }).strict(),
    // notAsked: pairs left unasked, over the cap or after a stop.
    z.object({ rater: z.string(), voted: z.number().int(), flips: z.number().int(), failed: z.number().int(), notAsked: z.number().int().optional(), stopped: z.boolean().optional() }),
  ),
  /** What asking the pairwise judge would take: pairs (capped), calls (two per pair) and their estimated cost. */
  'judge.pairwiseEstimate': method(
    z.object({ runId: z.string().min(1), providerId: z.string().min(1).optional(), model: z.string().min(1).max(200).optional(), rubric: z.string().max(10_000).optional() }).strict(),
    z.object({ rater: z.string(), pairs: z.number().int(), capped: z.number().int(), calls: z.number().int(), inputTokens: z.number().int(), costUsd: z.number().optional() }),
  ),
  /** Stops the pairwise judge of a run: no new calls; votes already given are kept. */
  'judge.pairwiseStop': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ stopped: z.boolean() })),
  /** A bias probe's report: answers of rows that differ only in a protected attribute, against repeats (src/shared/bias/report.ts). */
  'bias.report': method(biasReportInputSchema, biasReportSchema),
  /** The whole run as a file: cells with checks and ratings, and the votes. */
  'runs.export': method(z.object({ runId: z.string().min(1), format: z.enum(['json', 'csv']) }).strict(), exportedFileSchema),
  /** Runs newest first, with a search over prompts, test cases and answers and filters (src/shared/history.ts). */
  'runs.list': method(runsListInputSchema, runsListOutputSchema),
  /** Two runs side by side per test case: deltas per pair of variants and the sign test on paired outcomes. */
  'runs.compare': method(runsCompareInputSchema, runsCompareOutputSchema),
  /** The run open in Results, kept across a reload or a restart. */
  'runs.opened': method(empty, z.object({ runId: z.string().optional() })),
  'runs.setOpened': method(z.object({ runId: z.string().min(1).nullable() }).strict(), z.object({})),
  'runs.get': method(z.object({ runId: z.string().min(1) }).strict(), runDetailSchema),
  'library.list': method(z.object({ query: z.string().max(500).default('') }).strict(), z.object({ prompts: z.array(promptSummarySchema) })),
  'library.get': method(
    z.object({ promptId: z.string().min(1) }).strict(),
    z.object({ prompt: promptSummarySchema, versions: z.array(versionSummarySchema) }),
  ),
  'library.version': method(z.object({ versionId: z.string().min(1) }).strict(), promptVersionSchema),
  'library.save': method(savePromptSchema, savedPromptSchema),
  'library.label': method(z.object({ versionId: z.string().min(1), label: labelSchema.optional() }).strict(), promptVersionSchema),
  'library.restore': method(z.object({ versionId: z.string().min(1) }).strict(), savedPromptSchema),
  'library.remove': method(z.object({ promptId: z.string().min(1) }).strict(), z.object({})),
  'files.exportPrompt': method(z.object({ versionId: z.string().min(1), format: z.enum(PROMPT_FORMAT_IDS) }).strict(), exportedFileSchema),
  'files.importPrompt': method(
    fileSchema
      .extend({
        name: promptNameSchema.optional(),
        /** Files picked or dropped with it, by name relative to it (what a .prompty's base:, ${file:…} and includes name). */
        siblings: z.array(z.object({ name: z.string().min(1).max(500), text: z.string().max(1_000_000) }).strict()).max(50).optional(),
      })
      .strict(),
    z.object({ prompt: promptSummarySchema, version: promptVersionSchema, warnings: z.array(z.string()) }),
  ),
  'files.exportExperiment': method(workspaceSchema, exportedFileSchema),
  'files.importExperiment': method(
    fileSchema
      .extend({
        /** Files picked or dropped with it, by name relative to it (its nunjucksFilters, `file://` values and prompts). */
        siblings: z.array(z.object({ name: z.string().min(1).max(500), text: z.string().max(1_000_000) }).strict()).max(50).optional(),
      })
      .strict(),
    z.object({ workspace: workspaceSchema, warnings: z.array(z.string()), providersAdded: z.array(z.string()) }),
  ),
  /** Desktop only: the native save dialog. Browser mode downloads instead. */
  'files.saveAs': method(exportedFileSchema.strict(), z.object({ saved: z.boolean(), path: z.string().optional() })),
  /** Keeps an image (base64, or a data URI) once in the data folder; the value a test case holds names it. */
  'images.save': method(
    z
      .object({
        base64: z.string().min(1).max(MAX_IMAGE_BASE64_CHARS, `The image is larger than ${MAX_IMAGE_BYTES / 1048576} MB.`),
        alt: z.string().trim().max(200).optional(),
      })
      .strict(),
    z.object({ value: imageValueSchema, mime: z.string(), bytes: z.number().int() }),
  ),
  /** A stored image as a data URI, for thumbnails: stored names only (`<sha256>.<ext>`). */
  'images.read': method(
    z.object({ name: z.string().regex(STORED_IMAGE, 'Not the name of a stored image.') }).strict(),
    z.object({ dataUri: z.string(), mime: z.string(), bytes: z.number().int() }),
  ),
  /** Writing help (src/shared/author.ts): the author model per action, and its prompts as edited. */
  'author.settings': method(empty, authorSettingsSchema),
  'author.saveSettings': method(authorSettingsSchema, authorSettingsSchema),
  /** What an author call will cost, before it is made. */
  'author.estimate': method(authorCallSchema, authorEstimateSchema),
  /** Asks the author model (a logged run of one cell) and reads its answer: a prompt draft, rows or a revision. */
  'author.generate': method(authorCallSchema, authorResultSchema),
  /** Saves a revision as a library version and starts a run of the old version against it on the run's rows. */
  /** What "Try revision" would cost before it starts: both variants on the run's rows, the cache off. */
  'author.estimateRevision': method(tryRevisionSchema, runEstimateSchema),
  'author.tryRevision': method(
    tryRevisionSchema,
    z.object({ runId: z.string(), promptId: z.string(), beforeVersionId: z.string(), afterVersionId: z.string() }),
  ),
} as const;

export type Contract = typeof contract;
// The contract and the zod-free list of names (used by the preload) must agree exactly.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesAgree: Exactly<keyof Contract, MethodName> = true;
void namesAgree;

/** What a caller passes (defaults may be left out). */
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
/** What a handler receives, after parsing. */
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>;

/** The UI's view of main: one async function per method. */
export type Api = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> };
/** Main's implementation of the contract. */
export type Handlers = { [M in MethodName]: (input: ParsedInput<M>) => Promise<MethodOutput<M>> };

export const eventSchema = z.discriminatedUnion('type', [
  /** New text for a cell since the previous delta; `seq` increases by one per cell. */
  z.object({ type: z.literal('cell.delta'), runId: z.string(), cellId: z.string(), seq: z.number().int(), text: z.string() }),
  /** A cell changed state. When it is final, `cell.output` is the full text. */
  z.object({ type: z.literal('cell.update'), runId: z.string(), cell: cellSchema }),
  z.object({ type: z.literal('run.finished'), runId: z.string(), status: runStatusSchema }),
  /** A vote or rating changed (from another window, or this one): the verdict may have moved. */
  z.object({ type: z.literal('judge.changed'), runId: z.string() }),
  /** A finished run started again (re-run or resume): its cells are coming back. */
  z.object({ type: z.literal('run.resumed'), runId: z.string(), queued: z.number().int() }),
  /** A batch job of a run (runs sent to a vendor's batch engine) moved: its status and counts. */
  z.object({ type: z.literal('batch.update'), runId: z.string(), job: batchJobSchema }),
  /** A re-grade's progress: answers graded so far of `total`, and judge calls made. */
  z.object({ type: z.literal('regrade.progress'), runId: z.string(), graded: z.number().int(), total: z.number().int(), judgeCalls: z.number().int() }),
  /** A re-grade ended: done (the run records the new checks), cancelled or failed (with why). */
  z.object({
    type: z.literal('regrade.finished'),
    runId: z.string(),
    status: z.enum(['done', 'cancelled', 'failed']),
    graded: z.number().int(),
    total: z.number().int(),
    judgeCalls: z.number().int(),
    message: z.string().optional(),
  }),
]);
export type AppEvent = z.infer<typeof eventSchema>;

