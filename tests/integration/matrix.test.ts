/**
 * The run matrix against the fault-injecting server: variants × test cases × repeats, a 429
 * storm, a provider that is down while another is up, cancel mid-run, the response cache,
 * re-running failed cells, and resuming a run whose process was killed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell, Column, RunStatus, TestCase } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import type { BackoffPolicy } from '../../src/main/runner/backoff';
import { UNREACHABLE_AFTER } from '../../src/main/runner/runner';
import { LEASE_MS } from '../../src/main/store/store';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { fakeAnswer, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const FAST: BackoffPolicy = { maxAttempts: 6, baseMs: 5, maxMs: 40, maxRetryAfterMs: 5_000 };

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

function finished(services: Services, runId: string, timeoutMs = 30_000): Promise<RunStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish in time`)), timeoutMs);
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        clearTimeout(timer);
        off();
        resolve(event.status);
      }
    });
  });
}

async function allCells(services: Services, runId: string, rows: number): Promise<Cell[]> {
  return (await call(services, 'runs.cells', { runId, fromCase: 0, toCase: rows })).cells;
}

function cases(n: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => ({ id: `case-${i + 1}`, vars: { topic: `topic ${i + 1}` }, ...(i === 0 ? { expected: 'x' } : {}) }));
}

function variant(providerId: string, model: string): Column {
  return { id: `${providerId}-${model}`, providerId, model, params: {} };
}

const MESSAGES = [{ role: 'user' as const, content: 'Tell me about {{ topic }}.' }];

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

let server: FakeOpenAI;
const dirs: string[] = [];
const opened: Services[] = [];

async function open(options: { backoff?: BackoffPolicy; env?: Record<string, string> } = {}): Promise<{ services: Services; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parallax-matrix-'));
  dirs.push(dataDir);
  const services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: options.env ?? {}, runner: { backoff: options.backoff ?? FAST } });
  opened.push(services);
  return { services, dataDir };
}

beforeAll(async () => {
  server = await startFakeOpenAI({ retryAfterSeconds: 0 });
});
afterEach(() => {
  for (const services of opened.splice(0)) services.close();
  server.resetStats();
});
afterAll(async () => {
  await server.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the run matrix', () => {
  it('runs variants × rows × repeats, case-major, each row rendered with its own values', async () => {
    const { services } = await open();
    const provider = await call(services, 'providers.save', { name: 'Fake', baseUrl: server.baseUrl });
    const { runId, total } = await call(services, 'runs.start', {
      messages: MESSAGES,
      testCases: cases(5),
      columns: [variant(provider.id, 'fake-large'), variant('echo', 'echo')],
      repeats: 2,
    });
    expect(total).toBe(20);
    expect(await finished(services, runId)).toBe('done');
    const cells = await allCells(services, runId, 5);
    expect(cells.map((c) => [c.caseIndex, c.columnIndex, c.repeat])).toEqual(
      [0, 1, 2, 3, 4].flatMap((row) => [0, 1].flatMap((col) => [0, 1].map((rep) => [row, col, rep]))),
    );
    for (const cell of cells) {
      const text = `Tell me about topic ${cell.caseIndex + 1}.`;
      expect(cell.status).toBe('done');
      expect(cell.output).toBe(cell.columnIndex === 0 ? fakeAnswer(text) : text);
    }
    // The fake server got one request per cell of its column: repeats are asked, not cached.
    expect(server.requestsFor('fake-large')).toHaveLength(10);
    const progress = await call(services, 'runs.progress', { runId });
    expect(progress).toMatchObject({ status: 'done', total: 20, done: 20, error: 0, pending: 0, running: 0, cached: 0 });
    const detail = await call(services, 'runs.get', { runId });
    expect(detail.testCases).toHaveLength(5);
    expect(detail.run).toMatchObject({ caseCount: 5, repeats: 2, cellCount: 20 });
  });

  it('runs only the rows asked for', async () => {
    const { services } = await open();
    const { runId, total } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(6), caseIndexes: [1, 4], columns: [variant('echo', 'echo')] });
    expect(total).toBe(2);
    await finished(services, runId);
    const cells = await allCells(services, runId, 6);
    expect(cells.map((c) => c.output)).toEqual(['Tell me about topic 2.', 'Tell me about topic 5.']);
  });

  it('rides out a 429 storm: every cell finishes, retries counted, Retry-After honoured', async () => {
    const { services } = await open();
    const provider = await call(services, 'providers.save', { name: 'Busy', baseUrl: server.baseUrl, concurrency: 4 });
    // The first 12 requests to this model get 429 (Retry-After: 0), then it answers.
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(8), columns: [variant(provider.id, 'rate-limit:12')] });
    expect(await finished(services, runId)).toBe('done');
    const cells = await allCells(services, runId, 8);
    expect(cells.every((c) => c.status === 'done')).toBe(true);
    const attempts = cells.reduce((sum, c) => sum + (c.attempts ?? 0), 0);
    expect(attempts).toBe(8 + 12);
    expect(server.requestsFor('rate-limit:12')).toHaveLength(20);
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('waits as long as Retry-After says before trying again', async () => {
    const slow = await startFakeOpenAI({ retryAfterSeconds: 1 });
    try {
      const { services } = await open();
      const provider = await call(services, 'providers.save', { name: 'Slow down', baseUrl: slow.baseUrl });
      const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(1), columns: [variant(provider.id, 'rate-limit:1')] });
      await finished(services, runId);
      const [first, second] = slow.requestsFor('rate-limit:1');
      expect(first?.status).toBe(429);
      expect(second && first ? second.arrivedAt - first.arrivedAt : 0).toBeGreaterThanOrEqual(990);
      expect((await allCells(services, runId, 1))[0]).toMatchObject({ status: 'done', attempts: 2 });
    } finally {
      await slow.close();
    }
  });

  it('gives up after the last attempt and says why', async () => {
    const { services } = await open({ backoff: { ...FAST, maxAttempts: 3 } });
    const provider = await call(services, 'providers.save', { name: 'Broken', baseUrl: server.baseUrl });
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(1), columns: [variant(provider.id, 'fail-500')] });
    await finished(services, runId);
    const [cell] = await allCells(services, runId, 1);
    expect(cell).toMatchObject({ status: 'error', attempts: 3, error: { code: 'provider_error' } });
    expect(cell?.error?.message).toContain('server error (500)');
    expect(server.requestsFor('fail-500')).toHaveLength(3);
  });

  it('finishes the up provider while the down one fails fast after a few tries', async () => {
    const { services } = await open({ backoff: { ...FAST, maxAttempts: 2 } });
    const up = await call(services, 'providers.save', { name: 'Up', baseUrl: server.baseUrl });
    const down = await call(services, 'providers.save', { name: 'Down', baseUrl: `http://127.0.0.1:${await freePort()}/v1`, concurrency: 1 });
    const rows = 12;
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(rows), columns: [variant(up.id, 'fake-small'), variant(down.id, 'any')] });
    expect(await finished(services, runId)).toBe('done');
    const cells = await allCells(services, runId, rows);
    const upCells = cells.filter((c) => c.columnIndex === 0);
    const downCells = cells.filter((c) => c.columnIndex === 1);
    expect(upCells.every((c) => c.status === 'done')).toBe(true);
    expect(downCells.every((c) => c.status === 'error' && c.error?.code === 'network')).toBe(true);
    // With one request at a time, the first UNREACHABLE_AFTER cells tried; the rest were not sent.
    expect(downCells.filter((c) => (c.attempts ?? 0) > 0)).toHaveLength(UNREACHABLE_AFTER);
    expect(downCells.filter((c) => c.error?.message.startsWith('Not sent'))).toHaveLength(rows - UNREACHABLE_AFTER);
  });

  it('stops mid-run: requests in flight are aborted, the rest cancelled, nothing left pending', async () => {
    const { services } = await open();
    const provider = await call(services, 'providers.save', { name: 'Drip', baseUrl: server.baseUrl, concurrency: 2 });
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(20), columns: [variant(provider.id, 'drip:40')] });
    const done = finished(services, runId);
    await new Promise((r) => setTimeout(r, 400));
    const { stopped } = await call(services, 'runs.stop', { runId });
    expect(stopped).toBeGreaterThan(10);
    expect(await done).toBe('cancelled');
    const progress = await call(services, 'runs.progress', { runId });
    expect(progress.pending + progress.running).toBe(0);
    expect(progress.cancelled).toBeGreaterThan(10);
    expect(progress.done + progress.cancelled + progress.error).toBe(20);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.inFlight).toBe(0);
    expect(server.requests.length).toBeLessThan(20);
  });

  it('serves an unchanged request from the cache, never a repeat, and not when the run says no', async () => {
    const { services } = await open();
    const provider = await call(services, 'providers.save', { name: 'Cached', baseUrl: server.baseUrl });
    const request = { messages: MESSAGES, testCases: cases(3), columns: [variant(provider.id, 'fake-large')] };
    const first = await call(services, 'runs.start', request);
    await finished(services, first.runId);
    expect(server.requestsFor('fake-large')).toHaveLength(3);

    const second = await call(services, 'runs.start', { ...request, repeats: 2 });
    await finished(services, second.runId);
    const cells = await allCells(services, second.runId, 3);
    expect(cells.filter((c) => c.repeat === 0).every((c) => c.cached === true && c.costUsd === 0)).toBe(true);
    expect(cells.filter((c) => c.repeat === 1).every((c) => c.cached !== true)).toBe(true);
    expect(cells.map((c) => c.output)).toEqual((await allCells(services, first.runId, 3)).flatMap((c) => [c.output, c.output]));
    expect(server.requestsFor('fake-large')).toHaveLength(6);
    expect((await call(services, 'runs.progress', { runId: second.runId })).cached).toBe(3);

    const third = await call(services, 'runs.start', { ...request, useCache: false });
    await finished(services, third.runId);
    expect((await allCells(services, third.runId, 3)).some((c) => c.cached)).toBe(false);
    expect(server.requestsFor('fake-large')).toHaveLength(9);

    // A different parameter is a different request.
    const fourth = await call(services, 'runs.start', { ...request, columns: [{ ...variant(provider.id, 'fake-large'), params: { temperature: 0.1 } }] });
    await finished(services, fourth.runId);
    expect(server.requestsFor('fake-large')).toHaveLength(12);
  });

  it('re-runs the failed cells in place, and then selected ones', async () => {
    const { services } = await open({ backoff: { ...FAST, maxAttempts: 1 } });
    const provider = await call(services, 'providers.save', { name: 'Flaky', baseUrl: server.baseUrl });
    // fail-500:2 fails the first two requests only.
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(4), columns: [variant(provider.id, 'fail-500:2')] });
    await finished(services, runId);
    expect((await call(services, 'runs.progress', { runId })).error).toBe(2);
    const rerun = finished(services, runId);
    expect((await call(services, 'runs.rerun', { runId, failed: true })).queued).toBe(2);
    expect(await rerun).toBe('done');
    const cells = await allCells(services, runId, 4);
    expect(cells.every((c) => c.status === 'done')).toBe(true);
    expect(server.requestsFor('fail-500:2')).toHaveLength(6);

    const again = finished(services, runId);
    expect((await call(services, 'runs.rerun', { runId, cellIds: [cells[3]?.id ?? ''] })).queued).toBe(1);
    await again;
    expect(server.requestsFor('fail-500:2')).toHaveLength(7);
  });

  it('keeps a row whose template fails as an error that re-running does not turn into an empty answer', async () => {
    const { services } = await open();
    // dictsort needs a mapping: row 1 (a map) renders, row 2 (a number) does not.
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'v={{ a | dictsort }}' }],
      testCases: [
        { id: 'ok', vars: { a: { x: 1 } } },
        { id: 'bad', vars: { a: 5 } },
      ],
      columns: [variant('echo', 'echo')],
    });
    await finished(services, runId);
    const before = await allCells(services, runId, 2);
    expect(before[1]).toMatchObject({ status: 'error', error: { code: 'template' } });
    expect(before[1]?.error?.message).toMatch(/line 1, column \d+/);
    expect((await call(services, 'runs.rerun', { runId, failed: true })).queued).toBe(0);
    expect((await call(services, 'runs.rerun', { runId, cellIds: [before[1]?.id ?? ''] })).queued).toBe(0);
    expect((await allCells(services, runId, 2))[1]).toMatchObject({ status: 'error', error: { code: 'template' } });
    expect((await call(services, 'runs.progress', { runId })).status).toBe('done');
  });

  it('applies a provider’s new limit of requests at once to the next run', async () => {
    const { services } = await open();
    const provider = await call(services, 'providers.save', { name: 'Limited', baseUrl: server.baseUrl, concurrency: 2 });
    const first = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(12), columns: [variant(provider.id, 'drip:10')], useCache: false });
    await finished(services, first.runId);
    expect(server.maxInFlight).toBe(2);
    server.resetStats();
    await call(services, 'providers.save', { id: provider.id, name: 'Limited', baseUrl: server.baseUrl, concurrency: 6 });
    const second = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(12), columns: [variant(provider.id, 'drip:10')], useCache: false });
    await finished(services, second.runId);
    expect(server.maxInFlight).toBe(6);
  });

  it('stops before it starts when the template does not render for the first row', async () => {
    const { services } = await open();
    const envelope = await dispatch(services.handlers, 'runs.start', {
      messages: [{ role: 'user', content: 'Hello {{ name | nosuchfilter }}' }],
      testCases: cases(2),
      columns: [variant('echo', 'echo')],
    });
    expect(envelope.ok).toBe(false);
    expect((await call(services, 'runs.list', {})).total).toBe(0);
  });
});

describe('a run whose process was killed', () => {
  const webEntry = join(import.meta.dirname, '..', '..', 'out', 'main', 'web.js');

  it.skipIf(!existsSync(webEntry))('is marked interrupted and resumes only the cells that never finished', { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parallax-killed-'));
    dirs.push(dataDir);
    // Browser mode in its own process, on the same data folder, with a provider that drips.
    const child = spawn(process.execPath, [webEntry, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => /^http:\/\/127\.0\.0\.1:\d+\/#token=\S+$/.test(l.trim()));
        if (line) {
          clearTimeout(timer);
          resolve(line.trim());
        }
      });
    });
    const { origin, hash } = new URL(url);
    const token = hash.replace('#token=', '');
    const post = async <T>(method: string, body: unknown): Promise<T> => {
      const response = await fetch(`${origin}/api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const envelope = (await response.json()) as { ok: boolean; data: T; error?: { message: string } };
      if (!envelope.ok) throw new Error(envelope.error?.message);
      return envelope.data;
    };
    const provider = await post<{ id: string }>('providers.save', { name: 'Drip', baseUrl: server.baseUrl, concurrency: 2 });
    const { runId, total } = await post<{ runId: string; total: number }>('runs.start', {
      messages: MESSAGES,
      testCases: cases(12),
      columns: [{ id: 'v', providerId: provider.id, model: 'drip:30', params: {} }],
    });
    expect(total).toBe(12);
    // Let a few cells finish, then kill the process without warning.
    for (let i = 0; i < 100; i++) {
      const progress = await post<{ done: number }>('runs.progress', { runId });
      if (progress.done >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const requestsBefore = server.requestsFor('drip:30').length;

    const { services } = await (async () => {
      const services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: FAST } });
      opened.push(services);
      return { services };
    })();
    // The dead process's lease lapses within seconds (no pid check, no restart): then it reads interrupted.
    let before = await call(services, 'runs.get', { runId });
    const killedAt = Date.now();
    while (before.run.status === 'running' && Date.now() - killedAt < LEASE_MS + 3_000) {
      await new Promise((r) => setTimeout(r, 100));
      before = await call(services, 'runs.get', { runId });
    }
    expect(before.run.status).toBe('interrupted');
    const doneBefore = before.cells.filter((c) => c.status === 'done');
    expect(doneBefore.length).toBeGreaterThanOrEqual(3);
    expect(doneBefore.length).toBeLessThan(12);
    const unfinished = 12 - doneBefore.length;

    const resumed = finished(services, runId);
    expect((await call(services, 'runs.resume', { runId })).queued).toBe(unfinished);
    expect(await resumed).toBe('done');
    const after = await allCells(services, runId, 12);
    expect(after.every((c) => c.status === 'done')).toBe(true);
    // Finished cells kept their answers; only the unfinished ones were asked again.
    for (const cell of doneBefore) expect(after.find((c) => c.id === cell.id)?.output).toBe(cell.output);
    expect(server.requestsFor('drip:30').length - requestsBefore).toBe(unfinished);
  });
});
