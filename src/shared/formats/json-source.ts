/**
 * JSON files (promptfoo chat arrays, OpenAI request bodies): strict JSON.parse for what is
 * valid, with the line and column of a syntax error, and the position of any value for
 * messages about it (found by reading the same text as YAML, whose parser keeps positions).
 */
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { roleSchema, type Message } from '../schemas';
import { describeType, isRecord, positionOf, type ImportReport, type Position } from './common';
import { toolCallSchema, type ToolCall } from '../tools';

type Path = ReadonlyArray<string | number>;

export class JsonSource {
  private located: { doc: Document; lines: LineCounter } | undefined;

  private constructor(
    private readonly text: string,
    readonly value: unknown,
  ) {}

  static parse(text: string, report: ImportReport): JsonSource | undefined {
    try {
      return new JsonSource(text, JSON.parse(text));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // V8 gives a position for some errors only ("Unexpected token '}', …" has none), so find it ourselves.
      const offset = firstErrorOffset(text);
      const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
      const at: Position = offset !== undefined ? positionOf(text, offset) : lineColumn ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) } : {};
      const reason = message.replace(/\s*in JSON at position.*$/s, '').replace(/,\s*(?:\.\.\.)?".*$/s, '');
      report.error(`JSON syntax error: ${reason}`, at);
      return undefined;
    }
  }

  at(path: Path): Position {
    this.located ??= (() => {
      const lines = new LineCounter();
      return { doc: parseDocument(this.text, { lineCounter: lines, uniqueKeys: false, logLevel: 'silent' }), lines };
    })();
    const { doc, lines } = this.located;
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return {};
  }
}

/**
 * A chat array: `[{ "role": "system" | "user" | "assistant", "content": "…" }, …]`. OpenAI's
 * `developer` role is read as system (what it replaces); tool messages and content given as a
 * list of parts have no place in a Parallax message, so they are errors.
 */
export function readChatMessages(value: unknown, source: JsonSource, path: Path, report: ImportReport, label: string): Message[] {
  if (!Array.isArray(value)) {
    report.error(`${label} must be a list of {"role", "content"} messages, not ${describeType(value)}`, source.at(path));
    return [];
  }
  if (value.length === 0) {
    report.error(`${label} is empty; a prompt needs at least one message`, source.at(path));
    return [];
  }
  const messages: Message[] = [];
  value.forEach((item, index) => {
    const at = source.at([...path, index]);
    const name = `message ${index + 1}`;
    if (!isRecord(item)) {
      report.error(`${name} must be a map with role and content, not ${describeType(item)}`, at);
      return;
    }
    let role = roleSchema.safeParse(item['role']);
    if (!role.success && item['role'] === 'developer') {
      report.warn(`${name}: the developer role is read as system`, at);
      role = roleSchema.safeParse('system');
    }
    const calls = role.success && role.data === 'assistant' ? toolCallsOf(item['tool_calls']) : undefined;
    // An assistant turn that only calls tools has no text (null content).
    const content = calls !== undefined && (item['content'] === null || item['content'] === undefined) ? '' : item['content'];
    if (!role.success) {
      report.error(`${name} has the role ${JSON.stringify(item['role']) ?? 'undefined'}; a Parallax message is system, user, assistant or tool`, source.at([...path, index, 'role']));
    } else if (role.data === 'tool' && typeof item['tool_call_id'] !== 'string') {
      report.error(`${name} is a tool result without tool_call_id (the id of the call it answers)`, source.at([...path, index]));
    } else if (calls === null) {
      report.error(`${name} has tool_calls Parallax cannot read; each needs an id and a function with a name and arguments (text)`, source.at([...path, index, 'tool_calls']));
    } else if (Array.isArray(content)) {
      report.error(`${name} gives its content as a list of parts; Parallax messages are text, so write the content as one string`, source.at([...path, index, 'content']));
    } else if (typeof content !== 'string') {
      report.error(`${name} needs content that is text, not ${describeType(content)}`, source.at([...path, index, 'content']));
    } else {
      messages.push({
        role: role.data,
        content,
        ...(calls ? { toolCalls: calls } : {}),
        ...(role.data === 'tool' && typeof item['tool_call_id'] === 'string' ? { toolCallId: item['tool_call_id'].slice(0, 500) } : {}),
      });
    }
    const read = new Set(['role', 'content', ...(role.success && role.data === 'tool' ? ['tool_call_id'] : []), ...(calls ? ['tool_calls'] : [])]);
    for (const key of Object.keys(item)) {
      if (!read.has(key)) report.warn(`${name}: ${key} is ignored`, source.at([...path, index, key]));
    }
  });
  return messages;
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/** The offset of the first character that makes the text invalid JSON (RFC 8259), or undefined if it is valid. */
export function firstErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new JsonStop(i);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) stop();
    i++;
  };
  const string = (): void => {
    expect('"');
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) stop();
      if (ch === 0x5c) {
        i++;
        if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else stop();
      } else {
        i++;
      }
    }
    stop();
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === ',') i++;
        else return expect(close);
      }
    }
    if (ch === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    const match = number.exec(text);
    if (match && match[0] !== '' && match[0] !== '-') {
      i += match[0].length;
      return;
    }
    const word = ['true', 'false', 'null'].find((w) => w[0] === ch) ?? '';
    for (const letter of word) expect(letter);
    if (word === '') stop();
  };
  try {
    value();
    space();
    if (i < text.length) stop();
    return undefined;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    throw error;
  }
}

/**
 * An assistant message's `tool_calls` in Chat Completions' form, as Parallax keeps them;
 * undefined when there are none, null when they are there but unreadable.
 */
function toolCallsOf(value: unknown): ToolCall[] | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 64) return null;
  const calls: ToolCall[] = [];
  for (const item of value) {
    if (!isRecord(item) || !isRecord(item['function'])) return null;
    const fn = item['function'];
    const parsed = toolCallSchema.safeParse({ id: item['id'], name: fn['name'], arguments: fn['arguments'] });
    if (!parsed.success) return null;
    calls.push(parsed.data);
  }
  return calls.length > 0 ? calls : undefined;
}
