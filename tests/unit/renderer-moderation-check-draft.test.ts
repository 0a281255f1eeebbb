/** The check picker's moderation draft: the categories ticked (or typed) become promptfoo's value. */
import { describe, expect, it } from 'vitest';
import { buildAssertion, newDraft } from '../../src/renderer/src/features/checks/drafts';

describe('moderation check draft', () => {
  it('builds a moderation check from the picker: a list of categories, blank for all, anything else refused', () => {
    const draft = newDraft('moderation');
    expect(buildAssertion({ ...draft, valueText: '["violence", "hate"]' })).toEqual({ ok: true, assertion: { type: 'moderation', value: ['violence', 'hate'] } });
    expect(buildAssertion({ ...draft, valueText: '' })).toEqual({ ok: true, assertion: { type: 'moderation' } });
    expect(buildAssertion({ ...draft, valueText: '[]' })).toEqual({ ok: true, assertion: { type: 'moderation' } });
    expect(buildAssertion({ ...draft, inverse: true, valueText: '["violence"]' })).toEqual({ ok: true, assertion: { type: 'not-moderation', value: ['violence'] } });
    const refused = buildAssertion({ ...draft, valueText: '{"type": "object"}' });
    expect(refused.ok === false && refused.error).toMatch(/JSON list of strings/);
    const broken = buildAssertion({ ...draft, valueText: '[violence' });
    expect(broken.ok === false && broken.error).toMatch(/^The list of categories is not valid JSON/);
  });
});
