/**
 * The native Gemini provider (src/main/providers/google.ts) against a local fake of the Gemini
 * API (support/fake-gemini.ts): every mapping checked on the request the server received, the
 * streamed parts, usage, each error shape as the AppError the runner acts on, the key kept out
 * of every text and URL, hostile answers; then a whole run through services with a saved
 * `google` provider, ending in a cell with thinking, a tool call, usage and a cost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MAX_JSON_DEPTH, GoogleProvider, splitBaseUrl } from '../../src/main/providers/google';
import type { ChatRequest, StreamPart } from '../../src/main/providers/types';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { AppError } from '../../src/shared/errors';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell, Message, Params } from '../../src/shared/schemas';
import { fakeGeminiAnswer, googleError, startFakeGemini, type FakeGemini, type GeminiRequest } from '../support/fake-gemini';

const KEY = 'AIzaSyParallaxTest-Gm7Qw2Er4Ty6Ui8Op0';
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let server: FakeGemini;

beforeAll(async () => {
  server = await startFakeGemini({ apiKey: KEY });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

interface Outcome {
  parts: StreamPart[];
  text: string;
  reasoning: string;
  calls: Extract<StreamPart, { type: 'tool_call' }>['call'][];
  done: Extract<StreamPart, { type: 'done' }> | undefined;
  error: AppError | undefined;
}

function provider(options: Partial<ConstructorParameters<typeof GoogleProvider>[0]> = {}): GoogleProvider {
  return new GoogleProvider({ baseUrl: server.baseUrl, apiKey: KEY, ...options });
}

async function run(request: Partial<ChatRequest> & { model: string }, p: GoogleProvider = provider()): Promise<Outcome> {
  const out: Outcome = { parts: [], text: '', reasoning: '', calls: [], done: undefined, error: undefined };
  try {
    for await (const part of p.stream({ messages: [{ role: 'user', content: 'Hello there' }], params: {}, signal: new AbortController().signal, ...request })) {
      out.parts.push(part);
      if (part.type === 'delta') out.text += part.text;
      else if (part.type === 'reasoning') out.reasoning += part.text;
      else if (part.type === 'tool_call') out.calls.push(part.call);
      else out.done = part;
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    out.error = error;
  }
  return out;
}

function last(): GeminiRequest {
  const request = server.requests[server.requests.length - 1];
  if (!request) throw new Error('The fake received no request.');
  return request;
}

type Body = Record<string, unknown> & { generationConfig?: Record<string, unknown>; contents?: unknown[] };
const bodyOf = (request: GeminiRequest): Body => request.body as Body;

/** Everything a cell could show or store from an outcome. */
const shown = (o: Outcome): string => JSON.stringify([o.parts, o.error?.message]);

describe('the request, as Gemini receives it', () => {
  it('maps system, turns, few-shot tool calls and results, images and every parameter', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Weather in Paris and Rome? [image: sky.png]', parts: [{ type: 'text', text: 'Weather in Paris and Rome? ' }, { type: 'image', image: `data:image/png;base64,${PNG}` }] },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris","days":[1,2]}' },
          { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', content: '{"temp":21,"sky":"clear"}' },
      { role: 'tool', toolCallId: 'call_b', content: 'rainy, 14 degrees' },
      { role: 'assistant', content: 'Paris: clear. Rome: rain.' },
      { role: 'user', content: 'Thanks!' },
    ];
    const params: Params = {
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxTokens: 256,
      stop: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      thinkingBudget: 2048,
      responseFormat: { type: 'json_schema', name: 'weather', schema: { type: 'object', properties: { temp: { type: 'number' } }, required: ['temp'] } },
      safety: { HARM_CATEGORY_HARASSMENT: 'BLOCK_ONLY_HIGH', HARM_CATEGORY_DANGEROUS_CONTENT: 'BLOCK_NONE' },
      tools: [
        { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'now' },
      ],
      toolChoice: { name: 'get_weather' },
    };
    const out = await run({ model: 'gemini-2.5-flash', messages, params });
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(fakeGeminiAnswer('Thanks!'));

    const request = last();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(request.query.get('alt')).toBe('sse');
    expect(request.headers['x-goog-api-key']).toBe(KEY);
    expect(request.url).not.toContain(KEY);
    expect(request.query.has('key')).toBe(false);

    const body = bodyOf(request);
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are terse.' }, { text: 'Answer in French.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome? ' }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris', days: [1, 2] } } },
          { functionCall: { id: 'call_b', name: 'get_weather', args: { city: 'Rome' } } },
        ],
      },
      // Both results in one user turn, names from the calls they answer.
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'call_a', name: 'get_weather', response: { temp: 21, sky: 'clear' } } },
          { functionResponse: { id: 'call_b', name: 'get_weather', response: { result: 'rainy, 14 degrees' } } },
        ],
      },
      { role: 'model', parts: [{ text: 'Paris: clear. Rome: rain.' }] },
      { role: 'user', parts: [{ text: 'Thanks!' }] },
    ]);
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 256,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { temp: { type: 'number' } }, required: ['temp'] },
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
    expect(body.safetySettings).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' },
      { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_NONE' },
    ]);
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          { name: 'now' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    // Nothing the SDK keeps for itself goes on the wire.
    expect(request.rawBody).not.toMatch(/abortSignal|httpOptions|automaticFunctionCalling|automaticContinuation/);
  });

  it('sends only what a column sets', async () => {
    await run({ model: 'gemini-2.5-flash' });
    const body = bodyOf(last());
    expect(Object.keys(body).sort()).toEqual(['contents', 'generationConfig']);
    expect(body.generationConfig).toEqual({});
  });

  it('asks for JSON without a schema for json_object, and none for text', async () => {
    await run({ model: 'gemini-2.5-flash', params: { responseFormat: { type: 'json_object' } } });
    expect(bodyOf(last()).generationConfig).toEqual({ responseMimeType: 'application/json' });
    await run({ model: 'gemini-2.5-flash', params: { responseFormat: { type: 'text' } } });
    expect(bodyOf(last()).generationConfig).toEqual({});
  });

  it('maps tool choice to a function-calling mode', async () => {
    const tools = [{ name: 'lookup' }];
    const modes: [Params['toolChoice'], unknown][] = [
      ['auto', { mode: 'AUTO' }],
      ['none', { mode: 'NONE' }],
      ['required', { mode: 'ANY' }],
      [{ name: 'lookup' }, { mode: 'ANY', allowedFunctionNames: ['lookup'] }],
    ];
    for (const [toolChoice, config] of modes) {
      await run({ model: 'gemini-2.5-flash', params: { tools, ...(toolChoice !== undefined ? { toolChoice } : {}) } });
      expect(bodyOf(last()).toolConfig).toEqual({ functionCallingConfig: config });
    }
  });

  it('thinks by level on Gemini 3 and by budget before it; a budget wins over an effort; 0 turns thoughts off', async () => {
    await run({ model: 'gemini-3-pro-preview', params: { reasoningEffort: 'low' } });
    expect(bodyOf(last()).generationConfig).toEqual({ thinkingConfig: { thinkingLevel: 'LOW', includeThoughts: true } });
    await run({ model: 'gemini-2.5-flash', params: { reasoningEffort: 'medium' } });
    expect(bodyOf(last()).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } });
    await run({ model: 'gemini-3-pro-preview', params: { reasoningEffort: 'high', thinkingBudget: -1 } });
    expect(bodyOf(last()).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: -1, includeThoughts: true } });
    await run({ model: 'gemini-2.5-flash', params: { thinkingBudget: 0 } });
    expect(bodyOf(last()).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0, includeThoughts: false } });
  });

  it('reads a stored image through the loader, as inlineData', async () => {
    const loaded: string[] = [];
    const name = `${'a'.repeat(64)}.png`;
    const out = await run({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: '[image: cat.png] What is this?', parts: [{ type: 'image', image: name }, { type: 'text', text: ' What is this?' }] }],
      loadImage: (n) => {
        loaded.push(n);
        return Promise.resolve({ mime: 'image/png', base64: PNG });
      },
    });
    expect(out.error).toBeUndefined();
    expect(loaded).toEqual([name]);
    expect(bodyOf(last()).contents).toEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG } }, { text: ' What is this?' }] }]);
  });

  it('refuses an image given by URL (nothing is fetched, nothing sent) and says to add it as a file', async () => {
    const out = await run({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: '[image]', parts: [{ type: 'image', image: 'https://example.com/cat.png' }] }],
    });
    expect(out.error?.code).toBe('bad_input');
    expect(out.error?.message).toMatch(/add the image to the test-case table as a file/i);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses few-shot tool calls it cannot send, naming them', async () => {
    const badJson = await run({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city": Paris}' }] }],
    });
    expect(badJson.error?.code).toBe('bad_input');
    expect(badJson.error?.message).toContain('get_weather (call_9)');
    expect(badJson.error?.message).toMatch(/not valid JSON/);

    const notObject = await run({ model: 'gemini-2.5-flash', messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'now', arguments: '[1,2]' }] }] });
    expect(notObject.error?.message).toMatch(/not a JSON object/);

    const orphan = await run({ model: 'gemini-2.5-flash', messages: [{ role: 'tool', toolCallId: 'call_x', content: '42' }] });
    expect(orphan.error?.code).toBe('bad_input');
    expect(orphan.error?.message).toContain('"call_x"');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses arguments nested 10,000 deep before the SDK overflows its stack on them', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const out = await run({ model: 'gemini-2.5-flash', messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'deep', name: 'nest', arguments: deep }] }] });
    expect(out.error?.code).toBe('bad_input');
    expect(out.error?.message).toContain(`nest more than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels`);
    expect(server.requests).toHaveLength(0);
  });

  it('takes an API version at the end of the base URL as the version', async () => {
    expect(splitBaseUrl('https://generativelanguage.googleapis.com')).toEqual({ root: 'https://generativelanguage.googleapis.com', apiVersion: 'v1beta' });
    expect(splitBaseUrl('https://generativelanguage.googleapis.com/v1beta/')).toEqual({ root: 'https://generativelanguage.googleapis.com', apiVersion: 'v1beta' });
    expect(splitBaseUrl('https://proxy.example/gemini/v1')).toEqual({ root: 'https://proxy.example/gemini', apiVersion: 'v1' });
    const out = await run({ model: 'gemini-2.5-flash' }, provider({ baseUrl: `${server.baseUrl}/v1beta` }));
    expect(out.error).toBeUndefined();
    expect(last().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
  });
});

describe('what Gemini streams back', () => {
  it('streams text as deltas, with the finish reason and usage', async () => {
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.text).toBe(fakeGeminiAnswer('Hello there'));
    expect(out.reasoning).toBe('');
    expect(out.done?.finishReason).toBe('STOP');
    // 2 words + 3 for the one content; "You said: Hello there" in 6-character pieces.
    expect(out.done?.usage).toEqual({ inputTokens: 5, outputTokens: 4 });
  });

  it('passes thought parts as reasoning, apart from the answer, and counts thinking in output', async () => {
    const out = await run({ model: 'thinking' });
    expect(out.reasoning).toBe('First, read the question. Then answer it briefly.');
    expect(out.text).toBe(fakeGeminiAnswer('Hello there'));
    const firstReasoning = out.parts.findIndex((p) => p.type === 'reasoning');
    const firstDelta = out.parts.findIndex((p) => p.type === 'delta' && p.text !== '');
    expect(firstReasoning).toBeLessThan(firstDelta);
    // thoughtsTokenCount 8 (words of the thoughts) is part of the output, and its reasoning part.
    expect(out.done?.usage).toEqual({ inputTokens: 5, outputTokens: 4 + 8, reasoningTokens: 8 });
  });

  it('turns functionCall parts into whole tool calls, with an id made up when Gemini gives none', async () => {
    const out = await run({ model: 'tool-call' });
    expect(out.calls).toEqual([{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    expect(out.text).toBe('');
    expect(out.done?.finishReason).toBe('STOP');

    server.script({ kind: 'answer', text: 'Two calls.', calls: [{ name: 'a', args: { x: [1, { y: null }] }, id: 'gem-1' }, { name: 'b', args: {} }] });
    const two = await run({ model: 'gemini-2.5-flash' });
    expect(two.text).toBe('Two calls.');
    expect(two.calls).toEqual([
      { id: 'gem-1', name: 'a', arguments: '{"x":[1,{"y":null}]}' },
      { id: 'call_2', name: 'b', arguments: '{}' },
    ]);
  });

  it('counts cached prompt tokens as cache reads', async () => {
    const out = await run({ model: 'cached' });
    expect(out.done?.usage).toEqual({ inputTokens: 5, outputTokens: 4, cacheReadTokens: 7 });
  });

  it('fails a prompt Gemini blocked, saying it was for safety and which category', async () => {
    const out = await run({ model: 'blocked' });
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.retryable).toBe(false);
    expect(out.error?.message).toMatch(/blocked the prompt for safety/);
    expect(out.error?.message).toContain('HARM_CATEGORY_DANGEROUS_CONTENT');
    expect(out.error?.message).not.toContain('HARM_CATEGORY_SEXUALLY_EXPLICIT');
  });

  it('keeps the part of an answer stopped for SAFETY and names the blocked category', async () => {
    const out = await run({ model: 'safety' });
    expect(out.error).toBeUndefined();
    expect(out.text).toBe('Here is how you might start');
    expect(out.done?.finishReason).toBe('SAFETY: blocked for HARM_CATEGORY_HARASSMENT (HIGH)');
  });

  it('passes other finish reasons on as Gemini names them', async () => {
    server.script({ kind: 'answer', finishReason: 'MAX_TOKENS' });
    expect((await run({ model: 'gemini-2.5-flash' })).done?.finishReason).toBe('MAX_TOKENS');
    server.script({ kind: 'answer', text: '', finishReason: 'MALFORMED_FUNCTION_CALL' });
    expect((await run({ model: 'gemini-2.5-flash' })).done?.finishReason).toBe('MALFORMED_FUNCTION_CALL');
  });

  it('fails a stream that ends without a finish reason, keeping what came', async () => {
    server.script({ kind: 'raw-stream', events: () => [JSON.stringify({ candidates: [{ content: { parts: [{ text: 'half an' }] } }] })] });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.text).toBe('half an');
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toMatch(/no finish reason/);
  });
});

describe('errors, as the runner needs them', () => {
  it('429 RESOURCE_EXHAUSTED is retryable after the RetryInfo delay', async () => {
    const out = await run({ model: 'rate-limit' });
    expect(out.error?.code).toBe('rate_limited');
    expect(out.error?.retryable).toBe(true);
    expect(out.error?.retryAfterMs).toBe(3_000);
    expect(out.error?.message).toContain('429 RESOURCE_EXHAUSTED');
    // One request: the SDK does not retry on its own.
    expect(server.requestsFor('rate-limit')).toHaveLength(1);

    server.script({ kind: 'rate-limit', retryDelay: '1.5s' });
    expect((await run({ model: 'gemini-2.5-flash' })).error?.retryAfterMs).toBe(1_500);
    // Without RetryInfo, Retry-After says how long.
    server.script({ kind: 'rate-limit', retryDelay: '', retryAfterHeader: '7' });
    const header = await run({ model: 'gemini-2.5-flash' });
    expect(header.error?.code).toBe('rate_limited');
    expect(header.error?.retryAfterMs).toBe(7_000);
  });

  it('503 UNAVAILABLE and 500 are retryable server errors; one request each', async () => {
    const out = await run({ model: 'unavailable' });
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.retryable).toBe(true);
    expect(out.error?.message).toContain('503 UNAVAILABLE');
    expect(server.requestsFor('unavailable')).toHaveLength(1);
    server.script({ kind: 'raw-response', status: 500, body: () => googleError(500, 'INTERNAL', 'An internal error has occurred.') });
    const internal = await run({ model: 'gemini-2.5-flash' });
    expect(internal.error?.retryable).toBe(true);
    expect(internal.error?.message).toContain('500 INTERNAL');
  });

  it('400 INVALID_ARGUMENT is not retried; 404 says to check the model', async () => {
    server.script({ kind: 'raw-response', status: 400, body: () => googleError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.generation_config.top_k: must be positive') });
    const bad = await run({ model: 'gemini-2.5-flash' });
    expect(bad.error?.code).toBe('provider_error');
    expect(bad.error?.retryable).toBe(false);
    expect(bad.error?.message).toContain('400 INVALID_ARGUMENT');
    expect(bad.error?.message).toContain('top_k: must be positive');

    const missing = await run({ model: 'missing' });
    expect(missing.error?.code).toBe('provider_error');
    expect(missing.error?.retryable).toBe(false);
    expect(missing.error?.message).toMatch(/check the model name/);
  });

  it('401, 403 and a 400 API_KEY_INVALID are the key’s fault, and the key they echo is masked', async () => {
    for (const status of [401, 403]) {
      server.script({ kind: 'raw-response', status, body: (ctx) => googleError(status, status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED', `Key ${ctx.key ?? ''} has no access.`) });
      const out = await run({ model: 'gemini-2.5-flash' });
      expect(out.error?.code).toBe('auth');
      expect(out.error?.message).not.toContain(KEY);
      expect(out.error?.message).toContain('[key redacted]');
    }
    const wrong = `${KEY.slice(0, -4)}Zz99`;
    const out = await run({ model: 'gemini-2.5-flash' }, provider({ apiKey: wrong, otherSecrets: [KEY] }));
    expect(out.error?.code).toBe('auth');
    expect(out.error?.retryable).toBe(false);
    expect(out.error?.message).toMatch(/API key not valid/);
    expect(out.error?.message).not.toContain(wrong);
  });

  it('an error body cut short (over 64 KB) still fails by its status', async () => {
    server.script({ kind: 'raw-response', status: 503, body: () => googleError(503, 'UNAVAILABLE', 'x'.repeat(200_000)) });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.retryable).toBe(true);
    expect(out.error?.message).toContain('503');
    expect(out.error?.message.length).toBeLessThan(1_000);
  });

  it('an error sent as an event mid-stream fails the cell, the partial answer kept and the key masked', async () => {
    server.script({
      kind: 'raw-stream',
      events: (ctx) => [JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Partial' }] } }] }), googleError(500, 'INTERNAL', `Backend error for key=${ctx.key ?? ''}`)],
    });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.text).toBe('Partial');
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toContain('500 INTERNAL');
    expect(shown(out)).not.toContain(KEY);
  });

  it('a data event that is not JSON stops the answer there, keeping the part before', async () => {
    const out = await run({ model: 'malformed' });
    expect(out.text).toBe('You said: He');
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toMatch(/not valid JSON/);
    expect(out.error?.message).not.toContain('oops');
  });

  it('a response that breaks the API’s shape (impossible usage) is not believed', async () => {
    server.script({ kind: 'raw-stream', events: () => [JSON.stringify({ candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: -5 } })] });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toContain('usageMetadata.promptTokenCount');
  });

  it('a dropped connection mid-answer is a network error, the partial answer kept', async () => {
    const out = await run({ model: 'cut' });
    expect(out.text).toBe('You said: He');
    expect(out.error?.code).toBe('network');
  });

  it('a server that goes quiet mid-answer hits the idle timeout', async () => {
    const started = performance.now();
    const out = await run({ model: 'stall' }, provider({ timeouts: { idle: 300 } }));
    expect(out.error?.code).toBe('network');
    expect(out.error?.message).toMatch(/sent nothing for/);
    expect(out.text).toBe('You said: He');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('nothing listening is a retryable network error', async () => {
    const closed = await startFakeGemini();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const out = await run({ model: 'gemini-2.5-flash' }, new GoogleProvider({ baseUrl, apiKey: KEY }));
    expect(out.error?.code).toBe('network');
    expect(out.error?.retryable).toBe(true);
  });

  it('stopping ends the request as cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const out = await run({ model: 'stall', signal: controller.signal });
    expect(out.error?.code).toBe('cancelled');
  });
});

describe('hostile answers', () => {
  it('masks the key wherever the server puts it: text, thoughts, call names, arguments and ids', async () => {
    server.script({
      kind: 'raw-stream',
      events: (ctx) => {
        const key = ctx.key ?? '';
        return [
          JSON.stringify({ candidates: [{ content: { parts: [{ text: `Thinking about ${key.slice(0, 10)}`, thought: true }] } }] }),
          JSON.stringify({ candidates: [{ content: { parts: [{ text: `${key.slice(10)} and more`, thought: true }] } }] }),
          JSON.stringify({ candidates: [{ content: { parts: [{ text: `Your key is ${key.slice(0, 7)}` }] } }] }),
          JSON.stringify({ candidates: [{ content: { parts: [{ text: `${key.slice(7)}.` }] } }] }),
          JSON.stringify({ candidates: [{ content: { parts: [{ functionCall: { id: key, name: `leak_${key}`, args: { key, encoded: Buffer.from(key).toString('base64') } } }] }, finishReason: 'OTHER' }] }),
        ];
      },
    });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.error).toBeUndefined();
    expect(out.text).toBe('Your key is [key redacted].');
    expect(out.reasoning).toBe('Thinking about [key redacted] and more');
    expect(out.calls).toHaveLength(1);
    const text = shown(out);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY.slice(4, 20));
    expect(text).not.toContain(Buffer.from(KEY).toString('base64').slice(4, 24));
    // The key never went in a URL either.
    expect(server.requests.every((r) => !r.url.includes(KEY))).toBe(true);
  });

  it('cuts an answer that passes the cap, keeping its first part', async () => {
    const out = await run({ model: 'long:3000000' }, provider({ maxOutputChars: 1_000_000 }));
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toMatch(/passed 1,000,000 characters/);
    expect(out.text.length).toBe(1_000_000);
  });

  it('refuses function-call arguments nested 10,000 deep from the server, naming the call', async () => {
    server.script({
      kind: 'raw-stream',
      events: () => [
        JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Calling.' }] } }] }),
        `{"candidates":[{"content":{"parts":[{"functionCall":{"name":"deep_tool","args":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}]},"finishReason":"STOP"}]}`,
      ],
    });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.text).toBe('Calling.');
    expect(out.calls).toEqual([]);
    expect(out.error?.code).toBe('provider_error');
    expect(out.error?.message).toContain('"deep_tool"');
    expect(out.error?.message).toMatch(/nested more than 1,000 levels/);
  });

  it('shows hostile text as text: NUL bytes, formulas and markup pass through unchanged', async () => {
    const hostile = '=HYPERLINK("http://x","y")\u0000<script>alert(1)</script> javascript:alert(1)';
    server.script({ kind: 'answer', text: hostile });
    const out = await run({ model: 'gemini-2.5-flash' });
    expect(out.text).toBe(hostile);
  });
});

describe('the model list', () => {
  it('reads every page, drops the "models/" prefix and models that cannot generate content', async () => {
    const models = await provider().listModels();
    expect(models).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview']);
    const pages = server.requests.filter((r) => r.path === '/v1beta/models');
    expect(pages.map((r) => r.query.get('pageToken'))).toEqual([null, '2']);
    expect(pages.every((r) => r.headers['x-goog-api-key'] === KEY && !r.url.includes(KEY))).toBe(true);
  });

  it('says the key was refused, without echoing it', async () => {
    const wrong = 'AIzaSyWrongKeyWrongKeyWrongKey000';
    const error = await provider({ apiKey: wrong }).listModels().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('auth');
    expect((error as AppError).message).not.toContain(wrong);
  });
});

describe('a run through services with a saved Gemini provider', () => {
  let dir: string;
  let services: Services;
  let providerId: string;

  async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const envelope = await dispatch(services.handlers, method, input);
    if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
    return envelope.data as MethodOutput<M>;
  }

  async function runToEnd(input: MethodInput<'runs.start'>): Promise<Cell[]> {
    const finished = new Promise<string>((resolve) => {
      services.onEvent((event: AppEvent) => {
        if (event.type === 'run.finished') resolve(event.runId);
      });
    });
    const { runId } = await call('runs.start', input);
    const progress = await call('runs.progress', { runId });
    if (progress.status === 'running') await finished;
    return (await call('runs.cells', { runId, fromCase: 0, toCase: input.testCases.length })).cells;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parallax-gemini-'));
    services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: { baseMs: 1, maxMs: 5, maxAttempts: 3, maxRetryAfterMs: 5_000 } } });
    providerId = (await call('providers.save', { name: 'Gemini (fake)', kind: 'google', baseUrl: server.baseUrl, apiKey: KEY })).id;
    // Gemini prices for this test only (per million tokens): thinking and cache reads priced apart.
    await call('prices.save', { overrides: { 'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5, cachedInputPerMTok: 0.075, reasoningPerMTok: 3.5 } } });
  });

  afterAll(async () => {
    services.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the provider’s models through services', async () => {
    const info = (await call('providers.list', {})).find((p) => p.id === providerId);
    expect(info?.kind).toBe('google');
    expect(info?.key.source).not.toBe('none');
  });

  it('ends with thinking, a tool call, usage and a cost in the cell', async () => {
    server.script({ kind: 'answer', thoughts: ['The user wants weather. ', 'Call the tool.'], text: 'Let me check.', calls: [{ name: 'get_weather', args: { city: 'Paris' }, id: 'gem-call-1' }], cachedTokens: 4 });
    const cells = await runToEnd({
      messages: [
        { role: 'system', content: 'You answer about weather.' },
        { role: 'user', content: 'Weather in {{city}}? {{photo}}' },
      ],
      testCases: [{ id: 'c1', vars: { city: 'Paris', photo: { image: `data:image/png;base64,${PNG}`, alt: 'sky.png' } } }],
      columns: [{ id: 'g', providerId, model: 'gemini-2.5-flash', params: { thinkingBudget: 1024, temperature: 0.2 } }],
      tools: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      toolChoice: 'auto',
      repeats: 1,
      useCache: false,
    });
    expect(cells).toHaveLength(1);
    const cell = cells[0];
    expect(cell?.error).toBeUndefined();
    expect(cell?.status).toBe('done');
    expect(cell?.output).toBe('Let me check.');
    expect(cell?.reasoning).toBe('The user wants weather. Call the tool.');
    expect(cell?.toolCalls).toEqual([{ id: 'gem-call-1', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    expect(cell?.finishReason).toBe('STOP');

    const request = server.requestsFor('gemini-2.5-flash').at(-1);
    const body = request ? bodyOf(request) : {};
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You answer about weather.' }] });
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Weather in Paris? ' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }]);
    expect(body.generationConfig).toEqual({ temperature: 0.2, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });

    // The fake's counts: prompt = words + 3 per content (system 4+3, user 3+3); output = 3 text pieces + 5 per call; thoughts = 7 words.
    const usage = { inputTokens: 13, outputTokens: 3 + 5 + 7, reasoningTokens: 7, cacheReadTokens: 4 };
    expect(cell?.usage).toEqual(usage);
    const cost = ((13 - 4) * 0.3 + 4 * 0.075 + (8 * 2.5 + 7 * 3.5)) / 1_000_000;
    expect(cell?.costUsd).toBeCloseTo(cost, 15);
    expect(JSON.stringify(cell)).not.toContain(KEY);
  });

  it('retries a 429 after the delay Gemini asked for, then answers', async () => {
    server.script({ kind: 'rate-limit', retryDelay: '0.05s' });
    const cells = await runToEnd({
      messages: [{ role: 'user', content: 'Say {{word}}.' }],
      testCases: [{ id: 'c1', vars: { word: 'hi' } }],
      columns: [{ id: 'g', providerId, model: 'gemini-2.5-flash', params: {} }],
      repeats: 1,
      useCache: false,
    });
    expect(cells[0]?.status).toBe('done');
    expect(cells[0]?.output).toBe(fakeGeminiAnswer('Say hi.'));
    const tries = server.requestsFor('gemini-2.5-flash').slice(-2);
    expect(tries.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reads a 50 MB answer whole and keeps the first 1 MB, with a mark', async () => {
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: 'Go on and on.' }],
      testCases: [{ id: 'c1', vars: {} }],
      columns: [{ id: 'g', providerId, model: `long:${50 * 1024 * 1024}`, params: {} }],
      repeats: 1,
      useCache: false,
    });
    await services.runner.whenDone(runId);
    const [listed] = (await call('runs.get', { runId })).cells;
    const cell = listed ? await call('runs.cell', { cellId: listed.id }) : undefined;
    expect(cell?.status).toBe('done');
    expect(cell?.cut).toEqual({ answerBytes: 50 * 1024 * 1024 });
    expect(cell?.output.endsWith('[cut: the answer was 50 MB; Parallax keeps the first 1 MB]')).toBe(true);
    expect(cell?.output.startsWith('All work and no play makes a very long answer. ')).toBe(true);
    expect(cell?.usage.outputTokens).toBe((50 * 1024 * 1024) / 4);
    // The server finished the answer: it was read whole, not abandoned.
    expect(server.requestsFor(`long:${50 * 1024 * 1024}`)[0]?.abortedByClient).toBe(false);
  }, 60_000);
});
