import { describe, expect, it } from 'vitest';
import { bleu, lcsPositions, levenshtein, rougeL, rougeN, splitSentences, treebankTokenize } from '../../src/shared/assertions/text-metrics';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    // Textbook cases: kitten -> sitting (k->s, e->i, +g) = 3; flaw -> lawn (-f, +n) = 2.
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('sitting', 'kitten')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    // UTF-16 code units, like fastest-levenshtein: an astral emoji is two units.
    expect(levenshtein('a😀', 'a')).toBe(2);
  });
});

describe('bleu (promptfoo calculateBleuScore tokenisation and smoothing)', () => {
  // Cases from promptfoo/promptfoo test/assertions/bleu.test.ts, with exact values worked by hand.
  it('scores an identical sentence 1', () => {
    expect(bleu('The cat sat on the mat.', ['The cat sat on the mat.'])).toBeCloseTo(1, 12);
  });

  it('scores a one-word change from the clipped n-gram precisions', () => {
    // Tokens (lower-cased, split on spaces): the dog sat on the mat. / the cat sat on the mat.
    // 1-grams 5/6, 2-grams 3/5 (sat on, on the, the mat.), 3-grams 2/4, 4-grams 1/3; BP = 1.
    // BLEU = (5/6 * 3/5 * 2/4 * 1/3) ** (1/4) = (1/12) ** 0.25 = 0.537284965911771
    expect(bleu('The dog sat on the mat.', ['The cat sat on the mat.'])).toBeCloseTo(0.537284965911771, 12);
  });

  it('smooths a zero precision to 1e-7 and applies the brevity penalty', () => {
    // dogs run in the park. vs the cat sat on the mat.: 1-grams 1/5 ("the", clipped once),
    // 2/3/4-grams 0 -> 1e-7; c = 5 < r = 6, so BP = exp(1 - 6/5).
    // exp(-0.2) * exp(0.25 * (ln 0.2 + 3 ln 1e-7)) = 3.0789214024300105e-06
    expect(bleu('Dogs run in the park.', ['The cat sat on the mat.'])).toBeCloseTo(3.0789214024300105e-6, 18);
    // A one-word sentence has no 2-, 3- or 4-grams: promptfoo 0.121 leaves those orders out
    // and weighs the 1-grams alone (1 ** 1), so a one-word match scores 1, not 1e-7 ** 0.75.
    expect(bleu('cat', ['cat'])).toBe(1);
    // Two words: 1-grams 2/2 and 2-grams 1/1, each weighed 1/2; BP = exp(1 - 6/2).
    expect(bleu('the cat', ['the cat sat on the mat'])).toBeCloseTo(Math.exp(1 - 3), 15);
    // 1-grams 2/2, 2-grams 0/1 -> 1e-7: sqrt(1e-7); BP = 1 (c = r = 2).
    expect(bleu('cat the', ['the cat'])).toBeCloseTo(Math.sqrt(1e-7), 18);
  });

  it('takes the shorter reference length when two are as close (promptfoo 0.121)', () => {
    // c = 3; references of 2 and 4 words are both 1 away. Every n-gram is in "a b c d", so the
    // score is the brevity penalty: r = 2 < c gives 1 (r = 4 would give exp(1 - 4/3)), in either order.
    expect(bleu('a b c', ['a b', 'a b c d'])).toBe(1);
    expect(bleu('a b c', ['a b c d', 'a b'])).toBe(1);
  });

  it('uses the best reference and the closest reference length', () => {
    expect(bleu('The cat sat on mat.', ['The cat sat on mat.', 'Cat mat.', 'A cat is sitting on a mat.'])).toBeCloseTo(1, 12);
    expect(bleu('The small cat sat.', ['The small cat sat.', 'A cat was sitting.', 'The cat is on the mat.'])).toBeCloseTo(1, 12);
    const multi = bleu('The cat was sitting on the mat.', ['The cat sat on the mat.', 'There is a cat on the mat.', 'A cat is sitting on the mat.']);
    expect(multi).toBeGreaterThan(0.25);
    expect(multi).toBeLessThan(1);
  });

  it('is case-insensitive and gives 0 for empty input', () => {
    expect(bleu('THE CAT SAT ON THE MAT', ['the cat sat on the mat'])).toBeCloseTo(1, 12);
    expect(bleu('', ['x'])).toBe(0);
    expect(bleu('x', [])).toBe(0);
  });
});

describe('treebankTokenize (cases from promptfoo/js-rouge test/tests.ts)', () => {
  it('splits contractions, punctuation, symbols and quotes like js-rouge', () => {
    expect(treebankTokenize("They'll save and invest more.")).toEqual(['They', "'ll", 'save', 'and', 'invest', 'more', '.']);
    expect(treebankTokenize("hi, my name can't hello,")).toEqual(['hi', ',', 'my', 'name', 'ca', "n't", 'hello', ',']);
    expect(treebankTokenize('Good muffins cost $3.88 in New York.')).toEqual(['Good', 'muffins', 'cost', '$', '3.88', 'in', 'New', 'York', '.']);
    expect(treebankTokenize('"We beat some pretty good teams to get here," Slocum said.')).toEqual([
      '``', 'We', 'beat', 'some', 'pretty', 'good', 'teams', 'to', 'get', 'here', ',', "''", 'Slocum', 'said', '.',
    ]);
    expect(treebankTokenize('')).toEqual([]);
  });
});

describe('splitSentences', () => {
  it('breaks after terminal punctuation before a capital, and at line breaks', () => {
    expect(splitSentences('Hello World. My name is Jonas.')).toEqual(['Hello World.', 'My name is Jonas.']);
    expect(splitSentences('What is your name? My name is Jonas.')).toEqual(['What is your name?', 'My name is Jonas.']);
    expect(splitSentences('She has $100.00 in her bag.')).toEqual(['She has $100.00 in her bag.']);
    expect(splitSentences('features\ncontact manager\n')).toEqual(['features', 'contact manager']);
  });
});

describe('rougeN (promptfoo 0.121: F1 of clipped counts)', () => {
  it('scores as promptfoo recorded it', () => {
    // tests/fixtures/promptfoo/checks-basic: 7 shared tokens of 10 (candidate) and 7 (reference): 2·0.7·1/1.7.
    expect(rougeN('you said: paris is the capital of france.', 'paris is the capital of france.')).toBeCloseTo(0.8235294, 6);
    expect(1 - rougeN('you said: paris is the capital of france.', 'berlin is the capital of germany.')).toBeCloseTo(0.4117647, 6);
  });

  it('gives a perfect match 1 even with repeated words, and counts a repeat only as often as both have it', () => {
    expect(rougeN('the cat sat on the mat', 'the cat sat on the mat')).toBe(1);
    // Candidate "the the the" against "the cat": overlap min(3, 1) = 1; P = 1/3, R = 1/2.
    expect(rougeN('the the the', 'the cat')).toBeCloseTo((2 * (1 / 3) * (1 / 2)) / (1 / 3 + 1 / 2), 12);
  });

  it('is case-sensitive unless told, and 0 for nothing in common or too little text', () => {
    expect(rougeN('Hello World', 'hello world')).toBe(0);
    expect(rougeN('Hello World', 'hello world', 1, { caseSensitive: false })).toBe(1);
    expect(rougeN('', 'x')).toBe(0);
    expect(rougeN('one', 'one two', 2)).toBe(0);
  });
});

describe('rougeL', () => {
  // promptfoo/js-rouge test/tests.ts, "ROUGE-L" with beta 1 (these are Lin 2004's examples).
  const ref = 'police killed the gunman';
  it('matches js-rouge on its published cases', () => {
    expect(rougeL('police kill the gunman', ref, { beta: 1 })).toBe(3 / 4);
    expect(rougeL('the gunman kill police', ref, { beta: 1 })).toBe(1 / 2);
    expect(rougeL('the gunman police killed', ref, { beta: 1 })).toBe(2 / 4);
    expect(rougeL('Hello World', 'hello world', { beta: 1 })).toBe(0);
    expect(rougeL('Hello World', 'hello world', { beta: 1, caseSensitive: false })).toBe(1);
  });

  it('weighs recall with beta = 2 by default, as promptfoo (js-rouge beta 0.5, arguments swapped)', () => {
    // LCS 4; R = 4/4, P = 4/5; F = 5 * P * R / (4 * P + R) = 4 / 4.2 = 0.9523809523809523
    // js-rouge: fMeasure(p = 4/4, r = 4/5, 0.5) = 1.25 * 1 * 0.8 / (0.25 * 1 + 0.8), the same.
    expect(rougeL('police killed the gunman yesterday', ref)).toBeCloseTo(0.9523809523809523, 15);
  });

  it('uses the union LCS over candidate sentences (Lin 2004, section 3.2)', () => {
    // r = w1 w2 w3 w4 w5; c1 = w1 w2 w6 w7 w8, c2 = w1 w3 w8 w9 w5. Union LCS = w1 w2 w3 w5 = 4,
    // so R = 4/5, P = 4/10 and F(beta 1) = 2 * 0.4 * 0.8 / 1.2 = 0.5333...
    const candidate = 'w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5';
    expect(rougeL(candidate, 'w1 w2 w3 w4 w5', { beta: 1 })).toBeCloseTo(0.64 / 1.2, 15);
    expect(lcsPositions(['w1', 'w3', 'w8', 'w9', 'w5'], ['w1', 'w2', 'w3', 'w4', 'w5'])).toEqual([0, 2, 4]);
  });
});
