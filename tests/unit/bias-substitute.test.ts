import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_KINDS, attributeKind, suggestedValues, type AttributeValue } from '../../src/shared/bias/attributes';
import { counterfactualRows, counterfactualVars, findOccurrences, keepCase, readProbe, substituteText } from '../../src/shared/bias/substitute';

const pronouns = attributeKind('pronouns');
const gender = attributeKind('gender');
const names = attributeKind('names');
const age = attributeKind('age');
const origin = attributeKind('origin');
const value = (kind: typeof pronouns, label: string): AttributeValue => {
  const found = kind.values.find((v) => v.label === label);
  if (!found) throw new Error(label);
  return found;
};

describe('bias probe substitution', () => {
  it('swaps pronouns slot for slot, resolving her/his by what follows', () => {
    expect(substituteText(pronouns, 'He said his car is his. I gave him the book. HE is here.', value(pronouns, 'she/her'))).toBe(
      'She said her car is hers. I gave her the book. SHE is here.',
    );
    expect(substituteText(pronouns, 'She lost her keys. I met her yesterday. I gave her the book. The book is hers.', value(pronouns, 'he/him'))).toBe(
      'He lost his keys. I met him yesterday. I gave him the book. The book is his.',
    );
  });

  it('makes the verb agree when a subject turns plural or singular', () => {
    expect(substituteText(pronouns, 'She is tall. She has two cats. She was late.', value(pronouns, 'they/them'))).toBe('They are tall. They have two cats. They were late.');
    expect(substituteText(pronouns, 'They are tall and they were late.', value(pronouns, 'she/her'))).toBe('She is tall and she was late.');
  });

  it('swaps stated gender: titles and nouns, keeping punctuation', () => {
    expect(substituteText(gender, 'Mr. Smith is a man. His son called him.', value(gender, 'female'))).toBe('Ms. Smith is a woman. Her daughter called her.');
  });

  it('swaps names case-sensitively and keeps the possessive', () => {
    expect(substituteText(names, "Emily wrote to Emily's boss on Jun 3; emily is a word here.", value(names, 'Aisha'))).toBe("Aisha wrote to Aisha's boss on Jun 3; emily is a word here.");
    expect(substituteText(names, 'EMILY', value(names, 'Aisha'))).toBe('EMILY');
    expect(substituteText(names, 'José and Mohammed', value(names, 'Priya'))).toBe('Priya and Priya');
  });

  it('swaps ages written as numbers and as words', () => {
    expect(substituteText(age, 'A 34-year-old, aged 34, 34 years old, a young person. Young people. 1934-year-old', value(age, '74 (older)'))).toBe(
      'A 74-year-old, aged 74, 74 years old, a older person. Older people. 1934-year-old',
    );
  });

  it('swaps countries and demonyms, capitalising at a sentence start only', () => {
    const us = value(origin, 'United States');
    expect(substituteText(origin, 'Born in Germany, a German citizen.', us)).toBe('Born in the United States, a American citizen.');
    expect(substituteText(origin, 'The United States voted.', value(origin, 'Germany'))).toBe('Germany voted.');
  });

  it('keeps case: upper, capitalised and lower', () => {
    expect(keepCase('HIS', 'his', 'her')).toBe('HER');
    expect(keepCase('His', 'his', 'her')).toBe('Her');
    expect(keepCase('mr', 'Mr', 'Ms')).toBe('ms');
    expect(keepCase('Emily', 'Emily', 'Lakisha')).toBe('Lakisha');
  });

  it('finds occurrences in strings nested in JSON values, only in the variables asked', () => {
    const vars = { bio: 'He said her name', n: 3, j: { x: ['his book'] }, other: 'he' };
    const found = findOccurrences(pronouns, vars, { variables: ['bio', 'j'] });
    expect(found.map((o) => [o.variable, o.text, o.value])).toEqual([
      ['bio', 'He', 'he/him'],
      ['bio', 'her', 'she/her'],
      ['j', 'his', 'he/him'],
    ]);
    const changed = counterfactualVars(pronouns, vars, value(pronouns, 'she/her'), { variables: ['bio', 'j'] });
    expect(changed).toEqual({ bio: 'She said her name', n: 3, j: { x: ['her book'] }, other: 'he' });
  });

  it('replaces terms the user marked by hand', () => {
    const vars = { who: 'Bobbie Lee met Bobbie.' };
    const found = findOccurrences(names, vars, { marked: [{ text: 'Bobbie', slot: 0 }] });
    expect(found.filter((o) => o.value === 'marked')).toHaveLength(2);
    expect(counterfactualVars(names, vars, value(names, 'Chioma'), { marked: [{ text: 'Bobbie', slot: 0 }] })).toEqual({ who: 'Chioma Lee met Chioma.' });
  });

  it('makes one row per value, the expected answer changed with it, other fields kept', () => {
    const row = { id: 'r1', vars: { bio: 'Emily is a nurse.' }, expected: 'Emily should be hired', assert: [{ type: 'contains' as const, value: 'hire' }] };
    const rows = counterfactualRows(names, row, [value(names, 'Emily'), value(names, 'Jamal')]);
    expect(rows.map((r) => [r.value, r.testCase.vars['bio'], r.testCase.expected])).toEqual([
      ['Emily', 'Emily is a nurse.', 'Emily should be hired'],
      ['Jamal', 'Jamal is a nurse.', 'Jamal should be hired'],
    ]);
    expect(rows[1]?.testCase.assert).toEqual(row.assert);
    expect(new Set(rows.map((r) => r.testCase.id)).size).toBe(2);
  });

  describe('hostile values stay data', () => {
    it('copies {{ }}, $& and markup from the row and from a replacement literally', () => {
      const evil: AttributeValue = { label: 'evil', terms: ['$& {{ constructor }} <script>'] };
      expect(substituteText(names, 'Emily {{name}} $1 $& =HYPERLINK("x")', evil)).toBe('$& {{ constructor }} <script> {{name}} $1 $& =HYPERLINK("x")');
    });

    it('passes NUL bytes and lone surrogates through', () => {
      expect(substituteText(pronouns, 'he\u0000his book\u0000\ud800 him', value(pronouns, 'she/her'))).toBe('she\u0000her book\u0000\ud800 her');
    });

    it('leaves JSON nested deeper than it reads unchanged, without overflowing the stack', () => {
      let deep: unknown = 'he';
      for (let i = 0; i < 10_000; i++) deep = [deep];
      const out = counterfactualVars(pronouns, { deep: deep as string, top: 'he' }, value(pronouns, 'she/her'));
      expect(out['top']).toBe('she');
      expect(out['deep']).toBeDefined();
    });

    it('handles a 50 MB value in linear time', () => {
      const chunk = 'Emily met him at the station and gave his ticket back. ';
      const big = chunk.repeat(Math.ceil((50 * 1024 * 1024) / chunk.length));
      const started = performance.now();
      const out = counterfactualVars(pronouns, { big }, value(pronouns, 'she/her'));
      const took = performance.now() - started;
      const text = out['big'] as string;
      // him → her and his → her keep the length; nothing else moves.
      expect(text.length).toBe(big.length);
      expect(text.includes(' his ')).toBe(false);
      expect(text.startsWith('Emily met her at the station and gave her ticket back. ')).toBe(true);
      expect(took).toBeLessThan(30_000);
    }, 60_000);
  });

  it('ships every kind with values that fill its slots', () => {
    for (const kind of ATTRIBUTE_KINDS) {
      expect(kind.values.length).toBeGreaterThan(1);
      for (const v of kind.values) expect(v.terms.length).toBe(kind.slots.length);
      for (const label of kind.defaults) expect(kind.values.some((v) => v.label === label)).toBe(true);
    }
    expect(new Set(names.values.map((v) => v.group)).size).toBeGreaterThanOrEqual(12);
  });
});

describe('suggested values', () => {
  it('ticks names of the found name’s gender, one per group, the found name first', () => {
    const male = suggestedValues(names, 'Jamal');
    expect(male[0]).toBe('Jamal');
    expect(male).toHaveLength(8);
    expect(male).toEqual(expect.arrayContaining(['James', 'José', 'Chinedu', 'Mohammed', 'Rahul', 'Wei', 'Dmitri']));
    expect(suggestedValues(names, 'Emily')).toEqual(['Emily', 'Lakisha', 'Maria', 'Chioma', 'Aisha', 'Priya', 'Mei', 'Olga']);
    expect(suggestedValues(names, undefined)).toEqual([...names.defaults]);
    expect(suggestedValues(pronouns, 'she/her')).toEqual([...pronouns.defaults]);
  });
});

describe('readProbe', () => {
  it('reads back the attribute and values a probe wrote into its rows, and nothing else', () => {
    const rows = counterfactualRows(pronouns, { id: 'r', vars: { a: 'he' } }, [value(pronouns, 'he/him'), value(pronouns, 'she/her')]).map((r) => r.testCase);
    expect(readProbe(rows)).toEqual({ kind: 'pronouns', caseValues: ['he/him', 'she/her'] });
    expect(readProbe([...rows, { description: 'a row of mine' }])).toBeUndefined();
    expect(readProbe([rows[0] ?? {}, { description: 'Bias probe · Names: Emily' }])).toBeUndefined();
    expect(readProbe([rows[0] ?? {}, rows[0] ?? {}])).toBeUndefined();
    expect(readProbe([{ description: 'Bias probe · Names: =HYPERLINK("x")' }, { description: 'Bias probe · Names: <script>' }])).toEqual({ kind: 'names', caseValues: ['=HYPERLINK("x")', '<script>'] });
  });
});
