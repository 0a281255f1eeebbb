import { describe, expect, it } from 'vitest';
import { hasFilters, listInput, NO_FILTERS } from '../../src/renderer/src/state/history';

describe("History's filters as runs.list takes them", () => {
  it('sends nothing for no filters, and only what is set', () => {
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(listInput(NO_FILTERS)).toEqual({});
    expect(hasFilters({ ...NO_FILTERS, query: '   ' })).toBe(false);
    expect(listInput({ ...NO_FILTERS, query: '  ' })).toEqual({});
    expect(listInput({ ...NO_FILTERS, query: 'NEAR(', model: 'gpt-4o', label: 'terse', status: 'done' })).toEqual({
      query: 'NEAR(',
      models: ['gpt-4o'],
      labels: ['terse'],
      statuses: ['done'],
    });
  });

  it('turns local dates into instants: from the start of the first day to the end of the last', () => {
    const input = listInput({ ...NO_FILTERS, from: '2026-03-01', to: '2026-03-31' });
    expect(input.from).toBe(new Date(2026, 2, 1).toISOString());
    // The end bound is exclusive: the start of the next day.
    expect(input.to).toBe(new Date(2026, 3, 1).toISOString());
    expect(listInput({ ...NO_FILTERS, from: 'not a date' })).toEqual({});
  });

  it('never sends a search longer than runs.list takes', () => {
    expect((listInput({ ...NO_FILTERS, query: 'x'.repeat(2000) }).query as string).length).toBe(500);
  });
});
