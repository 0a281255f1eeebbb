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

export const PRICES: Readonly<Record<string, Price>> = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'o3': { inputPerMTok: 2, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
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
 * Looks a model up by its exact id, then by a dated snapshot's base name (gpt-4o-2024-08-06),
 * in `table` (the built-in list when absent).
 */
export function priceFor(model: string, table: PriceTable = PRICES): Price | undefined {
  const exact = Object.hasOwn(table, model) ? table[model] : undefined;
  if (exact) return exact;
  const base = model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
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
