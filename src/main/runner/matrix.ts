/**
 * The matrix as cells, case-major: for each test case, each variant (column), each repeat.
 * Both the app and `parallax eval` plan runs with it. Cells are produced lazily, so a
 * 10,000-row run is rendered straight into the database; each row renders each distinct
 * template once, and a row whose template fails to render becomes error cells.
 */
import { randomBytes } from 'node:crypto';
import { toErrorInfo } from '../../shared/errors';
import type { Column, ErrorInfo, Message, TestCase, Variables } from '../../shared/schemas';
import type { NewCell } from '../store/store';
import { renderMessagesRows } from '../template/render';

export interface MatrixInput {
  testCases: readonly TestCase[];
  /** Rows to run, in order; all rows when absent. */
  caseIndexes?: readonly number[];
  columns: readonly Column[];
  /** The template each column sends (columns sharing one array render it once per row). */
  templates: readonly (readonly Message[])[];
  /** The name a column's provider is recorded under. */
  providerName: (columnIndex: number) => string;
  repeats: number;
  /**
   * The variables a row renders a template with, when they are not the row's own (a promptfoo
   * config's values that name each other: src/main/template/promptfoo-vars.ts). May throw: the
   * row's cells for that template become error cells.
   */
  prepareVars?: (vars: Variables, template: readonly Message[]) => Variables;
  /**
   * The template a row sends on a column when it is not the column's own (a promptfoo test's
   * options.prefix / suffix around the prompt). Return the same array for one template per
   * row and column; such a row renders on its own rather than in a batch.
   */
  templateOf?: (caseIndex: number, columnIndex: number, template: readonly Message[]) => readonly Message[];
}

/** Rows rendered ahead, per template, in one batch (the sandbox answers a batch in one call). */
const RENDER_AHEAD = 128;

type Outcome = { messages: Message[] } | { error: ErrorInfo };

/**
 * Ids for a run's cells that sort in the order the cells are written: UUIDv7's layout (the
 * time in ms, then random bits, 42 of them per run) with the cell's position last. The cells'
 * primary-key index then grows at its end instead of at a random page per cell, so a run
 * written in chunks does not rewrite most of that index with every chunk (a 400k-cell run is
 * written several times faster).
 */
export function cellIdsOf(now = Date.now()): (position: number) => string {
  const ms = now.toString(16).padStart(12, '0');
  const r = randomBytes(6).toString('hex');
  const variant = ((parseInt(r.slice(3, 4), 16) & 0x3) | 0x8).toString(16);
  const head = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 11)}`;
  return (position) => `${head}${position.toString(16).padStart(8, '0')}`;
}

/** Rows' outcomes for one template, each row's variables prepared first when asked (a row whose preparation fails is an error). */
function renderRows(template: readonly Message[], rows: readonly Variables[], prepare: MatrixInput['prepareVars']): Outcome[] {
  if (!prepare) return renderMessagesRows(template, rows).map((r) => ('error' in r ? { error: toErrorInfo(r.error) } : r));
  const prepared = rows.map((vars): { vars: Variables } | { error: ErrorInfo } => {
    try {
      return { vars: prepare(vars, template) };
    } catch (error) {
      return { error: toErrorInfo(error) };
    }
  });
  const good = prepared.flatMap((p) => ('vars' in p ? [p.vars] : []));
  const rendered = renderMessagesRows(template, good).map((r): Outcome => ('error' in r ? { error: toErrorInfo(r.error) } : r));
  let next = 0;
  return prepared.map((p) => ('error' in p ? p : (rendered[next++] ?? { error: toErrorInfo(new Error('The row was not rendered.')) })));
}

export function* matrixCells(input: MatrixInput): Generator<NewCell> {
  const caseIndexes = (input.caseIndexes ?? input.testCases.map((_, i) => i)).filter((i) => input.testCases[i] !== undefined);
  // Per template: the outcomes of the rows from `from` on, rendered a batch at a time.
  const ahead = new Map<readonly Message[], { from: number; outcomes: Outcome[] }>();
  const outcomeOf = (template: readonly Message[], at: number): Outcome => {
    let batch = ahead.get(template);
    if (!batch || at < batch.from || at >= batch.from + batch.outcomes.length) {
      const rows = caseIndexes.slice(at, at + RENDER_AHEAD).map((i) => input.testCases[i]?.vars ?? {});
      batch = { from: at, outcomes: renderRows(template, rows, input.prepareVars) };
      ahead.set(template, batch);
    }
    return batch.outcomes[at - batch.from] ?? { error: toErrorInfo(new Error('The row was not rendered.')) };
  };
  const idOf = cellIdsOf();
  let position = 0;
  for (const [at, caseIndex] of caseIndexes.entries()) {
    const testCase = input.testCases[caseIndex];
    if (!testCase) continue;
    const rendered = new Map<readonly Message[], Outcome>();
    for (const [columnIndex, column] of input.columns.entries()) {
      const shared = input.templates[columnIndex] ?? [];
      const template = input.templateOf?.(caseIndex, columnIndex, shared) ?? shared;
      let outcome = rendered.get(template);
      if (!outcome) {
        outcome = template === shared ? outcomeOf(template, at) : (renderRows(template, [testCase.vars], input.prepareVars)[0] ?? { error: toErrorInfo(new Error('The row was not rendered.')) });
        rendered.set(template, outcome);
      }
      for (let repeat = 0; repeat < input.repeats; repeat++) {
        yield {
          id: idOf(position),
          position: position++,
          columnIndex,
          caseIndex,
          repeat,
          providerId: column.providerId,
          providerName: input.providerName(columnIndex),
          model: column.model,
          params: column.params,
          variables: testCase.vars,
          messages: 'messages' in outcome ? outcome.messages : [],
          ...('error' in outcome ? { error: outcome.error } : {}),
        };
      }
    }
  }
}
