import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/main/store/migrations';
import { DATABASE_FILE, Store, type NewCell, type NewRun } from '../../src/main/store/store';
import type { Cell } from '../../src/shared/schemas';

let dir: string;
const opened: Store[] = [];

function openStore(): Store {
  const store = new Store(dir);
  opened.push(store);
  return store;
}

/** Reads the database file directly, beside the Store. */
function inspect<T>(read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, DATABASE_FILE));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function columnsOf(db: DatabaseSync, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((r) => r.name);
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

function newRun(id: string, createdAt = '2025-01-01T00:00:00.000Z'): NewRun {
  return { id, createdAt, source: 'app', title: 'Hi', messages: [{ role: 'user', content: 'Hi {{x}}' }], testCases: [{ id: 'case-1', vars: { x: '1' } }], columns: [], repeats: 1, useCache: true };
}

function newCell(id: string, position: number): NewCell {
  return {
    id,
    position,
    columnIndex: position,
    caseIndex: 0,
    repeat: 0,
    providerId: 'echo',
    providerName: 'Echo',
    model: 'echo',
    params: {},
    variables: { x: '1' },
    messages: [{ role: 'user', content: 'Hi 1' }],
  };
}

function doneCell(runId: string, cell: NewCell): Cell {
  return { ...cell, runId, status: 'done', output: 'Hi 1', usage: { inputTokens: 4, outputTokens: 2 }, totalMs: 3, finishReason: 'stop' };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-store-'));
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('bring a fresh database to user_version = MIGRATIONS.length with every table', () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    const store = openStore();
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.close();
    inspect((db) => {
      expect(userVersion(db)).toBe(MIGRATIONS.length);
      expect(tables(db)).toEqual(expect.arrayContaining(['cells', 'kv', 'providers', 'runs']));
    });
  });

  it('put the database in WAL mode', () => {
    openStore().close();
    inspect((db) => {
      expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    });
  });

  it('are not run again when the database is reopened, and data is kept', () => {
    const first = openStore();
    first.setValue('draft', 'kept');
    first.saveProvider({ id: 'p1', name: 'Local', kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' });
    first.close();

    const second = openStore();
    expect(second.schemaVersion).toBe(MIGRATIONS.length);
    expect(second.getValue('draft')).toBe('kept');
    expect(second.listProviders()).toEqual([{ id: 'p1', name: 'Local', kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' }]);
  });

  it('are keyed on user_version: a database already at the latest version is left alone', () => {
    // An empty file that claims to be up to date: if migrations ran anyway, the tables would appear.
    inspect((db) => db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`));
    openStore().close();
    inspect((db) => {
      expect(userVersion(db)).toBe(MIGRATIONS.length);
      expect(tables(db)).not.toContain('runs');
    });
  });

  it('start from whatever version the file is at', () => {
    inspect((db) => db.exec('CREATE TABLE unrelated (x INTEGER)'));
    const store = openStore();
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.close();
    inspect((db) => expect(tables(db)).toEqual(expect.arrayContaining(['unrelated', 'runs', 'cells'])));
  });
});

describe('the run-matrix migration', () => {
  const matrix = MIGRATIONS.findIndex((sql) => sql.includes('case_index'));

  /** A database as the previous release left it, with one run of two cells (one failed). */
  function oldDatabase(): void {
    inspect((db) => {
      for (const sql of MIGRATIONS.slice(0, matrix)) db.exec(sql);
      db.exec(`PRAGMA user_version = ${matrix}`);
      db.prepare(
        `INSERT INTO runs (id, created_at, status, source, title, messages, variables, columns, owner) VALUES (?, ?, 'done', 'app', 'Hi', ?, ?, ?, 'gone:1')`,
      ).run(
        'old-run',
        '2025-01-01T00:00:00.000Z',
        JSON.stringify([{ role: 'user', content: 'Hi {{x}}' }]),
        JSON.stringify({ x: '1' }),
        JSON.stringify([
          { id: 'c1', providerId: 'echo', model: 'echo', params: {} },
          { id: 'c2', providerId: 'echo', model: 'echo', params: { temperature: 1 } },
        ]),
      );
      const cell = db.prepare(
        `INSERT INTO cells (id, run_id, position, column_index, provider_id, provider_name, model, params, variables, messages, status, output, error_code, error_message)
         VALUES (?, 'old-run', ?, ?, 'echo', 'Echo', 'echo', '{}', '{"x":"1"}', '[{"role":"user","content":"Hi 1"}]', ?, ?, ?, ?)`,
      );
      cell.run('old-a', 0, 0, 'done', 'Hi 1', null, null);
      cell.run('old-b', 1, 1, 'error', '', 'network', 'Could not connect.');
    });
  }

  it('adds the matrix columns, the response cache and provider concurrency', () => {
    expect(matrix).toBeGreaterThanOrEqual(0);
    oldDatabase();
    inspect((db) => {
      expect(columnsOf(db, 'cells')).not.toContain('case_index');
      expect(tables(db)).not.toContain('response_cache');
    });
    const store = openStore();
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.close();
    inspect((db) => {
      expect(userVersion(db)).toBe(MIGRATIONS.length);
      expect(columnsOf(db, 'cells')).toEqual(expect.arrayContaining(['case_index', 'repeat', 'cached', 'attempts']));
      expect(columnsOf(db, 'runs')).toEqual(expect.arrayContaining(['test_cases', 'repeats', 'case_count', 'cell_count', 'use_cache']));
      expect(columnsOf(db, 'providers')).toContain('concurrency');
      expect(tables(db)).toContain('response_cache');
      // Counts kept on the run are filled in for runs that were already there.
      expect(db.prepare(`SELECT cell_count, case_count, repeats, test_cases FROM runs WHERE id = 'old-run'`).get()).toEqual({
        cell_count: 2,
        case_count: 1,
        repeats: 1,
        test_cases: null,
      });
    });
  });

  it('reads a run recorded before it as one test case made of its variables, with its cells in row 0', () => {
    oldDatabase();
    const store = openStore();
    const detail = store.getRun('old-run');
    expect(detail?.testCases).toEqual([{ id: expect.any(String), vars: { x: '1' } }]);
    expect(detail?.run).toMatchObject({ id: 'old-run', status: 'done', cellCount: 2, errorCount: 1, caseCount: 1, repeats: 1 });
    expect(detail?.columns).toHaveLength(2);
    expect(detail?.cells.map((c) => [c.id, c.caseIndex, c.repeat, c.columnIndex, c.status])).toEqual([
      ['old-a', 0, 0, 0, 'done'],
      ['old-b', 0, 0, 1, 'error'],
    ]);
    expect(detail?.cells.every((c) => c.cached === undefined && c.attempts === undefined)).toBe(true);
    expect(detail?.cells[1]?.error).toEqual({ code: 'network', message: 'Could not connect.' });
    expect(detail?.progress).toMatchObject({ total: 2, done: 1, error: 1, pending: 0, cached: 0 });
    expect(store.cellsOfCases('old-run', 0, 1).map((c) => c.id)).toEqual(['old-a', 'old-b']);
    expect(store.listRuns(10, 0).runs).toEqual([expect.objectContaining({ id: 'old-run', cellCount: 2, caseCount: 1, repeats: 1 })]);
    // It was not started with the cache, so resuming it does not use one.
    expect(store.runUsesCache('old-run')).toBe(false);
  });
});

describe('markInterrupted', () => {
  it('marks runs left running, with their unfinished cells, and leaves the rest alone', () => {
    let store = openStore();
    const crashed = [newCell('a1', 0), newCell('a2', 1)];
    store.createRun(newRun('crashed', '2025-01-01T00:00:00.000Z'), crashed);
    store.finishCell(doneCell('crashed', crashed[0] ?? newCell('a1', 0)));
    const finished = [newCell('b1', 0)];
    store.createRun(newRun('finished', '2025-01-02T00:00:00.000Z'), finished);
    store.finishCell(doneCell('finished', finished[0] ?? newCell('b1', 0)));
    store.finishRun('finished', 'done');
    // While its store is open, the run belongs to a live owner and is left alone.
    expect(store.markInterrupted()).toBe(0);
    expect(store.getRun('crashed')?.run.status).toBe('running');
    store.close();
    store = openStore();

    expect(store.markInterrupted()).toBe(1);

    const detail = store.getRun('crashed');
    expect(detail?.run.status).toBe('interrupted');
    expect(detail?.run.errorCount).toBe(1);
    expect(detail?.cells.map((c) => c.status)).toEqual(['done', 'error']);
    expect(detail?.cells[0]).toMatchObject({ output: 'Hi 1', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 2 } });
    expect(detail?.cells[1]?.error).toEqual({ code: 'interrupted', message: expect.stringMatching(/^[A-Z].*\.$/) });
    expect(store.getRun('finished')?.run.status).toBe('done');
    expect(store.getRun('finished')?.cells[0]?.status).toBe('done');

    // A second pass finds nothing left to mark.
    expect(store.markInterrupted()).toBe(0);
    const { runs, total } = store.listRuns(10, 0);
    expect(total).toBe(2);
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      ['finished', 'done'],
      ['crashed', 'interrupted'],
    ]);
  });

  it("leaves a run whose lease is fresh alone and marks it once the lease lapses, whatever the owner's pid", () => {
    const first = openStore();
    first.createRun(newRun('elsewhere'), [newCell('c1', 0)]);
    // Another process (our parent, certainly alive: a live or reused pid proves nothing) owns the run and renewed its lease.
    inspect((db) => db.prepare('UPDATE runs SET owner = ?, lease_until = ?').run(`${process.ppid}:another-process`, Date.now() + 60_000));
    const store = openStore();
    expect(store.markInterrupted()).toBe(0);
    expect(store.getRun('elsewhere')?.run.status).toBe('running');
    // Its heartbeat stopped: seconds later the run is interrupted, though that pid is still alive.
    inspect((db) => db.prepare('UPDATE runs SET lease_until = ?').run(Date.now() - 1));
    expect(store.markInterrupted()).toBe(1);
    expect(store.getRun('elsewhere')?.run.status).toBe('interrupted');
    expect(store.getRun('elsewhere')?.cells[0]?.error?.code).toBe('interrupted');
    // The first store never owned it: its heartbeat is refused.
    expect(first.renewLease('elsewhere')).toBe(false);
  });

  it('a heartbeat takes back a run marked interrupted while it was held up, and loses one another process resumed', () => {
    const a = openStore();
    a.createRun(newRun('mine'), [newCell('m1', 0), newCell('m2', 1)]);
    expect(a.renewLease('mine')).toBe(true);
    const b = openStore();
    // A's lease lapsed (the database was busy past it); B notices.
    expect(b.markInterrupted(Date.now() + 60_000)).toBe(1);
    expect(b.getRun('mine')?.run.status).toBe('interrupted');
    // A is alive after all: its next beat takes the run back (its runner asks the marked cells all the same).
    expect(a.renewLease('mine')).toBe(true);
    expect(a.getRun('mine')?.run.status).toBe('running');
    expect(a.ownsRun('mine')).toBe(true);
    // B cannot take a run whose lease is fresh…
    expect(b.reopenRun('mine', { kind: 'unfinished' })).toEqual({ busy: true });
    // …but once it lapses and B resumes it, A's heartbeat and A's writes are refused.
    expect(b.markInterrupted(Date.now() + 60_000)).toBe(1);
    expect(b.reopenRun('mine', { kind: 'unfinished' })).toEqual({ queued: 2 });
    expect(a.renewLease('mine')).toBe(false);
    const cell = a.getCell('m1');
    if (!cell) throw new Error('no cell');
    expect(a.finishCell({ ...cell, status: 'done', output: 'late' })).toBe(false);
    expect(a.finishRun('mine', 'done')).toBe(false);
    expect(b.getCell('m1')).toMatchObject({ status: 'pending', output: '' });
    expect(b.finishCell({ ...cell, status: 'done', output: 'fresh' })).toBe(true);
    expect(b.getCell('m1')).toMatchObject({ status: 'done', output: 'fresh' });
  });
});
