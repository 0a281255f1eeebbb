/**
 * The user's own prices, kept in the store's key-value table under `prices` and laid over the
 * built-in list (src/shared/prices.ts). An override replaces a built-in model's price; a model
 * the list does not know is added. The runner and the estimate both read the merged table.
 */
import { priceTableSchema } from '../shared/contract';
import { mergePrices, PRICES, type Price, type PriceTable } from '../shared/prices';

/** The part of the Store this needs. */
export interface ValueStore {
  getValue(key: string): string | undefined;
  setValue(key: string, value: string): void;
}

/** The kv key the overrides are saved under. */
export const PRICES_KEY = 'prices';

/** The saved overrides; an unreadable value (hand-edited database) counts as none. */
export function loadPriceOverrides(store: ValueStore): Record<string, Price> {
  const text = store.getValue(PRICES_KEY);
  if (text === undefined) return {};
  try {
    const parsed = priceTableSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function samePrice(a: Price, b: Price): boolean {
  return (
    a.inputPerMTok === b.inputPerMTok &&
    a.outputPerMTok === b.outputPerMTok &&
    a.cachedInputPerMTok === b.cachedInputPerMTok &&
    a.cacheWritePerMTok === b.cacheWritePerMTok &&
    a.reasoningPerMTok === b.reasoningPerMTok
  );
}

/** Replaces the overrides. An entry equal to the built-in price is dropped: it overrides nothing. */
export function savePriceOverrides(store: ValueStore, overrides: PriceTable): Record<string, Price> {
  const kept: Record<string, Price> = {};
  for (const [model, price] of Object.entries(overrides)) {
    const builtIn = Object.hasOwn(PRICES, model) ? PRICES[model] : undefined;
    if (builtIn && samePrice(builtIn, price)) continue;
    kept[model] = {
      inputPerMTok: price.inputPerMTok,
      outputPerMTok: price.outputPerMTok,
      ...(price.cachedInputPerMTok !== undefined ? { cachedInputPerMTok: price.cachedInputPerMTok } : {}),
      ...(price.cacheWritePerMTok !== undefined ? { cacheWritePerMTok: price.cacheWritePerMTok } : {}),
      ...(price.reasoningPerMTok !== undefined ? { reasoningPerMTok: price.reasoningPerMTok } : {}),
    };
  }
  store.setValue(PRICES_KEY, JSON.stringify(kept));
  return kept;
}

/** The table runs and estimates price with: the built-ins with the user's entries over them. */
export function priceTable(store: ValueStore): Record<string, Price> {
  return mergePrices(loadPriceOverrides(store));
}
