/**
 * Runs that always finish: `parallax eval` killed with SIGKILL mid-run and finished from the CLI
 * (`--resume`) and from the app (`runs.resume`), with no cell asked twice once it finished and
 * none lost; liveness by a heartbeat lease, so another process sees a crash within seconds,
 * whatever the dead process's pid now belongs to.
 *
 * The killed process is the real CLI (src/main/cli/entry.ts) started from the TypeScript sources
 * through jiti, so no build is needed; the same logic is also covered in-process by abandoning
 * a store without closing it and expiring its lease.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { runCli, type CliIo } from '../../src/main/cli/main';
import type { BackoffPolicy } from '../../src/main/runner/backoff';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { DATABASE_FILE, LEASE_MS, Store } from '../../src/main/store/store';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { RunStatus } from '../../src/shared/schemas';
import { fakeAnswer, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const ROOT = resolve(import.meta.dirname, '../..');
const JITI = join(ROOT, 'node_modules/jiti/lib/jiti-cli.mjs');
const ENTRY = join(ROOT, 'src/main/cli/entry.ts');
const KEY = `sk-resume-${'r'.repeat(12)}-never-printed-42`;
const FAST: BackoffPolicy = { maxAttempts: 3, baseMs: 5, maxMs: 40, maxRetryAfterMs: 1_000 };
const CELLS = 12;
/** ~9 chunks of 80 ms: each answer takes most of a second, so a kill lands mid-run. */
const MODEL = 'drip:80';

let fake: FakeOpenAI;
let dir: string;
const opened: Services[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-resume-'));
  fake.resetStats();
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const services of opened.splice(0)) services.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The config; its provider's total timeout (config.timeout, ms) is recorded but is not part of "the same config". */
function config(timeoutMs = 90_000): string {
  const path = join(dir, 'promptfooconfig.yaml');
  const tests = Array.from({ length: CELLS }, (_, i) => `  - vars: { topic: "topic ${i + 1}" }`).join('\n');
  writeFileSync(
    path,
    `description: resumable\nprompts:\n  - "Tell me about {{topic}}."\nproviders:\n  - id: openai:chat:${MODEL}\n    config:\n      apiBaseUrl: ${fake.baseUrl}\n      apiKeyEnvar: FAKE_KEY\n      timeout: ${timeoutMs}\ntests:\n${tests}\n`,
  );
  return path;
}

const dataDir = (): string => join(dir, 'data');

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (text) => (stderr += text), env: { FAKE_KEY: KEY }, cwd: dir };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stderr };
}

function open(env: Record<string, string> = { FAKE_KEY: KEY }): Services {
  const services = createServices({ dataDir: dataDir(), door: 'web', version: 'test', secrets: new MemorySecretStore(), env, runner: { backoff: FAST, heartbeatMs: 200 } });
  opened.push(services);
  return services;
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

function finished(services: Services, runId: string, timeoutMs = 60_000): Promise<RunStatus> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`run ${runId} did not finish in time`)), timeoutMs);
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        clearTimeout(timer);
        off();
        done(event.status);
      }
    });
  });
}

/** The database as it is, read beside Parallax. */
function inspect<T>(read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dataDir(), DATABASE_FILE));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

interface CellRow {
  id: string;
  status: string;
  output: string;
  case_index: number;
}

function cellRows(runId: string): CellRow[] {
  return inspect((db) => db.prepare('SELECT id, status, output, case_index FROM cells WHERE run_id = ? ORDER BY position').all(runId) as unknown as CellRow[]);
}

function searchRows(runId: string): number {
  return inspect((db) => Number((db.prepare('SELECT COUNT(*) AS n FROM output_search WHERE run_id = ?').get(runId) as { n: number }).n));
}

/** Starts `parallax eval` from the sources in a child process and SIGKILLs it once `afterDone` cells are done. */
async function killMidRun(afterDone: number): Promise<{ runId: string; stderr: string }> {
  const child = spawn(process.execPath, [JITI, ENTRY, 'eval', '-c', config(), '-j', '2', '--data-dir', dataDir()], {
    cwd: dir,
    env: { ...process.env, FAKE_KEY: KEY, OPENAI_API_KEY: '', PARALLAX_DATA_DIR: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the child never got ${afterDone} cells done:\n${stderr}`)), 90_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (new RegExp(`\\[${afterDone}/${CELLS}\\]`).test(stderr)) {
        clearTimeout(timer);
        done();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the child exited (${String(code)}) before it was killed:\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));
  const runId = inspect((db) => (db.prepare('SELECT id FROM runs').get() as { id: string }).id);
  return { runId, stderr };
}

/** Polls runs.get until the run reads interrupted; returns how long that took after `since`. */
async function noticed(services: Services, runId: string, since: number): Promise<number> {
  for (;;) {
    const { run } = await call(services, 'runs.get', { runId });
    if (run.status === 'interrupted') return Date.now() - since;
    if (Date.now() - since > LEASE_MS + 5_000) throw new Error(`run ${runId} still reads ${run.status} ${Date.now() - since} ms after its process died`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectEveryCellOnce(runId: string): void {
  const rows = cellRows(runId);
  expect(rows).toHaveLength(CELLS);
  expect(new Set(rows.map((r) => r.case_index)).size).toBe(CELLS);
  for (const row of rows) {
    expect(row.status).toBe('done');
    expect(row.output).toBe(fakeAnswer(`Tell me about topic ${row.case_index + 1}.`));
  }
  // Each answer is searchable once: no cell was recorded twice.
  expect(searchRows(runId)).toBe(CELLS);
}

const jitiMissing = !existsSync(JITI);

describe(`parallax eval killed with SIGKILL${jitiMissing ? ' (skipped: node_modules/jiti, which runs the CLI from its TypeScript sources in a child process, is not installed; npm ci brings it with eslint)' : ''}`, () => {
  it.skipIf(jitiMissing)('is noticed within seconds and finished by parallax eval --resume, every cell once', { timeout: 180_000 }, async () => {
    const { runId, stderr: childErr } = await killMidRun(3);
    const killedAt = Date.now();
    expect(childErr).not.toContain(KEY);
    // The run recorded its provider: the key's variable, never the key.
    const recorded = inspect((db) => (db.prepare('SELECT providers FROM runs WHERE id = ?').get(runId) as { providers: string }).providers);
    expect(JSON.parse(recorded)).toEqual([expect.objectContaining({ id: `openai:chat:${MODEL}`, kind: 'openai', model: MODEL, baseUrl: fake.baseUrl, apiKeyEnvar: 'FAKE_KEY', timeouts: { total: 90_000 } })]);
    expect(recorded).not.toContain(KEY);

    // Another process sees the crash by the lapsed lease, within seconds (no restart, no pid check).
    const other = open();
    const took = await noticed(other, runId, killedAt);
    expect(took).toBeLessThanOrEqual(LEASE_MS + 2_000);
    other.close();
    opened.splice(opened.indexOf(other), 1);

    let noConfigErr = '';
    const before = cellRows(runId);
    const doneBefore = before.filter((r) => r.status === 'done');
    expect(doneBefore.length).toBeGreaterThanOrEqual(3);
    expect(doneBefore.length).toBeLessThan(CELLS);
    const unfinished = CELLS - doneBefore.length;
    fake.resetStats();

    // --resume without a config (none given, none here) asks for the one the run was started with.
    const noConfig = await runCli(['eval', '--resume', runId, '--data-dir', dataDir()], { stdout: () => undefined, stderr: (t) => (noConfigErr += t), env: {}, cwd: dataDir() }, 't');
    expect(noConfig).toBe(2);
    expect(noConfigErr).toContain(`--resume needs the config the run was started with (for its results): parallax eval -c <config.yaml> --resume ${runId}`);
    // --resume of a run that does not exist says so.
    const hint = await cli(['eval', '--resume', 'no-such-run', '--data-dir', dataDir()]);
    expect(hint.code).toBe(2);
    expect(hint.stderr).toContain('--resume no-such-run: there is no run with that id');

    const resumed = await cli(['eval', '--resume', runId, '-o', 'out.json', '--data-dir', dataDir()]);
    expect(resumed.stderr).toContain(`Resuming run ${runId}: ${unfinished} of ${CELLS} cells left to run`);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`Finished ${CELLS} cells in [\\d.]+ s \\(wall time\\): ${CELLS} ok, 0 failed\\.`));
    expect(resumed.stderr).not.toContain(KEY);
    // Only the unfinished cells were asked; the finished ones kept their answers.
    expect(fake.requestsFor(MODEL)).toHaveLength(unfinished);
    const after = cellRows(runId);
    for (const row of doneBefore) expect(after.find((r) => r.id === row.id)?.output).toBe(row.output);
    expectEveryCellOnce(runId);
    const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { results: { results: { success: boolean }[] } };
    expect(json.results.results).toHaveLength(CELLS);
    expect(json.results.results.every((r) => r.success)).toBe(true);
    expect(inspect((db) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status)).toBe('done');

    // A finished run has nothing to resume.
    const again = await cli(['eval', '--resume', runId, '--data-dir', dataDir()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('Only a run that was interrupted can be resumed; this one is done');
  });

  it.skipIf(jitiMissing)("is finished by the app's Resume, which reaches the config's provider from what the run recorded", { timeout: 180_000 }, async () => {
    const { runId } = await killMidRun(2);
    const app = open();
    await noticed(app, runId, Date.now());
    const doneBefore = cellRows(runId).filter((r) => r.status === 'done');
    fake.resetStats();
    const done = finished(app, runId);
    const { queued } = await call(app, 'runs.resume', { runId });
    expect(queued).toBe(CELLS - doneBefore.length);
    expect(await done).toBe('done');
    expect(fake.requestsFor(MODEL)).toHaveLength(queued);
    // The key was looked up again from the variable the run named, and sent to its loopback server.
    expect(fake.requestsFor(MODEL).every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expectEveryCellOnce(runId);
    expect((await call(app, 'runs.get', { runId })).run).toMatchObject({ status: 'done', errorCount: 0 });
  });
});

describe('running the same config again', () => {
  it('says an interrupted run of it exists and how to finish it, then starts a new run', { timeout: 60_000 }, async () => {
    // An eval run in-process, then "crashed": its lease expired with the store never closed.
    const first = await cli(['eval', '-c', config(), '--data-dir', dataDir()]);
    expect(first.code, first.stderr).toBe(0);
    const runId = inspect((db) => (db.prepare('SELECT id FROM runs').get() as { id: string }).id);
    inspect((db) => {
      db.prepare(`UPDATE runs SET status = 'running', lease_until = ? WHERE id = ?`).run(Date.now() - 1, runId);
      db.prepare(`UPDATE cells SET status = 'running', output = '' WHERE run_id = ? AND case_index >= 9`).run(runId);
    });
    fake.resetStats();
    const second = await cli(['eval', '-c', config(), '--data-dir', dataDir()]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`note: run ${runId} of this config`);
    expect(second.stderr).toContain('was interrupted with 3 cells unfinished');
    expect(second.stderr).toContain(`--resume ${runId}`);
    expect(inspect((db) => Number((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n))).toBe(2);

    // Another config (one test more) is not "the same config": no hint, and --resume refuses it.
    const other = join(dir, 'other.yaml');
    writeFileSync(other, `${readFileSync(config(), 'utf8')}  - vars: { topic: "one more" }\n`);
    const refused = await cli(['eval', '-c', other, '--resume', runId, '--data-dir', dataDir()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not the config that run was started with');

    // Another timeout is still the same config.
    const resumed = await cli(['eval', '-c', config(120_000), '--resume', runId, '--data-dir', dataDir()]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resuming run ${runId}: 3 of ${CELLS} cells left`);
    expectEveryCellOnce(runId);
  });
});

describe('a resumed run with checks', () => {
  it('counts the checks of cells answered before the interruption in its exit status', { timeout: 60_000 }, async () => {
    const tests = Array.from({ length: CELLS }, (_, i) => `  - vars: { topic: "topic ${i + 1}" }`).join('\n');
    // echo answers with the prompt: "topic 1" is in topics 1, 10, 11 and 12 only.
    const path = join(dir, 'checked.yaml');
    writeFileSync(path, `prompts:\n  - "Tell me about {{topic}}."\nproviders:\n  - echo\ndefaultTest:\n  assert:\n    - type: contains\n      value: "topic 1"\ntests:\n${tests}\n`);
    const first = await cli(['eval', '-c', path, '--data-dir', dataDir()]);
    expect(first.code, first.stderr).toBe(100);
    const runId = inspect((db) => (db.prepare('SELECT id FROM runs').get() as { id: string }).id);
    // Interrupted with only topics 10-12 unfinished: every cell left to run passes its check.
    inspect((db) => {
      db.prepare(`UPDATE runs SET status = 'running', lease_until = 0 WHERE id = ?`).run(runId);
      db.prepare(`UPDATE cells SET status = 'running', output = '', grading = NULL WHERE run_id = ? AND case_index >= 9`).run(runId);
    });
    const resumed = await cli(['eval', '-c', path, '--resume', runId, '--data-dir', dataDir()]);
    expect(resumed.stderr).toContain(`Resuming run ${runId}: 3 of ${CELLS} cells left`);
    expect(resumed.stderr).toContain('Checks: 4 of 12 answered cells passed, 8 failed.');
    expect(resumed.code).toBe(100);
  });
});

describe('liveness by lease (in-process)', () => {
  async function startAppRun(services: Services, rows = CELLS): Promise<string> {
    const provider = await call(services, 'providers.save', { name: 'Drip', baseUrl: fake.baseUrl, apiKeyEnvar: 'FAKE_KEY', concurrency: 2 });
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Tell me about {{ topic }}.' }],
      testCases: Array.from({ length: rows }, (_, i) => ({ id: `c${i}`, vars: { topic: `topic ${i + 1}` } })),
      columns: [{ id: 'v', providerId: provider.id, model: MODEL, params: {} }],
    });
    return runId;
  }

  it('a process that stops renewing is noticed by another once its lease lapses, which resumes it without duplicates', { timeout: 60_000 }, async () => {
    const a = open();
    const runId = await startAppRun(a);
    for (let i = 0; i < 200 && cellRows(runId).filter((r) => r.status === 'done').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    // While A's heartbeat runs, B leaves the run alone, even with its lease forced to lapse once (A renews it).
    const b = open();
    expect((await call(b, 'runs.get', { runId })).run.status).toBe('running');
    await expect(call(b, 'runs.resume', { runId })).rejects.toThrow(/Another Parallax process is running this run/);

    // A "crashes": no more heartbeats or writes, its store never closed, so nothing says it ended.
    a.runner.close();
    inspect((db) => db.prepare('UPDATE runs SET lease_until = ? WHERE id = ?').run(Date.now() - 1, runId));
    const list = await call(b, 'runs.list', {});
    expect(list.runs.find((r) => r.id === runId)?.status).toBe('interrupted');
    const doneBefore = cellRows(runId).filter((r) => r.status === 'done').length;
    const done = finished(b, runId);
    expect((await call(b, 'runs.resume', { runId })).queued).toBe(CELLS - doneBefore);
    expect(await done).toBe('done');
    const rows = cellRows(runId);
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    expect(searchRows(runId)).toBe(CELLS);
  });

  it('a run marked interrupted by another process while its own was only held up still finishes every cell', { timeout: 60_000 }, async () => {
    // A heartbeat too slow to take the run back before the end: the runner must not skip the marked cells.
    const a = createServices({ dataDir: dataDir(), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: { FAKE_KEY: KEY }, runner: { backoff: FAST, heartbeatMs: 600_000 } });
    opened.push(a);
    const runId = await startAppRun(a);
    const done = finished(a, runId);
    for (let i = 0; i < 200 && cellRows(runId).filter((r) => r.status === 'done').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    // What another process's markInterrupted writes once the lease looks lapsed (a busy database held A up).
    inspect((db) => {
      db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(runId);
      db.prepare(
        `UPDATE cells SET status = 'error', error_code = 'interrupted', error_message = 'Parallax stopped before this request finished.' WHERE run_id = ? AND status IN ('pending', 'running')`,
      ).run(runId);
    });
    expect(await done).toBe('done');
    expectEveryCellOnce(runId);
    expect(inspect((db) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status)).toBe('done');
  });

  it('a process whose run another process took over stops at its next heartbeat and writes nothing more', { timeout: 60_000 }, async () => {
    const a = open();
    const runId = await startAppRun(a);
    const ended = finished(a, runId);
    for (let i = 0; i < 200 && cellRows(runId).filter((r) => r.status === 'done').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    // What another process's resume writes once A's lease looked lapsed: the run is its own now.
    inspect((db) => db.prepare(`UPDATE runs SET owner = 'another-process', status = 'running' WHERE id = ?`).run(runId));
    const doneAtTakeover = cellRows(runId).filter((r) => r.status === 'done').length;
    expect(await ended).toBe('interrupted');
    // Answers that arrived after the takeover were not written over the new owner's cells, and A did not end the run.
    await new Promise((r) => setTimeout(r, 300));
    expect(cellRows(runId).filter((r) => r.status === 'done')).toHaveLength(doneAtTakeover);
    expect(doneAtTakeover).toBeLessThan(CELLS);
    expect(inspect((db) => db.prepare('SELECT status, owner FROM runs WHERE id = ?').get(runId))).toEqual({ status: 'running', owner: 'another-process' });
  });

  it('a reused pid keeps nothing alive: a lapsed lease is interrupted whoever has that pid now, a fresh one is not', async () => {
    const store = new Store(dataDir());
    const cell = (id: string, position: number) => ({
      id,
      position,
      columnIndex: 0,
      caseIndex: position,
      repeat: 0,
      providerId: 'echo',
      providerName: 'Echo',
      model: 'echo',
      params: {},
      variables: {},
      messages: [{ role: 'user' as const, content: 'hi' }],
    });
    const run = (id: string) => ({ id, createdAt: new Date().toISOString(), source: 'cli' as const, title: id, messages: [], testCases: [{ id: 't', vars: {} }], columns: [], repeats: 1, useCache: false });
    store.createRun(run('pid-reused'), [cell('p1', 0)]);
    store.createRun(run('pid-gone'), [cell('g1', 0)]);
    store.close();
    // pid-reused: "owned" by this very process's pid (alive: as if the dead one's pid was reused), lease lapsed.
    // pid-gone: owned by a pid that does not exist, lease fresh (its process renewed it a moment ago).
    inspect((db) => {
      db.prepare(`UPDATE runs SET status = 'running', owner = ?, lease_until = ? WHERE id = 'pid-reused'`).run(`${process.pid}:dead`, Date.now() - 1);
      db.prepare(`UPDATE runs SET status = 'running', owner = ?, lease_until = ? WHERE id = 'pid-gone'`).run('2147483646:elsewhere', Date.now() + 60_000);
    });
    const services = open({});
    const { runs } = await call(services, 'runs.list', {});
    expect(Object.fromEntries(runs.map((r) => [r.id, r.status]))).toEqual({ 'pid-reused': 'interrupted', 'pid-gone': 'running' });
  });

  it('runs.resume says an unknown run does not exist, and refuses a recorded key going to a host it does not belong to', async () => {
    const services = open({ MY_KEY: 'sk-my-key-0123456789abcdef' });
    const missing = await dispatch(services.handlers, 'runs.resume', { runId: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('No run with id "nope"') } });

    // A CLI run that recorded MY_KEY for llm.example.com (allowed then by --allow-key-host), interrupted.
    services.store.createRun(
      {
        id: 'keyed',
        createdAt: new Date().toISOString(),
        source: 'cli',
        title: 'keyed',
        messages: [],
        testCases: [{ id: 't', vars: {} }],
        columns: [],
        repeats: 1,
        useCache: false,
        providers: [{ id: 'openai:chat:m', name: 'remote', kind: 'openai', model: 'm', baseUrl: 'https://llm.example.com/v1', apiKeyEnvar: 'MY_KEY' }],
      },
      [{ id: 'k1', position: 0, columnIndex: 0, caseIndex: 0, repeat: 0, providerId: 'openai:chat:m', providerName: 'remote', model: 'm', params: {}, variables: {}, messages: [{ role: 'user', content: 'hi' }] }],
    );
    inspect((db) => db.prepare(`UPDATE runs SET lease_until = 0 WHERE id = 'keyed'`).run());
    const refused = await dispatch(services.handlers, 'runs.resume', { runId: 'keyed' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/MY_KEY to llm\.example\.com.*--allow-key-host MY_KEY=llm\.example\.com/) } });
    expect(JSON.stringify(refused)).not.toContain('sk-my-key');
    // Nothing was touched: the run is still interrupted, its cell still waiting to be resumed.
    expect(services.store.runStatus('keyed')).toBe('interrupted');
    expect(services.store.getCell('k1')?.error?.code).toBe('interrupted');

    // A CLI run from before runs recorded their providers cannot reach them: refused with why, untouched.
    services.store.createRun(
      { id: 'old-cli', createdAt: new Date().toISOString(), source: 'cli', title: 'old', messages: [], testCases: [{ id: 't', vars: {} }], columns: [], repeats: 1, useCache: false },
      [{ id: 'o1', position: 0, columnIndex: 0, caseIndex: 0, repeat: 0, providerId: 'openai:chat:old', providerName: 'old', model: 'old', params: {}, variables: {}, messages: [{ role: 'user', content: 'hi' }] }],
    );
    inspect((db) => db.prepare(`UPDATE runs SET lease_until = 0 WHERE id = 'old-cli'`).run());
    const old = await dispatch(services.handlers, 'runs.resume', { runId: 'old-cli' });
    expect(old).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('older than runs that record them') } });
    expect(services.store.runStatus('old-cli')).toBe('interrupted');
    expect(services.store.getCell('o1')?.error?.code).toBe('interrupted');
  });
});
