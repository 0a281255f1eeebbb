import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatIssue, parseConfig, type EvalConfig } from '../../src/shared/promptfoo/config';
import { exportExperimentYaml, parseExperimentYaml, type Experiment } from '../../src/shared/promptfoo/experiment';

const FILE = 'promptfooconfig.yaml';

function good(text: string): { config: EvalConfig; warnings: string[] } {
  const result = parseConfig(text, FILE);
  if (!result.ok) throw new Error(`expected a good config, got:\n${result.errors.map(formatIssue).join('\n')}`);
  return { config: result.config, warnings: result.warnings.map(formatIssue) };
}

function bad(text: string): string[] {
  const result = parseConfig(text, FILE);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors.map(formatIssue);
}

const weatherParams = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const neutralWeather = { name: 'get_weather', description: 'Weather now', parameters: weatherParams };

describe('provider ids of the native vendors', () => {
  it('binds anthropic:messages:, anthropic:, google: and openai:responses: to their kinds', () => {
    const { config } = good(`prompts: [hi]
providers:
  - anthropic:messages:claude-sonnet-4-5
  - anthropic:claude-haiku-4-5
  - google:gemini-2.5-flash
  - openai:responses:gpt-5-mini
  - openai:chat:gpt-4o-mini
`);
    expect(config.providers.map((p) => [p.kind, p.api, p.model])).toEqual([
      ['anthropic', undefined, 'claude-sonnet-4-5'],
      ['anthropic', undefined, 'claude-haiku-4-5'],
      ['google', undefined, 'gemini-2.5-flash'],
      ['openai', 'responses', 'gpt-5-mini'],
      ['openai', undefined, 'gpt-4o-mini'],
    ]);
  });

  it('refuses vertex: with what to use instead, and ids that name no model or another Anthropic API', () => {
    const messages = bad('prompts: [hi]\nproviders:\n  - vertex:gemini-2.5-pro\n  - "google:"\n  - anthropic:completion:claude-2\n  - "anthropic:messages:"\n');
    expect(messages[0]).toContain('providers[0] (line 3): "vertex:gemini-2.5-pro": Vertex AI signs requests with Google Cloud credentials');
    expect(messages[0]).toContain('google:gemini-2.5-pro with GEMINI_API_KEY (or GOOGLE_API_KEY)');
    expect(messages[1]).toContain('"google:" names no model');
    expect(messages[2]).toContain('only Anthropic\'s Messages API is supported');
    expect(messages[3]).toContain('"anthropic:messages:" names no model');
  });
});

describe('tools and vendor config keys', () => {
  it('reads tools in OpenAI, Responses, Anthropic, Gemini and neutral form as the same definitions', () => {
    const { config } = good(`prompts: [hi]
providers:
  - id: openai:chat:gpt-4o-mini
    config:
      tools: [{ type: function, function: { name: get_weather, description: Weather now, parameters: ${JSON.stringify(weatherParams)} } }]
      tool_choice: { type: function, function: { name: get_weather } }
  - id: openai:responses:gpt-5-mini
    config:
      tools: [{ type: function, name: get_weather, description: Weather now, parameters: ${JSON.stringify(weatherParams)} }]
      tool_choice: required
      reasoning: { effort: low, summary: auto }
      max_output_tokens: 500
  - id: anthropic:messages:claude-sonnet-4-5
    config:
      tools: [{ name: get_weather, description: Weather now, input_schema: ${JSON.stringify(weatherParams)} }]
      tool_choice: { type: any }
      thinking: { type: enabled, budget_tokens: 2048 }
      max_tokens: 4096
      top_k: 40
  - id: google:gemini-2.5-flash
    config:
      tools: [{ functionDeclarations: [{ name: get_weather, description: Weather now, parameters: ${JSON.stringify(weatherParams)} }] }]
      toolConfig: { functionCallingConfig: { mode: ANY, allowedFunctionNames: [get_weather] } }
      generationConfig: { temperature: 0.2, topK: 20, maxOutputTokens: 300, stopSequences: [END], thinkingConfig: { thinkingBudget: -1 }, responseMimeType: application/json }
      safetySettings: [{ category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH }]
`);
    const [chat, responses, anthropic, google] = config.providers;
    for (const p of config.providers) expect(p.params.tools).toEqual([neutralWeather]);
    expect(chat?.params.toolChoice).toEqual({ name: 'get_weather' });
    expect(responses?.params).toMatchObject({ toolChoice: 'required', reasoningEffort: 'low', reasoningSummary: 'auto', maxTokens: 500 });
    expect(anthropic?.params).toMatchObject({ toolChoice: 'required', thinkingBudget: 2048, maxTokens: 4096, topK: 40 });
    expect(google?.params).toMatchObject({
      toolChoice: { name: 'get_weather' },
      temperature: 0.2,
      topK: 20,
      maxTokens: 300,
      stop: ['END'],
      thinkingBudget: -1,
      responseFormat: { type: 'json_object' },
      safety: { HARM_CATEGORY_HARASSMENT: 'BLOCK_ONLY_HIGH' },
    });
  });

  it('refuses bad tools, choices and thinking with the field and what to write', () => {
    const messages = bad(`prompts: [hi]
providers:
  - id: openai:chat:gpt-4o-mini
    config:
      tools: [{ type: function, function: { name: "bad name!" } }]
  - id: anthropic:messages:claude-sonnet-4-5
    config:
      thinking: { type: enabled, budget_tokens: 100 }
      tool_choice: { type: sometimes }
  - id: google:gemini-2.5-flash
    config:
      tools: [{ googleSearch: {} }]
  - id: openai:chat:gpt-4o-mini
    config:
      tools: file://tools.json
`);
    expect(messages.join('\n')).toContain('providers[0].config.tools (line 5): [0].name: A tool name has letters, digits, _ and - only');
    expect(messages.join('\n')).toContain('providers[1].config.thinking (line 8): must be {type: enabled, budget_tokens: <whole number, at least 1024>}');
    expect(messages.join('\n')).toContain('providers[1].config.tool_choice (line 9): must be auto, none, required, or the tool to call');
    expect(messages.join('\n')).toContain("providers[2].config.tools (line 12): [0] is Gemini's googleSearch tool; Parallax reads function tools only");
    expect(messages.join('\n')).toContain('providers[3].config.tools (line 15): must be a list of tools written in the config: tools from a file:// are not read yet');
  });
});

describe('the export writes each vendor\'s own form, and reads it back', () => {
  const tools = [neutralWeather];
  const experiment: Experiment = {
    prompts: [[{ role: 'user', content: 'Weather in {{city}}?' }]],
    providers: [
      { kind: 'openai', model: 'gpt-4o-mini', label: 'OpenAI', params: { tools, toolChoice: { name: 'get_weather' }, temperature: 0 } },
      { kind: 'openai', api: 'responses', model: 'gpt-5-mini', label: 'Responses', params: { tools, toolChoice: 'auto', reasoningEffort: 'low', reasoningSummary: 'auto' } },
      { kind: 'anthropic', model: 'claude-sonnet-4-5', label: 'Claude', apiKeyEnvar: 'ANTHROPIC_API_KEY', params: { tools, toolChoice: 'required', thinkingBudget: 2048, maxTokens: 4096, topK: 5 } },
      { kind: 'google', model: 'gemini-2.5-flash', label: 'Gemini', params: { tools, toolChoice: 'none', temperature: 0.3, thinkingBudget: 0, maxTokens: 200, safety: { HARM_CATEGORY_HATE_SPEECH: 'BLOCK_NONE' } } },
    ],
    tests: [{ vars: { city: 'Paris' } }],
  };

  it('in promptfoo\'s shapes per provider id', () => {
    const yaml = parseYaml(exportExperimentYaml(experiment)) as { providers: Array<{ id: string; config: Record<string, unknown> }> };
    const [openai, responses, anthropic, google] = yaml.providers;
    expect(openai?.id).toBe('openai:chat:gpt-4o-mini');
    expect(openai?.config['tools']).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherParams } }]);
    expect(openai?.config['tool_choice']).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(responses?.id).toBe('openai:responses:gpt-5-mini');
    expect(responses?.config['tools']).toEqual([{ type: 'function', name: 'get_weather', description: 'Weather now', parameters: weatherParams }]);
    expect(responses?.config['reasoning']).toEqual({ effort: 'low', summary: 'auto' });
    expect(anthropic?.id).toBe('anthropic:messages:claude-sonnet-4-5');
    expect(anthropic?.config).toMatchObject({ tools: [{ name: 'get_weather', description: 'Weather now', input_schema: weatherParams }], tool_choice: { type: 'any' }, thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096, top_k: 5 });
    expect(google?.id).toBe('google:gemini-2.5-flash');
    expect(google?.config).toEqual({
      tools: [{ functionDeclarations: [neutralWeather] }],
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
      generationConfig: { temperature: 0.3, maxOutputTokens: 200, thinkingConfig: { thinkingBudget: 0 } },
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' }],
    });
  });

  it('round-trips through the parser', () => {
    const back = parseExperimentYaml(exportExperimentYaml(experiment), FILE);
    if (!back.ok) throw new Error(back.errors.join('\n'));
    expect(back.warnings).toEqual([]);
    expect(back.experiment.providers).toEqual(experiment.providers);
  });
});
