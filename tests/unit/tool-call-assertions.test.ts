import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from '../../src/main/assertions/json-schema';
import { sandboxCodeRunner, sandboxRegexTester } from '../../src/main/sandbox/checks';
import { checkedOutput, evaluateAssertion, parseAssertion, parseJsonPath, type Assertion, type AssertionContext } from '../../src/shared/assertions';
import type { ToolCall, ToolDefinition } from '../../src/shared/tools';

const validateJsonSchema = createJsonSchemaValidator();

const weather: ToolDefinition = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { location: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'array', items: { type: 'integer' } } },
    required: ['location'],
  },
};
const lookup: ToolDefinition = { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } };
const tools = [weather, lookup];

const call = (name: string, args: string, id = 'call_1'): ToolCall => ({ id, name, arguments: args });

function ctx(toolCalls: ToolCall[] | undefined, extra: Partial<AssertionContext> = {}): AssertionContext {
  return {
    output: checkedOutput('', toolCalls),
    vars: {},
    validateJsonSchema,
    testRegex: sandboxRegexTester,
    runCode: sandboxCodeRunner,
    tools,
    ...(toolCalls ? { toolCalls } : {}),
    ...extra,
  };
}

function check(type: string, value: unknown, context: AssertionContext) {
  const parsed = parseAssertion({ type, ...(value !== undefined ? { value } : {}) });
  if (!parsed.ok) throw new Error(parsed.error);
  return evaluateAssertion(parsed.assertion as Assertion, context);
}

describe('is-valid-openai-tools-call', () => {
  it('passes when every call names a defined tool and its arguments match the schema', () => {
    const result = check('is-valid-openai-tools-call', undefined, ctx([call('get_weather', '{"location":{"city":"Paris"},"unit":"c"}'), call('lookup', '{"q":"x"}', 'c2')]));
    expect(result).toMatchObject({ pass: true, score: 1 });
  });

  it('fails on an unknown tool, arguments off the schema, no call, and no tools, with promptfoo\'s reasons', () => {
    expect(check('is-valid-openai-tools-call', undefined, ctx([call('get_time', '{}')])).reason).toBe('Called "get_time", but there is no function with that name');
    const off = check('is-valid-openai-tools-call', undefined, ctx([call('get_weather', '{"location":{"city":"Paris"}}'), call('get_weather', '{"unit":"k"}', 'c2')]));
    expect(off.pass).toBe(false);
    expect(off.reason).toMatch(/^Call to "get_weather" does not match schema: .*location/);
    expect(check('is-valid-openai-tools-call', undefined, ctx(undefined)).reason).toBe('Expected the answer to call a tool; it made no tool call');
    const noTools = check('is-valid-openai-tools-call', undefined, ctx([call('lookup', '{"q":"x"}')], { tools: [] }));
    expect(noTools.pass).toBe(false);
    expect(noTools.reason).toMatch(/offers no tools/);
  });

  it('the not- form passes exactly when the plain form fails', () => {
    expect(check('not-is-valid-openai-tools-call', undefined, ctx([call('nope', '{}')])).pass).toBe(true);
    expect(check('not-is-valid-openai-tools-call', undefined, ctx([call('lookup', '{"q":"x"}')])).pass).toBe(false);
  });

  it('hostile arguments fail with a reason: invalid JSON, 10,000 deep, a megabyte', () => {
    expect(check('is-valid-openai-tools-call', undefined, ctx([call('lookup', '{"q": "x"')])).reason).toMatch(/not valid JSON/);
    const deep = `{"q":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const started = performance.now();
    const result = check('is-valid-openai-tools-call', undefined, ctx([call('lookup', deep)]));
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/nest deeper than 64 levels/);
    const huge = JSON.stringify({ q: 'x'.repeat(999_000) });
    expect(check('is-valid-openai-tools-call', undefined, ctx([call('lookup', huge)])).pass).toBe(true);
    expect(check('is-valid-openai-tools-call', undefined, ctx([call('lookup', '{"q": 1, "__proto__": {"polluted": true}}')])).pass).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('tool-call', () => {
  const calls = [call('lookup', '{"q":"weather"}'), call('get_weather', '{"location":{"city":"Paris","zip":"75001"},"days":[1,2]}', 'c2')];

  it('a name: some call is to that tool', () => {
    expect(check('tool-call', 'get_weather', ctx(calls)).pass).toBe(true);
    const missing = check('tool-call', 'send_email', ctx(calls));
    expect(missing.pass).toBe(false);
    expect(missing.reason).toBe('Expected a call to "send_email"; it called "lookup"; it called "get_weather"');
    expect(check('not-tool-call', 'send_email', ctx(calls)).pass).toBe(true);
    expect(check('tool-call', undefined, ctx(calls)).pass).toBe(true);
    expect(check('tool-call', undefined, ctx(undefined)).reason).toBe('Expected a tool call; the answer made no tool call');
  });

  it('arguments as an expected subset, by JSON path, and by schema', () => {
    expect(check('tool-call', { name: 'get_weather', arguments: { location: { city: 'Paris' } } }, ctx(calls)).pass).toBe(true);
    expect(check('tool-call', { name: 'get_weather', arguments: { location: { city: 'Rome' } } }, ctx(calls)).reason).toMatch(/do not contain \{"location":\{"city":"Rome"\}\}/);
    expect(check('tool-call', { name: 'get_weather', arguments: { days: [1] } }, ctx(calls)).pass).toBe(false);
    expect(check('tool-call', { paths: { '$.location.city': 'Paris', '$.days[1]': 2 } }, ctx(calls)).pass).toBe(true);
    expect(check('tool-call', { name: 'get_weather', paths: { "$['location'].zip": '75002' } }, ctx(calls)).reason).toMatch(/\$\['location'\]\.zip of "get_weather" is "75001", not "75002"/);
    expect(check('tool-call', { name: 'get_weather', paths: { '$.nowhere': 1 } }, ctx(calls)).reason).toMatch(/nothing at \$\.nowhere/);
    expect(check('tool-call', { name: 'lookup', schema: { type: 'object', properties: { q: { type: 'string', minLength: 3 } } } }, ctx(calls)).pass).toBe(true);
    expect(check('tool-call', { name: 'lookup', schema: { type: 'object', properties: { q: { type: 'string', maxLength: 3 } } } }, ctx(calls)).reason).toMatch(/do not match the schema/);
  });

  it('a malformed value fails with what to write, never throws', () => {
    expect(check('tool-call', { nme: 'x' }, ctx(calls)).reason).toMatch(/does not know "nme"/);
    expect(check('tool-call', { paths: { 'a b': 1 } }, ctx(calls)).reason).toMatch(/not a JSON path/);
    expect(check('tool-call', 42, ctx(calls)).reason).toMatch(/takes a tool name/);
    expect(check('tool-call', { name: 'lookup', arguments: { q: 'x' } }, ctx([call('lookup', '{"q":' + '['.repeat(10_000))])).reason).toMatch(/not valid JSON/);
  });
});

describe('output of an answer that is only tool calls', () => {
  it('checks on text see the calls as OpenAI tool_calls JSON; an answer with text keeps its text', () => {
    const calls = [call('lookup', '{"q":"x"}')];
    expect(JSON.parse(checkedOutput('', calls))).toEqual([{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }]);
    expect(checkedOutput('Sure.', calls)).toBe('Sure.');
    expect(check('is-json', undefined, ctx(calls)).pass).toBe(true);
    expect(check('contains', 'lookup', ctx(calls)).pass).toBe(true);
  });

  it('reads JSON paths', () => {
    expect(parseJsonPath('$.a.b[0]["c d"]')).toEqual(['a', 'b', 0, 'c d']);
    expect(parseJsonPath('a')).toEqual(['a']);
    expect(parseJsonPath('$.a..b')).toBeUndefined();
  });
});

describe('gradeCell on an answer with tool calls', () => {
  it('gives the checks the cell\'s calls and the tools in its params', async () => {
    const { gradeCell } = await import('../../src/main/runner/grading');
    const cell = {
      id: 'c',
      runId: 'r',
      columnIndex: 0,
      caseIndex: 0,
      repeat: 0,
      providerId: 'echo',
      providerName: 'Echo',
      model: 'echo',
      params: { tools },
      variables: {},
      messages: [],
      status: 'done' as const,
      output: '',
      toolCalls: [call('get_weather', '{"location":{"city":"Paris"}}')],
      usage: {},
    };
    const spec = {
      assertions: [{ type: 'is-valid-openai-tools-call' }, { type: 'tool-call', value: { paths: { '$.location.city': 'Paris' } } }, { type: 'contains', value: '"get_weather"' }, { type: 'tool-call', value: 'lookup' }] as Assertion[],
      testCases: [{ id: 't', vars: {} }],
      judge: undefined,
    };
    const grading = await gradeCell(cell, spec, undefined);
    expect(grading?.componentResults.map((c) => c.pass)).toEqual([true, true, true, false]);
    expect(grading?.componentResults[3]?.reason).toBe('Expected a call to "lookup"; it called "get_weather"');
  });
});
