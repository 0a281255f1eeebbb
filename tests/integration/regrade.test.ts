/**
 * Re-grading a finished run with other checks, through the services as the app calls them,
 * against a local OpenAI-compatible server that counts every request: deterministic checks
 * never reach a model, a rubric check asks the judge once per answer and only when it changed,
 * the estimate counts the calls made, a stop leaves every cell wholly old or wholly new, hostile
 * checks fail with a reason instead of hanging, and a held database lock is waited out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell, Column, JudgeConfig, RunStatus, TestCase } from '../../src/shared/schemas';
import type { RegradeChecksInput } from '../../src/shared/regrade';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { DATABASE_FILE } from '../../src/main/store/store';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

type Finished = Extract<AppEvent, { type: 'regrade.finished' }>;

/** Events of one run, collected from the moment of the call. */
function watch(services: Services, runId: string): { events: AppEvent[]; finished: Promise<Finished>; runFinished: Promise<RunStatus> } {
  const events: AppEvent[] = [];
  let resolveRegrade: (event: Finished) => void = () => undefined;
  let resolveRun: (status: RunStatus) => void = () => undefined;
  const finished = new Promise<Finished>((resolve) => (resolveRegrade = resolve));
  const runFinished = new Promise<RunStatus>((resolve) => (resolveRun = resolve));
  services.onEvent((event) => {
    if (event.runId !== runId) return;
    events.push(event);
    if (event.type === 'regrade.finished') resolveRegrade(event);
    if (event.type === 'run.finished') resolveRun(event.status);
  });
  return { events, finished, runFinished };
}

async function startRun(services: Services, request: MethodInput<'runs.start'>): Promise<string> {
  const started = new Promise<string>((resolve) => {
    const off = services.onEvent((event) => {
      if (event.type === 'run.finished') {
        off();
        resolve(event.runId);
      }
    });
  });
  const { runId } = await call(services, 'runs.start', request);
  expect(await started).toBe(runId);
  return runId;
}

async function cellsOf(services: Services, runId: string, rows: number): Promise<Cell[]> {
  return (await call(services, 'runs.cells', { runId, fromCase: 0, toCase: rows })).cells;
}

async function regradeAndWait(services: Services, runId: string, checks: RegradeChecksInput): Promise<Finished> {
  const { finished } = watch(services, runId);
  await call(services, 'runs.regrade', { runId, checks });
  return finished;
}

let server: FakeOpenAI;
const dirs: string[] = [];
const opened: Services[] = [];
let services: Services;
let providerId: string;

async function open(): Promise<{ services: Services; dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'parallax-regrade-'));
  dirs.push(dir);
  const created = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 64 } });
  opened.push(created);
  return { services: created, dataDir: dir };
}

beforeAll(async () => {
  server = await startFakeOpenAI();
});
beforeEach(async () => {
  ({ services } = await open());
  providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: server.baseUrl, apiKey: 'sk-regrade-test-key-0123456789' })).id;
  server.resetStats();
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
afterAll(async () => {
  await server.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const CITIES = ['Paris', 'Rome', 'Oslo', 'Lima', 'Kyiv', 'Quito', 'Bern', 'Riga'];
function cases(n: number): TestCase[] {
  return CITIES.slice(0, n).map((city, i) => ({ id: `row-${i}`, vars: { city } }));
}
const MESSAGES = [{ role: 'user' as const, content: 'Tell me about {{ city }}.' }];
function column(model: string): Column {
  return { id: model, providerId, model, params: {} };
}
/** The fake server answers "You said: <last user message>": this prompt makes that a passing verdict. */
function judge(model: string): JudgeConfig {
  return { providerId, model, prompt: [{ role: 'user', content: '{"pass": true, "score": 0.8, "reason": "judged"} {{ output }}' }] };
}
const chatRequests = (): number => server.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('grading a finished run again', () => {
  it('grades answers that are tool calls with tool-call checks, against the tools the run offered', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    server.script(
      { kind: 'chat-script', calls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { kind: 'chat-script', calls: [{ id: 'c2', name: 'get_weather', arguments: '{"town":"Rome"}' }] },
    );
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(2), columns: [column('fake-small')], tools });
    server.resetStats();
    const checks = { assertions: [{ type: 'is-valid-openai-tools-call' }, { type: 'tool-call', value: { name: 'get_weather', paths: { '$.city': '{{ city }}' } } }, { type: 'is-json' }] };
    const end = await regradeAndWait(services, runId, checks);
    expect(end).toMatchObject({ status: 'done', graded: 2, judgeCalls: 0 });
    expect(server.requests).toHaveLength(0);
    const [paris, rome] = await cellsOf(services, runId, 2);
    expect(paris?.toolCalls).toEqual([{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    expect(paris?.grading?.componentResults.map((c) => c.pass)).toEqual([true, true, true]);
    expect(rome?.grading?.componentResults.map((c) => [c.pass, c.reason])).toEqual([
      [false, expect.stringMatching(/^Call to "get_weather" does not match schema: .*city/)],
      [false, 'Expected a call to "get_weather" with those arguments; the arguments of "get_weather" have nothing at $.city'],
      // An answer that is only tool calls is their JSON to checks on text.
      [true, 'Assertion passed'],
    ]);
  });

  it('grades existing answers with a new contains check without a single request to any model', async () => {
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(3), columns: [column('fake-small'), column('fake-large')] });
    expect(chatRequests()).toBe(6);
    server.resetStats();
    const before = await cellsOf(services, runId, 3);
    expect(before.every((c) => c.grading === undefined)).toBe(true);

    const checks = { assertions: [{ type: 'contains', value: '{{ city }}' }, { type: 'icontains', value: 'PARIS' }] };
    const estimate = await call(services, 'runs.regradeEstimate', { runId, checks });
    expect(estimate).toMatchObject({ answers: 6, judgeCalls: 0, inputTokens: 0, costUsd: 0, priced: true });
    const end = await regradeAndWait(services, runId, checks);
    expect(end).toMatchObject({ status: 'done', graded: 6, total: 6, judgeCalls: 0 });
    expect(server.requests).toHaveLength(0);

    const after = await cellsOf(services, runId, 3);
    for (const cell of after) {
      expect(cell.grading?.componentResults.map((c) => c.type)).toEqual(['contains', 'icontains']);
      expect(cell.grading?.componentResults[0]?.pass).toBe(true);
      expect(cell.grading?.pass).toBe(cell.caseIndex === 0);
      // The answer itself is untouched.
      expect(cell.output).toBe(before.find((b) => b.id === cell.id)?.output);
    }
    // The run records the checks it is graded with; no run was added.
    expect((await call(services, 'runs.checks', { runId })).assertions).toEqual(checks.assertions);
    expect((await call(services, 'runs.list', {})).runs).toHaveLength(1);
    const verdict = await call(services, 'judge.verdict', { runId });
    expect(verdict.variants[0]?.checks.find((c) => c.type === 'icontains')).toMatchObject({ passed: 1, total: 3 });
  });

  it('asks the judge once per answer for a rubric check, and only for checks that changed; the estimate counts those calls', async () => {
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(3), columns: [column('fake-small'), column('fake-large')] });
    server.resetStats();
    const rubric = { type: 'llm-rubric', value: 'Names a city' };
    const first = { assertions: [rubric], judge: judge('judge-a') };
    const estimate = await call(services, 'runs.regradeEstimate', { runId, checks: first });
    expect(estimate.answers).toBe(6);
    expect(estimate.judgeCalls).toBe(6);
    expect(estimate.inputTokens).toBeGreaterThan(6 * 10);
    expect(estimate.judgeModel).toBe('judge-a');
    expect(estimate.costUsd).toBeUndefined();
    expect(await regradeAndWait(services, runId, first)).toMatchObject({ status: 'done', judgeCalls: 6 });
    expect(server.requestsFor('judge-a')).toHaveLength(estimate.judgeCalls);
    expect(chatRequests()).toBe(6);
    const graded = await cellsOf(services, runId, 3);
    expect(graded.every((c) => c.grading?.pass === true && c.grading.componentResults[0]?.reason === 'judged')).toBe(true);

    // Adding a deterministic check and keeping the rubric: no call at all.
    server.resetStats();
    const second = { assertions: [rubric, { type: 'contains', value: 'Tell' }], judge: judge('judge-a') };
    expect(await call(services, 'runs.regradeEstimate', { runId, checks: second })).toMatchObject({ answers: 6, judgeCalls: 0 });
    expect(await regradeAndWait(services, runId, second)).toMatchObject({ status: 'done', judgeCalls: 0 });
    expect(chatRequests()).toBe(0);
    const kept = await cellsOf(services, runId, 3);
    expect(kept.every((c) => c.grading?.componentResults.length === 2 && c.grading.componentResults[0]?.reason === 'judged')).toBe(true);

    // A second rubric for one row only, and the first unchanged: one call, for that row's two answers.
    server.resetStats();
    const third = { ...second, rowChecks: { 'row-1': [{ type: 'llm-rubric', value: 'Mentions Rome' }] } };
    expect(await call(services, 'runs.regradeEstimate', { runId, checks: third })).toMatchObject({ judgeCalls: 2 });
    expect(await regradeAndWait(services, runId, third)).toMatchObject({ status: 'done', judgeCalls: 2 });
    expect(server.requestsFor('judge-a')).toHaveLength(2);
    const rowOne = (await cellsOf(services, runId, 3)).filter((c) => c.caseIndex === 1);
    expect(rowOne.every((c) => c.grading?.componentResults.map((r) => r.type).join() === 'llm-rubric,contains,llm-rubric')).toBe(true);
    expect((await call(services, 'runs.checks', { runId })).rowChecks['row-1']).toEqual([{ type: 'llm-rubric', value: 'Mentions Rome' }]);

    // Another judge model is another check: every rubric result is asked again.
    server.resetStats();
    const fourth = { ...third, judge: judge('judge-b') };
    expect(await call(services, 'runs.regradeEstimate', { runId, checks: fourth })).toMatchObject({ judgeCalls: 8 });
    expect(await regradeAndWait(services, runId, fourth)).toMatchObject({ status: 'done', judgeCalls: 8 });
    expect(server.requestsFor('judge-b')).toHaveLength(8);
    expect(server.requestsFor('judge-a')).toHaveLength(0);
  });

  it('keeps the rubric results of a run graded as it ran (graded before results named their check)', async () => {
    const rubric = { type: 'llm-rubric' as const, value: 'Names a city' };
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(2), columns: [column('fake-small')], assertions: [rubric], judge: judge('judge-a') });
    expect(server.requestsFor('judge-a')).toHaveLength(2);
    // As an older Parallax stored them: the same results without the check's name.
    const db = new DatabaseSync(join(dirs.at(-1) ?? '', DATABASE_FILE));
    db.exec(`UPDATE cells SET grading = json_remove(grading, '$.componentResults[0].check')`);
    db.close();
    server.resetStats();
    const checks = { assertions: [rubric, { type: 'starts-with', value: 'You said' }], judge: judge('judge-a') };
    expect(await call(services, 'runs.regradeEstimate', { runId, checks })).toMatchObject({ answers: 2, judgeCalls: 0 });
    expect(await regradeAndWait(services, runId, checks)).toMatchObject({ status: 'done', judgeCalls: 0 });
    expect(chatRequests()).toBe(0);
    expect((await cellsOf(services, runId, 2)).every((c) => c.grading?.pass === true)).toBe(true);
  });

  it('stops on request: every cell keeps its old results or has all its new ones, the run keeps its old checks, and grading again finishes the rest', async () => {
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(8), columns: [column('fake-small')], assertions: [{ type: 'contains', value: 'Tell' }] });
    const before = new Map((await cellsOf(services, runId, 8)).map((c) => [c.id, c.grading]));
    server.resetStats();
    // A judge that takes ~25 chunks 30 ms apart per answer.
    const checks = { assertions: [{ type: 'llm-rubric', value: 'Names a city' }, { type: 'not-contains', value: 'Tell' }], judge: judge('drip:30') };
    const { events, finished } = watch(services, runId);
    await call(services, 'runs.regrade', { runId, checks });
    await expect(call(services, 'runs.regrade', { runId, checks })).rejects.toThrow(/being graded already/);
    await new Promise<void>((resolve) => {
      const off = services.onEvent((event) => {
        if (event.type === 'regrade.progress' && event.runId === runId && event.graded > 0) {
          off();
          resolve();
        }
      });
    });
    expect(await call(services, 'runs.stopRegrade', { runId })).toEqual({ stopped: true });
    const end = await finished;
    expect(end.status).toBe('cancelled');
    expect(end.graded).toBeGreaterThan(0);
    expect(end.graded).toBeLessThan(8);
    // The judge requests in flight were really aborted.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requestsFor('drip:30').some((r) => r.abortedByClient)).toBe(true);

    const after = await cellsOf(services, runId, 8);
    let fresh = 0;
    for (const cell of after) {
      const types = cell.grading?.componentResults.map((c) => c.type).join();
      if (types === 'llm-rubric,not-contains') {
        fresh++;
        expect(cell.grading?.componentResults[0]?.reason).toBe('judged');
        expect(cell.grading?.componentResults[1]?.pass).toBe(false);
      } else expect(cell.grading).toEqual(before.get(cell.id));
    }
    expect(fresh).toBe(end.graded);
    expect(events.filter((e) => e.type === 'cell.update')).toHaveLength(end.graded);
    expect((await call(services, 'runs.checks', { runId })).assertions).toEqual([{ type: 'contains', value: 'Tell' }]);

    // Grading again asks the judge only for the answers still without its verdict.
    server.resetStats();
    const rest = await call(services, 'runs.regradeEstimate', { runId, checks });
    expect(rest.judgeCalls).toBe(8 - end.graded);
    expect(await regradeAndWait(services, runId, checks)).toMatchObject({ status: 'done', graded: 8, judgeCalls: 8 - end.graded });
    expect(server.requestsFor('drip:30')).toHaveLength(8 - end.graded);
    expect((await call(services, 'runs.checks', { runId })).assertions).toEqual(checks.assertions);
  });

  it('fails a catastrophic regex and an endless javascript check with a reason, without hanging', async () => {
    const runId = await startRun(services, {
      messages: [{ role: 'user', content: '{{ word }}' }],
      testCases: [
        { id: 'a', vars: { word: `${'a'.repeat(40)}!` } },
        { id: 'b', vars: { word: `${'a'.repeat(36)}!` } },
      ],
      columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }],
    });
    const checks = { assertions: [{ type: 'regex', value: '^(a+)+$' }, { type: 'javascript', value: 'while (true) {}\nreturn true;' }, { type: 'contains', value: 'aaa' }] };
    const startedAt = Date.now();
    const end = await regradeAndWait(services, runId, checks);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(end).toMatchObject({ status: 'done', graded: 2 });
    for (const cell of await cellsOf(services, runId, 2)) {
      const [regex, code, contains] = cell.grading?.componentResults ?? [];
      expect(regex).toMatchObject({ type: 'regex', pass: false });
      expect(regex?.reason).toMatch(/time|budget/i);
      expect(code).toMatchObject({ type: 'javascript', pass: false });
      expect(code?.reason).toMatch(/time|budget/i);
      expect(contains).toMatchObject({ type: 'contains', pass: true });
    }
  });

  it('waits out another process holding the database lock and then records every cell', async () => {
    const runId = await startRun(services, { messages: MESSAGES, testCases: cases(4), columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }] });
    const holder = new DatabaseSync(join(dirs.at(-1) ?? '', DATABASE_FILE));
    holder.exec('PRAGMA busy_timeout = 5000');
    holder.exec('BEGIN IMMEDIATE');
    holder.exec(`INSERT INTO kv (key, value) VALUES ('regrade-lock', 'held') ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    const { finished } = watch(services, runId);
    await call(services, 'runs.regrade', { runId, checks: { assertions: [{ type: 'contains', value: 'Tell' }] } });
    const early = await Promise.race([finished.then(() => 'finished'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 600))]);
    expect(early).toBe('waiting');
    holder.exec('COMMIT');
    holder.close();
    expect(await finished).toMatchObject({ status: 'done', graded: 4 });
    expect((await cellsOf(services, runId, 4)).every((c) => c.grading?.pass === true)).toBe(true);
  });

  it('refuses a run that is still running, and one that does not exist', async () => {
    await expect(call(services, 'runs.regradeEstimate', { runId: 'nope', checks: {} })).rejects.toThrow(/not_found/);
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: cases(2), columns: [column('drip:40')] });
    await expect(call(services, 'runs.regrade', { runId, checks: { assertions: [{ type: 'contains', value: 'x' }] } })).rejects.toThrow(/still running/);
    await call(services, 'runs.stop', { runId });
  });
});
