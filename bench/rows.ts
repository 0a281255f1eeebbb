// `node node_modules/jiti/lib/jiti-cli.mjs bench/rows.ts [rows] [variants]`: how long runs.rows
// (the results grid's sort and filter, src/main/store/row-order.ts) takes on a finished run of
// 10,000 rows × 8 variants by default. The cells are written straight into a fresh store with
// checks' results, latencies, tokens and answers, then each query runs a few times and the
// median is printed. Not a test: figures only.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RowFilter, RowSort } from '../src/shared/row-view';
import type { Cell, Column, TestCase } from '../src/shared/schemas';
import { Store, type NewCell } from '../src/main/store/store';

const rows = Number(process.argv[2] ?? 10_000);
const variants = Number(process.argv[3] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'parallax-bench-rows-'));
const store = new Store(dir);
try {
  const runId = randomUUID();
  const testCases: TestCase[] = Array.from({ length: rows }, (_, i) => ({ id: `c${i}`, vars: { topic: `topic ${i}`, detail: `detail ${i % 97}` } }));
  const columns: Column[] = Array.from({ length: variants }, (_, i) => ({ id: `v${i}`, providerId: 'echo', model: 'echo', params: { temperature: i / 10 } }));
  const cells: NewCell[] = [];
  for (let k = 0; k < rows; k++) {
    for (let c = 0; c < variants; c++) {
      cells.push({
        id: randomUUID(),
        position: k * variants + c,
        columnIndex: c,
        caseIndex: k,
        repeat: 0,
        providerId: 'echo',
        providerName: 'Echo',
        model: 'echo',
        params: {},
        variables: testCases[k]?.vars ?? {},
        messages: [{ role: 'user', content: `Tell me about topic ${k}` }],
      });
    }
  }
  let t = performance.now();
  store.createRun(
    { id: runId, createdAt: new Date().toISOString(), source: 'app', title: 'bench', messages: [{ role: 'user', content: 'Tell me about {{topic}}' }], testCases, columns, repeats: 1, useCache: false, assertions: [{ type: 'contains', value: 'x' }, { type: 'icontains', value: 'y' }] },
    cells,
  );
  for (const cell of cells) {
    const pass = (cell.caseIndex * 7 + cell.columnIndex) % 5 !== 0;
    const finished: Cell = {
      ...cell,
      runId,
      status: cell.caseIndex % 211 === 0 ? 'error' : 'done',
      output: `Answer ${cell.caseIndex} of variant ${cell.columnIndex}: ${'lorem ipsum dolor sit amet '.repeat(20)} 100% done_${cell.caseIndex}`,
      usage: { inputTokens: 20, outputTokens: 50 + ((cell.caseIndex * 13 + cell.columnIndex) % 400) },
      ttftMs: 100,
      totalMs: 200 + ((cell.caseIndex * 31 + cell.columnIndex * 7) % 900),
      costUsd: 0.0001 * (1 + (cell.caseIndex % 9)),
      grading: {
        pass,
        score: pass ? 1 : 0.5,
        reason: pass ? 'ok' : 'no',
        componentResults: [
          { type: 'contains', pass, score: pass ? 1 : 0, reason: '' },
          { type: 'icontains', pass: true, score: 1, reason: '' },
        ],
      },
    };
    store.finishCell(finished);
  }
  store.finishRun(runId, 'done');
  console.log(`${rows.toLocaleString('en-US')} rows × ${variants} variants: ${cells.length.toLocaleString('en-US')} cells written in ${Math.round(performance.now() - t)} ms`);

  const queries: [string, RowSort | undefined, RowFilter | undefined][] = [
    ['table order', undefined, undefined],
    ['pass rate, all variants', { by: 'passRate', descending: true }, undefined],
    ['latency of variant C', { by: 'latency', column: 2 }, undefined],
    ['cost of variant H, descending', { by: 'cost', column: variants - 1, descending: true }, undefined],
    ['tokens of variant A', { by: 'tokens', column: 0 }, undefined],
    ['check 1 of variant B', { by: 'check', check: 0, column: 1 }, undefined],
    ['rating', { by: 'rating', descending: true }, undefined],
    ['only failed checks', undefined, { failed: true }],
    ['check 1 failed on variant D', undefined, { check: 0, column: 3 }],
    ['errors only', undefined, { errors: true }],
    ['check score ≤ 0.5', undefined, { score: { of: 'checks', op: '<=', value: 0.5 } }],
    ['text "done_99" (answers)', undefined, { text: 'done_99' }],
    ['text "detail 5" (variables)', undefined, { text: 'detail 5' }],
    ['latency of C, failed, text "%"', { by: 'latency', column: 2 }, { failed: true, text: '%' }],
  ];
  for (const [name, sort, filter] of queries) {
    const times: number[] = [];
    let matched = 0;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      matched = store.rowOrder.rows(runId, sort, filter)?.rows.length ?? 0;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(34)} median ${(times[2] ?? 0).toFixed(1).padStart(7)} ms  (min ${(times[0] ?? 0).toFixed(1)}, max ${(times[4] ?? 0).toFixed(1)})  ${matched.toLocaleString('en-US')} rows`);
  }
  t = performance.now();
  const some = store.cellsOfCaseList(runId, Array.from({ length: 60 }, (_, i) => (i * 157) % rows));
  console.log(`runs.rowCells of 60 scattered rows: ${some.length} cells in ${(performance.now() - t).toFixed(1)} ms`);
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
