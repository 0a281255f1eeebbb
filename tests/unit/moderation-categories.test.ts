import { describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES, moderationCategoriesOf, moderationValueText } from '../../src/shared/assertions/moderation';
import { moderationFlags, moderationVerdict } from '../../src/shared/assertions/model-graded';
import { parseAssertion } from '../../src/shared/assertions/types';

describe('moderation categories', () => {
  it('lists the 13 categories of OpenAI moderation that promptfoo 0.121 knows', () => {
    expect(MODERATION_CATEGORIES).toHaveLength(13);
    expect(new Set(MODERATION_CATEGORIES).size).toBe(13);
    expect(MODERATION_CATEGORIES).toContain('self-harm/instructions');
  });

  it('reads a value text as a list of categories and writes it back', () => {
    expect(moderationCategoriesOf('')).toEqual([]);
    expect(moderationCategoriesOf('["hate", 3, "violence"]')).toEqual(['hate', 'violence']);
    expect(moderationCategoriesOf('{"hate": true}')).toEqual([]);
    expect(moderationCategoriesOf('not json')).toEqual([]);
    expect(moderationValueText([])).toBe('');
    const text = moderationValueText(['violence', 'custom/server-only']);
    expect(moderationCategoriesOf(text)).toEqual(['violence', 'custom/server-only']);
    // The written text is a value the check accepts as promptfoo does (a string array).
    const parsed = parseAssertion({ type: 'moderation', value: JSON.parse(text) as unknown });
    expect(parsed.ok).toBe(true);
  });

  it('fails on a flagged category the value names, passes on one it does not (promptfoo semantics)', () => {
    const flags = moderationFlags({
      results: [
        { flagged: true, categories: { violence: true, hate: false }, category_scores: { violence: 0.91, hate: 0.2 } },
        { flagged: false, categories: { harassment: true }, category_scores: { harassment: 0.99 } },
      ],
    });
    // A result not flagged adds nothing, even with a category marked.
    expect(flags).toEqual([{ code: 'violence', confidence: 0.91 }]);
    expect(moderationVerdict(flags, [])).toEqual({ pass: false, score: 0, reason: 'Moderation flags detected: violence' });
    expect(moderationVerdict(flags, ['harassment'])).toEqual({ pass: true, score: 1, reason: 'No relevant moderation flags detected' });
    expect(moderationVerdict([], ['violence'])).toEqual({ pass: true, score: 1, reason: 'No moderation flags detected' });
  });
});
