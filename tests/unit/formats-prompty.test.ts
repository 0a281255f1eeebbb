import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import type { PromptDocument } from '../../src/shared/formats/document';
import { promptyFormat } from '../../src/shared/formats/prompty';
import { asPromptyReads, awkward, expectErrors, expectOk, hasCommand, minimal, rich } from './formats-fixtures';

const exportText = (document: PromptDocument): string => promptyFormat.export(document);
const importText = (text: string, fileName = 'prompt.prompty') => promptyFormat.import!(text, fileName);

const greeting: PromptDocument = {
  name: 'greeting',
  description: 'Greets someone.',
  tags: [],
  authors: [],
  messages: [
    { role: 'system', content: 'You are kind.' },
    { role: 'user', content: 'Say hello to {{ name }}.' },
  ],
  model: { name: 'gpt-4o-mini', baseUrl: 'http://localhost:11434/v1', apiKeyEnvar: 'OLLAMA_KEY', params: { temperature: 0.2, maxTokens: 256 } },
  sample: { name: 'Ada' },
};

describe('prompty export', () => {
  it('writes Prompty v1 front matter and role lines', () => {
    expect(exportText(greeting)).toBe(
      [
        '---',
        'name: greeting',
        'description: Greets someone.',
        'model:',
        '  api: chat',
        '  configuration:',
        '    type: openai',
        '    name: gpt-4o-mini',
        '    base_url: http://localhost:11434/v1',
        '    api_key: ${env:OLLAMA_KEY}',
        '  parameters:',
        '    temperature: 0.2',
        '    max_tokens: 256',
        'sample:',
        '  name: Ada',
        'inputs:',
        '  name:',
        '    type: string',
        '---',
        'system:',
        'You are kind.',
        '',
        'user:',
        'Say hello to {{ name }}.',
        '',
      ].join('\n'),
    );
  });

  it('writes a JSON sample value as YAML, so Jinja can read {{ user.name }}, and types the input', () => {
    const text = exportText(rich);
    expect(text).toContain('  user:\n    name: Ada\n    tags:\n      - x\n');
    expect(text).toContain('  user:\n    type: object\n');
  });

  it('keeps the front matter readable by Prompty\'s Python runtime: no --- or +++ inside, YAML 1.1 booleans quoted', () => {
    const text = exportText(rich);
    const front = text.slice(4, text.indexOf('\n---\n'));
    expect(front).not.toMatch(/---|\+\+\+/);
    expect(front).toContain('lang: "no"');
    expect(front).toMatch(/- "yes"\n/);
  });

  it('reads back the same in PyYAML behind Prompty\'s own front matter regex', (context) => {
    if (!hasCommand('python3', ['-c', 'import yaml'])) {
      context.skip('python3 with PyYAML is not installed here, so Prompty\'s Python reading cannot be checked');
      return;
    }
    // The regex and loader of prompty/utils.py (Prompty v1's Python runtime).
    const script = [
      'import json, re, sys, yaml',
      'r = re.compile(r"^\\s*(?:---|\\+\\+\\+)(.*?)(?:---|\\+\\+\\+)\\s*(.+)$", re.S | re.M)',
      'm = r.search(sys.stdin.read())',
      'print(json.dumps({"attributes": yaml.load(m.group(1), Loader=yaml.FullLoader), "body": m.group(2)}))',
    ].join('\n');
    const read = (document: PromptDocument): { attributes: Record<string, unknown>; body: string } => {
      const run = spawnSync('python3', ['-c', script], { input: exportText(document), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as { attributes: Record<string, unknown>; body: string };
    };
    const parsed = read(rich);
    expect(parsed.attributes['name']).toBe(rich.name);
    expect(parsed.attributes['description']).toBe(rich.description);
    expect(parsed.attributes['tags']).toEqual(rich.tags);
    expect(parsed.attributes['sample']).toEqual({ ...rich.sample, user: { name: 'Ada', tags: ['x'] } });
    expect(parsed.body.startsWith('system:\nYou help customers')).toBe(true);
    // "yes", "42", NEL/LS/PS and keys with --- are where YAML 1.1 and 1.2 readers part ways.
    expect(read(awkward).attributes['sample']).toEqual(awkward.sample);
  });

  it('refuses a message line that Prompty would read as a new message, and names it', () => {
    const document: PromptDocument = { ...minimal, messages: [{ role: 'user', content: 'Quote:\nassistant:\nhello' }] };
    expect(() => exportText(document)).toThrow(AppError);
    expect(() => exportText(document)).toThrow(/message 1 \(user\) has the line "assistant:"/);
    expect(() => exportText({ ...minimal, messages: [{ role: 'user', content: '# System :' }] })).toThrow(/Prompty reads as the start/);
  });

  it('refuses a key variable that is not a variable name, without repeating it', () => {
    const secret = 'sk-proj-abcdefghijklmnop';
    const document: PromptDocument = { ...minimal, model: { name: 'gpt-4o', apiKeyEnvar: secret, params: {} } };
    expect(() => exportText(document)).toThrow(/not the name of an environment variable/);
    try {
      exportText(document);
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });
});

describe('prompty round trip', () => {
  it.each([
    ['several messages, few-shot, dotted vars, unicode, --- lines, full model', rich],
    ['a minimal document', minimal],
    ['a model with only a name', { ...minimal, model: { name: 'gpt-4o', params: {} } }],
  ])('%s', (_title, document) => {
    const { document: back, warnings } = expectOk(importText(exportText(document)));
    expect(back).toEqual(asPromptyReads(document));
    expect(warnings).toEqual([]);
  });

  it('reads blank edges, empty messages, CR and odd lines as Prompty does (edges stripped)', () => {
    const back = expectOk(importText(exportText(awkward))).document;
    expect(back.messages.map((m) => m.content)).toEqual(asPromptyReads(awkward).messages.map((m) => m.content));
  });
});

describe('prompty import', () => {
  it('reads an Azure OpenAI prompty as written by Prompty\'s tools', () => {
    const { document, warnings } = expectOk(
      importText(
        [
          '---',
          'name: Basic Prompt',
          'description: A basic prompt',
          'authors:',
          '  - sethjuarez',
          'model:',
          '  api: chat',
          '  configuration:',
          '    type: azure_openai',
          '    azure_endpoint: https://contoso.openai.azure.com/',
          '    azure_deployment: gpt-35-turbo',
          '    api_version: 2024-02-01',
          '    api_key: ${env:AZURE_OPENAI_API_KEY}',
          '  parameters:',
          '    max_tokens: 128',
          '    top_p: 0.9',
          'sample:',
          '  firstName: Jane',
          '  top_n: 5',
          'inputs:',
          '  lastName:',
          '    type: string',
          '    default: Doe',
          '---',
          'system:',
          'You are an AI assistant.',
          '',
          '# Customer',
          'You are helping {{firstName}} {{lastName}}.',
          '',
          'user:',
          '{{question}}',
        ].join('\n'),
      ),
    );
    expect(document).toEqual({
      name: 'Basic Prompt',
      description: 'A basic prompt',
      tags: [],
      authors: ['sethjuarez'],
      messages: [
        { role: 'system', content: 'You are an AI assistant.\n\n# Customer\nYou are helping {{firstName}} {{lastName}}.' },
        { role: 'user', content: '{{question}}' },
      ],
      model: { name: 'gpt-35-turbo', baseUrl: 'https://contoso.openai.azure.com/openai/v1', apiKeyEnvar: 'AZURE_OPENAI_API_KEY', params: { maxTokens: 128, topP: 0.9 } },
      sample: { firstName: 'Jane', top_n: 5, lastName: 'Doe' },
    });
    expect(warnings).toEqual([
      'line 10, column 21: the Azure endpoint is used through its OpenAI-compatible v1 API, https://contoso.openai.azure.com/openai/v1; api_version is not used',
      'line 12, column 5: model.configuration.api_version is ignored',
    ]);
  });

  it('drops a key written into the file, warns, and stores nothing of it', () => {
    const secret = 'sk-live-0123456789abcdef';
    const result = importText(`---\nname: leaky\nmodel:\n  configuration:\n    type: openai\n    name: gpt-4o\n    api_key: ${secret}\n---\nuser:\nhi\n`);
    const { document, warnings } = expectOk(result);
    expect(document.model).toEqual({ name: 'gpt-4o', params: {} });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(warnings).toEqual([expect.stringMatching(/^line 7, column 14: model\.configuration\.api_key holds an API key written into the file; Parallax dropped it/)]);
  });

  it('keeps the variable of ${env:NAME:default} and drops the default, which may be a key', () => {
    const result = importText('---\nname: d\nmodel:\n  configuration:\n    name: gpt-4o\n    api_key: ${env:MY_KEY:sk-fallback-123}\n---\nuser:\nhi\n');
    const { document, warnings } = expectOk(result);
    expect(document.model?.apiKeyEnvar).toBe('MY_KEY');
    expect(JSON.stringify(result)).not.toContain('sk-fallback');
    expect(warnings[0]).toMatch(/the default after MY_KEY was dropped/);
  });

  it('reads text before the first role line as system, Windows line ends and role lines in any case', () => {
    const { document } = expectOk(importText('---\r\nname: w\r\n---\r\nBe brief.\r\n\r\nUSER:\r\nhi\r\n# Assistant:\r\nhello\r\n'));
    expect(document.messages).toEqual([
      // The blank line before the role line separates; Prompty's JS runtime trims it too.
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('names a prompt without a name after its file', () => {
    const { document, warnings } = expectOk(importText('---\ndescription: x\n---\nuser:\nhi\n', 'dir/My Prompt.prompty'));
    expect(document.name).toBe('My Prompt');
    expect(warnings).toEqual(['the file names no prompt; it is named "My Prompt" after the file']);
  });
});

describe('prompty broken input', () => {
  it('gives the file line of a YAML error', () => {
    const errors = expectErrors(importText('---\nname: x\nmodel: [unclosed\n---\nuser:\nhi\n'));
    expect(errors[0]?.line).toBe(3);
    expect(errors[0]?.message).toMatch(/^YAML syntax error/);
    const dup = expectErrors(importText('---\nname: a\nname: b\n---\nuser:\nhi\n'));
    expect(dup[0]).toMatchObject({ line: 3 });
  });

  it('refuses a file without front matter, or with front matter never closed', () => {
    expect(expectErrors(importText('user:\nhi\n'))).toEqual([{ line: 1, message: expect.stringMatching(/starts with a --- line/) }]);
    expect(expectErrors(importText('---\nname: x\nuser:\nhi\n'))).toEqual([{ line: 1, message: expect.stringMatching(/never closed/) }]);
  });

  it('refuses a role Parallax has no place for, at its line', () => {
    expect(expectErrors(importText('---\nname: x\n---\nuser:\nhi\n\nfunction:\n{"a": 1}\n'))).toEqual([
      { line: 7, column: 1, message: 'the role "function" is not supported; a Parallax message is system, user or assistant' },
    ]);
  });

  it('refuses an empty file, a body without messages, front matter that is not a map', () => {
    expect(expectErrors(importText(''))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importText('  \n\n'))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importText('---\nname: x\n---\n\n'))[0]?.message).toMatch(/no messages/);
    expect(expectErrors(importText('---\n- a\n- b\n---\nuser:\nhi\n'))[0]).toMatchObject({ line: 2, message: expect.stringMatching(/must be a map/) });
  });

  it('refuses bad parameters and non-chat APIs with their lines, and imports nothing', () => {
    const errors = expectErrors(importText('---\nname: x\nmodel:\n  api: completion\n  configuration:\n    name: gpt-4o\n  parameters:\n    temperature: 5\n---\nuser:\nhi\n'));
    expect(errors).toEqual([
      { line: 4, column: 8, message: 'model.api is "completion"; Parallax runs chat prompts only (api: chat)' },
      { line: 8, column: 18, message: 'model.parameters.temperature must be a number from 0 to 2, not 5' },
    ]);
  });
});

describe('prompty: which bodies are rendered whole before the split', () => {
  const body = (text: string) => expectOk(importText(`---\nname: t\n---\n${text}`)).document.messages;

  it('keeps messages apart when no tag can write or span a role line', () => {
    const messages = body('system:\nYou help {{company}}.\n\nuser:\nCustomer {{customer}} writes:\n\n{{issue}}\n');
    expect(messages.map((m) => [m.role, m.content, m.split])).toEqual([
      ['system', 'You help {{company}}.', undefined],
      ['user', 'Customer {{customer}} writes:\n\n{{issue}}', undefined],
    ]);
    // A message that ends with a block tag is trimmed after rendering, as Prompty trims it.
    expect(body('system:\n{% for r in rules %}- {{ r }}\n{% endfor %}\n')[0]?.split).toBe('prompty');
  });

  it.each([
    ['a tag that writes a role line', 'system:\nHi\n{% for m in history %}\n{{ m.role }}:\n{{ m.content }}\n{% endfor %}\nuser:\n{{q}}\n'],
    ['a condition that picks the role', 'system:\nHi\n\n{% if a %}user{% else %}assistant{% endif %}:\n{{q}}\n'],
    ['a block that spans a role line', 'system:\n{% if long %}Be long.\n\nuser:\nTell me more.{% endif %}\nuser:\n{{q}}\n'],
    ['a v1 thread marker', 'system:\nHi\n![thread]\n'],
  ])('renders whole for %s', (_title, text) => {
    const messages = body(text);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.split).toBe('prompty');
    expect(messages[0]?.content.startsWith('system:')).toBe(true);
  });
});
