/**
 * What an answer's tool calls look like to a person: whether the arguments are JSON, whether the
 * tool was offered, whether the arguments fit its JSON Schema, and the arguments pretty-printed
 * within a budget. The schema check itself is injected (ajv compiles schemas with `new Function`,
 * which the renderer's CSP forbids), so the renderer asks main for it (`toolCalls.check`) and
 * does everything else here, at once.
 *
 * Arguments are hostile: a megabyte long, nested ten thousand deep, full of markup. Nothing here
 * recurses over them: depth is measured with a loop, and text is cut before it is drawn.
 */
import { z } from 'zod';
import type { JsonSchemaValidator } from './assertions/types';
import { toolCallSchema, toolsSchema, type ToolCall, type ToolDefinition } from './tools';

export const toolCallCheckSchema = z.discriminatedUnion('kind', [
  /** The arguments fit the tool's schema (or the tool declares none and they are an object). */
  z.object({ kind: z.literal('valid'), noSchema: z.boolean().optional() }),
  /** The arguments are not JSON: `message` is the parser's complaint. */
  z.object({ kind: z.literal('not-json'), message: z.string() }),
  /** No tool of that name was offered in the request. */
  z.object({ kind: z.literal('unknown-tool'), offered: z.array(z.string()) }),
  /** The arguments break the schema: its first problems, in words. */
  z.object({ kind: z.literal('invalid'), problems: z.string() }),
]);
export type ToolCallCheck = z.infer<typeof toolCallCheckSchema>;

/** What `toolCalls.check` is asked: one answer's calls and the tools its request offered. */
export const toolCallsCheckInputSchema = z.object({ calls: z.array(toolCallSchema).max(64), tools: toolsSchema }).strict();

/** How much of a problem list or parser message is kept (they quote the arguments). */
const MAX_PROBLEM_CHARS = 300;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The arguments' value; an empty text is no arguments (some servers send "" for a call without any). */
export function parseToolArguments(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: clip(error instanceof Error ? error.message : String(error), MAX_PROBLEM_CHARS) };
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The check of one call against the tools the request offered. Without `validate`, a call whose
 * arguments must be checked against a schema gives undefined (the caller asks main); every
 * other answer is known here.
 */
export function checkToolCall(call: ToolCall, tools: readonly ToolDefinition[] | undefined, validate: JsonSchemaValidator): ToolCallCheck;
export function checkToolCall(call: ToolCall, tools: readonly ToolDefinition[] | undefined, validate?: JsonSchemaValidator): ToolCallCheck | undefined;
export function checkToolCall(call: ToolCall, tools: readonly ToolDefinition[] | undefined, validate?: JsonSchemaValidator): ToolCallCheck | undefined {
  const parsed = parseToolArguments(call.arguments);
  if (!parsed.ok) return { kind: 'not-json', message: parsed.message };
  const tool = tools?.find((t) => t.name === call.name);
  if (!tool) return { kind: 'unknown-tool', offered: (tools ?? []).map((t) => t.name) };
  if (!tool.parameters) {
    return kindOf(parsed.value) === 'an object' ? { kind: 'valid', noSchema: true } : { kind: 'invalid', problems: `the arguments are ${kindOf(parsed.value)}, not an object` };
  }
  if (!validate) return undefined;
  try {
    const result = validate(tool.parameters, parsed.value);
    return result.valid ? { kind: 'valid' } : { kind: 'invalid', problems: clip(result.errors, MAX_PROBLEM_CHARS) };
  } catch (error) {
    // A validator that recurses over data nested thousands deep can run out of stack.
    return { kind: 'invalid', problems: error instanceof RangeError ? 'the arguments nest too deeply to check' : clip(String(error), MAX_PROBLEM_CHARS) };
  }
}

/** A check in words, as a cell shows it. */
export function describeToolCallCheck(check: ToolCallCheck, name: string): string {
  switch (check.kind) {
    case 'valid':
      return check.noSchema ? 'valid (the tool declares no arguments)' : 'valid';
    case 'not-json':
      return `not valid JSON: ${check.message}`;
    case 'unknown-tool':
      return check.offered.length === 0
        ? `unknown tool: the request offered no tools, yet the model called ${clip(name, 80)}`
        : `unknown tool: the request offered ${check.offered.slice(0, 5).join(', ')}${check.offered.length > 5 ? ` and ${check.offered.length - 5} more` : ''}`;
    case 'invalid':
      return `invalid: ${check.problems}`;
  }
}

/** How deep a JSON value nests, counted with a loop (stopping once past `limit`). */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top || top.value === null || typeof top.value !== 'object') continue;
    const depth = top.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(top.value)) if (child !== null && typeof child === 'object') stack.push({ value: child, depth });
  }
  return deepest;
}

/** Arguments nested deeper than this are shown as sent: pretty-printing them would indent without end. */
export const PRETTY_MAX_DEPTH = 40;

export interface ShownArguments {
  /** The text to draw: pretty JSON, or the arguments as sent. */
  text: string;
  /** Characters of that text left out (the cap). */
  hidden: number;
  /** Why the text is as sent rather than pretty-printed, when it is. */
  note?: string;
}

/** The arguments as a person reads them, at most `maxChars` of them. */
export function showToolArguments(text: string, maxChars: number): ShownArguments {
  const parsed = parseToolArguments(text);
  let shown = text;
  let note: string | undefined;
  if (!parsed.ok) note = 'not valid JSON, shown as sent';
  else if (text.trim() === '') shown = '{}';
  else if (jsonDepth(parsed.value, PRETTY_MAX_DEPTH) > PRETTY_MAX_DEPTH) note = `nested more than ${PRETTY_MAX_DEPTH} levels deep, shown as sent`;
  else shown = JSON.stringify(parsed.value, null, 2);
  return { text: shown.slice(0, maxChars), hidden: Math.max(0, shown.length - maxChars), ...(note !== undefined ? { note } : {}) };
}

/** One line for a grid cell: `name({...})`, the arguments compact and cut. */
export function toolCallLine(call: ToolCall, maxChars: number): string {
  const args = call.arguments.slice(0, maxChars * 2).replace(/\s+/g, ' ').trim();
  const line = `${call.name}(${args})`;
  return line.length > maxChars ? `${line.slice(0, maxChars)}…` : line;
}
