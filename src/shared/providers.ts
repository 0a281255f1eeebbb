/** Provider facts both sides need: the built-in echo's ids and the presets offered in Settings. */
import type { OpenAIApi } from './schemas';

export const ECHO_PROVIDER_ID = 'echo';
export const ECHO_MODEL = 'echo';

/** The kinds a person can save (echo is built in). */
export type SavedKind = 'openai' | 'anthropic' | 'google';

/** The wire protocol a provider speaks, as Settings offers it: a kind, and for OpenAI which of its APIs. */
export type ProviderApi = 'chat' | 'responses' | 'anthropic' | 'google';

export const PROVIDER_APIS: readonly { api: ProviderApi; label: string }[] = [
  { api: 'chat', label: 'OpenAI Chat Completions' },
  { api: 'responses', label: 'OpenAI Responses API' },
  { api: 'anthropic', label: 'Anthropic Messages' },
  { api: 'google', label: 'Google Gemini' },
];

/** The kind and OpenAI API to save for a choice of API. */
export function kindOfApi(api: ProviderApi): { kind: SavedKind; api?: OpenAIApi } {
  if (api === 'anthropic' || api === 'google') return { kind: api };
  return { kind: 'openai', api };
}

/** The API a saved provider speaks (an OpenAI provider without one speaks Chat Completions). */
export function apiOfKind(kind: SavedKind | 'echo', api: OpenAIApi | undefined): ProviderApi | undefined {
  if (kind === 'echo') return undefined;
  if (kind === 'openai') return api ?? 'chat';
  return kind;
}

export function apiLabel(api: ProviderApi): string {
  return PROVIDER_APIS.find((a) => a.api === api)?.label ?? api;
}

export interface ProviderPreset {
  name: string;
  kind: SavedKind;
  /** Kind openai: which of its APIs (every OpenAI-compatible server speaks chat). */
  api?: OpenAIApi;
  baseUrl: string;
  apiKeyEnvar?: string;
  needsKey: boolean;
  /** Hosted by the vendor, or a server on this machine. */
  where: 'hosted' | 'local';
  /** What the person still has to fill in (Azure's resource name), shown when the preset is picked. */
  note?: string;
}

/**
 * Every hosted preset's variable must be allowed to its base URL's host by src/shared/key-hosts.ts
 * (KNOWN_KEY_HOSTS); tests/unit/provider-presets.test.ts checks it.
 */
export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { name: 'OpenAI', kind: 'openai', api: 'chat', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', needsKey: true, where: 'hosted' },
  {
    name: 'OpenAI Responses',
    kind: 'openai',
    api: 'responses',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnvar: 'OPENAI_API_KEY',
    needsKey: true,
    where: 'hosted',
  },
  { name: 'Anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKeyEnvar: 'ANTHROPIC_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Google Gemini', kind: 'google', baseUrl: 'https://generativelanguage.googleapis.com', apiKeyEnvar: 'GEMINI_API_KEY', needsKey: true, where: 'hosted' },
  {
    name: 'Azure OpenAI',
    kind: 'openai',
    api: 'chat',
    // Not a URL until <resource> is replaced, so it cannot be saved by mistake as it is.
    baseUrl: 'https://<resource>.openai.azure.com/openai/v1',
    apiKeyEnvar: 'AZURE_OPENAI_API_KEY',
    needsKey: true,
    where: 'hosted',
    note: 'Replace <resource> in the base URL with your Azure OpenAI resource name; the model is your deployment name.',
  },
  { name: 'OpenRouter', kind: 'openai', api: 'chat', baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnvar: 'OPENROUTER_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Groq', kind: 'openai', api: 'chat', baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnvar: 'GROQ_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Mistral', kind: 'openai', api: 'chat', baseUrl: 'https://api.mistral.ai/v1', apiKeyEnvar: 'MISTRAL_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'DeepSeek', kind: 'openai', api: 'chat', baseUrl: 'https://api.deepseek.com/v1', apiKeyEnvar: 'DEEPSEEK_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'xAI', kind: 'openai', api: 'chat', baseUrl: 'https://api.x.ai/v1', apiKeyEnvar: 'XAI_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Together', kind: 'openai', api: 'chat', baseUrl: 'https://api.together.xyz/v1', apiKeyEnvar: 'TOGETHER_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Fireworks', kind: 'openai', api: 'chat', baseUrl: 'https://api.fireworks.ai/inference/v1', apiKeyEnvar: 'FIREWORKS_API_KEY', needsKey: true, where: 'hosted' },
  { name: 'Ollama', kind: 'openai', api: 'chat', baseUrl: 'http://localhost:11434/v1', needsKey: false, where: 'local' },
  { name: 'LM Studio', kind: 'openai', api: 'chat', baseUrl: 'http://localhost:1234/v1', needsKey: false, where: 'local' },
  { name: 'vLLM', kind: 'openai', api: 'chat', baseUrl: 'http://localhost:8000/v1', needsKey: false, where: 'local' },
  { name: 'llama.cpp server', kind: 'openai', api: 'chat', baseUrl: 'http://localhost:8080/v1', needsKey: false, where: 'local' },
];

/** The four harm categories Gemini's safety settings are usually set for, with the names people know them by. */
export const GEMINI_HARM_CATEGORIES: readonly { category: string; label: string }[] = [
  { category: 'HARM_CATEGORY_HARASSMENT', label: 'Harassment' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', label: 'Hate speech' },
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', label: 'Sexually explicit' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', label: 'Dangerous content' },
];

/** Gemini's block thresholds (HarmBlockThreshold), loosest first. */
export const GEMINI_THRESHOLDS: readonly { threshold: string; label: string }[] = [
  { threshold: 'OFF', label: 'Off' },
  { threshold: 'BLOCK_NONE', label: 'Block none' },
  { threshold: 'BLOCK_ONLY_HIGH', label: 'Block only high' },
  { threshold: 'BLOCK_MEDIUM_AND_ABOVE', label: 'Block medium and above' },
  { threshold: 'BLOCK_LOW_AND_ABOVE', label: 'Block low and above' },
];
