import { describe, expect, it } from 'vitest';
import type { PromptDocument } from '../../src/shared/formats/document';
import { firstErrorOffset } from '../../src/shared/formats/json-source';
import { openaiChatFormat } from '../../src/shared/formats/openai-chat';
import { awkward, expectErrors, expectOk, minimal, rich } from './formats-fixtures';

const importChat = (text: string, fileName = 'request.json') => openaiChatFormat.import!(text, fileName);

/** What the request body carries: messages, the model's name and parameters; the name comes from the file. */
const carried = (document: PromptDocument, name: string): PromptDocument => ({
  name,
  description: '',
  tags: [],
  authors: [],
  messages: document.messages,
  ...(document.model ? { model: { name: document.model.name, params: document.model.params } } : {}),
  sample: {},
});

describe('OpenAI chat JSON export', () => {
  it('writes the request body, ready for POST /v1/chat/completions', () => {
    const text = openaiChatFormat.export(rich);
    expect(JSON.parse(text)).toEqual({ model: 'llama3.2:3b', messages: rich.messages, temperature: 0.2, max_tokens: 256 });
    expect(text.startsWith('{\n  "model": "llama3.2:3b",\n  "messages": [\n')).toBe(true);
    expect(text.endsWith('  "temperature": 0.2,\n  "max_tokens": 256\n}\n')).toBe(true);
  });

  it('writes only API fields: no name, base URL or key variable', () => {
    const text = openaiChatFormat.export(rich);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['model', 'messages', 'temperature', 'max_tokens']);
    expect(text).not.toMatch(/OLLAMA_KEY|localhost|Support reply/);
  });

  it('leaves out parameters that are not set, and refuses a prompt without a model', () => {
    expect(JSON.parse(openaiChatFormat.export({ ...minimal, model: { name: 'gpt-4o', params: {} } }))).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(() => openaiChatFormat.export(minimal)).toThrow('Cannot export as OpenAI chat JSON (.json): the request needs a model, and this prompt has none.');
  });
});

describe('OpenAI chat JSON round trip', () => {
  it.each([
    ['rich', rich],
    ['awkward, with a model', { ...awkward, model: { name: 'gpt-4o-mini', params: { temperature: 0 } } }],
    ['minimal, with a model', { ...minimal, model: { name: 'gpt-4o', params: {} } }],
  ])('%s', (_title, document) => {
    const { document: back, warnings } = expectOk(importChat(openaiChatFormat.export(document), 'support.json'));
    expect(back).toEqual(carried(document, 'support'));
    expect(warnings).toEqual([]);
  });
});

describe('OpenAI chat JSON import', () => {
  it('reads max_completion_tokens, warns about fields it ignores, drops a key field', () => {
    const secret = 'sk-abc123abc123';
    const result = importChat(
      JSON.stringify({ model: 'o4-mini', messages: [{ role: 'developer', content: 'Terse.' }, { role: 'user', content: 'hi' }], max_completion_tokens: 500, stream: true, api_key: secret }, null, 2),
    );
    const { document, warnings } = expectOk(result);
    expect(document.model).toEqual({ name: 'o4-mini', params: { maxTokens: 500 } });
    expect(document.messages[0]).toEqual({ role: 'system', content: 'Terse.' });
    expect(warnings).toEqual([
      'line 4, column 5: message 1: the developer role is read as system',
      'line 14, column 13: stream is ignored; Parallax keeps model, messages, temperature and max_tokens',
      expect.stringMatching(/^line 15, column 14: api_key holds an API key written into the file; Parallax dropped it/),
    ]);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('imports a body without a model, with a warning', () => {
    const { document, warnings } = expectOk(importChat('{"messages": [{"role": "user", "content": "hi"}]}'));
    expect(document.model).toBeUndefined();
    expect(warnings).toEqual(['the request names no model; choose one in Parallax']);
  });

  it('refuses broken input, with positions, and imports nothing', () => {
    expect(expectErrors(importChat(''))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importChat('{"model": "gpt-4o",\n "messages": [}'))).toEqual([{ line: 2, column: 15, message: 'JSON syntax error: Unexpected token \'}\'' }]);
    expect(expectErrors(importChat('{"model": "gpt-4o"'))[0]).toMatchObject({ line: 1, message: expect.stringMatching(/^JSON syntax error/) });
    expect(expectErrors(importChat('[{"role": "user", "content": "hi"}]'))[0]?.message).toMatch(/a list of messages is a promptfoo chat prompt/);
    expect(expectErrors(importChat('{"model": "gpt-4o"}'))).toEqual([{ line: 1, column: 1, message: 'messages must be a list of {"role", "content"} messages, not empty' }]);
    expect(expectErrors(importChat('{"model": 4, "messages": [{"role": "tone", "content": "x"}], "temperature": "hot"}'))).toEqual([
      { line: 1, column: 36, message: 'message 1 has the role "tone"; a Parallax message is system, user, assistant or tool' },
      { line: 1, column: 77, message: 'temperature must be a number from 0 to 2, not a string' },
      { line: 1, column: 11, message: "model must be the model's name as text, not a number" },
    ]);
  });
});

describe('JSON error positions', () => {
  it('point at the first character that breaks the JSON', () => {
    expect(firstErrorOffset('{"a": tru}')).toBe(9);
    expect(firstErrorOffset('[1, 2,]')).toBe(6);
    expect(firstErrorOffset('nope')).toBe(1);
    expect(firstErrorOffset('{"a": "x\ny"}')).toBe(8);
    expect(firstErrorOffset('{"a": 1} x')).toBe(9);
    expect(firstErrorOffset('{"a": [1, {"b": null}], "c": -0.5e+3, "d": "\\u00e9\\n"}')).toBeUndefined();
  });

  it('agree with JSON.parse on which texts are valid', () => {
    const base = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'a "b" \\ c' }], temperature: 0.5, x: [true, false, null, -1e3] });
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '1', '-', '.', 'e', 't', 'n', '\n'];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const at = random(base.length);
      const text = random(2) === 0 ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at) + (pieces[random(pieces.length)] ?? '') + base.slice(at);
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(firstErrorOffset(text) === undefined, text).toBe(valid);
    }
  });
});
