// `npm run bench:history`: History's costs on big runs, measured in-process on the services
// through `dispatch` (run from the sources with jiti, so it needs no build).
//
//   npm run bench:history
//   npm run bench:history -- --rows 20000
//
// Two echo runs of --rows rows × 2 variants with a check, the second with its rows reversed.
// Prints: how long each run took; the first search (which indexes both runs' prompts and test
// cases in batches, and how late a timer fired meanwhile) and the next ones; runs.list without a search the first time (it counts
// pass rate and cost once per finished run) and after; runs.compare of the two runs (a page of
// changed rows) and the heap it used.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dispatch } from '../src/main/api/dispatch';
import { MemorySecretStore } from '../src/main/secrets/secrets';
import { createServices, type Services } from '../src/main/services';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../src/shared/contract';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } }, strict: true });
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 1 || rows > 100_000) {
  process.stderr.write('bench:history: --rows takes a whole number from 1 to 100000\n');
  process.exit(2);
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;

async function run(services: Services, content: string, reversed: boolean): Promise<string> {
  const cities = Array.from({ length: rows }, (_, i) => ({ id: `r${i}`, vars: { city: `city${i}`, note: `row ${i} of the bench` } }));
  if (reversed) cities.reverse();
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content }],
    testCases: cities,
    columns: [
      { id: 'full', providerId: 'echo', model: 'echo', params: {} },
      { id: 'short', providerId: 'echo', model: 'echo', params: { maxTokens: 3 }, label: 'terse' },
    ],
    assertions: [{ type: 'contains', value: '{{ city }}' }],
    useCache: false,
  });
  await new Promise<void>((resolve) => {
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        off();
        resolve();
      }
    });
  });
  return runId;
}

const dataDir = mkdtempSync(join(tmpdir(), 'parallax-bench-history-'));
const services = createServices({ dataDir, door: 'web', version: 'bench', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 4096 } });
try {
  const [base, baseMs] = await timed(() => run(services, 'Describe {{ city }} briefly.', false));
  const [other, otherMs] = await timed(() => run(services, '{{ city }}: describe it, as a {{ "zebra" + "fish" }} would.', true));
  console.log(`${rows.toLocaleString('en-US')} rows × 2 variants per run: run 1 took ${ms(baseMs)}, run 2 ${ms(otherMs)}`);

  // How late a 5 ms timer fires while the first search indexes: the event loop stays free.
  let late = 0;
  let due = performance.now() + 5;
  const timer = setInterval(() => {
    late = Math.max(late, performance.now() - due);
    due = performance.now() + 5;
  }, 5);
  const [first, firstMs] = await timed(() => call(services, 'runs.list', { query: 'zebrafish' }));
  clearInterval(timer);
  console.log(
    `first search (indexes both runs' prompts and ${(2 * rows).toLocaleString('en-US')} test cases): ${ms(firstMs)}, found ${first.total}; a 5 ms timer fired at most ${ms(late)} late`,
  );
  for (const query of ['zebrafish', `city${Math.floor(rows / 2)}`, 'describe']) {
    const [found, took] = await timed(() => call(services, 'runs.list', { query }));
    console.log(`search "${query}": ${ms(took)}, found ${found.total}`);
  }
  const [, plainMs] = await timed(() => call(services, 'runs.list', {}));
  const [again, againMs] = await timed(() => call(services, 'runs.list', {}));
  console.log(`runs.list: ${ms(plainMs)} (after the search counted the figures), then ${ms(againMs)}; pass rate ${again.runs[0]?.passed}/${again.runs[0]?.graded}`);

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const [comparison, compareMs] = await timed(() => call(services, 'runs.compare', { baseRunId: base, otherRunId: other, rows: 'changed', limit: 50 }));
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `runs.compare: ${ms(compareMs)}, ${comparison.matchedRows.toLocaleString('en-US')} rows matched, ${comparison.rowTotal.toLocaleString('en-US')} changed; heap +${((heapAfter - heapBefore) / 1024 / 1024).toFixed(0)} MB`,
  );
  for (const pair of comparison.pairs) console.log(`  ${pair.baseLabel}: ${pair.sentence}`);
} finally {
  services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
