/**
 * What a cell shows of an answer's tool calls: the checks (JSON, a known tool, arguments against
 * the tool's schema, worded for a person), the arguments pretty-printed within a budget even when
 * hostile. (The stream reducer and the usage line: renderer-tool-calls-display.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createArgumentsValidator, toolCallHandlers } from '../../src/main/handlers/tool-calls';
import { checkToolCall, describeToolCallCheck, jsonDepth, PRETTY_MAX_DEPTH, showToolArguments, toolCallLine } from '../../src/shared/tool-calls';
import type { ToolCall, ToolDefinition } from '../../src/shared/tools';

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } }, required: ['city'], additionalProperties: false },
};
const PING: ToolDefinition = { name: 'ping' };

function call(name: string, args: string): ToolCall {
  return { id: `call_${name}`, name, arguments: args };
}

const validate = createArgumentsValidator();

describe('checking a tool call', () => {
  it('passes arguments that fit the schema', () => {
    expect(checkToolCall(call('get_weather', '{"city":"Paris","unit":"c"}'), [WEATHER], validate)).toEqual({ kind: 'valid' });
  });

  it('names the first problems, with the arguments called arguments', () => {
    const check = checkToolCall(call('get_weather', '{"unit":"kelvin","extra":1}'), [WEATHER], validate);
    expect(check.kind).toBe('invalid');
    const words = describeToolCallCheck(check, 'get_weather');
    expect(words).toMatch(/^invalid: /);
    expect(words).toContain("arguments must have required property 'city'");
    expect(words).not.toMatch(/\bdata\b/);
  });

  it('says when the arguments are not JSON, without asking the schema', () => {
    const check = checkToolCall(call('get_weather', '{"city": "Par'), [WEATHER]);
    expect(check?.kind).toBe('not-json');
    expect(describeToolCallCheck(check ?? { kind: 'valid' }, 'get_weather')).toMatch(/^not valid JSON: /);
  });

  it('says when the tool was never offered, and which were', () => {
    const offered = checkToolCall(call('delete_everything', '{}'), [WEATHER, PING]);
    expect(offered).toEqual({ kind: 'unknown-tool', offered: ['get_weather', 'ping'] });
    expect(describeToolCallCheck(offered ?? { kind: 'valid' }, 'delete_everything')).toBe('unknown tool: the request offered get_weather, ping');
    const none = checkToolCall(call('x', '{}'), undefined);
    expect(describeToolCallCheck(none ?? { kind: 'valid' }, 'x')).toMatch(/offered no tools/);
  });

  it('knows without main when a tool declares no arguments; asks main only for a schema', () => {
    expect(checkToolCall(call('ping', ''), [PING])).toEqual({ kind: 'valid', noSchema: true });
    expect(checkToolCall(call('ping', '[1]'), [PING])).toEqual({ kind: 'invalid', problems: 'the arguments are a list, not an object' });
    expect(checkToolCall(call('get_weather', '{"city":"Oslo"}'), [WEATHER])).toBeUndefined();
  });

  it('survives arguments nested 10,000 deep and a schema that recurses over them', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const recursive: ToolDefinition = { name: 'nest', parameters: { $ref: '#/$defs/n', $defs: { n: { type: 'object', properties: { a: { anyOf: [{ $ref: '#/$defs/n' }, { type: 'number' }] } } } } } };
    const check = checkToolCall(call('nest', deep), [recursive], validate);
    // Either ajv got to the bottom or it ran out of stack and said so; it never throws.
    expect(['valid', 'invalid']).toContain(check.kind);
    expect(jsonDepth(JSON.parse(deep), PRETTY_MAX_DEPTH)).toBeGreaterThan(PRETTY_MAX_DEPTH);
  });

  it('reports a schema that does not compile as a problem of the tool', () => {
    const broken: ToolDefinition = { name: 'broken', parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } };
    const check = checkToolCall(call('broken', '{"a":1}'), [broken], validate);
    expect(check).toMatchObject({ kind: 'invalid' });
    expect(describeToolCallCheck(check, 'broken')).toContain("the tool's schema does not compile");
  });

  it('answers toolCalls.check for each call, in order', async () => {
    const handlers = toolCallHandlers();
    const { checks } = await handlers['toolCalls.check']({
      calls: [call('get_weather', '{"city":"Rome"}'), call('get_weather', '{"city":7}'), call('nope', '{}')],
      tools: [WEATHER],
    });
    expect(checks.map((c) => c.kind)).toEqual(['valid', 'invalid', 'unknown-tool']);
  });
});

describe('showing the arguments', () => {
  it('pretty-prints JSON', () => {
    expect(showToolArguments('{"city":"Paris","n":[1,2]}', 1000)).toEqual({ text: '{\n  "city": "Paris",\n  "n": [\n    1,\n    2\n  ]\n}', hidden: 0 });
    expect(showToolArguments('', 1000).text).toBe('{}');
  });

  it('shows text that is not JSON as sent, and says so', () => {
    const shown = showToolArguments('<script>alert(1)</script>', 1000);
    expect(shown).toEqual({ text: '<script>alert(1)</script>', hidden: 0, note: 'not valid JSON, shown as sent' });
  });

  it('cuts a megabyte of arguments to the budget and counts the rest', () => {
    const big = JSON.stringify({ text: 'x'.repeat(1_000_000) });
    const shown = showToolArguments(big, 20_000);
    expect(shown.text).toHaveLength(20_000);
    expect(shown.hidden).toBe(JSON.stringify(JSON.parse(big), null, 2).length - 20_000);
  });

  it('does not indent 10,000 levels: deep arguments are shown as sent', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const shown = showToolArguments(deep, 500);
    expect(shown.note).toBe(`nested more than ${PRETTY_MAX_DEPTH} levels deep, shown as sent`);
    expect(shown.text).toBe(deep.slice(0, 500));
    expect(shown.hidden).toBe(20_000 - 500);
  });

  it('writes a grid line compact and cut', () => {
    expect(toolCallLine(call('get_weather', '{\n  "city": "Paris"\n}'), 100)).toBe('get_weather({ "city": "Paris" })');
    const line = toolCallLine(call('f', `{"a":"${'y'.repeat(5000)}"}`), 50);
    expect(line).toHaveLength(51);
    expect(line.endsWith('…')).toBe(true);
  });
});
