import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { Message } from '../../shared/schemas';

let loaded: typeof GptTokenizer | undefined;
/** Loaded on first use: about 60 MB of memory, and only the echo provider counts tokens. */
function tokenizer(): typeof GptTokenizer {
  loaded ??= createRequire(import.meta.url)('gpt-tokenizer') as typeof GptTokenizer;
  return loaded;
}

/** Token count with the o200k encoding (GPT-4o and later): an estimate for other models. */
export function tokenCount(text: string): number {
  return tokenizer().countTokens(text);
}

export function messageTokens(messages: readonly Message[]): number {
  // Each message carries a few tokens of framing (role and separators) in the chat format.
  return messages.reduce((sum, m) => sum + tokenCount(m.content) + 4, 2);
}

/** The longest beginning of `text` that is at most `limit` tokens. */
export function truncateToTokens(text: string, limit: number): string {
  const { decode, encode } = tokenizer();
  return decode(encode(text).slice(0, Math.max(0, limit)));
}
