/**
 * Chat Completions with tools, images and reasoning, against the fake server: what is sent
 * (tools, tool_choice, image_url parts, tool turns; nothing new when nothing is set), and what
 * comes back (tool calls put together from their pieces, reasoning from compatible servers,
 * cached and reasoning tokens), with hostile arguments kept as text and bounded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message, Params } from '../../src/shared/schemas';
import { OpenAIProvider } from '../../src/main/providers/openai';
import { MAX_TOOL_ARGUMENT_CHARS, MAX_TOOL_CALLS } from '../../src/main/providers/wire';
import { collectParts, type Collected } from './stream-parts';
import { chunkEvent, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const API_KEY = 'sk-tools-test-Zx8cVb2nM4qW6eRt';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

let server: FakeOpenAI;
let provider: OpenAIProvider;

beforeAll(async () => {
  server = await startFakeOpenAI();
  provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: API_KEY });
});

beforeEach(() => server.resetStats());

afterAll(async () => {
  await server.close();
});

function collect(params: Params = {}, messages: Message[] = [{ role: 'user', content: 'What is the weather in Oslo?' }], p: OpenAIProvider = provider): Promise<Collected> {
  return collectParts(p.stream({ model: 'gpt-4o-mini', messages, params, signal: new AbortController().signal, loadImage: () => Promise.resolve({ mime: 'image/jpeg', base64: '/9j/stored' }) }));
}

function lastBody(): Record<string, unknown> {
  const request = server.requests.at(-1);
  if (!request) throw new Error('no request');
  return request.body as Record<string, unknown>;
}

const DEEP_OBJECT = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

/** A chunk written as text, for JSON that JSON.stringify cannot write (too deep). */
function rawChunk(deltaJson: string, extra = ''): string {
  return `{"id":"chatcmpl-deep","object":"chat.completion.chunk","created":1700000000,"model":"hostile","choices":[{"index":0,"delta":${deltaJson},"finish_reason":null}]${extra}}`;
}

const WEATHER = { name: 'get_weather', description: 'The weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

describe('what Chat Completions is sent', () => {
  it('sends no tools, tool_choice or other new keys when none are set (compatible servers see the same body as before)', async () => {
    const result = await collect({ temperature: 0.5 });
    expect(result.error).toBeUndefined();
    expect(Object.keys(lastBody()).sort()).toEqual(['messages', 'model', 'stream', 'stream_options', 'temperature']);
  });

  it('sends tools as functions and each kind of tool_choice', async () => {
    const noArgs = { name: 'now' };
    for (const [choice, wire] of [
      ['auto', 'auto'],
      ['none', 'none'],
      ['required', 'required'],
      [{ name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }],
    ] as const) {
      await collect({ tools: [WEATHER, noArgs], toolChoice: choice });
      const body = lastBody();
      expect(body.tools).toEqual([
        { type: 'function', function: WEATHER },
        { type: 'function', function: { name: 'now' } },
      ]);
      expect(body.tool_choice).toEqual(wire);
    }
  });

  it('sends no tool_choice without tools (a 400 from most servers)', async () => {
    await collect({ toolChoice: 'required', tools: [] });
    expect(lastBody()).not.toHaveProperty('tool_choice');
    expect(lastBody()).not.toHaveProperty('tools');
  });

  it('sends images as image_url parts (data URI, URL, a stored image read as a data URI) and tool turns as tool_calls and tool messages', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: 'Compare [image: a] and [image: b] and [image: c]',
        parts: [
          { type: 'text', text: 'Compare ' },
          { type: 'image', image: PNG },
          { type: 'text', text: ' and ' },
          { type: 'image', image: 'https://example.com/cat.png' },
          { type: 'image', image: `${'a'.repeat(64)}.jpg` },
        ],
      },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"temp":3}' },
    ];
    const result = await collect({}, messages);
    expect(result.error).toBeUndefined();
    const sent = lastBody().messages as Record<string, unknown>[];
    expect(sent[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Compare ' },
        { type: 'image_url', image_url: { url: PNG } },
        { type: 'text', text: ' and ' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/stored' } },
      ],
    });
    expect(sent[2]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
    expect(sent[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"temp":3}' });
  });
});

describe('what comes back from Chat Completions', () => {
  it('puts streamed tool calls together from their pieces: one part per call, beside the text, finish reason tool_calls', async () => {
    server.script({
      kind: 'chat-script',
      text: ['Let me ', 'check.'],
      calls: [
        { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo","unit":"celsius"}', pieceChars: 3 },
        { id: 'call_b', name: 'get_weather', arguments: '{"city":"Bergen"}', pieceChars: 5 },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    const result = await collect({ tools: [WEATHER] });
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Let me check.');
    expect(result.calls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo","unit":"celsius"}' },
      { id: 'call_b', name: 'get_weather', arguments: '{"city":"Bergen"}' },
    ]);
    expect(result.done).toEqual({ finishReason: 'tool_calls', usage: { inputTokens: 50, outputTokens: 20, cacheReadTokens: 32, reasoningTokens: 0 } });
  });

  it('reads calls from a server that numbers none (each call whole, by its id)', async () => {
    server.script({ kind: 'chat-script', indexless: true, calls: [{ id: 'x1', name: 'a', arguments: '{}' }, { id: 'x2', name: 'b', arguments: '{"n":1}' }] });
    const result = await collect();
    expect(result.calls).toEqual([
      { id: 'x1', name: 'a', arguments: '{}' },
      { id: 'x2', name: 'b', arguments: '{"n":1}' },
    ]);
  });

  it.each(['reasoning_content', 'reasoning'] as const)('shows %s deltas as reasoning apart from the answer, with reasoning tokens', async (field) => {
    server.script({
      kind: 'chat-script',
      reasoningField: field,
      reasoning: ['First, ', 'think.'],
      text: ['Four.'],
      usage: { prompt_tokens: 9, completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 25 } },
    });
    const result = await collect();
    expect(result.reasoning).toBe('First, think.');
    expect(result.text).toBe('Four.');
    expect(result.done).toEqual({ finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 30, reasoningTokens: 25 } });
  });

  it('masks the key wherever the server echoes it: reasoning, call arguments, names and ids', async () => {
    server.script({
      kind: 'chat-script',
      reasoning: [`the key is ${API_KEY.slice(0, 10)}`, `${API_KEY.slice(10)} ok`],
      calls: [{ id: `id-${API_KEY}`, name: API_KEY, arguments: `{"k":"${API_KEY}"}`, pieceChars: 4 }],
    });
    const result = await collect();
    const everything = JSON.stringify(result);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(API_KEY.slice(8));
    expect(result.reasoning).toMatch(/^the key is .+ ok$/);
    expect(result.calls).toHaveLength(1);
  });

  it('keeps arguments nested 10,000 deep as text, never parsed', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    server.script({ kind: 'chat-script', calls: [{ name: 'deep', arguments: deep, pieceChars: 4096 }] });
    const result = await collect();
    expect(result.error).toBeUndefined();
    expect(result.calls).toEqual([{ id: 'call_fake_0', name: 'deep', arguments: deep }]);
  });

  it(`stops at a call whose arguments pass ${MAX_TOOL_ARGUMENT_CHARS.toLocaleString('en-US')} characters`, async () => {
    server.script({ kind: 'chat-script', text: ['Partial.'], calls: [{ name: 'huge', arguments: 'x'.repeat(MAX_TOOL_ARGUMENT_CHARS + 10), pieceChars: 200_000 }] });
    const result = await collect();
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.message).toMatch(/tool call whose arguments passed 1,000,000 characters/);
    expect(result.calls).toEqual([]);
    expect(result.text).toBe('Partial.');
  });

  it(`stops at more than ${MAX_TOOL_CALLS} calls in one answer`, async () => {
    const pieces = Array.from({ length: MAX_TOOL_CALLS + 1 }, (_, i) => ({ id: `c${i}`, type: 'function', function: { name: 'n', arguments: '{}' } }));
    server.script({ kind: 'raw-stream', events: () => [chunkEvent({ tool_calls: pieces.slice(0, 100).map((p, i) => ({ index: i, ...p })) }), chunkEvent({ tool_calls: pieces.slice(100).map((p) => p) }), chunkEvent({}, 'tool_calls')] });
    const result = await collect();
    expect(result.error?.message).toMatch(/more than 128 tool calls/);
  });

  it.each([
    // Written by hand: JSON.stringify itself overflows its stack on this.
    ['arguments that are an object nested 10,000 deep, not text', () => rawChunk(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"n","arguments":${DEEP_OBJECT}}}]}`)],
    ['an index past the limit', () => chunkEvent({ tool_calls: [{ index: 1e9, id: 'a', function: { name: 'n', arguments: '{}' } }] })],
    ['a name 10,000 characters long', () => chunkEvent({ tool_calls: [{ index: 0, id: 'a', function: { name: 'n'.repeat(10_000), arguments: '{}' } }] })],
    ['tool_calls that is not a list', () => chunkEvent({ tool_calls: 'all of them' })],
    ['a reasoning delta that is not text', () => chunkEvent({ reasoning_content: { nested: true } })],
    ['cached tokens below zero', () => chunkEvent({ content: 'x' }, 'stop', { usage: { prompt_tokens: 1, completion_tokens: 1, prompt_tokens_details: { cached_tokens: -5 } } })],
  ])('refuses a chunk with %s, keeping what came before', async (_name, bad) => {
    server.script({ kind: 'raw-stream', events: () => [chunkEvent({ content: 'Before.' }), bad(), chunkEvent({}, 'stop')] });
    const result = await collect();
    expect(result.error?.code).toBe('provider_error');
    expect(result.error?.message).toMatch(/sent a chunk Parallax cannot use/);
    expect(result.error?.message.length).toBeLessThan(400);
    expect(result.text).toBe('Before.');
    expect(result.calls).toEqual([]);
    expect(result.done).toBeUndefined();
  });

  it('passes over an unknown field nested 10,000 deep (never walked)', async () => {
    server.script({ kind: 'raw-stream', events: () => [rawChunk('{"content":"Fine."}', `,"extra":${DEEP_OBJECT}`), chunkEvent({}, 'stop')] });
    const result = await collect();
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Fine.');
  });

  it('passes on the calls a stream held when it ends without a finish reason, and still fails the answer', async () => {
    server.script({ kind: 'raw-stream', events: () => [chunkEvent({ tool_calls: [{ index: 0, id: 'a', function: { name: 'n', arguments: '{"ci' } }] })] });
    const result = await collect();
    expect(result.calls).toEqual([{ id: 'a', name: 'n', arguments: '{"ci' }]);
    expect(result.error?.message).toMatch(/no finish reason/);
    expect(result.done).toBeUndefined();
  });
});
