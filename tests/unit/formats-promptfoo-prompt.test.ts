import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import type { PromptDocument } from '../../src/shared/formats/document';
import { promptfooJsonFormat, promptfooTextFormat } from '../../src/shared/formats/promptfoo-prompt';
import { awkward, expectErrors, expectOk, minimal, rich } from './formats-fixtures';

const importJson = (text: string, fileName = 'chat.json') => promptfooJsonFormat.import!(text, fileName);
const importText = (text: string, fileName = 'prompt.txt') => promptfooTextFormat.import!(text, fileName);

/** What a promptfoo prompt file carries: the messages; the name comes from the file. */
const carried = (document: PromptDocument, name: string): PromptDocument => ({ name, description: '', tags: [], authors: [], messages: document.messages, sample: {} });

describe('promptfoo chat JSON', () => {
  it('exports the messages as a JSON chat array and nothing else', () => {
    const text = promptfooJsonFormat.export(rich);
    expect(JSON.parse(text)).toEqual(rich.messages);
    expect(text.startsWith('[\n  {\n    "role": "system",\n    "content": "You help customers of {{ company }}.')).toBe(true);
    expect(text).not.toMatch(/OLLAMA_KEY|llama3|Support reply/);
  });

  it.each([
    ['rich', rich],
    ['awkward', awkward],
    ['minimal', minimal],
  ])('round trips the messages exactly (%s)', (_title, document) => {
    const { document: back, warnings } = expectOk(importJson(promptfooJsonFormat.export(document), 'prompts/support.json'));
    expect(back).toEqual(carried(document, 'support'));
    expect(warnings).toEqual([]);
  });

  it('reads developer as system and warns about fields it drops', () => {
    const { document, warnings } = expectOk(importJson('[{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi", "name": "ada"}]'));
    expect(document.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    expect(warnings).toEqual(['line 1, column 2: message 1: the developer role is read as system', 'line 1, column 91: message 2: name is ignored']);
  });

  it('refuses what is not a chat array, with line and column', () => {
    expect(expectErrors(importJson(''))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importJson('{"model": "gpt-4o", "messages": []}'))[0]?.message).toMatch(/single object/);
    expect(expectErrors(importJson('[]'))[0]?.message).toMatch(/is empty/);
    expect(expectErrors(importJson('[\n  {"role": "user", "content": "hi"},\n  {"role": "user" "content": "x"}\n]'))).toEqual([
      { line: 3, column: 19, message: "JSON syntax error: Expected ',' or '}' after property value" },
    ]);
    expect(expectErrors(importJson('[\n  {"role": "user", "content": "hi"},\n  {"role": "bot", "content": "x"}\n]'))).toEqual([
      { line: 3, column: 12, message: 'message 2 has the role "bot"; a Parallax message is system, user, assistant or tool' },
    ]);
    expect(expectErrors(importJson('[{"role": "user", "content": [{"type": "text", "text": "hi"}]}, "x"]'))).toEqual([
      { line: 1, column: 30, message: expect.stringMatching(/list of parts/) },
      { line: 1, column: 65, message: 'message 2 must be a map with role and content, not a string' },
    ]);
  });
});

describe('promptfoo text prompt', () => {
  const single: PromptDocument = { ...minimal, messages: [{ role: 'user', content: 'Summarise {{ text }} in {{ words }} words.\nBe précis — 中文 ok.' }] };

  it('exports one user message as the text with a final line break', () => {
    expect(promptfooTextFormat.export(single)).toBe('Summarise {{ text }} in {{ words }} words.\nBe précis — 中文 ok.\n');
  });

  it('round trips a single user message exactly', () => {
    expect(expectOk(importText(promptfooTextFormat.export(single), 'summary.txt')).document).toEqual(carried(single, 'summary'));
  });

  it('refuses, with a reason and an alternative, what promptfoo would read differently', () => {
    const refuse = (document: PromptDocument): string => {
      try {
        promptfooTextFormat.export(document);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        return (error as AppError).message;
      }
      throw new Error('expected the export to be refused');
    };
    expect(refuse(rich)).toBe('Cannot export as promptfoo text prompt (.txt): a .txt prompt is one message and this prompt has 4. Export as promptfoo chat JSON, which keeps every message.');
    expect(refuse({ ...minimal, messages: [{ role: 'system', content: 'x' }] })).toMatch(/sends a \.txt prompt as a user message, and this one is a system message/);
    expect(refuse({ ...minimal, messages: [{ role: 'user', content: 'a\n ---\nb' }] })).toMatch(/line 2 of the message is ---/);
    expect(refuse({ ...minimal, messages: [{ role: 'user', content: 'ends with a break\n' }] })).toMatch(/trims/);
    expect(refuse({ ...minimal, messages: [{ role: 'user', content: '' }] })).toMatch(/empty/);
  });

  it('reads a .txt as promptfoo does: trimmed, Windows line ends, one user message', () => {
    expect(expectOk(importText('\uFEFF\r\n  Hello {{ name }}\r\nBye  \r\n\r\n', 'hello.txt')).document).toEqual({
      name: 'hello',
      description: '',
      tags: [],
      authors: [],
      messages: [{ role: 'user', content: 'Hello {{ name }}\nBye' }],
      sample: {},
    });
  });

  it('reads a .j2 whole and as written, --- lines and white space included', () => {
    const text = '{% if formal %}Dear {{ name }},{% endif %}\n---\n  indented\n';
    expect(expectOk(importText(text, 'letter.j2')).document.messages).toEqual([{ role: 'user', content: text }]);
  });

  it('refuses a .txt holding several prompts, at the separator, and empty files', () => {
    expect(expectErrors(importText('First prompt\n---\nSecond prompt\n'))).toEqual([
      { line: 2, message: expect.stringMatching(/^the file holds 2 prompts separated by --- lines/) },
    ]);
    expect(expectOk(importText('---\nOnly one\n---\n')).document.messages).toEqual([{ role: 'user', content: 'Only one' }]);
    expect(expectErrors(importText(' \n'))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importText('---\n\n---\n'))[0]?.message).toMatch(/only --- separators/);
    expect(expectErrors(importText('', 'x.j2'))[0]?.message).toMatch(/the file is empty/);
  });
});
