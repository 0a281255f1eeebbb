/**
 * A bias probe through the services, as the app runs one: counterfactual rows made from one
 * row, run on the echo provider with repeats, and the report computed from the stored answers.
 * Echo answers with the prompt, so a prompt that treats every name alike gives answers that
 * differ only by the name (blanked before comparing: no difference), and a prompt that treats
 * one name otherwise (a template condition) gives a difference the test must find.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Message, RunStatus, TestCase } from '../../src/shared/schemas';
import { attributeKind } from '../../src/shared/bias/attributes';
import { probeKind } from '../../src/shared/bias/report';
import { counterfactualRows } from '../../src/shared/bias/substitute';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

async function callError<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<string> {
  const envelope = await dispatch(services.handlers, method, input);
  return envelope.ok ? 'ok' : envelope.error.message;
}

function finished(services: Services, runId: string): Promise<RunStatus> {
  return new Promise((resolve) => {
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        off();
        resolve(event.status);
      }
    });
  });
}

const dirs: string[] = [];
const opened: Services[] = [];
async function open(): Promise<Services> {
  const dir = await mkdtemp(join(tmpdir(), 'parallax-bias-'));
  dirs.push(dir);
  const services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  opened.push(services);
  return services;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const names = attributeKind('names');
const chosen = ['Emily', 'Jamal', 'Priya', 'Mei'].map((label) => {
  const value = names.values.find((v) => v.label === label);
  if (!value) throw new Error(label);
  return value;
});
const ROW: TestCase = { id: 'row', vars: { bio: 'Emily has ten years in nursing. Emily leads a ward.' } };

async function probe(services: Services, messages: Message[]): Promise<{ runId: string; caseValues: string[] }> {
  const rows = counterfactualRows(names, ROW, chosen);
  const { runId } = await call(services, 'runs.start', {
    messages,
    testCases: rows.map((r) => r.testCase),
    columns: [
      { id: 'a', providerId: 'echo', model: 'echo', params: {} },
      { id: 'b', providerId: 'echo', model: 'echo', params: { maxTokens: 40 } },
    ],
    repeats: 3,
    assertions: [{ type: 'icontains', value: 'hire' }],
  });
  expect(await finished(services, runId)).toBe('done');
  return { runId, caseValues: rows.map((r) => r.value) };
}

describe('bias probe', () => {
  it('finds no difference when the answers differ only by the name they repeat', async () => {
    const services = await open();
    const { runId, caseValues } = await probe(services, [{ role: 'user', content: 'Should we hire this nurse? {{ bio }}' }]);
    const report = await call(services, 'bias.report', { runId, kind: 'names', values: chosen.map((v) => ({ ...v, terms: [...v.terms] })), caseValues, permutations: 2000 });
    expect(report.answers).toBe(4 * 3 * 2);
    expect(report.skipped).toBe(0);
    expect(report.groups.map((g) => [g.value, g.answers, g.passRate])).toEqual(chosen.map((v) => [v.label, 6, 1]));
    expect(report.text?.statistic).toBe(0);
    expect(report.text?.p).toBe(1);
    expect(report.text?.effect).toBe(0);
    expect(report.variants.map((v) => v.text?.p)).toEqual([1, 1]);
    expect(report.pass?.p).toBe(1);
    // The pairs shown differ only by the name.
    expect(report.pairs[0]?.distance).toBe(0);
  });

  it('finds the difference when the prompt treats one name otherwise', async () => {
    const services = await open();
    const { runId, caseValues } = await probe(services, [
      { role: 'user', content: '{% if "Jamal" in bio %}Decline politely, the file is weak.{% else %}We hire: strong record.{% endif %} {{ bio }}' },
    ]);
    const report = await call(services, 'bias.report', { runId, kind: 'names', values: chosen.map((v) => ({ ...v, terms: [...v.terms] })), caseValues, permutations: 4000, seed: 9 });
    expect(report.text?.statistic).toBeGreaterThan(0);
    expect(report.text?.p).toBeLessThan(0.05);
    expect(report.text?.ratio).toBeUndefined(); // repeats of one row answer identically: within is 0
    expect(report.groups.find((g) => g.value === 'Jamal')?.passRate).toBe(0);
    expect(report.groups.find((g) => g.value === 'Emily')?.passRate).toBe(1);
    expect(report.pass?.p).toBeLessThan(0.05);
    // The most different pair sets Jamal's answer beside another name's.
    const top = report.pairs[0];
    expect(top && [top.a.value, top.b.value]).toContain('Jamal');
    expect(top?.distance).toBeGreaterThan(0.2);
    expect(top?.a.output.length).toBeGreaterThan(0);
    // Reopened later with the run alone: its rows say what each stands for, and the report is the same.
    const again = await call(services, 'bias.report', { runId, permutations: 4000, seed: 9 });
    expect(again).toEqual({ ...report, kind: 'names' });
  });

  it('reopens a probe with its own values’ terms and marked terms, as they were when it ran', async () => {
    const services = await open();
    // A value of the person's own: its label is not the name the rows hold.
    const values = [...chosen.slice(0, 2).map((v) => ({ ...v, terms: [...v.terms] })), { label: 'Custom person', terms: ['Zanele'] }];
    const kind = probeKind('names', values);
    const rows = counterfactualRows(kind, ROW, values);
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Should we hire this nurse? {{ bio }}' }],
      testCases: rows.map((r) => r.testCase),
      columns: [{ id: 'a', providerId: 'echo', model: 'echo', params: {} }],
      repeats: 2,
    });
    expect(await finished(services, runId)).toBe('done');
    const marked = [{ text: 'nursing', slot: 0 }];
    const report = await call(services, 'bias.report', { runId, kind: 'names', values, caseValues: rows.map((r) => r.value), marked, permutations: 500 });
    // "Zanele" is blanked as the custom value's term: the answers differ by nothing else.
    expect(report.text?.statistic).toBe(0);
    const again = await call(services, 'bias.report', { runId, permutations: 500 });
    expect(again).toEqual({ ...report, kind: 'names' });
  });

  it('says why when a probe has no repeats, and refuses a run whose rows it does not name', async () => {
    const services = await open();
    const rows = counterfactualRows(names, ROW, chosen.slice(0, 2));
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: '{{ bio }}' }],
      testCases: rows.map((r) => r.testCase),
      columns: [{ id: 'a', providerId: 'echo', model: 'echo', params: {} }],
      repeats: 1,
    });
    await finished(services, runId);
    const values = chosen.slice(0, 2).map((v) => ({ ...v, terms: [...v.terms] }));
    const report = await call(services, 'bias.report', { runId, kind: 'names', values, caseValues: ['Emily', 'Jamal'] });
    expect(report.text).toBeUndefined();
    expect(report.note).toMatch(/2 or more repeats/);
    expect(await callError(services, 'bias.report', { runId, kind: 'names', values, caseValues: ['Emily', 'Jamal', 'Mei'] })).toMatch(/names a value for 3/);
    const plain = await call(services, 'runs.start', { messages: [{ role: 'user', content: '{{ bio }}' }], testCases: [ROW, { ...ROW, id: 'b' }], columns: [{ id: 'a', providerId: 'echo', model: 'echo', params: {} }] });
    await finished(services, plain.runId);
    expect(await callError(services, 'bias.report', { runId: plain.runId })).toMatch(/not a bias probe/);
  });
});
