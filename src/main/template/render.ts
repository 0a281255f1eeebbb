/**
 * Renders prompt templates with Nunjucks, the engine promptfoo uses, configured as promptfoo
 * does (no autoescaping; an undefined variable renders as empty text) but with no loaders:
 * a template cannot read files. Nunjucks compiles templates to JavaScript, so it runs inside
 * the sandbox (src/main/sandbox), never in this process: a template is data, whatever it
 * holds, and each render has a time, memory and size budget. Parsing for the editor lives in
 * src/shared/template.ts.
 *
 * Values are passed as they are: a list loops, an object reads with dots, a number prints as
 * a number. A string holding JSON text is not parsed (as in promptfoo): `{{ user.name }}`
 * needs `user` to be an object, not the text '{"name": "Ada"}'. An object printed whole
 * renders as Nunjucks prints it ("[object Object]"); write `{{ user | dump }}` for JSON.
 */
import type { TemplateErrorInfo } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { Message, Variables } from '../../shared/schemas';
import { checkTemplate, problemOf, type TemplateProblem } from '../../shared/template';
import { sandbox, type SandboxFailure } from '../sandbox';

/** How many templates were compiled since start: lets tests see the cache work. */
export function compileCount(): number {
  return sandbox.compileCount();
}

/** Empties the compiled-template cache (tests). */
export function clearTemplateCache(): void {
  sandbox.clearTemplates();
  overBudget.clear();
}

/**
 * Templates that ran out of time twice, by text: a run of 10,000 rows, or the estimate of the
 * whole matrix, must not spend the budget on every row. They fail at once for a minute.
 */
const overBudget = new Map<string, { count: number; until: number }>();
const STRIKES = 2;
const STRIKE_MS = 60_000;

function budgetProblem(failure: SandboxFailure): TemplateProblem {
  return { line: 1, column: 1, message: `The template ${failure.message}.` };
}

const PLACE = /\[Line (\d+), Column (\d+)\]/;

/**
 * Where a Nunjucks error happened, 1-based. The parser's own error (found again by
 * checkTemplate) has the exact place; a runtime error carries a 0-based place in its message.
 */
function placeOf(error: unknown, text: string, phase: 'compile' | 'render'): TemplateProblem {
  const checked = checkTemplate(text).errors[0];
  if (checked) return checked;
  const message = error instanceof Error ? error.message : String(error);
  const reason = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('(unknown path)'))
    .map((line) => line.replace(/^(Template render error: )?(\(unknown path\)\s*)?(Error: )?/, ''))
    .join(' ');
  const place = PLACE.exec(message);
  if (place) {
    const shift = phase === 'render' ? 1 : 0;
    return { line: Number(place[1]) + shift, column: Number(place[2]) + shift, message: problemOf(new Error(reason), text).message };
  }
  return problemOf(new Error(reason), text);
}

function renderOne(text: string, vars: Variables): { content: string } | { problem: TemplateProblem } {
  // Text with no tags renders as itself: skip the sandbox altogether.
  if (!text.includes('{')) return { content: text };
  const strikes = overBudget.get(text);
  if (strikes && strikes.count >= STRIKES && strikes.until > Date.now()) {
    return { problem: { line: 1, column: 1, message: 'The template ran out of its time budget on earlier rows; it is not rendered again for a minute.' } };
  }
  const result = sandbox.render(text, vars);
  if (result.ok) return { content: result.value };
  if (result.kind === 'error') return { problem: placeOf(new Error(result.message), text, result.name === 'CompileError' ? 'compile' : 'render') };
  if (result.kind === 'time') {
    const count = (strikes && strikes.until > Date.now() ? strikes.count : 0) + 1;
    overBudget.set(text, { count, until: Date.now() + STRIKE_MS });
    if (overBudget.size > 1000) overBudget.delete(overBudget.keys().next().value ?? '');
  }
  return { problem: budgetProblem(result) };
}

function describe(error: TemplateErrorInfo, role: Message['role'] | undefined): string {
  return `Template error in message ${error.messageIndex + 1}${role ? ` (${role})` : ''}, line ${error.line}, column ${error.column}: ${error.message}`;
}

/** The messages with the row's values filled in. Throws AppError('template') on the first error. */
export function renderMessages(messages: readonly Message[], vars: Variables): Message[] {
  return messages.map((message, messageIndex) => {
    const result = renderOne(message.content, vars);
    if ('problem' in result) throw new AppError('template', describe({ messageIndex, ...result.problem }, message.role));
    return { role: message.role, content: result.content };
  });
}

/** For the preview: every message rendered as far as it can be, and every error with its place. */
export function renderMessagesSafe(messages: readonly Message[], vars: Variables): { messages: Message[]; errors: TemplateErrorInfo[] } {
  const errors: TemplateErrorInfo[] = [];
  const rendered = messages.map((message, messageIndex) => {
    const result = renderOne(message.content, vars);
    if ('problem' in result) {
      errors.push({ messageIndex, ...result.problem });
      return { role: message.role, content: '' };
    }
    return { role: message.role, content: result.content };
  });
  return { messages: rendered, errors };
}
