/** The checks editor's drafts: text typed in the editor ↔ promptfoo assertions. */
import { describe, expect, it } from 'vitest';
import { buildAssertion, draftOf, newDraft } from '../../src/renderer/src/features/checks/drafts';

describe('check drafts', () => {
  it('builds plain and not- checks with their values', () => {
    expect(buildAssertion({ ...newDraft('contains'), valueText: 'refund' })).toEqual({ ok: true, assertion: { type: 'contains', value: 'refund' } });
    expect(buildAssertion({ ...newDraft('icontains'), inverse: true, valueText: 'sorry' })).toEqual({ ok: true, assertion: { type: 'not-icontains', value: 'sorry' } });
  });

  it('reads lists one per line, and a comma-separated list from a file shows one per line', () => {
    expect(buildAssertion({ ...newDraft('contains-any'), valueText: 'a\n\n b, c \n' })).toEqual({ ok: true, assertion: { type: 'contains-any', value: ['a', 'b, c'] } });
    const draft = draftOf({ type: 'contains-all', value: 'x, "y, z"' });
    expect(draft.valueText).toBe('x\ny, z');
    // Untouched, the value stays as the file had it.
    expect(buildAssertion(draft)).toEqual({ ok: true, assertion: { type: 'contains-all', value: 'x, "y, z"' } });
  });

  it('says what is missing or wrong, and where', () => {
    expect(buildAssertion(newDraft('contains'))).toMatchObject({ ok: false, field: 'value', error: '"contains" needs a value.' });
    expect(buildAssertion({ ...newDraft('regex'), valueText: '(' })).toMatchObject({ ok: false, field: 'value', error: expect.stringContaining('Not a valid regular expression') as string });
    expect(buildAssertion({ ...newDraft('is-valid-json-schema'), valueText: '{"type": ' })).toMatchObject({ ok: false, field: 'value', error: expect.stringContaining('not valid JSON') as string });
    expect(buildAssertion({ ...newDraft('is-valid-json-schema'), valueText: '[1]' })).toMatchObject({ ok: false, field: 'value' });
    expect(buildAssertion(newDraft('latency'))).toMatchObject({ ok: false, field: 'threshold', error: 'Give the most milliseconds an answer may take.' });
    expect(buildAssertion({ ...newDraft('bleu'), thresholdText: 'high' })).toMatchObject({ ok: false, field: 'threshold', error: 'The threshold is a number.' });
    expect(buildAssertion({ ...newDraft('llm-rubric'), valueText: '   ' })).toMatchObject({ ok: false, field: 'value' });
  });

  it('parses a JSON schema, and leaves out the reference so the row’s expected answer is used', () => {
    expect(buildAssertion({ ...newDraft('is-json'), valueText: '{"type":"object","required":["a"]}' })).toEqual({
      ok: true,
      assertion: { type: 'is-json', value: { type: 'object', required: ['a'] } },
    });
    expect(buildAssertion({ ...newDraft('rouge-l'), thresholdText: '0.6' })).toEqual({ ok: true, assertion: { type: 'rouge-l', threshold: 0.6 } });
    expect(buildAssertion({ ...newDraft('cost'), thresholdText: '0.002' })).toEqual({ ok: true, assertion: { type: 'cost', threshold: 0.002 } });
  });

  it('round-trips what it does not show (weight, metric) and objects for equals', () => {
    const draft = draftOf({ type: 'not-equals', value: { a: 1 }, weight: 2, metric: 'exact' });
    expect(draft.inverse).toBe(true);
    expect(buildAssertion(draft)).toEqual({ ok: true, assertion: { type: 'not-equals', value: { a: 1 }, weight: 2, metric: 'exact' } });
  });
});
