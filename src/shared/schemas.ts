/**
 * The domain, as zod schemas. Types are inferred from these so the contract, the store
 * and the UI never drift apart. Names follow the user's words: Message, Column, Provider,
 * Run, Cell.
 */
import { z } from 'zod';

export const roleSchema = z.enum(['system', 'user', 'assistant']);
export type Role = z.infer<typeof roleSchema>;

export const messageSchema = z.object({
  role: roleSchema,
  content: z.string(),
});
export type Message = z.infer<typeof messageSchema>;

/** Parameters a column sends with its request. Absent means "the provider's default". */
export const paramsSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
});
export type Params = z.infer<typeof paramsSchema>;

/** A comparison column: one provider + model + parameters. */
export const columnSchema = z.object({
  id: z.string().min(1),
  providerId: z.string().min(1),
  model: z.string(),
  params: paramsSchema,
});
export type Column = z.infer<typeof columnSchema>;

export const variablesSchema = z.record(z.string(), z.string());
export type Variables = z.infer<typeof variablesSchema>;

/** What the editor holds: the draft the user is working on. Saved so nothing is lost. */
export const workspaceSchema = z.object({
  /** The library prompt this draft belongs to, if it was saved or opened from the library. */
  promptId: z.string().optional(),
  /** The version it was last saved as, opened from, or run as. */
  promptVersionId: z.string().optional(),
  messages: z.array(messageSchema).min(1),
  variables: variablesSchema,
  columns: z.array(columnSchema),
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const providerKindSchema = z.enum(['echo', 'openai']);
export type ProviderKind = z.infer<typeof providerKindSchema>;

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
  baseUrl: z.string(),
  /** Environment variable the key is read from when no key was entered. */
  apiKeyEnvar: z.string().optional(),
  key: keyStatusSchema,
  builtIn: z.boolean(),
  /** Added by an imported file: Parallax sends it nothing until a person confirms it in Settings. */
  needsReview: z.boolean().optional(),
});
export type ProviderInfo = z.infer<typeof providerInfoSchema>;

export const providerInputSchema = z.object({
  id: z.string().optional(),
  name: z.string().trim().min(1, 'Give the provider a name.').max(80),
  baseUrl: z.url({ protocol: /^https?$/, message: 'The base URL must be a full http:// or https:// URL, such as https://api.openai.com/v1.' }),
  apiKeyEnvar: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'An environment variable name has letters, digits and underscores only.')
    .optional(),
  /** Write-only. Empty string removes a stored key; undefined leaves it as it is. */
  apiKey: z.string().max(4096).optional(),
});
export type ProviderInput = z.infer<typeof providerInputSchema>;

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const cellStatusSchema = z.enum(['pending', 'running', 'done', 'error', 'cancelled']);
export type CellStatus = z.infer<typeof cellStatusSchema>;

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** One request in a run: a column applied to the rendered messages. */
export const cellSchema = z.object({
  id: z.string(),
  runId: z.string(),
  columnIndex: z.number().int().nonnegative(),
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
  usage: usageSchema,
  ttftMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  finishReason: z.string().optional(),
  error: errorInfoSchema.optional(),
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
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runDetailSchema = z.object({
  run: runSummarySchema,
  /** The template as written, before variables were filled in. */
  messages: z.array(messageSchema),
  variables: variablesSchema,
  columns: z.array(columnSchema),
  cells: z.array(cellSchema),
  /** The library prompt and version the run used, when the draft belonged to one. */
  promptId: z.string().optional(),
  promptVersionId: z.string().optional(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;
