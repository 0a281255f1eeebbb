/**
 * What the editor flags in a message: syntax errors from the template engine's own parser,
 * and variables the selected row gives no value (they render as empty text). Pure, so the
 * markers (squiggles) and the Problems list under each editor say exactly the same thing.
 */
import type { TemplateEngine, Variables } from '../../../shared/schemas';
import { checkTemplate, type VariableReference } from '../../../shared/template';

export interface EditorProblem {
  severity: 'error' | 'warning';
  /** 1-based, as Monaco counts. */
  line: number;
  column: number;
  endColumn: number;
  message: string;
}

export interface RowContext {
  /** Every variable name that has a value in at least one row of the table. */
  columns: ReadonlySet<string>;
  /** The selected row's values, and its 0-based index. */
  vars: Variables | undefined;
  rowIndex: number;
}

function missing(reference: VariableReference, row: RowContext): string | undefined {
  if (!row.columns.has(reference.name)) return `"${reference.name}" is not in the test-case table: every row renders it as empty text.`;
  if (!row.vars || !Object.hasOwn(row.vars, reference.name)) return `"${reference.name}" is not set in row ${row.rowIndex + 1}: it renders as empty text.`;
  return undefined;
}

/** `engine`: the message's template language; a Mustache message is read by Mustache's parser. */
export function templateProblems(text: string, row: RowContext, engine: TemplateEngine = 'nunjucks'): EditorProblem[] {
  if (!text.includes('{')) return [];
  const { errors, references } = checkTemplate(text, engine);
  const problems: EditorProblem[] = errors.map((e) => ({ severity: 'error', line: e.line, column: e.column, endColumn: e.column + 1, message: e.message }));
  for (const reference of references) {
    const message = missing(reference, row);
    if (message === undefined) continue;
    problems.push({
      severity: 'warning',
      line: reference.line,
      column: reference.column,
      endColumn: reference.column + Math.max(1, reference.length),
      message,
    });
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

