import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig, type ConfigFiles, type ConfigIssue, type ConfigTest, type EvalConfig } from '../../src/shared/promptfoo/config';

const FILE = 'promptfooconfig.yaml';

function good(text: string, files?: ConfigFiles): { config: EvalConfig; warnings: string[] } {
  const result = parseConfig(text, FILE, files);
  if (!result.ok) throw new Error(`expected a good config, got:\n${result.errors.map(formatIssue).join('\n')}`);
  return { config: result.config, warnings: result.warnings.map(formatIssue) };
}

function bad(text: string, files?: ConfigFiles): { errors: ConfigIssue[]; messages: string[] } {
  const result = parseConfig(text, FILE, files);
  if (result.ok) throw new Error('expected the config to be refused');
  return { errors: result.errors, messages: result.errors.map(formatIssue) };
}

/** A reader over a few files in memory that records what it was asked for. */
function memoryFiles(texts: Record<string, string>, tests: Record<string, { tests: ConfigTest[]; problems: string[] }> = {}): ConfigFiles & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    readText: (ref) => {
      asked.push(ref);
      const text = texts[ref];
      if (text === undefined) throw new Error(`no such file (${ref})`);
      return text;
    },
    readTests: (ref) => {
      asked.push(ref);
      const found = tests[ref];
      if (found === undefined) throw new Error(`no such file (${ref})`);
      return found;
    },
  };
}

describe('parseConfig: good files', () => {
  it('reads every provider form', () => {
    const { config, warnings } = good(`
description: providers
prompts:
  - "Hello {{name}}"
providers:
  - echo
  - openai:chat:gpt-4o-mini
  - openai:gpt-4o
  - id: openai:chat:llama3.2:3b
    label: local llama
    config:
      apiBaseUrl: http://localhost:11434/v1/
      apiKeyEnvar: OLLAMA_KEY
      temperature: 0.2
      max_tokens: 256
  - openai:chat:qwen:
      label: mapped form
      config: { temperature: 0 }
tests:
  - vars: { name: Ada }
`);
    expect(warnings).toEqual([]);
    expect(config.description).toBe('providers');
    expect(config.providers).toEqual([
      { id: 'echo', kind: 'echo', model: 'echo', params: {} },
      // promptfoo calls a provider written as a plain openai:chat:<model> string openai:<model> (tests[].providers may say either).
      { id: 'openai:chat:gpt-4o-mini', kind: 'openai', model: 'gpt-4o-mini', params: {}, promptfooId: 'openai:gpt-4o-mini' },
      { id: 'openai:gpt-4o', kind: 'openai', model: 'gpt-4o', params: {} },
      {
        id: 'openai:chat:llama3.2:3b',
        label: 'local llama',
        kind: 'openai',
        model: 'llama3.2:3b',
        apiBaseUrl: 'http://localhost:11434/v1',
        apiKeyEnvar: 'OLLAMA_KEY',
        params: { temperature: 0.2, maxTokens: 256 },
      },
      { id: 'openai:chat:qwen', label: 'mapped form', kind: 'openai', model: 'qwen', params: { temperature: 0 } },
    ]);
  });

  it('accepts `targets` as the other name of providers, and a single provider string', () => {
    expect(good('prompts: [hi]\ntargets: [echo]\n').config.providers.map((p) => p.id)).toEqual(['echo']);
    expect(good('prompts: [hi]\nproviders: openai:chat:gpt-4o\n').config.providers.map((p) => p.model)).toEqual(['gpt-4o']);
  });

  it('reads string prompts, chat JSON prompts, YAML chat lists and {raw, label}', () => {
    const { config } = good(`
prompts:
  - "Summarise: {{text}}"
  - '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Summarise: {{text}}"}]'
  - - role: system
      content: Be kind.
    - role: user
      content: "{{text}}"
  - raw: "Label me: {{text}}"
    label: labelled
providers: [echo]
tests:
  - vars: { text: x }
`);
    const [plain, chatJson, chatYaml, labelled] = config.prompts;
    expect(plain).toEqual({ raw: 'Summarise: {{text}}', label: 'Summarise: {{text}}', chat: false, messages: [{ role: 'user', content: 'Summarise: {{text}}' }] });
    expect(chatJson?.chat).toBe(true);
    expect(chatJson?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Summarise: {{text}}' },
    ]);
    expect(chatYaml?.messages).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: '{{text}}' },
    ]);
    expect(labelled).toMatchObject({ raw: 'Label me: {{text}}', label: 'labelled', chat: false });
  });

  it('turns scalar var values into strings, keeps maps as maps and merges defaultTest.vars', () => {
    const { config } = good(`
prompts: ["{{s}} {{n}} {{f}} {{b}} {{o.k}} {{tone}}"]
providers: [echo]
defaultTest:
  vars: { tone: calm, s: default }
tests:
  - description: types
    vars:
      s: text
      n: 42
      f: 1.5
      b: true
      o: { k: v }
  - vars: { n: 0, f: 0, b: false, o: {} }
`);
    expect(config.tests).toEqual([
      { description: 'types', vars: { tone: 'calm', s: 'text', n: '42', f: '1.5', b: 'true', o: { k: 'v' } } },
      { vars: { tone: 'calm', s: 'default', n: '0', f: '0', b: 'false', o: {} } },
    ]);
  });

  it('passes a list of objects to the template as one list, as promptfoo does (only lists of texts expand)', () => {
    const { config, warnings } = good(`prompts: ["{% for i in items %}{{ i.name }} {% endfor %}"]
providers: [echo]
tests:
  - vars:
      items: [{ name: a, n: 1 }, { name: b }]
`);
    expect(config.tests).toEqual([{ vars: { items: [{ name: 'a', n: 1 }, { name: 'b' }] } }]);
    expect(warnings).toEqual([]);
  });

  it('reads evaluateOptions.repeat and maxConcurrency, and ignores the rest with a warning', () => {
    expect(good('prompts: [hi]\nproviders: [echo]\n').config).not.toHaveProperty('repeat');
    const { config, warnings } = good('prompts: [hi]\nproviders: [echo]\nevaluateOptions:\n  repeat: 3\n  maxConcurrency: 2\n  delay: 100\n');
    expect(config).toMatchObject({ repeat: 3, maxConcurrency: 2 });
    expect(warnings).toEqual([`${FILE}: evaluateOptions.delay (line 6): "delay" is ignored`]);
  });

  it('reads file:// prompts and tests through the reader it is given, relative to nothing itself', () => {
    const files = memoryFiles(
      { 'file://prompt.txt': 'Hello {{name}}', 'file://chat.json': '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "{{q}}"}]' },
      {
        'file://tests.csv': { tests: [{ vars: { name: 'Ada', q: '1' } }, { vars: { name: 'Bo', q: '2' }, expected: 'Hi Bo' }], problems: ['line 4: 3 fields, the header has 2'] },
        'file://more.json': { tests: [{ description: 'from jsonl', vars: { name: 'Cy' } }], problems: [] },
      },
    );
    const { config, warnings } = good(
      `prompts:
  - file://prompt.txt
  - { raw: "file://chat.json", label: chat }
providers: [echo]
defaultTest: { vars: { q: none } }
tests:
  - file://tests.csv
  - vars: { name: Inline }
  - file://more.json
`,
      files,
    );
    expect(files.asked).toEqual(['file://prompt.txt', 'file://chat.json', 'file://tests.csv', 'file://more.json']);
    expect(config.prompts.map((p) => [p.label, p.messages])).toEqual([
      // promptfoo's label for a text file's prompt: its path, then the prompt.
      ['prompt.txt: Hello {{name}}', [{ role: 'user', content: 'Hello {{name}}' }]],
      [
        'chat',
        [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: '{{q}}' },
        ],
      ],
    ]);
    // File rows in file order, in place, with defaultTest's vars under their own.
    expect(config.tests).toEqual([
      { vars: { q: '1', name: 'Ada' } },
      { vars: { q: '2', name: 'Bo' }, expected: 'Hi Bo' },
      { vars: { q: 'none', name: 'Inline' } },
      { description: 'from jsonl', vars: { q: 'none', name: 'Cy' } },
    ]);
    expect(warnings).toEqual([`${FILE}: tests[0] (line 7): tests.csv: line 4: 3 fields, the header has 2 (row skipped)`]);

    const whole = good('prompts: [file://prompt.txt]\nproviders: [echo]\ntests: file://more.json\n', files);
    expect(whole.config.tests).toEqual([{ description: 'from jsonl', vars: { name: 'Cy' } }]);
  });

  it('runs each prompt once with no variables when there are no tests, as promptfoo does', () => {
    expect(good('prompts: [hi]\nproviders: [echo]\n').config.tests).toEqual([{ vars: {} }]);
    expect(good('prompts: [hi]\nproviders: [echo]\ntests: []\n').config.tests).toEqual([{ vars: {} }]);
  });

  it('warns about promptfoo keys it does not act on, with their line, and reads assertions', () => {
    const { config, warnings } = good(`prompts: ["{{q}}"]
providers:
  - id: openai:chat:gpt-4o
    config: { top_p: 0.5, cost: 0.001 }
outputPath: results.json
defaultTest:
  assert: [{ type: contains, value: x }]
tests:
  - vars: { q: a }
    assert: [{ type: equals, value: a }]
`);
    expect(warnings).toEqual([
      `${FILE}: outputPath (line 5): ignored; Parallax writes the files given with -o/--output`,
      `${FILE}: providers[0].config.cost (line 4): "cost" is ignored (to send a request field Parallax does not know, put it under passthrough); Parallax reads apiBaseUrl, apiKeyEnvar, timeout, timeouts, temperature, top_p, max_tokens, seed, stop, presence_penalty, frequency_penalty, response_format, reasoning_effort, top_k, thinking_budget, reasoning_summary, safety_settings, tools, tool_choice, max_completion_tokens, toolConfig, thinking, reasoning, max_output_tokens, generationConfig, safetySettings, apiHost, topP, topK, maxOutputTokens, stopSequences, presencePenalty, frequencyPenalty`,
    ]);
    // Every request parameter is read by its API name.
    expect(config.providers[0]?.params).toEqual({ topP: 0.5 });
    // Checks are read now, not warned about: each test's own, and defaultTest's for every test.
    expect(config.tests[0]?.assert).toEqual([expect.objectContaining({ type: 'equals', value: 'a' })]);
    expect(config.defaultAssert).toEqual([expect.objectContaining({ type: 'contains', value: 'x' })]);
  });

  it('warns when a prompt needs a variable that a test does not give, also behind a Nunjucks filter', () => {
    const { warnings } = good(`prompts:
  - "Hi {{name}}, {{ city | upper }}"
providers: [echo]
tests:
  - vars: { name: a }
  - vars: { city: b }
`);
    expect(warnings).toContain(`${FILE}: prompts[0] (line 2): uses {{name}} but tests[1] does not set it; it renders as empty text`);
    expect(warnings).toContain(`${FILE}: prompts[0] (line 2): uses {{city}} but tests[0] does not set it; it renders as empty text`);
    // Nunjucks is rendered now: its syntax is no longer a warning of its own.
    expect(warnings).toHaveLength(2);
  });
});

describe('parseConfig: bad files', () => {
  it('reports a YAML syntax error with its line and column', () => {
    const { errors, messages } = bad(`prompts:
  - "Hello {{name}}"
providers:
  - echo
 tests:
  - vars: { name: Ada }
`);
    expect(errors[0]).toMatchObject({ file: FILE, line: 5, column: 1 });
    expect(messages[0]).toBe(`${FILE} (line 5, column 1): YAML syntax error: All mapping items must start at the same column`);
    const tabs = bad('prompts:\n  - hi\n\tproviders: [echo]\n');
    expect(tabs.messages[0]).toBe(`${FILE} (line 3, column 1): YAML syntax error: Tabs are not allowed as indentation`);
  });

  it('reports duplicate keys', () => {
    const { messages } = bad('prompts: [a]\nproviders: [echo]\nprompts: [b]\n');
    expect(messages[0]).toMatch(/^promptfooconfig\.yaml \(line 3, column 1\): YAML syntax error: .*unique/);
  });

  it('names a missing prompts field', () => {
    const { messages } = bad('providers: [echo]\ntests:\n  - vars: { a: b }\n');
    expect(messages).toEqual([`${FILE}: prompts: missing; add at least one prompt, e.g. prompts: ["Summarise: {{text}}"]`]);
  });

  it('names empty providers with their line', () => {
    const { messages } = bad('prompts: [hi]\n\nproviders: []\n');
    expect(messages).toEqual([`${FILE}: providers (line 3): is empty; add at least one provider (echo, openai:chat:<model>, openai:<model>, openai:responses:<model>, anthropic:messages:<model>, anthropic:<model>, google:<model>)`]);
  });

  it('names an unknown provider, its index and line, and lists what is supported', () => {
    const { messages } = bad(`description: x
prompts:
  - hi
providers:
  - echo
  # a comment between providers
  - bedrock:foo
`);
    expect(messages).toEqual([
      `${FILE}: providers[1] (line 7): unknown provider "bedrock:foo"; Parallax supports echo, openai:chat:<model>, openai:<model>, openai:responses:<model>, anthropic:messages:<model>, anthropic:<model>, google:<model>`,
    ]);
  });

  it('refuses openai providers that are not chat, or name no model', () => {
    const { messages } = bad('prompts: [hi]\nproviders:\n  - openai:embedding:text-embedding-3-small\n  - "openai:chat:"\n  - id: "openai:responses:"\n');
    expect(messages[0]).toContain('providers[0] (line 3): unknown provider "openai:embedding:text-embedding-3-small": only chat and responses models are supported');
    expect(messages[1]).toContain('providers[1] (line 4): "openai:chat:" names no model');
    expect(messages[2]).toContain('providers[2].id (line 5): "openai:responses:" names no model');
  });

  it('says vars must be a map', () => {
    const { messages } = bad(`prompts: ["{{a}}"]
providers: [echo]
tests:
  - vars: { a: 1 }
  - vars:
      - a
      - b
`);
    expect(messages).toEqual([`${FILE}: tests[1].vars (line 6): vars must be a map of name: value, not a list`]);
  });

  it('refuses a var without a value', () => {
    const { messages } = bad(`prompts: ["{{a}}"]
providers: [echo]
tests:
  - vars:
      a: [1, 2]
      b:
`);
    expect(messages).toEqual([`${FILE}: tests[0].vars.b (line 6): has no value; write a string, a number or true/false`]);
  });

  it('refuses an apiKeyEnvar that is not a variable name, without repeating it', () => {
    const pasted = 'sk-proj-abc123 pasted by mistake';
    const { messages } = bad(`prompts: [hi]
providers:
  - id: openai:chat:gpt-4o
    config:
      apiKeyEnvar: "${pasted}"
`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^promptfooconfig\.yaml: providers\[0\]\.config\.apiKeyEnvar \(line 5\): must be the name of an environment variable/);
    expect(messages[0]).not.toContain('sk-proj');
  });

  it('refuses a key written in the config, without repeating it', () => {
    const { messages } = bad(`prompts: [hi]
providers:
  - id: openai:chat:gpt-4o
    config:
      apiKey: sk-live-0123456789abcdef
`);
    expect(messages[0]).toMatch(/^promptfooconfig\.yaml: providers\[0\]\.config\.apiKey \(line 5\): a key written in the config file is not accepted/);
    expect(messages.join('\n')).not.toContain('0123456789abcdef');
  });

  it('checks parameter ranges and the base URL', () => {
    const { messages } = bad(`prompts: [hi]
providers:
  - id: openai:chat:gpt-4o
    config:
      temperature: 3
      max_tokens: 0
      apiBaseUrl: localhost:11434
`);
    expect(messages).toEqual([
      `${FILE}: providers[0].config.temperature (line 5): must be a number from 0 to 2, not 3`,
      `${FILE}: providers[0].config.max_tokens (line 6): must be a whole number of tokens above 0, not 0`,
      `${FILE}: providers[0].config.apiBaseUrl (line 7): must be a full http(s) URL such as https://api.openai.com/v1 or http://localhost:11434/v1, not "localhost:11434"`,
    ]);
  });

  it('ignores unknown top-level keys as promptfoo does, one warning each, suggesting the likely one', () => {
    const { config, warnings } = good('prompts: [hi]\nproviders: [echo]\ntest:\n  - vars: { a: b }\noutputs: [x.json]\n');
    expect(config.tests).toEqual([{ vars: {} }]);
    expect(warnings).toEqual([`${FILE}: test (line 3): unknown key, ignored; did you mean "tests"?`, `${FILE}: outputs (line 5): unknown key, ignored`]);
  });

  it('refuses file:// prompts and tests when it has no reader (the app), saying who can read them', () => {
    const { messages } = bad('prompts: [file://prompt.txt]\nproviders: [echo]\ntests: file://tests.csv\n');
    expect(messages).toEqual([
      `${FILE}: prompts[0] (line 1): a prompt from a file ("file://prompt.txt") can only be read by parallax eval; write the prompt inline here`,
      `${FILE}: tests (line 3): tests from a file ("file://tests.csv") can only be read by parallax eval; in the app, import the file into the test-case table`,
    ]);
  });

  it('names a file:// reference it cannot read, and tests given as text that are not a file', () => {
    const files = memoryFiles({});
    const { messages } = bad('prompts: [file://gone.txt]\nproviders: [echo]\ntests: [file://gone.csv, "just text"]\n', files);
    expect(messages).toEqual([
      `${FILE}: prompts[0] (line 1): cannot read "file://gone.txt": no such file (file://gone.txt)`,
      `${FILE}: tests[0] (line 3): cannot read "file://gone.csv": no such file (file://gone.csv)`,
      `${FILE}: tests[1] (line 3): tests given as text must be a file:// path to a CSV, JSONL or JSON file, not "just text"`,
    ]);
  });

  it('refuses evaluateOptions that are not whole numbers in range', () => {
    const { messages } = bad('prompts: [hi]\nproviders: [echo]\nevaluateOptions:\n  repeat: 0\n  maxConcurrency: 2.5\n');
    expect(messages).toEqual([
      `${FILE}: evaluateOptions.repeat (line 4): must be a whole number from 1 to 50`,
      `${FILE}: evaluateOptions.maxConcurrency (line 5): must be a whole number from 1 to 256`,
    ]);
    expect(bad('prompts: [hi]\nproviders: [echo]\nevaluateOptions: 3\n').messages).toEqual([`${FILE}: evaluateOptions (line 3): must be a map, not a number`]);
  });

  it('refuses a chat prompt with a bad role, naming the message', () => {
    const { messages } = bad(`prompts:
  - '[{"role": "tone", "content": "x"}]'
providers: [echo]
`);
    expect(messages[0]).toContain('prompts[0][0] (line 2): unknown role "tone"');
  });

  it('refuses an empty file and a file that is not a map', () => {
    expect(bad('').messages).toEqual([`${FILE}: the file is empty; it needs prompts, providers and tests`]);
    expect(bad('- a\n- b\n').messages).toEqual([`${FILE} (line 1): the file must be a map with prompts, providers and tests, not a list`]);
  });

  it('reports every problem at once', () => {
    const { messages } = bad('prompts: []\nproviders: [nope]\ntests:\n  - vars: 3\n');
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => m.split(' (')[0])).toEqual([`${FILE}: prompts`, `${FILE}: providers[0]`, `${FILE}: tests[0].vars`]);
  });
});
