import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig, type ConfigIssue, type EvalConfig } from '../../src/shared/promptfoo/config';

const FILE = 'promptfooconfig.yaml';

function good(text: string): { config: EvalConfig; warnings: string[] } {
  const result = parseConfig(text, FILE);
  if (!result.ok) throw new Error(`expected a good config, got:\n${result.errors.map(formatIssue).join('\n')}`);
  return { config: result.config, warnings: result.warnings.map(formatIssue) };
}

function bad(text: string): { errors: ConfigIssue[]; messages: string[] } {
  const result = parseConfig(text, FILE);
  if (result.ok) throw new Error('expected the config to be refused');
  return { errors: result.errors, messages: result.errors.map(formatIssue) };
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
      { id: 'openai:chat:gpt-4o-mini', kind: 'openai', model: 'gpt-4o-mini', params: {} },
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

  it('turns var values of every scalar type into strings and merges defaultTest.vars', () => {
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
      { description: 'types', vars: { tone: 'calm', s: 'text', n: '42', f: '1.5', b: 'true', o: '{"k":"v"}' } },
      { vars: { tone: 'calm', s: 'default', n: '0', f: '0', b: 'false', o: '{}' } },
    ]);
  });

  it('runs each prompt once with no variables when there are no tests, as promptfoo does', () => {
    expect(good('prompts: [hi]\nproviders: [echo]\n').config.tests).toEqual([{ vars: {} }]);
    expect(good('prompts: [hi]\nproviders: [echo]\ntests: []\n').config.tests).toEqual([{ vars: {} }]);
  });

  it('warns about promptfoo keys it does not act on, with their line', () => {
    const { warnings } = good(`prompts: ["{{q}}"]
providers:
  - id: openai:chat:gpt-4o
    config: { top_p: 0.5 }
outputPath: results.json
defaultTest:
  assert: [{ type: contains, value: x }]
tests:
  - vars: { q: a }
    assert: [{ type: equals, value: a }]
`);
    expect(warnings).toEqual([
      `${FILE}: outputPath (line 5): ignored; Parallax writes the files given with -o/--output`,
      `${FILE}: providers[0].config.top_p (line 4): "top_p" is ignored; Parallax reads apiBaseUrl, apiKeyEnvar, temperature, max_tokens`,
      `${FILE}: defaultTest.assert (line 7): assertions are not checked yet; outputs are recorded without pass/fail`,
      `${FILE}: tests (line 9): 1 test has assert; assertions are not checked yet, so outputs are recorded without pass/fail`,
    ]);
  });

  it('warns when a prompt needs a variable that a test does not give, or uses Nunjucks syntax', () => {
    const { warnings } = good(`prompts:
  - "Hi {{name}}, {{ city | upper }}"
providers: [echo]
tests:
  - vars: { name: a }
  - vars: { city: b }
`);
    expect(warnings).toContain(`${FILE}: prompts[0] (line 2): uses {{name}} but tests[1] does not set it; it renders as empty text`);
    expect(warnings.some((w) => w.includes('prompts[0] (line 2): uses template syntax Parallax does not render'))).toBe(true);
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
    expect(messages).toEqual([`${FILE}: providers (line 3): is empty; add at least one provider (echo, openai:chat:<model>, openai:<model>)`]);
  });

  it('names an unknown provider, its index and line, and lists what is supported', () => {
    const { messages } = bad(`description: x
prompts:
  - hi
providers:
  - echo
  # a comment between providers
  - anthropic:foo
`);
    expect(messages).toEqual([
      `${FILE}: providers[1] (line 7): unknown provider "anthropic:foo"; Parallax supports echo, openai:chat:<model>, openai:<model>`,
    ]);
  });

  it('refuses openai providers that are not chat, or name no model', () => {
    const { messages } = bad('prompts: [hi]\nproviders:\n  - openai:embedding:text-embedding-3-small\n  - "openai:chat:"\n  - id: openai:responses:gpt-4o\n');
    expect(messages[0]).toContain('providers[0] (line 3): unknown provider "openai:embedding:text-embedding-3-small": only chat models are supported');
    expect(messages[1]).toContain('providers[1] (line 4): "openai:chat:" names no model');
    expect(messages[2]).toContain('providers[2].id (line 5): unknown provider "openai:responses:gpt-4o"');
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

  it('refuses var values it cannot turn into text', () => {
    const { messages } = bad(`prompts: ["{{a}}"]
providers: [echo]
tests:
  - vars:
      a: [1, 2]
      b:
`);
    expect(messages[0]).toContain(`${FILE}: tests[0].vars.a (line 5): a list of values`);
    expect(messages[1]).toContain(`${FILE}: tests[0].vars.b (line 6): has no value`);
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

  it('refuses unknown top-level keys, suggesting the likely one', () => {
    const { messages } = bad('prompts: [hi]\nproviders: [echo]\ntest:\n  - vars: { a: b }\n');
    expect(messages).toEqual([`${FILE}: test (line 3): unknown key; did you mean "tests"?`]);
  });

  it('refuses files it cannot load yet', () => {
    const { messages } = bad('prompts: [file://prompt.txt]\nproviders: [echo]\ntests: file://tests.csv\n');
    expect(messages[0]).toContain('prompts[0] (line 1): loading prompts from files ("file://prompt.txt") is not supported yet');
    expect(messages[1]).toContain('tests (line 3): loading tests from a file ("file://tests.csv") is not supported yet');
  });

  it('refuses a chat prompt with a bad role, naming the message', () => {
    const { messages } = bad(`prompts:
  - '[{"role": "tool", "content": "x"}]'
providers: [echo]
`);
    expect(messages[0]).toContain('prompts[0][0] (line 2): unknown role "tool"');
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
