import { describe, expect, it } from 'vitest';
import { estimateCost, PRICES, priceFor } from '../../src/shared/prices';

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
