/**
 * Judging through the services, as the app calls them: checks graded as cells finish (an
 * llm-rubric judge included), ratings and blind votes stored with the run and surviving a
 * restart, the verdict's numbers, and the run exported with all of it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Column, RunStatus, TestCase } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { leftIsFirst } from '../../src/main/handlers/judging';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

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
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'parallax-judging-')));
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

const CASES: TestCase[] = Array.from({ length: 6 }, (_, i) => ({
  id: `c${i}`,
  vars: { city: ['Paris', 'Rome', 'Oslo', 'Lima', 'Kyiv', 'Quito'][i] ?? 'X' },
  expected: `Name the capital city ${['Paris', 'Rome', 'Oslo', 'Lima', 'Kyiv', 'Quito'][i] ?? 'X'} is in.`,
  ...(i === 0 ? { assert: [{ type: 'icontains' as const, value: 'PARIS' }] } : {}),
}));
const MESSAGES = [{ role: 'user' as const, content: 'Name the capital city {{ city }} is in.' }];
const FULL: Column = { id: 'full', providerId: 'echo', model: 'echo', params: {} };
const SHORT: Column = { id: 'short', providerId: 'echo', model: 'echo', params: { maxTokens: 3 } };

describe('judging a run', () => {
  it('grades every cell with the checks for all rows and its row’s own, as it finishes', async () => {
    const { services } = await open();
    const { runId } = await call(services, 'runs.start', {
      messages: MESSAGES,
      testCases: CASES,
      columns: [FULL, SHORT],
      assertions: [{ type: 'contains', value: '{{ city }}' }, { type: 'rouge-n', threshold: 0.9 }, { type: 'not-is-json' }],
    });
    await finished(services, runId);
    const { cells } = await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 6 });
    const full = cells.filter((c) => c.columnIndex === 0);
    const short = cells.filter((c) => c.columnIndex === 1);
    // Echo answers with the prompt: the full answer contains the city and matches expected exactly.
    expect(full.every((c) => c.grading?.pass === true)).toBe(true);
    expect(full[0]?.grading?.componentResults.map((r) => r.type)).toEqual(['contains', 'rouge-n', 'not-is-json', 'icontains']);
    // Cut to 3 tokens, it names no city and falls short of the reference.
    expect(short.every((c) => c.grading?.pass === false)).toBe(true);
    expect(short[1]?.grading?.componentResults.find((r) => r.type === 'contains')?.pass).toBe(false);
    expect(short[1]?.grading?.componentResults.find((r) => r.type === 'not-is-json')?.pass).toBe(true);

    const verdict = await call(services, 'judge.verdict', { runId });
    expect(verdict.variants[0]?.passRate).toMatchObject({ estimate: 1 });
    expect(verdict.variants[1]?.passRate).toMatchObject({ estimate: 0 });
    expect(verdict.variants[0]?.checks.find((c) => c.type === 'icontains')).toMatchObject({ passed: 1, total: 1 });
  });

  it('asks the judge model for llm-rubric, with the prompt the user edited', async () => {
    const { services } = await open();
    // The echo judge answers with its prompt, so this prompt makes it answer a verdict.
    const prompt = [{ role: 'user' as const, content: '{"pass": true, "score": 0.75, "reason": "judged {{ output }}"}' }];
    const { runId } = await call(services, 'runs.start', {
      messages: MESSAGES,
      testCases: CASES.slice(1, 2),
      columns: [FULL],
      assertions: [{ type: 'llm-rubric', value: 'names a capital' }],
      judge: { providerId: 'echo', model: 'echo', prompt },
    });
    await finished(services, runId);
    const [cell] = (await call(services, 'runs.cells', { runId, fromCase: 0, toCase: 1 })).cells;
    expect(cell?.grading).toMatchObject({ pass: true, score: 0.75 });
    expect(cell?.grading?.componentResults[0]?.reason).toBe('judged Name the capital city Rome is in. (echo judge: it repeats its prompt, so this verdict only tests the setup)');
  });

  it('keeps blind votes and ratings with the run, across a restart, and computes the verdict', async () => {
    const first = await open();
    const { runId } = await call(first.services, 'runs.start', { messages: MESSAGES, testCases: CASES, columns: [FULL, SHORT] });
    await finished(first.services, runId);
    const { pairs } = await call(first.services, 'judge.pairs', { runId });
    expect(pairs).toHaveLength(6);
    // Sides are shuffled per pair, and the same each time they are asked for.
    expect(new Set(pairs.map((p) => p.leftColumn)).size).toBe(2);
    expect((await call(first.services, 'judge.pairs', { runId })).pairs.map((p) => p.leftCellId)).toEqual(pairs.map((p) => p.leftCellId));
    for (const pair of pairs) expect(pair.leftColumn === 0).toBe(leftIsFirst(runId, pair.caseIndex, 0, 1));
    // Vote for the longer answer every time, wherever it sits.
    for (const pair of pairs) {
      const outcome = pair.leftOutput.length > pair.rightOutput.length ? 'left' : 'right';
      await call(first.services, 'judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome, ...(pair.caseIndex === 2 ? { note: 'clearly' } : {}) });
    }
    const cellId = pairs[0]?.leftCellId ?? '';
    await call(first.services, 'judge.rate', { cellId, score: 4, thumb: 'up', tags: ['terse', ' terse ', 'ok'], note: 'good' });
    await call(first.services, 'judge.rate', { cellId, note: null });
    first.services.close();

    const second = await open(first.dataDir);
    const verdict = await call(second.services, 'judge.verdict', { runId });
    expect(verdict.votes).toBe(6);
    expect(verdict.pairs[0]).toMatchObject({ a: 0, b: 1, wins: 6, losses: 0, ties: 0, better: 'a' });
    // Two-sided sign test on 6–0: 2 × 0.5^6 = 0.03125 (SciPy 1.17.1: binomtest(6, 6).pvalue).
    expect(verdict.pairs[0]?.p).toBeCloseTo(0.03125, 10);
    expect(verdict.pairs[0]?.sentence).toBe('A: Echo · echo is better than B: Echo · echo · max 3 (p = 0.031).');
    // Wilson 95% for 6/6 (SciPy 1.17.1: binomtest(6, 6).proportion_ci(method='wilson')).
    expect(verdict.pairs[0]?.winRate.low).toBeCloseTo(0.6096657, 6);
    const votes = await call(second.services, 'judge.votes', { runId });
    expect(votes.votes.find((v) => v.caseIndex === 2)?.note).toBe('clearly');
    const { cells } = await call(second.services, 'runs.cells', { runId, fromCase: 0, toCase: 1 });
    expect(cells.find((c) => c.id === cellId)?.rating).toMatchObject({ score: 4, thumb: 'up', tags: ['terse', 'ok'] });
    expect(cells.find((c) => c.id === cellId)?.rating?.note).toBeUndefined();

    // Re-voting a pair replaces the vote.
    const pair = pairs[0];
    if (!pair) throw new Error('no pair');
    await call(second.services, 'judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: 'tie' });
    const after = await call(second.services, 'judge.verdict', { runId });
    expect(after.pairs[0]).toMatchObject({ wins: 5, ties: 1 });

    // The export carries the votes and ratings.
    const json = await call(second.services, 'runs.export', { runId, format: 'json' });
    const exported = JSON.parse(json.text) as { votes: unknown[]; cells: { rating?: { score?: number } }[]; verdict: { votes: number } };
    expect(exported.votes).toHaveLength(6);
    expect(exported.cells.some((c) => c.rating?.score === 4)).toBe(true);
    const csv = await call(second.services, 'runs.export', { runId, format: 'csv' });
    expect(csv.text.split('\n')[0]).toContain('checksPass');
    expect(csv.text.split('\n')[0]?.startsWith('row,vars.city,expected,variant,')).toBe(true);
    expect(csv.text.split('\n')[1]?.startsWith('1,Paris,Name the capital city Paris is in.,')).toBe(true);
    expect(csv.text).toContain('vote,3,');

    // Re-running a cell voids the votes and rating on its old answer.
    const rerun = finished(second.services, runId);
    await call(second.services, 'runs.rerun', { runId, cellIds: [cellId] });
    await rerun;
    expect((await call(second.services, 'judge.votes', { runId })).votes).toHaveLength(5);
    expect((await call(second.services, 'runs.cells', { runId, fromCase: 0, toCase: 1 })).cells.find((c) => c.id === cellId)?.rating).toBeUndefined();
  });

  it('offers at most 5,000 pairs at once', async () => {
    const { services } = await open();
    const rows: TestCase[] = Array.from({ length: 1700 }, (_, i) => ({ id: `r${i}`, vars: { city: `City ${i}` } }));
    const third: Column = { id: 'mid', providerId: 'echo', model: 'echo', params: { maxTokens: 6 } };
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: rows, columns: [FULL, SHORT, third] });
    await finished(services, runId);
    // 1,700 rows × 3 pairs of variants would be 5,100.
    expect((await call(services, 'judge.pairs', { runId })).pairs).toHaveLength(5000);
  });

  it('ranks three variants with Bradley–Terry and intervals', async () => {
    const { services } = await open();
    const third: Column = { id: 'mid', providerId: 'echo', model: 'echo', params: { maxTokens: 6 } };
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: CASES, columns: [FULL, SHORT, third] });
    await finished(services, runId);
    const { pairs } = await call(services, 'judge.pairs', { runId });
    expect(pairs).toHaveLength(18);
    for (const pair of pairs) {
      const outcome = pair.leftOutput.length > pair.rightOutput.length ? 'left' : 'right';
      await call(services, 'judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome });
    }
    const verdict = await call(services, 'judge.verdict', { runId });
    expect(verdict.ranking?.map((r) => r.columnIndex)).toEqual([0, 2, 1]);
    for (const r of verdict.ranking ?? []) expect(r.low).toBeLessThanOrEqual(r.strength + 1e-9);
  });
});
