/**
 * Reading an author model's answer (hostile text) and dropping near-duplicate test cases.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthorAnswerError,
  MAX_AUTHOR_ANSWER_CHARS,
  dropNearDuplicates,
  jaccard,
  quoteAnswer,
  readGeneratedRows,
  readPromptDraft,
  readRevision,
  wordSet,
} from '../../src/shared/author';

const draft = { messages: [{ role: 'user', content: 'Summarise {{ticket}} for {{team}}.' }], variables: [], checks: [{ type: 'contains', value: 'refund' }] };

describe('reading an answer', () => {
  it('takes JSON from a ```json fence, a bare fence, the whole answer or its outermost braces', () => {
    for (const text of [
      `Sure!\n\`\`\`json\n${JSON.stringify(draft)}\n\`\`\`\nAnything else?`,
      `\`\`\`\n${JSON.stringify(draft)}\n\`\`\``,
      JSON.stringify(draft),
      `Here: ${JSON.stringify(draft)} — done.`,
    ]) {
      const read = readPromptDraft(text);
      expect(read.messages[0]?.content).toBe('Summarise {{ticket}} for {{team}}.');
      // No header named: the variables the messages use.
      expect(read.variables).toEqual(['ticket', 'team']);
      expect(read.checks).toEqual([{ type: 'contains', value: 'refund' }]);
    }
  });

  it('prefers the last fence that fits (an echoed author prompt shows its example last)', () => {
    const other = { ...draft, messages: [{ role: 'user', content: 'Second' }] };
    const text = `\`\`\`json\n{"not": "a draft"}\n\`\`\`\n\`\`\`json\n${JSON.stringify(draft)}\n\`\`\`\n\`\`\`json\n${JSON.stringify(other)}\n\`\`\``;
    expect(readPromptDraft(text).messages[0]?.content).toBe('Second');
  });

  it('refuses with the first 200 characters of the answer on one line', () => {
    const refusal = `I cannot help with that.\n\n${'Really. '.repeat(100)}`;
    let caught: unknown;
    try {
      readPromptDraft(refusal);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AuthorAnswerError);
    const message = (caught as Error).message;
    expect(message.startsWith('The model did not return a prompt: I cannot help with that. Really.')).toBe(true);
    expect(message).toHaveLength('The model did not return a prompt: '.length + 201);
    expect(quoteAnswer('')).toBe('(an empty answer)');
  });

  it('survives hostile answers: NUL bytes, 10,000-deep nesting, a huge answer, spreadsheet formulas and markup kept as text', () => {
    expect(() => readPromptDraft(`\u0000\u0000{"messages": [\u0000]}`)).toThrow(/did not return a prompt/);
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(() => readRevision(`\`\`\`json\n{"messages": ${deep}, "reasons": ["x"]}\n\`\`\``)).toThrow(/did not return a revised prompt/);
    expect(() => readGeneratedRows('x'.repeat(MAX_AUTHOR_ANSWER_CHARS + 1))).toThrow(/more than 200,000/);
    const rows = readGeneratedRows(JSON.stringify({ rows: [{ vars: { q: '=HYPERLINK("http://x","y")', n: 42 }, expected: '<script>alert(1)</script>' }] }));
    expect(rows).toEqual([{ vars: { q: '=HYPERLINK("http://x","y")', n: '42' }, expected: '<script>alert(1)</script>' }]);
  });

  it('names what is wrong with a valid JSON of the wrong shape', () => {
    expect(() => readRevision('{"messages": [{"role": "tool", "content": "x"}], "reasons": []}')).toThrow(/in the form asked for \(messages\.0\.role: .*reasons: /);
    expect(() => readGeneratedRows('{"rows": [{"vars": {"bad name": "x"}}]}')).toThrow(/test cases in the form asked for/);
  });

  it('drops a suggested check it cannot read, with a note', () => {
    const read = readPromptDraft(JSON.stringify({ ...draft, checks: [{ type: 'regex' }, 'contains', { type: 'icontains', value: 'x' }] }));
    expect(read.checks.map((c) => c.type)).toEqual(['regex', 'icontains']);
    expect(read.notes).toEqual([expect.stringMatching(/^Suggested check 2 was left out/)]);
  });
});

describe('near-duplicates', () => {
  it('measures token Jaccard over lower-cased words of any script', () => {
    expect(jaccard(wordSet('The cat sat.'), wordSet('the CAT sat!'))).toBe(1);
    expect(jaccard(wordSet('a b c d'), wordSet('a b c e'))).toBeCloseTo(3 / 5);
    expect(wordSet('Доброе утро, мир')).toEqual(new Set(['доброе', 'утро', 'мир']));
  });

  it('drops rows at 0.9 or more against the table and within the batch, keeping the first', () => {
    const existing = [{ vars: { text: 'The quick brown fox jumps over the lazy dog' } }];
    const batch = [
      { vars: { text: 'the quick brown fox jumps over the lazy dog!' } },
      { vars: { text: 'A completely different sentence about tides' } },
      { vars: { text: 'a completely different sentence about tides' } },
      // One word changed in ten: Jaccard 9/11 < 0.9, kept.
      { vars: { text: 'A completely different sentence about moons' } },
    ];
    const { kept, dropped } = dropNearDuplicates(batch, existing);
    expect(dropped).toBe(2);
    expect(kept).toEqual([batch[1], batch[3]]);
  });

  it('tells rows apart by which variable holds a word', () => {
    const { kept } = dropNearDuplicates([{ vars: { a: 'x', b: 'y' } }, { vars: { a: 'y', b: 'x' } }], []);
    expect(kept).toHaveLength(2);
  });
});
