import { describe, expect, it } from 'vitest';
import type { PromptDocument } from '../../src/shared/formats/document';
import { markdownFormat } from '../../src/shared/formats/markdown';
import { awkward, expectErrors, expectOk, minimal, rich } from './formats-fixtures';

const importMd = (text: string, fileName = 'prompt.md') => markdownFormat.import!(text, fileName);

describe('markdown export', () => {
  it('writes front matter and one ## section per message, plain where that reads back the same', () => {
    const document: PromptDocument = {
      name: 'greeting',
      description: 'Greets someone.',
      tags: ['demo'],
      authors: [],
      messages: [
        { role: 'system', content: 'You are kind.\n\n# Tone\nWarm.' },
        { role: 'user', content: 'Say hello to {{ name }}.' },
      ],
      model: { name: 'gpt-4o-mini', apiKeyEnvar: 'OPENAI_API_KEY', params: { temperature: 0.7 } },
      sample: { name: 'Ada' },
    };
    expect(markdownFormat.export(document)).toBe(
      [
        '---',
        'name: greeting',
        'description: Greets someone.',
        'tags:',
        '  - demo',
        'model:',
        '  name: gpt-4o-mini',
        '  apiKeyEnvar: OPENAI_API_KEY',
        '  params:',
        '    temperature: 0.7',
        'sample:',
        '  name: Ada',
        '---',
        '',
        '## system',
        '',
        'You are kind.',
        '',
        '# Tone',
        'Warm.',
        '',
        '## user',
        '',
        'Say hello to {{ name }}.',
        '',
      ].join('\n'),
    );
  });

  it('fences a message that holds a ## heading or a code fence, with a longer fence', () => {
    const text = markdownFormat.export(awkward);
    expect(text).toContain('## assistant\n\n``````prompt\n`````\nfive backticks, then a fence:\n```\n## user\n~~~\n```\n``````\n');
    expect(text).toContain('## user\n\n```prompt\n\n```\n');
    expect(text).toContain('## system\n\n```prompt\n\nstarts with a blank line and ends with one\n\n```\n');
  });
});

describe('markdown round trip', () => {
  it.each([
    ['several messages, few-shot, dotted vars, unicode, --- lines, code fences, full model', rich],
    ['blank edges, empty messages, CR, nested fences, heading lookalikes', awkward],
    ['a minimal document', minimal],
  ])('%s', (_title, document) => {
    const { document: back, warnings } = expectOk(importMd(markdownFormat.export(document)));
    expect(back).toEqual(document);
    expect(warnings).toEqual([]);
  });
});

describe('markdown import', () => {
  it('reads a hand-written file: headings in any case, code blocks with ## lines inside', () => {
    const { document } = expectOk(
      importMd(
        [
          '---',
          'name: Reviewer',
          'model: gpt-4o',
          '---',
          '## System',
          'Review the code.',
          '```md',
          '## not a section',
          '```',
          '## user ##',
          '',
          '',
          '{{ code }}',
          '',
        ].join('\n'),
      ),
    );
    expect(document.model).toEqual({ name: 'gpt-4o', params: {} });
    expect(document.messages).toEqual([
      { role: 'system', content: 'Review the code.\n```md\n## not a section\n```' },
      { role: 'user', content: '{{ code }}' },
    ]);
  });

  it('reads a .md without role headings as one user message, as promptfoo does', () => {
    const text = '# System Instructions\n\nYou are an AI assistant for {{company}}.\n\n## Your Task\n\n{{task}}\n';
    const { document, warnings } = expectOk(importMd(text, 'task.md'));
    expect(document).toEqual({ name: 'task', description: '', tags: [], authors: [], messages: [{ role: 'user', content: text }], sample: {} });
    expect(warnings).toEqual([expect.stringMatching(/whole text is one user message/)]);
  });

  it('drops a key in the front matter and an apiKeyEnvar that is not a variable name', () => {
    const result = importMd('---\nname: k\nmodel:\n  name: gpt-4o\n  apiKey: sk-secret-value-1\n  apiKeyEnvar: sk-secret-value-2\n---\n## user\nhi\n');
    const { document, warnings } = expectOk(result);
    expect(document.model).toEqual({ name: 'gpt-4o', params: {} });
    expect(JSON.stringify(result)).not.toContain('sk-secret');
    expect(warnings).toEqual([
      'line 6, column 16: model.apiKeyEnvar is not the name of an environment variable, so it was dropped (it may be a key) and not stored',
      expect.stringMatching(/^line 5, column 3: model\.apiKey holds an API key written into the file/),
    ]);
  });
});

describe('markdown broken input', () => {
  it('refuses an unknown role heading, text outside any section, bad YAML, with lines', () => {
    expect(expectErrors(importMd('---\nname: x\n---\n## user\nhi\n## bot\nhello\n'))).toEqual([
      { line: 6, column: 1, message: 'the heading "## bot" is not a role; a message section is ## system, ## user or ## assistant' },
    ]);
    expect(expectErrors(importMd('---\nname: x\n---\nPreamble.\n## user\nhi\n'))).toEqual([
      { line: 4, column: 1, message: expect.stringMatching(/comes before the first ## section/) },
    ]);
    expect(expectErrors(importMd('---\nname: x\ntags: [a\n---\n## user\nhi\n'))[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^YAML syntax error/) });
    expect(expectErrors(importMd('---\nname: x\nmodel:\n  name: m\n  params:\n    maxTokens: -3\n---\n## user\nhi\n'))).toEqual([
      { line: 6, column: 16, message: 'model.params.maxTokens must be a whole number of tokens above 0, not -3' },
    ]);
  });

  it('refuses an empty file, unclosed front matter, front matter without messages', () => {
    expect(expectErrors(importMd(''))[0]?.message).toMatch(/the file is empty/);
    expect(expectErrors(importMd('---\nname: x\n## user\nhi\n'))[0]).toMatchObject({ line: 1, message: expect.stringMatching(/never closed/) });
    expect(expectErrors(importMd('---\nname: x\n---\n\n'))[0]?.message).toMatch(/there are no messages/);
    expect(expectErrors(importMd('---\nname: x\n---\nJust text, no sections.\n'))).toEqual([{ line: 4, message: expect.stringMatching(/there are no messages/) }]);
  });
});
