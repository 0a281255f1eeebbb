/** Provider facts both sides need: the built-in echo's ids and the presets offered in Settings. */
export const ECHO_PROVIDER_ID = 'echo';
export const ECHO_MODEL = 'echo';

export interface ProviderPreset {
  name: string;
  baseUrl: string;
  apiKeyEnvar?: string;
  needsKey: boolean;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', needsKey: true },
  { name: 'Ollama', baseUrl: 'http://localhost:11434/v1', needsKey: false },
];
