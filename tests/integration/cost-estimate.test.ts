/**
 * Cost without usage: a server that streams no `usage` block still gets a price, counted with
 * the tokenizer and marked as an estimate in the cell, the run's progress, the verdict and both
 * exports; a server that sends usage gets the exact figure, unmarked. Against the fake
 * OpenAI-compatible server (support/fake-openai.ts, model `no-usage`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { messageTokens, tokenCount } from '../../src/main/providers/tokens';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { fakeChunks, fakeAnswer, fakePromptTokens, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const PRICE = { inputPerMTok: 3, outputPerMTok: 15 };

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

const priced = (input: number, output: number): number => (input * PRICE.inputPerMTok + output * PRICE.outputPerMTok) / 1_000_000;

let server: FakeOpenAI;
let dir: string;
let services: Services;
let runId: string;
let cells: Cell[];

beforeAll(async () => {
  server = await startFakeOpenAI({ apiKey: 'sk-parallax-test-Cost8vN3kLw5Rt7Yp2' });
  dir = await mkdtemp(join(tmpdir(), 'parallax-cost-'));
  services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  const finished = new Map<string, () => void>();
  services.onEvent((event: AppEvent) => {
    if (event.type === 'run.finished') finished.get(event.runId)?.();
  });
  const provider = await call(services, 'providers.save', { name: 'Local lab', baseUrl: server.baseUrl, apiKey: 'sk-parallax-test-Cost8vN3kLw5Rt7Yp2' });
  // Prices the person saved for both models: one server sends usage, the other does not.
  await call(services, 'prices.save', { overrides: { 'no-usage': PRICE, 'fake-small': PRICE } });
  const started = await call(services, 'runs.start', {
    messages: [
      { role: 'system', content: 'Answer in one line.' },
      { role: 'user', content: 'Explain {{ topic }} to a sailor.' },
    ],
    testCases: [
      { id: 'c1', vars: { topic: 'tides' } },
      { id: 'c2', vars: { topic: 'the Coriolis effect, at length and with examples' } },
    ],
    columns: [
      { id: 'v1', providerId: provider.id, model: 'no-usage', params: {} },
      { id: 'v2', providerId: provider.id, model: 'fake-small', params: {} },
    ],
    repeats: 1,
    useCache: false,
    // A metric name from a file is hostile text: it names the check in the exports.
    assertions: [
      { type: 'icontains', value: 'sailor' },
      { type: 'equals', value: 'never this', metric: '=HYPERLINK("http://x","y")', weight: 3 },
    ],
  });
  runId = started.runId;
  const done = new Promise<void>((resolve) => finished.set(runId, resolve));
  const progress = await call(services, 'runs.progress', { runId });
  if (progress.status === 'running') await done;
  cells = (await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 2 })).cells;
});

afterAll(async () => {
  services.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a server that streams without usage', () => {
  it('the fake server really left usage out for that model only', () => {
    expect(server.requestsFor('no-usage')).toHaveLength(2);
    expect(cells).toHaveLength(4);
    expect(cells.every((c) => c.status === 'done')).toBe(true);
  });

  it('gets a cost counted with the tokenizer, marked as an estimate', () => {
    for (const cell of cells.filter((c) => c.model === 'no-usage')) {
      expect(cell.costEstimated).toBe(true);
      const input = messageTokens(cell.messages);
      const output = tokenCount(cell.output);
      expect(cell.usage).toEqual({ inputTokens: input, outputTokens: output });
      expect(output).toBeGreaterThan(5);
      expect(cell.costUsd).toBeGreaterThan(0);
      expect(cell.costUsd).toBeCloseTo(priced(input, output), 15);
    }
  });

  it('keeps the exact figure, unmarked, when the server sends usage', () => {
    for (const cell of cells.filter((c) => c.model === 'fake-small')) {
      expect(cell.costEstimated).toBeUndefined();
      // The fake server's own counts: its prompt-token rule and one token per chunk.
      const input = fakePromptTokens(cell.messages);
      const output = fakeChunks(fakeAnswer(cell.messages[1]?.content ?? '')).length;
      expect(cell.usage).toEqual({ inputTokens: input, outputTokens: output });
      expect(cell.costUsd).toBeCloseTo(priced(input, output), 15);
    }
  });

  it('says the progress total holds estimates', async () => {
    const progress = await call(services, 'runs.progress', { runId });
    expect(progress.costEstimated).toBe(2);
    const total = cells.reduce((sum, c) => sum + (c.costUsd ?? 0), 0);
    expect(progress.costUsd).toBeCloseTo(total, 15);
  });

  it('gives the verdict a non-zero total marked as an estimate', async () => {
    const verdict = await call(services, 'judge.verdict', { runId });
    const [estimated, exact] = verdict.variants;
    const sum = (model: string): number => cells.filter((c) => c.model === model).reduce((s, c) => s + (c.costUsd ?? 0), 0);
    expect(estimated?.costUsd).toBeGreaterThan(0);
    expect(estimated?.costUsd).toBeCloseTo(sum('no-usage'), 15);
    expect(estimated?.costEstimated).toBe(true);
    expect(exact?.costUsd).toBeCloseTo(sum('fake-small'), 15);
    expect(exact?.costEstimated).toBe(false);
  });

  it('exports the estimate as such in JSON', async () => {
    const file = await call(services, 'runs.export', { runId, format: 'json' });
    const data = JSON.parse(file.text) as {
      cost: { costUsd: number; costEstimated: boolean };
      cells: { model: string; costUsd?: number; costEstimated?: boolean }[];
      verdict: { variants: { costUsd: number; costEstimated?: boolean }[] };
    };
    expect(data.cost.costEstimated).toBe(true);
    expect(data.cost.costUsd).toBeGreaterThan(0);
    expect(data.cost.costUsd).toBeCloseTo(cells.reduce((s, c) => s + (c.costUsd ?? 0), 0), 15);
    for (const cell of data.cells) {
      expect(cell.costUsd).toBeGreaterThan(0);
      expect(cell.costEstimated === true).toBe(cell.model === 'no-usage');
    }
    expect(data.verdict.variants.map((v) => v.costEstimated)).toEqual([true, false]);
    expect(data.verdict.variants[0]?.costUsd).toBeGreaterThan(0);
  });

  it('exports the estimate as such in CSV, with numbers kept numbers', async () => {
    const file = await call(services, 'runs.export', { runId, format: 'csv' });
    const answers = file.text.split('\n\n')[0] ?? '';
    const rows = Papa.parse<Record<string, string>>(answers, { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(Number(row['costUsd'])).toBeGreaterThan(0);
      expect(row['costEstimated']).toBe(row['variant']?.includes('no-usage') ? 'true' : 'false');
    }
  });

  it("exports each check's pass rate per variant, the mean over checks and all-pass, spreadsheet-safe", async () => {
    const file = await call(services, 'runs.export', { runId, format: 'csv' });
    const section = file.text.split('\n\n').find((part) => part.startsWith('kind,variant,check')) ?? '';
    const rows = Papa.parse<Record<string, string>>(section, { header: true, skipEmptyLines: true }).data;
    const of = (variant: string) => rows.filter((r) => r['variant']?.startsWith(variant)).map((r) => [r['check'], r['weight'], r['passed'], r['total'], r['passRate']]);
    // Both variants' answers end "...to a sailor." (the fake echoes the question): the first check passes, the second never.
    expect(of('A: ')).toEqual([
      ['icontains "sailor"', '1', '2', '2', '1'],
      [`'=HYPERLINK("http://x","y")`, '3', '0', '2', '0'],
      ['mean over checks', '', '', '', '0.25'],
      ['all checks passed', '', '', '', '0'],
    ]);
    const verdict = await call(services, 'judge.verdict', { runId });
    expect(verdict.variants[0]?.quality).toBeCloseTo(0.25, 12);
    expect(verdict.variants[0]?.passRate?.estimate).toBe(0);
  });
});
