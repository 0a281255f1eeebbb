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
 *
 * A message may say it is Mustache (`engine`, from a Prompty file's `template: mustache`): it
 * renders in the same sandbox with Mustache. A message marked `split: 'prompty'` holds a whole
 * Prompty body: it is rendered first and then split into messages on its role lines, as
 * Prompty does (src/shared/formats/prompty-body.ts); its conversation variables (`threads`)
 * render as markers that the split replaces with their messages.
 */
import { randomUUID } from 'node:crypto';
import type { TemplateErrorInfo } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { splitPromptyBody, threadMarker } from '../../shared/formats/prompty-body';
import type { Message, TemplateEngine, Variables } from '../../shared/schemas';
import { imageLabel, imageSourceOf, isImageValue } from '../../shared/images';
import { checkTemplate, problemOf, type TemplateProblem } from '../../shared/template';
import { sandbox, type SandboxFailure, type SandboxResult } from '../sandbox';

/** How many templates were compiled since start: lets tests see the cache work. */
export function compileCount(): number {
  return sandbox.compileCount();
}

/** Empties the compiled-template cache (tests). */
export function clearTemplateCache(): void {
  sandbox.clearTemplates();
  overBudget.clear();
  spent.clear();
}

/**
 * Templates that ran out of time twice, by text: a run of 10,000 rows, or the estimate of the
 * whole matrix, must not spend the budget on every row. They fail at once for a minute.
 */
const overBudget = new Map<string, { count: number; until: number }>();
const STRIKES = 2;
const STRIKE_MS = 60_000;

/**
 * Time spent rendering each slow template in the last minute. A template that stays just under
 * its budget on every row would never strike, yet block a 10,000-row run for an hour: past
 * SPENT_LIMIT_MS in a minute it is treated as out of time too. Renders under SLOW_MS are not
 * counted (the preview renders a new text at every keystroke).
 */
const spent = new Map<string, { ms: number; since: number }>();
const SPENT_LIMIT_MS = 5_000;
const SLOW_MS = 20;

function charge(texts: readonly string[], ms: number): void {
  if (ms < SLOW_MS || texts.length === 0) return;
  const now = Date.now();
  for (const text of texts) {
    const previous = spent.get(text);
    const entry = previous && now - previous.since < STRIKE_MS ? previous : { ms: 0, since: now };
    entry.ms += ms / texts.length;
    spent.set(text, entry);
    if (spent.size > 1000) spent.delete(spent.keys().next().value ?? '');
    if (entry.ms > SPENT_LIMIT_MS) overBudget.set(text, { count: STRIKES, until: now + STRIKE_MS });
  }
}

/** A sandbox call, timed and charged to the templates it rendered. */
function timed<T>(texts: readonly string[], call: () => T): T {
  const started = performance.now();
  try {
    return call();
  } finally {
    charge(texts, performance.now() - started);
  }
}

function budgetProblem(failure: SandboxFailure): TemplateProblem {
  return { line: 1, column: 1, message: `The template ${failure.message}.` };
}

const PLACE = /\[Line (\d+), Column (\d+)\]/;

/**
 * Where a Nunjucks error happened, 1-based. The parser's own error (found again by
 * checkTemplate) has the exact place; a runtime error carries a 0-based place in its message.
 */
function placeOf(error: unknown, text: string, phase: 'compile' | 'render', engine: TemplateEngine): TemplateProblem {
  const checked = checkTemplate(text, engine).errors[0];
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

type Rendered = { content: string } | { problem: TemplateProblem };

function struck(text: string): boolean {
  const strikes = overBudget.get(text);
  return strikes !== undefined && strikes.count >= STRIKES && strikes.until > Date.now();
}

function interpret(text: string, result: SandboxResult<string>, engine: TemplateEngine = 'nunjucks'): Rendered {
  if (result.ok) return { content: result.value };
  if (result.kind === 'error') return { problem: placeOf(new Error(result.message), text, result.name === 'CompileError' ? 'compile' : 'render', engine) };
  if (result.kind === 'time') {
    const strikes = overBudget.get(text);
    const count = (strikes && strikes.until > Date.now() ? strikes.count : 0) + 1;
    overBudget.set(text, { count, until: Date.now() + STRIKE_MS });
    if (overBudget.size > 1000) overBudget.delete(overBudget.keys().next().value ?? '');
  }
  return { problem: budgetProblem(result) };
}

const STRUCK: TemplateProblem = { line: 1, column: 1, message: 'The template ran out of its time budget on earlier rows (or took more than 5 s of rendering in the last minute); it is not rendered again for a minute.' };

/**
 * A cell's messages rendered in one call to the sandbox. Text with no tags renders as itself
 * without a call. If a budget ends the call, each template is tried on its own, so the error
 * lands on the message that caused it.
 */
function renderAll(texts: readonly string[], vars: Variables, engines: readonly TemplateEngine[] = []): Rendered[] {
  const out: (Rendered | undefined)[] = texts.map((text) => (!text.includes('{') ? { content: text } : struck(text) ? { problem: STRUCK } : undefined));
  const pending = texts.map((text, i) => ({ text, i, engine: engines[i] ?? 'nunjucks' })).filter(({ i }) => out[i] === undefined);
  if (pending.length === 0) return out as Rendered[];
  const pendingTexts = pending.map((p) => p.text);
  const results = timed(pendingTexts, () => sandbox.renderAll(pendingTexts, vars, pending.map((p) => p.engine)));
  const budget = results.some((r) => !r.ok && r.kind !== 'error');
  pending.forEach(({ text, i, engine }, k) => {
    const result = results[k];
    if (budget && pending.length > 1) out[i] = struck(text) ? { problem: STRUCK } : interpret(text, timed([text], () => sandbox.render(text, vars, engine)), engine);
    else if (result) out[i] = interpret(text, result, engine);
  });
  return out.map((r) => r ?? { problem: STRUCK });
}

function describe(error: TemplateErrorInfo, role: Message['role'] | undefined): string {
  return `Template error in message ${error.messageIndex + 1}${role ? ` (${role})` : ''}, line ${error.line}, column ${error.column}: ${error.message}`;
}

/** A marker no row value holds by chance: the split finds a thread's place by it. */
const NONCE = randomUUID().replace(/-/g, '').slice(0, 12);

/** Where an image variable is written: the split into text and image parts finds it by this. */
function imageMarker(name: string): string {
  return `__PARALLAX_IMAGE_${NONCE}_${name}__`;
}

/** True when one of the row's values is an image (src/shared/images.ts). */
function rowHasImage(vars: Variables): boolean {
  for (const value of Object.values(vars)) if (isImageValue(value)) return true;
  return false;
}

/**
 * The row as the sandbox sees it: each thread variable of a split message becomes its marker,
 * and so does each image (the message is then sent as text and image parts, see `withImages`).
 */
function renderVars(messages: readonly Message[], vars: Variables): { vars: Variables; markers: Map<string, string>; images: Map<string, string> } {
  const markers = new Map<string, string>();
  const images = new Map<string, string>();
  for (const message of messages) if (message.split) for (const name of message.threads ?? []) markers.set(threadMarker(name, NONCE), name);
  for (const [name, value] of Object.entries(vars)) if (isImageValue(value) && !markers.has(threadMarker(name, NONCE))) images.set(imageMarker(name), name);
  if (markers.size === 0 && images.size === 0) return { vars, markers, images };
  const out: Variables = { ...vars };
  for (const [marker, name] of markers) out[name] = marker;
  for (const [marker, name] of images) out[name] = marker;
  return { vars: out, markers, images };
}

/**
 * A rendered message with images where their markers are: `parts` in order, and `content` with
 * `[image: …]` in their place. A message with no marker comes back as it was.
 */
function withImages(message: Message, images: ReadonlyMap<string, string>, vars: Variables): Message {
  if (images.size === 0 || !message.content.includes('__PARALLAX_IMAGE_')) return message;
  const parts: NonNullable<Message['parts']> = [];
  let content = '';
  const pattern = new RegExp([...images.keys()].map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  let last = 0;
  for (const match of message.content.matchAll(pattern)) {
    const before = message.content.slice(last, match.index);
    if (before !== '') parts.push({ type: 'text', text: before });
    content += before;
    const name = images.get(match[0]) ?? '';
    const value = vars[name];
    const source = imageSourceOf(value);
    if (source && parts.length < 199) {
      const alt = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value['alt'] === 'string' ? value['alt'] : undefined;
      const image = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value['image'] === 'string' ? value['image'] : '';
      parts.push({ type: 'image', image, ...(alt !== undefined ? { alt: alt.slice(0, 200) } : {}) });
    }
    content += imageLabel(value);
    last = match.index + match[0].length;
  }
  if (last === 0 && !parts.some((p) => p.type === 'image')) return message;
  const rest = message.content.slice(last);
  if (rest !== '') parts.push({ type: 'text', text: rest });
  content += rest;
  return { ...message, content, parts };
}

function enginesOf(messages: readonly Message[]): TemplateEngine[] {
  return messages.map((m) => m.engine ?? 'nunjucks');
}

/** The message's own fields that travel with it as sent (a few-shot turn's tool calls, its cache mark). */
function carried(message: Message): Partial<Message> {
  return {
    ...(message.name !== undefined ? { name: message.name } : {}),
    ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
    ...(message.toolCallId !== undefined ? { toolCallId: message.toolCallId } : {}),
    ...(message.cache ? { cache: true } : {}),
  };
}

/** The one message as sent: the rendered text, or a Prompty body split into its messages. */
function finish(message: Message, content: string, prepared: ReturnType<typeof renderVars>, vars: Variables): Message[] | { error: string } {
  if (!message.split) return [withImages({ role: message.role, content, ...carried(message) }, prepared.images, vars)];
  const split = splitPromptyBody(content, message.role, prepared.markers, vars, message.name);
  return split.ok ? split.messages.map((m) => withImages(m, prepared.images, vars)) : { error: split.message };
}

/** The messages with the row's values filled in. Throws AppError('template') on the first error. */
export function renderMessages(messages: readonly Message[], vars: Variables): Message[] {
  const prepared = renderVars(messages, vars);
  const rendered = renderAll(messages.map((m) => m.content), prepared.vars, enginesOf(messages));
  return messages.flatMap((message, messageIndex) => {
    const result = rendered[messageIndex] ?? { problem: STRUCK };
    if ('problem' in result) throw new AppError('template', describe({ messageIndex, ...result.problem }, message.role));
    const done = finish(message, result.content, prepared, vars);
    if ('error' in done) throw new AppError('template', `Message ${messageIndex + 1}: ${done.error}.`);
    return done;
  });
}

/** Rows rendered per call to the sandbox by `renderRows`. */
const ROWS_PER_CALL = 128;

/**
 * One template for many rows (a run's matrix, an estimate): each row's messages, or the
 * AppError('template') the row's first bad message gives, in the order of `rows`. Rows go to
 * the sandbox in batches; a batch that runs out of its budget is rendered row by row instead.
 */
export function renderMessagesRows(messages: readonly Message[], rows: readonly Variables[]): ({ messages: Message[] } | { error: AppError })[] {
  const out: ({ messages: Message[] } | { error: AppError })[] = [];
  const texts = messages.map((m) => m.content);
  const engines = enginesOf(messages);
  const templated = texts.map((text, i) => ({ text, i, engine: engines[i] ?? 'nunjucks' })).filter(({ text }) => text.includes('{') && !struck(text));
  // Split messages and threads are rendered row by row (renderMessages): they are rare.
  const simple = messages.every((m) => !m.split);
  for (let start = 0; start < rows.length; start += ROWS_PER_CALL) {
    const batch = rows.slice(start, start + ROWS_PER_CALL);
    const batchTexts = templated.map((t) => t.text);
    // A batch with an image in it is rendered row by row too (its images become message parts).
    const results = simple && templated.length > 0 && batch.length > 1 && !batch.some(rowHasImage) ? timed(batchTexts, () => sandbox.renderRows(batchTexts, batch, templated.map((t) => t.engine))) : undefined;
    batch.forEach((vars, b) => {
      const row = results?.[b];
      if (!row) {
        try {
          out.push({ messages: renderMessages(messages, vars) });
        } catch (error) {
          out.push({ error: error instanceof AppError ? error : new AppError('template', String(error)) });
        }
        return;
      }
      const rendered: Rendered[] = texts.map((text) => (!text.includes('{') ? { content: text } : { problem: STRUCK }));
      templated.forEach(({ text, i, engine }, k) => {
        const result = row[k];
        if (result) rendered[i] = interpret(text, result, engine);
      });
      const bad = rendered.findIndex((r) => 'problem' in r);
      const failed = rendered[bad];
      if (failed && 'problem' in failed) out.push({ error: new AppError('template', describe({ messageIndex: bad, ...failed.problem }, messages[bad]?.role)) });
      else out.push({ messages: messages.map((m, i) => { const r = rendered[i]; return { role: m.role, content: r && 'content' in r ? r.content : '', ...carried(m) }; }) });
    });
  }
  return out;
}

/** For the preview: every message rendered as far as it can be, and every error with its place. */
export function renderMessagesSafe(messages: readonly Message[], vars: Variables): { messages: Message[]; errors: TemplateErrorInfo[] } {
  const errors: TemplateErrorInfo[] = [];
  const prepared = renderVars(messages, vars);
  const results = renderAll(messages.map((m) => m.content), prepared.vars, enginesOf(messages));
  const rendered = messages.flatMap((message, messageIndex): Message[] => {
    const result = results[messageIndex] ?? { problem: STRUCK };
    if ('problem' in result) {
      errors.push({ messageIndex, ...result.problem });
      return [{ role: message.role, content: '' }];
    }
    const done = finish(message, result.content, prepared, vars);
    if ('error' in done) {
      errors.push({ messageIndex, line: 1, column: 1, message: `${done.error.charAt(0).toUpperCase()}${done.error.slice(1)}.` });
      return [{ role: message.role, content: result.content }];
    }
    return done;
  });
  return { messages: rendered, errors };
}
