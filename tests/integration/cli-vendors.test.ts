/**
 * `parallax eval` with promptfoo's native-vendor provider ids against the fake Anthropic and
 * Gemini APIs: tools written in each vendor's config form reach the wire in that vendor's
 * form, the answers' tool calls are checked (is-valid-openai-tools-call, tool-call), and the
 * keys follow the same host rules as every provider.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini';

let dir: string;
let anthropic: FakeAnthropic;
let gemini: FakeGemini;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test-key' });
  gemini = await startFakeGemini({ apiKey: 'gemini-test-key' });
});
afterAll(async () => {
  await anthropic.close();
  await gemini.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-cli-vendors-'));
  anthropic.reset();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: CliIo['env']): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), env, cwd: dir };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stderr };
}

interface Result {
  provider: { id: string };
  gradingResult: { pass: boolean; componentResults: { pass: boolean; reason: string; assertion: { type: string } }[] } | null;
}

function results(file: string): Result[] {
  return (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { results: { results: Result[] } }).results.results;
}

const tideSchema = { type: 'object', properties: { port: { type: 'string' }, day: { type: 'integer' } }, required: ['port'] };
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

function config(tideCheck: unknown): string {
  return `description: tools across vendors
prompts: ["When is high tide in {{port}}?"]
providers:
  - id: anthropic:messages:tool
    config:
      apiBaseUrl: ${anthropic.baseUrl}
      max_tokens: 4096
      thinking: { type: enabled, budget_tokens: 2048 }
      tools: [{ name: get_tide, description: Tide times, input_schema: ${JSON.stringify(tideSchema)} }]
      tool_choice: { type: tool, name: get_tide }
  - id: google:tool-call
    config:
      tools: [{ functionDeclarations: [{ name: get_weather, description: Weather, parameters: ${JSON.stringify(weatherSchema)} }] }]
      toolConfig: { functionCallingConfig: { mode: ANY } }
      generationConfig: { temperature: 0, thinkingConfig: { thinkingBudget: 0 } }
tests:
  - vars: { port: Brest }
    assert:
      - type: is-valid-openai-tools-call
      - ${JSON.stringify(tideCheck)}
`;
}

describe('parallax eval with anthropic:messages: and google: providers', () => {
  it('sends each vendor its own tools, thinking and tool choice, and checks the calls that come back', async () => {
    writeFileSync(join(dir, 'promptfooconfig.yaml'), config({ type: 'tool-call', value: { paths: { '$.port': 'Brest' } } }));
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test-key', GEMINI_API_KEY: 'gemini-test-key', GOOGLE_API_BASE_URL: gemini.baseUrl };
    const { code, stderr } = await cli(['eval', '-c', 'promptfooconfig.yaml', '-o', 'out.json', '--data-dir', join(dir, 'data'), '--no-cache'], env);

    const sent = anthropic.messageRequests()[0]?.body as Record<string, unknown>;
    expect(sent['tools']).toEqual([{ name: 'get_tide', description: 'Tide times', input_schema: tideSchema }]);
    expect(sent['thinking']).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(sent['max_tokens']).toBe(4096);
    const geminiSent = gemini.requestsFor('tool-call')[0]?.body as { tools?: unknown; toolConfig?: unknown };
    // The provider sends the schema as parametersJsonSchema (full JSON Schema), one of the API's two forms.
    expect(geminiSent.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: weatherSchema }] }]);
    expect(geminiSent.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    // Neither key went anywhere but its own (loopback) server, and neither is in what was printed.
    expect(stderr).not.toContain('sk-ant-test-key');
    expect(stderr).not.toContain('gemini-test-key');

    // Claude called get_tide as its schema says; Gemini called get_weather, which has no "port".
    const [claude, geminiResult] = results('out.json');
    expect(claude?.provider.id).toBe('anthropic:messages:tool');
    expect(claude?.gradingResult?.componentResults.map((c) => [c.assertion.type, c.pass])).toEqual([
      ['is-valid-openai-tools-call', true],
      ['tool-call', true],
    ]);
    expect(geminiResult?.provider.id).toBe('google:tool-call');
    expect(geminiResult?.gradingResult?.componentResults.map((c) => [c.assertion.type, c.pass])).toEqual([
      ['is-valid-openai-tools-call', true],
      ['tool-call', false],
    ]);
    expect(geminiResult?.gradingResult?.componentResults[1]?.reason).toBe('Expected a tool call with those arguments; the arguments of "get_weather" have nothing at $.port');
    expect(code, stderr).toBe(100);
  });

  it('refuses a key bound for another host before sending anything, and vertex: with what to use', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'prompts: [hi]\nproviders:\n  - id: anthropic:messages:claude-x\n    config: { apiBaseUrl: "https://llm.example.com" }\n');
    const refused = await cli(['eval', '-c', 'a.yaml', '--data-dir', join(dir, 'data')], { ANTHROPIC_API_KEY: 'sk-ant-secret' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused to send the value of ANTHROPIC_API_KEY (the key variable used when a provider names none) to llm.example.com: ANTHROPIC_API_KEY belongs to api.anthropic.com');
    expect(refused.stderr).not.toContain('sk-ant-secret');
    expect(anthropic.messageRequests()).toHaveLength(0);

    writeFileSync(join(dir, 'v.yaml'), 'prompts: [hi]\nproviders: [vertex:gemini-2.5-pro]\n');
    const vertex = await cli(['eval', '-c', 'v.yaml', '--data-dir', join(dir, 'data')], {});
    expect(vertex.code).toBe(2);
    expect(vertex.stderr).toContain('Vertex AI signs requests with Google Cloud credentials');
  });
});
