import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import type { PromptDocument, PromptFormatId } from '../../src/shared/formats/document';
import { PROMPT_FORMATS, exportPrompt, formatById, formatForFileName, importPromptFile, safeFileStem } from '../../src/shared/formats';
import { PROMPT_FORMAT_IDS } from '../../src/shared/contract';
import { asPromptyReads, awkward, expectErrors, expectOk, minimal, rich } from './formats-fixtures';

/** What each importable format carries back (document.ts: "for what that format can carry"). */
const CARRIES: Record<string, (document: PromptDocument) => PromptDocument> = {
  prompty: (d) => asPromptyReads(d),
  markdown: (d) => d,
  'openai-chat': (d) => ({ name: d.name, description: '', tags: [], authors: [], messages: d.messages, ...(d.model ? { model: { name: d.model.name, params: d.model.params } } : {}), sample: {} }),
  'promptfoo-json': (d) => ({ name: d.name, description: '', tags: [], authors: [], messages: d.messages, sample: {} }),
  'promptfoo-text': (d) => ({ name: d.name, description: '', tags: [], authors: [], messages: d.messages, sample: {} }),
};

describe('the format registry', () => {
  it('lists every format the contract names, each once', () => {
    expect(PROMPT_FORMATS.map((f) => f.id).sort()).toEqual([...PROMPT_FORMAT_IDS].sort());
    expect(formatById('prompty')?.extension).toBe('.prompty');
    expect(formatById('nope')).toBeUndefined();
    expect(PROMPT_FORMATS.filter((f) => f.canImport).map((f) => f.id)).toEqual(['prompty', 'openai-chat', 'promptfoo-json', 'promptfoo-text', 'markdown']);
  });

  it('picks a format by extension, and for .json by content', () => {
    expect(formatForFileName('a/b/Support.PROMPTY')?.id).toBe('prompty');
    expect(formatForFileName('x.md')?.id).toBe('markdown');
    expect(formatForFileName('x.txt')?.id).toBe('promptfoo-text');
    expect(formatForFileName('x.j2')?.id).toBe('promptfoo-text');
    expect(formatForFileName('x.json', '\uFEFF  [{"role": "user", "content": "hi"}]')?.id).toBe('promptfoo-json');
    expect(formatForFileName('x.json', '{"model": "m", "messages": []}')?.id).toBe('openai-chat');
    expect(formatForFileName('x.json')?.id).toBe('openai-chat');
    expect(formatForFileName('x.py')?.id).toBe('python');
    expect(formatForFileName('x.docx')).toBeUndefined();
    expect(formatForFileName('README')).toBeUndefined();
  });

  it('makes safe file names from prompt names', () => {
    expect(safeFileStem('Support reply ✓')).toBe('Support-reply');
    expect(safeFileStem('Résumé: v2 / "final"')).toBe('Resume-v2-final');
    expect(safeFileStem('../../etc/passwd')).toBe('etc-passwd');
    expect(safeFileStem('日本語')).toBe('prompt');
    expect(safeFileStem('CON')).toBe('prompt-CON');
    expect(safeFileStem('a'.repeat(200))).toHaveLength(80);
  });
});

describe('exportPrompt', () => {
  it('names the file after the prompt and gives the format\'s mime type', () => {
    expect(exportPrompt(rich, 'prompty')).toMatchObject({ fileName: 'Support-reply.prompty', mimeType: 'text/plain' });
    expect(exportPrompt(rich, 'openai-chat')).toMatchObject({ fileName: 'Support-reply.json', mimeType: 'application/json' });
    expect(exportPrompt(rich, 'curl').fileName).toBe('Support-reply.sh');
  });

  it('refuses an invalid document or unknown format with an AppError', () => {
    expect(() => exportPrompt({ ...minimal, messages: [] }, 'markdown')).toThrow(AppError);
    expect(() => exportPrompt({ ...minimal, messages: [] }, 'markdown')).toThrow(/messages/);
    expect(() => exportPrompt(minimal, 'docx' as PromptFormatId)).toThrow(/Unknown export format/);
  });

  it.each(PROMPT_FORMATS.map((f) => [f.id]))('%s: never writes a key, and refuses or omits a key variable that is a key', (id) => {
    const secret = 'sk-proj-abcdefghij0123456789';
    // One user message, so that every format (promptfoo's .txt included) writes it.
    const single: PromptDocument = { ...rich, messages: [{ role: 'user', content: 'Answer {{ question }}.' }] };
    expect(exportPrompt(rich, id === 'promptfoo-text' ? 'promptfoo-json' : id).text).not.toMatch(/sk-/);
    expect(exportPrompt(single, id).text).not.toMatch(/sk-/);
    const leaky: PromptDocument = { ...single, model: { ...rich.model!, apiKeyEnvar: secret } };
    let written: string;
    try {
      written = exportPrompt(leaky, id).text;
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      written = (error as Error).message;
    }
    expect(written).not.toContain(secret);
  });
});

describe('importPromptFile', () => {
  const documents: Array<[string, PromptDocument]> = [
    ['rich', rich],
    ['awkward', { ...awkward, model: { name: 'gpt-4o', params: {} } }],
    ['minimal', { ...minimal, model: { name: 'gpt-4o-mini', params: { maxTokens: 10 } } }],
  ];
  const cases = PROMPT_FORMATS.filter((f) => f.canImport).flatMap((format) => documents.map(([title, document]) => [format.id, title, document] as const));

  it.each(cases)('round trips %s (%s) through exportPrompt and importPromptFile', (id, _title, original) => {
    // The name comes back from the file name for formats without metadata, so use a name that is already safe.
    const document = { ...original, name: 'support' };
    let file;
    try {
      file = exportPrompt(document, id);
    } catch (error) {
      // promptfoo's .txt holds one user message without edge white space; it says so instead of losing anything.
      expect(id).toBe('promptfoo-text');
      expect(error).toBeInstanceOf(AppError);
      return;
    }
    const { document: back } = expectOk(importPromptFile(file.fileName, file.text));
    expect(back).toEqual(CARRIES[id]?.(document));
  });

  it('picks the JSON flavour by content', () => {
    const chat = exportPrompt({ ...rich, name: 'x' }, 'promptfoo-json');
    const request = exportPrompt({ ...rich, name: 'x' }, 'openai-chat');
    expect(expectOk(importPromptFile(chat.fileName, chat.text)).document.model).toBeUndefined();
    expect(expectOk(importPromptFile(request.fileName, request.text)).document.model?.name).toBe('llama3.2:3b');
  });

  it('refuses unknown extensions, snippets, empty and huge files, importing nothing', () => {
    expect(expectErrors(importPromptFile('notes.docx', 'x'))[0]?.message).toMatch(/\.prompty, \.json, \.txt, \.j2, \.md/);
    expect(expectErrors(importPromptFile('client.py', 'print(1)'))[0]?.message).toMatch(/export-only/);
    expect(expectErrors(importPromptFile('a.prompty', ''))[0]?.message).toMatch(/empty/);
    expect(expectErrors(importPromptFile('a.json', ''))[0]?.message).toMatch(/empty/);
    expect(expectErrors(importPromptFile('a.txt', 'x'.repeat(5_000_001)))[0]?.message).toMatch(/larger than 5 MB/);
  });

  it('gives every error a line where the format has lines', () => {
    for (const [fileName, text] of [
      ['a.prompty', '---\nname: [\n---\nuser:\nhi\n'],
      ['a.md', '---\nname: x\n---\n## robot\nhi\n'],
      ['a.json', '{"model": "m", "messages": [1]}'],
      ['b.json', '[{"role": "user"}]'],
    ] as const) {
      const errors = expectErrors(importPromptFile(fileName, text));
      expect(errors.every((e) => typeof e.line === 'number' && e.message.length > 10), `${fileName}: ${JSON.stringify(errors)}`).toBe(true);
    }
  });
});
