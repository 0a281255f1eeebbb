/**
 * Batch runs through services against the fake batch engines (support/fake-batch.ts), for both
 * vendors: the happy path at half price, partial failures, expiry and sending the rest live,
 * cancel, a restart that polls the recorded job instead of sending it again, and hostile
 * result files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { LEASE_MS } from '../../src/main/store/store';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { costOfUsage, type Price } from '../../src/shared/prices';
import { FakeBatchServer, type Vendor } from '../support/fake-batch';

const KEYS: Record<Vendor, string> = { openai: 'sk-batchtest-7Kp2Wq9Xc4Vb6Nm8Lz3R', anthropic: 'sk-ant-api03-BatchTest7Kp2Wq9Xc4Vb6' };
const MODEL = 'batch-fake-model';
const PRICE: Price = { inputPerMTok: 3, outputPerMTok: 15 };
const POLL = { firstMs: 5, maxMs: 20 };

let dataDir: string;
let server: FakeBatchServer;
const open: Services[] = [];

function boot(poll: typeof POLL & { windowMs?: number } = POLL, slowEcho = false): Services {
  const services = createServices({
    dataDir,
    door: 'web',
    version: 'test',
    secrets: new MemorySecretStore(),
    env: {},
    runner: { batchPoll: poll },
    ...(slowEcho ? { echo: { chunkDelayMs: 60_000, chunkSize: 1 } } : {}),
  });
  open.push(services);
  return services;
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

async function provider(services: Services, vendor: Vendor): Promise<string> {
  const baseUrl = vendor === 'openai' ? `${server.url}/v1` : server.url;
  const saved = await call(services, 'providers.save', { name: `${vendor} batch (fake)`, kind: vendor, baseUrl, apiKey: KEYS[vendor] });
  await call(services, 'prices.save', { overrides: { [MODEL]: PRICE } });
  return saved.id;
}

async function startBatchRun(services: Services, providerId: string, rows: string[]): Promise<string> {
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: 'Say {{word}}' }],
    testCases: rows.map((word, i) => ({ id: `r${i}`, vars: { word } })),
    columns: [{ id: 'c1', providerId, model: MODEL, params: { temperature: 0 }, batch: true }],
    repeats: 1,
    useCache: false,
  });
  return runId;
}

async function cellsOf(services: Services, runId: string): Promise<MethodOutput<'runs.cell'>[]> {
  const detail = await call(services, 'runs.get', { runId });
  return Promise.all(detail.cells.sort((a, b) => a.caseIndex - b.caseIndex).map((c) => call(services, 'runs.cell', { cellId: c.id })));
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-batch-'));
});

afterEach(async () => {
  for (const services of open.splice(0)) services.close();
  await server.stop();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(['openai', 'anthropic'] as const)('a batch run through %s', (vendor) => {
  it('sends one job with the live bodies, writes every answer at half the list price, and runs the checks', async () => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const events: AppEvent[] = [];
    services.onEvent((e) => events.push(e));
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [
        { id: 'r0', vars: { word: 'alpha' } },
        { id: 'r1', vars: { word: 'beta' } },
      ],
      columns: [{ id: 'c1', providerId, model: MODEL, params: { temperature: 0, maxTokens: 50 }, batch: true }],
      assertions: [{ type: 'contains', value: 'alpha' }],
      repeats: 1,
      useCache: false,
    });
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    const batch = [...server.batches.values()][0];
    const body = batch?.items[0]?.body ?? {};
    expect(body['model']).toBe(MODEL);
    expect(body['stream']).toBeUndefined();
    if (vendor === 'openai') expect(body['max_tokens']).toBe(50);
    else expect(body['max_tokens']).toBe(50);
    // The key went only as the vendor's header, to the fake's own host.
    const auth = server.requests.find((r) => r.method === 'POST')?.headers;
    expect(vendor === 'openai' ? auth?.authorization : auth?.['x-api-key']).toContain(KEYS[vendor]);
    const cells = await cellsOf(services, runId);
    expect(cells.map((c) => c.output)).toEqual(['batch: Say alpha', 'batch: Say beta']);
    expect(cells.map((c) => c.status)).toEqual(['done', 'done']);
    const full = costOfUsage(MODEL, { inputTokens: 10, outputTokens: 5 }, { [MODEL]: PRICE }) ?? 0;
    expect(cells[0]?.costUsd).toBeCloseTo(full / 2, 12);
    expect(cells.map((c) => c.grading?.pass)).toEqual([true, false]);
    const jobs = (await call(services, 'runs.batches', { runId })).jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ vendor, total: 2, fetched: 2, status: vendor === 'openai' ? 'completed' : 'ended' });
    expect(events.some((e) => e.type === 'batch.update' && e.job.status === 'in_progress')).toBe(true);
  });

  it('keeps a partial failure per cell, and expired requests are sent again live', async () => {
    server = new FakeBatchServer({
      autoStep: true,
      stepMs: 6 * 3600_000,
      answer: (_id, body) => {
        const text = JSON.stringify(body['messages']);
        if (text.includes('refuse')) return { kind: 'error', status: 400, message: `bad request ${KEYS[vendor]}` };
        if (text.includes('slow')) return { kind: 'stall' };
        return { kind: 'ok', text: 'fine' };
      },
    });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['ok', 'refuse', 'slow']);
    await services.runner.whenDone(runId);
    const cells = await cellsOf(services, runId);
    expect(cells.map((c) => c.status)).toEqual(['done', 'error', 'error']);
    expect(cells[1]?.error?.code).toBe('provider_error');
    // A key the server echoes is masked.
    expect(cells[1]?.error?.message).not.toContain(KEYS[vendor]);
    expect(cells[2]?.error?.code).toBe('batch_expired');
    // Sent live: the fake has no live endpoint, so the request fails there, but it went live, not in a new batch.
    const { queued } = await call(services, 'runs.sendFailedLive', { runId });
    expect(queued).toBe(1);
    await services.runner.whenDone(runId);
    expect(server.created).toBe(1);
    const live = vendor === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    expect(server.requests.some((r) => r.method === 'POST' && r.path === live)).toBe(true);
    const again = await cellsOf(services, runId);
    expect(again[2]?.error?.code).not.toBe('batch_expired');
    expect(again[0]?.output).toBe('fine');
  });

  it('fails every cell with the vendor\'s reason when the whole batch is refused', async () => {
    server = new FakeBatchServer({ autoStep: true, failValidation: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    const cells = await cellsOf(services, runId);
    expect(cells.map((c) => c.error?.code)).toEqual(['batch_failed', 'batch_failed']);
    // OpenAI takes the job and fails it in validation; Anthropic refuses it when it is created.
    expect(cells[0]?.error?.message).toContain(vendor === 'openai' ? 'The input file is not valid.' : 'Sending the batch failed');
    expect((await call(services, 'runs.batches', { runId })).jobs[0]?.status).toBe('failed');
    expect((await call(services, 'runs.batches', { runId })).failedCells).toBe(2);
  });

  it('cancels the job at the vendor when the run is stopped', async () => {
    server = new FakeBatchServer({ autoStep: true, perStep: 0 });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b']);
    await until(() => [...server.batches.values()].some((b) => b.status === 'in_progress'));
    await call(services, 'runs.stop', { runId });
    expect(await services.runner.whenDone(runId)).toBe('cancelled');
    expect(server.requests.some((r) => r.method === 'POST' && r.path.endsWith('/cancel'))).toBe(true);
    // Polled until the vendor ended it, not left cancelling.
    expect([...server.batches.values()][0]?.status).toBe('cancelled');
    const cells = await cellsOf(services, runId);
    expect(cells.map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
    expect((await call(services, 'runs.batches', { runId })).jobs[0]?.status).toBe(vendor === 'openai' ? 'cancelled' : 'ended');
  });

  it('keeps the answers the vendor gave before a stop', async () => {
    server = new FakeBatchServer({ autoStep: true, perStep: 1 });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b', 'c']);
    await until(() => [...server.batches.values()].some((b) => b.items.some((i) => i.result)));
    server.options.perStep = 0;
    await call(services, 'runs.stop', { runId });
    expect(await services.runner.whenDone(runId)).toBe('cancelled');
    const cells = await cellsOf(services, runId);
    const done = cells.filter((c) => c.status === 'done');
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.every((c) => c.output.startsWith('batch: Say '))).toBe(true);
    expect(cells.filter((c) => c.status === 'cancelled').length).toBe(3 - done.length);
    expect(server.created).toBe(1);
  });

  it('Cancel batch cancels the batch jobs only: the live variant finishes and the run is done', async () => {
    server = new FakeBatchServer({ autoStep: true, perStep: 0 });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [{ id: 'r0', vars: { word: 'a' } }],
      columns: [
        { id: 'c1', providerId, model: MODEL, params: {}, batch: true },
        { id: 'c2', providerId: 'echo', model: 'echo', params: {} },
      ],
      repeats: 1,
      useCache: false,
    });
    await until(() => [...server.batches.values()].some((b) => b.status === 'in_progress'));
    expect(await call(services, 'runs.cancelBatches', { runId })).toEqual({ cancelled: true });
    expect(await services.runner.whenDone(runId)).toBe('done');
    const cells = await cellsOf(services, runId);
    expect(cells.find((c) => c.providerId === providerId)?.status).toBe('cancelled');
    expect(cells.find((c) => c.providerId === 'echo')?.status).toBe('done');
    expect(await call(services, 'runs.cancelBatches', { runId })).toEqual({ cancelled: false });
  });

  it('sends stopped cells again in a new job when the failed ones are re-run', async () => {
    server = new FakeBatchServer({ autoStep: true, perStep: 0 });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b']);
    await until(() => [...server.batches.values()].some((b) => b.status === 'in_progress'));
    await call(services, 'runs.stop', { runId });
    await services.runner.whenDone(runId);
    expect((await cellsOf(services, runId)).map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
    delete server.options.perStep;
    const { queued } = await call(services, 'runs.rerun', { runId, failed: true });
    expect(queued).toBe(2);
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(2);
    expect((await cellsOf(services, runId)).map((c) => c.output)).toEqual(['batch: Say a', 'batch: Say b']);
  });

  it('keeps asking a vendor that cannot be reached for a while, and reads results a broken download left', async () => {
    let outages = 0;
    const isResults = (path: string): boolean => path.endsWith('/content') || path.endsWith('/results');
    let statusOut = 15;
    let resultsOut = 3;
    server = new FakeBatchServer({
      autoStep: true,
      unavailable: ({ method, path }) => {
        if (method !== 'GET') return false;
        if (isResults(path) && resultsOut > 0) {
          resultsOut--;
          outages++;
          return true;
        }
        // More failed polls in a row than the old limit (10) that failed the whole job.
        if (!isResults(path) && statusOut > 0 && server.batches.size > 0) {
          statusOut--;
          outages++;
          return true;
        }
        return false;
      },
    });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(outages).toBe(18);
    expect((await cellsOf(services, runId)).map((c) => c.output)).toEqual(['batch: Say a', 'batch: Say b']);
    expect(server.created).toBe(1);
  });

  it('leaves the cells for a resume when the results cannot be read, and a resume reads them without sending again', async () => {
    let down = true;
    server = new FakeBatchServer({ autoStep: true, unavailable: ({ path }) => down && (path.endsWith('/content') || path.endsWith('/results')) });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a', 'b']);
    expect(await services.runner.whenDone(runId)).toBe('interrupted');
    const left = await cellsOf(services, runId);
    expect(left.map((c) => c.error?.code)).toEqual(['interrupted', 'interrupted']);
    expect(left[0]?.error?.message).toMatch(/Resume the run to read them again/);
    // Not graded, not failed as batch failures: nothing offers to send them live.
    expect((await call(services, 'runs.batches', { runId })).failedCells).toBe(0);
    down = false;
    const { queued } = await call(services, 'runs.resume', { runId });
    expect(queued).toBe(2);
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    expect((await cellsOf(services, runId)).map((c) => c.output)).toEqual(['batch: Say a', 'batch: Say b']);
  });

  it('leaves the cells for a resume once the job\'s window passes with the vendor unreachable', async () => {
    let down = false;
    server = new FakeBatchServer({ autoStep: true, perStep: 0, unavailable: ({ method }) => down && method === 'GET' });
    await server.start();
    const services = boot({ ...POLL, windowMs: 300 });
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a']);
    await until(() => services.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    down = true;
    expect(await services.runner.whenDone(runId)).toBe('interrupted');
    const [cell] = await cellsOf(services, runId);
    expect(cell?.error?.code).toBe('interrupted');
    expect(cell?.error?.message).toMatch(/Resume the run to ask again/);
    expect((await call(services, 'runs.batches', { runId })).jobs[0]?.problem).toMatch(/Could not ask/);
  });

  it('sends the batch again when the vendor refuses the create for a moment (503)', async () => {
    let refusals = 1;
    const create = vendor === 'openai' ? '/v1/batches' : '/v1/messages/batches';
    server = new FakeBatchServer({
      autoStep: true,
      unavailable: ({ method, path }) => {
        if (method !== 'POST' || path !== create || refusals === 0) return false;
        refusals--;
        return true;
      },
    });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['a']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(refusals).toBe(0);
    expect(server.created).toBe(1);
    expect((await cellsOf(services, runId))[0]?.output).toBe('batch: Say a');
  });

  it('polls the recorded job after a restart instead of sending it again', async () => {
    server = new FakeBatchServer({ perStep: 1 });
    await server.start();
    const first = boot();
    const providerId = await provider(first, vendor);
    const runId = await startBatchRun(first, providerId, ['one', 'two']);
    await until(() => first.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    server.step();
    server.step();
    // The app quits with the job at the vendor.
    first.close();
    open.splice(open.indexOf(first), 1);
    const second = boot();
    // The first process's lease lapses.
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    expect((await call(second, 'runs.progress', { runId })).status).toBe('interrupted');
    const { queued } = await call(second, 'runs.resume', { runId });
    expect(queued).toBe(2);
    // Polled again, its cells say In batch (not waiting to be sent).
    const held = second.store.batchJobs.cellIds(second.store.batchJobs.ofRun(runId)[0]?.id ?? '');
    await until(() => held.length === 2 && held.every((id) => second.store.getCell(id)?.error?.code === 'batch'));
    const waiting = await cellsOf(second, runId);
    expect(waiting.map((c) => [c.status, c.error?.code])).toEqual([
      ['running', 'batch'],
      ['running', 'batch'],
    ]);
    server.options.autoStep = true;
    expect(await second.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    expect((await cellsOf(second, runId)).map((c) => c.output)).toEqual(['batch: Say one', 'batch: Say two']);
  });

  it('reads a hostile result file line by line: huge lines, unknown ids, NUL bytes and bad JSON are skipped', async () => {
    server = new FakeBatchServer({
      autoStep: true,
      answer: (_id, body) => ({ kind: 'ok', text: JSON.stringify(body['messages']).includes('formula') ? '=HYPERLINK("javascript:alert(1)")<script>' : 'plain' }),
      rewriteResults: (jsonl) => {
        const lines = jsonl.trim().split('\n');
        // The last real line is dropped: its cell fails as having no result.
        return [
          `{"custom_id":"${'x'.repeat(9 * 1024 * 1024)}"}`,
          '{"custom_id":"not-a-cell","result":{"type":"succeeded"}}',
          '{"custom_id":"nul\u0000","result":{}}',
          '{not json',
          JSON.stringify({ custom_id: { nested: [[[[]]]] } }),
          ...lines.slice(0, -1),
        ].join('\n');
      },
    });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    const runId = await startBatchRun(services, providerId, ['formula', 'plain', 'lost']);
    await services.runner.whenDone(runId);
    const cells = await cellsOf(services, runId);
    expect(cells[0]?.output).toBe('=HYPERLINK("javascript:alert(1)")<script>');
    expect(cells[1]?.output).toBe('plain');
    expect(cells[2]?.status).toBe('error');
    expect(cells[2]?.error?.code).toBe('batch_failed');
    expect(cells[2]?.error?.message).toMatch(/line\(s\) of the result file could not be used/);
    const job = (await call(services, 'runs.batches', { runId })).jobs[0];
    expect(job?.problem).toMatch(/5 line\(s\)/);
  });
});

describe('an OpenAI batch whose create answer was lost', () => {
  it('is found by its tag before a retry, not sent twice', async () => {
    server = new FakeBatchServer({ autoStep: true, afterCreate: () => (server.created === 1 ? 'lost' : undefined) });
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'openai');
    const runId = await startBatchRun(services, providerId, ['a']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    const [batch] = [...server.batches.values()];
    expect(batch?.metadata).toEqual({ parallax_job: services.store.batchJobs.ofRun(runId)[0]?.id });
    expect((await cellsOf(services, runId))[0]?.output).toBe('batch: Say a');
  });

  it('is found by its tag on a resume after a quit mid-send', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    server = new FakeBatchServer({ afterCreate: () => held });
    await server.start();
    const first = boot();
    const providerId = await provider(first, 'openai');
    const runId = await startBatchRun(first, providerId, ['a']);
    await until(() => server.created === 1);
    // The app quits before the vendor's answer comes: the job is recorded without its id.
    first.close();
    open.splice(open.indexOf(first), 1);
    release();
    server.options.autoStep = true;
    const second = boot();
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    expect(second.store.batchJobs.ofRun(runId)[0]?.remoteId).toBeUndefined();
    await call(second, 'runs.resume', { runId });
    expect(await second.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    expect((await cellsOf(second, runId))[0]?.output).toBe('batch: Say a');
  });
});

describe('perplexity checks on a batch variant', () => {
  it('ask OpenAI for log-probabilities in the batch and grade from them', async () => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'openai');
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [
        { id: 'r0', vars: { word: 'a' }, assert: [{ type: 'perplexity', threshold: 1.5 }] },
        { id: 'r1', vars: { word: 'b' }, assert: [{ type: 'perplexity', threshold: 1.1 }] },
      ],
      columns: [{ id: 'c1', providerId, model: MODEL, params: {}, batch: true }],
      repeats: 1,
      useCache: false,
    });
    expect(await services.runner.whenDone(runId)).toBe('done');
    const bodies = [...server.batches.values()].flatMap((b) => b.items.map((i) => i.body));
    expect(bodies.map((b) => b['logprobs'])).toEqual([true, true]);
    const cells = await cellsOf(services, runId);
    // 'batch: Say a' is three tokens at -0.25: perplexity e^0.25 ≈ 1.28.
    expect(cells[0]?.logprobs).toEqual({ sum: -0.75, count: 3 });
    expect(cells.map((c) => c.grading?.pass)).toEqual([true, false]);
  });
});

describe('the app on start, and the estimate', () => {
  it('resumes a run a quit left with a batch at the vendor, polling the recorded job', async () => {
    server = new FakeBatchServer();
    await server.start();
    const first = boot();
    const providerId = await provider(first, 'openai');
    const runId = await startBatchRun(first, providerId, ['kept']);
    await until(() => first.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    first.close();
    open.splice(open.indexOf(first), 1);
    server.options.autoStep = true;
    const second = boot();
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    await second.resumeBatches();
    expect(second.runner.isActive(runId)).toBe(true);
    expect(await second.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    expect((await cellsOf(second, runId))[0]?.output).toBe('batch: Say kept');
  });

  it('on start polls only the cells a vendor holds: a live variant\'s interrupted cells wait for Resume', async () => {
    server = new FakeBatchServer();
    await server.start();
    const first = boot(POLL, true);
    const providerId = await provider(first, 'openai');
    const { runId } = await call(first, 'runs.start', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [{ id: 'r0', vars: { word: 'kept' } }],
      columns: [
        { id: 'c1', providerId, model: MODEL, params: {}, batch: true },
        { id: 'c2', providerId: 'echo', model: 'echo', params: {} },
      ],
      repeats: 1,
      useCache: false,
    });
    await until(() => first.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    first.close();
    open.splice(open.indexOf(first), 1);
    server.options.autoStep = true;
    const second = boot();
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    await second.resumeBatches();
    expect(second.runner.isActive(runId)).toBe(true);
    expect(await second.runner.whenDone(runId)).toBe('interrupted');
    const cells = await cellsOf(second, runId);
    const batch = cells.find((c) => c.providerId === providerId);
    const live = cells.find((c) => c.providerId === 'echo');
    expect(batch?.output).toBe('batch: Say kept');
    expect(live?.error?.code).toBe('interrupted');
    expect(server.created).toBe(1);
  });

  it('on start leaves a batch whose provider no longer resolves interrupted, not failed', async () => {
    server = new FakeBatchServer();
    await server.start();
    const first = boot();
    const providerId = await provider(first, 'openai');
    const runId = await startBatchRun(first, providerId, ['kept']);
    await until(() => first.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    first.close();
    open.splice(open.indexOf(first), 1);
    const asked = server.requests.length;
    const second = boot();
    await call(second, 'providers.remove', { id: providerId });
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    await second.resumeBatches();
    expect(second.runner.isActive(runId)).toBe(false);
    expect((await call(second, 'runs.progress', { runId })).status).toBe('interrupted');
    const [cell] = await cellsOf(second, runId);
    expect(cell?.error?.code).toBe('interrupted');
    expect(server.requests.slice(asked)).toHaveLength(0);
  });

  it('prices a batch variant at half the list price', async () => {
    server = new FakeBatchServer();
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'openai');
    const column = { id: 'c1', providerId, model: MODEL, params: { maxTokens: 100 } };
    const estimate = await call(services, 'runs.estimate', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [{ id: 'r0', vars: { word: 'a' } }],
      columns: [column, { ...column, id: 'c2', batch: true }],
      repeats: 1,
    });
    const [live, batch] = estimate.columns;
    expect(live?.costUsd).toBeGreaterThan(0);
    expect(batch?.batch).toBe(true);
    expect(batch?.costUsd).toBeCloseTo((live?.costUsd ?? 0) / 2, 12);
  });

  it('prices a batch variant at the list price when its provider cannot batch (Gemini), without loading its SDK to ask', async () => {
    server = new FakeBatchServer();
    await server.start();
    const services = boot();
    const saved = await call(services, 'providers.save', { name: 'gemini (fake)', kind: 'google', baseUrl: server.url, apiKey: 'AIzaBatchTest7Kp2Wq9Xc4Vb6Nm8Lz3R' });
    await call(services, 'prices.save', { overrides: { [MODEL]: PRICE } });
    const column = { id: 'c1', providerId: saved.id, model: MODEL, params: { maxTokens: 100 } };
    const estimate = await call(services, 'runs.estimate', {
      messages: [{ role: 'user', content: 'Say {{word}}' }],
      testCases: [{ id: 'r0', vars: { word: 'a' } }],
      columns: [column, { ...column, id: 'c2', batch: true }],
      repeats: 1,
    });
    const [live, batch] = estimate.columns;
    expect(batch?.batch).toBeUndefined();
    expect(batch?.costUsd).toBeCloseTo(live?.costUsd ?? 0, 12);
    const resolved = await services.registry.resolve(saved.id);
    expect(resolved.provider.batchApi).toBeUndefined();
    const anthropic = await services.registry.resolve(await provider(services, 'anthropic'));
    expect(typeof anthropic.provider.batchApi).toBe('function');
  });
});

describe('personal data in a batch', () => {
  it('a request the policy blocks never goes into the batch', async () => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'openai');
    await call(services, 'pii.save', { providerId, settings: { remote: true, policy: 'block' } });
    const runId = await startBatchRun(services, providerId, ['mail jane.doe@example.com now', 'plain words']);
    await services.runner.whenDone(runId);
    const sent = [...server.batches.values()].flatMap((b) => b.items.map((i) => JSON.stringify(i.body)));
    expect(sent).toHaveLength(1);
    expect(sent.join('')).not.toContain('jane.doe@example.com');
    const cells = await cellsOf(services, runId);
    expect(cells[0]?.error?.code).toBe('pii_blocked');
    expect(cells[1]?.output).toBe('batch: Say plain words');
  });

  it.each(['openai', 'anthropic'] as const)('%s: a masked request goes into the batch with placeholders; its answer gets the values back', async (vendor) => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, vendor);
    await call(services, 'pii.save', { providerId, settings: { remote: true, policy: 'mask' } });
    const runId = await startBatchRun(services, providerId, ['mail jane.doe@example.com now', 'plain words']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    const sent = [...server.batches.values()].flatMap((b) => b.items.map((i) => JSON.stringify(i.body)));
    expect(sent).toHaveLength(2);
    expect(sent.join('')).not.toContain('jane.doe@example.com');
    expect(sent.join('')).toContain('mail [EMAIL_1] now');
    const cells = await cellsOf(services, runId);
    expect(cells[0]?.output).toBe('batch: Say mail jane.doe@example.com now');
    expect(cells[0]?.sentMessages?.[0]?.content).toBe('Say mail [EMAIL_1] now');
    expect(cells[0]?.pii).toEqual({ policy: 'mask', counts: { email: 1 } });
    expect(cells[1]?.output).toBe('batch: Say plain words');
  });

  it('a masked job resumed after a restart has its answers restored (the mapping rebuilt from the rendered messages)', async () => {
    server = new FakeBatchServer({ perStep: 1 });
    await server.start();
    const first = boot();
    const providerId = await provider(first, 'openai');
    await call(first, 'pii.save', { providerId, settings: { remote: true, policy: 'mask' } });
    const runId = await startBatchRun(first, providerId, ['mail jane.doe@example.com now']);
    await until(() => first.store.batchJobs.ofRun(runId)[0]?.remoteId !== undefined);
    first.close();
    open.splice(open.indexOf(first), 1);
    server.options.autoStep = true;
    const second = boot();
    second.store.markInterrupted(Date.now() + LEASE_MS + 1000);
    await second.resumeBatches();
    expect(await second.runner.whenDone(runId)).toBe('done');
    expect(server.created).toBe(1);
    const [cell] = await cellsOf(second, runId);
    expect(cell?.output).toBe('batch: Say mail jane.doe@example.com now');
    expect(cell?.sentMessages?.[0]?.content).toBe('Say mail [EMAIL_1] now');
  });
});

describe('a result line that cannot be read', () => {
  it('(a tool input nested past the stack) is one bad line; the other answers are written', async () => {
    const depth = 200_000;
    server = new FakeBatchServer({
      autoStep: true,
      rewriteResults: (jsonl) => {
        const [first, ...rest] = jsonl.trim().split('\n');
        const id = (JSON.parse(first ?? '{}') as { custom_id: string }).custom_id;
        const nested = `{"custom_id":"${id}","result":{"type":"succeeded","message":{"content":[{"type":"tool_use","id":"t","name":"f","input":${'['.repeat(depth)}${']'.repeat(depth)}}],"stop_reason":"tool_use"}}}`;
        return [nested, ...rest].join('\n');
      },
    });
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'anthropic');
    const runId = await startBatchRun(services, providerId, ['deep', 'fine']);
    expect(await services.runner.whenDone(runId)).toBe('done');
    const cells = await cellsOf(services, runId);
    expect(cells[0]?.error?.code).toBe('batch_failed');
    expect(cells[1]?.output).toBe('batch: Say fine');
    expect((await call(services, 'runs.batches', { runId })).jobs[0]?.problem).toMatch(/1 line\(s\)/);
  });
});

describe('batch results from another host', () => {
  it('are not read when Anthropic names a results URL off its base URL', async () => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    const services = boot();
    const providerId = await provider(services, 'anthropic');
    // The same fake under another name: a different origin for the same server.
    const other = server.url.replace('127.0.0.1', 'localhost');
    const original = server.url;
    server.url = other;
    const runId = await startBatchRun(services, providerId, ['x']);
    await services.runner.whenDone(runId);
    server.url = original;
    const cells = await cellsOf(services, runId);
    expect(cells[0]?.status).toBe('error');
    expect((await call(services, 'runs.batches', { runId })).jobs[0]?.problem).toMatch(/another host/);
    expect(server.requests.some((r) => r.path.endsWith('/results'))).toBe(false);
  });
});
