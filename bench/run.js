// `npm run bench`: speed and memory of `parallax eval`, measured (issue 3, "Speed and memory,
// measured"). Not a test: it prints figures next to the targets and fails only when a run
// itself fails or writes wrong results.
//
//   npm run bench
//   npm run bench -- --sizes 1000 --concurrency 16 --providers openai
//   npm run bench -- --sizes 1000 --providers openai --cpu-prof bench/.tmp/prof
//
// For each size it writes a config (one prompt × one provider × N tests from a CSV file), runs
// `node bin/parallax.js eval -c <cfg> -o <out.jsonl> -j <c> --no-cache --data-dir <fresh dir>` as a child
// process and measures its wall time (spawn to exit, so start-up, config parsing and writing
// the results count) and its peak RSS (VmHWM from /proc, polled every 50 ms, summed over the
// process and any children it starts). The openai runs talk to bench/fake-server.js, started
// in its own process so its CPU and memory are not counted; the echo runs need no server and
// show what Parallax itself costs.
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(root, 'bench/fake-server.js');
const BARE = join(root, 'bench/bare-client.js');
const TMP_BASE = join(root, 'bench/.tmp');
const KEY_ENVAR = 'PARALLAX_BENCH_API_KEY';
const SAMPLE_MS = 50;
const SCAN_EVERY = 5; // look for child processes every 5th sample (250 ms)
const CLK_TCK = 100; // USER_HZ on Linux
const STDERR_KEEP = 200; // lines of the CLI's stderr kept for a failure report

// The issue's targets.
const TARGET_RATIO = 1.3;
const TARGET_CONCURRENCY = 16;
const TARGET_RSS_MB = 150;
const TARGET_RSS_AT = 10_000;
const TARGET_GROWTH_MB = 30;
const PROMPTFOO = { cells: 1000, concurrency: 16, wallS: 4.6, rssMb: 300 };
// Issue 14's: against the bare client (bench/bare-client.js) on the same requests, and a re-run
// served wholly from the cache.
const TARGET_BARE_RATIO = 1.25;
const TARGET_CPU_MS_PER_CELL = 1.5;
const TARGET_CACHED_S = 2;
const TARGET_CACHED_AT = 10_000;
const TARGET_RSS_MB_14 = 120;
const PROMPTFOO_VERSION = '0.121.20';

const USAGE = `Usage: npm run bench -- [options]

  --sizes <n,n,…>           cells per run (default 1000,10000)
  --concurrency <n>         -j for parallax eval (default 16)
  --providers <list>        openai, echo or both (default openai,echo)
  --ttft-ms <ms>            the fake server's delay before the first token (default 100)
  --chunks <n>              chunks per answer (default 10)
  --chunk-interval-ms <ms>  time between chunks (default 5)
  --timeout-s <s>           give up on one run after this long (default: from the ideal time)
  --cpu-prof <dir>          run the CLI under node --cpu-prof, profiles into <dir> (slower;
                            summarise one with node bench/profile-summary.js <file>)
  --bin <file>              the parallax.js to measure (default bin/parallax.js; e.g. a
                            patched checkout's, to compare)
  --node-arg <arg>          pass an option to the CLI's node, e.g. --node-arg=--optimize-for-size
                            (repeatable; for experiments)
  --keep                    keep the temporary configs, outputs and databases
  --promptfoo               also time promptfoo 0.121.20's cached re-run of the largest openai
                            matrix (from npx's cache; installs it there once)
  --skip-contention         leave out issue 10's big-start and locked-database figures
                            (npm run bench:contention runs only those)
  --skip-ui                 leave out the UI figures (npm run bench:ui runs only those)
  --verbose                 show the CLI's progress lines, with the time since it started
  -h, --help                this help
`;

let options;
try {
  options = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      concurrency: { type: 'string', default: String(TARGET_CONCURRENCY) },
      providers: { type: 'string', default: 'openai,echo' },
      'ttft-ms': { type: 'string', default: '100' },
      chunks: { type: 'string', default: '10' },
      'chunk-interval-ms': { type: 'string', default: '5' },
      'timeout-s': { type: 'string' },
      'cpu-prof': { type: 'string' },
      bin: { type: 'string' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      'skip-contention': { type: 'boolean', default: false },
      'skip-ui': { type: 'boolean', default: false },
      promptfoo: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function usageError(message) {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(text, name, min, max) {
  const n = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || n < min || n > max) usageError(`${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
}

const sizes = options.sizes.split(',').map((s) => wholeNumber(s, '--sizes', 1, 1_000_000));
const concurrency = wholeNumber(options.concurrency, '--concurrency', 1, 1000);
const providers = options.providers.split(',').map((p) => p.trim());
for (const p of providers) if (p !== 'openai' && p !== 'echo') usageError(`unknown provider "${p}"; use openai and/or echo`);
const ttftMs = wholeNumber(options['ttft-ms'], '--ttft-ms', 0, 60_000);
const chunks = wholeNumber(options.chunks, '--chunks', 1, 10_000);
const intervalMs = wholeNumber(options['chunk-interval-ms'], '--chunk-interval-ms', 0, 60_000);
const timeoutOverride = options['timeout-s'] !== undefined ? wholeNumber(options['timeout-s'], '--timeout-s', 1, 24 * 3600) : undefined;
const BIN = options.bin !== undefined ? resolvePath(options.bin) : join(root, 'bin/parallax.js');
if (!existsSync(BIN)) usageError(`no such file: ${BIN}`);
const cpuProfDir = options['cpu-prof'] !== undefined ? resolvePath(options['cpu-prof']) : undefined;
/** One request, as the fake server paces it: first token, then the rest of the chunks. */
const requestMs = ttftMs + (chunks - 1) * intervalMs;

// ── cleanup, on any exit ───────────────────────────────────────────────────

const state = { tmp: undefined, server: undefined, serverDied: undefined, child: undefined, sampler: undefined, stopping: false };

function cleanupSync() {
  if (state.sampler) clearInterval(state.sampler);
  if (state.child && state.child.exitCode === null && state.child.signalCode === null) state.child.kill('SIGKILL');
  if (state.server && state.server.exitCode === null && state.server.signalCode === null) state.server.kill('SIGTERM');
  if (state.tmp && !options.keep) rmSync(state.tmp, { recursive: true, force: true });
}
process.on('exit', cleanupSync);

function waitForExit(child, ms) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function interrupted(signal) {
  if (state.stopping) process.exit(130); // a second Ctrl+C: now
  state.stopping = true;
  process.stderr.write(`\nbench: ${signal}; stopping the run and cleaning up…\n`);
  const { child } = state;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await waitForExit(child, 3000);
  }
  process.exit(130); // the exit handler kills what is left and removes the temp dir
}
process.on('SIGINT', () => void interrupted('SIGINT'));
process.on('SIGTERM', () => void interrupted('SIGTERM'));

// ── the fake server ────────────────────────────────────────────────────────

function startServer() {
  const server = fork(SERVER, ['--ttft-ms', String(ttftMs), '--chunks', String(chunks), '--chunk-interval-ms', String(intervalMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  state.server = server;
  server.on('error', (error) => process.stderr.write(`bench: fake server: ${error.message}\n`));
  // If the server dies mid-run, the CLI would only retry into a closed port: stop that run now.
  server.on('exit', (code, signal) => {
    if (state.stopping || !state.child) return;
    state.serverDied = `the fake server died (status ${code ?? signal}) during the run`;
    state.child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the fake server did not start within 10 s')), 10_000);
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fake server exited (status ${code}) before it was ready`));
    });
    server.once('message', (message) => {
      clearTimeout(timer);
      if (message?.type === 'ready') resolve(message);
      else reject(new Error(`unexpected message from the fake server: ${JSON.stringify(message)}`));
    });
  });
}

function askServer(type) {
  const { server } = state;
  return new Promise((resolve, reject) => {
    if (!server?.connected) {
      reject(new Error(`the fake server is gone (status ${server?.exitCode ?? server?.signalCode ?? '?'})`));
      return;
    }
    const timer = setTimeout(() => reject(new Error(`the fake server did not answer "${type}" within 5 s`)), 5000);
    const onMessage = (message) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      server.off('message', onMessage);
      resolve(message);
    };
    server.on('message', onMessage);
    server.send({ type }, (error) => {
      if (!error) return;
      clearTimeout(timer);
      server.off('message', onMessage);
      reject(error);
    });
  });
}

// ── /proc sampling ─────────────────────────────────────────────────────────

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function statusKb(status, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/** utime + stime in clock ticks, from /proc/<pid>/stat (the command name may hold spaces). */
function cpuTicks(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function parentOf(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every descendant of `rootPid` alive now (this kernel has no /proc/<pid>/task/<tid>/children). */
function descendants(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(name);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found = [];
  const queue = [rootPid];
  while (queue.length > 0 && found.length < 1000) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Polls a process tree. Peak RSS is the sum of each process's VmHWM as last seen (for one
 * process, exactly its VmHWM; for a launcher plus the process it starts, a safe upper bound).
 */
function sampleTree(rootPid) {
  const seen = new Map(); // pid → { hwmKb, cpuTicks }
  const tracked = new Set([rootPid]);
  let ticks = 0;
  const sample = () => {
    if (ticks++ % SCAN_EVERY === 0) for (const pid of descendants(rootPid)) tracked.add(pid);
    for (const pid of tracked) {
      const status = readProc(pid, 'status');
      const hwm = status ? statusKb(status, 'VmHWM') : undefined;
      const cpu = cpuTicks(pid);
      const entry = seen.get(pid) ?? { hwmKb: 0, cpuTicks: 0 };
      if (hwm !== undefined) entry.hwmKb = Math.max(entry.hwmKb, hwm);
      if (cpu !== undefined) entry.cpuTicks = Math.max(entry.cpuTicks, cpu);
      seen.set(pid, entry);
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  state.sampler = timer;
  return {
    sample,
    stop() {
      clearInterval(timer);
      state.sampler = undefined;
      const all = [...seen.values()];
      return {
        peakKb: all.reduce((sum, e) => sum + e.hwmKb, 0),
        cpuS: all.reduce((sum, e) => sum + e.cpuTicks, 0) / CLK_TCK,
        processes: [...seen.entries()].filter(([, e]) => e.hwmKb > 0).length,
      };
    },
  };
}

// ── configs, runs, checks ──────────────────────────────────────────────────

const PROMPT = 'Write a one-sentence product blurb for {{product}}, aimed at {{audience}}.';

function writeConfig(path, provider, cells, baseUrl) {
  const lines = [
    `description: parallax bench, ${cells} cells (${provider})`,
    'prompts:',
    `  - ${JSON.stringify(PROMPT)}`,
    'providers:',
  ];
  if (provider === 'echo') {
    lines.push('  - echo');
  } else {
    lines.push('  - id: openai:chat:bench-model', '    config:', `      apiBaseUrl: ${baseUrl}`, `      apiKeyEnvar: ${KEY_ENVAR}`);
  }
  // Tests from a CSV file, as a prompt engineer with a big table writes them (file://).
  const csv = join(dirname(path), 'tests.csv');
  const rows = ['product,audience'];
  for (let i = 0; i < cells; i++) rows.push(`product number ${i + 1},audience ${(i % 7) + 1}`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  lines.push('tests: file://tests.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function runTimeoutMs(cells) {
  if (timeoutOverride !== undefined) return timeoutOverride * 1000;
  const idealS = (Math.ceil(cells / concurrency) * requestMs) / 1000;
  return (120 + 10 * idealS + cells * 0.02) * 1000;
}

/**
 * Runs the CLI once (or another program: `command` with its own arguments, such as the bare
 * client or promptfoo); resolves with its exit, wall time, resource figures and stderr tail.
 */
function runCli(args, env, timeoutMs, command) {
  const nodeArgs = [...options['node-arg'], ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])];
  const started = performance.now();
  const [file, argv] = command ?? [process.execPath, [...nodeArgs, BIN, ...args]];
  const child = spawn(file, argv, { cwd: dirname(dirname(BIN)), env, stdio: ['ignore', 'pipe', 'pipe'] });
  state.child = child;
  const sampler = sampleTree(child.pid);
  const stderrLines = [];
  let partial = '';
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    if (stdout.length < 10_000) stdout += text;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    stderrLines.push(...parts);
    if (options.verbose) for (const line of parts) process.stderr.write(`\n  [${((performance.now() - started) / 1000).toFixed(2)} s] ${line}`);
    if (stderrLines.length > STDERR_KEEP) stderrLines.splice(0, stderrLines.length - STDERR_KEEP);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      const figures = sampler.stop();
      state.child = undefined;
      if (partial) stderrLines.push(partial);
      resolve({ code, signal, timedOut, wallMs, ...figures, stderr: stderrLines, stdout });
    });
  });
}

/** Checks the .jsonl results: N rows, one per test, each successful with the expected answer. */
function checkOutput(path, cells, provider, answer) {
  if (!existsSync(path)) return [`${relative(root, path)} was not written`];
  const problems = [];
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  if (lines.length !== cells) problems.push(`${lines.length} rows, expected ${cells}`);
  const testIndexes = new Set();
  let bad = 0;
  for (const [n, line] of lines.entries()) {
    let row;
    try {
      row = JSON.parse(line);
    } catch {
      bad++;
      if (bad <= 3) problems.push(`row ${n + 1} is not JSON`);
      continue;
    }
    testIndexes.add(row.testIndex);
    const expected = provider === 'openai' ? row.output === answer : typeof row.output === 'string' && row.output.includes('product number');
    if (row.success !== true || row.status !== 'done' || !expected) {
      bad++;
      if (bad <= 3) problems.push(`row ${n + 1}: status ${row.status}, success ${row.success}, error ${JSON.stringify(row.error)}, output ${JSON.stringify(String(row.output).slice(0, 80))}`);
    }
  }
  if (bad > 3) problems.push(`… ${bad} bad rows in all`);
  if (testIndexes.size !== cells) problems.push(`${testIndexes.size} distinct tests, expected ${cells}`);
  return problems;
}

// ── the table ──────────────────────────────────────────────────────────────

const mb = (kb) => kb / 1024;
const fmt = (n, digits) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

function table(rows) {
  const header = ['cells', 'provider', '-j', 'wall (s)', 'run (s)', 'req/s', 'CPU (s)', 'CPU/cell (ms)', 'peak RSS (MB)', 'ideal (s)', 'wall/ideal', 'target'];
  const body = rows.map((r) => [
    r.cells.toLocaleString('en-US'),
    r.provider,
    String(r.concurrency),
    fmt(r.wallMs / 1000, 2),
    fmt(r.runMs / 1000, 2),
    fmt(r.cells / (r.wallMs / 1000), 0),
    fmt(r.cpuS, 1),
    fmt((r.cpuS * 1000) / r.cells, 2),
    `${fmt(mb(r.peakKb), 0)}${r.processes > 1 ? '*' : ''}`,
    fmt(r.idealMs / 1000, 2),
    r.idealMs ? `${fmt(r.wallMs / r.idealMs, 2)}×` : '—',
    r.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const left = new Set([1, 11]);
  const line = (cells) => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function targetOf(provider, cells) {
  const parts = [];
  if (provider === 'openai') parts.push(`≤${TARGET_RATIO}× ideal${concurrency === TARGET_CONCURRENCY ? '' : ` (target is at -j${TARGET_CONCURRENCY})`}`);
  if (cells === TARGET_RSS_AT) parts.push(`RSS <${TARGET_RSS_MB} MB`);
  if (provider === 'echo' && cells === PROMPTFOO.cells) {
    parts.push(`promptfoo ${PROMPTFOO.wallS} s / ~${PROMPTFOO.rssMb} MB, aim ≤${PROMPTFOO.wallS / 2} s / ≤${PROMPTFOO.rssMb / 2} MB`);
  }
  return parts.join('; ') || '—';
}

const count = (n) => n.toLocaleString('en-US');

function verdicts(rows) {
  const out = [];
  const mark = (ok) => (ok ? 'met   ' : 'MISSED');
  for (const r of rows) {
    const bare = rows.find((b) => b.provider === 'bare client' && b.cells === r.cells && b.concurrency === r.concurrency);
    if (r.provider === 'openai' && bare) {
      const ratio = r.wallMs / bare.wallMs;
      out.push(`${mark(ratio <= TARGET_BARE_RATIO)} openai, ${count(r.cells)} cells: wall ${ratio.toFixed(2)}× the bare client's (target ≤${TARGET_BARE_RATIO}×)`);
      const cpuMs = (r.cpuS * 1000) / r.cells;
      out.push(`${mark(cpuMs <= TARGET_CPU_MS_PER_CELL)} openai, ${count(r.cells)} cells: ${cpuMs.toFixed(2)} ms of CPU per cell (target ≤${TARGET_CPU_MS_PER_CELL} ms; the bare client ${((bare.cpuS * 1000) / bare.cells).toFixed(2)} ms)`);
    }
    if (r.provider === 'openai, cached' && r.cells === TARGET_CACHED_AT) {
      const peer = rows.find((p) => p.provider === 'promptfoo, cached' && p.cells === r.cells);
      const vs = peer && Number.isFinite(peer.wallMs) ? `; promptfoo ${PROMPTFOO_VERSION} from its cache: ${(peer.wallMs / 1000).toFixed(2)} s` : '';
      out.push(`${mark(r.wallMs / 1000 <= TARGET_CACHED_S)} ${count(r.cells)} cells re-run from the cache: ${(r.wallMs / 1000).toFixed(2)} s (target ≤${TARGET_CACHED_S} s${vs})`);
    }
    if (r.provider === 'openai' && r.idealMs) {
      const ratio = r.wallMs / r.idealMs;
      const note = r.concurrency === TARGET_CONCURRENCY ? '' : `; the target is for -j${TARGET_CONCURRENCY}`;
      out.push(`${mark(ratio <= TARGET_RATIO)} openai, ${count(r.cells)} cells at -j${r.concurrency}: wall ${ratio.toFixed(2)}× the ideal (target ≤${TARGET_RATIO}×${note})`);
    }
  }
  for (const provider of providers) {
    const at = (cells) => rows.find((r) => r.provider === provider && r.cells === cells);
    const big = at(TARGET_RSS_AT);
    if (big) out.push(`${mark(mb(big.peakKb) <= TARGET_RSS_MB_14)} ${provider}, ${count(TARGET_RSS_AT)} cells: peak RSS ${mb(big.peakKb).toFixed(0)} MB${big.processes > 1 ? ' (two processes)' : ''} (target ≤${TARGET_RSS_MB_14} MB; issue 3's was <${TARGET_RSS_MB} MB)`);
    const small = at(1000);
    if (big && small) {
      const growth = mb(big.peakKb) - mb(small.peakKb);
      out.push(`${mark(growth < TARGET_GROWTH_MB)} ${provider}, 1,000 → ${count(TARGET_RSS_AT)} cells: peak RSS grows ${growth.toFixed(0)} MB (target <${TARGET_GROWTH_MB} MB)`);
    }
  }
  const echo = rows.find((r) => r.provider === 'echo' && r.cells === PROMPTFOO.cells && r.concurrency === PROMPTFOO.concurrency);
  if (echo) {
    const wallS = echo.wallMs / 1000;
    const rssMb = mb(echo.peakKb);
    const ref = `promptfoo 0.121: ${PROMPTFOO.wallS} s and ~${PROMPTFOO.rssMb} MB for ${count(PROMPTFOO.cells)} echo cells at -j${PROMPTFOO.concurrency}`;
    out.push(`${mark(wallS <= PROMPTFOO.wallS / 2)} echo, ${count(PROMPTFOO.cells)} cells: wall ${wallS.toFixed(2)} s (aim ≤${PROMPTFOO.wallS / 2} s, half of ${ref})`);
    out.push(`${mark(rssMb <= PROMPTFOO.rssMb / 2)} echo, ${count(PROMPTFOO.cells)} cells: peak RSS ${rssMb.toFixed(0)} MB (aim ≤${PROMPTFOO.rssMb / 2} MB, half of promptfoo's ~${PROMPTFOO.rssMb} MB)`);
  }
  return out;
}

// ── the floor, the cache, the peer ─────────────────────────────────────────

/** The bare client (fetch, SSE, nothing kept) on the same requests: the floor for wall and CPU. */
async function bareRow(cells, baseUrl, env) {
  await askServer('reset');
  process.stderr.write(`bench: ${cells} cells with the bare client at -j${concurrency}…`);
  const result = await runCli([], env, runTimeoutMs(cells), [process.execPath, [BARE, '--url', baseUrl, '--cells', String(cells), '-j', String(concurrency)]]);
  const problems = [];
  let summary;
  try {
    summary = JSON.parse(result.stdout.trim());
  } catch {
    problems.push(`the bare client printed no summary (exit ${result.code ?? result.signal})`);
  }
  if (summary && summary.ok !== cells) problems.push(`the bare client got ${summary.ok} answers, expected ${cells}`);
  process.stderr.write(` ${(result.wallMs / 1000).toFixed(2)} s, ${mb(result.peakKb).toFixed(0)} MB${problems.length ? ' — FAILED' : ''}\n`);
  const row = { cells, provider: 'bare client', concurrency, wallMs: result.wallMs, cpuS: result.cpuS, peakKb: result.peakKb, processes: result.processes, idealMs: Math.ceil(cells / concurrency) * requestMs, target: 'the floor' };
  return { row, problems, label: `${cells} cells with the bare client` };
}

/** The same eval again on the same data folder: every answer comes from the cache. */
async function cachedRow(cells, args, output, env) {
  await askServer('reset');
  process.stderr.write(`bench: ${cells} openai cells again, from the cache…`);
  const result = await runCli(args, env, runTimeoutMs(cells));
  const problems = [];
  if (result.code !== 0) problems.push(`exit status ${result.code ?? result.signal}`);
  problems.push(...checkOutput(output, cells, 'openai', state.answer));
  const stats = await askServer('stats').then((m) => m.stats, () => undefined);
  if (stats && stats.requests !== 0) problems.push(`the re-run sent ${stats.requests} requests; all ${cells} should come from the cache`);
  const fromCache = result.stderr.map((l) => /\((\d+) from the cache/.exec(l)).find(Boolean);
  if (!fromCache || Number(fromCache[1]) !== cells) problems.push(`the CLI reported ${fromCache ? fromCache[1] : 'no'} answers from the cache, expected ${cells}`);
  process.stderr.write(` ${(result.wallMs / 1000).toFixed(2)} s, ${mb(result.peakKb).toFixed(0)} MB${problems.length ? ' — FAILED' : ''}\n`);
  const target = cells === TARGET_CACHED_AT ? `≤${TARGET_CACHED_S} s` : '—';
  const row = { cells, provider: 'openai, cached', concurrency, wallMs: result.wallMs, cpuS: result.cpuS, peakKb: result.peakKb, processes: result.processes, target };
  return { row, problems, label: `${cells} openai cells from the cache` };
}

/** promptfoo's entry point in npx's cache (installed there once through the registry). */
function promptfooEntry(env) {
  const cache = process.env.npm_config_cache ?? join(process.env.HOME ?? '', '.npm');
  const find = () => {
    const npx = join(cache, '_npx');
    if (!existsSync(npx)) return undefined;
    for (const hash of readdirSync(npx)) {
      const pkg = join(npx, hash, 'node_modules/promptfoo/package.json');
      if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === PROMPTFOO_VERSION) return join(dirname(pkg), 'dist/src/entrypoint.js');
    }
    return undefined;
  };
  if (!find()) spawnSync('npx', ['-y', `promptfoo@${PROMPTFOO_VERSION}`, '--version'], { env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` }, stdio: 'ignore', timeout: 600_000 });
  return find();
}

/**
 * promptfoo 0.121.20 on the same config: one run to fill its cache, then the timed re-run. Its
 * telemetry and update checks go to a closed loopback port; all traffic stays on 127.0.0.1.
 */
async function promptfooCachedRow(cells, dir, config) {
  const closed = 'http://127.0.0.1:9';
  const env = {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    PROMPTFOO_CONFIG_DIR: join(dir, 'promptfoo-home'),
    PROMPTFOO_CACHE_PATH: join(dir, 'promptfoo-cache'),
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    HTTP_PROXY: closed,
    HTTPS_PROXY: closed,
    http_proxy: closed,
    https_proxy: closed,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    [KEY_ENVAR]: 'bench-dummy-key-not-a-secret',
  };
  const label = `promptfoo ${PROMPTFOO_VERSION}, ${cells} cells from its cache`;
  const row = { cells, provider: `promptfoo, cached`, concurrency, wallMs: NaN, cpuS: NaN, peakKb: 0, processes: 1, target: 'the peer' };
  const entry = promptfooEntry(env);
  if (!entry) return { row, problems: [`promptfoo@${PROMPTFOO_VERSION} could not be installed with npx`], label };
  const out = join(dir, 'promptfoo-out.json');
  const argv = [entry, 'eval', '-c', config, '--no-write', '--no-table', '--no-progress-bar', '-j', String(concurrency), '-o', out];
  process.stderr.write(`bench: promptfoo ${PROMPTFOO_VERSION}, ${cells} cells to fill its cache…`);
  const first = await runCli([], env, runTimeoutMs(cells) * 3, [process.execPath, argv]);
  process.stderr.write(` ${(first.wallMs / 1000).toFixed(2)} s; again, from its cache…`);
  await askServer('reset');
  const second = await runCli([], env, runTimeoutMs(cells) * 3, [process.execPath, argv]);
  const stats = await askServer('stats').then((m) => m.stats, () => undefined);
  const problems = [];
  if (!existsSync(out)) problems.push(`promptfoo wrote no results (exit ${second.code ?? second.signal})`);
  if (stats && stats.requests !== 0) problems.push(`promptfoo's re-run sent ${stats.requests} requests; its cache did not serve them all`);
  process.stderr.write(` ${(second.wallMs / 1000).toFixed(2)} s, ${mb(second.peakKb).toFixed(0)} MB${problems.length ? ' — FAILED' : ''}\n`);
  Object.assign(row, { wallMs: second.wallMs, cpuS: second.cpuS, peakKb: second.peakKb, processes: second.processes });
  return { row, problems, label };
}

// ── main ───────────────────────────────────────────────────────────────────

async function main() {
  mkdirSync(TMP_BASE, { recursive: true });
  state.tmp = mkdtempSync(join(TMP_BASE, 'run-'));
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const env = { ...process.env, [KEY_ENVAR]: 'bench-dummy-key-not-a-secret' };
  delete env.PARALLAX_DATA_DIR;

  process.stderr.write(`bench: node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), temp files in ${relative(root, state.tmp)}\n`);
  // Build first if the sources are newer than out/ (bin/launch.js would do it inside a timed run).
  process.stderr.write('bench: warming up (parallax --version; builds if the sources changed)…\n');
  const warm = spawnSync(process.execPath, [BIN, '--version'], { cwd: dirname(dirname(BIN)), env, stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  if (warm.status !== 0) throw new Error(`parallax --version failed (status ${warm.status ?? warm.signal})`);
  const nodeArgNote = options['node-arg'].length ? `, node options: ${options['node-arg'].join(' ')}` : '';
  process.stderr.write(`bench: parallax ${String(warm.stdout).trim()} (${relative(root, BIN) || BIN}${nodeArgNote})\n`);

  let server;
  if (providers.includes('openai')) {
    server = await startServer();
    state.answer = server.answer;
    process.stderr.write(
      `bench: fake server on 127.0.0.1:${server.port} (pid ${state.server.pid}): first token after ${ttftMs} ms, ` +
        `${chunks} chunks ${intervalMs} ms apart, so ${requestMs} ms per request\n`,
    );
  }

  const rows = [];
  const failures = [];
  for (const cells of sizes) {
    for (const provider of providers) {
      if (state.stopping) return 130;
      if (state.serverDied && provider === 'openai') continue;
      const dir = join(state.tmp, `${provider}-${cells}`);
      mkdirSync(dir);
      const config = join(dir, 'config.yaml');
      const output = join(dir, 'out.jsonl');
      writeConfig(config, provider, cells, server ? `http://127.0.0.1:${server.port}/v1` : '');
      if (provider === 'openai') await askServer('reset');
      const label = `${cells} ${provider} cells at -j${concurrency}`;
      process.stderr.write(`bench: ${label}…`);
      // A fresh data folder has an empty cache, so every cell is a real request; the answers go
      // into the cache as they would for a user, and the re-run below is served from it.
      const args = ['eval', '-c', config, '-o', output, '-j', String(concurrency), '--data-dir', join(dir, 'data')];
      const result = await runCli(args, env, runTimeoutMs(cells));
      if (state.stopping) return 130;
      const problems = [];
      if (state.serverDied) problems.push(state.serverDied);
      if (result.timedOut) problems.push(`timed out after ${(runTimeoutMs(cells) / 1000).toFixed(0)} s`);
      if (result.code !== 0) problems.push(`exit status ${result.code ?? result.signal}`);
      problems.push(...checkOutput(output, cells, provider, server?.answer));
      let serverNote = '';
      let serverMs;
      if (provider === 'openai') {
        const stats = await askServer('stats').then(
          (m) => m.stats,
          (error) => {
            problems.push(error.message);
            return undefined;
          },
        );
        if (!stats) {
          serverNote = '; the fake server did not report';
        } else {
          if (stats.requests !== cells) problems.push(`the server saw ${stats.requests} chat requests, expected ${cells}`);
          if (stats.errors > 0) problems.push(`the fake server had ${stats.errors} errors`);
          if (stats.maxInFlight > concurrency) problems.push(`${stats.maxInFlight} requests were in flight at once, more than -j${concurrency}`);
          serverMs = stats.completed ? stats.serviceMsTotal / stats.completed : undefined;
          serverNote = `; server: ${stats.maxInFlight} in flight at most, ${fmt(serverMs, 1)} ms per request`;
        }
      }
      const finished = result.stderr.map((l) => /^Finished \d+ cells? in ([\d.]+) s \(wall time\)/.exec(l)).find(Boolean);
      const runMs = finished ? Number(finished[1]) * 1000 : undefined;
      const idealMs = provider === 'openai' ? Math.ceil(cells / concurrency) * requestMs : undefined;
      rows.push({
        cells,
        provider,
        concurrency,
        wallMs: result.wallMs,
        runMs,
        cpuS: result.cpuS,
        peakKb: result.peakKb,
        processes: result.processes,
        idealMs,
        serverMs,
        target: targetOf(provider, cells),
      });
      process.stderr.write(
        ` ${(result.wallMs / 1000).toFixed(2)} s, ${mb(result.peakKb).toFixed(0)} MB` +
          `${result.processes > 1 ? ` (${result.processes} processes)` : ''}${serverNote}${problems.length ? ' — FAILED' : ''}\n`,
      );
      if (problems.length > 0) {
        failures.push({ label, problems, stderr: result.stderr.slice(-20) });
        for (const p of problems) process.stderr.write(`  - ${p}\n`);
      }
      if (provider === 'openai' && !state.serverDied && !state.stopping) {
        const baseUrl = `http://127.0.0.1:${server.port}/v1`;
        const extra = [await bareRow(cells, baseUrl, env), await cachedRow(cells, args, output, env)];
        if (options.promptfoo && cells === Math.max(...sizes)) extra.push(await promptfooCachedRow(cells, dir, config));
        for (const { row, problems: more, label: what } of extra) {
          rows.push(row);
          if (more.length > 0) failures.push({ label: what, problems: more, stderr: [] });
        }
      }
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    }
  }

  const served = rows.filter((r) => r.serverMs !== undefined);
  const lines = [
    '',
    `parallax eval, node ${process.version}, ${cpus().length} CPU; openai = the fake server (${ttftMs} ms to first token + ${chunks - 1} × ${intervalMs} ms, ${requestMs} ms per request)`,
    '',
    table(rows),
    '',
    'wall = spawn to exit of `node bin/parallax.js eval …` (start-up, config, run, results file); run = the run phase as the CLI reports it;',
    `CPU = the CLI's user+sys time; peak RSS = VmHWM (1 MB = 1024 KiB); ideal = ceil(cells / ${concurrency}) × ${requestMs} ms` +
      `${served.length ? ` (the server took ${served.map((r) => fmt(r.serverMs, 1)).join(', ')} ms per request, measured)` : ''}.`,
    ...(rows.some((r) => r.processes > 1) ? ['* the launcher re-ran Parallax on the pinned Node (this Node is too old): RSS of both processes, summed.'] : []),
    '',
    'Targets (issues 3 and 14):',
    ...verdicts(rows).map((v) => `  ${v}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (cpuProfDir) process.stdout.write(`CPU profiles are in ${cpuProfDir}; summarise one with: node bench/profile-summary.js <file.cpuprofile>\n`);

  // Issue 10: a 400k-cell start and a write lock held by another process (bench/contention.ts,
  // in-process on the sources through jiti, so it measures the code as it is, built or not).
  let contention = 0;
  if (!options['skip-contention']) {
    const result = spawnSync(process.execPath, [join(root, 'node_modules/jiti/lib/jiti-cli.mjs'), join(root, 'bench/contention.ts')], { stdio: 'inherit' });
    contention = result.status ?? 1;
  }
  // Issue 14: the app in browser mode while answers stream, typing, start, a 10k-row grid (bench/ui.js).
  if (!options['skip-ui']) {
    const result = spawnSync(process.execPath, [join(root, 'bench/ui.js')], { stdio: 'inherit' });
    contention ||= result.status ?? 1;
  }

  if (failures.length > 0) {
    process.stdout.write('\nFAILED runs:\n');
    for (const f of failures) {
      process.stdout.write(`  ${f.label}:\n${f.problems.map((p) => `    - ${p}\n`).join('')}`);
      if (f.stderr.length > 0) process.stdout.write(`    last lines of its stderr:\n${f.stderr.map((l) => `      ${l}\n`).join('')}`);
    }
    return 1;
  }
  return contention;
}

main().then(
  (code) => {
    process.exitCode = code;
    cleanupSync();
    // The server's IPC channel would keep us alive; the exit handler has done the rest.
    process.exit(code);
  },
  (error) => {
    process.stderr.write(`\nbench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
