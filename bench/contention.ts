// `npm run bench:contention` (also the last part of `npm run bench`): issue 10's contention and
// big-start figures, measured in-process on the services, through `dispatch` as every front
// door calls them (run from the sources with jiti, so it needs no build).
//
//   npm run bench:contention
//   npm run bench:contention -- --big-cells 100000 --lock-s 5 --eval-cells 2000
//
// 1. Big start: runs.start of --big-cells echo cells (rows × 50 repeats) while app.info is
//    called every 5 ms; prints how long runs.start took to answer, how long the cells took to
//    be written, and app.info's latency meanwhile (target: p95 < 100 ms), then the same for a
//    stop of that run.
// 2. Contention: `parallax eval` of --eval-cells echo cells while a second process (node:sqlite,
//    BEGIN IMMEDIATE) holds the write lock for --lock-s seconds: exit code, the counts it
//    printed against the database's, cells left running, and how late a 10 ms timer fired
//    meanwhile (the event loop stays free while writes wait).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { dispatch } from '../src/main/api/dispatch';
import { runEval } from '../src/main/cli/eval';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from '../src/main/providers/echo';
import { MemorySecretStore } from '../src/main/secrets/secrets';
import { createServices, type Services } from '../src/main/services';
import { DATABASE_FILE } from '../src/main/store/store';
import type { MethodInput, MethodName, MethodOutput } from '../src/shared/contract';

const REPEATS = 50;
const { values } = parseArgs({
  options: {
    'big-cells': { type: 'string', default: '400000' },
    'lock-s': { type: 'string', default: '15' },
    'eval-cells': { type: 'string', default: '2000' },
    only: { type: 'string' },
  },
  strict: true,
});
const bigCells = Number(values['big-cells']);
const lockMs = Number(values['lock-s']) * 1000;
const evalCells = Number(values['eval-cells']);
if (![bigCells, lockMs, evalCells].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('bench:contention: --big-cells, --lock-s and --eval-cells take whole numbers above 0\n');
  process.exit(2);
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}
function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}
function describe(samples: readonly number[]): string {
  return `${samples.length} calls, p50 ${ms(percentile(samples, 0.5))}, p95 ${ms(percentile(samples, 0.95))}, max ${ms(Math.max(...samples))}`;
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

/**
 * app.info for calls arriving every `everyMs` on a fixed schedule, until stopped; each timed
 * from when it was due, so a call that arrived while the thread was busy counts the wait.
 */
function sample(services: Services, everyMs: number): () => Promise<number[]> {
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
  return async () => {
    running = false;
    await loop;
    return samples;
  };
}

function open(dataDir: string): Services {
  return createServices({ dataDir, door: 'web', version: 'bench', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 4096 } });
}

async function bigStart(dir: string): Promise<boolean> {
  const rows = Math.ceil(bigCells / REPEATS);
  const services = open(dir);
  try {
    await call(services, 'app.info', {});
    const request: MethodInput<'runs.start'> = {
      messages: [{ role: 'user', content: 'Summarise {{topic}} for {{audience}}.' }],
      testCases: Array.from({ length: rows }, (_, i) => ({ id: `case-${i}`, vars: { topic: `topic ${i}`, audience: 'engineers' } })),
      columns: [{ id: 'c1', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: {} }],
      repeats: REPEATS,
      useCache: false,
    };
    const stopSampling = sample(services, 5);
    const t0 = performance.now();
    const { runId, total } = await call(services, 'runs.start', request);
    const answered = performance.now() - t0;
    while (services.store.isPlanning(runId)) await new Promise((r) => setTimeout(r, 10));
    const written = performance.now() - t0;
    const during = await stopSampling();
    const stopSampling2 = sample(services, 5);
    const t1 = performance.now();
    const finished = new Promise<string>((resolve) => {
      const off = services.onEvent((event) => {
        if (event.type === 'run.finished' && event.runId === runId) {
          off();
          resolve(event.status);
        }
      });
    });
    await call(services, 'runs.stop', { runId });
    const status = await finished;
    const stopped = performance.now() - t1;
    const duringStop = await stopSampling2();
    const p = services.store.progress(runId);
    process.stdout.write(
      `\nBig start: ${total.toLocaleString('en-US')} cells (${rows.toLocaleString('en-US')} rows × ${REPEATS} repeats, echo)\n` +
        `  runs.start answered in ${ms(answered)}; all cells written after ${(written / 1000).toFixed(2)} s\n` +
        `  app.info meanwhile: ${describe(during)}   (target: p95 < 100 ms)\n` +
        `  runs.stop → run ${status} in ${(stopped / 1000).toFixed(2)} s; app.info meanwhile: ${describe(duringStop)}\n` +
        `  cells: ${p.total.toLocaleString('en-US')} in the database, ${p.pending} pending, ${p.running} running\n`,
    );
    return p.total === total && p.pending + p.running === 0 && percentile(during, 0.95) < 100;
  } finally {
    services.close();
  }
}

const HOLDER = `
import { DatabaseSync } from 'node:sqlite';
const [file, ms] = process.argv.slice(2);
const db = new DatabaseSync(file);
db.exec('PRAGMA busy_timeout = 60000');
db.exec('BEGIN IMMEDIATE');
db.exec("INSERT INTO kv (key, value) VALUES ('bench-lock', 'held') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(ms));
`;

async function contention(dir: string): Promise<boolean> {
  // The schema first, so the lock holder finds the kv table.
  open(dir).close();
  const tests = Array.from({ length: evalCells }, (_, i) => `  - vars: { topic: t${i} }`).join('\n');
  writeFileSync(join(dir, 'promptfooconfig.yaml'), `prompts:\n  - 'Tell me about {{topic}}'\nproviders:\n  - echo\ntests:\n${tests}\n`);
  writeFileSync(join(dir, 'holder.mjs'), HOLDER);
  // How late a 10 ms timer fires while the lock is held (the writes wait; the thread should not).
  let lagMax = 0;
  let last = performance.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    if (lockedAt > 0 && now < lockedAt + lockMs) lagMax = Math.max(lagMax, now - last - 10);
    last = now;
  }, 10);
  let log = '';
  let lockedAt = 0;
  const t0 = performance.now();
  let holder: ReturnType<typeof spawn> | undefined;
  // The lock is taken once the first answers are in, as another process's big write would.
  const takeLock = setTimeout(() => {
    holder = spawn(process.execPath, [join(dir, 'holder.mjs'), join(dir, DATABASE_FILE), String(lockMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    holder.stdout?.once('data', () => {
      lockedAt = performance.now();
    });
  }, 200);
  const outcome = await runEval({
    configPath: 'promptfooconfig.yaml',
    outputs: [],
    dataDir: dir,
    cache: false,
    maxConcurrency: 16,
    env: {},
    cwd: dir,
    version: 'bench',
    log: (text) => {
      log += text;
    },
  });
  const wall = performance.now() - t0;
  clearTimeout(takeLock);
  clearInterval(lagTimer);
  if (holder && holder.exitCode === null) await new Promise((r) => holder?.once('exit', r));
  const db = new DatabaseSync(join(dir, DATABASE_FILE), { readOnly: true });
  const rows = db.prepare('SELECT status, COUNT(*) AS n FROM cells WHERE run_id = ? GROUP BY status').all(outcome.runId ?? '') as { status: string; n: number }[];
  const run = db.prepare('SELECT status FROM runs WHERE id = ?').get(outcome.runId ?? '') as { status: string } | undefined;
  db.close();
  const inDb = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const summary = /Finished .*$/m.exec(log)?.[0] ?? '(no summary line)';
  const printedOk = Number(/: (\d+) ok/.exec(summary)?.[1] ?? -1);
  process.stdout.write(
    `\nContention: parallax eval of ${evalCells.toLocaleString('en-US')} echo cells, -j 16, while another process holds the write lock for ${lockMs / 1000} s` +
      `${lockedAt === 0 ? ' (the run ended before the lock was taken: raise --eval-cells)' : ` (taken ${((lockedAt - t0) / 1000).toFixed(2)} s in)`}\n` +
      `  exit ${outcome.exitCode} after ${(wall / 1000).toFixed(2)} s; it printed: ${summary.replace(/ Run .*$/, '')}\n` +
      `  the database: run ${run?.status ?? 'missing'}, cells ${JSON.stringify(inDb)}\n` +
      `  longest event-loop stall while the lock was held: ${ms(lagMax)}\n`,
  );
  return outcome.exitCode === 0 && printedOk === evalCells && inDb['done'] === evalCells && run?.status === 'done' && lockedAt > 0;
}

const base = mkdtempSync(join(tmpdir(), 'parallax-bench-contention-'));
try {
  let ok = true;
  if (values.only !== 'contention') ok = (await bigStart(join(base, 'big'))) && ok;
  if (values.only !== 'big-start') ok = (await contention(join(base, 'lock'))) && ok;
  process.stdout.write(ok ? '\nbench:contention: every figure within its target.\n' : '\nbench:contention: a figure missed its target (above).\n');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(base, { recursive: true, force: true });
}
