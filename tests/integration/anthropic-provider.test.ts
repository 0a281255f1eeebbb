/**
 * The Anthropic provider against a fake Messages API (support/fake-anthropic.ts) that speaks
 * the documented SSE sequence: what is sent (read back from the recorded request body), what
 * comes out of the stream, and every error shape, with the key never in any text.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicProvider, REDACTED_THINKING_NOTE, rateLimitResetMs } from '../../src/main/providers/anthropic';
import { createProvider } from '../../src/main/providers/factory';
import { LazyProvider } from '../../src/main/providers/lazy';
import type { ImageLoader } from '../../src/main/providers/content';
import type { ChatRequest, StreamPart } from '../../src/main/providers/types';
import { AppError } from '../../src/shared/errors';
import type { Message, Params } from '../../src/shared/schemas';
import { FAKE_ANTHROPIC_MODELS, FAKE_INPUT_TOKENS, fakeAnthropicAnswer, fakeOutputTokens, startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

const KEY = 'sk-ant-api03-Test9Hq2Lm4Np6Rs8Tv0Xz';
const MB = 1024 * 1024;
/** A 1×1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let server: FakeAnthropic;
let provider: AnthropicProvider;

beforeAll(async () => {
  server = await startFakeAnthropic();
  provider = new AnthropicProvider({ baseUrl: server.baseUrl, apiKey: KEY });
});
beforeEach(() => server.reset());
afterAll(() => server.close());

interface Drained {
  parts: StreamPart[];
  text: string;
  reasoning: string;
  error: unknown;
}

async function drain(p: AnthropicProvider, request: Partial<ChatRequest> & { messages?: Message[]; params?: Params } = {}): Promise<Drained> {
  const parts: StreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of p.stream({
      model: 'claude-fake-sonnet',
      messages: [{ role: 'user', content: 'Explain tides.' }],
      params: {},
      signal: new AbortController().signal,
      ...request,
    })) {
      parts.push(part);
    }
  } catch (e) {
    error = e;
  }
  return {
    parts,
    text: parts.map((p) => (p.type === 'delta' ? p.text : '')).join(''),
    reasoning: parts.map((p) => (p.type === 'reasoning' ? p.text : '')).join(''),
    error,
  };
}

function lastBody(): Record<string, unknown> {
  const request = server.messageRequests().at(-1);
  expect(request).toBeDefined();
  return request?.body as Record<string, unknown>;
}

function appError(value: unknown): AppError {
  expect(value).toBeInstanceOf(AppError);
  return value as AppError;
}

describe('the request body', () => {
  it('maps system, cache breakpoints, tool calls, tool results and images as the Messages API wants', async () => {
    const loadImage: ImageLoader = (name) => Promise.resolve({ mime: 'image/png', base64: name === 'a'.repeat(64) + '.png' ? PNG_BASE64 : '' });
    const messages: Message[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Long shared context.', cache: true },
      { role: 'user', content: 'Weather in Brest?', name: 'Ada' },
      { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'toolu_1', name: 'get_tide', arguments: '{"port":"Brest"}' }, { id: 'toolu_2', name: 'get_wind', arguments: '' }] },
      { role: 'tool', content: 'High tide 06:10', toolCallId: 'toolu_1' },
      { role: 'tool', content: 'Wind 12 kn', toolCallId: 'toolu_2', cache: true },
      { role: 'user', content: 'And these?' },
      { role: 'assistant', content: 'Two pictures.' },
      {
        role: 'user',
        content: 'Compare [image: a] and [image: b] and [image: c]',
        cache: true,
        parts: [
          { type: 'text', text: 'Compare ' },
          { type: 'image', image: `data:image/png;base64,${PNG_BASE64}` },
          { type: 'text', text: ' and ' },
          { type: 'image', image: 'https://example.com/cat.jpg' },
          { type: 'text', text: ' and ' },
          { type: 'image', image: `${'a'.repeat(64)}.png` },
        ],
      },
    ];
    const params: Params = {
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      tools: [{ name: 'get_tide', description: 'Tide times', parameters: { type: 'object', properties: { port: { type: 'string' } }, required: ['port'] } }, { name: 'get_wind' }],
      toolChoice: { name: 'get_tide' },
    };
    const out = await drain(provider, { messages, params, loadImage });
    expect(out.error).toBeUndefined();
    const request = server.messageRequests().at(-1);
    // The SDK (1.16) sends its apiKey as a bearer token, with its own anthropic-version.
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.headers['x-api-key']).toBe(KEY);
    expect(request?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const body = lastBody();
    expect(body.model).toBe('claude-fake-sonnet');
    expect(body.stream).toBe(true);
    expect(body.max_tokens).toBe(4096);
    expect(body.temperature).toBe(0.3);
    expect(body.top_p).toBe(0.9);
    expect(body.top_k).toBe(40);
    expect(body.stop_sequences).toEqual(['END']);
    expect(body.thinking).toBeUndefined();
    expect(body.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Long shared context.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.tools).toEqual([
      { name: 'get_tide', description: 'Tide times', input_schema: { type: 'object', properties: { port: { type: 'string' } }, required: ['port'] } },
      { name: 'get_wind', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_tide' });
    expect(body.messages).toEqual([
      // The speaker's name has no place in the Messages API.
      { role: 'user', content: 'Weather in Brest?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_tide', input: { port: 'Brest' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_wind', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'High tide 06:10' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'Wind 12 kn', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'And these?' },
        ],
      },
      { role: 'assistant', content: 'Two pictures.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare ' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
          { type: 'text', text: ' and ' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'text', text: ' and ' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 }, cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('maps each tool choice, and sends none without tools', async () => {
    const tools = [{ name: 'get_tide' }];
    const cases: [Params['toolChoice'], unknown][] = [
      ['auto', { type: 'auto' }],
      ['required', { type: 'any' }],
      ['none', { type: 'none' }],
      [{ name: 'get_tide' }, { type: 'tool', name: 'get_tide' }],
    ];
    for (const [choice, wire] of cases) {
      await drain(provider, { params: { tools, ...(choice !== undefined ? { toolChoice: choice } : {}) } });
      expect(lastBody().tool_choice).toEqual(wire);
    }
    await drain(provider, { params: { toolChoice: 'required' } });
    expect(lastBody().tool_choice).toBeUndefined();
    expect(lastBody().tools).toBeUndefined();
  });

  it('turns thinking on with a budget, max_tokens above it; 0 is off, -1 adaptive', async () => {
    await drain(provider, { params: { thinkingBudget: 2048 } });
    expect(lastBody().thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(lastBody().max_tokens).toBe(2048 + 4096);
    await drain(provider, { params: { thinkingBudget: 2048, maxTokens: 9000 } });
    expect(lastBody().max_tokens).toBe(9000);
    await drain(provider, { params: { thinkingBudget: 0, maxTokens: 100 } });
    expect(lastBody().thinking).toBeUndefined();
    expect(lastBody().max_tokens).toBe(100);
    await drain(provider, { params: { thinkingBudget: -1 } });
    expect(lastBody().thinking).toEqual({ type: 'adaptive' });
  });

  it('refuses a budget under 1,024, a budget not under max tokens, json_object and bad few-shot arguments, naming each', async () => {
    const before = server.messageRequests().length;
    const small = appError((await drain(provider, { params: { thinkingBudget: 500 } })).error);
    expect(small.code).toBe('bad_input');
    expect(small.message).toMatch(/at least 1,024/);
    expect(small.message).toMatch(/500/);
    const over = appError((await drain(provider, { params: { thinkingBudget: 4000, maxTokens: 4000 } })).error);
    expect(over.message).toMatch(/less than max tokens/);
    const json = appError((await drain(provider, { params: { responseFormat: { type: 'json_object' } } })).error);
    expect(json.message).toMatch(/no JSON mode/);
    const args = appError(
      (
        await drain(provider, {
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'get_tide', arguments: '{"port": Brest' }] },
            { role: 'tool', content: 'x', toolCallId: 't1' },
          ],
        })
      ).error,
    );
    expect(args.code).toBe('bad_input');
    expect(args.message).toContain('"get_tide"');
    expect(args.message).toMatch(/not valid JSON/);
    const orphan = appError((await drain(provider, { messages: [{ role: 'tool', content: 'x' }] })).error);
    expect(orphan.message).toMatch(/toolCallId/);
    // Nothing went over the wire for any of them.
    expect(server.messageRequests().length).toBe(before);
  });

  it('asks for structured output with output_config.format', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    await drain(provider, { params: { responseFormat: { type: 'json_schema', name: 'answer', schema, strict: true } } });
    expect(lastBody().output_config).toEqual({ format: { type: 'json_schema', schema } });
    await drain(provider, { params: { responseFormat: { type: 'text' } } });
    expect(lastBody().output_config).toBeUndefined();
  });
});

describe('the stream', () => {
  it('yields the text, the stop reason and usage with the cache figures normalised', async () => {
    server.script({ kind: 'normal', cache: { write: 1000, read: 3000 } });
    const out = await drain(provider);
    expect(out.error).toBeUndefined();
    const answer = fakeAnthropicAnswer('Explain tides.');
    expect(out.text).toBe(answer);
    expect(out.parts.filter((p) => p.type === 'delta').length).toBeGreaterThan(2);
    expect(out.parts.at(-1)).toEqual({
      type: 'done',
      finishReason: 'end_turn',
      usage: { inputTokens: FAKE_INPUT_TOKENS + 1000 + 3000, outputTokens: fakeOutputTokens(answer.length), cacheReadTokens: 3000, cacheWriteTokens: 1000 },
    });
  });

  it('keeps thinking apart from the answer, with its tokens', async () => {
    const out = await drain(provider, { model: 'thinking', params: { thinkingBudget: 1024 } });
    expect(out.error).toBeUndefined();
    expect(out.reasoning).toBe('Let me think. The tide follows the moon.');
    expect(out.text).toBe('Tides follow the moon.');
    // Thinking comes first.
    expect(out.parts.findIndex((p) => p.type === 'reasoning')).toBeLessThan(out.parts.findIndex((p) => p.type === 'delta' && p.text !== ''));
    const done = out.parts.at(-1);
    expect(done?.type === 'done' && done.usage.reasoningTokens).toBe(fakeOutputTokens('Let me think. The tide follows the moon.'.length));
  });

  it('notes redacted thinking in the reasoning', async () => {
    server.script({ kind: 'redacted-thinking', text: 'Done.' });
    const out = await drain(provider);
    expect(out.reasoning).toContain(REDACTED_THINKING_NOTE);
    expect(out.text).toBe('Done.');
  });

  it('joins input_json_delta pieces into one tool call at content_block_stop', async () => {
    server.script({ kind: 'tool', text: 'Checking.', name: 'get_tide', id: 'toolu_9', pieces: ['{"port"', ': "Bre', 'st", "day":', ' 3}'] });
    const out = await drain(provider);
    const calls = out.parts.filter((p) => p.type === 'tool_call');
    expect(calls).toEqual([{ type: 'tool_call', call: { id: 'toolu_9', name: 'get_tide', arguments: '{"port": "Brest", "day": 3}' } }]);
    expect(out.text).toBe('Checking.');
    const done = out.parts.at(-1);
    expect(done?.type === 'done' && done.finishReason).toBe('tool_use');
    server.script({ kind: 'tool', name: 'no_args', pieces: [] });
    const empty = await drain(provider);
    expect(empty.parts.find((p) => p.type === 'tool_call')).toEqual({ type: 'tool_call', call: { id: 'toolu_01FakeCall', name: 'no_args', arguments: '{}' } });
  });

  it('survives a hostile tool name and arguments nested 10,000 deep', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const name = `<script>alert(1)</script>=HYPERLINK("javascript:x")${'n'.repeat(5000)}`;
    server.script({ kind: 'tool', name, pieces: [deep.slice(0, 7000), deep.slice(7000)] });
    const out = await drain(provider);
    expect(out.error).toBeUndefined();
    const call = out.parts.find((p) => p.type === 'tool_call');
    expect(call?.type === 'tool_call' && call.call.arguments).toBe(deep);
    expect(call?.type === 'tool_call' && call.call.name.length).toBeLessThanOrEqual(500);
    // Deep nesting in the event itself (a tool_use block's input) is read past too.
    const nested = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    server.script({
      kind: 'raw',
      events: () => [
        { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 1, output_tokens: 1 } } }) },
        { event: 'content_block_start', data: `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"deep","input":${nested}}}` },
        { event: 'content_block_stop', data: '{"type":"content_block_stop","index":0}' },
        { event: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}' },
        { event: 'message_stop', data: '{"type":"message_stop"}' },
      ],
    });
    const raw = await drain(provider);
    expect(raw.error).toBeUndefined();
    expect(raw.parts.find((p) => p.type === 'tool_call')).toEqual({ type: 'tool_call', call: { id: 't', name: 'deep', arguments: '{}' } });
  });

  it('masks the key wherever the server puts it: text, thinking, tool calls, stop reason', async () => {
    server.script({
      kind: 'raw',
      events: ({ key }) => {
        const k = key ?? '';
        const half = Math.floor(k.length / 2);
        return [
          { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } }) },
          { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }) },
          { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: `I see ${k.slice(0, half)}` } }) },
          { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: `${k.slice(half)} here` } }) },
          { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 0 }) },
          { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: `Key: ${k.slice(0, 5)}` } }) },
          { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: `${k.slice(5)} ok` } }) },
          { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 1 }) },
          { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: `id-${k}`, name: `n${k}`, input: {} } }) },
          { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: `{"k":"${Buffer.from(k).toString('base64')}"}` } }) },
          { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 2 }) },
          { event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: k }, usage: { output_tokens: 9 } }) },
          { event: 'message_stop', data: '{"type":"message_stop"}' },
        ];
      },
    });
    const out = await drain(provider);
    expect(out.error).toBeUndefined();
    const everything = JSON.stringify(out.parts);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(KEY.slice(-16));
    expect(everything).not.toContain(Buffer.from(KEY).toString('base64').slice(4, 24));
    expect(out.reasoning).toContain('[key redacted]');
    expect(out.text).toContain('[key redacted]');
    expect(out.text.endsWith(' ok')).toBe(true);
  });

  it('reads a 50 MB answer past what is kept, and stops one past maxOutputChars keeping its start', async () => {
    server.script({ kind: 'long', chars: 50 * MB });
    let chars = 0;
    let done: StreamPart | undefined;
    for await (const part of provider.stream({ model: 'claude-fake-sonnet', messages: [{ role: 'user', content: 'Go on.' }], params: {}, signal: new AbortController().signal, keepChars: MB })) {
      if (part.type === 'delta') chars += part.text.length;
      if (part.type === 'done') done = part;
    }
    expect(chars).toBe(50 * MB);
    expect(done?.type === 'done' && done.usage.outputTokens).toBe(fakeOutputTokens(50 * MB));

    const capped = new AnthropicProvider({ baseUrl: server.baseUrl, apiKey: KEY, maxOutputChars: 5 * MB });
    server.script({ kind: 'long', chars: 50 * MB });
    const out = await drain(capped, { keepChars: MB });
    const error = appError(out.error);
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/passed 5,242,880 characters/);
    expect(out.text.length).toBe(5 * MB);
    expect(out.text.startsWith('All work and no play')).toBe(true);
  });

  it('refuses events that break the API shape, and reads past kinds it does not know', async () => {
    const start = { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } }) };
    server.script({
      kind: 'raw',
      events: () => [start, { event: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":-100}}' }],
    });
    const negative = appError((await drain(provider)).error);
    expect(negative.code).toBe('provider_error');
    expect(negative.message).toMatch(/usage\.output_tokens/);
    server.script({
      kind: 'raw',
      events: () => [
        start,
        { event: 'future_event', data: '{"type":"future_event","x":1}' },
        { event: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":2}}' },
        { event: 'message_stop', data: '{"type":"message_stop"}' },
      ],
    });
    const future = await drain(provider);
    expect(future.error).toBeUndefined();
    expect(future.parts.at(-1)).toMatchObject({ type: 'done', finishReason: 'refusal' });
    server.script({ kind: 'raw', events: () => [start, { event: 'content_block_start', data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}' }] });
    const unfinished = await drain(provider);
    expect(unfinished.text).toBe('Hi');
    expect(appError(unfinished.error).message).toMatch(/ended before the model finished/);
  });
});

describe('errors', () => {
  it('529 overloaded is a retryable provider error', async () => {
    const error = appError((await drain(provider, { model: 'overloaded' })).error);
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/overloaded \(529\)/);
  });

  it('429 waits as Retry-After says, else as the exhausted anthropic-ratelimit reset says', async () => {
    const error = appError((await drain(provider, { model: 'rate-limit' })).error);
    expect(error.code).toBe('rate_limited');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(3000);
    server.script({ kind: 'rate-limit', retryAfter: null, resetInMs: 7_000 });
    const reset = appError((await drain(provider)).error);
    expect(reset.retryAfterMs).toBeGreaterThan(5_000);
    expect(reset.retryAfterMs).toBeLessThanOrEqual(7_000);
    // Limits with tokens left do not count.
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers: Record<string, string> = {
      'anthropic-ratelimit-requests-remaining': '3',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:01Z',
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': '2026-01-01T00:00:20Z',
    };
    expect(rateLimitResetMs((name) => headers[name], now)).toBe(20_000);
  });

  it('an error event mid-stream keeps the partial answer and says overloaded', async () => {
    const out = await drain(provider, { model: 'error-event' });
    expect(out.text).toBe('Partial answer');
    const error = appError(out.error);
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/overloaded_error/);
    server.script({ kind: 'error-event', text: 'x', errorType: 'invalid_request_error' });
    const other = appError((await drain(provider)).error);
    expect(other.retryable).toBe(false);
    expect(other.message).toMatch(/invalid_request_error/);
  });

  it('malformed data ends the answer with a sentence, partial text kept', async () => {
    const out = await drain(provider, { model: 'malformed' });
    expect(out.text).toBe('Partial answer');
    const error = appError(out.error);
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('a key the server echoes in a 401 is masked; the error says auth', async () => {
    const out = await drain(provider, { model: 'echo-key' });
    const error = appError(out.error);
    expect(error.code).toBe('auth');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('[key redacted]');
    expect(error.message).not.toContain(KEY.slice(-16));
    expect(error.message).not.toContain(Buffer.from(KEY).toString('base64').slice(4, 24));
  });

  it('404, 400 and 500 say what they are; a dropped connection is a network error', async () => {
    server.script({ kind: 'status', status: 404, body: '{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}}' });
    const notFound = appError((await drain(provider)).error);
    expect(notFound.code).toBe('provider_error');
    expect(notFound.message).toMatch(/Not found \(404\).*claude-nope/);
    server.script({ kind: 'status', status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"temperature: range"}}' });
    const bad = appError((await drain(provider)).error);
    expect(bad.retryable).toBe(false);
    expect(bad.message).toMatch(/refused the request \(400\).*temperature/);
    server.script({ kind: 'status', status: 500, body: '{"type":"error","error":{"type":"api_error","message":"Internal"}}', headers: { 'retry-after': '2' } });
    const server500 = appError((await drain(provider)).error);
    expect(server500.retryable).toBe(true);
    expect(server500.retryAfterMs).toBe(2000);
    server.script({ kind: 'cut', text: 'Half' });
    const cut = await drain(provider);
    expect(cut.text).toBe('Half');
    expect(appError(cut.error).code).toBe('network');
  });

  it('does not follow a redirect (the key would go with it) and says where it pointed', async () => {
    server.script({ kind: 'status', status: 307, body: '', headers: { location: 'http://collector.example:8080/steal?k=1' } });
    const out = await drain(provider);
    const error = appError(out.error);
    expect(error.message).toContain('redirected the request to collector.example:8080');
    expect(error.message).not.toContain('steal');
    expect(server.messageRequests()).toHaveLength(1);
  });

  it('sends no header ANTHROPIC_CUSTOM_HEADERS names (gateway tokens there are not for this host)', async () => {
    const saved = process.env['ANTHROPIC_CUSTOM_HEADERS'];
    process.env['ANTHROPIC_CUSTOM_HEADERS'] = 'X-Gateway-Token: gw-secret-0123456789\nCookie: session=abc';
    try {
      const fresh = new AnthropicProvider({ baseUrl: server.baseUrl, apiKey: KEY });
      await drain(fresh);
      const headers = server.messageRequests().at(-1)?.headers ?? {};
      expect(headers['x-gateway-token']).toBeUndefined();
      expect(headers['cookie']).toBeUndefined();
      expect(headers['x-api-key']).toBe(KEY);
    } finally {
      if (saved === undefined) delete process.env['ANTHROPIC_CUSTOM_HEADERS'];
      else process.env['ANTHROPIC_CUSTOM_HEADERS'] = saved;
    }
  });

  it('a wrong key at a server that checks it is an auth error', async () => {
    const strict = await startFakeAnthropic({ apiKey: 'sk-ant-right-key-0123456789' });
    try {
      const wrong = new AnthropicProvider({ baseUrl: strict.baseUrl, apiKey: KEY });
      expect(appError((await drain(wrong)).error).code).toBe('auth');
      await expect(wrong.listModels()).rejects.toMatchObject({ code: 'auth' });
    } finally {
      await strict.close();
    }
  });
});

describe('models', () => {
  it('lists every page of GET /v1/models', async () => {
    const models = await provider.listModels();
    expect(models).toEqual([...FAKE_ANTHROPIC_MODELS].sort());
    const pages = server.requests.filter((r) => r.path === '/v1/models');
    expect(pages.length).toBe(3);
    expect(pages[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    // The next page is asked for after the last id of the one before.
    expect(pages.map((r) => new URLSearchParams(r.query).get('after_id'))).toEqual([null, FAKE_ANTHROPIC_MODELS[1], FAKE_ANTHROPIC_MODELS[3]]);
  });

  it('is what the factory makes for kind anthropic, its SDK imported on first use', async () => {
    const made = createProvider({ kind: 'anthropic', baseUrl: server.baseUrl, apiKey: KEY, otherSecrets: ['sk-other-key-123456'] });
    expect(made).toBeInstanceOf(LazyProvider);
    expect(made.secrets?.()).toEqual(provider.secrets().concat('sk-other-key-123456'));
    expect(made.totalTimeoutMs).toBe(provider.totalTimeoutMs);
    expect(await made.listModels()).toEqual([...FAKE_ANTHROPIC_MODELS].sort());
  });
});
