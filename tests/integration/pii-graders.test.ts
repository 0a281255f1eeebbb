/**
 * Grader calls under the judge provider's personal-data policy: the judge's prompt (llm-rubric,
 * with the row's values and the restored answer in it), /embeddings (similar), /moderations and
 * the pairwise judge reach a remote-marked judge with placeholders only; under block nothing is
 * sent and the checks fail saying why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const EMAIL = 'grace.hopper@example.com';
const PHONE = '+1 415 555 2671';
const ASK = `Write to ${EMAIL} or call ${PHONE}.`;

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

let server: FakeOpenAI;
let dataDir: string;
let services: Services;
let judgeId: string;
const events: AppEvent[] = [];

beforeAll(async () => {
  server = await startFakeOpenAI({ chunkSize: 3 });
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-pii-graders-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: { maxAttempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 } } });
  services.onEvent((event) => events.push(event));
  judgeId = (await call(services, 'providers.save', { name: 'Remote judge', baseUrl: server.baseUrl, apiKey: 'sk-fake-0123456789abcdef' })).id;
});

afterAll(async () => {
  await services.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  server.resetStats();
  events.length = 0;
});

/** A run whose answers (echo, local: sent as is) hold the values, graded by the remote judge. */
async function gradedRun(columns = 1): Promise<{ runId: string; cells: Cell[] }> {
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: '{{ask}}' }],
    testCases: [{ id: 'c1', vars: { ask: ASK } }],
    columns: Array.from({ length: columns }, (_, i) => ({ id: `col${i}`, providerId: 'echo', model: `echo-${i}`, params: {} })),
    repeats: 1,
    assertions: [
      { type: 'llm-rubric', value: 'Gives the address {{ask}}' },
      { type: 'similar', value: '{{ask}}', threshold: 0.5 },
      { type: 'moderation' },
    ],
    judge: { providerId: judgeId, model: 'fake-judge-model' },
  });
  for (let i = 0; i < 400 && !events.some((e) => e.type === 'run.finished' && e.runId === runId); i++) await new Promise((r) => setTimeout(r, 25));
  if (!events.some((e) => e.type === 'run.finished' && e.runId === runId)) throw new Error('the run did not finish');
  const { cells } = await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 1 });
  return { runId, cells: await Promise.all(cells.map((c) => call(services, 'runs.cell', { cellId: c.id }))) };
}

const wire = (): string => server.requests.map((r) => r.rawBody).join('\n');

describe('grader calls and personal data', () => {
  it('a remote judge receives placeholders only: rubric prompt, embeddings and moderation', async () => {
    await call(services, 'pii.save', { providerId: judgeId, settings: { remote: true, policy: 'mask' } });
    const { cells } = await gradedRun();
    const cell = cells[0];
    expect(cell?.output).toContain(EMAIL);
    const paths = new Set(server.requests.map((r) => r.path));
    expect(paths).toEqual(new Set(['/v1/chat/completions', '/v1/embeddings', '/v1/moderations']));
    for (const value of [EMAIL, PHONE, 'grace.hopper', '555 2671']) expect(wire()).not.toContain(value);
    expect(wire()).toContain('[EMAIL_1]');
    // Each check was graded (not failed by a refusal).
    expect(cell?.grading?.componentResults.map((c) => c.reason).join('\n')).not.toContain('Not sent');
  });

  it('the pairwise judge (llm-pairwise) gets placeholders too', async () => {
    await call(services, 'pii.save', { providerId: judgeId, settings: { remote: true, policy: 'mask' } });
    const { runId } = await gradedRun(2);
    server.resetStats();
    await call(services, 'judge.pairwise', { runId, providerId: judgeId, model: 'fake-judge-model' });
    expect(server.requests.filter((r) => r.path === '/v1/chat/completions').length).toBeGreaterThan(0);
    for (const value of [EMAIL, PHONE]) expect(wire()).not.toContain(value);
    expect(wire()).toContain('[EMAIL_1]');
  });

  it('block sends the judge nothing and fails its checks, naming kinds, never values', async () => {
    await call(services, 'pii.save', { providerId: judgeId, settings: { remote: true, policy: 'block' } });
    const { cells } = await gradedRun();
    expect(server.requests).toHaveLength(0);
    const results = cells[0]?.grading?.componentResults ?? [];
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect(result.pass).toBe(false);
      expect(result.reason).toContain('personal-data policy is block');
      expect(result.reason).not.toContain(EMAIL);
    }
  });

  it('a local judge (policy off) is sent the request as it is', async () => {
    await call(services, 'pii.save', { providerId: judgeId, settings: {} });
    await gradedRun();
    expect(wire()).toContain(EMAIL);
  });
});
