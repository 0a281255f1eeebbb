import { describe, expect, it } from 'vitest';
import { readToolsText, toolsToText } from '../../src/renderer/src/features/editor/tools-text';
import { readToolCallsText, toolCallsToText } from '../../src/renderer/src/features/editor/tool-turns';

const params = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('readToolsText', () => {
  it('reads the neutral form, and blank text as no tools', () => {
    const text = JSON.stringify([{ name: 'get_weather', description: 'Weather', parameters: params }], null, 2);
    expect(readToolsText(text)).toEqual({ ok: true, tools: [{ name: 'get_weather', description: 'Weather', parameters: params }], converted: false, problems: [] });
    expect(readToolsText('  \n')).toEqual({ ok: true, tools: [], converted: false, problems: [] });
  });

  it('converts OpenAI, Anthropic and Gemini forms, and one tool on its own', () => {
    const openai = readToolsText(JSON.stringify([{ type: 'function', function: { name: 'a', description: 'A', parameters: params } }]));
    const anthropic = readToolsText(JSON.stringify([{ name: 'a', description: 'A', input_schema: params }]));
    const gemini = readToolsText(JSON.stringify({ functionDeclarations: [{ name: 'a', description: 'A', parameters: params }] }));
    for (const read of [openai, anthropic, gemini]) {
      expect(read).toMatchObject({ ok: true, converted: true, tools: [{ name: 'a', description: 'A', parameters: params }] });
    }
    if (!openai.ok) throw new Error('expected ok');
    expect(JSON.parse(toolsToText(openai.tools))).toEqual([{ name: 'a', description: 'A', parameters: params }]);
  });

  it('places a JSON syntax error at its line and column', () => {
    const read = readToolsText('[\n  { "name": "a",\n    "description" "x" }\n]');
    expect(read.ok).toBe(false);
    expect(read.problems[0]).toMatchObject({ severity: 'error', line: 3 });
    expect(read.problems[0]?.message).toMatch(/^Not valid JSON/);
  });

  it('places a bad name on the name, in OpenAI form under function', () => {
    const text = '[\n  { "type": "function",\n    "function": { "name": "bad name!", "parameters": {} } }\n]';
    const read = readToolsText(text);
    expect(read.ok).toBe(false);
    expect(read.problems[0]).toMatchObject({ severity: 'error', line: 3, column: 27 });
    expect(read.problems[0]?.message).toMatch(/A tool name has letters/);
    const dup = readToolsText('[{"name":"a","description":"x"},\n{"name":"a","description":"y"}]');
    expect(dup.problems[0]?.message).toBe('The list names the tool "a" twice.');
  });

  it('warns about schemas vendors refuse and missing descriptions, without refusing them', () => {
    const read = readToolsText(JSON.stringify([{ name: 'a', parameters: { type: 'array', properties: { x: { type: 'strin' } }, required: ['y'] } }], null, 2));
    expect(read.ok).toBe(true);
    const messages = read.problems.map((p) => `${p.severity}: ${p.message}`);
    expect(messages).toEqual([
      'warning: a: parameters should be an object schema ("type": "object"): OpenAI, Anthropic and Gemini want the arguments as an object.',
      'warning: a: "required" names "y", which "properties" does not define.',
      'warning: a: property "x" has type "strin"; JSON Schema types are string, number, integer, boolean, object, array, null.',
      'warning: a: no description; models choose tools by their descriptions.',
    ]);
  });

  it('hostile text: huge, 10,000 deep, NUL bytes and markup stay text with a reason', () => {
    const deep = readToolsText('['.repeat(10_000) + ']'.repeat(10_000));
    expect(deep.ok).toBe(false);
    expect(deep.problems[0]?.message).toMatch(/must be a tool/);
    expect(readToolsText(`[${' '.repeat(1_000_001)}]`).problems[0]?.message).toMatch(/at most 1,000,000/);
    const odd = readToolsText(JSON.stringify([{ name: 'a', description: '<script>alert(1)</script>\u0000=HYPERLINK("x")' }]));
    expect(odd).toMatchObject({ ok: true, tools: [{ description: '<script>alert(1)</script>\u0000=HYPERLINK("x")' }] });
  });
});

describe('readToolCallsText', () => {
  it('reads calls with object or text arguments, OpenAI form, and gives missing ids', () => {
    const read = readToolCallsText(JSON.stringify([{ name: 'a', arguments: { city: 'Paris' } }, { id: 'x', type: 'function', function: { name: 'b', arguments: '{"q":1}' } }]));
    expect(read).toEqual({ ok: true, calls: [{ id: 'call_1', name: 'a', arguments: '{"city":"Paris"}' }, { id: 'x', name: 'b', arguments: '{"q":1}' }] });
    if (!read.ok) throw new Error('expected ok');
    expect(readToolCallsText(toolCallsToText(read.calls))).toEqual(read);
  });

  it('says what is wrong', () => {
    expect(readToolCallsText('[{"arguments":{}}]')).toEqual({ ok: false, error: 'Call 1 needs the name of a tool (letters, digits, _ and -).' });
    expect(readToolCallsText('[{"name":"a","arguments":"not json"}]')).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') });
    expect(readToolCallsText('[{"id":"1","name":"a"},{"id":"1","name":"b"}]')).toMatchObject({ ok: false, error: expect.stringContaining('Two calls have the id "1"') });
  });
});
