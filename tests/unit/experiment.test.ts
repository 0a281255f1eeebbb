/**
 * The experiment file (promptfooconfig.yaml): what Parallax writes, that it reads it back
 * exactly, that it reads promptfoo configs written by hand, that a broken file says where,
 * and that no key is ever written.
 */
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { exportExperimentYaml, parseExperimentYaml, type Experiment } from '../../src/shared/promptfoo/experiment';

const FILE = 'promptfooconfig.yaml';

function read(text: string): { experiment: Experiment; warnings: string[] } {
  const result = parseExperimentYaml(text, FILE);
  if (!result.ok) throw new Error(`expected the file to be read, got:\n${result.errors.join('\n')}\n--- file ---\n${text}`);
  return { experiment: result.experiment, warnings: result.warnings };
}

function roundTrip(experiment: Experiment): Experiment {
  return read(exportExperimentYaml(experiment)).experiment;
}

const single: Experiment = {
  prompts: [[{ role: 'user', content: 'Summarise in {{n}} words:\n\n{{text}}' }]],
  providers: [{ kind: 'echo', model: 'echo', params: {} }],
  tests: [{ vars: { n: '12', text: 'A long article.' } }],
};

const chat: Experiment = {
  description: 'Support replies',
  prompts: [
    [
      { role: 'system', content: 'You are a support agent for {{company}}. Answer in "plain" words.' },
      { role: 'user', content: 'My order {{order}} is late.' },
      { role: 'assistant', content: 'Sorry to hear that! Could you tell me the postcode?' },
      { role: 'user', content: '{{postcode}}' },
    ],
  ],
  providers: [{ kind: 'echo', model: 'echo', params: {} }],
  tests: [{ vars: { company: 'Acme', order: '#123', postcode: 'SW1A 1AA' } }],
};

const matrix: Experiment = {
  description: 'Three models',
  prompts: [
    [{ role: 'user', content: 'Translate to {{lang}}: {{text}}' }],
    [
      { role: 'system', content: 'You translate.' },
      { role: 'user', content: '{{lang}}: {{text}}' },
    ],
  ],
  providers: [
    { kind: 'echo', model: 'echo', label: 'echo (offline)', params: { temperature: 0 } },
    {
      kind: 'openai',
      model: 'gpt-4o-mini',
      label: 'OpenAI',
      baseUrl: 'https://api.openai.com/v1',
      apiKeyEnvar: 'OPENAI_API_KEY',
      params: { temperature: 0.7, maxTokens: 256 },
    },
    { kind: 'openai', model: 'llama3.2:3b', label: 'Ollama', baseUrl: 'http://localhost:11434/v1', apiKeyEnvar: 'OLLAMA_KEY', params: { maxTokens: 64 } },
  ],
  tests: [
    { description: 'French', vars: { lang: 'French', text: 'Hello' } },
    { vars: { lang: 'German', text: 'How are you?' } },
    { description: 'empty text', vars: { lang: 'Spanish', text: '' } },
  ],
};

describe('exportExperimentYaml', () => {
  it('writes promptfoo fields: plain and chat prompts, provider ids with config, tests with vars', () => {
    const text = exportExperimentYaml(matrix);
    expect(text.startsWith('# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json\n')).toBe(true);
    const value = parse(text) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['description', 'prompts', 'providers', 'tests']);
    expect(value['description']).toBe('Three models');
    const prompts = value['prompts'] as unknown[];
    expect(prompts[0]).toBe('Translate to {{lang}}: {{text}}');
    // A chat prompt is promptfoo's JSON chat array, as a string.
    expect(typeof prompts[1]).toBe('string');
    expect(JSON.parse(prompts[1] as string)).toEqual(matrix.prompts[1]);
    expect(value['providers']).toEqual([
      { id: 'echo', label: 'echo (offline)', config: { temperature: 0 } },
      {
        id: 'openai:chat:gpt-4o-mini',
        label: 'OpenAI',
        config: { apiBaseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', temperature: 0.7, max_tokens: 256 },
      },
      { id: 'openai:chat:llama3.2:3b', label: 'Ollama', config: { apiBaseUrl: 'http://localhost:11434/v1', apiKeyEnvar: 'OLLAMA_KEY', max_tokens: 64 } },
    ]);
    expect(value['tests']).toEqual([
      { description: 'French', vars: { lang: 'French', text: 'Hello' } },
      { vars: { lang: 'German', text: 'How are you?' } },
      { description: 'empty text', vars: { lang: 'Spanish', text: '' } },
    ]);
    // Readable: a plain echo is just `echo`, multi-line text is a literal block.
    expect(exportExperimentYaml(single)).toContain('providers:\n  - echo\n');
    expect(exportExperimentYaml(single)).toContain('  - |-\n    Summarise in {{n}} words:\n\n    {{text}}\n');
  });

  it('quotes text that a YAML 1.1 reader (js-yaml in promptfoo) or a 1.2 reader would turn into something else', () => {
    const vars = { date: '2024-01-01', yes: 'yes', off: 'off', octal: '0o17', hex: '0x1F', time: '1:20', nul: 'null', tilde: '~', num: '1_000', f: '.inf', hash: '# not a comment' };
    const text = exportExperimentYaml({ ...single, tests: [{ vars }] });
    for (const version of ['1.1', '1.2'] as const) {
      const value = parseDocument(text, { version }).toJS() as { tests: { vars: Record<string, unknown> }[] };
      expect(value.tests[0]?.vars, `YAML ${version}`).toEqual(vars);
    }
    expect(roundTrip({ ...single, tests: [{ vars }] })).toEqual({ ...single, tests: [{ vars }] });
  });
});

describe('round trip: parseExperimentYaml(exportExperimentYaml(e)) equals e', () => {
  it('a single-message prompt', () => {
    expect(roundTrip(single)).toEqual(single);
  });

  it('a chat prompt with system, user and assistant turns', () => {
    expect(roundTrip(chat)).toEqual(chat);
  });

  it('echo and two OpenAI-compatible providers with parameters and key variables, several prompts and tests', () => {
    expect(roundTrip(matrix)).toEqual(matrix);
  });

  it('text that would not survive as a plain prompt goes as a chat list, and comes back the same', () => {
    const awkward = [
      '[{"role": "user", "content": "looks like chat JSON"}]',
      '{"a": 1}',
      '42',
      '- a YAML list?',
      'file://prompts/not-a-file.txt',
      '',
      '   ',
      'trailing newlines\n\n',
      '  leading spaces',
      'windows\r\nline ends',
      'tab\tand unicode: héllo 👋 — “quotes”',
      'key: value # not a comment',
      "it's {{ name }} and {% if x %}nunjucks{% endif %}",
    ];
    const experiment: Experiment = {
      prompts: awkward.map((content) => [{ role: 'user' as const, content }]),
      providers: [{ kind: 'echo', model: 'echo', params: {} }],
      tests: [{ vars: { name: 'x', x: 'true' } }],
    };
    expect(roundTrip(experiment)).toEqual(experiment);
    const prompts = (parse(exportExperimentYaml(experiment)) as { prompts: string[] }).prompts;
    // The first is written as a chat list holding that text, not read as two messages.
    expect(JSON.parse(prompts[0] ?? '')).toEqual([{ role: 'user', content: awkward[0] }]);
    expect(prompts[7]).toBe('trailing newlines\n\n');
  });

  it('many providers on one endpoint and odd variable names and values', () => {
    const experiment: Experiment = {
      description: 'multi-line\ndescription: with a colon',
      prompts: [[{ role: 'user', content: '{{a.b}} {{ spaced }}' }]],
      providers: [
        { kind: 'openai', model: 'ft:gpt-4o-mini:org:custom:id', label: 'OpenAI: ft', baseUrl: 'https://api.openai.com/v1', params: { temperature: 2 } },
        { kind: 'openai', model: 'gpt-4o', label: 'OpenAI #2', params: { temperature: 0, maxTokens: 1 } },
        { kind: 'echo', model: 'echo', label: 'echo #2', params: { maxTokens: 1_000_000 } },
      ],
      tests: [{ vars: { 'a.b': '{"nested": true}', spaced: 'multi\nline\n', 'with space': ' padded ', '': 'empty name' } }, { vars: {} }],
    };
    expect(roundTrip(experiment)).toEqual(experiment);
  });

  it('keeps JSON values as JSON: maps with lists and numbers inside, and text that looks like JSON as text', () => {
    const experiment: Experiment = {
      ...single,
      prompts: [[{ role: 'user', content: '{{ reader.name }} likes {{ reader.likes | join(", ") }}; {{ raw }}' }]],
      tests: [
        { vars: { reader: { name: 'Ana', age: 7, likes: ['boats', 'yes', '2024-01-01'], none: null }, raw: '{"k": 1}' } },
        { vars: { reader: {}, raw: '[]' } },
      ],
    };
    const text = exportExperimentYaml(experiment);
    // promptfoo (YAML 1.1) reads the same values.
    expect((parse(text, { version: '1.1' }) as { tests: unknown }).tests).toEqual(experiment.tests);
    const { experiment: back, warnings } = read(text);
    expect(back).toEqual(experiment);
    expect(warnings).toEqual([]);
  });

  it('normalises what the file form cannot carry: no tests becomes one empty test', () => {
    expect(roundTrip({ ...single, tests: [] })).toEqual({ ...single, tests: [{ vars: {} }] });
  });
});

describe('parseExperimentYaml', () => {
  it('reads a promptfoo config written by hand (targets, map forms, raw prompts, defaultTest, numbers)', () => {
    const { experiment, warnings } = read(`
description: Hand written
prompts:
  - id: greeting
    label: greeting
    raw: "Hello {{name}}, you are {{age}}."
  - - role: system
      content: Be kind.
    - role: user
      content: "Hi {{name}}"
targets:
  - openai:gpt-4o-mini
  - id: openai:chat:llama3.2
    label: local
    config:
      apiBaseUrl: http://localhost:11434/v1/
      temperature: 0.1
  - echo
defaultTest:
  vars:
    age: 40
tests:
  - description: Ada
    vars:
      name: Ada
  - vars:
      name: Grace
      age: 85
    assert:
      - type: contains
        value: Grace
`);
    expect(experiment).toEqual({
      description: 'Hand written',
      prompts: [
        [{ role: 'user', content: 'Hello {{name}}, you are {{age}}.' }],
        [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Hi {{name}}' },
        ],
      ],
      providers: [
        { kind: 'openai', model: 'gpt-4o-mini', params: {} },
        { kind: 'openai', model: 'llama3.2', label: 'local', baseUrl: 'http://localhost:11434/v1', params: { temperature: 0.1 } },
        { kind: 'echo', model: 'echo', params: {} },
      ],
      tests: [
        { description: 'Ada', vars: { age: '40', name: 'Ada' } },
        { vars: { age: '85', name: 'Grace' }, assert: [{ type: 'contains', value: 'Grace' }] },
      ],
    });
    // The file's check (assert) is not dropped without a word: the experiment carries it, or a
    // warning names the file and the field.
    const carried = JSON.stringify(experiment).includes('"contains"');
    expect(carried || warnings.some((w) => w.startsWith(`${FILE}: tests`) && w.includes('assert'))).toBe(true);
  });

  it('a YAML syntax error names the file and the line', () => {
    const result = parseExperimentYaml('prompts:\n  - "Hello\nproviders: [echo]\n', FILE);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatch(/^promptfooconfig\.yaml \(line \d+, column \d+\): YAML syntax error: /);
  });

  it('a bad field names the file, the field and its line, and returns nothing', () => {
    const text = 'prompts:\n  - Hi\nproviders:\n  - echo\n  - gemini:pro\n  - id: openai:chat:gpt-4o\n    config:\n      temperature: 7\n';
    const result = parseExperimentYaml(text, 'suite.yaml');
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringContaining('suite.yaml: providers[1] (line 5): unknown provider "gemini:pro"'),
        expect.stringContaining('suite.yaml: providers[2].config.temperature (line 8): must be a number from 0 to 2'),
      ],
    });
  });

  it('refuses a key written in the file, without repeating it', () => {
    const secret = 'sk-live-do-not-repeat-0123456789';
    const result = parseExperimentYaml(`prompts: [Hi]\nproviders:\n  - id: openai:chat:gpt-4o\n    config:\n      apiKey: ${secret}\n`, FILE);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toContain('providers[0].config.apiKey (line 5)');
    expect(result.errors.join('\n')).not.toContain(secret);
  });
});

describe('no key in the file', () => {
  it('writes only the fields it knows, even when a provider object carries a key', () => {
    const secret = 'sk-proj-SECRET-0123456789abcdef';
    const provider = {
      kind: 'openai' as const,
      model: 'gpt-4o',
      label: 'OpenAI',
      baseUrl: 'https://api.openai.com/v1',
      apiKeyEnvar: 'OPENAI_API_KEY',
      params: {},
      // What a careless caller might spread in: none of it may reach the file.
      apiKey: secret,
      key: { configured: true, last4: 'cdef', source: 'vault' },
    };
    const experiment: Experiment = { ...single, providers: [provider] };
    const text = exportExperimentYaml(experiment);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('cdef');
    expect(text).not.toMatch(/apiKey:/);
    expect(text).toContain('apiKeyEnvar: OPENAI_API_KEY');
  });
});
