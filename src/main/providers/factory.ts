/**
 * Makes the client for a saved or recorded provider from its kind: OpenAI's Chat Completions
 * (and every OpenAI-compatible server) or its Responses API, Anthropic's Messages API, Google's
 * Gemini API. Every one takes the same options: where, which key, which other keys to mask,
 * and its timeouts.
 */
import type { OpenAIApi } from '../../shared/schemas';
import type { ProviderTimeouts } from '../../shared/timeouts';
import type { SavedProviderKind } from '../store/store';
import { LazyProvider } from './lazy';
import { OpenAIProvider } from './openai';
import { OpenAIResponsesProvider } from './openai-responses';
import type { ChatProvider } from './types';

export interface ProviderSpec {
  kind: SavedProviderKind;
  /** Kind openai: Chat Completions (absent) or the Responses API. */
  api?: OpenAIApi;
  baseUrl: string;
  apiKey: string | undefined;
  /** Other keys Parallax knows, masked too in whatever the server sends back. */
  otherSecrets?: readonly string[];
  timeouts?: ProviderTimeouts;
}

export function createProvider(spec: ProviderSpec): ChatProvider {
  const options = {
    baseUrl: spec.baseUrl,
    apiKey: spec.apiKey,
    ...(spec.otherSecrets ? { otherSecrets: spec.otherSecrets } : {}),
    ...(spec.timeouts ? { timeouts: spec.timeouts } : {}),
  };
  switch (spec.kind) {
    case 'anthropic':
      return new LazyProvider(async () => new (await import('./anthropic')).AnthropicProvider(options), { ...options, batch: true });
    case 'google':
      return new LazyProvider(async () => new (await import('./google')).GoogleProvider(options), options);
    case 'openai':
      if (spec.api === 'responses') return new OpenAIResponsesProvider(options);
      return new OpenAIProvider(options);
  }
}

/** Where each kind's API lives when a provider names no base URL. */
export const DEFAULT_BASE_URLS: Readonly<Record<SavedProviderKind, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com',
};

/** The variable each kind's key is read from when a provider names none. */
export const DEFAULT_KEY_ENVARS: Readonly<Record<SavedProviderKind, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GEMINI_API_KEY',
};

/** Keys of a process environment (the CLI's, or browser mode's). */
type Env = Readonly<Record<string, string | undefined>>;

/** The base URL the environment gives a kind when a config names none, as promptfoo reads it. */
export function envBaseUrlOf(kind: SavedProviderKind, env: Env): string | undefined {
  const first = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  let url: string | undefined;
  if (kind === 'anthropic') url = first('ANTHROPIC_API_BASE_URL', 'ANTHROPIC_BASE_URL');
  else if (kind === 'google') {
    const host = first('GOOGLE_API_HOST');
    url = first('GOOGLE_API_BASE_URL') ?? (host !== undefined ? `https://${host}` : undefined);
  } else url = first('OPENAI_BASE_URL', 'OPENAI_API_BASE_URL');
  return url?.replace(/\/+$/, '');
}

/** The key variable of a provider that names none: Gemini reads GEMINI_API_KEY, else GOOGLE_API_KEY, as promptfoo does. */
export function defaultKeyEnvarOf(kind: SavedProviderKind, env: Env): string {
  if (kind === 'google' && !env['GEMINI_API_KEY'] && env['GOOGLE_API_KEY']) return 'GOOGLE_API_KEY';
  return DEFAULT_KEY_ENVARS[kind];
}

/**
 * Where a provider's requests go, for the response cache's key: the API as well as the base
 * URL, since OpenAI's Chat Completions and Responses API share one base URL and answer differently.
 */
export function endpointOf(kind: SavedProviderKind, api: OpenAIApi | undefined, baseUrl: string): string {
  return kind === 'openai' && api !== 'responses' ? baseUrl : `${kind}${kind === 'openai' ? `:${api ?? 'chat'}` : ''}:${baseUrl}`;
}
