/**
 * Renders prompt templates with Nunjucks, the engine promptfoo uses, configured as promptfoo
 * does (no autoescaping; an undefined variable renders as empty text) but with no loaders:
 * a template cannot read files. Parsing for the editor lives in src/shared/template.ts; this
 * is the only place templates are compiled, so it runs in main, never in the renderer.
 *
 * Values are passed as they are: a list loops, an object reads with dots, a number prints as
 * a number. A string holding JSON text is not parsed (as in promptfoo): `{{ user.name }}`
 * needs `user` to be an object, not the text '{"name": "Ada"}'. An object printed whole
 * renders as Nunjucks prints it ("[object Object]"); write `{{ user | dump }}` for JSON.
 */
import nunjucks from 'nunjucks';
import type { TemplateErrorInfo } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { Message, Variables } from '../../shared/schemas';
import { checkTemplate, problemOf, type TemplateProblem } from '../../shared/template';

const environment = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });

/** Compiled templates by source text, least recently used first. A run compiles each message once. */
const CACHE_SIZE = 300;
const compiled = new Map<string, nunjucks.Template>();
let compilations = 0;

/** How many templates were compiled since start: lets tests see the cache work. */
export function compileCount(): number {
  return compilations;
}

/** Empties the compiled-template cache (tests). */
export function clearTemplateCache(): void {
  compiled.clear();
}

function templateOf(text: string): nunjucks.Template {
  const hit = compiled.get(text);
  if (hit) {
    compiled.delete(text);
    compiled.set(text, hit);
    return hit;
  }
  compilations++;
  // eagerCompile: a syntax error surfaces here, once, rather than on every row.
  const template = new nunjucks.Template(text, environment, undefined, true);
  compiled.set(text, template);
  if (compiled.size > CACHE_SIZE) {
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  return template;
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
  // Text with no tags renders as itself: skip the compiler altogether.
  if (!text.includes('{')) return { content: text };
  let template: nunjucks.Template;
  try {
    template = templateOf(text);
  } catch (error) {
    return { problem: placeOf(error, text, 'compile') };
  }
  try {
    return { content: template.render(vars) };
  } catch (error) {
    return { problem: placeOf(error, text, 'render') };
  }
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
