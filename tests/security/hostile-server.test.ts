/**
 * A hostile OpenAI-compatible server cannot corrupt a run: every chunk and usage field it
 * sends is checked, a malformed stream fails its cell with a sentence, absurd usage is
 * rejected (not stored), an endless or huge answer is cut, an error body is cut short, and
 * every cell of a finished run is finished. Runs go through `dispatch`, as in the app.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventSchema, type AppEvent, type MethodInput, type MethodName, type MethodOutput } from '../../src/shared/contract';
import type { Cell, Column, RunDetail, RunStatus } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { OpenAIProvider } from '../../src/main/providers/openai';
import { MAX_OUTPUT_CHARS, MAX_SERVER_MESSAGE_CHARS } from '../../src/main/providers/wire';
import { cutMark } from '../../src/main/runner/answer-cap';
import { DEFAULT_MAX_ANSWER_BYTES } from '../../src/shared/answer-limit';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { Store } from '../../src/main/store/store';
import { chunkEvent, startFakeOpenAI, usageEvent, type Behaviour, type FakeOpenAI } from '../support/fake-openai';

const API_KEY = 'sk-hostile-test-Qw3rTy7uIoP9aSdF';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

let server: FakeOpenAI;
let dataDir: string;
let services: Services;
let providerId: string;
const events: AppEvent[] = [];
const finished = new Map<string, (status: RunStatus) => void>();

beforeAll(async () => {
  server = await startFakeOpenAI();
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-hostile-'));
  services = createServices({
    dataDir,
    door: 'web',
    version: 'test',
    secrets: new MemorySecretStore(),
    env: {},
    runner: { backoff: { maxAttempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 } },
  });
  services.onEvent((event) => {
    events.push(event);
    if (event.type === 'run.finished') finished.get(event.runId)?.(event.status);
  });
  // One request at a time, so scripted behaviours meet the cells in column order.
  providerId = (await call(services, 'providers.save', { name: 'Hostile', baseUrl: server.baseUrl, apiKey: API_KEY, concurrency: 1 })).id;
});

beforeEach(() => {
  server.resetStats();
});

afterAll(async () => {
  services.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

function column(model = 'gpt-4o-mini', provider = providerId): Column {
  return { id: `col-${Math.random().toString(36).slice(2, 8)}`, providerId: provider, model, params: {} };
}

/** Runs one cell per behaviour (scripted in column order, one at a time) and waits for the end. */
async function runScripted(behaviours: Behaviour[], columns = behaviours.map(() => column())): Promise<{ runId: string; status: RunStatus; detail: RunDetail; cells: Cell[] }> {
  server.script(...behaviours);
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: 'Say something about {{topic}}.' }],
    testCases: [{ id: 'c1', vars: { topic: 'tides' } }],
    columns,
    repeats: 1,
    useCache: false,
  });
  const status = await new Promise<RunStatus>((resolve) => {
    finished.set(runId, resolve);
    const already = events.find((e) => e.type === 'run.finished' && e.runId === runId);
    if (already?.type === 'run.finished') resolve(already.status);
  });
  const detail = await call(services, 'runs.get', { runId });
  const cells = [...detail.cells].sort((a, b) => a.columnIndex - b.columnIndex);
  // Every cell of a finished run is finished, in the database and in what the window was told.
  const progress = await call(services, 'runs.progress', { runId });
  expect(progress.status).not.toBe('running');
  expect(progress.running + progress.pending).toBe(0);
  for (const cell of cells) expect(['done', 'error', 'cancelled']).toContain(cell.status);
  for (const event of events.filter((e) => e.runId === runId)) expect(eventSchema.safeParse(event).success).toBe(true);
  return { runId, status, detail, cells };
}

const content = (text: string): string => chunkEvent({ content: text });
const stop = (): string => chunkEvent({}, 'stop');

describe('a hostile server cannot corrupt a run', () => {
  it('fails a cell whose delta.content is not text, keeping what came before, and finishes the run', async () => {
    const bad: unknown[] = [42, { text: 'hi' }, ['a', 'b'], true];
    const behaviours: Behaviour[] = bad.map((value) => ({ kind: 'raw-stream', events: () => [content('Fine so far. '), chunkEvent({ content: value }), content('never seen'), stop()] }));
    // The same stream with text content succeeds, so the failures above are about the type.
    behaviours.push({ kind: 'raw-stream', events: () => [content('Fine so far. '), content('All text.'), stop()] });
    const { status, cells } = await runScripted(behaviours);
    expect(status).toBe('done');
    expect(cells).toHaveLength(5);
    for (const cell of cells.slice(0, 4)) {
      expect(cell.status).toBe('error');
      expect(cell.error?.code).toBe('provider_error');
      expect(cell.error?.message).toContain('choices[0].delta.content');
      expect(cell.error?.message).toMatch(/^The server at .* sent a chunk Parallax cannot use/);
      expect(cell.output).toBe('Fine so far. ');
    }
    expect(cells[4]?.status).toBe('done');
    expect(cells[4]?.output).toBe('Fine so far. All text.');
  });

  it('fails a cell whose chunk is not an object, or whose finish_reason is not a short text', async () => {
    const { cells } = await runScripted([
      { kind: 'raw-stream', events: () => [content('a'), '42', stop()] },
      { kind: 'raw-stream', events: () => [content('a'), 'null', stop()] },
      { kind: 'raw-stream', events: () => [content('a'), '{"choices": "lots"}', stop()] },
      { kind: 'raw-stream', events: () => [content('a'), chunkEvent({}, 7)] },
      { kind: 'raw-stream', events: () => [content('a'), chunkEvent({}, 'x'.repeat(10_000))] },
      { kind: 'raw-stream', events: () => [content('a'), chunkEvent({ content: 'b', reasoning: { secret: true } }), stop()] },
    ]);
    for (const cell of cells) {
      expect(cell.status, JSON.stringify(cell.error)).toBe('error');
      expect(cell.error?.message).toContain('cannot use');
      expect(cell.error?.message.length).toBeLessThan(400);
      expect(cell.finishReason).toBeUndefined();
    }
    expect(cells[3]?.error?.message).toContain('finish_reason');
    expect(cells[5]?.error?.message).toContain('reasoning');
  });

  it('rejects negative, fractional, infinite, absurd or non-numeric usage instead of storing it', async () => {
    const usages = [
      '{"prompt_tokens": -100, "completion_tokens": 5}',
      '{"prompt_tokens": 10, "completion_tokens": 1e999}',
      '{"prompt_tokens": 1e308, "completion_tokens": 5}',
      '{"prompt_tokens": 10, "completion_tokens": 2.5}',
      '{"prompt_tokens": "12", "completion_tokens": 5}',
      '{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": -1}',
      '{"prompt_tokens": 200000000, "completion_tokens": 5}',
    ];
    const behaviours: Behaviour[] = usages.map((usage) => ({ kind: 'raw-stream', events: () => [content('An answer.'), stop(), usageEvent(usage)] }));
    behaviours.push({ kind: 'raw-stream', events: () => [content('An answer.'), stop(), usageEvent('{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}')] });
    const { runId, cells } = await runScripted(behaviours);
    for (const [index, cell] of cells.slice(0, usages.length).entries()) {
      expect(cell.status, usages[index]).toBe('error');
      expect(cell.error?.message).toMatch(/usage\.\w+_tokens is .*a token count must be a whole number from 0 to 100,000,000/);
      expect(cell.usage).toEqual({});
      expect(cell.costUsd).toBeUndefined();
    }
    // Sane usage is kept, and priced.
    const good = cells[usages.length];
    expect(good?.status).toBe('done');
    expect(good?.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(good?.costUsd).toBeGreaterThan(0);
    const progress = await call(services, 'runs.progress', { runId });
    expect(progress.inputTokens).toBe(10);
    expect(progress.outputTokens).toBe(5);
    expect(Number.isFinite(progress.costUsd)).toBe(true);
    expect(progress.costUsd).toBeLessThan(0.001);

    // The database holds no absurd count either.
    const store = new Store(dataDir);
    try {
      const stored = store.cellsOf(runId);
      for (const cell of stored) {
        for (const value of [cell.usage.inputTokens, cell.usage.outputTokens, cell.costUsd]) {
          if (value !== undefined) expect(value >= 0 && value < 1e8).toBe(true);
        }
      }
    } finally {
      store.close();
    }
  });

  it('stops reading an answer that never ends, at the read limit, and keeps its first 1 MB with a mark', async () => {
    const { status, cells } = await runScripted([{ kind: 'flood', chunkChars: 64 * 1024 }]);
    expect(status).toBe('done');
    const cell = await call(services, 'runs.cell', { cellId: cells[0]?.id ?? '' });
    expect(cell.status).toBe('error');
    expect(cell.error?.message).toContain(`passed ${MAX_OUTPUT_CHARS.toLocaleString('en-US')} characters`);
    // What is kept is the answer cap's (runner/answer-cap.ts), not the read limit.
    expect(cell.output).toBe(`${'x'.repeat(DEFAULT_MAX_ANSWER_BYTES)}${cutMark(cell.cut?.answerBytes ?? 0, DEFAULT_MAX_ANSWER_BYTES, false)}`);
    expect(cell.cut?.answerBytes).toBe(MAX_OUTPUT_CHARS);
    // The client hung up: the server did not get to write forever.
    const [request] = server.requests.filter((r) => r.path === '/v1/chat/completions');
    await expect.poll(() => request?.closedAt).toBeDefined();
    expect(request?.abortedByClient).toBe(true);
    expect(request?.contentChunks).toBeLessThan(MAX_OUTPUT_CHARS / (64 * 1024) + 100);
  }, 60_000);

  it('fails a stream with one event larger than the event limit', async () => {
    const { cells } = await runScripted([{ kind: 'raw-stream', events: () => [content('start '), content('y'.repeat(2 * 1024 * 1024)), stop()] }]);
    expect(cells[0]?.status).toBe('error');
    expect(cells[0]?.error?.message).toMatch(/one event larger than \d+ KB/);
    expect(cells[0]?.output).toBe('start ');
  });

  it('cuts a huge error body down to a readable message', async () => {
    const huge = `Overloaded: ${'blah '.repeat(1_000_000)}`;
    const { cells } = await runScripted([
      { kind: 'raw-response', status: 400, body: () => JSON.stringify({ error: { message: huge, type: 'invalid_request_error' } }) },
      { kind: 'raw-response', status: 502, body: () => 'x'.repeat(5_000_000), contentType: 'text/plain' },
    ]);
    for (const cell of cells) {
      expect(cell.status).toBe('error');
      expect(cell.error?.message.length).toBeLessThan(MAX_SERVER_MESSAGE_CHARS + 300);
      expect(cell.error?.message).toContain('more characters not shown');
    }
    expect(cells[0]?.error?.message).toContain('(400)');
    expect(cells[1]?.error?.message).toContain('(502)');
  });

  it('fails a cell whose server answers a stream request with plain JSON', async () => {
    const { cells } = await runScripted([
      {
        kind: 'raw-response',
        status: 200,
        body: () => JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: -5 } }),
      },
    ]);
    expect(cells[0]?.status).toBe('error');
    expect(cells[0]?.usage).toEqual({});
    expect(cells[0]?.error?.message).toMatch(/ended before the model finished/);
  });

  it('gives up on a stream that stays open without finishing, after the request time limit', async () => {
    const slow = 'hostile-slow';
    services.registry.registerTransient({
      id: slow,
      name: 'Slow',
      provider: new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: API_KEY, timeoutMs: 400 }),
      concurrency: 1,
      endpoint: server.baseUrl,
    });
    const started = performance.now();
    const { status, cells } = await runScripted([{ kind: 'hang' }], [column('gpt-4o-mini', slow)]);
    expect(status).toBe('done');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(cells[0]?.status).toBe('error');
    expect(cells[0]?.error?.message).toContain('had not finished the answer after 0.4 s');
  });

  it('rejects a model list that is not a list of names', async () => {
    // A normal server's list works (so the failures below are about the bodies).
    expect((await call(services, 'providers.models', { providerId })).models).toContain('fake-small');
    const { createServer } = await import('node:http');
    for (const body of ['{"data": "abc"}', '{"data": [{"id": 5}]}', `{"data": [{"id": "${'m'.repeat(1000)}"}]}`]) {
      const raw = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
      const address = raw.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const saved = await call(services, 'providers.save', { name: 'Raw', baseUrl: `http://127.0.0.1:${port}/v1` });
        const envelope = await dispatch(services.handlers, 'providers.models', { providerId: saved.id });
        expect(envelope.ok, body).toBe(false);
        if (!envelope.ok) expect(envelope.error.message).toContain('model list Parallax cannot use');
      } finally {
        raw.closeAllConnections();
        await new Promise<void>((resolve) => raw.close(() => resolve()));
      }
    }
  });

  it('fails a cell that a fault inside Parallax leaves running, instead of leaving it running in a finished run', async () => {
    // A listener that throws when told a cell started: the runner must still finish the cell.
    let thrown = 0;
    const unsubscribe = services.onEvent((event) => {
      if (event.type === 'cell.update' && event.cell.status === 'running' && thrown === 0) {
        thrown++;
        throw new Error('listener broke');
      }
    });
    try {
      const { status, cells } = await runScripted([{ kind: 'raw-stream', events: () => [content('x'), stop()] }], [column()]);
      expect(thrown).toBe(1);
      expect(status).toBe('done');
      expect(cells[0]?.status).toBe('error');
      expect(cells[0]?.error?.message).toContain('listener broke');
    } finally {
      unsubscribe();
    }
  });
});
