/**
 * A prompt as it leaves Parallax and comes back: the one shape every file format maps to
 * and from. A format's export then import must give back the same document (the round-trip
 * tests check this for every format, for what that format can carry).
 */
import { z } from 'zod';
import { messageSchema, paramsSchema, variablesSchema, type Message, type Variables } from '../schemas';

export const promptModelSchema = z.object({
  /** Model id as the API knows it, e.g. gpt-4o-mini or llama3.2. */
  name: z.string().min(1),
  /** Base URL of an OpenAI-compatible endpoint; absent means OpenAI itself. */
  baseUrl: z.string().optional(),
  /** Environment variable a script should read the key from. Never the key. */
  apiKeyEnvar: z.string().optional(),
  params: paramsSchema,
});
export type PromptModel = z.infer<typeof promptModelSchema>;

export const promptDocumentSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  tags: z.array(z.string()),
  authors: z.array(z.string()),
  messages: z.array(messageSchema).min(1),
  model: promptModelSchema.optional(),
  /** Sample values for the variables (Prompty's `sample`). */
  sample: variablesSchema,
});
export type PromptDocument = z.infer<typeof promptDocumentSchema>;

export type PromptFormatId = 'prompty' | 'promptfoo-json' | 'promptfoo-text' | 'openai-chat' | 'markdown' | 'typescript' | 'python' | 'curl';

/** A problem reading a file: where it is and what is wrong, in a sentence. */
export interface FormatIssue {
  line?: number;
  column?: number;
  message: string;
}

export type ImportResult = { ok: true; document: PromptDocument; warnings: string[] } | { ok: false; errors: FormatIssue[] };

/** What an export may use that the shared code cannot do itself. */
export interface ExportOptions {
  /** Renders messages with a row's values as a run does (main's sandbox): curl sends them rendered. */
  renderMessages?: (messages: readonly Message[], vars: Variables) => Message[];
}

export interface PromptFormat {
  id: PromptFormatId;
  /** What the user picks from, e.g. "Prompty (.prompty)". */
  label: string;
  extension: string;
  mimeType: string;
  /** Code snippets are export-only. */
  canImport: boolean;
  export(document: PromptDocument, options?: ExportOptions): string;
  /** `files`: files beside the imported one, by relative name (a .prompty's base, references, includes). */
  import?(text: string, fileName: string, files?: ReadonlyMap<string, string>): ImportResult;
}
