/**
 * Personal data on the wire: a provider marked remote (here the fake server on 127.0.0.1,
 * through the override) receives placeholders, never the values; the stored request is the
 * masked one, the answer shown and stored has the values back, `block` sends nothing and
 * `warn` sends as is but marks the cell.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell, RunStatus } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const EMAIL = 'grace.hopper@example.com';
const PHONE = '+1 415 555 2671';
const CARD = '4111 1111 1111 1111';
const USER = `Reply to ${EMAIL} or call ${PHONE}; card ${CARD}; again ${EMAIL}.`;

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

let server: FakeOpenAI;
let dataDir: string;
let services: Services;
let providerId: string;
const events: AppEvent[] = [];

beforeAll(async () => {
  server = await startFakeOpenAI({ chunkSize: 3 });
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-pii-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: { maxAttempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 } } });
  services.onEvent((event) => events.push(event));
  providerId = (await call(services, 'providers.save', { name: 'Fake remote', baseUrl: server.baseUrl, apiKey: 'sk-fake-0123456789abcdef' })).id;
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

async function run(useCache = false, ask = USER): Promise<{ cell: Cell; status: RunStatus }> {
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: '{{ask}}' }],
    testCases: [{ id: 'c1', vars: { ask } }],
    columns: [{ id: 'col', providerId, model: 'fake-large', params: {} }],
    repeats: 1,
    useCache,
  });
  for (let i = 0; i < 400 && !events.some((e) => e.type === 'run.finished' && e.runId === runId); i++) await new Promise((r) => setTimeout(r, 25));
  const finished = events.find((e) => e.type === 'run.finished' && e.runId === runId);
  if (finished?.type !== 'run.finished') throw new Error('the run did not finish');
  const { cells } = await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 1 });
  const cell = await call(services, 'runs.cell', { cellId: cells[0]?.id ?? '' });
  return { cell, status: finished.status };
}

describe('personal data and a remote provider', () => {
  it('a loopback provider is not remote by default: sent as is', async () => {
    expect((await call(services, 'pii.settings', {}))[providerId]).toMatchObject({ remote: false, policy: 'off' });
    const { cell } = await run();
    expect(server.requests.some((r) => r.rawBody.includes(EMAIL))).toBe(true);
    expect(cell.pii).toBeUndefined();
  });

  it('marked remote, it masks: the wire and the stored request carry placeholders, the answer the values', async () => {
    expect(await call(services, 'pii.save', { providerId, settings: { remote: true } })).toMatchObject({ remote: true, policy: 'mask', remoteSet: true });
    const { cell } = await run();
    const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chats).toHaveLength(1);
    const body = chats[0]?.rawBody ?? '';
    for (const value of [EMAIL, PHONE, CARD, 'grace.hopper', '4111 1111', '555 2671']) expect(body).not.toContain(value);
    expect(body).toContain('Reply to [EMAIL_1] or call [PHONE_1]; card [CARD_1]; again [EMAIL_1].');
    // The fake answers "You said: <the text it got>": the placeholders come back and are restored.
    expect(cell.output).toBe(`You said: ${USER}`);
    // What went out is kept as sent; the rendered request stays the cell's, so it can be asked again.
    expect(cell.sentMessages?.[0]?.content).toBe('Reply to [EMAIL_1] or call [PHONE_1]; card [CARD_1]; again [EMAIL_1].');
    expect(cell.messages[0]?.content).toBe(USER);
    expect(cell.pii).toEqual({ policy: 'mask', counts: { email: 2, phone: 1, card: 1 } });
    // What streamed to the page had the values back too (a placeholder split across chunks included).
    const streamed = events.flatMap((e) => (e.type === 'cell.delta' ? [e.text] : [])).join('');
    expect(streamed).toBe(`You said: ${USER}`);
  });

  it('a masked cell run again is masked afresh: placeholders on the wire, the values in the answer', async () => {
    const { cell: first } = await run();
    server.resetStats();
    events.length = 0;
    expect(await call(services, 'runs.rerun', { runId: first.runId, cellIds: [first.id] })).toEqual({ queued: 1 });
    for (let i = 0; i < 400 && !events.some((e) => e.type === 'run.finished' && e.runId === first.runId); i++) await new Promise((r) => setTimeout(r, 25));
    const again = await call(services, 'runs.cell', { cellId: first.id });
    const body = server.requests.find((r) => r.path.endsWith('/chat/completions'))?.rawBody ?? '';
    expect(body).toContain('Reply to [EMAIL_1] or call [PHONE_1]; card [CARD_1]; again [EMAIL_1].');
    expect(body).not.toContain(EMAIL);
    expect(again.output).toBe(`You said: ${USER}`);
    expect(again.sentMessages?.[0]?.content).toContain('[EMAIL_1]');
  });

  it('a cached answer has its reasoning and tool calls restored too', async () => {
    server.script({
      kind: 'chat-script',
      reasoning: ['Write to [EMAIL_1]', ' now.'],
      text: ['Done for [EMAIL_1].'],
      calls: [{ name: 'send_mail', arguments: '{"to":"[EMAIL_1]"}' }],
      usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
    });
    // Its own request, so the cache test below starts empty.
    const ask = `Mail ${EMAIL}.`;
    const live = await run(true, ask);
    expect(live.cell.reasoning).toBe(`Write to ${EMAIL} now.`);
    const cached = await run(true, ask);
    expect(cached.cell.cached).toBe(true);
    expect(cached.cell.output).toBe(`Done for ${EMAIL}.`);
    expect(cached.cell.reasoning).toBe(`Write to ${EMAIL} now.`);
    expect(cached.cell.toolCalls?.[0]?.arguments).toBe(`{"to":"${EMAIL}"}`);
  });

  it('the cache is keyed on the masked request and its answer is restored when served', async () => {
    const first = await run(true);
    expect(first.cell.cached).toBeUndefined();
    server.resetStats();
    const second = await run(true);
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
    expect(second.cell.cached).toBe(true);
    expect(second.cell.output).toBe(`You said: ${USER}`);
  });

  it('block sends nothing and names the kinds, never the values', async () => {
    await call(services, 'pii.save', { providerId, settings: { remote: true, policy: 'block' } });
    const { cell } = await run();
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
    expect(cell.status).toBe('error');
    expect(cell.error?.code).toBe('pii_blocked');
    expect(cell.error?.message).toContain('2 email, 1 phone, 1 card');
    for (const value of [EMAIL, PHONE, CARD]) expect(cell.error?.message).not.toContain(value);
  });

  it('warn sends as is and marks the cell', async () => {
    await call(services, 'pii.save', { providerId, settings: { remote: true, policy: 'warn' } });
    const { cell } = await run();
    expect(server.requests.some((r) => r.rawBody.includes(EMAIL))).toBe(true);
    expect(cell.pii).toEqual({ policy: 'warn', counts: { email: 2, phone: 1, card: 1 } });
    expect(cell.messages[0]?.content).toBe(USER);
  });

  it('the preview lists what would be masked, with hints rather than values', async () => {
    await call(services, 'pii.save', { providerId, settings: { remote: true } });
    const preview = await call(services, 'pii.preview', { providerId, messages: [{ role: 'user', content: USER }] });
    expect(preview.pii.policy).toBe('mask');
    expect(preview.found).toEqual([
      { placeholder: '[EMAIL_1]', kind: 'email', hint: 'g…@…' },
      { placeholder: '[PHONE_1]', kind: 'phone', hint: '+1…' },
      { placeholder: '[CARD_1]', kind: 'card', hint: '41…' },
    ]);
    expect(JSON.stringify(preview)).not.toContain(EMAIL);
  });
});
