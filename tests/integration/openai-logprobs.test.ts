/**
 * The OpenAI chat provider and token log-probabilities: asked for only when the request says a
 * check needs them (and the column did not set `logprobs` itself), summed over every streamed
 * piece, reported on `done` as a sum and a count; a server's impossible numbers are refused or
 * dropped, never graded.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/main/providers/openai';
import type { StreamPart } from '../../src/main/providers/types';
import type { Params } from '../../src/shared/schemas';
import { AppError } from '../../src/shared/errors';
import { fakeAnswer, fakeLogprobs, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

let server: FakeOpenAI;
let provider: OpenAIProvider;

beforeAll(async () => {
  // Three-character pieces: many chunks, each with its own log-probabilities.
  server = await startFakeOpenAI({ chunkSize: 3 });
  provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: 'sk-test' });
});
afterAll(async () => {
  await server.close();
});

async function done(model: string, options: { logprobs?: boolean; params?: Params } = {}): Promise<Extract<StreamPart, { type: 'done' }> | AppError> {
  try {
    let last: Extract<StreamPart, { type: 'done' }> | undefined;
    for await (const part of provider.stream({ model, messages: [{ role: 'user', content: 'Describe rain' }], params: options.params ?? {}, signal: new AbortController().signal, ...(options.logprobs ? { logprobs: true } : {}) })) {
      if (part.type === 'done') last = part;
    }
    if (!last) throw new Error('no done part');
    return last;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

const lastBody = (model: string): Record<string, unknown> => server.requestsFor(model).at(-1)?.body as Record<string, unknown>;

it('asks for them when a check needs them and sums every piece\'s', async () => {
  const part = await done('lp-asked', { logprobs: true });
  const tokens = fakeLogprobs(fakeAnswer('Describe rain'));
  expect(lastBody('lp-asked')['logprobs']).toBe(true);
  expect(part).toMatchObject({ type: 'done', logprobs: { count: tokens.length } });
  if (part instanceof AppError || !part.logprobs) throw new Error('no log-probabilities');
  expect(part.logprobs.sum).toBeCloseTo(tokens.reduce((sum, t) => sum + t.logprob, 0), 10);
});

it('does not ask otherwise, and a column that set logprobs keeps its word', async () => {
  const plain = await done('lp-plain');
  expect('logprobs' in lastBody('lp-plain')).toBe(false);
  expect(plain).not.toHaveProperty('logprobs');
  const off = await done('lp-off', { logprobs: true, params: { extra: { logprobs: false } } });
  expect(lastBody('lp-off')['logprobs']).toBe(false);
  expect(off).not.toHaveProperty('logprobs');
});

const piece = (content: string, logprobs: string, finish: string | null = null): string =>
  `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":${logprobs},"finish_reason":${JSON.stringify(finish)}}]}`;

it('refuses a log-probability that is not a finite number, keeping the answer so far', async () => {
  server.script({ kind: 'raw-stream', events: () => [piece('Hi', '{"content":[{"token":"Hi","logprob":-0.5}]}'), piece(' there', '{"content":[{"token":" there","logprob":1e400}]}', 'stop')] });
  const result = await done('lp-infinite', { logprobs: true });
  expect(result).toBeInstanceOf(AppError);
  expect(String((result as AppError).message)).toMatch(/cannot use \(choices\[0\]\.logprobs\.content\[0\]\.logprob is an infinite number/);
});

it('drops sums that overflow rather than grade with an infinite perplexity', async () => {
  server.script({ kind: 'raw-stream', events: () => [piece('a', '{"content":[{"token":"a","logprob":-1e308}]}'), piece('b', '{"content":[{"token":"b","logprob":-1e308}]}', 'stop')] });
  const result = await done('lp-overflow', { logprobs: true });
  expect(result).toMatchObject({ type: 'done', finishReason: 'stop' });
  expect(result).not.toHaveProperty('logprobs');
});
