/**
 * The prompt library: prompts saved by name, each with numbered versions. A version is the
 * template (messages), sample variables and model settings as they were at a save or a run.
 */
import { z } from 'zod';
import { promptModelSchema, type PromptDocument } from './formats/document';
import { columnSchema, messageSchema, runStatusSchema, variablesSchema } from './schemas';
import { toolChoiceSchema, toolsSchema } from './tools';

export const versionSourceSchema = z.enum(['save', 'run', 'import', 'restore']);
export type VersionSource = z.infer<typeof versionSourceSchema>;

export const labelSchema = z
  .string()
  .trim()
  .min(1, 'A label needs at least one character.')
  .max(40, 'A label has at most 40 characters.')
  .regex(/^[\w.-]+$/, 'A label has letters, digits, dots, dashes and underscores only (e.g. production).')
  // `latest` and plain numbers already name versions (parallax export --version).
  .refine((label) => label !== 'latest' && !/^\d+$/.test(label), 'A label cannot be "latest" or a plain number: those already name versions.');

export const promptVersionSchema = z.object({
  id: z.string(),
  promptId: z.string(),
  number: z.number().int().positive(),
  createdAt: z.string(),
  source: versionSourceSchema,
  label: z.string().optional(),
  messages: z.array(messageSchema).min(1),
  variables: variablesSchema,
  model: promptModelSchema.optional(),
});
export type PromptVersion = z.infer<typeof promptVersionSchema>;

/** A run that used a version, summed up for the version list. */
export const versionRunSchema = z.object({
  runId: z.string(),
  createdAt: z.string(),
  status: runStatusSchema,
  cellCount: z.number().int(),
  errorCount: z.number().int(),
  meanTotalMs: z.number().optional(),
});
export type VersionRun = z.infer<typeof versionRunSchema>;

export const versionSummarySchema = promptVersionSchema.omit({ messages: true, variables: true, model: true }).extend({
  /** The model of the version, for the list. */
  modelName: z.string().optional(),
  runs: z.array(versionRunSchema),
});
export type VersionSummary = z.infer<typeof versionSummarySchema>;

export const promptSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  versionCount: z.number().int(),
  latest: z.object({ id: z.string(), number: z.number().int(), createdAt: z.string() }),
  labels: z.array(z.object({ label: z.string(), number: z.number().int() })),
  /** Why a search found it: a short excerpt with the match. */
  match: z.string().optional(),
});
export type PromptSummary = z.infer<typeof promptSummarySchema>;

export const promptNameSchema = z.string().trim().min(1, 'Give the prompt a name.').max(120, 'A prompt name has at most 120 characters.');

export const savePromptSchema = z.object({
  /** Absent: a new prompt. */
  promptId: z.string().optional(),
  name: promptNameSchema,
  description: z.string().max(2000).default(''),
  tags: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
  messages: z.array(messageSchema).min(1),
  variables: variablesSchema,
  /** The draft's columns: the version records the first one's model and parameters. */
  columns: z.array(columnSchema).default([]),
  /** The prompt's tools: kept in the version's model parameters, as a run sends them. */
  tools: toolsSchema.optional(),
  toolChoice: toolChoiceSchema.optional(),
});
export type SavePromptInput = z.input<typeof savePromptSchema>;

/** A version as a file format sees it. */
export function versionDocument(prompt: Pick<PromptSummary, 'name' | 'description' | 'tags'>, version: PromptVersion): PromptDocument {
  return {
    name: prompt.name,
    description: prompt.description,
    tags: prompt.tags,
    authors: [],
    messages: version.messages,
    ...(version.model ? { model: version.model } : {}),
    sample: version.variables,
  };
}
