/**
 * History on a real store, through the services as the app calls them: runs found by words of
 * their prompt, test cases or answers, filtered by model, label, status and date, with their
 * pass rate and votes; two runs compared row by row (rows matched by their values, variants by
 * what they are) with the sign test; the run kept open across a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Column, RunStatus, TestCase } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { DATABASE_FILE } from '../../src/main/store/store';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
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
async function open(dataDir?: string): Promise<{ services: Services; dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'parallax-history-')));
  if (!dataDir) dirs.push(dir);
  const services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  opened.push(services);
  return { services, dataDir: dir };
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const cases = (cities: string[]): TestCase[] => cities.map((city, i) => ({ id: `c${i}`, vars: { city } }));
const FULL: Column = { id: 'full', providerId: 'echo', model: 'echo', params: {} };
// Cut to 3 tokens: passes `contains city` only when the prompt starts with the city.
const SHORT: Column = { id: 'short', providerId: 'echo', model: 'echo', params: { maxTokens: 3 }, label: 'terse' };
const CHECK = [{ type: 'contains' as const, value: '{{ city }}' }];

/** The base run: the city comes last, so the short variant never names it. */
async function baseRun(services: Services): Promise<string> {
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: 'Please write a short description of {{ city }}.' }],
    testCases: cases(['Paris', 'Rome', 'Oslo', 'Lima', 'Berlin', 'Tokyo']),
    columns: [SHORT, FULL],
    assertions: CHECK,
  });
  await finished(services, runId);
  return runId;
}

/** The edit: the city first (so the short variant names it), rows reordered, Lima gone, Cairo new; "zebrafish" only in answers. */
async function editedRun(services: Services): Promise<string> {
  const { runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: '{{ city }}: please write a short description, as a {{ "zebra" + "fish" }} would.' }],
    testCases: cases(['Tokyo', 'Berlin', 'Cairo', 'Oslo', 'Rome', 'Paris']),
    columns: [{ ...FULL, id: 'full-2' }, { ...SHORT, id: 'short-2' }],
    assertions: CHECK,
  });
  await finished(services, runId);
  return runId;
}

describe('History: search and filters', () => {
  it('finds runs by words of their prompt, test cases and answers, and by model, label, status and date', async () => {
    const { services } = await open();
    const base = await baseRun(services);
    const edited = await editedRun(services);
    const ids = async (input: MethodInput<'runs.list'>): Promise<string[]> => (await call(services, 'runs.list', input)).runs.map((r) => r.id);

    expect(await ids({})).toEqual([edited, base]);
    // Only the edited run's answers hold "zebrafish" (its template has "zebra" and "fish" apart).
    expect(await ids({ query: 'zebrafish' })).toEqual([edited]);
    expect(await ids({ query: 'zebra' })).toEqual([edited]);
    // A test case's value, and words of a prompt (each a prefix, all required).
    expect(await ids({ query: 'Lima' })).toEqual([base]);
    expect(await ids({ query: 'cair' })).toEqual([edited]);
    expect(await ids({ query: 'please descr' })).toEqual([edited, base]);
    expect(await ids({ query: 'paris nowhere' })).toEqual([]);
    // FTS5's own syntax is words here, never an error.
    for (const hostile of ['"', '*', 'NEAR(', '-', ':', 'city:Paris', '"unclosed', 'a OR', 'NOT -Paris*', '^x', '()', '\u0000']) {
      await expect(call(services, 'runs.list', { query: hostile })).resolves.toHaveProperty('runs');
    }
    // Punctuation is not syntax: the words are still found.
    for (const query of ['"Lima"', 'Lima*', '-Lima', 'city:Lima', '(Lima)']) expect(await ids({ query })).toEqual([base]);

    expect(await ids({ labels: ['terse'] })).toEqual([edited, base]);
    expect(await ids({ labels: ['nobody'] })).toEqual([]);
    expect(await ids({ models: ['echo'] })).toEqual([edited, base]);
    expect(await ids({ models: ['gpt-x'] })).toEqual([]);
    expect(await ids({ statuses: ['done'] })).toEqual([edited, base]);
    expect(await ids({ statuses: ['cancelled', 'interrupted'] })).toEqual([]);
    const list = await call(services, 'runs.list', { statuses: ['done'], query: 'tokyo' });
    expect(list.total).toBe(2);
    expect(list.facets).toEqual({ models: ['echo'], labels: ['terse'] });
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ids({ from: past, to: future })).toEqual([edited, base]);
    expect(await ids({ from: future })).toEqual([]);
    expect(await ids({ to: past })).toEqual([]);
    await expect(call(services, 'runs.list', { from: 'yesterday' })).rejects.toThrow(/bad_input/);
  });

  it('shows each run’s variants, pass rate, votes and cost, and counts again after a cell changes', async () => {
    const { services, dataDir } = await open();
    const base = await baseRun(services);
    let summary = (await call(services, 'runs.list', {})).runs[0];
    // 6 rows × 2 variants: the full variant passes every row, the short one none.
    expect(summary).toMatchObject({ id: base, graded: 12, passed: 6, votes: 0, variants: [{ label: 'terse', model: 'echo' }, { model: 'echo' }] });
    const { pairs } = await call(services, 'judge.pairs', { runId: base });
    const pair = pairs[0];
    if (!pair) throw new Error('no pair');
    await call(services, 'judge.vote', { runId: base, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: 'left' });
    expect((await call(services, 'runs.list', {})).runs[0]?.votes).toBe(1);
    // Run one short cell again: while the run goes on its figures are not counted, then they are again.
    const { cells } = await call(services, 'runs.cells', { runId: base, fromCase: 0, toCase: 1 });
    const short = cells.find((c) => c.columnIndex === 0);
    if (!short) throw new Error('no cell');
    const done = finished(services, base);
    await call(services, 'runs.rerun', { runId: base, cellIds: [short.id] });
    summary = (await call(services, 'runs.list', {})).runs[0];
    if (summary?.status === 'running') expect(summary.graded).toBeUndefined();
    await done;
    expect((await call(services, 'runs.list', {})).runs[0]).toMatchObject({ graded: 12, passed: 6 });

    // Costs counted with the tokenizer (no usage from the server) are said to be estimates.
    const db = new DatabaseSync(join(dataDir, DATABASE_FILE));
    try {
      db.prepare('UPDATE cells SET cost_usd = 0.001, cost_estimated = 1 WHERE run_id = ? AND column_index = 0').run(base);
      db.prepare('UPDATE cells SET cost_usd = 0.002, cost_estimated = 0 WHERE run_id = ? AND column_index = 1').run(base);
    } finally {
      db.close();
    }
    summary = (await call(services, 'runs.list', {})).runs[0];
    expect(summary).toMatchObject({ priced: 12, costEstimated: 6 });
    expect(summary?.costUsd).toBeCloseTo(0.018, 12);
    const [shortPair] = (await call(services, 'runs.compare', { baseRunId: base, otherRunId: base })).pairs;
    expect(shortPair?.base).toMatchObject({ priced: 6, estimated: 6 });
    expect(shortPair?.base.costUsd).toBeCloseTo(0.006, 12);
  });
});

describe('History: the search index of prompts and test cases', () => {
  it('indexes a big run a batch of rows at a time when a search first needs it, and goes on where it stopped', async () => {
    const { services, dataDir } = await open();
    const rows = Array.from({ length: 1200 }, (_, i) => ({ id: `r${i}`, vars: { word: i === 1199 ? 'quokka' : `w${i}` } }));
    const { runId } = await call(services, 'runs.start', { messages: [{ role: 'user', content: 'Say {{ word }}' }], testCases: rows, columns: [FULL] });
    await finished(services, runId);
    const inspect = <T,>(read: (db: DatabaseSync) => T): T => {
      const db = new DatabaseSync(join(dataDir, DATABASE_FILE));
      try {
        return read(db);
      } finally {
        db.close();
      }
    };
    const documents = (): number => inspect((db) => Number((db.prepare('SELECT COUNT(*) AS n FROM run_search').get() as { n: number }).n));
    // Nothing is indexed until a search asks: starting a run costs nothing extra.
    expect(documents()).toBe(0);
    expect((await call(services, 'runs.list', { query: 'quokka' })).runs.map((r) => r.id)).toEqual([runId]);
    // The prompt, then 500 + 500 + 200 rows.
    expect(documents()).toBe(4);
    // A crash after the second batch: the third goes in on the next search, nothing twice.
    inspect((db) => {
      db.prepare('DELETE FROM run_search WHERE rowid = (SELECT MAX(rowid) FROM run_search)').run();
      db.prepare('UPDATE run_search_done SET next_case = 1000').run();
    });
    expect(documents()).toBe(3);
    expect((await call(services, 'runs.list', { query: 'quokka' })).total).toBe(1);
    expect(documents()).toBe(4);
    expect((await call(services, 'runs.list', { query: 'w500' })).total).toBe(1);
    expect(documents()).toBe(4);
  });
});

describe('History: comparing two runs', () => {
  it('matches rows by their values and variants by what they are, and runs the sign test per pair', async () => {
    const { services } = await open();
    const base = await baseRun(services);
    const edited = await editedRun(services);
    const result = await call(services, 'runs.compare', { baseRunId: base, otherRunId: edited, rows: 'all', limit: 10 });
    expect(result.basis).toBe('checks');
    expect(result.matchedRows).toBe(5);
    // Lima (row 4 of the base) and Cairo (row 3 of the edited run) have no counterpart.
    expect(result.onlyInBase).toEqual([3]);
    expect(result.onlyInOther).toEqual([2]);
    expect(result.rowTotal).toBe(5);
    expect(result.rows.map((r) => [r.baseCase, r.otherCase])).toEqual([
      [0, 5],
      [1, 4],
      [2, 3],
      [4, 1],
      [5, 0],
    ]);
    // The short variant is the base's column 0 and the edited run's column 1.
    const [short, full] = result.pairs;
    expect(short).toMatchObject({ baseColumn: 0, otherColumn: 1, fixed: 5, broken: 0, same: 0 });
    // Exact two-sided sign test: 2 · (1/2)^5 = 0.0625.
    expect(short?.p).toBeCloseTo(0.0625, 12);
    expect(short?.sentence).toBe("Run 2's B is better on 5 rows, worse on 0; p = 0.063, not significant at 0.05.");
    expect(short?.base.passRate).toBe(0);
    expect(short?.other.passRate).toBe(1);
    expect(short?.baseLabel).toBe('A: terse');
    expect(full).toMatchObject({ baseColumn: 1, otherColumn: 0, fixed: 0, broken: 0, same: 5 });
    expect(full?.sentence).toBe("Run 2's A does the same on all 5 rows: no row changed.");
    expect(full?.base.meanLatencyMs).not.toBeNull();
    expect(result.rows[0]?.outcomes).toEqual([
      { base: 0, other: 1, change: 'fixed' },
      { base: 1, other: 1, change: 'same' },
    ]);

    // Only changed rows, page by page.
    const page = await call(services, 'runs.compare', { baseRunId: base, otherRunId: edited, rows: 'changed', offset: 3, limit: 10 });
    expect(page.rowTotal).toBe(5);
    expect(page.rows.map((r) => r.baseCase)).toEqual([4, 5]);
    await expect(call(services, 'runs.compare', { baseRunId: base, otherRunId: 'nope' })).rejects.toThrow(/not_found/);
  });
});

describe('the open run', () => {
  it('is kept across a restart, and forgotten when it is gone or cleared', async () => {
    const first = await open();
    const runId = await baseRun(first.services);
    expect(await call(first.services, 'runs.opened', {})).toEqual({});
    await call(first.services, 'runs.setOpened', { runId });
    first.services.close();
    opened.splice(opened.indexOf(first.services), 1);
    const again = await open(first.dataDir);
    expect(await call(again.services, 'runs.opened', {})).toEqual({ runId });
    await call(again.services, 'runs.setOpened', { runId: 'no-such-run' });
    expect(await call(again.services, 'runs.opened', {})).toEqual({});
    await call(again.services, 'runs.setOpened', { runId: null });
    expect(await call(again.services, 'runs.opened', {})).toEqual({});
  });
});
