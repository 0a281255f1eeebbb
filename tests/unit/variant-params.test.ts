import { describe, expect, it } from 'vitest';
import { keyParams } from '../../src/shared/variants';
import type { Column } from '../../src/shared/schemas';

const column = (params: Column['params']): Column => ({ id: 'c', providerId: 'echo', model: 'echo', params });

describe('a variant named by its thinking settings', () => {
  it('names top k, the thinking budget and the reasoning summary', () => {
    expect(keyParams(column({ topK: 40, thinkingBudget: 2048, reasoningSummary: 'auto' }))).toEqual(['top_k 40', 'thinking 2048', 'summary auto']);
    expect(keyParams(column({ thinkingBudget: 0 }))).toEqual(['no thinking']);
    expect(keyParams(column({ thinkingBudget: -1, reasoningEffort: 'xhigh' }))).toEqual(['effort xhigh', 'thinking auto']);
    expect(keyParams(column({ safety: { HARM_CATEGORY_HARASSMENT: 'BLOCK_NONE' } }))).toEqual([]);
  });
});
