/**
 * A run through services with a saved provider of kind `anthropic` pointing at the fake
 * Messages API (support/fake-anthropic.ts): the cell ends with the thinking apart from the
 * answer, the tool call, usage with the cache's writes and reads, and a cost priced from them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { costOfUsage, type Price } from '../../src/shared/prices';
import { FAKE_INPUT_TOKENS, fakeAnthropicAnswer, startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

const KEY = 'sk-ant-api03-RunTest7Kp2Wq9Xc4Vb6Nm8';
const MODEL = 'claude-fake-sonnet';
/** Claude-like prices for the fake model, in this test's table only (the built-in list is not this file's). */
const PRICE: Price = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 };

let server: FakeAnthropic;
let dataDir: string;
let services: Services;
let providerId: string;

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

beforeAll(async () => {
  server = await startFakeAnthropic({ apiKey: KEY });
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-anthropic-run-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  providerId = (await call('providers.save', { name: 'Claude (fake)', kind: 'anthropic', baseUrl: server.baseUrl, apiKey: KEY })).id;
  await call('prices.save', { overrides: { [MODEL]: PRICE } });
});

afterAll(async () => {
  services.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a run with an Anthropic provider', () => {
  it('lists the models of every page', async () => {
    const listed = await call('providers.models', { providerId });
    expect(listed.models).toContain(MODEL);
    expect(listed.models).toContain('claude-fake-mini');
  });

  it('ends with the cell holding reasoning, tool calls, usage with cache figures and its cost', async () => {
    server.reset();
    server.script({
      kind: 'tool',
      thinking: 'The port is named: look up its tides.',
      text: 'Looking it up.',
      name: 'get_tide',
      id: 'toolu_run_1',
      pieces: ['{"po', 'rt": "{{', 'Brest}}"}'],
      cache: { write: 2000, read: 500 },
      thinkingTokens: 30,
    });
    const { runId } = await call('runs.start', {
      messages: [
        { role: 'system', content: 'You answer sailors. Long shared context.', cache: true },
        { role: 'user', content: 'Tides at {{port}}?' },
      ],
      testCases: [{ id: 'r1', vars: { port: 'Brest' } }],
      columns: [{ id: 'c1', providerId, model: MODEL, params: { thinkingBudget: 1024 } }],
      tools: [{ name: 'get_tide', description: 'Tide times for a port', parameters: { type: 'object', properties: { port: { type: 'string' } }, required: ['port'] } }],
      toolChoice: 'auto',
      repeats: 1,
      useCache: false,
    });
    await services.runner.whenDone(runId);
    const detail = await call('runs.get', { runId });
    const cell = await call('runs.cell', { cellId: detail.cells[0]?.id ?? '' });
    expect(cell.error).toBeUndefined();
    expect(cell.status).toBe('done');
    expect(cell.output).toBe('Looking it up.');
    expect(cell.reasoning).toBe('The port is named: look up its tides.');
    expect(cell.toolCalls).toEqual([{ id: 'toolu_run_1', name: 'get_tide', arguments: '{"port": "{{Brest}}"}' }]);
    expect(cell.finishReason).toBe('tool_use');
    const usage = { inputTokens: FAKE_INPUT_TOKENS + 2000 + 500, outputTokens: 40, cacheReadTokens: 500, cacheWriteTokens: 2000, reasoningTokens: 30 };
    expect(cell.usage).toEqual(usage);
    const cost = costOfUsage(MODEL, usage, { [MODEL]: PRICE });
    expect(cost).toBeDefined();
    // 21 × $3 + 500 × $0.30 + 2000 × $3.75 per million in, 40 × $15 per million out.
    expect(cost).toBeCloseTo((21 * 3 + 500 * 0.3 + 2000 * 3.75 + 40 * 15) / 1_000_000, 12);
    expect(cell.costUsd).toBeCloseTo(cost ?? -1, 12);
    expect(cell.ttftMs).toBeGreaterThanOrEqual(0);

    // What went over the wire: the system prompt cached at the top level, the prompt's tools, thinking.
    const body = server.messageRequests()[0]?.body as Record<string, unknown>;
    expect(body.system).toEqual([{ type: 'text', text: 'You answer sailors. Long shared context.', cache_control: { type: 'ephemeral' } }]);
    expect(body.messages).toEqual([{ role: 'user', content: 'Tides at Brest?' }]);
    expect(body.tools).toEqual([{ name: 'get_tide', description: 'Tide times for a port', input_schema: { type: 'object', properties: { port: { type: 'string' } }, required: ['port'] } }]);
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(JSON.stringify(detail)).not.toContain(KEY);
  });

  it('retries a 529 overloaded answer and then succeeds', async () => {
    server.reset();
    server.script({ kind: 'overloaded' });
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: 'Say hi to {{name}}.' }],
      testCases: [{ id: 'r1', vars: { name: 'Ada' } }],
      columns: [{ id: 'c1', providerId, model: MODEL, params: {} }],
      repeats: 1,
      useCache: false,
    });
    await services.runner.whenDone(runId);
    const detail = await call('runs.get', { runId });
    const cell = await call('runs.cell', { cellId: detail.cells[0]?.id ?? '' });
    expect(cell.status).toBe('done');
    expect(cell.output).toBe(fakeAnthropicAnswer('Say hi to Ada.'));
    expect(server.messageRequests().length).toBe(2);
  }, 30_000);
});
