import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { Message, Usage } from '../../shared/schemas';

let loaded: typeof GptTokenizer | undefined;
/** Loaded on first use (about 60 MB of memory): by the echo provider and the pre-run estimate. */
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
  return messages.reduce((sum, m) => sum + tokenCount(m.content) + MESSAGE_OVERHEAD_TOKENS, REQUEST_OVERHEAD_TOKENS);
}

/** The longest beginning of `text` that is at most `limit` tokens. */
export function truncateToTokens(text: string, limit: number): string {
  const { decode, encode } = tokenizer();
  return decode(encode(text).slice(0, Math.max(0, limit)));
}

/** Framing tokens per message (role and separators) and per request, in the chat format. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REQUEST_OVERHEAD_TOKENS = 2;

/**
 * Counts the tokens of many prompts, tokenising each distinct text once: the rows of a table
 * usually share their system message and few-shot examples. One counter per estimate.
 */
export class TokenCounter {
  private readonly counts = new Map<string, number>();

  count(text: string): number {
    let n = this.counts.get(text);
    if (n === undefined) {
      n = text === '' ? 0 : tokenCount(text);
      this.counts.set(text, n);
    }
    return n;
  }

  /** The same figure as messageTokens, with the per-text cache. */
  messages(messages: readonly Message[]): number {
    return messages.reduce((sum, m) => sum + this.count(m.content) + MESSAGE_OVERHEAD_TOKENS, REQUEST_OVERHEAD_TOKENS);
  }
}

/** Characters of an answer tokenised for an estimate; a longer one is scaled from its start. */
const COUNTED_CHARS = 65_536;

/** Tokens of an answer, counting at most its first COUNTED_CHARS and scaling for the rest. */
export function answerTokens(text: string, wholeBytes?: number): number {
  if (text === '') return 0;
  const counted = text.length > COUNTED_CHARS ? text.slice(0, COUNTED_CHARS) : text;
  const tokens = tokenCount(counted);
  const countedBytes = Buffer.byteLength(counted, 'utf8');
  // A cut answer was longer than what was kept (wholeBytes), a long one longer than what was counted.
  const whole = Math.max(wholeBytes ?? 0, Buffer.byteLength(text, 'utf8'));
  return countedBytes > 0 && whole > countedBytes ? Math.round((tokens * whole) / countedBytes) : tokens;
}

/**
 * The usage a server reported, with what it left out counted here: the prompt with the chat
 * format's framing (messageTokens), the answer with the tokenizer. `estimated` says whether
 * anything was counted rather than reported. The o200k encoding is exact for OpenAI's recent
 * models and close (within some 10–20%) for others, which is what an estimate needs.
 */
export function completeUsage(usage: Usage, messages: readonly Message[], answer: string, answerBytes?: number): { usage: Usage; estimated: boolean } {
  const inputMissing = usage.inputTokens === undefined;
  const outputMissing = usage.outputTokens === undefined;
  if (!inputMissing && !outputMissing) return { usage, estimated: false };
  return {
    usage: {
      inputTokens: usage.inputTokens ?? messageTokens(messages),
      outputTokens: usage.outputTokens ?? answerTokens(answer, answerBytes),
    },
    estimated: true,
  };
}
