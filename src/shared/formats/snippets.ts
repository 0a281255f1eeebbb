/**
 * Code to paste (export only): TypeScript and Python with the openai SDK, and curl. Each sends
 * the same request as OpenAI chat JSON. The key is always read from an environment variable
 * (the model's apiKeyEnvar, else OPENAI_API_KEY); it is never written into the code.
 *
 * Variables: TypeScript and Python carry the sample values in a `variables` object and a small
 * `render` function that fills simple `{{ name }}` placeholders. It is not Parallax's engine:
 * dotted names (`{{ user.name }}`) and other Jinja syntax stay as written, and the snippet says
 * so when the template uses them. A placeholder without a sample value is listed with '' (as
 * Parallax renders it: empty). curl has no place for a function, so its JSON body has the
 * values filled in by the same rule.
 */
import { findPlaceholders } from '../template';
import type { Variables } from '../schemas';
import type { PromptDocument, PromptFormat, PromptModel } from './document';
import { DEFAULT_KEY_ENVAR, checkKeyEnvar, oneLine, valueText } from './common';
import { chatRequestBody, requireModel } from './openai-chat';

const SIMPLE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What the snippets' render functions do: fill `{{ name }}` from the values, leave anything else as written. */
export function fillSimplePlaceholders(template: string, values: Variables): string {
  return template.replace(SIMPLE, (whole, name: string) => (Object.hasOwn(values, name) ? (valueText(values[name]) ?? whole) : whole));
}

interface Plan {
  model: PromptModel;
  envar: string;
  /** Every simple placeholder name, in order, with its sample value; '' without one (Parallax renders a missing value as empty). */
  variables: Array<[string, string]>;
  header: string[];
}

function plan(document: PromptDocument, formatLabel: string): Plan {
  const model = requireModel(document, formatLabel);
  checkKeyEnvar(model, formatLabel);
  const names = new Set<string>();
  const dotted = new Set<string>();
  for (const message of document.messages) {
    for (const { name } of findPlaceholders(message.content)) (name.includes('.') ? dotted : names).add(name);
  }
  const envar = model.apiKeyEnvar ?? DEFAULT_KEY_ENVAR;
  const header = [`${oneLine(document.name)} — exported from Parallax.`];
  if (document.description.trim()) header.push(oneLine(document.description));
  header.push(...dottedNote([...dotted]));
  return { model, envar, variables: [...names].map((name) => [name, valueText(Object.hasOwn(document.sample, name) ? document.sample[name] : undefined) ?? '']), header };
}

/** Said in the snippet's header when the template has placeholders the simple rule leaves alone. */
function dottedNote(dotted: readonly string[]): string[] {
  if (dotted.length === 0) return [];
  return [`Note: only simple {{ name }} placeholders are filled, so ${dotted.map((name) => `{{ ${name} }}`).join(', ')} stay${dotted.length === 1 ? 's' : ''} as written.`];
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

function exportTypeScript(document: PromptDocument): string {
  const label = 'TypeScript (openai SDK)';
  const { model, envar, variables, header } = plan(document, label);
  const lines = header.map((line) => `// ${line}`);
  lines.push(`// Run as an ES module (e.g. npx tsx file.ts) after npm install openai. The key is read from $${envar}.`);
  lines.push("import OpenAI from 'openai';", '');
  const options = [`apiKey: process.env.${envar}`, ...(model.baseUrl ? [`baseURL: ${tsString(model.baseUrl)}`] : [])];
  lines.push(`const client = new OpenAI({ ${options.join(', ')} });`, '');
  if (variables.length > 0) {
    lines.push('// Sample values for the template\'s variables: replace them with your own.');
    lines.push('const variables: Record<string, string> = {', ...variables.map(([name, value]) => `  ${JSON.stringify(name)}: ${tsString(value)},`), '};', '');
    lines.push('// Fills simple {{ name }} placeholders; dotted names and other template syntax stay as written.');
    lines.push(
      'function render(template: string): string {',
      '  return template.replace(/\\{\\{\\s*([A-Za-z_][\\w-]*)\\s*\\}\\}/g, (whole: string, name: string) => {',
      '    const value = Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;',
      '    return value ?? whole;',
      '  });',
      '}',
      '',
    );
  }
  const names = new Set(variables.map(([name]) => name));
  const content = (text: string): string => {
    const literal = tsString(text);
    return findPlaceholders(text).some((p) => names.has(p.name)) ? `render(${literal})` : literal;
  };
  lines.push('const completion = await client.chat.completions.create({', `  model: ${tsString(model.name)},`, '  messages: [');
  for (const message of document.messages) lines.push(`    { role: ${JSON.stringify(message.role)}, content: ${content(message.content)} },`);
  lines.push('  ],');
  for (const [key, value] of Object.entries(chatRequestBody(document, model))) {
    if (typeof value === 'number') lines.push(`  ${key}: ${value},`);
  }
  lines.push('});', '', 'console.log(completion.choices[0]?.message.content);');
  return `${lines.join('\n')}\n`;
}

function exportPython(document: PromptDocument): string {
  const label = 'Python (openai SDK)';
  const { model, envar, variables, header } = plan(document, label);
  const lines = header.map((line) => `# ${line}`);
  lines.push(`# Run with Python 3.9+ after pip install openai. The key is read from the environment variable ${envar}.`);
  lines.push('import os', ...(variables.length > 0 ? ['import re'] : []), '', 'from openai import OpenAI', '');
  const options = [`api_key=os.environ[${pyString(envar)}]`, ...(model.baseUrl ? [`base_url=${pyString(model.baseUrl)}`] : [])];
  lines.push(`client = OpenAI(${options.join(', ')})`, '');
  if (variables.length > 0) {
    lines.push("# Sample values for the template's variables: replace them with your own.");
    lines.push('variables = {', ...variables.map(([name, value]) => `    ${pyString(name)}: ${pyString(value)},`), '}', '', '');
    lines.push(
      'def render(template: str) -> str:',
      '    """Fills simple {{ name }} placeholders; dotted names and other template syntax stay as written."""',
      '    return re.sub(r"\\{\\{\\s*([A-Za-z_][A-Za-z0-9_-]*)\\s*\\}\\}", lambda m: variables.get(m.group(1), m.group(0)), template)',
      '',
      '',
    );
  }
  const names = new Set(variables.map(([name]) => name));
  const content = (text: string): string => {
    const literal = pyString(text);
    return findPlaceholders(text).some((p) => names.has(p.name)) ? `render(${literal})` : literal;
  };
  lines.push('completion = client.chat.completions.create(', `    model=${pyString(model.name)},`, '    messages=[');
  for (const message of document.messages) lines.push(`        {"role": ${pyString(message.role)}, "content": ${content(message.content)}},`);
  lines.push('    ],');
  for (const [key, value] of Object.entries(chatRequestBody(document, model))) {
    if (typeof value === 'number') lines.push(`    ${key}=${value},`);
  }
  lines.push(')', 'print(completion.choices[0].message.content)');
  return `${lines.join('\n')}\n`;
}

/** The heredoc's end word. No line of JSON.stringify's indented output can equal it. */
export const CURL_BODY_END = 'PARALLAX_REQUEST';

function exportCurl(document: PromptDocument): string {
  const label = 'curl';
  const { model, envar, variables, header } = plan(document, label);
  const values = Object.fromEntries(variables);
  const messages = document.messages.map((m) => ({ role: m.role, content: fillSimplePlaceholders(m.content, values) }));
  const url = `${(model.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
  const lines = ['#!/bin/sh', ...header.map((line) => `# ${line}`)];
  lines.push(`# The key is read from the environment variable ${envar}. The messages have the sample values filled in.`);
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
