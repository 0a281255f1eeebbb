import { describe, expect, it } from 'vitest';
import { apiOfKind, kindOfApi, PROVIDER_APIS, PROVIDER_PRESETS } from '../../src/shared/providers';
import { hostOf, KNOWN_KEY_HOSTS, keyHostVerdict, suggestedKeyEnvar } from '../../src/shared/key-hosts';
import { providerInputSchema } from '../../src/shared/schemas';

/** Azure's preset is a template: a person puts their resource's name in it. */
const filled = (url: string): string => url.replace('<resource>', 'my-lab');

describe('provider presets', () => {
  it('offers every vendor the issue names, each once', () => {
    const names = PROVIDER_PRESETS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['OpenAI', 'OpenAI Responses', 'Anthropic', 'Google Gemini', 'Azure OpenAI', 'OpenRouter', 'Groq', 'Mistral', 'DeepSeek', 'xAI', 'Together', 'Fireworks', 'Ollama', 'LM Studio', 'vLLM', 'llama.cpp server']) {
      expect(names).toContain(name);
    }
  });

  it("sends every preset's key variable only where key-hosts allows it, over https", () => {
    for (const preset of PROVIDER_PRESETS.filter((p) => p.apiKeyEnvar)) {
      const envar = preset.apiKeyEnvar ?? '';
      const url = filled(preset.baseUrl);
      expect(keyHostVerdict(envar, url), `${preset.name}: ${envar} → ${url}`).toEqual({ ok: true, why: 'own' });
      expect(KNOWN_KEY_HOSTS[envar], envar).toBeDefined();
      // The form suggests the same variable for the preset's URL.
      expect(suggestedKeyEnvar(url), preset.name).toBe(envar);
      expect(url.startsWith('https://'), preset.name).toBe(true);
    }
  });

  it('has a key variable for every hosted preset and none for a server on this machine', () => {
    for (const preset of PROVIDER_PRESETS) {
      if (preset.where === 'hosted') {
        expect(preset.apiKeyEnvar, preset.name).toBeDefined();
        expect(preset.needsKey, preset.name).toBe(true);
      } else {
        expect(preset.apiKeyEnvar, preset.name).toBeUndefined();
        expect(hostOf(preset.baseUrl), preset.name).toBe('localhost');
      }
    }
  });

  it('saves as a valid provider (Azure once its resource is named, and not before)', () => {
    for (const preset of PROVIDER_PRESETS) {
      const input = { name: preset.name, kind: preset.kind, ...(preset.api ? { api: preset.api } : {}), baseUrl: filled(preset.baseUrl), ...(preset.apiKeyEnvar ? { apiKeyEnvar: preset.apiKeyEnvar } : {}) };
      expect(providerInputSchema.safeParse(input).success, preset.name).toBe(true);
    }
    const azure = PROVIDER_PRESETS.find((p) => p.name === 'Azure OpenAI');
    expect(azure?.note).toMatch(/<resource>/);
    expect(providerInputSchema.safeParse({ name: 'Azure OpenAI', baseUrl: azure?.baseUrl }).success).toBe(false);
  });

  it('maps each API choice to a kind and back', () => {
    for (const { api } of PROVIDER_APIS) {
      const { kind, api: openaiApi } = kindOfApi(api);
      expect(apiOfKind(kind, openaiApi)).toBe(api);
    }
    expect(kindOfApi('anthropic')).toEqual({ kind: 'anthropic' });
    expect(kindOfApi('responses')).toEqual({ kind: 'openai', api: 'responses' });
    // A provider saved before the choice existed speaks Chat Completions.
    expect(apiOfKind('openai', undefined)).toBe('chat');
    expect(apiOfKind('echo', undefined)).toBeUndefined();
    for (const preset of PROVIDER_PRESETS) expect(apiOfKind(preset.kind, preset.api), preset.name).toBeDefined();
  });
});
