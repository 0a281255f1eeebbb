/**
 * The results grid's row order (runs.rows) against a real store: an echo run with a check that
 * fails on some rows, then sorted by metrics of the cells and filtered by failures, a check,
 * scores, ratings and text (with LIKE and pattern characters that must match literally).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Cell, Column, TestCase } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

const TOPICS = ['apple pie', 'banana', '100% juice', 'under_score', 'back\\slash', 'dot.*star', 'Apple tart with a long name to make more tokens', 'plain'];
const CASES: TestCase[] = TOPICS.map((topic, i) => ({ id: `c${i}`, vars: { topic } }));
const FULL: Column = { id: 'full', providerId: 'echo', model: 'echo', params: {} };
const SHORT: Column = { id: 'short', providerId: 'echo', model: 'echo', params: { maxTokens: 3 } };

let dir = '';
let services: Services;
let runId = '';
let cells: Cell[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parallax-rows-'));
  services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  const done = new Promise<void>((resolve) => {
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished') {
        off();
        resolve();
      }
    });
  });
  // Echo answers with the prompt: the full variant passes `icontains apple` only on the apple rows; the
  // cut one (3 tokens: "Tell me about") never does. The second check passes everywhere on the full variant.
  ({ runId } = await call(services, 'runs.start', {
    messages: [{ role: 'user', content: 'Tell me about {{ topic }}.' }],
    testCases: CASES,
    columns: [FULL, SHORT],
    assertions: [{ type: 'icontains', value: 'apple' }, { type: 'contains', value: 'Tell' }],
  }));
  await done;
  cells = (await call(services, 'runs.cells', { runId, fromCase: 0, toCase: CASES.length })).cells;
});
afterAll(async () => {
  services.close();
  await rm(dir, { recursive: true, force: true });
});

const rows = async (input: Omit<MethodInput<'runs.rows'>, 'runId'>): Promise<number[]> => (await call(services, 'runs.rows', { runId, ...input })).rows;

describe('runs.rows', () => {
  it('lists every row in table order by default, with the run’s checks named', async () => {
    const result = await call(services, 'runs.rows', { runId });
    expect(result.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.total).toBe(8);
    expect(result.checks).toEqual(['icontains "apple"', 'contains "Tell"']);
    expect(await rows({ sort: { by: 'case', descending: true } })).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('filters rows with a failed check, a chosen check, or failures of one variant', async () => {
    // Every row fails on the cut variant.
    expect(await rows({ filter: { failed: true } })).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // On the full variant only the rows without "apple" fail.
    expect(await rows({ filter: { failed: true, column: 0 } })).toEqual([1, 2, 3, 4, 5, 7]);
    expect(await rows({ filter: { check: 0, column: 0 } })).toEqual([1, 2, 3, 4, 5, 7]);
    // "contains Tell" passes on both variants ("Tell me about" survives the cut).
    expect(await rows({ filter: { check: 1 } })).toEqual([]);
    expect(await rows({ filter: { errors: true } })).toEqual([]);
    expect(await rows({ filter: { score: { of: 'checks', op: '>=', value: 1 } } })).toEqual([0, 6]);
    expect(await rows({ filter: { score: { of: 'checks', op: '<=', value: 0.5 }, column: 0 } })).toEqual([1, 2, 3, 4, 5, 7]);
  });

  it('sorts by a variant’s metric as its cells hold it, rows without a value last', async () => {
    const tokens = (caseIndex: number): number => cells.find((c) => c.caseIndex === caseIndex && c.columnIndex === 0)?.usage.outputTokens ?? -1;
    const expected = [...CASES.keys()].sort((a, b) => tokens(b) - tokens(a) || a - b);
    expect(new Set(expected.map(tokens)).size).toBeGreaterThan(2);
    expect(await rows({ sort: { by: 'tokens', column: 0, descending: true } })).toEqual(expected);
    expect(await rows({ sort: { by: 'tokens', column: 0 } })).toEqual([...CASES.keys()].sort((a, b) => tokens(a) - tokens(b) || a - b));
    // Pass rate over both variants: apple rows pass half their checks' verdicts, the rest none.
    expect(await rows({ sort: { by: 'passRate', descending: true } })).toEqual([0, 6, 1, 2, 3, 4, 5, 7]);
    expect(await rows({ sort: { by: 'check', check: 0, column: 0 } })).toEqual([1, 2, 3, 4, 5, 7, 0, 6]);
    // Sort and filter together: failures of the full variant, fewest tokens first.
    expect(await rows({ sort: { by: 'tokens', column: 0 }, filter: { failed: true, column: 0 } })).toEqual(
      [1, 2, 3, 4, 5, 7].sort((a, b) => tokens(a) - tokens(b) || a - b),
    );
  });

  it('sorts and filters by people’s ratings; unrated rows come last either way', async () => {
    const cellOf = (caseIndex: number, columnIndex: number): string => cells.find((c) => c.caseIndex === caseIndex && c.columnIndex === columnIndex)?.id ?? '';
    await call(services, 'judge.rate', { cellId: cellOf(3, 0), score: 5 });
    await call(services, 'judge.rate', { cellId: cellOf(5, 1), score: 2 });
    await call(services, 'judge.rate', { cellId: cellOf(1, 0), score: 4 });
    expect(await rows({ sort: { by: 'rating', descending: true } })).toEqual([3, 1, 5, 0, 2, 4, 6, 7]);
    expect(await rows({ sort: { by: 'rating' } })).toEqual([5, 1, 3, 0, 2, 4, 6, 7]);
    expect(await rows({ filter: { score: { of: 'rating', op: '>=', value: 4 } } })).toEqual([1, 3]);
    expect(await rows({ filter: { score: { of: 'rating', op: '<=', value: 2 }, column: 0 } })).toEqual([]);
  });

  it('matches text as typed, in variables and answers: %, _, \\ and .* are plain characters', async () => {
    expect(await rows({ filter: { text: '%' } })).toEqual([2]);
    expect(await rows({ filter: { text: '_' } })).toEqual([3]);
    expect(await rows({ filter: { text: '\\' } })).toEqual([4]);
    expect(await rows({ filter: { text: '.*' } })).toEqual([5]);
    expect(await rows({ filter: { text: "'; DROP TABLE cells; --" } })).toEqual([]);
    // Case does not matter (ASCII), in variables and answers alike.
    expect(await rows({ filter: { text: 'APPLE' } })).toEqual([0, 6]);
    // Only in the answers: every row's echo starts so; the cut variant's answer is just that.
    expect(await rows({ filter: { text: 'tell me about' } })).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await rows({ filter: { text: 'about apple', column: 1 } })).toEqual([]);
    expect(await rows({ filter: { text: 'about apple', column: 0 } })).toEqual([0, 6]);
    expect(await rows({ filter: { text: 'about apple pie', column: 0 } })).toEqual([0]);
    expect(await rows({ filter: { text: 'apple', failed: true, column: 0 } })).toEqual([]);
    // The run still has its cells.
    expect((await call(services, 'runs.progress', { runId })).total).toBe(16);
  });

  it('reads the cells of the rows named, in any order', async () => {
    const { cells: some } = await call(services, 'runs.rowCells', { runId, cases: [6, 2] });
    expect(some.map((c) => `${c.caseIndex}:${c.columnIndex}`)).toEqual(['2:0', '2:1', '6:0', '6:1']);
  });

  it('refuses an unknown run and bad input with a sentence', async () => {
    await expect(call(services, 'runs.rows', { runId: 'nope' })).rejects.toThrow(/not_found: No run/);
    await expect(call(services, 'runs.rows', { runId, sort: { by: 'check', check: 99 } })).rejects.toThrow(/bad_input/);
  });
});
