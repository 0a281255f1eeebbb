/**
 * Prices in US dollars per million tokens, for estimating what a cell cost. Figures are the
 * providers' published list prices for standard (non-batch, non-cached) requests; a model
 * not listed has no estimate rather than a wrong one.
 */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Input read from the prompt cache; the input price when absent. */
  cachedInputPerMTok?: number;
  /** Input written to the prompt cache (Anthropic's cache writes); the input price when absent. */
  cacheWritePerMTok?: number;
  /** Thinking tokens, when priced apart from the answer; the output price when absent. */
  reasoningPerMTok?: number;
}

/** Token counts as a cell keeps them (shared/schemas.ts Usage): cached and thinking tokens are parts of input and output. */
export interface UsageCounts {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/**
 * When the built-in list was taken, shown in Settings beside the price table. Prices change:
 * a person corrects one there (it is saved over the built-in) until the list is taken again.
 */
export const PRICES_AS_OF = '2025-11-25';

/**
 * List prices for standard requests (no batch, flex or priority tiers), as the vendors'
 * pricing pages gave them on PRICES_AS_OF:
 * - OpenAI: platform.openai.com/docs/pricing. Cached input is the automatic prompt cache's
 *   price; reasoning tokens are billed as output, so no reasoning price.
 * - Anthropic: docs.claude.com/en/docs/about-claude/pricing. Cache writes at the 5-minute
 *   cache's price (1.25× input; the 1-hour cache costs 2×), cache reads at 0.1× input;
 *   thinking is billed as output. Sonnet 4 and 4.5 cost more for prompts over 200K tokens
 *   (1M context beta), which this list does not model.
 * - Google: ai.google.dev/gemini-api/docs/pricing, paid tier, text/image/video input, prompts
 *   up to 200K tokens (Gemini 2.5 Pro and 3 Pro cost more above). Output includes thinking
 *   tokens; cached input is the context-caching price (storage per hour is not counted).
 * A model is left out rather than given a price not confirmed from those pages.
 */
export const PRICES: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-5.1': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'gpt-5': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, cachedInputPerMTok: 0.025, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, cachedInputPerMTok: 0.005, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
  'o3': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, cachedInputPerMTok: 0.275, outputPerMTok: 4.4 },
  // Anthropic (ids without their date: claude-sonnet-4-5-20250929 is priced as claude-sonnet-4-5)
  'claude-opus-4-5': { inputPerMTok: 5, cachedInputPerMTok: 0.5, cacheWritePerMTok: 6.25, outputPerMTok: 25 },
  'claude-opus-4-1': { inputPerMTok: 15, cachedInputPerMTok: 1.5, cacheWritePerMTok: 18.75, outputPerMTok: 75 },
  'claude-opus-4': { inputPerMTok: 15, cachedInputPerMTok: 1.5, cacheWritePerMTok: 18.75, outputPerMTok: 75 },
  'claude-sonnet-4-5': { inputPerMTok: 3, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, outputPerMTok: 15 },
  'claude-sonnet-4': { inputPerMTok: 3, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, cachedInputPerMTok: 0.1, cacheWritePerMTok: 1.25, outputPerMTok: 5 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, cachedInputPerMTok: 0.08, cacheWritePerMTok: 1, outputPerMTok: 4 },
  // Google
  'gemini-3-pro-preview': { inputPerMTok: 2, cachedInputPerMTok: 0.2, outputPerMTok: 12 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, cachedInputPerMTok: 0.03, outputPerMTok: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, cachedInputPerMTok: 0.01, outputPerMTok: 0.4 },
  // Local and offline models cost nothing per token.
  echo: { inputPerMTok: 0, outputPerMTok: 0 },
};

/** Model id → price; the built-in list, or the built-ins with the user's own entries over them. */
export type PriceTable = Readonly<Record<string, Price>>;

/** The built-ins with the user's entries over them: an override wins, a new model is added. */
export function mergePrices(overrides: PriceTable, builtIn: PriceTable = PRICES): Record<string, Price> {
  return { ...builtIn, ...overrides };
}

/**
 * Looks a model up by its exact id, then by its base name, in `table` (the built-in list when
 * absent): a dated snapshot (OpenAI's gpt-4o-2024-08-06, Anthropic's claude-sonnet-4-5-20250929),
 * an alias (claude-3-5-haiku-latest), Gemini's resource name (models/gemini-2.5-flash).
 */
export function priceFor(model: string, table: PriceTable = PRICES): Price | undefined {
  const exact = Object.hasOwn(table, model) ? table[model] : undefined;
  if (exact) return exact;
  const base = model.replace(/^models\//, '').replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, '');
  return Object.hasOwn(table, base) ? table[base] : undefined;
}

export function estimateCost(model: string, inputTokens?: number, outputTokens?: number, table: PriceTable = PRICES): number | undefined {
  return costOfUsage(model, { ...(inputTokens !== undefined ? { inputTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}) }, table);
}

/**
 * What a request cost: cache reads and writes at their own prices, the rest of the input at
 * the input price; thinking at the reasoning price (the output price unless set), the rest of
 * the output at the output price. Parts larger than their whole are clamped to it.
 */
export function costOfUsage(model: string, usage: UsageCounts, table: PriceTable = PRICES): number | undefined {
  const price = priceFor(model, table);
  const { inputTokens, outputTokens } = usage;
  if (!price || inputTokens === undefined || outputTokens === undefined) return undefined;
  const read = Math.min(usage.cacheReadTokens ?? 0, inputTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, inputTokens - read);
  const thinking = Math.min(usage.reasoningTokens ?? 0, outputTokens);
  const input =
    (inputTokens - read - written) * price.inputPerMTok + read * (price.cachedInputPerMTok ?? price.inputPerMTok) + written * (price.cacheWritePerMTok ?? price.inputPerMTok);
  const output = (outputTokens - thinking) * price.outputPerMTok + thinking * (price.reasoningPerMTok ?? price.outputPerMTok);
  return (input + output) / 1_000_000;
}
