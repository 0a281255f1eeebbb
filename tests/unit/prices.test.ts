import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateCost, mergePrices, PRICES, priceFor } from '../../src/shared/prices';
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
    }
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
