import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOfUsage, estimateCost, mergePrices, PRICES, PRICES_AS_OF, priceFor } from '../../src/shared/prices';
import { loadPriceOverrides, priceTable, savePriceOverrides } from '../../src/main/prices';
import { Store } from '../../src/main/store/store';

describe('prices', () => {
  it('estimates cost from tokens and the price per million', () => {
    expect(estimateCost('gpt-4o', 1_000_000, 1_000_000)).toBeCloseTo(12.5, 10);
    expect(estimateCost('gpt-4o-mini', 1000, 500)).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1_000_000, 15);
    expect(estimateCost('gpt-4.1-nano', 0, 0)).toBe(0);
  });

  it('finds a dated snapshot under its base name', () => {
    expect(priceFor('gpt-4o-2024-08-06')).toEqual(PRICES['gpt-4o']);
    // The date is cut, not the model's own suffix: a mini snapshot costs what mini costs.
    expect(priceFor('gpt-4o-mini-2024-07-18')).toEqual(PRICES['gpt-4o-mini']);
    expect(estimateCost('gpt-4.1-2025-04-14', 2_000_000, 0)).toBeCloseTo(4, 10);
  });

  it('has no estimate for a model it does not know, rather than a wrong one', () => {
    expect(priceFor('llama3.1:8b')).toBeUndefined();
    expect(estimateCost('llama3.1:8b', 100, 100)).toBeUndefined();
    expect(estimateCost('gpt-4o-mini-2024', 100, 100)).toBeUndefined();
    expect(estimateCost('my-gpt-4o', 100, 100)).toBeUndefined();
  });

  it('has no estimate when either token count is unknown', () => {
    expect(estimateCost('gpt-4o', undefined, 100)).toBeUndefined();
    expect(estimateCost('gpt-4o', 100, undefined)).toBeUndefined();
  });

  it('prices the offline echo at zero', () => {
    expect(estimateCost('echo', 5000, 5000)).toBe(0);
  });

  it('lists only sane prices', () => {
    for (const [model, price] of Object.entries(PRICES)) {
      expect(price.inputPerMTok, model).toBeGreaterThanOrEqual(0);
      expect(price.outputPerMTok, model).toBeGreaterThanOrEqual(price.inputPerMTok);
      // A cache read is a discount, a cache write a surcharge.
      expect(price.cachedInputPerMTok ?? price.inputPerMTok, model).toBeLessThanOrEqual(price.inputPerMTok);
      expect(price.cacheWritePerMTok ?? price.inputPerMTok, model).toBeGreaterThanOrEqual(price.inputPerMTok);
    }
  });

  it('says when the list was taken', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(PRICES_AS_OF))).toBe(false);
  });

  it('lists the current models of the three vendors, each with its cached-input price', () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'claude-opus-4-1', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-sonnet-4', 'claude-haiku-4-5', 'claude-3-5-haiku', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite']) {
      expect(PRICES[model]?.cachedInputPerMTok, model).toBeGreaterThan(0);
    }
  });

  it("prices Anthropic's 5-minute cache writes at 1.25× input and its cache reads at 0.1×", () => {
    for (const [model, price] of Object.entries(PRICES).filter(([m]) => m.startsWith('claude-'))) {
      expect(price.cacheWritePerMTok, model).toBeCloseTo(price.inputPerMTok * 1.25, 10);
      expect(price.cachedInputPerMTok, model).toBeCloseTo(price.inputPerMTok * 0.1, 10);
    }
  });

  it("finds Anthropic's dated ids and aliases and Gemini's resource names under the base model", () => {
    expect(priceFor('claude-sonnet-4-5-20250929')).toEqual(PRICES['claude-sonnet-4-5']);
    expect(priceFor('claude-sonnet-4-20250514')).toEqual(PRICES['claude-sonnet-4']);
    expect(priceFor('claude-3-5-haiku-latest')).toEqual(PRICES['claude-3-5-haiku']);
    expect(priceFor('models/gemini-2.5-flash')).toEqual(PRICES['gemini-2.5-flash']);
    // Only a whole date is cut: a version number is part of the name.
    expect(priceFor('claude-sonnet-4-5-2025')).toBeUndefined();
    expect(priceFor('gemini-2.5-flash-lite-preview')).toBeUndefined();
  });

  it('costs a cached Claude request at the cache prices', () => {
    // 1M input of which 600k read from the cache and 200k written to it; 100k output.
    const cost = costOfUsage('claude-sonnet-4-5', { inputTokens: 1_000_000, cacheReadTokens: 600_000, cacheWriteTokens: 200_000, outputTokens: 100_000 });
    expect(cost).toBeCloseTo(0.2 * 3 + 0.6 * 0.3 + 0.2 * 3.75 + 0.1 * 15, 10);
    // Gemini's thinking tokens cost what output costs.
    expect(costOfUsage('gemini-2.5-flash', { inputTokens: 0, outputTokens: 1_000_000, reasoningTokens: 900_000 })).toBeCloseTo(2.5, 10);
  });
});

describe('a price table with the user\'s overrides', () => {
  const overrides = { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 }, 'llama3.1:8b': { inputPerMTok: 0.05, outputPerMTok: 0.1 } };
  const table = mergePrices(overrides);

  it('prices with the override over the built-in, and adds models the list lacks', () => {
    expect(priceFor('gpt-4o', table)).toEqual({ inputPerMTok: 1, outputPerMTok: 2 });
    expect(priceFor('gpt-4o-2024-08-06', table)).toEqual({ inputPerMTok: 1, outputPerMTok: 2 });
    expect(estimateCost('llama3.1:8b', 1_000_000, 1_000_000, table)).toBeCloseTo(0.15, 10);
    expect(priceFor('gpt-4o-mini', table)).toEqual(PRICES['gpt-4o-mini']);
    // The built-in list is untouched, and the old call still reads it.
    expect(estimateCost('gpt-4o', 1_000_000, 0)).toBeCloseTo(2.5, 10);
    expect(priceFor('llama3.1:8b')).toBeUndefined();
  });

  it('does not take inherited object keys for models', () => {
    expect(priceFor('constructor', table)).toBeUndefined();
    expect(priceFor('toString')).toBeUndefined();
  });

  it('keeps overrides in the store, drops entries equal to the built-in, and ignores a corrupt value', () => {
    const store = new Store(mkdtempSync(join(tmpdir(), 'parallax-prices-')));
    try {
      expect(loadPriceOverrides(store)).toEqual({});
      const kept = savePriceOverrides(store, { ...overrides, 'gpt-4o-mini': PRICES['gpt-4o-mini']! });
      expect(kept).toEqual(overrides);
      expect(loadPriceOverrides(store)).toEqual(overrides);
      expect(priceTable(store)['gpt-4o']).toEqual(overrides['gpt-4o']);
      expect(priceTable(store)['gpt-5']).toEqual(PRICES['gpt-5']);
      store.setValue('prices', '{"gpt-4o": {"inputPerMTok": -1}}');
      expect(loadPriceOverrides(store)).toEqual({});
      store.setValue('prices', 'not json');
      expect(priceTable(store)['gpt-4o']).toEqual(PRICES['gpt-4o']);
    } finally {
      store.close();
    }
  });
});
