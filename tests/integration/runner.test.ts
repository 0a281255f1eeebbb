/**
 * The runner and services against a real local OpenAI-compatible server that misbehaves on
 * request (support/fake-openai.ts). Everything goes through `dispatch`, the choke point every
 * front door calls, so inputs are parsed by the contract exactly as in the app.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runRequestSchema, type AppEvent, type MethodInput, type MethodName, type MethodOutput } from '../../src/shared/contract';
import type { Cell, Column, RunDetail, RunStatus } from '../../src/shared/schemas';
import { estimateCost } from '../../src/shared/prices';
import { renderMessages } from '../../src/main/template/render';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, planAppRun, type Services } from '../../src/main/services';
import { DATABASE_FILE, Store } from '../../src/main/store/store';
import { fakeAnswer, fakeChunks, fakePromptTokens, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const API_KEY = 'sk-parallax-test-Zq8vN3kLw5Rt7Yp2';
const SYSTEM = 'You are terse. Audience: {{audience}}.';
const USER = 'Explain {{topic}} in one line.';
const VARIABLES = { audience: 'sailors', topic: 'tides' };
const RENDERED = renderMessages(
  [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: USER },
  ],
  VARIABLES,
);
const EXPECTED_ANSWER = fakeAnswer('Explain tides in one line.');

class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls a method the way a front door does, and unwraps the envelope. */
async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new CallError(envelope.error.code, envelope.error.message);
  return envelope.data as MethodOutput<M>;
}

async function callError<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<CallError> {
  const envelope = await dispatch(services.handlers, method, input);
  if (envelope.ok) throw new Error(`${method} succeeded but an error was expected`);
  return new CallError(envelope.error.code, envelope.error.message);
}

/** Every event services emitted, with a way to wait for one. */
class EventLog {
  readonly events: AppEvent[] = [];
  private readonly waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];

  readonly listener = (event: AppEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  waitFor(match: (e: AppEvent) => boolean, timeoutMs = 20_000): Promise<AppEvent> {
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timed out waiting for an event')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  async runFinished(runId: string): Promise<RunStatus> {
    const event = await this.waitFor((e) => e.type === 'run.finished' && e.runId === runId);
    if (event.type !== 'run.finished') throw new Error('unreachable');
    return event.status;
  }

  forRun(runId: string): AppEvent[] {
    return this.events.filter((e) => e.runId === runId);
  }
}

interface Opened {
  services: Services;
  log: EventLog;
}

/** Retries on the runner's own schedule, shortened so a failing cell gives up in milliseconds. */
const FAST_BACKOFF = { maxAttempts: 3, baseMs: 5, maxMs: 20, maxRetryAfterMs: 2000 };

function open(dataDir: string, secrets = new MemorySecretStore()): Opened {
  const services = createServices({ dataDir, door: 'web', version: 'test', secrets, env: {}, runner: { backoff: FAST_BACKOFF } });
  const log = new EventLog();
  services.onEvent(log.listener);
  return { services, log };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function column(providerId: string, model: string, params: Column['params'] = {}): Column {
  return { id: `col-${model}-${Math.random().toString(36).slice(2, 8)}`, providerId, model, params };
}

/**
 * One test case, one repeat. The response cache is off: these tests are about what happens on
 * the wire, and the same request is sent in several of them.
 */
function runRequest(columns: Column[], user = USER): MethodInput<'runs.start'> {
  return {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: user },
    ],
    testCases: [{ id: 'case-1', vars: VARIABLES }],
    columns,
    repeats: 1,
    useCache: false,
  };
}

/** The cells of a run that has just started (all of its one row), in column order. */
async function startedCells(services: Services, runId: string): Promise<Cell[]> {
  const { cells } = await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 1 });
  return cells;
}

function cellIn(detail: RunDetail, columnIndex: number): Cell {
  const cell = detail.cells.find((c) => c.columnIndex === columnIndex);
  if (!cell) throw new Error(`no cell for column ${columnIndex}`);
  return cell;
}

/** A sentence a person can read: starts with a capital, ends with a full stop, more than a word. */
function expectSentence(message: string): void {
  expect(message).toMatch(/^[A-Z]/);
  expect(message.trim()).toMatch(/[.?!]$/);
  expect(message.split(/\s+/).length).toBeGreaterThan(3);
}

let server: FakeOpenAI;
let dataDir: string;
let app: Opened;
let providerId: string;
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parallax-runner-'));
  tempDirs.push(dir);
  return dir;
}

async function runAndWait(services: Opened, columns: Column[], user = USER): Promise<{ runId: string; status: RunStatus; detail: RunDetail }> {
  const { runId } = await call(services.services, 'runs.start', runRequest(columns, user));
  const status = await services.log.runFinished(runId);
  const detail = await call(services.services, 'runs.get', { runId });
  return { runId, status, detail };
}

beforeAll(async () => {
  server = await startFakeOpenAI();
  dataDir = await tempDir();
  app = open(dataDir);
  const saved = await call(app.services, 'providers.save', { name: 'Fake OpenAI', baseUrl: server.baseUrl, apiKey: API_KEY });
  providerId = saved.id;
});

beforeEach(() => {
  server.resetStats();
});

afterAll(async () => {
  app.services.close();
  await server.close();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('runs against an OpenAI-compatible server', () => {
  it('streams two columns at the same time; both finish with output, usage, timings and finish reason', async () => {
    const columns = [column(providerId, 'drip:10', { temperature: 0.2, maxTokens: 500 }), column(providerId, 'gpt-4o-mini')];
    const { status, detail } = await runAndWait(app, columns);

    expect(status).toBe('done');
    expect(server.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(detail.run.status).toBe('done');
    expect(detail.cells).toHaveLength(2);
    expect(detail.progress).toMatchObject({ total: 2, done: 2, error: 0, pending: 0, running: 0, cached: 0 });
    expect(detail.testCases).toEqual([{ id: 'case-1', vars: VARIABLES }]);
    const promptTokens = fakePromptTokens(RENDERED);
    const chunks = fakeChunks(EXPECTED_ANSWER).length;
    for (const cell of detail.cells) {
      expect(cell.status).toBe('done');
      expect(cell.output).toBe(EXPECTED_ANSWER);
      expect(cell.usage).toEqual({ inputTokens: promptTokens, outputTokens: chunks });
      expect(cell.finishReason).toBe('stop');
      expect(cell.ttftMs).toBeGreaterThan(0);
      expect(cell.totalMs).toBeGreaterThanOrEqual(cell.ttftMs ?? Infinity);
      expect(cell.messages).toEqual(RENDERED);
      expect(cell.error).toBeUndefined();
      expect(cell).toMatchObject({ caseIndex: 0, repeat: 0, attempts: 1 });
      expect(cell.cached).toBeUndefined();
    }
    // The drip column sends ~7 chunks 10 ms apart: its total time shows it.
    expect(cellIn(detail, 0).totalMs).toBeGreaterThanOrEqual(50);
    expect(cellIn(detail, 1).costUsd).toBeCloseTo(estimateCost('gpt-4o-mini', promptTokens, chunks) ?? -1, 12);
    expect(cellIn(detail, 0).costUsd).toBeUndefined();

    // Each event is a snapshot: the 'running' update still says running, with nothing measured yet.
    const running = app.log.forRun(detail.run.id).flatMap((e) => (e.type === 'cell.update' && e.cell.status === 'running' ? [e.cell] : []));
    expect(running).toHaveLength(2);
    for (const cell of running) {
      expect(cell).toMatchObject({ output: '', usage: {} });
      expect(cell.ttftMs).toBeUndefined();
      expect(cell.totalMs).toBeUndefined();
      expect(cell.finishReason).toBeUndefined();
    }

    // What went over the wire: the rendered messages, streaming with usage, the column's parameters, the key.
    const [sent] = server.requestsFor('drip:10');
    expect(sent?.body).toMatchObject({
      model: 'drip:10',
      messages: RENDERED,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 500,
    });
    expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const other = server.requestsFor('gpt-4o-mini')[0]?.body;
    expect(other).not.toHaveProperty('temperature');
    expect(other).not.toHaveProperty('max_tokens');
  });

  it('a 500 in one column errors that cell with a code and a sentence; the other column finishes', async () => {
    const { status, detail, runId } = await runAndWait(app, [column(providerId, 'fail-500'), column(providerId, 'fake-small')]);

    expect(status).toBe('done');
    const failed = cellIn(detail, 0);
    expect(failed.status).toBe('error');
    expect(failed.error?.code).toBe('provider_error');
    // The status and the server's own explanation both reach the person.
    expect(failed.error?.message).toContain('500');
    expect(failed.error?.message).toContain('The fake server failed on purpose.');
    expectSentence(failed.error?.message ?? '');
    expect(failed.output).toBe('');
    // The runner retried the 5xx on its own schedule before giving up, and counted each try.
    expect(server.requestsFor('fail-500')).toHaveLength(FAST_BACKOFF.maxAttempts);
    expect(failed.attempts).toBe(FAST_BACKOFF.maxAttempts);
    // While it waited, the cell said so.
    const retrying = app.log.forRun(runId).flatMap((e) => (e.type === 'cell.update' && e.cell.id === failed.id && e.cell.error?.code === 'retrying' ? [e.cell] : []));
    expect(retrying).toHaveLength(FAST_BACKOFF.maxAttempts - 1);
    expect(retrying.every((c) => c.status === 'running')).toBe(true);

    const ok = cellIn(detail, 1);
    expect(ok.status).toBe('done');
    expect(ok.output).toBe(EXPECTED_ANSWER);

    const { runs } = await call(app.services, 'runs.list', {});
    expect(runs.find((r) => r.id === runId)).toMatchObject({ status: 'done', cellCount: 2, errorCount: 1 });
  });

  it('a 429 with Retry-After: 1 is retried after about a second and succeeds', async () => {
    const { detail } = await runAndWait(app, [column(providerId, 'rate-limit:1')]);

    const cell = cellIn(detail, 0);
    expect(cell.status).toBe('done');
    expect(cell.output).toBe(EXPECTED_ANSWER);
    const attempts = server.requestsFor('rate-limit:1');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    const [first, second] = attempts;
    expect((second?.arrivedAt ?? 0) - (first?.arrivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    expect(cell.totalMs).toBeGreaterThanOrEqual(950);
    expect(cell.attempts).toBe(2);
  });

  it('a slow first token shows in that cell’s time to first token only', async () => {
    const { detail } = await runAndWait(app, [column(providerId, 'slow-first-token:600'), column(providerId, 'fake-large')]);

    const slow = cellIn(detail, 0);
    const fast = cellIn(detail, 1);
    expect(slow.status).toBe('done');
    expect(slow.output).toBe(EXPECTED_ANSWER);
    expect(slow.ttftMs).toBeGreaterThanOrEqual(590);
    expect(fast.status).toBe('done');
    expect(fast.ttftMs).toBeLessThan(400);
  });

  it('a stream cut mid-way ends in an error and keeps the partial output', async () => {
    const { status, detail } = await runAndWait(app, [column(providerId, 'cut:3'), column(providerId, 'fake-small')]);

    expect(status).toBe('done');
    const cut = cellIn(detail, 0);
    expect(cut.status).toBe('error');
    expect(cut.output).toBe(fakeChunks(EXPECTED_ANSWER).slice(0, 3).join(''));
    expect(cut.output.length).toBeGreaterThan(0);
    expect(cut.finishReason).toBeUndefined();
    expect(cut.error?.code).toBe('network');
    expectSentence(cut.error?.message ?? '');
    expect(server.requestsFor('cut:3')[0]?.contentChunks).toBe(3);
    expect(cellIn(detail, 1).status).toBe('done');
  });

  it('a malformed chunk errors the cell without bringing anything down', async () => {
    // (The SDK itself prints the unparsable line to stderr before throwing.)
    const { status, detail } = await runAndWait(app, [column(providerId, 'malformed:2')]);
    expect(status).toBe('done');
    const cell = cellIn(detail, 0);
    expect(cell.status).toBe('error');
    expect(cell.error?.code).toBe('provider_error');
    expectSentence(cell.error?.message ?? '');
    expect(cell.output).toBe(fakeChunks(EXPECTED_ANSWER).slice(0, 2).join(''));
    // The services still work afterwards.
    const again = await runAndWait(app, [column(providerId, 'fake-small')]);
    expect(cellIn(again.detail, 0).status).toBe('done');
  });

  it('runs.stop cancels the cells in flight and the run finishes as cancelled', async () => {
    const user = `Count slowly: ${'one two three four five six seven eight nine ten '.repeat(4)}`;
    const { runId, total } = await call(app.services, 'runs.start', runRequest([column(providerId, 'drip:40'), column(providerId, 'drip:40')], user));
    expect(total).toBe(2);
    const cells = await startedCells(app.services, runId);
    expect(cells.map((c) => c.columnIndex)).toEqual([0, 1]);
    // Both requests are streaming before Stop is pressed.
    for (const cell of cells) await app.log.waitFor((e) => e.type === 'cell.delta' && e.cellId === cell.id);
    // The database knows both are running, none waiting.
    expect.soft(await call(app.services, 'runs.progress', { runId })).toMatchObject({ status: 'running', total: 2, running: 2, pending: 0 });

    const { stopped } = await call(app.services, 'runs.stop', { runId });
    expect.soft(stopped).toBe(2);
    expect(await app.log.runFinished(runId)).toBe('cancelled');

    const detail = await call(app.services, 'runs.get', { runId });
    expect(detail.run.status).toBe('cancelled');
    const full = fakeAnswer(renderMessages([{ role: 'user', content: user }], VARIABLES)[0]?.content ?? '');
    for (const cell of detail.cells) {
      expect(cell.status).toBe('cancelled');
      expect(cell.error?.code).toBe('cancelled');
      // What arrived before Stop is kept, and it is a strict beginning of the answer.
      expect(cell.output.length).toBeGreaterThan(0);
      expect(cell.output.length).toBeLessThan(full.length);
      expect(full.startsWith(cell.output)).toBe(true);
    }
    const finals = app.log.forRun(runId).filter((e) => e.type === 'cell.update' && e.cell.status === 'cancelled');
    expect(finals).toHaveLength(2);
    // The requests were really aborted on the wire, not left to run on.
    await vi.waitFor(() => expect(server.inFlight).toBe(0), { timeout: 5_000 });
    expect(server.requestsFor('drip:40').every((r) => r.abortedByClient)).toBe(true);
    // Stopping a finished run stops nothing.
    expect((await call(app.services, 'runs.stop', { runId })).stopped).toBe(0);
  });

  it('sends deltas as coalesced cell.delta events, seq 0,1,2… per cell, adding up to the final output', async () => {
    const user = `Repeat this back: ${'The quick brown fox jumps over the lazy dog. '.repeat(30)}`;
    const { runId } = await call(app.services, 'runs.start', runRequest([column(providerId, 'drip:1'), column(providerId, 'drip:1')], user));
    expect(await app.log.runFinished(runId)).toBe('done');

    const events = app.log.forRun(runId);
    const detail = await call(app.services, 'runs.get', { runId });
    const serverChunks = server.requestsFor('drip:1').reduce((n, r) => n + r.contentChunks, 0);
    expect(serverChunks).toBeGreaterThan(500);
    let deltaCount = 0;
    for (const cell of detail.cells) {
      const deltas = events.flatMap((e) => (e.type === 'cell.delta' && e.cellId === cell.id ? [e] : []));
      expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_d, i) => i));
      expect(deltas.map((d) => d.text).join('')).toBe(cell.output);
      expect(cell.output).toBe(fakeAnswer(renderMessages([{ role: 'user', content: user }], VARIABLES)[0]?.content ?? ''));
      // It streamed in several pieces, not as one block at the end.
      expect(deltas.length).toBeGreaterThanOrEqual(2);
      deltaCount += deltas.length;

      // The final update comes after the last delta and carries the full text.
      const finalIndex = events.findIndex((e) => e.type === 'cell.update' && e.cell.id === cell.id && e.cell.status === 'done');
      const lastDeltaIndex = events.lastIndexOf(deltas[deltas.length - 1] as AppEvent);
      expect(finalIndex).toBeGreaterThan(lastDeltaIndex);
      const final = events[finalIndex];
      expect(final?.type === 'cell.update' ? final.cell.output : undefined).toBe(cell.output);
    }
    expect(deltaCount).toBeLessThan(serverChunks / 4);
  });

  it('never lets the key reach an event, a stored cell, an error message or the database files', async () => {
    // A server that insists on the key and echoes a wrong one back in its 401 message.
    const guarded = await startFakeOpenAI({ apiKey: API_KEY });
    try {
      const right = await call(app.services, 'providers.save', { name: 'Guarded', baseUrl: guarded.baseUrl, apiKey: API_KEY });
      const wrongKey = `${API_KEY}-wrong`;
      const wrong = await call(app.services, 'providers.save', { name: 'Wrong key', baseUrl: guarded.baseUrl, apiKey: wrongKey });
      const run = await runAndWait(app, [column(right.id, 'fake-small'), column(wrong.id, 'fake-small')]);

      const accepted = cellIn(run.detail, 0);
      const refused = cellIn(run.detail, 1);
      expect(accepted.status).toBe('done');
      expect(refused.status).toBe('error');
      expect(refused.error?.code).toBe('auth');
      expectSentence(refused.error?.message ?? '');
      const modelsError = await callError(app.services, 'providers.models', { providerId: wrong.id });
      expect(modelsError.code).toBe('auth');

      // The server did get both keys (so the checks below are not vacuous), and answered with one.
      const seen = guarded.requests.map((r) => r.headers.authorization);
      expect(seen).toContain(`Bearer ${API_KEY}`);
      expect(seen).toContain(`Bearer ${wrongKey}`);
      expect(guarded.requests.some((r) => r.status === 401)).toBe(true);

      const providers = await call(app.services, 'providers.list', {});
      expect(providers.find((p) => p.id === right.id)?.key).toEqual({ configured: true, last4: API_KEY.slice(-4), source: 'memory' });

      const { runs } = await call(app.services, 'runs.list', { limit: 500 });
      const details = await Promise.all(runs.map((r) => call(app.services, 'runs.get', { runId: r.id })));
      const everything = JSON.stringify({ events: app.log.events, details, providers, runs, modelsError: modelsError.message });
      expect(everything).toContain(refused.error?.message ?? '(missing)');
      expect(everything.includes(API_KEY)).toBe(false);

      const files = await readdir(dataDir);
      expect(files).toContain(DATABASE_FILE);
      for (const file of files) {
        const bytes = await readFile(join(dataDir, file));
        expect(bytes.includes(Buffer.from(API_KEY)), `${file} holds the key`).toBe(false);
        expect(bytes.includes(Buffer.from(API_KEY, 'utf16le')), `${file} holds the key (UTF-16)`).toBe(false);
      }
      // The same scan does find text that was stored, so it would find the key if it were there.
      const database = Buffer.concat(await Promise.all(files.map((f) => readFile(join(dataDir, f)))));
      expect(database.includes(Buffer.from(refused.error?.message ?? '(missing)'))).toBe(true);
    } finally {
      await guarded.close();
    }
  });

  it('providers.models lists the server’s models', async () => {
    const { models } = await call(app.services, 'providers.models', { providerId });
    expect(models).toEqual(['fake-large', 'fake-small', 'gpt-4o-mini']);
    const [request] = server.requests.filter((r) => r.path === '/v1/models');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('an unreachable base URL gives a network error with a sentence, for models and for runs', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const dead = await call(app.services, 'providers.save', { name: 'Nobody home', baseUrl, apiKey: API_KEY });
    const [modelsError, run] = await Promise.all([
      callError(app.services, 'providers.models', { providerId: dead.id }),
      runAndWait(app, [column(dead.id, 'fake-small'), column(providerId, 'fake-small')]),
    ]);

    expect(modelsError.code).toBe('network');
    expect(modelsError.message).toContain(baseUrl);
    expectSentence(modelsError.message);
    expect(modelsError.message).not.toContain(API_KEY);

    const cell = cellIn(run.detail, 0);
    expect(cell.status).toBe('error');
    expect(cell.error?.code).toBe('network');
    expectSentence(cell.error?.message ?? '');
    expect(cellIn(run.detail, 1).status).toBe('done');
  });

  it('unknown providers and bad input are refused with a message naming the problem', async () => {
    const missing = await callError(app.services, 'providers.models', { providerId: 'no-such-provider' });
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('no-such-provider');

    const bad = await callError(app.services, 'providers.save', { name: 'x', baseUrl: 'not a url' });
    expect(bad.code).toBe('bad_input');
    expect(bad.message).toContain('baseUrl');

    const run = await runAndWait(app, [column('gone', 'fake-small')]);
    expect(cellIn(run.detail, 0).error?.code).toBe('not_found');
  });
});

describe('runs survive a restart', () => {
  let dir: string;
  let current: Opened | undefined;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => {
    current?.services.close();
    current = undefined;
  });

  it('a finished run is in runs.list and runs.get after closing and reopening the data folder', async () => {
    current = open(dir);
    const provider = await call(current.services, 'providers.save', { name: 'Fake', baseUrl: server.baseUrl, apiKey: API_KEY });
    const first = await runAndWait(current, [column(provider.id, 'fake-small', { temperature: 0.5 }), column('echo', 'echo')]);
    expect(first.status).toBe('done');
    current.services.close();

    current = open(dir);
    const { runs, total } = await call(current.services, 'runs.list', {});
    expect(total).toBe(1);
    expect(runs[0]).toMatchObject({ id: first.runId, status: 'done', cellCount: 2, errorCount: 0, source: 'app' });
    expect(runs[0]?.models.slice().sort()).toEqual(['echo', 'fake-small']);
    const detail = await call(current.services, 'runs.get', { runId: first.runId });
    expect(detail).toEqual(first.detail);
    expect(cellIn(detail, 0)).toMatchObject({ output: EXPECTED_ANSWER, params: { temperature: 0.5 }, finishReason: 'stop' });
    expect(cellIn(detail, 1).output).toBe(echoOf(RENDERED));
    // The provider is still there too; a key kept in memory is not.
    const providers = await call(current.services, 'providers.list', {});
    expect(providers.find((p) => p.id === provider.id)).toMatchObject({ baseUrl: server.baseUrl, key: { configured: false } });
  });

  it('closing the services with a run in flight does not crash, and the run reads as unfinished on reopen', async () => {
    current = open(dir);
    const provider = await call(current.services, 'providers.save', { name: 'Fake', baseUrl: server.baseUrl, apiKey: API_KEY });
    const { runId } = await call(current.services, 'runs.start', runRequest([column(provider.id, 'drip:30')], `Slow: ${'word '.repeat(40)}`));
    const cells = await startedCells(current.services, runId);
    await current.log.waitFor((e) => e.type === 'cell.delta' && e.cellId === cells[0]?.id);
    current.services.close();
    // Give the aborted request time to unwind against the closed store.
    await new Promise((resolve) => setTimeout(resolve, 200));

    current = open(dir);
    const detail = await call(current.services, 'runs.get', { runId });
    expect(detail.run.status).toBe('interrupted');
    expect(detail.cells[0]?.status).not.toBe('done');
  });

  it('a run left running by a process that died is marked interrupted on the next open', async () => {
    // What a killed process leaves behind: a run recorded as running, one cell finished, one not.
    const store = new Store(dir);
    const plan = planAppRun(runRequestSchema.parse(runRequest([column('echo', 'echo'), column('echo', 'echo')])), {
      providerNames: new Map([['echo', 'Echo']]),
      versionMessages: () => {
        throw new Error('no variant runs a library version here');
      },
    });
    const planned = [...plan.cells];
    expect(store.createRun(plan.run, planned)).toBe(2);
    const [finished, unfinished] = planned;
    if (!finished || !unfinished) throw new Error('plan has two cells');
    store.finishCell({
      id: finished.id,
      runId: plan.run.id,
      columnIndex: finished.columnIndex,
      caseIndex: finished.caseIndex,
      repeat: finished.repeat,
      providerId: 'echo',
      providerName: 'Echo',
      model: 'echo',
      params: {},
      variables: VARIABLES,
      messages: finished.messages,
      status: 'done',
      output: 'kept',
      usage: { inputTokens: 3, outputTokens: 1 },
      totalMs: 5,
      finishReason: 'stop',
    });
    store.close();

    current = open(dir);
    const detail = await call(current.services, 'runs.get', { runId: plan.run.id });
    expect(detail.run.status).toBe('interrupted');
    expect(detail.cells.find((c) => c.id === finished.id)).toMatchObject({ status: 'done', output: 'kept', finishReason: 'stop' });
    const lost = detail.cells.find((c) => c.id === unfinished.id);
    expect(lost?.status).toBe('error');
    expect(lost?.error?.code).toBe('interrupted');
    expectSentence(lost?.error?.message ?? '');
    const { runs } = await call(current.services, 'runs.list', {});
    expect(runs[0]).toMatchObject({ id: plan.run.id, status: 'interrupted', errorCount: 1 });
  });
});

describe('the fake server itself', () => {
  it('answers without streaming, follows its script, and refuses a wrong key', async () => {
    const own = await startFakeOpenAI({ apiKey: 'right-key' });
    try {
      const post = (body: unknown, key = 'right-key'): Promise<Response> =>
        fetch(`${own.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        });
      const body = { model: 'fake-small', messages: [{ role: 'user', content: 'hi there' }] };
      const plain = await post(body);
      expect(plain.status).toBe(200);
      expect(await plain.json()).toMatchObject({
        object: 'chat.completion',
        choices: [{ message: { role: 'assistant', content: fakeAnswer('hi there') }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5 },
      });

      own.script({ kind: 'fail-500' });
      expect((await post(body)).status).toBe(500);
      expect((await post(body)).status).toBe(200);

      const refused = await post(body, 'wrong-key');
      expect(refused.status).toBe(401);
      expect(own.requests.map((r) => r.status)).toEqual([200, 500, 200, 401]);
      expect((await fetch(`${own.baseUrl}/nowhere`, { headers: { authorization: 'Bearer right-key' } })).status).toBe(404);
    } finally {
      await own.close();
    }
  });
});

function echoOf(messages: readonly { role: string; content: string }[]): string {
  return messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}
