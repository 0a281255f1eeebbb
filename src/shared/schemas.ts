/**
 * The domain, as zod schemas. Types are inferred from these so the contract, the store
 * and the UI never drift apart. Names follow the user's words: Message, Column, Provider,
 * Run, Cell.
 */
import { z } from 'zod';
import { assertionSchema } from './assertions/types';
import { providerTimeoutsSchema } from './timeouts';
import { toolCallSchema, toolChoiceSchema, toolsSchema } from './tools';
import { cellPiiSchema } from './pii/kinds';

/** `tool` carries a tool's result back to the model (a few-shot turn after an assistant's tool call). */
export const roleSchema = z.enum(['system', 'user', 'assistant', 'tool']);
export type Role = z.infer<typeof roleSchema>;

/** The language a message's template is written in; absent means Nunjucks. */
export const templateEngineSchema = z.enum(['nunjucks', 'mustache']);
export type TemplateEngine = z.infer<typeof templateEngineSchema>;

export const messageSchema = z.object({
  role: roleSchema,
  content: z.string(),
  /** The speaker's name (Prompty's `user[name="Ada"]:`), sent with the message. */
  name: z.string().max(200).optional(),
  engine: templateEngineSchema.optional(),
  /**
   * 'prompty': the content is a whole Prompty body, rendered first and then split into
   * messages on its role lines (src/shared/formats/prompty-body.ts); text before the first
   * role line takes this message's role. Absent: the message is sent as one message.
   */
  split: z.literal('prompty').optional(),
  /** Variables holding a conversation (a list of messages) that replaces where it is written. */
  threads: z.array(z.string().max(200)).max(20).optional(),
  /** An assistant turn's tool calls (few-shot examples, or a conversation sent on). */
  toolCalls: z.array(toolCallSchema).max(64).optional(),
  /** A `tool` message: the call it answers. */
  toolCallId: z.string().max(500).optional(),
  /** Cache the prompt up to and including this message (Anthropic's cache_control breakpoint). */
  cache: z.boolean().optional(),
  /**
   * Set on rendered messages only: the message as text and images, in order, when a variable
   * holding an image was written in it (`content` then has `[image: …]` where each image is).
   */
  parts: z
    .array(
      z.discriminatedUnion('type', [
        z.object({ type: z.literal('text'), text: z.string() }),
        z.object({ type: z.literal('image'), image: z.string().max(30_000_000), alt: z.string().max(200).optional() }),
      ]),
    )
    .max(200)
    .optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'A schema name has letters, digits, _ and - only (at most 64).'),
    schema: z.record(z.string(), z.json()),
    strict: z.boolean().optional(),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed'] as const;

/** Extra request fields (Params.extra): names as an API writes them, and how much may be sent. */
export const EXTRA_PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const MAX_EXTRA_PARAMS = 32;
export const MAX_EXTRA_PARAMS_CHARS = 64_000;

/** Parameters a column sends with its request. Absent means "the provider's default". */
export const paramsSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string().min(1)).max(4, 'At most 4 stop sequences.').optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  responseFormat: responseFormatSchema.optional(),
  /** For reasoning models (o-series, gpt-5): sent as reasoning_effort (the Responses API's reasoning.effort). */
  reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
  /** Only the K most likely tokens are sampled (Anthropic, Gemini). */
  topK: z.number().int().positive().max(1_000).optional(),
  /**
   * Tokens the model may think with before it answers: Anthropic's extended thinking
   * (`budget_tokens`, at least 1,024) and Gemini's thinking budget (0 turns thinking off, -1 lets it decide).
   */
  thinkingBudget: z.number().int().min(-1).max(1_000_000).optional(),
  /** The Responses API's reasoning summary (OpenAI shows a summary, not the reasoning itself). */
  reasoningSummary: z.enum(REASONING_SUMMARIES).optional(),
  /** Gemini's safety settings: harm category → block threshold (HARM_CATEGORY_HARASSMENT → BLOCK_ONLY_HIGH). */
  safety: z.record(z.string().regex(/^HARM_CATEGORY_[A-Z_]+$/), z.string().regex(/^[A-Z_]+$/)).optional(),
  /** Tools the model may call (the prompt's, copied into each cell so a cell says what it was asked). */
  tools: toolsSchema.optional(),
  toolChoice: toolChoiceSchema.optional(),
  /**
   * Request fields sent to an OpenAI API as written, for what Parallax has no field of its own
   * (`user`, `logprobs`, `service_tier`, promptfoo's `passthrough`, a `response_format` of
   * another form). Never the request's model, messages or stream (src/main/providers/openai.ts).
   */
  extra: z
    .record(z.string().regex(EXTRA_PARAM_NAME), z.json())
    .refine((value) => Object.keys(value).length <= MAX_EXTRA_PARAMS && JSON.stringify(value).length <= MAX_EXTRA_PARAMS_CHARS, {
      message: `At most ${MAX_EXTRA_PARAMS} extra request fields, ${MAX_EXTRA_PARAMS_CHARS / 1000} KB of JSON in all.`,
    })
    .optional(),
});
export type Params = z.infer<typeof paramsSchema>;

/**
 * A variant: one column of the matrix. A provider + model + parameters, and optionally a
 * library prompt version to run instead of the draft in the editor.
 */
export const columnSchema = z.object({
  id: z.string().min(1),
  providerId: z.string().min(1),
  model: z.string(),
  params: paramsSchema,
  /** Run this library version's messages instead of the editor's draft. */
  promptVersionId: z.string().min(1).optional(),
  /** A short name shown after the variant's letter ("terse"; a typed "B: " of its own letter is dropped, src/shared/variants.ts). */
  label: z.string().max(80).optional(),
  /** Send this variant's cells to the provider's batch engine (half price, within 24 hours) instead of live. */
  batch: z.boolean().optional(),
});
export type Column = z.infer<typeof columnSchema>;

/** A variable's value: text, or JSON (a list to loop over, an object to read with dots). */
export const variableValueSchema = z.json();
export type VariableValue = z.infer<typeof variableValueSchema>;
export const variablesSchema = z.record(z.string(), variableValueSchema);
export type Variables = z.infer<typeof variablesSchema>;

/** One row of the test-case table. */
/**
 * A grader other than the run's judge (promptfoo's per-test `options.provider` or a check's
 * `provider`, in `parallax eval`): the registered provider and model it asks; the judge's prompts still apply.
 */
export const graderRefSchema = z.object({
  providerId: z.string().min(1),
  model: z.string().min(1),
  embeddingModel: z.string().min(1).optional(),
  moderationModel: z.string().min(1).optional(),
});
export type GraderRef = z.infer<typeof graderRefSchema>;

export const testCaseSchema = z.object({
  id: z.string().min(1),
  vars: variablesSchema,
  /** What a good answer looks like; assertions and metrics compare against it. */
  expected: z.string().optional(),
  description: z.string().max(500).optional(),
  /** Checks for this row only (promptfoo's tests[].assert). */
  assert: z.array(assertionSchema).max(50).optional(),
  /** promptfoo's options.transform: JavaScript the answer passes through before this row's checks (run in the sandbox). */
  transform: z.string().max(100_000).optional(),
  /** promptfoo's test `threshold`: the row passes when its checks' weighted mean score reaches it, whatever each check said. */
  threshold: z.number().finite().optional(),
  /** The grader of this row's model-graded checks (promptfoo's test `options.provider`); the run's judge when absent. */
  grader: graderRefSchema.optional(),
  /**
   * Graders of single checks (promptfoo's `assert[].provider`), by the check's place: `d3` the run's
   * fourth check, `t0` the row's first, `t2.1` the second check in the row's third (an assert-set).
   */
  graders: z.record(z.string().max(24), graderRefSchema).optional(),
});
export type TestCase = z.infer<typeof testCaseSchema>;

/** The model that grades llm-rubric checks, and its prompt (editable; the default when absent). */
export const judgeSchema = z.object({
  providerId: z.string().min(1),
  model: z.string().min(1),
  prompt: z.array(messageSchema).min(1).optional(),
  /** G-Eval's own prompts (promptfoo's object rubricPrompt, `{steps, evaluate}`); its defaults where absent. */
  gEvalPrompt: z.object({ steps: z.array(messageSchema).min(1).optional(), evaluate: z.array(messageSchema).min(1).optional() }).optional(),
  /** The model asked on the judge's server for embeddings (similar, answer-relevance); promptfoo's default when absent. */
  embeddingModel: z.string().min(1).optional(),
  /** The model asked on the judge's server for moderation; promptfoo's default when absent. */
  moderationModel: z.string().min(1).optional(),
});
export type JudgeConfig = z.infer<typeof judgeSchema>;

/** One check's outcome on one cell. */
const gradingMemberSchema = z.object({
  type: z.string(),
  pass: z.boolean(),
  score: z.number(),
  reason: z.string(),
  metric: z.string().optional(),
  /**
   * Names the check (and the judge, for llm-rubric) this result came from; absent when it
   * could not be graded (no judge, a failed judge call). A re-grade keeps a model-graded
   * result whose check is unchanged instead of asking the judge again.
   */
  check: z.string().max(64).optional(),
});
/** One check's outcome; an assert-set's lists its checks' outcomes (one level: sets do not nest). */
export const gradingComponentSchema = gradingMemberSchema.extend({
  members: z.array(gradingMemberSchema).max(50).optional(),
});
/** A transformed answer longer than this is not kept with the grading (the checks still read all of it). */
export const MAX_TRANSFORMED_OUTPUT = 1_000_000;
/** Every check on one cell, aggregated as promptfoo's gradingResult. */
export const gradingSchema = z.object({
  pass: z.boolean(),
  score: z.number(),
  reason: z.string(),
  componentResults: z.array(gradingComponentSchema),
  /** The weighted mean score of each check `metric` (promptfoo's namedScores). */
  namedScores: z.record(z.string(), z.number()).optional(),
  /** The answer as the checks read it, when the row's transform changed it: promptfoo reports this as the output. */
  output: z.string().max(MAX_TRANSFORMED_OUTPUT).optional(),
});
export type Grading = z.infer<typeof gradingSchema>;

/** A person's judgement of one cell. */
export const ratingSchema = z.object({
  score: z.number().int().min(1).max(5).optional(),
  thumb: z.enum(['up', 'down']).optional(),
  tags: z.array(z.string().min(1).max(40)).max(20),
  note: z.string().max(10_000).optional(),
  updatedAt: z.string(),
});
export type Rating = z.infer<typeof ratingSchema>;

export const MAX_TEST_CASES = 100_000;
export const MAX_REPEATS = 50;

/** What the editor holds: the draft the user is working on. Saved so nothing is lost. */
export const workspaceSchema = z.object({
  /** The library prompt this draft belongs to, if it was saved or opened from the library. */
  promptId: z.string().optional(),
  /** The version it was last saved as, opened from, or run as. */
  promptVersionId: z.string().optional(),
  messages: z.array(messageSchema).min(1),
  /** The test-case table; always at least one row. */
  testCases: z.array(testCaseSchema).min(1).max(MAX_TEST_CASES),
  /** The row the editor previews and hovers against. */
  selectedCase: z.number().int().nonnegative().default(0),
  columns: z.array(columnSchema),
  /** How many times each cell is asked. */
  repeats: z.number().int().min(1).max(MAX_REPEATS).default(1),
  /** Serve unchanged requests from the response cache (first repeat only). */
  useCache: z.boolean().default(true),
  /** Checks for every row (promptfoo's defaultTest.assert). */
  assertions: z.array(assertionSchema).max(50).default([]),
  /** Who grades llm-rubric checks. */
  judge: judgeSchema.optional(),
  /** Tools the prompt offers the model (sent by every variant that does not set its own). */
  tools: toolsSchema.optional(),
  toolChoice: toolChoiceSchema.optional(),
});
export type Workspace = z.infer<typeof workspaceSchema>;

/** openai: Chat Completions or the Responses API, and every OpenAI-compatible server; anthropic: the Messages API; google: the Gemini API. */
export const providerKindSchema = z.enum(['echo', 'openai', 'anthropic', 'google']);
export type ProviderKind = z.infer<typeof providerKindSchema>;
/** The OpenAI API a provider of kind `openai` speaks. */
export const openaiApiSchema = z.enum(['chat', 'responses']);
export type OpenAIApi = z.infer<typeof openaiApiSchema>;

/** What the renderer may know about a key: never the key itself. */
export const keyStatusSchema = z.object({
  configured: z.boolean(),
  last4: z.string().max(4).optional(),
  /** Where the key comes from: the vault (desktop), memory (browser mode) or an environment variable. */
  source: z.enum(['vault', 'memory', 'env', 'none']),
});
export type KeyStatus = z.infer<typeof keyStatusSchema>;

export const providerInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: providerKindSchema,
  /** Kind openai: Chat Completions (absent) or the Responses API. */
  api: openaiApiSchema.optional(),
  baseUrl: z.string(),
  /** Environment variable the key is read from when no key was entered. */
  apiKeyEnvar: z.string().optional(),
  key: keyStatusSchema,
  builtIn: z.boolean(),
  /** Added by an imported file: Parallax sends it nothing until a person confirms it in Settings. */
  needsReview: z.boolean().optional(),
  /** Requests Parallax keeps in flight at once to this provider. */
  concurrency: z.number().int().positive(),
  /** Its own timeouts (ms); an absent one is the default (src/shared/timeouts.ts). */
  timeouts: providerTimeoutsSchema.optional(),
});
export type ProviderInfo = z.infer<typeof providerInfoSchema>;

export const providerInputSchema = z.object({
  id: z.string().optional(),
  name: z.string().trim().min(1, 'Give the provider a name.').max(80),
  /** The API it speaks; OpenAI-compatible when absent. */
  kind: z.enum(['openai', 'anthropic', 'google']).optional(),
  api: openaiApiSchema.optional(),
  baseUrl: z.url({ protocol: /^https?$/, message: 'The base URL must be a full http:// or https:// URL, such as https://api.openai.com/v1.' }),
  apiKeyEnvar: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'An environment variable name has letters, digits and underscores only.')
    .optional(),
  /** Write-only. Empty string removes a stored key; undefined leaves it as it is. */
  apiKey: z.string().max(4096).optional(),
  /** Requests in flight at once (1–64); the default (8) when absent. */
  concurrency: z.number().int().min(1, 'At least 1 request at a time.').max(64, 'At most 64 requests at a time.').optional(),
  /** Connect, first-byte, idle-stream and total timeouts (ms); absent ones take the defaults. */
  timeouts: providerTimeoutsSchema.optional(),
  /**
   * The person was asked, in a dialog that named both, whether apiKeyEnvar's value may go to
   * baseUrl's host, and said yes: the pair is added to the allowed list. Without it a variable
   * goes only to its own host or loopback (src/shared/key-hosts.ts).
   */
  allowKeyHost: z.boolean().optional(),
});
export type ProviderInput = z.infer<typeof providerInputSchema>;

/**
 * Tokens, the same way for every vendor: `inputTokens` counts all of the prompt, cached parts
 * included (of which `cacheReadTokens` were read from and `cacheWriteTokens` written to the
 * vendor's prompt cache); `outputTokens` counts all of the answer, thinking included (of which
 * `reasoningTokens` were thinking).
 */
export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  cacheReadTokens: z.number().int().nonnegative().optional(),
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  reasoningTokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const cellStatusSchema = z.enum(['pending', 'running', 'done', 'error', 'cancelled']);
export type CellStatus = z.infer<typeof cellStatusSchema>;

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** One request in a run: a column applied to one test case's rendered messages, one repeat. */
/** Token log-probabilities as their sum and count: all a perplexity check needs. */
export const logprobTotalsSchema = z.object({ sum: z.number(), count: z.number().int().positive() });

export const cellSchema = z.object({
  id: z.string(),
  runId: z.string(),
  columnIndex: z.number().int().nonnegative(),
  /** The row of the test-case table. */
  caseIndex: z.number().int().nonnegative(),
  /** 0-based repeat number. */
  repeat: z.number().int().nonnegative(),
  providerId: z.string(),
  providerName: z.string(),
  model: z.string(),
  params: paramsSchema,
  /** The test case's variable values for this cell. */
  variables: variablesSchema,
  /** The exact messages sent, variables filled in. */
  messages: z.array(messageSchema),
  status: cellStatusSchema,
  output: z.string(),
  /** The model's thinking (Anthropic, Gemini) or reasoning summary (OpenAI), apart from the answer. */
  reasoning: z.string().optional(),
  /** Tools the model called, in order. */
  toolCalls: z.array(toolCallSchema).optional(),
  /** This copy carries the thinking and each call's arguments cut to their start (grid pages); runs.cell reads them whole. */
  extrasCut: z.boolean().optional(),
  /**
   * The answer was longer than the cap on what is kept (Settings → Answers, 1 MB by default):
   * `output` holds its first part and a mark, and this is the whole answer's size in UTF-8 bytes.
   */
  cut: z.object({ answerBytes: z.number().int().nonnegative() }).optional(),
  /**
   * This copy carries only the start of the stored answer (grid pages and runs.get keep answers
   * short so they stay fast): the stored answer has this many characters; runs.cell reads it whole.
   */
  outputChars: z.number().int().nonnegative().optional(),
  usage: usageSchema,
  ttftMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  /**
   * The server sent no token counts (or only some): the missing ones, and so `usage` and
   * `costUsd`, were counted here with the tokenizer (src/main/providers/tokens.ts), an estimate.
   */
  costEstimated: z.boolean().optional(),
  finishReason: z.string().optional(),
  /** The answer's token log-probabilities as their sum and count, when a perplexity check asked for them and the provider sent them. */
  logprobs: logprobTotalsSchema.optional(),
  error: errorInfoSchema.optional(),
  /** Served from the response cache: no request was made. */
  cached: z.boolean().optional(),
  /**
   * Personal data the provider's policy found in the request (src/shared/pii): `mask` sent
   * placeholders (`sentMessages` holds them), `warn` sent it as it was. Counts only, never values.
   */
  pii: cellPiiSchema.optional(),
  /**
   * The request as it was sent when the policy masked it: placeholders, never the values.
   * `messages` keeps the rendered request, so asking again masks it afresh rather than sending
   * placeholders whose values are gone.
   */
  sentMessages: z.array(messageSchema).optional(),
  /** Requests made for this cell, counting retries after 429 or 5xx. */
  attempts: z.number().int().nonnegative().optional(),
  /** The automatic checks, when the run has any. */
  grading: gradingSchema.optional(),
  /** A person's score, thumb, tags and note. */
  rating: ratingSchema.optional(),
});
export type Cell = z.infer<typeof cellSchema>;

export const runStatusSchema = z.enum(['running', 'done', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runSummarySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  status: runStatusSchema,
  source: z.enum(['app', 'cli']),
  /** First characters of the last user message, for the History list. */
  title: z.string(),
  cellCount: z.number().int().nonnegative(),
  errorCount: z.number().int().nonnegative(),
  models: z.array(z.string()),
  caseCount: z.number().int().nonnegative(),
  repeats: z.number().int().positive(),
  /** History's columns (runs.list only): each variant's label (when it has one) and model. */
  variants: z.array(z.object({ label: z.string().optional(), model: z.string() })).optional(),
  /** Cells the checks graded, and how many passed every check (not counted while the run goes on). */
  graded: z.number().int().nonnegative().optional(),
  passed: z.number().int().nonnegative().optional(),
  /** Blind votes cast on the run's pairs. */
  votes: z.number().int().nonnegative().optional(),
  /** The run's cost so far, and how many cells have one (fewer than cellCount: part is unknown). */
  costUsd: z.number().nonnegative().optional(),
  priced: z.number().int().nonnegative().optional(),
  /** Of the priced cells, those whose cost was counted with the tokenizer (an estimate). */
  costEstimated: z.number().int().nonnegative().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** Where a run stands, counted in the database. */
export const runProgressSchema = z.object({
  total: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  cached: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** Cells whose cost was estimated with the tokenizer (the server sent no usage): the total is an estimate when above 0. */
  costEstimated: z.number().int().nonnegative().optional(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

export const runDetailSchema = z.object({
  run: runSummarySchema,
  /** The template as written, before variables were filled in. */
  messages: z.array(messageSchema),
  testCases: z.array(testCaseSchema),
  columns: z.array(columnSchema),
  progress: runProgressSchema,
  /** The first page of cells (case-major order); read the rest with runs.cells. */
  cells: z.array(cellSchema),
  /** The library prompt and version the run used, when the draft belonged to one. */
  promptId: z.string().optional(),
  promptVersionId: z.string().optional(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;
