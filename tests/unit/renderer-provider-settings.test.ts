/**
 * The settings a person types for prices and variant parameters: an empty cached-input,
 * cache-write or reasoning price means "as input/output" and is not saved as a number; each
 * parameter's hint names the vendors that read it and says when this variant's provider is not one.
 */
import { describe, expect, it } from 'vitest';
import { toDraft, toPrice, validPrice } from '../../src/renderer/src/features/settings/PricesSection';
import { usedBy } from '../../src/renderer/src/features/columns/ParamFields';

describe('a price as typed', () => {
  it('round-trips a full price and leaves empty optional prices out', () => {
    const full = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, reasoningPerMTok: 20 };
    const draft = toDraft({ m: full })['m'];
    expect(draft).toEqual({ input: '3', output: '15', cached: '0.3', write: '3.75', reasoning: '20' });
    expect(toPrice(draft ?? { input: '', output: '', cached: '', write: '', reasoning: '' })).toEqual(full);
    expect(toPrice({ input: '1', output: '2', cached: '', write: ' ', reasoning: '' })).toEqual({ inputPerMTok: 1, outputPerMTok: 2 });
  });

  it('needs input and output, and takes an optional price empty or as a number of 0 or more', () => {
    expect(validPrice('input', '')).toBe(false);
    expect(validPrice('output', '')).toBe(false);
    expect(validPrice('cached', '')).toBe(true);
    expect(validPrice('reasoning', '0')).toBe(true);
    for (const bad of ['-1', 'x', '1e999', '=HYPERLINK("x")', 'NaN']) expect(validPrice('write', bad), bad).toBe(false);
  });
});

describe('which vendor reads a parameter', () => {
  it('names the vendors, and says so when this provider is not one', () => {
    expect(usedBy(['anthropic', 'google'], 'anthropic', undefined)).toBe('Used by Anthropic and Gemini.');
    expect(usedBy(['anthropic', 'google'], 'openai', 'chat')).toBe('Used by Anthropic and Gemini; not by this provider.');
    expect(usedBy(['responses'], 'openai', undefined)).toBe('Used by the OpenAI Responses API; not by this provider.');
    expect(usedBy(['responses'], 'openai', 'responses')).toBe('Used by the OpenAI Responses API.');
    // The Responses API is OpenAI's: what OpenAI reads, it reads.
    expect(usedBy(['openai', 'anthropic', 'google'], 'openai', 'responses')).toBe('Used by OpenAI, Anthropic and Gemini.');
    // Echo and an unknown provider get no verdict.
    expect(usedBy(['google'], 'echo', undefined)).toBe('Used by Gemini.');
    expect(usedBy(['google'], undefined, undefined)).toBe('Used by Gemini.');
  });
});
