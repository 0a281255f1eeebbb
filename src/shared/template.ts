/**
 * Prompt templates are Nunjucks (Jinja-style), the engine promptfoo uses: `{{ var }}`,
 * `{{ user.name }}`, filters, `{% for %}`, `{% if %}`, `{% set %}`. This module reads
 * templates with Nunjucks' own parser, so the editor (highlighting, completion, markers,
 * hover) and the table's columns see exactly the language the runner renders. Rendering
 * itself lives in src/main/template/render.ts: Nunjucks compiles templates with
 * `new Function`, which the renderer's CSP forbids.
 *
 * Values: a variable may hold any JSON (text, number, list, object). A string that happens
 * to contain JSON text stays a string: `{{ user.name }}` reads into an object, not into the
 * text '{"name": …}' (promptfoo does not parse such strings either).
 */
// The browser bundle of the same Nunjucks version, not nunjucks/src/parser.js: the source
// files require Node's `events`, which Vite stubs out in the renderer (the page would not
// load); the bundle carries its own. Only its lexer and parser run here, never the compiler.
import Mustache from 'mustache';
import nunjucksBrowser from 'nunjucks/browser/nunjucks.js';
import type { LexToken } from 'nunjucks/src/lexer.js';
import type { ParsedNode } from 'nunjucks/src/parser.js';
import type { Message, TemplateEngine, VariableValue, Variables } from './schemas';

const { lexer, parser } = nunjucksBrowser;

/** Nunjucks' built-in filters and promptfoo's `load`, for completion after `|` and to flag a misspelt one. */
export const TEMPLATE_FILTERS: readonly string[] = [
  'abs', 'batch', 'capitalize', 'center', 'default', 'd', 'dictsort', 'dump', 'escape', 'e', 'first', 'float', 'forceescape',
  'groupby', 'indent', 'int', 'join', 'last', 'length', 'list', 'lower', 'nl2br', 'random', 'reject', 'rejectattr', 'replace',
  'reverse', 'round', 'safe', 'select', 'selectattr', 'slice', 'sort', 'string', 'striptags', 'sum', 'title', 'trim', 'truncate',
  'upper', 'urlencode', 'urlize', 'wordcount',
  // promptfoo's own: text read as JSON.
  'load',
];
/** Functions every template can call; never variables. */
const GLOBALS = new Set(['range', 'cycler', 'joiner']);
const FILTERS = new Set(TEMPLATE_FILTERS);

/** A variable as the template reads it, with its place (1-based line and column). */
export interface VariableReference {
  /** The variable the row must supply: `user` for `{{ user.address.city }}`. */
  name: string;
  /** The keys read into it, as far as they are written literally: `['address', 'city']`. */
  path: (string | number)[];
  line: number;
  column: number;
  /** Characters from `column` that the reference covers as written (`user.address.city`). */
  length: number;
}

/** A syntax error, or something that will fail when rendered, with its place (1-based). */
export interface TemplateProblem {
  line: number;
  column: number;
  message: string;
}

export interface TemplateCheck {
  /** Empty when the template parses and uses only what Parallax can render. */
  errors: TemplateProblem[];
  /** Every read of a variable the row supplies, in order of appearance (not loop variables or `set` names). */
  references: VariableReference[];
}

/** What a text's Nunjucks error carries; the parser gives 1-based places, or none at the end. */
interface ParseFailure {
  message: string;
  lineno?: number;
  colno?: number;
}

function isParseFailure(error: unknown): error is ParseFailure {
  return error instanceof Error;
}

function field(node: ParsedNode, name: string): unknown {
  const value: unknown = Reflect.get(node, name);
  return value;
}

function isNode(value: unknown): value is ParsedNode {
  return typeof value === 'object' && value !== null && 'typename' in value && 'fields' in value;
}

function nodeField(node: ParsedNode, name: string): ParsedNode | undefined {
  const value = field(node, name);
  return isNode(value) ? value : undefined;
}

/** A NodeList's children (Root, Output, Array, Dict, KeywordArgs, NodeList itself). */
function children(node: ParsedNode): ParsedNode[] {
  const value = field(node, 'children');
  return Array.isArray(value) ? value.filter(isNode) : [];
}

function symbolName(node: ParsedNode | undefined): string | undefined {
  if (!node || node.typename !== 'Symbol') return undefined;
  const value = field(node, 'value');
  return typeof value === 'string' ? value : undefined;
}

/** Offsets of each line's start, to turn 1-based (line, column) into an index and back. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

const WRITTEN_PATH = /[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*|\s*\[\s*(?:\d+|"[^"\n]*"|'[^'\n]*')\s*\])*/y;

/** Walks a parsed template, collecting reads of variables the caller must supply. */
class Analysis {
  readonly references: VariableReference[] = [];
  readonly errors: TemplateProblem[] = [];
  private readonly scopes: Set<string>[] = [new Set()];
  private readonly starts: number[];

  constructor(private readonly text: string) {
    this.starts = lineStarts(text);
  }

  private defined(name: string): boolean {
    return this.scopes.some((scope) => scope.has(name));
  }

  private define(name: string): void {
    this.scopes.at(-1)?.add(name);
  }

  private within(names: readonly string[], walk: () => void): void {
    this.scopes.push(new Set(names));
    try {
      walk();
    } finally {
      this.scopes.pop();
    }
  }

  private problem(node: ParsedNode, message: string): void {
    this.errors.push({ line: node.lineno + 1, column: node.colno + 1, message });
  }

  /** The written length of a reference starting at a 0-based place. */
  private writtenLength(lineno: number, colno: number, fallback: number): number {
    const start = (this.starts[lineno] ?? 0) + colno;
    WRITTEN_PATH.lastIndex = start;
    const match = WRITTEN_PATH.exec(this.text);
    return match ? match[0].length : fallback;
  }

  private reference(root: ParsedNode, name: string, path: (string | number)[]): void {
    if (this.defined(name) || GLOBALS.has(name)) return;
    this.references.push({
      name,
      path,
      line: root.lineno + 1,
      column: root.colno + 1,
      length: this.writtenLength(root.lineno, root.colno, name.length),
    });
  }

  /** Names a `for`, `set` or macro binds: a Symbol, or an Array of them (`for k, v in …`). */
  private targetNames(node: ParsedNode | undefined): string[] {
    if (!node) return [];
    const name = symbolName(node);
    if (name !== undefined) return [name];
    return children(node).flatMap((child) => this.targetNames(child));
  }

  walk(node: ParsedNode | undefined): void {
    if (!node) return;
    switch (node.typename) {
      case 'Symbol': {
        const name = symbolName(node);
        if (name !== undefined) this.reference(node, name, []);
        return;
      }
      case 'LookupVal':
        this.lookup(node);
        return;
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll':
        this.walk(nodeField(node, 'arr'));
        this.within([...this.targetNames(nodeField(node, 'name')), 'loop'], () => this.walk(nodeField(node, 'body')));
        this.walk(nodeField(node, 'else_'));
        return;
      case 'Set': {
        this.walk(nodeField(node, 'value'));
        this.walk(nodeField(node, 'body'));
        const targets = field(node, 'targets');
        if (Array.isArray(targets)) for (const target of targets.filter(isNode)) this.targetNames(target).forEach((n) => this.define(n));
        return;
      }
      case 'Macro':
      case 'Caller': {
        const macroName = symbolName(nodeField(node, 'name'));
        if (macroName !== undefined) this.define(macroName);
        const args = nodeField(node, 'args');
        const params: string[] = [];
        for (const arg of args ? children(args) : []) {
          const plain = symbolName(arg);
          if (plain !== undefined) params.push(plain);
          else if (arg.typename === 'KeywordArgs') {
            for (const pair of children(arg)) {
              const key = symbolName(nodeField(pair, 'key'));
              if (key !== undefined) params.push(key);
              this.walk(nodeField(pair, 'value'));
            }
          }
        }
        this.within([...params, 'caller'], () => this.walk(nodeField(node, 'body')));
        return;
      }
      case 'Filter':
      case 'FilterAsync': {
        const name = filterName(nodeField(node, 'name'));
        if (name !== undefined && !FILTERS.has(name)) this.problem(node, `Unknown filter "${name}".`);
        this.walk(nodeField(node, 'args'));
        return;
      }
      case 'FunCall': {
        const callee = nodeField(node, 'name');
        const name = symbolName(callee);
        // A call of a macro or a global is not a variable; anything else is looked up.
        if (name === undefined || !(GLOBALS.has(name) || this.defined(name))) this.walk(callee);
        this.walk(nodeField(node, 'args'));
        return;
      }
      case 'Is': {
        // `x is defined`: the right side names a test, not a variable.
        this.walk(nodeField(node, 'left'));
        const test = nodeField(node, 'right');
        if (test?.typename === 'FunCall') this.walk(nodeField(test, 'args'));
        else if (test && symbolName(test) === undefined) this.walk(test);
        return;
      }
      case 'Pair':
      case 'KeywordArgs':
      case 'Dict':
        this.pairs(node);
        return;
      case 'Include':
      case 'Extends':
      case 'Import':
      case 'FromImport':
        this.problem(node, 'A prompt template cannot include or import other files.');
        if (node.typename === 'Import') this.targetNames(nodeField(node, 'target')).forEach((n) => this.define(n));
        return;
      case 'CallExtension':
      case 'CallExtensionAsync':
        return;
      default:
        this.walkFields(node);
    }
  }

  private walkFields(node: ParsedNode): void {
    // NodeLists keep their nodes in the `children` field, so this covers them too.
    for (const name of node.fields) {
      const value = field(node, name);
      if (isNode(value)) this.walk(value);
      else if (Array.isArray(value)) value.filter(isNode).forEach((child) => this.walk(child));
    }
  }

  /** Dict keys and keyword-argument names are written as symbols but are not variables. */
  private pairs(node: ParsedNode): void {
    const pairs = node.typename === 'Pair' ? [node] : children(node);
    for (const pair of pairs) {
      if (pair.typename !== 'Pair') {
        this.walk(pair);
        continue;
      }
      const key = nodeField(pair, 'key');
      if (key && symbolName(key) === undefined) this.walk(key);
      this.walk(nodeField(pair, 'value'));
    }
  }

  /** `user.address.city`, `rows[0].text`: one reference to the root with its literal keys. */
  private lookup(node: ParsedNode): void {
    const keys: (string | number)[] = [];
    const computed: ParsedNode[] = [];
    let current: ParsedNode | undefined = node;
    while (current?.typename === 'LookupVal') {
      const val = nodeField(current, 'val');
      const literal = val?.typename === 'Literal' ? field(val, 'value') : undefined;
      if (typeof literal === 'string' || typeof literal === 'number') keys.unshift(literal);
      else {
        // A computed key (`row[name]`) ends the literal path here.
        keys.length = 0;
        if (val) computed.push(val);
      }
      current = nodeField(current, 'target');
    }
    const root = symbolName(current);
    if (current && root !== undefined) this.reference(current, root, keys);
    else this.walk(current);
    computed.reverse().forEach((val) => this.walk(val));
  }
}

function filterName(node: ParsedNode | undefined): string | undefined {
  // A filter's name is a Symbol, or a LookupVal for dotted names that Nunjucks rejects later.
  return symbolName(node);
}

/** Where the parser gives no place (it ran off the end): the last tag left open, else the end. */
function placeOfUnclosed(text: string): { line: number; column: number } {
  let at = -1;
  for (const [open, close] of [['{{', '}}'], ['{%', '%}'], ['{#', '#}']] as const) {
    const index = text.lastIndexOf(open);
    if (index >= 0 && !text.includes(close, index + 2)) at = Math.max(at, index);
  }
  const offset = at >= 0 ? at : text.length;
  const starts = lineStarts(text);
  let line = 0;
  while (line + 1 < starts.length && (starts[line + 1] ?? Infinity) <= offset) line++;
  return { line: line + 1, column: offset - (starts[line] ?? 0) + 1 };
}

/** Nunjucks prefixes some messages with the parser function's name ("parseIf: …"). */
function tidyMessage(message: string): string {
  const text = message.replace(/^\(unknown path\)\s*(\[[^\]]*\])?\s*/, '').replace(/^parse\w*:\s*/, '').trim();
  return text.length > 0 ? text.charAt(0).toUpperCase() + text.slice(1) : 'The template could not be read.';
}

/** A Nunjucks error as a problem with a place: its own line and column, or the best guess. */
export function problemOf(error: unknown, text: string): TemplateProblem {
  const failure: ParseFailure = isParseFailure(error) ? error : { message: String(error) };
  const message = tidyMessage(failure.message);
  if (typeof failure.lineno === 'number' && typeof failure.colno === 'number' && failure.lineno > 0 && failure.colno > 0) {
    return { line: failure.lineno, column: failure.colno, message };
  }
  return { ...placeOfUnclosed(text), message };
}

function parsed(text: string): { root: ParsedNode } | { error: TemplateProblem } {
  try {
    return { root: parser.parse(text) };
  } catch (error) {
    // The parser recurses: text nested thousands deep runs it out of stack.
    if (error instanceof RangeError) return { error: { line: 1, column: 1, message: 'The template nests too deeply to read (thousands of brackets or tags inside one another).' } };
    return { error: problemOf(error, text) };
  }
}

/** 1-based line and column of an offset. */
function placeAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

type MustacheToken = [string, string, number, number, MustacheToken[]?, number?];

/**
 * A Mustache template (Prompty's `template: mustache`), read with Mustache's own parser: its
 * syntax errors, and the names it reads outside any section (inside `{{#list}}…{{/list}}` a
 * name may be a key of each item, so only the section's own name is a variable).
 */
function checkMustache(text: string): TemplateCheck {
  let tokens: MustacheToken[];
  try {
    tokens = Mustache.parse(text) as MustacheToken[];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /at (\d+)\s*$/.exec(message);
    const place = at ? placeAt(text, Number(at[1])) : { line: 1, column: 1 };
    return { errors: [{ ...place, message: `Mustache: ${message.replace(/\s*at \d+\s*$/, '')}.` }], references: [] };
  }
  const references: VariableReference[] = [];
  for (const token of tokens) {
    const [type, value, start] = token;
    if (!['name', '&', '{', '#', '^'].includes(type) || value === '.') continue;
    const [name, ...path] = value.split('.');
    if (!name) continue;
    references.push({ name, path, ...placeAt(text, text.indexOf(value, start)), length: value.length });
  }
  return { errors: [], references };
}

/**
 * Reads a template: syntax errors (with line and column), things that will fail to render
 * (unknown filters, includes), and every reference to a variable the row must supply.
 */
export function checkTemplate(text: string, engine: TemplateEngine = 'nunjucks'): TemplateCheck {
  if (engine === 'mustache') return checkMustache(text);
  const result = parsed(text);
  if ('error' in result) return { errors: [result.error], references: tolerantReferences(text) };
  const analysis = new Analysis(text);
  analysis.walk(result.root);
  const references = analysis.references.sort((a, b) => a.line - b.line || a.column - b.column);
  return { errors: analysis.errors, references };
}

const EXPRESSION_WORDS = new Set(['in', 'and', 'or', 'not', 'is', 'if', 'else', 'loop', 'caller']);

/**
 * While a template does not parse (the user is mid-typing `{% if x %}` before its
 * `{% endif %}`), its variables still count, read from the tokens, so the table's columns do
 * not flicker away: names after `.`, `|` or `is` are keys, filters and tests; names a
 * `for` or `set` binds anywhere in the text are not variables.
 */
function tolerantReferences(text: string): VariableReference[] {
  const tokens: LexToken[] = [];
  try {
    const tokenizer = lexer.lex(text);
    for (let token = tokenizer.nextToken(); token; token = tokenizer.nextToken()) if (token.type !== 'whitespace') tokens.push(token);
  } catch {
    return [];
  }
  const bound = new Set<string>();
  const found: VariableReference[] = [];
  let tag: 'none' | 'block-head' | 'for-targets' | 'set-targets' | 'expression' = 'none';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    if (token.type === 'block-start') tag = 'block-head';
    else if (token.type === 'variable-start') tag = 'expression';
    else if (token.type === 'block-end' || token.type === 'variable-end') tag = 'none';
    if (tag === 'none' || token.type !== 'symbol') {
      if (tag === 'set-targets' && token.type === 'operator' && token.value === '=') tag = 'expression';
      continue;
    }
    if (tag === 'block-head') {
      tag = token.value === 'for' ? 'for-targets' : token.value === 'set' ? 'set-targets' : 'expression';
      continue;
    }
    if (tag === 'for-targets' || tag === 'set-targets') {
      if (token.value === 'in') tag = 'expression';
      else bound.add(token.value);
      continue;
    }
    const previous = tokens[i - 1];
    if (previous && (previous.type === 'pipe' || (previous.type === 'operator' && previous.value === '.') || (previous.type === 'symbol' && previous.value === 'is'))) continue;
    if (EXPRESSION_WORDS.has(token.value) || GLOBALS.has(token.value)) continue;
    const path: string[] = [];
    let length = token.value.length;
    for (let j = i + 1; ; j += 2) {
      const dot = tokens[j];
      const key = tokens[j + 1];
      if (dot?.type !== 'operator' || dot.value !== '.' || key?.type !== 'symbol' || key.lineno !== token.lineno) break;
      path.push(key.value);
      length = key.colno + key.value.length - token.colno;
    }
    found.push({ name: token.value, path, line: token.lineno + 1, column: token.colno + 1, length });
  }
  return found.filter((reference) => !bound.has(reference.name));
}

/**
 * The variables a template needs, in order of first appearance, each once. Loops and dotted
 * paths are understood: `{% for ex in examples %}{{ ex.q }}{% endfor %}` needs `examples`,
 * `{{ user.name }}` needs `user`, a `{% set %}` name needs nothing. Never throws: a text that
 * does not parse contributes its plain placeholders.
 */
export function extractVariables(texts: readonly string[], engines: readonly TemplateEngine[] = []): string[] {
  const seen = new Set<string>();
  texts.forEach((text, i) => {
    if (!text.includes('{')) return;
    for (const { name } of checkTemplate(text, engines[i]).references) seen.add(name);
  });
  return [...seen];
}

/** The variables of a prompt's messages; a Prompty body's `![thread]` line reads `thread`. */
export function messageVariables(messages: readonly Message[]): string[] {
  const names = extractVariables(messages.map((m) => m.content), messages.map((m) => m.engine ?? 'nunjucks'));
  const threads = messages.flatMap((m) => (m.split && /^\s*!\[thread\]/m.test(m.content) ? ['thread'] : []));
  return [...new Set([...names, ...threads])];
}

/** The value a reference reads in a row: the variable, then each key in turn. */
export function valueAtPath(variables: Variables, name: string, path: readonly (string | number)[]): { found: true; value: VariableValue } | { found: false } {
  if (!Object.hasOwn(variables, name)) return { found: false };
  let current: VariableValue | undefined = variables[name];
  for (const key of path) {
    if (current === null || typeof current !== 'object' || current === undefined) return { found: false };
    if (Array.isArray(current)) {
      const index = typeof key === 'number' ? key : Number(key);
      current = Number.isInteger(index) ? current[index] : undefined;
    } else {
      current = Object.hasOwn(current, String(key)) ? current[String(key)] : undefined;
    }
    if (current === undefined) return { found: false };
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** A placeholder as written, with where it sits (0-based offsets into the text). */
export interface Placeholder {
  name: string;
  start: number;
  end: number;
}

const PLAIN_PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/g;

/**
 * The plain `{{ name }}` / `{{ a.b }}` output tags of a text (no filters, no logic): what the
 * code-snippet exports can fill with a simple replace.
 */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(PLAIN_PLACEHOLDER)) {
    const name = match[1];
    if (name === undefined) continue;
    found.push({ name, start: match.index, end: match.index + match[0].length });
  }
  return found;
}
