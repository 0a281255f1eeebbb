/** Prompts the format tests share: each one stresses something a file format can get wrong. */
import { spawnSync } from 'node:child_process';
import type { PromptDocument } from '../../src/shared/formats/document';
import type { ImportResult } from '../../src/shared/formats/document';

/** Several messages with an assistant few-shot turn, dotted variables, unicode, `---` lines, a full model. */
export const rich: PromptDocument = {
  name: 'Support reply ✓',
  description: 'Answers a customer.\nSecond line --- with dashes and +++ plus.',
  tags: ['support', 'yes', 'on'],
  authors: ['Ada Lovelace', '李雷'],
  messages: [
    { role: 'system', content: 'You help customers of {{ company }}.\n---\nRules:\n- be brief\n\n# Context\n{{ user.name }} is asking.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '4 — naturally. 😀' },
    { role: 'user', content: 'Answer {{question}} in {{ lang }}.\n\n```json\n{"a": 1}\n```\n## Not a role\nTrailing spaces   ' },
  ],
  model: { name: 'llama3.2:3b', baseUrl: 'http://localhost:11434/v1', apiKeyEnvar: 'OLLAMA_KEY', params: { temperature: 0.2, maxTokens: 256 } },
  sample: {
    company: 'Acme "Rockets"',
    question: "It's $5 `cmd` \\ back\\slash\n'''triple''' \"\"\"py\"\"\" ${HOME}",
    lang: 'no',
    user: '{"name":"Ada","tags":["x"]}',
  },
};

export const minimal: PromptDocument = { name: 'minimal', description: '', tags: [], authors: [], messages: [{ role: 'user', content: 'Hi' }], sample: {} };

/** Contents a line-based format has to work to keep: blank edges, empty, CR, fences, heading lookalikes. */
export const awkward: PromptDocument = {
  name: 'awkward',
  description: '',
  tags: [],
  authors: [],
  messages: [
    { role: 'system', content: '\nstarts with a blank line and ends with one\n' },
    { role: 'user', content: '' },
    { role: 'assistant', content: '`````\nfive backticks, then a fence:\n```\n## user\n~~~\n```' },
    { role: 'user', content: 'windows\r\nline\r\nends' },
    { role: 'user', content: '  indented first line\n\tand a tab' },
    { role: 'user', content: '---\n+++\n...\n---' },
  ],
  sample: { empty: '', spaces: '  both  ', yes: 'yes', number: '42', multi: 'a\nb\n', separators: 'line\u2028para\u2029next\u0085end', 'odd key: ---': '+++' },
};

export function expectOk(result: ImportResult): { document: PromptDocument; warnings: string[] } {
  if (!result.ok) throw new Error(`expected the import to succeed, got:\n${result.errors.map((e) => `${e.line ?? '?'}:${e.column ?? '?'} ${e.message}`).join('\n')}`);
  return { document: result.document, warnings: result.warnings };
}

export function expectErrors(result: ImportResult): Array<{ line?: number; column?: number; message: string }> {
  if (result.ok) throw new Error(`expected the import to fail, got ${JSON.stringify(result.document)}`);
  return result.errors;
}

/** Whether a command runs here, for tests that check generated code with a real interpreter. */
export function hasCommand(command: string, args: string[]): boolean {
  return spawnSync(command, args, { encoding: 'utf8' }).status === 0;
}

/**
 * A document as a .prompty brings it back, with Prompty's meaning: a message that starts or
 * ends with a block tag is rendered, then split and trimmed (`split: 'prompty'`), blank lines at a message's edges are
 * Prompty's to strip, sample values are JSON (a string holding
 * a JSON object or list is written as YAML and comes back as that value).
 */
export function asPromptyReads(document: PromptDocument): PromptDocument {
  const structured = (value: unknown): unknown => {
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };
  return {
    ...document,
    messages: document.messages
      .map((m) => ({ ...m, content: m.content.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '') }))
      .map((m) => (/^\s*\{%|%\}\s*$/.test(m.content) ? { ...m, split: 'prompty' as const } : m)),
    sample: Object.fromEntries(Object.entries(document.sample).map(([k, v]) => [k, structured(v)])) as PromptDocument['sample'],
  };
}
