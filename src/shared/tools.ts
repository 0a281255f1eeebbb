/**
 * Tools (function calling) in one vendor-neutral form: a prompt carries definitions with a JSON
 * Schema for their arguments, a run may say which to call, and an answer may hold calls. Each
 * provider maps these to its own API (OpenAI's `tools`, Anthropic's `tools` with
 * `input_schema`, Gemini's `functionDeclarations`).
 */
import { z } from 'zod';

/** Tool names as every vendor accepts them (OpenAI's rule, the strictest). */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const toolDefinitionSchema = z.object({
  name: z.string().regex(TOOL_NAME, 'A tool name has letters, digits, _ and - only (at most 64).'),
  description: z.string().max(10_000).optional(),
  /** JSON Schema of the arguments (an object schema); absent means no arguments. */
  parameters: z.record(z.string(), z.json()).optional(),
});
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;

/** auto: the model decides; none: no tool; required: some tool; { name }: that tool. */
export const toolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), z.object({ name: z.string().regex(TOOL_NAME) })]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

/** A call the model made: `arguments` is the JSON text it wrote (not parsed: it may be invalid). */
export const toolCallSchema = z.object({
  id: z.string().max(500),
  name: z.string().max(500),
  arguments: z.string().max(1_000_000),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const MAX_TOOLS = 128;
export const toolsSchema = z.array(toolDefinitionSchema).max(MAX_TOOLS);

/** Params with a prompt's tools, as a run sends them: a variant's own tools (and choice) win. */
export function withPromptTools<P extends { tools?: ToolDefinition[] | undefined; toolChoice?: ToolChoice | undefined }>(params: P, tools: readonly ToolDefinition[] | undefined, toolChoice: ToolChoice | undefined): P {
  if (params.tools !== undefined || !tools || tools.length === 0) return params;
  return { ...params, tools: [...tools], ...(toolChoice !== undefined && params.toolChoice === undefined ? { toolChoice } : {}) };
}
