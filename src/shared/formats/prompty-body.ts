/**
 * A Prompty body after rendering, split into messages the way Prompty's runtimes do it: a
 * line such as `user:` or `user[name="Ada"]:` starts a message, text before the first one is
 * a system message, each message's text loses its blank lines at either end (and a message
 * left empty is dropped, as Prompty 0.1.50 does). A conversation input (a thread) is written
 * into the text as a marker and replaced by its messages after the split: at a v2 `{{name}}`
 * (the text on either side of it stays a message of its own), or at a v1 `![thread]` line
 * (Prompty 1.0.0b3's executor: the thread's messages, then the marker's own text as a user
 * message).
 */
import type { Message, Role, Variables, VariableValue } from '../schemas';

/** A role line as Prompty 2's parser reads it (1.0.0b3's is the same, less `developer`). */
export const PROMPTY_ROLE_LINE = /^\s*#?\s*(system|user|assistant|developer|function|tools)(\[((\w+\s*=\s*"?[^"]*"?\s*,?\s*)+)\])?\s*:\s*$/i;
const V1_THREAD_LINE = /^\s*!\[thread\]/;
/** The variable a v1 `![thread]` marker reads (Prompty 1.0.0b3 adds it as an input). */
export const V1_THREAD_INPUT = 'thread';

/** Role arguments, `[name="Ada", nonce=3]`, with Prompty 2's type coercion. */
export function roleArguments(raw: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const match of raw.replace(/^\[|\]$/g, '').matchAll(/(\w+)\s*=\s*"?([^",]*)"?/g)) {
    const key = match[1] ?? '';
    const value = (match[2] ?? '').trim();
    if (/^(true|false)$/i.test(value)) out[key] = value.toLowerCase() === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

/** The marker a thread variable renders as; the nonce makes it one no row value can forge by chance. */
export function threadMarker(name: string, nonce: string): string {
  return `__PROMPTY_THREAD_${nonce}_${name}__`;
}

function roleOf(word: string): Role | string {
  const role = word.toLowerCase();
  // OpenAI reads `developer` as the system message of reasoning models; Parallax's role is system.
  return role === 'developer' ? 'system' : role;
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '').replace(/^\n+|\n+$/g, '');
}

/** A thread's value as messages, or why it is not one. */
export function threadMessages(name: string, value: VariableValue | undefined): Message[] | string {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) return `the conversation "${name}" must be a list of messages ({"role": "user", "content": "…"}), not ${typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value).slice(0, 40)}`}`;
  const out: Message[] = [];
  for (const [index, item] of value.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return `item ${index + 1} of the conversation "${name}" is not a message ({"role": …, "content": …})`;
    const role = typeof item['role'] === 'string' ? roleOf(item['role']) : '';
    if (role !== 'system' && role !== 'user' && role !== 'assistant') return `item ${index + 1} of the conversation "${name}" has the role ${JSON.stringify(item['role'] ?? null)}; Parallax sends system, user and assistant messages`;
    const content = item['content'];
    const text = typeof content === 'string' ? content : content === undefined || content === null ? '' : JSON.stringify(content);
    const speaker = typeof item['name'] === 'string' ? { name: item['name'] } : {};
    out.push({ role, content: text, ...speaker });
  }
  return out;
}

export type SplitResult = { ok: true; messages: Message[] } | { ok: false; message: string };

/**
 * Splits rendered text into messages. `threads` maps each marker written into the text to its
 * variable; `vars` holds the row (the threads' values).
 */
export function splitPromptyBody(text: string, firstRole: Role, markers: ReadonlyMap<string, string>, vars: Variables, firstName?: string): SplitResult {
  type Block = { role: string; name?: string; lines: string[]; thread?: true };
  const blocks: Block[] = [];
  let current: Block = { role: firstRole, lines: [], ...(firstName !== undefined ? { name: firstName } : {}) };
  const flush = (): void => {
    if (current.lines.length > 0 || current.thread) blocks.push(current);
  };
  for (const line of text.split(/\r?\n/)) {
    const role = PROMPTY_ROLE_LINE.exec(line);
    if (role) {
      flush();
      const args = role[2] ? roleArguments(role[2]) : {};
      const name = typeof args['name'] === 'string' && args['name'] !== '' ? args['name'] : undefined;
      current = { role: roleOf(role[1] ?? ''), lines: [], ...(name !== undefined ? { name } : {}) };
    } else if (V1_THREAD_LINE.test(line)) {
      flush();
      blocks.push({ role: 'thread', lines: [], thread: true });
      // What follows the marker, up to the next role line, is sent as a user message.
      current = { role: 'user', lines: [line.replace(V1_THREAD_LINE, '')] };
    } else {
      current.lines.push(line);
    }
  }
  flush();

  const messages: Message[] = [];
  const push = (role: string, content: string, name: string | undefined): string | undefined => {
    const trimmed = trimBlankLines(content);
    if (trimmed.trim() === '') return undefined;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') return `the rendered prompt has a "${role}:" message; Parallax sends system, user and assistant messages`;
    messages.push({ role, content: trimmed, ...(name !== undefined ? { name } : {}) });
    return undefined;
  };
  const addThread = (name: string): string | undefined => {
    const thread = threadMessages(name, vars[name]);
    if (typeof thread === 'string') return thread;
    messages.push(...thread);
    return undefined;
  };
  for (const block of blocks) {
    if (block.thread) {
      const failed = addThread(V1_THREAD_INPUT);
      if (failed) return { ok: false, message: failed };
      continue;
    }
    let rest = block.lines.join('\n');
    // A v2 thread: the text before its marker, the thread, then the text after.
    for (;;) {
      let first: { at: number; marker: string; name: string } | undefined;
      for (const [marker, name] of markers) {
        const at = rest.indexOf(marker);
        if (at >= 0 && (!first || at < first.at)) first = { at, marker, name };
      }
      if (!first) break;
      const failed = push(block.role, rest.slice(0, first.at).trim(), block.name) ?? addThread(first.name);
      if (failed) return { ok: false, message: failed };
      rest = rest.slice(first.at + first.marker.length).trim();
    }
    const failed = push(block.role, rest, block.name);
    if (failed) return { ok: false, message: failed };
  }
  return { ok: true, messages };
}
