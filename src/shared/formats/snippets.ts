/**
 * Code to paste (export only): TypeScript and Python with the openai SDK, and curl. Each sends
 * the same request as OpenAI chat JSON. The key is always read from an environment variable
 * (the model's apiKeyEnvar, else OPENAI_API_KEY); it is never written into the code.
 *
 * Templates are rendered exactly, by the template's own engine: TypeScript renders with
 * Nunjucks (what Parallax and promptfoo run) and Python with Jinja2 (the language Nunjucks
 * follows), set up as Parallax renders: no HTML escaping, promptfoo's `load` filter, missing
 * values empty; Mustache messages with mustache.js / chevron and chevron's escaping. Every
 * variable the template reads is defined from the sample row (the selected row); one the row
 * does not set is left undefined, as Parallax leaves it, and named in a comment. curl cannot
 * render, so its body holds the messages as Parallax renders them for that row (the caller passes
 * the renderer); without one it falls back to filling simple `{{ name }}` placeholders, and says so.
 */
import { messageVariables } from '../template';
import type { Message, VariableValue, Variables } from '../schemas';
import type { ExportOptions, PromptDocument, PromptFormat, PromptModel } from './document';
import { DEFAULT_KEY_ENVAR, checkKeyEnvar, oneLine, valueText } from './common';
import { chatRequestBody, requireModel } from './openai-chat';

const SIMPLE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The curl fallback without a renderer: fill `{{ name }}` from the values, leave anything else as written. */
export function fillSimplePlaceholders(template: string, values: Variables): string {
  return template.replace(SIMPLE, (whole, name: string) => (Object.hasOwn(values, name) ? (valueText(values[name]) ?? whole) : whole));
}

interface Plan {
  model: PromptModel;
  envar: string;
  /** Every variable the template reads that the sample row sets, with its value. */
  variables: Array<[string, VariableValue]>;
  /** Variables the template reads that the row does not set (left undefined). */
  unset: string[];
  header: string[];
}

function plan(document: PromptDocument, formatLabel: string): Plan {
  const model = requireModel(document, formatLabel);
  checkKeyEnvar(model, formatLabel);
  const names = messageVariables(document.messages);
  const envar = model.apiKeyEnvar ?? DEFAULT_KEY_ENVAR;
  const header = [`${oneLine(document.name)} — exported from Parallax.`];
  if (document.description.trim()) header.push(oneLine(document.description));
  if (document.messages.some((m) => m.split)) header.push('Note: a Prompty body (split into messages after rendering) is sent here as one message.');
  const set = names.filter((name) => Object.hasOwn(document.sample, name));
  return {
    model,
    envar,
    variables: set.map((name) => [name, document.sample[name] as VariableValue]),
    unset: names.filter((name) => !Object.hasOwn(document.sample, name)),
    header,
  };
}

/** Whether a message is a template to render (as Parallax decides: only text with a brace can hold a tag). */
function templated(message: Message): boolean {
  return message.content.includes('{');
}

function hex4(ch: string): string {
  return (ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0');
}

/** Characters that must not appear raw in a string literal: controls (not newline), U+2028/9, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what this escapes
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeUnsafe(ch: string): string {
  return ch === '\t' ? '\\t' : ch === '\r' ? '\\r' : `\\u${hex4(ch)}`;
}

/** A TypeScript string literal: a template literal for multi-line text (readable), else JSON's double quotes. */
export function tsString(text: string): string {
  if (!text.includes('\n')) return JSON.stringify(text).replace(/[\u2028\u2029]/g, (ch) => `\\u${hex4(ch)}`);
  const body = text.replace(/\\|`|\$\{/g, (match) => `\\${match}`).replace(UNSAFE, escapeUnsafe);
  return `\`${body}\``;
}

/** A Python str literal: triple-quoted for multi-line text; every backslash and double quote escaped, so no `"""` can form. */
export function pyString(text: string): string {
  const body = text.replace(/\\|"/g, (match) => `\\${match}`).replace(UNSAFE, escapeUnsafe);
  return text.includes('\n') ? `"""${body}"""` : `"${body}"`;
}

/** A single-quoted shell word: nothing inside is expanded. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A JSON value as a Python literal (str, int/float, True/False/None, list, dict). */
export function pyValue(value: VariableValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyValue).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyValue(v)}`).join(', ')}}`;
}

/** A JSON value as a TypeScript expression: JSON, with the line and paragraph separators escaped. */
function tsValue(value: VariableValue): string {
  return typeof value === 'string' ? tsString(value) : JSON.stringify(value).replace(/[\u2028\u2029]/g, (ch) => `\\u${hex4(ch)}`);
}

function exportTypeScript(document: PromptDocument): string {
  const label = 'TypeScript (openai SDK)';
  const { model, envar, variables, unset, header } = plan(document, label);
  const rendered = document.messages.filter(templated);
  const nunjucks = rendered.some((m) => (m.engine ?? 'nunjucks') === 'nunjucks');
  const mustache = rendered.some((m) => m.engine === 'mustache');
  const packages = ['openai', ...(nunjucks ? ['nunjucks'] : []), ...(mustache ? ['mustache'] : [])];
  const lines = header.map((line) => `// ${line}`);
  lines.push(`// Run as an ES module (e.g. npx tsx file.ts) after npm install ${packages.join(' ')}. The key is read from $${envar}.`);
  lines.push("import OpenAI from 'openai';", ...(nunjucks ? ["import nunjucks from 'nunjucks';"] : []), ...(mustache ? ["import Mustache from 'mustache';"] : []), '');
  const options = [`apiKey: process.env.${envar}`, ...(model.baseUrl ? [`baseURL: ${tsString(model.baseUrl)}`] : [])];
  lines.push(`const client = new OpenAI({ ${options.join(', ')} });`, '');
  if (rendered.length > 0) {
    lines.push("// The template's variables, with the sample row's values: replace them with your own.");
    lines.push('const variables: Record<string, unknown> = {', ...variables.map(([name, value]) => `  ${JSON.stringify(name)}: ${tsValue(value)},`), '};');
    if (unset.length > 0) lines.push(`// Not set in that row, so left undefined (as Parallax leaves them): ${unset.map((n) => JSON.stringify(n)).join(', ')}.`);
    lines.push('');
  }
  if (nunjucks) {
    lines.push(
      '// Nunjucks as Parallax (and promptfoo) renders: no HTML escaping; `load` reads text as JSON.',
      'const env = new nunjucks.Environment(null, { autoescape: false });',
      "env.addFilter('load', (text: string) => JSON.parse(text) as unknown);",
      'const render = (template: string): string => env.renderString(template, variables);',
      '',
    );
  }
  if (mustache) {
    lines.push(
      "// Mustache with chevron's escaping, as Parallax renders Prompty's Mustache templates.",
      "Mustache.escape = (text: string) => String(text).replace(/&/g, '&amp;').replace(/\"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');",
      'const renderMustache = (template: string): string => Mustache.render(template, variables);',
      '',
    );
  }
  const content = (message: Message): string => {
    const literal = tsString(message.content);
    if (!templated(message)) return literal;
    return message.engine === 'mustache' ? `renderMustache(${literal})` : `render(${literal})`;
  };
  lines.push('const completion = await client.chat.completions.create({', `  model: ${tsString(model.name)},`, '  messages: [');
  for (const message of document.messages) lines.push(`    { role: ${JSON.stringify(message.role)}, content: ${content(message)} },`);
  lines.push('  ],');
  for (const [key, value] of Object.entries(chatRequestBody(document, model))) {
    if (typeof value === 'number') lines.push(`  ${key}: ${value},`);
  }
  lines.push('});', '', 'console.log(completion.choices[0]?.message.content);');
  return `${lines.join('\n')}\n`;
}

/** Jinja2 set up to render as Nunjucks does in Parallax (see the comments it writes). */
const JINJA_SETUP = [
  '',
  'def _as_text(value):',
  '    """What Nunjucks prints for a value: empty for None, true/false, lists joined with commas."""',
  '    if value is None:',
  '        return ""',
  '    if isinstance(value, bool):',
  '        return "true" if value else "false"',
  '    if isinstance(value, list):',
  '        return ",".join(_as_text(item) for item in value)',
  '    if isinstance(value, dict):',
  '        return "[object Object]"',
  '    return value',
  '',
  '',
  '# Jinja2, the language Parallax\'s Nunjucks templates follow, set up as Parallax renders: no HTML',
  '# escaping, the trailing newline kept, `load` reads text as JSON, `dump` writes JSON as Nunjucks does.',
  'env = Environment(autoescape=False, keep_trailing_newline=True, finalize=_as_text)',
  'env.filters["load"] = json.loads',
  'env.filters["dump"] = lambda value, indent=None: json.dumps(value, indent=indent, ensure_ascii=False, separators=(",", ":") if indent is None else (",", ": "))',
  '',
  '',
  'def render(template: str) -> str:',
  '    # Jinja2 turns every \\r into \\n; Nunjucks keeps the text as written, so carriage returns are kept aside.',
  '    text = env.from_string(template.replace("\\r", "\\ue000")).render(**variables)',
  '    return text.replace("\\ue000", "\\r")',
  '',
  '',
];

function exportPython(document: PromptDocument): string {
  const label = 'Python (openai SDK)';
  const { model, envar, variables, unset, header } = plan(document, label);
  const rendered = document.messages.filter(templated);
  const jinja = rendered.some((m) => (m.engine ?? 'nunjucks') === 'nunjucks');
  const mustache = rendered.some((m) => m.engine === 'mustache');
  const packages = ['openai', ...(jinja ? ['jinja2'] : []), ...(mustache ? ['chevron'] : [])];
  const lines = header.map((line) => `# ${line}`);
  lines.push(`# Run with Python 3.9+ after pip install ${packages.join(' ')}. The key is read from the environment variable ${envar}.`);
  lines.push(...(jinja ? ['import json'] : []), 'import os', '', ...(mustache ? ['import chevron'] : []), ...(jinja ? ['from jinja2 import Environment'] : []), 'from openai import OpenAI', '');
  const options = [`api_key=os.environ[${pyString(envar)}]`, ...(model.baseUrl ? [`base_url=${pyString(model.baseUrl)}`] : [])];
  lines.push(`client = OpenAI(${options.join(', ')})`, '');
  if (rendered.length > 0) {
    lines.push("# The template's variables, with the sample row's values: replace them with your own.");
    lines.push('variables = {', ...variables.map(([name, value]) => `    ${pyString(name)}: ${pyValue(value)},`), '}');
    if (unset.length > 0) lines.push(`# Not set in that row, so left undefined (as Parallax leaves them): ${unset.map((n) => JSON.stringify(n)).join(', ')}.`);
    lines.push('');
  }
  if (jinja) lines.push(...JINJA_SETUP);
  else if (rendered.length > 0) lines.push('');
  const content = (message: Message): string => {
    const literal = pyString(message.content);
    if (!templated(message)) return literal;
    return message.engine === 'mustache' ? `chevron.render(${literal}, variables)` : `render(${literal})`;
  };
  lines.push('completion = client.chat.completions.create(', `    model=${pyString(model.name)},`, '    messages=[');
  for (const message of document.messages) lines.push(`        {"role": ${pyString(message.role)}, "content": ${content(message)}},`);
  lines.push('    ],');
  for (const [key, value] of Object.entries(chatRequestBody(document, model))) {
    if (typeof value === 'number') lines.push(`    ${key}=${value},`);
  }
  lines.push(')', 'print(completion.choices[0].message.content)');
  return `${lines.join('\n')}\n`;
}

/** The heredoc's end word. No line of JSON.stringify's indented output can equal it. */
export const CURL_BODY_END = 'PARALLAX_REQUEST';

function exportCurl(document: PromptDocument, options: ExportOptions = {}): string {
  const label = 'curl';
  const { model, envar, header } = plan(document, label);
  const rendered = options.renderMessages ? options.renderMessages(document.messages, document.sample) : undefined;
  const messages = rendered
    ? rendered.map((m) => ({ role: m.role, content: m.content }))
    : document.messages.map((m) => ({ role: m.role, content: fillSimplePlaceholders(m.content, document.sample) }));
  const url = `${(model.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
  const lines = ['#!/bin/sh', ...header.map((line) => `# ${line}`)];
  lines.push(
    `# The key is read from the environment variable ${envar}. ${
      rendered ? "The messages are the template rendered as Parallax renders it, with the sample row's values." : 'Simple {{ name }} placeholders are filled with the sample values; other template syntax is sent as written.'
    }`,
  );
  // A quoted heredoc passes the body byte for byte: no $, backslash or backtick inside is expanded.
  lines.push(
    `curl ${shellQuote(url)} \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -H "Authorization: Bearer $${envar}" \\`,
    `  --data-binary @- <<'${CURL_BODY_END}'`,
    JSON.stringify(chatRequestBody(document, model, messages), null, 2),
    CURL_BODY_END,
  );
  return `${lines.join('\n')}\n`;
}

export const typescriptFormat: PromptFormat = {
  id: 'typescript',
  label: 'TypeScript (openai SDK)',
  extension: '.ts',
  mimeType: 'text/typescript',
  canImport: false,
  export: exportTypeScript,
};

export const pythonFormat: PromptFormat = {
  id: 'python',
  label: 'Python (openai SDK)',
  extension: '.py',
  mimeType: 'text/x-python',
  canImport: false,
  export: exportPython,
};

export const curlFormat: PromptFormat = {
  id: 'curl',
  label: 'curl',
  extension: '.sh',
  mimeType: 'application/x-sh',
  canImport: false,
  export: exportCurl,
};
