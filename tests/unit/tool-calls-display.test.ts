/**
 * What a cell shows of an answer's tool calls: the checks (JSON, a known tool, arguments against
 * the tool's schema, worded for a person), the arguments pretty-printed within a budget even when
 * hostile, and the stream reducer keeping calls and thinking as text streams around them.
 */
import { describe, expect, it } from 'vitest';
import { createArgumentsValidator, toolCallHandlers } from '../../src/main/handlers/tool-calls';
import { applyCellUpdate, applyDeltas } from '../../src/renderer/src/state/stream-reducer';
import { cacheWords, figures } from '../../src/renderer/src/features/grid/GridCell';
import type { Cell } from '../../src/shared/schemas';
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

function cell(patch: Partial<Cell> = {}): Cell {
  return {
    id: 'c1',
    runId: 'r1',
    columnIndex: 0,
    caseIndex: 0,
    repeat: 0,
    providerId: 'p',
    providerName: 'P',
    model: 'm',
    params: {},
    variables: {},
    messages: [{ role: 'user', content: 'hi' }],
    status: 'running',
    output: '',
    usage: {},
    ...patch,
  };
}

describe('the stream reducer with tool calls and thinking', () => {
  const weather = call('get_weather', '{"city":"Paris"}');

  it('shows a call the moment its update arrives, keeping the text streamed so far', () => {
    const streamed = { c1: cell({ output: 'Let me check' }) };
    // The runner's snapshot may hold text its coalescer has not sent yet: the deltas bring it.
    const next = applyCellUpdate(streamed, cell({ output: 'Let me check the weather', toolCalls: [weather], reasoning: 'The user wants weather.' }));
    expect(next.c1).toMatchObject({ output: 'Let me check', toolCalls: [weather], reasoning: 'The user wants weather.' });
    const after = applyDeltas(next, new Map([['c1', ' the weather']]));
    expect(after.c1).toMatchObject({ output: 'Let me check the weather', toolCalls: [weather], reasoning: 'The user wants weather.' });
  });

  it('adds a second call to the first, and the final update wins', () => {
    const second = call('get_weather', '{"city":"Oslo"}');
    let cells = applyCellUpdate({ c1: cell() }, cell({ toolCalls: [weather] }));
    cells = applyCellUpdate(cells, cell({ toolCalls: [weather, second] }));
    expect(cells.c1?.toolCalls).toEqual([weather, second]);
    cells = applyCellUpdate(cells, cell({ status: 'done', toolCalls: [weather, second], usage: { inputTokens: 10, outputTokens: 5 } }));
    expect(cells.c1).toMatchObject({ status: 'done', toolCalls: [weather, second] });
    // A late "running" snapshot does not take the call back.
    expect(applyCellUpdate(cells, cell({ toolCalls: [weather] })).c1?.toolCalls).toEqual([weather, second]);
  });

  it('drops the calls of a try that is retried (the runner starts the cell over)', () => {
    const cells = applyCellUpdate({ c1: cell({ toolCalls: [weather] }) }, cell({ error: { code: 'retrying', message: 'Retrying' } }));
    expect(cells.c1?.toolCalls).toBeUndefined();
  });
});

describe('the usage line', () => {
  it('adds cache reads and writes and thinking tokens to the tokens', () => {
    const line = figures(cell({ status: 'done', usage: { inputTokens: 2000, outputTokens: 900, cacheReadTokens: 1200, cacheWriteTokens: 300, reasoningTokens: 800 }, costUsd: 0.0123 }));
    expect(line).toBe('2,000 → 900 tok · cached 1,200 read · 300 written · thinking 800 · $0.0123');
  });

  it('says only what was counted', () => {
    expect(cacheWords({ cacheReadTokens: 1200 })).toBe('cached 1,200 read');
    expect(cacheWords({ cacheWriteTokens: 300 })).toBe('cached 300 written');
    expect(cacheWords({ inputTokens: 5, cacheReadTokens: 0 })).toBeUndefined();
    expect(figures(cell({ status: 'done', usage: { inputTokens: 5, outputTokens: 2 }, costUsd: 0 }))).toBe('5 → 2 tok · $0');
  });
});
