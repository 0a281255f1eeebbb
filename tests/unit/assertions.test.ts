import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from '../../src/main/assertions/json-schema';
import { sqlParser } from '../../src/main/assertions/sql-parser';
import { sandboxCodeRunner, sandboxRegexTester } from '../../src/main/sandbox/checks';
import { COMPARISON_TYPES, MODEL_GRADED_TYPES } from '../../src/shared/assertions/model-graded';
import {
  BASE_ASSERTION_TYPES,
  DEFAULT_RUBRIC_PROMPT,
  evaluateAssertion,
  evaluateAssertionAsync,
  extractJsonObjects,
  gradeOutput,
  gradingResult,
  parseAssertion,
  parseCommaList,
  parseRubricVerdict,
  rubricPrompt,
  type Assertion,
  type AssertionContext,
  type AssertionResult,
} from '../../src/shared/assertions';

const validateJsonSchema = createJsonSchemaValidator();

function ctx(output: string, extra: Partial<AssertionContext> = {}): AssertionContext {
  return { output, vars: {}, validateJsonSchema, testRegex: sandboxRegexTester, runCode: sandboxCodeRunner, ...extra };
}

function check(assertion: Assertion, context: AssertionContext): AssertionResult {
  return evaluateAssertion(assertion, context);
}

/**
 * One row per assertion type: an assertion, an output it passes on, and one it fails on.
 * Every row is also run in its not- form, which must flip both.
 */
interface Row {
  assertion: Assertion;
  passes: AssertionContext;
  fails: AssertionContext;
}

const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

const rows: Row[] = [
  { assertion: { type: 'equals', value: 'Paris' }, passes: ctx('Paris'), fails: ctx('paris') },
  { assertion: { type: 'contains', value: 'world' }, passes: ctx('hello world'), fails: ctx('hello World') },
  { assertion: { type: 'icontains', value: 'WORLD' }, passes: ctx('hello world'), fails: ctx('hello there') },
  { assertion: { type: 'contains-any', value: ['cat', 'dog'] }, passes: ctx('a dog'), fails: ctx('a bird') },
  { assertion: { type: 'contains-all', value: 'cat, dog' }, passes: ctx('cat and dog'), fails: ctx('cat only') },
  { assertion: { type: 'icontains-any', value: ['CAT', 'DOG'] }, passes: ctx('a Dog'), fails: ctx('a bird') },
  { assertion: { type: 'icontains-all', value: ['CAT', 'DOG'] }, passes: ctx('Cat and dog'), fails: ctx('cat only') },
  { assertion: { type: 'regex', value: '^\\d{3}-\\d{4}$' }, passes: ctx('555-1234'), fails: ctx('555-12345') },
  { assertion: { type: 'starts-with', value: 'Yes' }, passes: ctx('Yes, indeed'), fails: ctx('No. Yes') },
  { assertion: { type: 'is-json' }, passes: ctx('{"a": 1}'), fails: ctx('Here: {"a": 1}') },
  { assertion: { type: 'is-json', value: schema }, passes: ctx('{"name": "x"}'), fails: ctx('{"name": 3}') },
  { assertion: { type: 'contains-json' }, passes: ctx('Sure! ```json\n{"a": {"b": [1, 2]}}\n```'), fails: ctx('no json {here}') },
  { assertion: { type: 'contains-json', value: schema }, passes: ctx('first {"x": 1} then {"name": "y"}'), fails: ctx('only {"x": 1}') },
  { assertion: { type: 'is-valid-json-schema', value: JSON.stringify(schema) }, passes: ctx('{"name": "x"}'), fails: ctx('{}') },
  { assertion: { type: 'levenshtein', value: 'kitten', threshold: 3 }, passes: ctx('sitting'), fails: ctx('sitting!') },
  { assertion: { type: 'bleu', value: 'The cat sat on the mat.' }, passes: ctx('The dog sat on the mat.'), fails: ctx('Dogs run in the park.') },
  { assertion: { type: 'rouge-n', value: 'the cat sat on the mat' }, passes: ctx('the cat sat on a mat'), fails: ctx('the cat sat') },
  { assertion: { type: 'rouge-l', value: 'police killed the gunman' }, passes: ctx('police kill the gunman'), fails: ctx('the gunman kill police') },
  { assertion: { type: 'latency', threshold: 1000 }, passes: ctx('x', { latencyMs: 1000 }), fails: ctx('x', { latencyMs: 1001 }) },
  { assertion: { type: 'cost', threshold: 0.01 }, passes: ctx('x', { costUsd: 0.002 }), fails: ctx('x', { costUsd: 0.02 }) },
  { assertion: { type: 'javascript', value: 'output.length < 5' }, passes: ctx('four'), fails: ctx('a longer answer') },
  {
    assertion: { type: 'is-valid-openai-tools-call' },
    passes: ctx('', { tools: [{ name: 'f', parameters: schema }], toolCalls: [{ id: '1', name: 'f', arguments: '{"name":"x"}' }] }),
    fails: ctx('', { tools: [{ name: 'f', parameters: schema }], toolCalls: [{ id: '1', name: 'f', arguments: '{}' }] }),
  },
  { assertion: { type: 'word-count', value: 3 }, passes: ctx(' one  two\nthree '), fails: ctx('one two') },
  { assertion: { type: 'word-count', value: { min: 2, max: 3 } }, passes: ctx('one two'), fails: ctx('one two three four') },
  { assertion: { type: 'finish-reason', value: 'STOP' }, passes: ctx('x', { finishReason: 'stop' }), fails: ctx('x', { finishReason: 'length' }) },
  { assertion: { type: 'is-xml', value: 'a.b' }, passes: ctx('<a><b>1</b></a>'), fails: ctx('<a><b>1</a>') },
  { assertion: { type: 'contains-xml', value: 'a.b' }, passes: ctx('See <a><b>1</b></a>.'), fails: ctx('See <a><c>1</c></a>.') },
  { assertion: { type: 'is-sql' }, passes: ctx('SELECT 1', { sqlParser }), fails: ctx('SELEKT 1', { sqlParser }) },
  { assertion: { type: 'contains-sql' }, passes: ctx('```sql\nSELECT a FROM t\n```', { sqlParser }), fails: ctx('no query', { sqlParser }) },
  { assertion: { type: 'tool-call', value: { name: 'f', arguments: { name: 'x' } } }, passes: ctx('', { toolCalls: [{ id: '1', name: 'f', arguments: '{"name":"x","n":1}' }] }), fails: ctx('', { toolCalls: [{ id: '1', name: 'g', arguments: '{"name":"x"}' }] }) },
];

describe('every assertion type passes, fails, and flips in its not- form', () => {
  it.each(rows.map((r) => [`${r.assertion.type}${r.assertion.value === undefined ? '' : ' (value)'}`, r] as const))('%s', (_name, row) => {
    const pass = check(row.assertion, row.passes);
    const fail = check(row.assertion, row.fails);
    expect(pass.pass, pass.reason).toBe(true);
    expect(pass.score).toBeGreaterThan(0);
    expect(fail.pass, fail.reason).toBe(false);
    expect(fail.reason).not.toBe('Assertion passed');
    expect(pass.assertion).toBe(row.assertion);

    const inverse = { ...row.assertion, type: `not-${row.assertion.type}` } as Assertion;
    expect(check(inverse, row.passes).pass).toBe(false);
    expect(check(inverse, row.fails).pass).toBe(true);
  });

  it('covers every listed type except llm-rubric (tested with a judge below), contains-pii (tests/unit/pii-mask.test.ts), assert-set and the perplexity ones (tests/unit/promptfoo-checks.test.ts) and the model-graded ones (tests/unit/model-graded.test.ts)', () => {
    const covered = new Set(rows.map((r) => r.assertion.type));
    const graded = new Set<string>([...MODEL_GRADED_TYPES, ...COMPARISON_TYPES]);
    expect(BASE_ASSERTION_TYPES.filter((t) => !covered.has(t) && !graded.has(t))).toEqual(['llm-rubric', 'perplexity', 'perplexity-score', 'contains-pii', 'assert-set']);
  });
});

describe('javascript checks and transforms (promptfoo semantics, run in the sandbox)', () => {
  it('reads one line as an expression, declarations then an expression, and several lines as a body', () => {
    expect(check({ type: 'javascript', value: 'output.includes(context.vars.city)' }, ctx('Paris!', { vars: { city: 'Paris' } })).pass).toBe(true);
    expect(check({ type: 'javascript', value: 'const s = JSON.parse(output).score; s > 0.5' }, ctx('{"score": 0.7}')).pass).toBe(true);
    expect(check({ type: 'javascript', value: 'const s = output; s === "a;b"' }, ctx('a;b')).pass).toBe(true);
    expect(check({ type: 'javascript', value: 'const n = output.length;\nreturn n === 3;\n' }, ctx('abc')).pass).toBe(true);
  });

  it('scores a number against the threshold (else > 0) and reads a grading object', () => {
    expect(check({ type: 'javascript', value: '0.4', threshold: 0.5 }, ctx('x'))).toMatchObject({ pass: false, score: 0.4 });
    expect(check({ type: 'javascript', value: '0.4' }, ctx('x'))).toMatchObject({ pass: true, score: 0.4 });
    expect(check({ type: 'javascript', value: '({ pass: false, score: 0.2, reason: "too short" })' }, ctx('x'))).toMatchObject({ pass: false, score: 0.2, reason: 'too short' });
    expect(check({ type: 'not-javascript', value: '({ pass: false, score: 0.2, reason: "too short" })' }, ctx('x')).pass).toBe(true);
  });

  it('fails with the reason when the code throws, returns nonsense, or never ends', () => {
    expect(check({ type: 'javascript', value: 'JSON.parse(output)' }, ctx('not json')).reason).toMatch(/^Custom function threw error: unexpected token/);
    expect(check({ type: 'javascript', value: '"yes"' }, ctx('x')).reason).toMatch(/must return a boolean, a finite number, or a GradingResult/);
    expect(check({ type: 'javascript', value: 'Infinity' }, ctx('x')).reason).toMatch(/not finite/);
    const loop = check({ type: 'javascript', value: '(() => { while (true) {} })()' }, ctx('x'));
    expect(loop.pass).toBe(false);
    expect(loop.reason).toMatch(/time budget/);
    // A second time out within a minute, and the third answer is not run at all.
    const endless: Assertion = { type: 'javascript', value: '(() => { for (;;) {} })() // strikes' };
    expect(check(endless, ctx('a')).reason).toMatch(/time budget/);
    expect(check(endless, ctx('b')).reason).toMatch(/time budget/);
    const started = performance.now();
    expect(check(endless, ctx('c')).reason).toMatch(/not run again for a minute/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('gives the code no way to this machine', () => {
    const probe = 'typeof process + typeof require + typeof fetch + typeof setTimeout + typeof XMLHttpRequest === "undefinedundefinedundefinedundefinedundefined"';
    expect(check({ type: 'javascript', value: probe }, ctx('x')).pass).toBe(true);
    expect(check({ type: 'javascript', value: 'this.constructor.constructor("return process")().env' }, ctx('x')).reason).toMatch(/threw error/);
  });

  it('applies an assertion-level transform to the output that check sees', () => {
    expect(check({ type: 'equals', value: 'PARIS', transform: 'output.toUpperCase()' }, ctx('paris')).pass).toBe(true);
    expect(check({ type: 'equals', value: '3', transform: 'JSON.parse(output).n' }, ctx('{"n": 3}')).pass).toBe(true);
    expect(check({ type: 'contains', value: 'x', transform: 'undefined' }, ctx('x')).reason).toMatch(/did not return a value/);
  });

  it('refuses python checks with a reason instead of running them', () => {
    const parsed = parseAssertion({ type: 'python', value: 'import os; os.system("id")' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/python checks are not supported/);
  });

  it('stops a regex that backtracks without end, and the next check still runs', () => {
    const started = performance.now();
    const slow = check({ type: 'regex', value: '^(a+)+$' }, ctx(`${'a'.repeat(40)}!`));
    expect(slow.pass).toBe(false);
    expect(slow.reason).toMatch(/time budget/);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(check({ type: 'regex', value: '^a+$' }, ctx('aaa')).pass).toBe(true);
    expect(check({ type: 'regex', value: '(?<=x)y' }, ctx('xy')).pass).toBe(true);
  });
});

describe('assertion details', () => {
  it('scores metric assertions with the metric, and the not- form with 1 - score', () => {
    const a: Assertion = { type: 'bleu', value: 'The cat sat on the mat.' };
    const r = check(a, ctx('The dog sat on the mat.'));
    expect(r.score).toBeCloseTo(0.537284965911771, 12); // (1/12) ** 0.25, see text-metrics.test.ts
    expect(r.reason).toBe('BLEU 0.5373 is at or above the threshold 0.5');
    expect(check({ ...a, type: 'not-bleu' }, ctx('The dog sat on the mat.')).score).toBeCloseTo(1 - 0.537284965911771, 12);
    expect(check({ ...a, threshold: 0.8 }, ctx('The dog sat on the mat.')).pass).toBe(false);
  });

  it('uses the default thresholds promptfoo uses (levenshtein 5, bleu 0.5, rouge 0.75)', () => {
    expect(check({ type: 'levenshtein', value: 'abcdef' }, ctx('abcdefghijk')).pass).toBe(true); // 5
    expect(check({ type: 'levenshtein', value: 'abcdef' }, ctx('abcdefghijkl')).pass).toBe(false); // 6
    // 3 of 4 reference words: 0.75 passes at the default.
    expect(check({ type: 'rouge-n', value: 'a b c d' }, ctx('a b c')).pass).toBe(true);
    expect(check({ type: 'rouge-n', value: 'a b c d' }, ctx('a b')).pass).toBe(false);
  });

  it("compares against the test's expected answer when there is no value", () => {
    const expected = 'The cat sat on the mat.';
    expect(check({ type: 'equals' }, ctx(expected, { expected })).pass).toBe(true);
    expect(check({ type: 'rouge-l' }, ctx('police kill the gunman', { expected: 'police killed the gunman' })).score).toBeCloseTo(0.75, 12);
    const none = check({ type: 'bleu' }, ctx('x'));
    expect(none.pass).toBe(false);
    expect(none.reason).toMatch(/needs a reference/);
  });

  it('accepts several references for bleu and takes the best', () => {
    expect(check({ type: 'bleu', value: ['nothing alike here', 'The cat sat on mat.'] }, ctx('The cat sat on mat.')).score).toBeCloseTo(1, 12);
  });

  it('equals with an object value compares the output as JSON', () => {
    const a: Assertion = { type: 'equals', value: { a: 1, b: [true, null] } };
    expect(check(a, ctx('{"b": [true, null], "a": 1}')).pass).toBe(true);
    expect(check(a, ctx('{"a": 1}')).pass).toBe(false);
    expect(check(a, ctx('not json')).pass).toBe(false);
    expect(check({ ...a, type: 'not-equals' }, ctx('not json')).pass).toBe(true);
    expect(check({ type: 'equals', value: 42 }, ctx('42')).pass).toBe(true);
  });

  it('reads contains-any strings the way promptfoo does (quoted items keep commas)', () => {
    expect(parseCommaList('a, "b, c" ,, d')).toEqual({ ok: true, items: ['a', 'b, c', 'd'] });
    expect(parseCommaList('"say ""hi"""')).toEqual({ ok: true, items: ['say "hi"'] });
    expect(parseCommaList('"open')).toMatchObject({ ok: false });
    expect(check({ type: 'contains-any', value: '"b, c", z' }, ctx('a b, c')).pass).toBe(true);
  });

  it('renders {{ var }} in values through the caller', () => {
    const vars = { city: 'Paris' };
    const renderValue = (s: string) => s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) => String(vars[k as keyof typeof vars] ?? ''));
    expect(check({ type: 'contains', value: '{{ city }}' }, ctx('I love Paris', { vars, renderValue })).pass).toBe(true);
    expect(check({ type: 'contains-all', value: ['{{city}}', 'love'] }, ctx('I love Paris', { vars, renderValue })).pass).toBe(true);
  });

  it('fails a malformed assertion with a reason instead of throwing, in both forms', () => {
    const cases: Array<[Assertion, RegExp]> = [
      [{ type: 'contains' }, /needs a string or number value/],
      [{ type: 'contains-any', value: 3 }, /needs a list of strings/],
      [{ type: 'regex', value: '(' }, /Invalid regex pattern/],
      [{ type: 'latency', threshold: 10 }, /No latency was recorded/],
      [{ type: 'cost' }, /needs a threshold/],
      [{ type: 'is-valid-json-schema' }, /needs a JSON schema/],
      [{ type: 'is-json', value: 'type: [' }, /Invalid JSON schema/],
      [{ type: 'is-json', value: [1, 2] }, /Invalid JSON schema/],
    ];
    for (const [assertion, reason] of cases) {
      const context = ctx('{"a": 1}', { costUsd: 1 });
      expect(check(assertion, context)).toMatchObject({ pass: false, score: 0 });
      expect(check(assertion, context).reason).toMatch(reason);
      const inverse = { ...assertion, type: `not-${assertion.type}` } as Assertion;
      expect(check(inverse, context).pass).toBe(false);
    }
  });

  it('reads a YAML schema string, and needs an injected validator for schemas', () => {
    const yamlSchema = 'type: object\nrequired: [name]';
    expect(check({ type: 'is-json', value: yamlSchema }, ctx('{"name": 1}')).pass).toBe(true);
    expect(check({ type: 'is-json', value: yamlSchema }, ctx('{"nom": 1}')).reason).toMatch(/must have required property 'name'/);
    const noValidator = evaluateAssertion({ type: 'is-json', value: schema }, { output: '{"name": "x"}', vars: {} });
    expect(noValidator.pass).toBe(false);
    expect(noValidator.reason).toMatch(/no schema validator/);
    // Without a schema no validator is needed.
    expect(evaluateAssertion({ type: 'is-json' }, { output: '[1, 2]', vars: {} }).pass).toBe(true);
  });

  it('finds JSON objects in prose and fences, skipping braces that are not JSON', () => {
    expect(extractJsonObjects('x {name} y {"a": "}"} z {"b": {"c": 1}}')).toEqual([{ a: '}' }, { b: { c: 1 } }]);
    expect(extractJsonObjects('[1, 2, 3]')).toEqual([]);
  });
});

describe('parseAssertion (zod schema for promptfoo YAML assertions)', () => {
  it('accepts promptfoo-shaped assertions and drops keys it does not check', () => {
    const parsed = parseAssertion({ type: 'not-icontains-any', value: ['a', 'b'], weight: 2, metric: 'tone', provider: 'openai:gpt-4o' });
    expect(parsed).toEqual({ ok: true, assertion: { type: 'not-icontains-any', value: ['a', 'b'], weight: 2, metric: 'tone' } });
  });

  it('says what is wrong with a bad one', () => {
    const unknown = parseAssertion({ type: 'classifier', value: 'x' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatch(/"classifier" is not an assertion type Parallax checks/);
    const badWeight = parseAssertion({ type: 'contains', value: 'x', weight: -1 });
    expect(badWeight.ok).toBe(false);
    if (!badWeight.ok) expect(badWeight.error).toMatch(/^weight: /);
  });
});

describe('gradingResult (promptfoo gradingResult shape)', () => {
  const make = (pass: boolean, score: number, assertion: Partial<Assertion> = {}): AssertionResult => ({
    pass,
    score,
    reason: pass ? 'Assertion passed' : `failed ${score}`,
    assertion: { type: 'contains', value: 'x', ...assertion },
  });

  it('averages by weight and passes only when every assertion passed', () => {
    const g = gradingResult([make(true, 1, { weight: 3, metric: 'acc' }), make(false, 0, { metric: 'acc' }), make(true, 0.5)]);
    expect(g.score).toBeCloseTo((3 * 1 + 0 + 0.5) / 5, 15);
    expect(g.pass).toBe(false);
    expect(g.reason).toBe('failed 0');
    expect(g.namedScores).toEqual({ acc: 0.75 });
    expect(g.componentResults).toHaveLength(3);
  });

  it('lets a test threshold decide instead', () => {
    const results = [make(true, 1), make(false, 0), make(true, 1)];
    expect(gradingResult(results, { threshold: 0.6 })).toMatchObject({ pass: true, reason: 'Aggregate score 0.67 ≥ 0.6 threshold' });
    expect(gradingResult(results, { threshold: 0.7 })).toMatchObject({ pass: false, reason: 'Aggregate score 0.67 < 0.7 threshold' });
  });

  it('passes with no assertions and says so', () => {
    expect(gradingResult([])).toMatchObject({ pass: true, score: 1, reason: 'No assertions', componentResults: [] });
  });
});

describe('llm-rubric', () => {
  it('builds the judge prompt once, without re-reading the output as a template', () => {
    const messages = rubricPrompt('Is polite', 'Thanks! {{ rubric }}');
    expect(messages).toHaveLength(DEFAULT_RUBRIC_PROMPT.length);
    expect(messages[0]?.role).toBe('system');
    expect(messages[1]?.content).toBe('<Output>\nThanks! {{ rubric }}\n</Output>\n<Rubric>\nIs polite\n</Rubric>');
    const custom = rubricPrompt('r', 'o', [{ role: 'user', content: 'Grade {{output}} by {{ rubric }}.' }]);
    expect(custom).toEqual([{ role: 'user', content: 'Grade o by r.' }]);
  });

  it('reads verdicts with code fences, prose, strings for numbers and missing fields', () => {
    expect(parseRubricVerdict('```json\n{"reason": "ok", "pass": true, "score": 0.9}\n```')).toEqual({ ok: true, verdict: { pass: true, score: 0.9, reason: 'ok' } });
    expect(parseRubricVerdict('Thinking {maybe}. Verdict: {"pass": "false", "score": "0.2", "reason": "rude"}')).toEqual({
      ok: true,
      verdict: { pass: false, score: 0.2, reason: 'rude' },
    });
    expect(parseRubricVerdict('{"pass": true}')).toEqual({ ok: true, verdict: { pass: true, score: 1, reason: '' } });
    expect(parseRubricVerdict('{"score": 0.3}')).toMatchObject({ ok: true, verdict: { pass: false, score: 0.3 } });
    expect(parseRubricVerdict('{"score": 7}')).toMatchObject({ ok: true, verdict: { score: 1 } });
    const bad = parseRubricVerdict('I think it passes.');
    expect(bad.ok).toBe(false);
  });

  it('is marked needsJudge when evaluated synchronously or without a judge', async () => {
    const a: Assertion = { type: 'llm-rubric', value: 'Is polite' };
    expect(evaluateAssertion(a, ctx('hi'))).toMatchObject({ pass: false, needsJudge: true });
    expect(await evaluateAssertionAsync(a, ctx('hi'))).toMatchObject({ pass: false, needsJudge: true });
  });

  it('grades with an injected judge: pass, fail, threshold and the not- form', async () => {
    const judgeSaying = (answer: string) => async () => answer;
    const polite: Assertion = { type: 'llm-rubric', value: 'Is polite' };
    const yes = judgeSaying('{"pass": true, "score": 0.8, "reason": "says please"}');
    const no = judgeSaying('{"pass": false, "score": 0.1, "reason": "rude"}');
    expect(await evaluateAssertionAsync(polite, ctx('please'), { judge: yes })).toMatchObject({ pass: true, score: 0.8, reason: 'says please' });
    expect(await evaluateAssertionAsync(polite, ctx('go away'), { judge: no })).toMatchObject({ pass: false, score: 0.1, reason: 'rude' });
    expect(await evaluateAssertionAsync({ ...polite, threshold: 0.9 }, ctx('please'), { judge: yes })).toMatchObject({ pass: false });
    const inverse: Assertion = { ...polite, type: 'not-llm-rubric' };
    expect(await evaluateAssertionAsync(inverse, ctx('go away'), { judge: no })).toMatchObject({ pass: true });
    expect((await evaluateAssertionAsync(inverse, ctx('go away'), { judge: no })).score).toBeCloseTo(0.9, 15);
    expect(await evaluateAssertionAsync(inverse, ctx('please'), { judge: yes })).toMatchObject({ pass: false });
  });

  it('sends the rubric prompt to the judge and reports a failed call', async () => {
    let seen = '';
    const judge = async (messages: { content: string }[]) => {
      seen = messages.map((m) => m.content).join('\n');
      return '{"pass": true, "score": 1, "reason": "fine"}';
    };
    await evaluateAssertionAsync({ type: 'llm-rubric', value: 'Mentions Paris' }, ctx('Paris is nice'), { judge });
    expect(seen).toContain('<Output>\nParis is nice\n</Output>');
    expect(seen).toContain('<Rubric>\nMentions Paris\n</Rubric>');
    const broken = await evaluateAssertionAsync({ type: 'llm-rubric', value: 'x' }, ctx('y'), {
      judge: async () => {
        throw new Error('429 Too Many Requests');
      },
    });
    expect(broken).toMatchObject({ pass: false, score: 0, reason: 'The judge model failed: 429 Too Many Requests' });
  });

  it('gradeOutput runs a mixed list and aggregates it', async () => {
    const g = await gradeOutput(
      [
        { type: 'contains', value: 'Paris' },
        { type: 'llm-rubric', value: 'Is correct', weight: 2 },
      ],
      ctx('Paris'),
      { judge: async () => '{"pass": true, "score": 0.5, "reason": "partly"}' },
    );
    expect(g.pass).toBe(true);
    expect(g.score).toBeCloseTo((1 + 2 * 0.5) / 3, 15);
    expect(g.componentResults.map((r) => r.assertion.type)).toEqual(['contains', 'llm-rubric']);
  });
});
