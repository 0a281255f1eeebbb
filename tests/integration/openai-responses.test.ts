/**
 * OpenAI's Responses API against the fake server: the request body (instructions or developer
 * messages, input items for images and tool turns, reasoning, text.format, tools, tool_choice,
 * store: false, nothing unset), the stream's events as parts (reasoning summaries apart,
 * output text, one call per function_call item, usage normalised, finish reasons), every error
 * shape as the right AppError with keys masked and the server's words capped, and a run
 * through the services with a provider saved as kind openai, api responses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Message, Params, RunStatus } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { createProvider } from '../../src/main/providers/factory';
import { OpenAIResponsesProvider } from '../../src/main/providers/openai-responses';
import { MAX_EVENT_BYTES, MAX_SERVER_MESSAGE_CHARS, MAX_TOOL_ARGUMENT_CHARS } from '../../src/main/providers/wire';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { collectParts, type Collected } from './stream-parts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { runCliCaptured } from './cli-support';

const API_KEY = 'sk-responses-test-Hj5kLm7nBv9cXz1q';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const WEATHER = { name: 'get_weather', description: 'The weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

let server: FakeOpenAI;
let provider: OpenAIResponsesProvider;

beforeAll(async () => {
  server = await startFakeOpenAI();
  provider = new OpenAIResponsesProvider({ baseUrl: server.baseUrl, apiKey: API_KEY });
});

beforeEach(() => server.resetStats());

afterAll(async () => {
  await server.close();
});

function collect(params: Params = {}, messages: Message[] = [{ role: 'user', content: 'Hello there' }], p = provider): Promise<Collected> {
  return collectParts(p.stream({ model: 'gpt-5-mini', messages, params, signal: new AbortController().signal, loadImage: () => Promise.resolve({ mime: 'image/webp', base64: 'UklGRstored' }) }));
}

function lastBody(): Record<string, unknown> {
  const request = server.responsesRequests().at(-1);
  if (!request) throw new Error('no Responses request');
  return request.body as Record<string, unknown>;
}

describe('what the Responses API is sent', () => {
  it('a plain prompt: one system message as instructions, the user text as input, store false, nothing unset', async () => {
    const result = await collect({}, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello there' },
    ]);
    expect(result.error).toBeUndefined();
    expect(lastBody()).toEqual({ model: 'gpt-5-mini', instructions: 'Be brief.', input: [{ role: 'user', content: 'Hello there' }], stream: true, store: false });
    expect(result.text).toBe('You said: Hello there');
    expect(result.done?.finishReason).toBe('stop');
  });

  it('several system messages stay in place as developer messages', async () => {
    await collect({}, [
      { role: 'system', content: 'One.' },
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Two.' },
    ]);
    const body = lastBody();
    expect(body).not.toHaveProperty('instructions');
    expect(body.input).toEqual([
      { role: 'developer', content: 'One.' },
      { role: 'user', content: 'Hi' },
      { role: 'developer', content: 'Two.' },
    ]);
  });

  it('images as input_image parts, an assistant tool call as a function_call item, a tool result as function_call_output', async () => {
    await collect({}, [
      {
        role: 'user',
        content: 'Look at [image: a] [image: b] [image: c]',
        parts: [
          { type: 'text', text: 'Look at ' },
          { type: 'image', image: PNG },
          { type: 'image', image: 'https://example.com/dog.jpg' },
          { type: 'image', image: `${'b'.repeat(64)}.webp` },
        ],
      },
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', toolCallId: 'call_9', content: '{"temp":3}' },
      { role: 'assistant', content: 'Cold.' },
    ]);
    expect(lastBody().input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Look at ' },
          { type: 'input_image', detail: 'auto', image_url: PNG },
          { type: 'input_image', detail: 'auto', image_url: 'https://example.com/dog.jpg' },
          { type: 'input_image', detail: 'auto', image_url: 'data:image/webp;base64,UklGRstored' },
        ],
      },
      { role: 'assistant', content: 'Checking.' },
      { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_9', output: '{"temp":3}' },
      { role: 'assistant', content: 'Cold.' },
    ]);
  });

  it('parameters in the Responses words: max_output_tokens, sampling, reasoning effort and summary, text.format, tools with strict false, tool_choice', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    await collect({
      maxTokens: 500,
      temperature: 0.2,
      topP: 0.9,
      reasoningEffort: 'high',
      reasoningSummary: 'detailed',
      responseFormat: { type: 'json_schema', name: 'answer', schema, strict: true },
      tools: [WEATHER, { name: 'now' }],
      toolChoice: { name: 'get_weather' },
      // Chat Completions only: never sent to the Responses API (it refuses them).
      seed: 7,
      stop: ['END'],
      presencePenalty: 1,
    });
    const { input: _input, ...body } = lastBody();
    expect(body).toEqual({
      model: 'gpt-5-mini',
      stream: true,
      store: false,
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: 'high', summary: 'detailed' },
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
      tools: [
        { type: 'function', ...WEATHER, strict: false },
        { type: 'function', name: 'now', parameters: { type: 'object', properties: {} }, strict: false },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    for (const choice of ['auto', 'none', 'required'] as const) {
      await collect({ tools: [WEATHER], toolChoice: choice, responseFormat: { type: 'json_object' } });
      expect(lastBody().tool_choice).toBe(choice);
      expect(lastBody().text).toEqual({ format: { type: 'json_object' } });
    }
    await collect({ reasoningEffort: 'minimal' });
    expect(lastBody().reasoning).toEqual({ effort: 'minimal' });
  });
});

describe('what comes back from the Responses API', () => {
  it('reasoning summaries apart (a blank line between two), the text, one call per function_call item, usage normalised, finish tool_calls', async () => {
    server.script({
      kind: 'responses',
      summaries: ['Thinking about **Oslo**.', 'Need the weather tool.'],
      text: ['I will ', 'check.'],
      calls: [
        { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}', pieceChars: 3 },
        { id: 'call_b', name: 'get_weather', arguments: '{"city":"Bergen"}', pieceChars: 4 },
      ],
      usage: { input_tokens: 120, input_tokens_details: { cached_tokens: 64 }, output_tokens: 90, output_tokens_details: { reasoning_tokens: 70 }, total_tokens: 210 },
    });
    const result = await collect({ tools: [WEATHER], reasoningSummary: 'auto' });
    expect(result.error).toBeUndefined();
    expect(result.reasoning).toBe('Thinking about **Oslo**.\n\nNeed the weather tool.');
    expect(result.text).toBe('I will check.');
    expect(result.calls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { id: 'call_b', name: 'get_weather', arguments: '{"city":"Bergen"}' },
    ]);
    expect(result.done).toEqual({ finishReason: 'tool_calls', usage: { inputTokens: 120, outputTokens: 90, cacheReadTokens: 64, reasoningTokens: 70 } });
  });

  it('response.incomplete for max_output_tokens keeps the partial text and finishes with length', async () => {
    server.script({ kind: 'responses', text: ['Half an ans'], end: 'incomplete', usage: { input_tokens: 5, output_tokens: 16, output_tokens_details: { reasoning_tokens: 12 } } });
    const result = await collect({ maxTokens: 16 });
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Half an ans');
    expect(result.done).toEqual({ finishReason: 'length', usage: { inputTokens: 5, outputTokens: 16, reasoningTokens: 12 } });
  });

  it('keeps arguments nested 10,000 deep as text, never parsed', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    server.script({ kind: 'responses', calls: [{ name: 'deep', arguments: deep, pieceChars: 8192 }] });
    const result = await collect();
    expect(result.error).toBeUndefined();
    expect(result.calls).toEqual([{ id: 'call_fake_0', name: 'deep', arguments: deep }]);
  });

  it(`stops at a call whose arguments pass ${MAX_TOOL_ARGUMENT_CHARS.toLocaleString('en-US')} characters`, async () => {
    server.script({ kind: 'responses', text: ['Partial.'], calls: [{ name: 'huge', arguments: 'y'.repeat(MAX_TOOL_ARGUMENT_CHARS + 1), pieceChars: 250_000 }] });
    const result = await collect();
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.message).toMatch(/arguments passed 1,000,000 characters/);
    expect(result.text).toBe('Partial.');
    expect(result.calls).toEqual([]);
  });

  it('masks the key in reasoning, text and calls the server echoes', async () => {
    server.script({
      kind: 'responses',
      summaries: [`I saw ${API_KEY} in the prompt.`],
      text: [`Key: ${API_KEY.slice(0, 12)}`, `${API_KEY.slice(12)}.`],
      calls: [{ id: API_KEY, name: 'leak', arguments: `{"key":"${API_KEY}"}`, pieceChars: 5 }],
    });
    const result = await collect();
    expect(result.error).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain(API_KEY.slice(6));
    expect(result.text).toMatch(/^Key: .+\.$/);
  });

  it('reads closing events that repeat a 2 MB answer whole (past the Chat Completions event limit), and refuses one event over 16 MB', async () => {
    const piece = 'abcdefgh'.repeat(8 * 1024);
    server.script({ kind: 'responses', text: Array.from({ length: 32 }, () => piece) });
    const big = await collect();
    expect(big.error).toBeUndefined();
    expect(big.text.length).toBe(32 * piece.length);
    expect(big.text.length).toBeGreaterThan(MAX_EVENT_BYTES);
    server.script({ kind: 'raw-stream', events: () => ['{"type":"response.output_text.delta","delta":"Before."}', `{"type":"response.output_text.done","text":"${'z'.repeat(17 * 1024 * 1024)}"}`] });
    const huge = await collect();
    expect(huge.error?.message).toMatch(/one event larger than 16384 KB/);
    expect(huge.text).toBe('Before.');
  });

  it('a stream that stops before response.completed fails: no finish reason, partial text kept, no half-read calls', async () => {
    server.script({ kind: 'responses', text: ['So far'], end: 'none' });
    const result = await collect();
    expect(result.text).toBe('So far');
    expect(result.error?.message).toMatch(/no finish reason/);
    expect(result.done).toBeUndefined();
  });
});

describe('every error shape is the right AppError, masked and capped', () => {
  const long = `${'word '.repeat(400)}${API_KEY}`;

  it('response.failed carries the server’s message (key masked, cut short); a server_error may be retried', async () => {
    server.script({ kind: 'responses', text: ['Start'], end: 'failed', error: { code: 'server_error', message: `Boom with ${API_KEY}. ${long}` } });
    const result = await collect();
    expect(result.text).toBe('Start');
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.retryable).toBe(true);
    expect(result.error?.message).toMatch(/^The Responses API failed \(server_error\): Boom with /);
    expect(result.error?.message).not.toContain(API_KEY.slice(6));
    expect(result.error?.message.length).toBeLessThan(MAX_SERVER_MESSAGE_CHARS + 200);
    expect(result.error?.message).toMatch(/more characters not shown/);
  });

  it('an error event with rate_limit_exceeded is rate_limited; another code is a provider error that is not retried', async () => {
    server.script({ kind: 'responses', end: 'error', error: { code: 'rate_limit_exceeded', message: 'Slow down.' } });
    const limited = await collect();
    expect(limited.error?.code).toBe('rate_limited');
    expect(limited.error?.retryable).toBe(true);
    expect(limited.error?.message).toMatch(/Slow down\./);
    server.script({ kind: 'responses', end: 'error', error: { code: 'invalid_prompt', message: `Refused: ${API_KEY}` } });
    const refused = await collect();
    expect(refused.error?.code).toBe('provider_error');
    expect(refused.error?.retryable).toBe(false);
    expect(refused.error?.message).toMatch(/invalid_prompt/);
    expect(refused.error?.message).not.toContain(API_KEY.slice(6));
  });

  it('a 429 with Retry-After and x-ratelimit headers is rate_limited with the wait', async () => {
    server.script({ kind: 'rate-limit', retryAfterSeconds: 3 });
    const result = await collect();
    expect(result.error?.code).toBe('rate_limited');
    expect(result.error?.retryable).toBe(true);
    expect(result.error?.retryAfterMs).toBe(3000);
  });

  it('a 401 is an auth error and the echoed key is masked; a 500 may be retried; a 400 may not', async () => {
    server.script({ kind: 'auth', key: 'the-right-key' });
    const auth = await collect();
    expect(auth.error?.code).toBe('auth');
    expect(auth.error?.message).toMatch(/Incorrect API key provided/);
    expect(auth.error?.message).not.toContain(API_KEY.slice(6));
    server.script({ kind: 'fail-500' });
    const failed = await collect();
    expect(failed.error).toMatchObject({ code: 'provider_error', retryable: true });
    server.script({ kind: 'raw-response', status: 400, body: () => JSON.stringify({ error: { message: `Unsupported parameter: 'temperature'. ${long}`, type: 'invalid_request_error', param: 'temperature', code: null } }) });
    const refused = await collect();
    expect(refused.error).toMatchObject({ code: 'provider_error', retryable: false });
    expect(refused.error?.message).toMatch(/Unsupported parameter/);
    expect(refused.error?.message).not.toContain(API_KEY.slice(6));
  });

  it.each([
    ['an event without a type', '{"delta":"x"}'],
    ['a text delta that is not text', '{"type":"response.output_text.delta","delta":{"a":1}}'],
    ['usage below zero', '{"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":-1,"output_tokens":2}}}'],
    ['a function_call item with a name 10,000 characters long', `{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c","name":"${'n'.repeat(10_000)}","arguments":""}}`],
    ['arguments that are an object nested 10,000 deep', `{"type":"response.function_call_arguments.done","output_index":0,"arguments":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`],
  ])('refuses %s, keeping the text before it', async (_name, bad) => {
    server.script({ kind: 'raw-stream', events: () => ['{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"Before."}', bad, '{"type":"response.completed","response":{"status":"completed"}}'] });
    const result = await collect();
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.message).toMatch(/sent an event Parallax cannot use/);
    expect(result.error?.message.length).toBeLessThan(400);
    expect(result.text).toBe('Before.');
    expect(result.done).toBeUndefined();
  });

  it('passes over event types it does not read, and a function call without argument deltas still comes whole from output_item.done', async () => {
    server.script({
      kind: 'raw-stream',
      events: () => [
        '{"type":"response.web_search_call.searching","output_index":0,"item_id":"ws"}',
        '{"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc","call_id":"call_z","name":"lookup","arguments":"{\\"q\\":1}"}}',
        '{"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":3,"output_tokens":4}}}',
      ],
    });
    const result = await collect();
    expect(result.error).toBeUndefined();
    expect(result.calls).toEqual([{ id: 'call_z', name: 'lookup', arguments: '{"q":1}' }]);
    expect(result.done).toEqual({ finishReason: 'tool_calls', usage: { inputTokens: 3, outputTokens: 4 } });
  });

  it('the factory makes a Responses provider for kind openai, api responses', async () => {
    const made = createProvider({ kind: 'openai', api: 'responses', baseUrl: server.baseUrl, apiKey: API_KEY });
    expect(made).toBeInstanceOf(OpenAIResponsesProvider);
    await collect({}, [{ role: 'user', content: 'via factory' }], made as OpenAIResponsesProvider);
    expect(lastBody().input).toEqual([{ role: 'user', content: 'via factory' }]);
  });
});

describe('a run through the services with a Responses provider', () => {
  let services: Services;
  let dataDir: string;
  const finished = new Map<string, (status: RunStatus) => void>();

  async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const envelope = await dispatch(services.handlers, method, input);
    if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
    return envelope.data as MethodOutput<M>;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'parallax-responses-'));
    services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: { maxAttempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 } } });
    services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished') finished.get(event.runId)?.(event.status);
    });
  });

  afterAll(async () => {
    services.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ends with reasoning, tool calls, usage and a cost from the price table', async () => {
    // Prices for this test's own model only (the built-in list is another matter).
    await call('prices.save', { overrides: { 'fake-reasoner': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 } } });
    const saved = await call('providers.save', { name: 'OpenAI Responses', kind: 'openai', api: 'responses', baseUrl: server.baseUrl, apiKey: API_KEY });
    server.script({
      kind: 'responses',
      summaries: ['Compare the two cities.'],
      text: ['Checking both.'],
      calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      usage: { input_tokens: 1_000, input_tokens_details: { cached_tokens: 400 }, output_tokens: 500, output_tokens_details: { reasoning_tokens: 300 }, total_tokens: 1_500 },
    });
    const { runId } = await call('runs.start', {
      messages: [
        { role: 'system', content: 'You check the weather.' },
        { role: 'user', content: 'Weather in {{city}}?' },
      ],
      testCases: [{ id: 'c1', vars: { city: 'Oslo' } }],
      columns: [{ id: 'col-r', providerId: saved.id, model: 'fake-reasoner', params: { reasoningEffort: 'low', reasoningSummary: 'auto' } }],
      tools: [WEATHER],
      toolChoice: 'auto',
      repeats: 1,
      useCache: false,
    });
    const status = await new Promise<RunStatus>((resolve) => finished.set(runId, resolve));
    expect(status).toBe('done');
    const body = lastBody();
    expect(body).toMatchObject({ model: 'fake-reasoner', instructions: 'You check the weather.', input: [{ role: 'user', content: 'Weather in Oslo?' }], reasoning: { effort: 'low', summary: 'auto' }, tool_choice: 'auto', store: false });
    expect(body.tools).toEqual([{ type: 'function', ...WEATHER, strict: false }]);
    const detail = await call('runs.get', { runId });
    const cell = detail.cells[0];
    expect(cell?.status).toBe('done');
    expect(cell?.output).toBe('Checking both.');
    expect(cell?.reasoning).toBe('Compare the two cities.');
    expect(cell?.toolCalls).toEqual([{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
    expect(cell?.finishReason).toBe('tool_calls');
    expect(cell?.usage).toEqual({ inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 400, reasoningTokens: 300 });
    // 600 × $2 + 400 × $0.50 + 500 × $8, per million tokens.
    expect(cell?.costUsd).toBeCloseTo((600 * 2 + 400 * 0.5 + 500 * 8) / 1_000_000, 12);
  });
});

describe('parallax eval with openai:responses:<model>', () => {
  it('sends its cells to the Responses API with the config’s key, and they end ok', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parallax-responses-cli-'));
    try {
      const config = join(dir, 'promptfooconfig.yaml');
      await writeFile(config, `prompts: ["Say {{word}}"]\nproviders:\n  - id: openai:responses:fake-reasoner\n    config: { apiBaseUrl: ${server.baseUrl}, apiKeyEnvar: FAKE_KEY }\ntests:\n  - vars: { word: hello }\n`);
      const run = await runCliCaptured(['eval', '-c', config, '--no-cache', '--data-dir', join(dir, 'data')], { cwd: dir, env: { FAKE_KEY: API_KEY } });
      expect(run.stderr).not.toContain(API_KEY);
      expect(run.code).toBe(0);
      const request = server.responsesRequests().at(-1);
      expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request?.body).toMatchObject({ model: 'fake-reasoner', input: [{ role: 'user', content: 'Say hello' }], store: false, stream: true });
      expect(run.stderr).toContain('1 ok, 0 failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
