/**
 * An assistant few-shot turn's tool calls as the message editor writes them: a JSON list of
 * `{ id, name, arguments }` where arguments is an object (or its JSON text). OpenAI's
 * `{ id, type: 'function', function: { name, arguments } }` is read too. Pure.
 */
import { TOOL_NAME, type ToolCall } from '../../../../shared/tools';

export type ToolCallsText = { ok: true; calls: ToolCall[] } | { ok: false; error: string };

const MAX_CALLS = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readToolCallsText(text: string): ToolCallsText {
  if (text.trim() === '') return { ok: true, calls: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_CALLS) return { ok: false, error: `At most ${MAX_CALLS} tool calls in one turn.` };
  const calls: ToolCall[] = [];
  for (const [i, item] of list.entries()) {
    const where = `Call ${i + 1}`;
    if (!isRecord(item)) return { ok: false, error: `${where} must be an object with a name and arguments.` };
    const source = isRecord(item['function']) ? item['function'] : item;
    const name = source['name'];
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) return { ok: false, error: `${where} needs the name of a tool (letters, digits, _ and -).` };
    const raw = source['arguments'] ?? source['input'] ?? source['args'] ?? {};
    let args: string;
    if (typeof raw === 'string') {
      try {
        JSON.parse(raw);
      } catch {
        return { ok: false, error: `${where}: arguments is text that is not JSON; write it as an object, e.g. { "city": "Paris" }.` };
      }
      args = raw;
    } else if (isRecord(raw)) args = JSON.stringify(raw);
    else return { ok: false, error: `${where}: arguments must be an object, e.g. { "city": "Paris" }.` };
    const id = item['id'];
    if (id !== undefined && (typeof id !== 'string' || id.length > 500)) return { ok: false, error: `${where}: id must be text (at most 500 characters).` };
    calls.push({ id: typeof id === 'string' && id !== '' ? id : `call_${i + 1}`, name, arguments: args });
  }
  const ids = new Set<string>();
  for (const call of calls) {
    if (ids.has(call.id)) return { ok: false, error: `Two calls have the id ${JSON.stringify(call.id)}; each call needs its own.` };
    ids.add(call.id);
  }
  return { ok: true, calls };
}

/** The calls as the editor shows them: arguments as objects where they parse. */
export function toolCallsToText(calls: readonly ToolCall[]): string {
  if (calls.length === 0) return '';
  return JSON.stringify(
    calls.map((call) => {
      let args: unknown = call.arguments;
      try {
        args = JSON.parse(call.arguments);
      } catch {
        // Shown as the text it is.
      }
      return { id: call.id, name: call.name, arguments: args };
    }),
    null,
    2,
  );
}
