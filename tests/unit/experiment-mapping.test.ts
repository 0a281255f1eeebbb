/**
 * The draft to and from an experiment file: workspace → promptfooconfig.yaml → workspace keeps
 * the template, the test cases (variables, expected answer, description), each column's provider, model and parameters; a bad file
 * resolves (and so creates) no provider; a draft that cannot be exported says which column.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  experimentToWorkspace,
  exportExperimentFile,
  importExperimentFile,
  workspaceToExperiment,
  type ProviderSpec,
} from '../../src/main/files/experiment';
import { AppError } from '../../src/shared/errors';
import type { Experiment } from '../../src/shared/promptfoo/experiment';
import type { ProviderInfo, Workspace } from '../../src/shared/schemas';

const SECRET_LAST4 = 'Zq9w';

const providers: ProviderInfo[] = [
  { id: 'echo', name: 'Echo (offline)', kind: 'echo', baseUrl: '', key: { configured: false, source: 'none' }, builtIn: true, concurrency: 64 },
  {
    id: 'prov-openai',
    name: 'OpenAI',
    kind: 'openai',
    baseUrl: 'https://api.openai.com/v1/',
    apiKeyEnvar: 'OPENAI_API_KEY',
    key: { configured: true, last4: SECRET_LAST4, source: 'vault' },
    builtIn: false,
    concurrency: 8,
  },
  { id: 'prov-ollama', name: 'Ollama', kind: 'openai', baseUrl: 'http://localhost:11434/v1', key: { configured: false, source: 'none' }, builtIn: false, concurrency: 2 },
];

const workspace: Workspace = {
  promptId: 'library-prompt-1',
  messages: [
    { role: 'system', content: 'You are terse. Reply in {{lang}}.' },
    { role: 'user', content: 'Summarise:\n\n{{text}}' },
    { role: 'assistant', content: 'Ready.' },
    { role: 'user', content: 'Go.' },
  ],
  testCases: [
    { id: 'case-1', vars: { lang: 'French', text: 'yes', date: '2024-05-01' } },
    // An object value (read with {{ reader.name }}), an expected answer and a description.
    { id: 'case-2', description: 'German, for a child', vars: { lang: 'German', text: 'no', reader: { name: 'Ana', age: 7 } }, expected: 'Nein.' },
  ],
  selectedCase: 1,
  repeats: 3,
  useCache: false,
  assertions: [],
  columns: [
    { id: 'c1', providerId: 'echo', model: 'echo', params: { temperature: 0 } },
    { id: 'c2', providerId: 'prov-openai', model: 'gpt-4o', params: { temperature: 0.2, maxTokens: 300 } },
    { id: 'c3', providerId: 'prov-openai', model: 'gpt-4o-mini', params: {} },
    { id: 'c4', providerId: 'prov-ollama', model: 'llama3.2:3b', params: { maxTokens: 64 } },
    { id: 'c5', providerId: 'echo', model: 'echo', params: { temperature: 0.7, maxTokens: 256 } },
  ],
};

/** Finds the provider by base URL, as the app does, and records every call. */
function fakeResolver(): { resolve: (spec: ProviderSpec) => string; calls: ProviderSpec[] } {
  const calls: ProviderSpec[] = [];
  return {
    calls,
    resolve: (spec) => {
      calls.push(spec);
      if (spec.kind === 'echo') return 'echo';
      const found = providers.find((p) => p.kind === 'openai' && p.baseUrl.replace(/\/+$/, '') === spec.baseUrl);
      return found?.id ?? `new:${spec.label ?? 'unnamed'}`;
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('workspaceToExperiment', () => {
  it('takes the template, one provider per column (distinct labels, no key) and a test per test case', () => {
    const experiment = workspaceToExperiment(workspace, providers);
    expect(experiment).toEqual({
      prompts: [workspace.messages],
      providers: [
        { kind: 'echo', model: 'echo', label: 'echo #1', params: { temperature: 0 } },
        {
          kind: 'openai',
          model: 'gpt-4o',
          label: 'OpenAI: gpt-4o',
          baseUrl: 'https://api.openai.com/v1',
          apiKeyEnvar: 'OPENAI_API_KEY',
          params: { temperature: 0.2, maxTokens: 300 },
        },
        { kind: 'openai', model: 'gpt-4o-mini', label: 'OpenAI: gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', params: {} },
        { kind: 'openai', model: 'llama3.2:3b', label: 'Ollama', baseUrl: 'http://localhost:11434/v1', params: { maxTokens: 64 } },
        { kind: 'echo', model: 'echo', label: 'echo #2', params: { temperature: 0.7, maxTokens: 256 } },
      ],
      tests: [
        { vars: { lang: 'French', text: 'yes', date: '2024-05-01' } },
        { description: 'German, for a child', vars: { lang: 'German', text: 'no', reader: { name: 'Ana', age: 7 }, expected: 'Nein.' } },
      ],
      // The draft's repeats are promptfoo's evaluateOptions.repeat.
      repeat: 3,
    });
  });

  it('labels a provider by its name when that is enough, and numbers same-model columns', () => {
    const one = workspaceToExperiment({ ...workspace, columns: [{ id: 'a', providerId: 'prov-openai', model: 'gpt-4o', params: {} }] }, providers);
    expect(one.providers.map((p) => p.label)).toEqual(['OpenAI']);
    const echo = workspaceToExperiment({ ...workspace, columns: [{ id: 'a', providerId: 'echo', model: 'echo', params: {} }] }, providers);
    expect(echo.providers).toEqual([{ kind: 'echo', model: 'echo', params: {} }]);
    const twice = workspaceToExperiment(
      {
        ...workspace,
        columns: [
          { id: 'a', providerId: 'prov-openai', model: 'gpt-4o', params: { temperature: 0 } },
          { id: 'b', providerId: 'prov-openai', model: 'gpt-4o', params: { temperature: 1 } },
        ],
      },
      providers,
    );
    expect(twice.providers.map((p) => p.label)).toEqual(['OpenAI: gpt-4o #1', 'OpenAI: gpt-4o #2']);
  });

  it('refuses a column whose provider is gone, or which has no model, naming the column', () => {
    const gone = { ...workspace, columns: [{ id: 'e', providerId: 'echo', model: 'echo', params: {} }, { id: 'x', providerId: 'deleted', model: 'gpt-4o', params: {} }] };
    expect(() => workspaceToExperiment(gone, providers)).toThrow(AppError);
    expect(() => workspaceToExperiment(gone, providers)).toThrow(/^Column 2 \(gpt-4o\) uses a provider that is no longer in Settings/);
    try {
      workspaceToExperiment(gone, providers);
    } catch (error) {
      expect((error as AppError).code).toBe('bad_input');
    }
    const noModel = { ...workspace, columns: [{ id: 'x', providerId: 'prov-ollama', model: '  ', params: {} }] };
    expect(() => workspaceToExperiment(noModel, providers)).toThrow(/^Column 1 \(Ollama\) has no model/);
    expect(() => workspaceToExperiment({ ...workspace, columns: [] }, providers)).toThrow(/no columns/);
  });
});

describe('workspace → promptfooconfig.yaml → workspace', () => {
  it('keeps messages, test cases, providers, models and parameters', () => {
    const file = exportExperimentFile(workspace, providers);
    expect(file.fileName).toBe('promptfooconfig.yaml');
    expect(file.mimeType).toBe('application/yaml');
    expect(file.text).not.toContain(SECRET_LAST4);
    expect(file.text).not.toMatch(/apiKey:/);

    const { resolve, calls } = fakeResolver();
    const result = importExperimentFile(file.fileName, file.text, resolve);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const back = result.workspace;
    expect(back.messages).toEqual(workspace.messages);
    // Every test case, with its values' types, expected answer and description; new ids.
    expect(back.testCases.map(({ id: _id, ...rest }) => rest)).toEqual(workspace.testCases.map(({ id: _id, ...rest }) => rest));
    expect(back.testCases.every((c) => UUID.test(c.id))).toBe(true);
    expect(new Set(back.testCases.map((c) => c.id)).size).toBe(back.testCases.length);
    // Repeats go through evaluateOptions.repeat; what the file does not carry starts from the defaults.
    expect(back).toMatchObject({ selectedCase: 0, repeats: 3, useCache: true, assertions: [] });
    expect(back.columns.map(({ id: _id, ...rest }) => rest)).toEqual(workspace.columns.map(({ id: _id, ...rest }) => rest));
    // New column ids, all distinct.
    expect(back.columns.every((c) => UUID.test(c.id))).toBe(true);
    expect(new Set(back.columns.map((c) => c.id)).size).toBe(back.columns.length);
    // One lookup per distinct endpoint, named as the provider was (not `OpenAI: gpt-4o`).
    expect(calls).toEqual([
      { kind: 'echo' },
      { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', label: 'OpenAI' },
      { kind: 'openai', baseUrl: 'http://localhost:11434/v1', label: 'Ollama' },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('a provider the caller does not know gets the id the caller creates for it', () => {
    const text = 'prompts: ["Hi {{who}}"]\nproviders:\n  - id: openai:chat:mixtral\n    label: Groq\n    config: { apiBaseUrl: "https://api.groq.com/openai/v1", apiKeyEnvar: GROQ_API_KEY, temperature: 1 }\ntests:\n  - vars: { who: you }\n';
    const { resolve, calls } = fakeResolver();
    const result = importExperimentFile('groq.yaml', text, resolve);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(calls).toEqual([{ kind: 'openai', baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnvar: 'GROQ_API_KEY', label: 'Groq' }]);
    expect(result.workspace.columns).toEqual([{ id: expect.stringMatching(UUID), providerId: 'new:Groq', model: 'mixtral', params: { temperature: 1 } }]);
    expect(result.workspace.testCases).toEqual([{ id: expect.stringMatching(UUID), vars: { who: 'you' } }]);
  });

  it('opens the first prompt of a larger file, and says so, and every test as a test case', () => {
    const experiment: Experiment = {
      prompts: [[{ role: 'user', content: 'one' }], [{ role: 'user', content: 'two' }], [{ role: 'user', content: 'three' }]],
      providers: [{ kind: 'echo', model: 'echo', params: {} }],
      tests: [{ vars: { a: '1' } }, { description: 'second', vars: { a: '2', expected: 'two' } }],
    };
    const { resolve } = fakeResolver();
    const { workspace: opened, warnings } = experimentToWorkspace(experiment, resolve);
    expect(opened.messages).toEqual([{ role: 'user', content: 'one' }]);
    // A text `expected` var is the test case's expected answer.
    expect(opened.testCases.map(({ id: _id, ...rest }) => rest)).toEqual([
      { vars: { a: '1' } },
      { description: 'second', vars: { a: '2' }, expected: 'two' },
    ]);
    expect(opened.selectedCase).toBe(0);
    expect(warnings).toEqual(['The file has 3 prompts; only the first is opened (the other 2 are not).']);
  });

  it('opens a file without tests as one empty test case', () => {
    const { resolve } = fakeResolver();
    const { workspace: opened, warnings } = experimentToWorkspace(
      { prompts: [[{ role: 'user', content: 'Hi' }]], providers: [{ kind: 'echo', model: 'echo', params: {} }], tests: [] },
      resolve,
    );
    expect(opened.testCases).toEqual([{ id: expect.stringMatching(UUID), vars: {} }]);
    expect(warnings).toEqual([]);
  });
});

describe('a bad file creates nothing', () => {
  it('never calls resolveProvider when the file has an error, and says where', () => {
    const { resolve, calls } = fakeResolver();
    // The first provider is fine; the error is further down.
    const text = 'prompts: ["Hi"]\nproviders:\n  - id: openai:chat:gpt-4o\n    label: New one\n    config: { apiBaseUrl: "https://example.test/v1" }\n  - bedrock:claude\n';
    const result = importExperimentFile('suite.yaml', text, resolve);
    expect(result).toEqual({ ok: false, errors: [expect.stringContaining('suite.yaml: providers[1] (line 6): unknown provider "bedrock:claude"')] });
    expect(calls).toEqual([]);

    const broken = importExperimentFile('suite.yaml', 'prompts: [Hi\nproviders: [echo]\n', resolve);
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.errors[0]).toMatch(/^suite\.yaml \(line \d+, column \d+\): YAML syntax error/);
    expect(calls).toEqual([]);
  });

  it('checks an experiment fully before the first resolveProvider call', () => {
    const { resolve, calls } = fakeResolver();
    const base: Experiment = {
      prompts: [[{ role: 'user', content: 'Hi' }]],
      providers: [
        { kind: 'openai', model: 'gpt-4o', baseUrl: 'https://example.test/v1', params: {} },
        { kind: 'openai', model: ' ', params: {} },
      ],
      tests: [{ vars: {} }],
    };
    expect(() => experimentToWorkspace(base, resolve)).toThrow(/providers\[1\] names no model/);
    expect(() => experimentToWorkspace({ ...base, prompts: [] }, resolve)).toThrow(/no prompt/);
    expect(() => experimentToWorkspace({ ...base, prompts: [[]] }, resolve)).toThrow(/no prompt/);
    expect(() => experimentToWorkspace({ ...base, providers: [{ kind: 'openai', model: 'x', params: { temperature: 9 } }] }, resolve)).toThrow(AppError);
    expect(calls).toEqual([]);
  });
});

describe('the written file, as promptfoo reads it', () => {
  it('has promptfoo ids, unique labels, config without keys, and the variables quoted where YAML 1.1 would change them', () => {
    const value = parse(exportExperimentFile(workspace, providers).text, { version: '1.1' }) as {
      prompts: string[];
      providers: { id: string; label?: string; config?: Record<string, unknown> }[];
      tests: { vars: Record<string, unknown> }[];
    };
    expect(value.providers.map((p) => p.id)).toEqual(['echo', 'openai:chat:gpt-4o', 'openai:chat:gpt-4o-mini', 'openai:chat:llama3.2:3b', 'echo']);
    const labels = value.providers.map((p) => p.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(value.providers[1]?.config).toEqual({ apiBaseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', temperature: 0.2, max_tokens: 300 });
    expect(JSON.parse(value.prompts[0] ?? '')).toEqual(workspace.messages);
    expect(value.tests).toEqual([
      { vars: { lang: 'French', text: 'yes', date: '2024-05-01' } },
      { description: 'German, for a child', vars: { lang: 'German', text: 'no', reader: { name: 'Ana', age: 7 }, expected: 'Nein.' } },
    ]);
  });
});
