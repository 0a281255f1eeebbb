/**
 * Makes the client for a saved or recorded provider from its kind: OpenAI's Chat Completions
 * (and every OpenAI-compatible server) or its Responses API, Anthropic's Messages API, Google's
 * Gemini API. Every one takes the same options: where, which key, which other keys to mask,
 * and its timeouts.
 */
import type { OpenAIApi } from '../../shared/schemas';
import type { ProviderTimeouts } from '../../shared/timeouts';
import type { SavedProviderKind } from '../store/store';
import { AnthropicProvider } from './anthropic';
import { GoogleProvider } from './google';
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
      return new AnthropicProvider(options);
    case 'google':
      return new GoogleProvider(options);
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
