// Used by bench/ui.js: writes a finished run of <rows> rows × <variants> variants straight into
// the store in <data dir> (faster than running it), so the UI bench can open and scroll a big
// grid. Prints the run's id on stdout. Run through jiti, on the sources:
//
//   node node_modules/jiti/lib/jiti-cli.mjs bench/ui-seed.ts <data dir> [rows] [variants]
import { randomUUID } from 'node:crypto';
import type { Cell, Column, TestCase } from '../src/shared/schemas';
import { Store, type NewCell } from '../src/main/store/store';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('Usage: bench/ui-seed.ts <data dir> [rows] [variants]\n');
  process.exit(2);
}
const rows = Number(process.argv[3] ?? 10_000);
const variants = Number(process.argv[4] ?? 8);
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
  store.createRun(
    {
      id: runId,
      createdAt: new Date().toISOString(),
      source: 'app',
      title: `bench grid: ${rows} rows`,
      messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
      testCases,
      columns,
      repeats: 1,
      useCache: false,
      assertions: [{ type: 'contains', value: 'topic' }],
    },
    cells,
  );
  for (const cell of cells) {
    const pass = (cell.caseIndex * 7 + cell.columnIndex) % 5 !== 0;
    // Answers of a few hundred words, as models write them: the grid shows their first lines.
    const finished: Cell = {
      ...cell,
      runId,
      status: 'done',
      output: `Answer ${cell.caseIndex} of variant ${cell.columnIndex}: ${'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(8)}`,
      usage: { inputTokens: 20, outputTokens: 50 + ((cell.caseIndex * 13 + cell.columnIndex) % 400) },
      ttftMs: 100,
      totalMs: 200 + ((cell.caseIndex * 31 + cell.columnIndex * 7) % 900),
      costUsd: 0.0001 * (1 + (cell.caseIndex % 9)),
      grading: { pass, score: pass ? 1 : 0, reason: pass ? 'ok' : 'no', componentResults: [{ type: 'contains', pass, score: pass ? 1 : 0, reason: '' }] },
    };
    store.finishCell(finished);
  }
  store.finishRun(runId, 'done');
  process.stdout.write(`${runId}\n`);
} finally {
  store.close();
}
