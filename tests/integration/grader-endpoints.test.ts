/**
 * The grader's /embeddings and /moderations on an OpenAI-compatible server: what the fake
 * answers, and what a hostile server answers (vectors that are not numbers, a key echoed back,
 * category names that are markup), read without trusting it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/main/providers/openai';
import { moderationFlags } from '../../src/shared/assertions/model-graded';
import { fakeEmbedding, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const KEY = 'sk-grader-secret-1234567890';
let fake: FakeOpenAI;
let hostile: Server;
let hostileUrl: string;
let answer = '';

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  hostile = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await fake.close();
  await new Promise<void>((resolve) => hostile.close(() => resolve()));
});

const signal = new AbortController().signal;

describe('grader endpoints', () => {
  it('asks /embeddings for floats with the model named, and /moderations with the text', async () => {
    const provider = new OpenAIProvider({ baseUrl: fake.baseUrl, apiKey: KEY });
    expect(await provider.embed('the blue sea', 'fake-embed', signal)).toEqual(fakeEmbedding('the blue sea'));
    const embedded = fake.requests.find((r) => r.path === '/v1/embeddings');
    expect(embedded?.body).toEqual({ model: 'fake-embed', input: 'the blue sea', encoding_format: 'float' });
    const flags = moderationFlags(await provider.moderate('I will attack', 'omni-moderation-latest', signal));
    expect(flags).toEqual([{ code: 'violence', confidence: 0.91 }]);
    // promptfoo 0.121's request bodies: text parts for the omni models, plain text for the older ones.
    const moderated = fake.requests.filter((r) => r.path === '/v1/moderations');
    expect(moderated[0]?.body).toEqual({ model: 'omni-moderation-latest', input: [{ type: 'text', text: 'I will attack' }] });
    expect(moderationFlags(await provider.moderate('you idiot', 'text-moderation-latest', signal))).toEqual([{ code: 'harassment', confidence: 0.91 }]);
    expect(fake.requests.filter((r) => r.path === '/v1/moderations')[1]?.body).toEqual({ model: 'text-moderation-latest', input: 'you idiot' });
  });

  it('refuses a vector that is not numbers, and masks a key the server echoes', async () => {
    const provider = new OpenAIProvider({ baseUrl: hostileUrl, apiKey: KEY });
    answer = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: ['1', null, `${KEY}`] }] });
    await expect(provider.embed('x', 'm', signal)).rejects.toThrow(/sent no embedding/);
    answer = JSON.stringify({ object: 'list', data: [] });
    await expect(provider.embed('x', 'm', signal)).rejects.toThrow(/sent no embedding/);
    answer = JSON.stringify({ results: [{ flagged: true, categories: { [`<script>${KEY}</script>`]: true, '=HYPERLINK("x")': true }, category_scores: {} }] });
    const flags = moderationFlags(await provider.moderate('x', 'm', signal));
    // Category names are the server's text: read as data (the runner masks keys in every reason it stores).
    expect(flags.map((f) => f.code)).toEqual([`<script>${KEY}</script>`, '=HYPERLINK("x")']);
    expect(flags.every((f) => f.confidence === 0)).toBe(true);
  });
});
