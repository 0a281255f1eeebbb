/**
 * Contention and big starts (issue 10, items 2 and 5). Another process holding the database's
 * write lock is waited out, not fatal: no answer is lost, every cell ends, the counts the CLI
 * prints are what the database holds. A big run is written in chunks off the request path, so
 * other calls keep answering while it is planned; a stop while planning works, and a crash
 * while planning leaves nothing half-written.
 *
 * The lock is held by a second Node process using node:sqlite directly (BEGIN IMMEDIATE). The
 * issue's case held it for 15 s; the tests hold it for LOCK_MS = 6 s, which goes through the
 * same code (any hold longer than the 100 ms busy timeout is waited out by Store.write's
 * backoff) and is longer than the 5 s busy timeout that used to make such writes fail. The
 * figure for 15 s is in `npm run bench -- --contention`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppEvent, type MethodInput, type MethodName, type MethodOutput } from '../../src/shared/contract';
import type { RunStatus } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { runEval } from '../../src/main/cli/eval';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from '../../src/main/providers/echo';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { isBusy, retryWhileBusy } from '../../src/main/store/busy';
import { DATABASE_FILE } from '../../src/main/store/store';

const NODE = resolve('node_modules/.bin/node');
const LOCK_MS = 6_000;

/** A second process that takes the write lock, says `locked`, holds it `ms`, then lets go. */
const HOLDER = `
import { DatabaseSync } from 'node:sqlite';
const [file, ms] = process.argv.slice(2);
const db = new DatabaseSync(file);
db.exec('PRAGMA busy_timeout = 10000');
db.exec('BEGIN IMMEDIATE');
db.exec("INSERT INTO kv (key, value) VALUES ('contention-test', 'held') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
process.stdout.write('locked\\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
}, Number(ms));
`;

let dir: string;
const children: ChildProcess[] = [];
const open: Services[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parallax-contention-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const services of open.splice(0)) services.close();
  await rm(dir, { recursive: true, force: true });
});

function servicesIn(dataDir: string, chunkDelayMs = 0): Services {
  const services = createServices({
    dataDir,
    door: 'web',
    version: 'test',
    secrets: new MemorySecretStore(),
    env: {},
    echo: { chunkDelayMs, chunkSize: 8 },
  });
  open.push(services);
  return services;
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

/** Starts the holder and resolves once it holds the lock; `released` resolves when it let go. */
async function holdLock(dataDir: string, ms: number): Promise<{ released: Promise<number> }> {
  const script = join(dir, 'holder.mjs');
  await writeFile(script, HOLDER);
  const child = spawn(NODE, [script, join(dataDir, DATABASE_FILE), String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  let releasedAt = 0;
  const locked = new Promise<void>((resolveLocked, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('locked')) resolveLocked();
      if (out.includes('released') && releasedAt === 0) releasedAt = performance.now();
    });
    child.on('error', reject);
  });
  const released = new Promise<number>((resolveReleased) => child.on('exit', () => resolveReleased(releasedAt || performance.now())));
  await locked;
  return { released };
}

function request(rows: number, repeats: number, columns = 1): MethodInput<'runs.start'> {
  return {
    messages: [{ role: 'user', content: 'Say {{word}} back.' }],
    testCases: Array.from({ length: rows }, (_, i) => ({ id: `case-${i}`, vars: { word: `w${i}` } })),
    columns: Array.from({ length: columns }, (_, i) => ({ id: `col-${i}`, providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: {} })),
    repeats,
    useCache: false,
  };
}

function finished(services: Services, runId: string): Promise<RunStatus> {
  return new Promise((resolveFinished) => {
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        off();
        resolveFinished(event.status);
      }
    });
  });
}

/** Counts straight from the file, through a connection of our own. */
function countsInDatabase(dataDir: string, runId: string): { status: string; cells: number; byStatus: Record<string, number>; cellCount: number } {
  const db = new DatabaseSync(join(dataDir, DATABASE_FILE), { readOnly: true });
  try {
    const run = db.prepare('SELECT status, cell_count FROM runs WHERE id = ?').get(runId) as { status: string; cell_count: number } | undefined;
    const rows = db.prepare('SELECT status, COUNT(*) AS n FROM cells WHERE run_id = ? GROUP BY status').all(runId) as { status: string; n: number }[];
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    return { status: run?.status ?? 'missing', cells: rows.reduce((sum, r) => sum + r.n, 0), byStatus, cellCount: run?.cell_count ?? -1 };
  } finally {
    db.close();
  }
}

/**
 * Latency of app.info through dispatch for calls arriving every `everyMs` on a fixed schedule:
 * each is timed from when it was due, so a call that arrived while the thread was busy counts
 * the wait (as a request on a socket would), not just its own few microseconds.
 */
function sampleLatency(services: Services, everyMs = 10): { stop: () => Promise<number[]>; answered: () => number } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    const answers: Promise<void>[] = [];
    let due = performance.now();
    while (running) {
      for (const now = performance.now(); due <= now; due += everyMs) {
        const arrived = due;
        answers.push(call(services, 'app.info', {}).then(() => void samples.push(performance.now() - arrived)));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(answers);
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
    answered: () => samples.length,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

describe('busy detection and retry', () => {
  it('knows SQLITE_BUSY when it sees it, and waits it out while other errors pass through at once', async () => {
    expect(isBusy(Object.assign(new Error('database is locked'), { errcode: 5 }))).toBe(true);
    expect(isBusy(Object.assign(new Error('x'), { errcode: 517 }))).toBe(true); // SQLITE_BUSY_SNAPSHOT
    expect(isBusy(Object.assign(new Error('UNIQUE constraint failed'), { errcode: 19 }))).toBe(false);
    expect(isBusy(new Error('disk I/O error'))).toBe(false);

    let tries = 0;
    const value = await retryWhileBusy(
      () => {
        tries++;
        if (tries < 4) throw Object.assign(new Error('database is locked'), { errcode: 5 });
        return 'written';
      },
      { firstDelayMs: 1 },
    );
    expect(value).toBe('written');
    expect(tries).toBe(4);

    let other = 0;
    await expect(
      retryWhileBusy(() => {
        other++;
        throw Object.assign(new Error('constraint'), { errcode: 19 });
      }),
    ).rejects.toThrow('constraint');
    expect(other).toBe(1);
  });
});

describe('another process holds the write lock', () => {
  it(`a run started while the lock is held (${LOCK_MS / 1000} s) waits, keeps the app answering, and finishes every cell with its answer`, async () => {
    const services = servicesIn(dir);
    // A first small run: the schema exists before the holder opens the file, and the sandbox's
    // worker thread and the tokenizer are loaded (a one-time ~0.4 s that is not what is measured).
    const warm = await call(services, 'runs.start', request(1, 1));
    await services.runner.whenDone(warm.runId);
    const { released } = await holdLock(dir, LOCK_MS);
    const latency = sampleLatency(services);
    const startedAt = performance.now();
    const { runId, total } = await call(services, 'runs.start', request(60, 5));
    const startReturnedAt = performance.now();
    const done = finished(services, runId);
    const status = await done;
    const samples = await latency.stop();
    const releasedAt = await released;

    expect(total).toBe(300);
    // The start could not be written before the holder let go: it waited instead of failing.
    expect(startReturnedAt).toBeGreaterThanOrEqual(releasedAt - 50);
    expect(startReturnedAt - startedAt).toBeGreaterThan(LOCK_MS / 2);
    expect(status).toBe('done');
    const counts = countsInDatabase(dir, runId);
    expect(counts).toEqual({ status: 'done', cells: 300, byStatus: { done: 300 }, cellCount: 300 });
    // Every answer is there, and it is the echo of its own row.
    const detail = await call(services, 'runs.get', { runId });
    for (const cell of detail.cells) expect(cell.output).toBe(`Say ${String(cell.variables['word'])} back.`);
    // Meanwhile the app answered: app.info kept coming back quickly during the whole wait.
    expect(samples.length).toBeGreaterThan(LOCK_MS / 100);
    expect(percentile(samples, 0.95)).toBeLessThan(100);
  });

  it('a lock taken in the middle of a run is waited out: no answer lost, no cell left running, the run done', async () => {
    // Slow enough echo answers that the run is still going when the lock is taken.
    const services = servicesIn(dir, 20);
    const { runId, total } = await call(services, 'runs.start', request(40, 5));
    const done = finished(services, runId);
    // Wait for the first answers, then hold the lock while the rest stream in.
    await new Promise<void>((r) => {
      const off = services.onEvent((event) => {
        if (event.type === 'cell.update' && event.cell.status === 'done') {
          off();
          r();
        }
      });
    });
    const { released } = await holdLock(dir, LOCK_MS);
    const status = await done;
    await released;
    expect(status).toBe('done');
    expect(countsInDatabase(dir, runId)).toEqual({ status: 'done', cells: total, byStatus: { done: total }, cellCount: total });
  });

  it('a stop while the lock is held ends the run cancelled once the lock is free, with no cell left pending or running', async () => {
    const services = servicesIn(dir, 20);
    const { runId, total } = await call(services, 'runs.start', request(40, 5));
    const done = finished(services, runId);
    const { released } = await holdLock(dir, LOCK_MS);
    const stopped = await call(services, 'runs.stop', { runId });
    expect(stopped.stopped).toBeGreaterThan(0);
    const status = await done;
    const endedAt = performance.now();
    const releasedAt = await released;
    expect(status).toBe('cancelled');
    // The run's end could only be written once the holder let go (its word of it may come a moment late).
    expect(endedAt).toBeGreaterThan(releasedAt - 200);
    const counts = countsInDatabase(dir, runId);
    expect(counts.status).toBe('cancelled');
    expect(counts.cells).toBe(total);
    expect(counts.byStatus['pending'] ?? 0).toBe(0);
    expect(counts.byStatus['running'] ?? 0).toBe(0);
    expect(counts.byStatus['cancelled'] ?? 0).toBeGreaterThan(0);
  });

  it('parallax eval during the lock exits 0, and the counts it prints are the ones in the database', async () => {
    const prepare = servicesIn(dir);
    await call(prepare, 'app.info', {});
    prepare.close();
    open.splice(open.indexOf(prepare), 1);
    const tests = Array.from({ length: 200 }, (_, i) => `  - vars: { topic: t${i} }`).join('\n');
    await writeFile(join(dir, 'promptfooconfig.yaml'), `prompts:\n  - 'Tell me about {{topic}}'\nproviders:\n  - echo\ntests:\n${tests}\n`);
    const { released } = await holdLock(dir, LOCK_MS);
    let stderr = '';
    const outcome = await runEval({
      configPath: 'promptfooconfig.yaml',
      outputs: [],
      dataDir: dir,
      cache: false,
      repeat: 3,
      env: {},
      cwd: dir,
      version: 'test',
      log: (text) => {
        stderr += text;
      },
    });
    await released;
    expect(stderr).not.toMatch(/database is locked/i);
    expect(outcome).toMatchObject({ exitCode: 0, cells: 600, failed: 0, cancelled: 0 });
    const runId = outcome.runId ?? '';
    const counts = countsInDatabase(dir, runId);
    expect(counts).toEqual({ status: 'done', cells: 600, byStatus: { done: 600 }, cellCount: 600 });
    // The summary line says what the database holds.
    expect(stderr).toMatch(/Finished 600 cells in .*: 600 ok, 0 failed\./);
  });
});

describe('a big start', () => {
  // 2,000 rows × 50 repeats: the 400k figure of the issue is measured by npm run bench -- --big-start.
  const ROWS = 2000;
  const REPEATS = 50;
  const TOTAL = ROWS * REPEATS;

  it(`runs.start of ${TOTAL.toLocaleString('en-US')} cells returns before the cells are written, and other calls are answered between chunks`, async () => {
    const services = servicesIn(dir);
    await call(services, 'app.info', {});
    const latency = sampleLatency(services, 5);
    const t0 = performance.now();
    const { runId, total } = await call(services, 'runs.start', request(ROWS, REPEATS));
    const startMs = performance.now() - t0;
    expect(total).toBe(TOTAL);
    // Returned after the first chunk: most cells are still to be written.
    const atReturn = countsInDatabase(dir, runId);
    expect(atReturn.status).toBe('running');
    expect(atReturn.cells).toBeLessThan(TOTAL / 2);
    expect(startMs).toBeLessThan(1000);
    // The run is visible meanwhile.
    const listed = await call(services, 'runs.list', { limit: 5, offset: 0 });
    expect(listed.runs.map((r) => r.id)).toContain(runId);
    // Wait until every cell is written, counting the calls answered meanwhile.
    const answeredBefore = latency.answered();
    let chunksSeen = 0;
    for (let last = atReturn.cells; services.store.isPlanning(runId); ) {
      await new Promise((r) => setTimeout(r, 20));
      const now = countsInDatabase(dir, runId).cells;
      if (now > last) chunksSeen++;
      last = now;
    }
    const answeredWhilePlanning = latency.answered() - answeredBefore;
    const samples = await latency.stop();
    const status = finished(services, runId);
    await call(services, 'runs.stop', { runId });
    expect(await status).toBe('cancelled');
    const counts = countsInDatabase(dir, runId);
    expect(counts.cells).toBe(TOTAL);
    expect(counts.cellCount).toBe(TOTAL);
    expect((counts.byStatus['pending'] ?? 0) + (counts.byStatus['running'] ?? 0)).toBe(0);
    // app.info was answered all along, many times while the cells went in, chunk after chunk.
    // (The p95 target, < 100 ms, is asserted loosely here, as the machine's other load varies;
    // npm run bench:contention measures it, for 400k cells.)
    expect(chunksSeen).toBeGreaterThan(5);
    expect(answeredWhilePlanning).toBeGreaterThan(chunksSeen);
    expect(percentile(samples, 0.5)).toBeLessThan(100);
    expect(percentile(samples, 0.95)).toBeLessThan(500);
  }, 60_000);

  it('a stop while the run is being written ends it cancelled, with the cells it has and none left pending', async () => {
    const services = servicesIn(dir);
    const { runId } = await call(services, 'runs.start', request(ROWS, REPEATS));
    const status = finished(services, runId);
    await call(services, 'runs.stop', { runId });
    expect(await status).toBe('cancelled');
    expect(services.store.isPlanning(runId)).toBe(false);
    const counts = countsInDatabase(dir, runId);
    expect(counts.status).toBe('cancelled');
    expect(counts.cells).toBeLessThan(TOTAL);
    expect(counts.cellCount).toBe(counts.cells);
    expect(Object.keys(counts.byStatus)).toEqual(['cancelled']);
  }, 60_000);

  it('a planning mark left for a run that was never written is cleared on open', async () => {
    servicesIn(dir).close();
    open.splice(0);
    const db = new DatabaseSync(join(dir, DATABASE_FILE));
    db.prepare(`INSERT INTO kv (key, value) VALUES ('planning:no-such-run', 'someone')`).run();
    db.close();
    const again = servicesIn(dir);
    expect(again.store.isPlanning('no-such-run')).toBe(false);
  });

  it('a crash while the run is being written leaves nothing half-written: the next open removes the run', async () => {
    const services = servicesIn(dir);
    const { runId } = await call(services, 'runs.start', request(ROWS, REPEATS));
    expect(countsInDatabase(dir, runId).cells).toBeGreaterThan(0);
    // The app quits mid-planning (as a crash would, the planning never ends).
    services.close();
    open.splice(open.indexOf(services), 1);
    const partial = countsInDatabase(dir, runId);
    expect(partial.cells).toBeGreaterThan(0);
    expect(partial.cells).toBeLessThan(TOTAL);
    const again = servicesIn(dir);
    expect(again.store.runStatus(runId)).toBeUndefined();
    expect(countsInDatabase(dir, runId)).toMatchObject({ status: 'missing', cells: 0 });
    expect(again.store.isPlanning(runId)).toBe(false);
    const envelope = await dispatch(again.handlers, 'runs.get', { runId });
    expect(envelope.ok).toBe(false);
  }, 60_000);
});
