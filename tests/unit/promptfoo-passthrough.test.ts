/**
 * Request fields of a promptfoo OpenAI provider config that Parallax has no field for are sent
 * as written (Params.extra), `response_format` in every form promptfoo reads, and nothing a
 * config writes can replace the request's model, messages or stream.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig, type ConfigFiles } from '../../src/shared/promptfoo/config';
import { requestParams } from '../../src/main/providers/openai';
import { responsesParams } from '../../src/main/providers/openai-responses';

const FILE = 'promptfooconfig.yaml';

function files(map: Record<string, string>): ConfigFiles {
  return {
    readText: (ref) => {
      const text = map[ref.replace(/^file:\/\//, '')];
      if (text === undefined) throw new Error(`no such file (${ref})`);
      return text;
    },
    readTests: () => ({ tests: [], problems: [] }),
  };
}

function provider(config: string, map: Record<string, string> = {}) {
  const result = parseConfig(`prompts: [hi]\nproviders:\n  - id: openai:chat:gpt-5\n    config:\n${config.replace(/^/gm, '      ')}\n`, FILE, files(map));
  return result;
}

function paramsOf(config: string, map: Record<string, string> = {}) {
  const result = provider(config, map);
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  return { params: result.config.providers[0]?.params ?? {}, warnings: result.warnings.map(formatIssue) };
}

function errorsOf(config: string, map: Record<string, string> = {}): string[] {
  const result = provider(config, map);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors.map(formatIssue);
}

describe('provider request fields', () => {
  it('reads reasoning_effort none and xhigh, and sends user, logprobs and passthrough as written', () => {
    expect(paramsOf('reasoning_effort: none').params).toEqual({ reasoningEffort: 'none' });
    expect(paramsOf('reasoning_effort: xhigh').params).toEqual({ reasoningEffort: 'xhigh' });
    const { params, warnings } = paramsOf('user: ada\nlogprobs: true\ntop_logprobs: 2\nmetadata: { team: eval }\npassthrough: { some_new_field: [1, 2], service_tier: flex }');
    expect(warnings).toEqual([]);
    expect(params.extra).toEqual({ user: 'ada', logprobs: true, top_logprobs: 2, metadata: { team: 'eval' }, some_new_field: [1, 2], service_tier: 'flex' });
    const wire = requestParams(params, false) as Record<string, unknown>;
    expect(wire).toMatchObject({ user: 'ada', logprobs: true, top_logprobs: 2, metadata: { team: 'eval' }, some_new_field: [1, 2], service_tier: 'flex' });
    expect(responsesParams(params) as Record<string, unknown>).toMatchObject({ user: 'ada', some_new_field: [1, 2] });
  });

  it("ignores promptfoo's own settings (they never reach the API) with a hint to use passthrough", () => {
    const { params, warnings } = paramsOf('cost: 0.002\nshowThinking: false');
    expect(params).toEqual({});
    expect(warnings[0]).toContain('"cost" is ignored (to send a request field Parallax does not know, put it under passthrough)');
  });

  it("never lets a field replace the request's model, messages, stream or answer count", () => {
    expect(errorsOf('passthrough: { model: other }')[0]).toContain(`"model" cannot be sent: Parallax sets the request's model itself`);
    expect(errorsOf('passthrough: { stream: false }')[0]).toContain('cannot be sent');
    expect(errorsOf('passthrough: { n: 3 }')[0]).toContain('answer count');
    expect(errorsOf('passthrough: { "__proto__": { polluted: true } }')[0]).toContain('cannot be sent');
    // Even if a column somehow carries one (an old database, a hand-edited run), the wire form leaves them out.
    const wire = requestParams({ extra: { model: 'x', messages: [], stream: false, stream_options: null, user: 'u' } }, false) as Record<string, unknown>;
    expect(wire).toEqual({ user: 'u' });
    expect(responsesParams({ extra: { model: 'x', input: 'y', instructions: 'z', user: 'u' } }) as Record<string, unknown>).toEqual({ store: false, user: 'u' });
  });

  it('refuses hostile values: 10,000 levels deep, too large, too many fields, a bad name', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}x${']'.repeat(depth)}`;
    // 10,000 deep is refused by the YAML reader itself, as a config error (not a crash); 100 deep by the field's own limit.
    expect(errorsOf(`passthrough: { deep: ${nested(10_000)} }`)[0]).toMatch(/YAML syntax error/);
    expect(errorsOf(`passthrough: { deep: ${nested(100)} }`)[0]).toMatch(/deep nests deeper than 64 levels/);
    expect(errorsOf(`user: "${'u'.repeat(70_000)}"`)[0]).toMatch(/at most 64000 are sent/);
    const many = Array.from({ length: 40 }, (_, i) => `f${i}: 1`).join(', ');
    expect(errorsOf(`passthrough: { ${many} }`)[0]).toMatch(/at most 32/);
    expect(errorsOf('passthrough: { "bad name": 1 }')[0]).toContain('is not a request field name');
    expect(errorsOf('passthrough: [1]')[0]).toContain('must be a map');
  });
});

describe('response_format', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

  it('reads the forms Parallax models as its own', () => {
    expect(paramsOf('response_format: { type: json_object }').params).toEqual({ responseFormat: { type: 'json_object' } });
    expect(paramsOf(`response_format: { type: json_schema, json_schema: { name: city, strict: true, schema: ${JSON.stringify(schema)} } }`).params).toEqual({
      responseFormat: { type: 'json_schema', name: 'city', strict: true, schema },
    });
  });

  it('reads a whole response_format from a JSON or YAML file, and a json_schema whose schema is a file', () => {
    const fromJson = paramsOf('response_format: file://format.json', { 'format.json': JSON.stringify({ type: 'json_schema', json_schema: { name: 'city', schema } }) });
    expect(fromJson.params.responseFormat).toEqual({ type: 'json_schema', name: 'city', schema });
    const fromYaml = paramsOf('response_format: file://format.yaml', { 'format.yaml': 'type: json_object\n' });
    expect(fromYaml.params.responseFormat).toEqual({ type: 'json_object' });
    const nested = paramsOf('response_format: { type: json_schema, json_schema: { name: city, schema: "file://schema.json" } }', { 'schema.json': JSON.stringify(schema) });
    expect(nested.params.responseFormat).toEqual({ type: 'json_schema', name: 'city', schema });
  });

  it('sends other forms as written: json_schema without a name, a top-level schema, another type', () => {
    const unnamed = paramsOf(`response_format: { type: json_schema, json_schema: { schema: ${JSON.stringify(schema)} } }`).params;
    expect(unnamed.responseFormat).toBeUndefined();
    expect((requestParams(unnamed, true) as Record<string, unknown>)['response_format']).toEqual({ type: 'json_schema', json_schema: { schema } });
    const topLevel = paramsOf('response_format: { type: json_schema, schema: "file://schema.json" }', { 'schema.json': JSON.stringify(schema) }).params;
    expect(topLevel.extra).toEqual({ response_format: { type: 'json_schema', schema } });
    expect(paramsOf('response_format: { type: grammar, grammar: "root ::= x" }').params.extra).toEqual({ response_format: { type: 'grammar', grammar: 'root ::= x' } });
  });

  it('says what is wrong with a file that is missing or not JSON', () => {
    expect(errorsOf('response_format: file://missing.json')[0]).toContain('cannot read file://missing.json: no such file');
    expect(errorsOf('response_format: file://bad.json', { 'bad.json': '{nope' })[0]).toContain('file://bad.json is not JSON');
    expect(errorsOf('response_format: 42')[0]).toContain('must be a map with a type');
  });

  it('on Anthropic, keeps refusing a form it cannot send', () => {
    const result = parseConfig('prompts: [hi]\nproviders:\n  - id: anthropic:messages:claude-sonnet-4-5\n    config:\n      response_format: { type: grammar }\n', FILE);
    expect(result.ok).toBe(false);
  });
});
