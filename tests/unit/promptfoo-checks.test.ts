/**
 * The promptfoo checks that need no model, with promptfoo 0.121's semantics: assert-set,
 * weight and metric, test thresholds, word-count, finish-reason, javascript results, and the
 * types Parallax refuses with a reason. The same cases run end to end against promptfoo's own
 * results in tests/fixtures/promptfoo/checks-* (tests/integration/promptfoo-parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from '../../src/main/assertions/json-schema';
import { sandboxCodeRunner, sandboxRegexTester } from '../../src/main/sandbox/checks';
import { countWords, evaluateAssertion, flattenResults, gradeOutput, gradingResult, parseAssertion, type Assertion, type AssertionContext, type AssertionResult } from '../../src/shared/assertions';
import { formatIssue, parseConfig } from '../../src/shared/promptfoo/config';
import { exportExperimentYaml, parseExperimentYaml } from '../../src/shared/promptfoo/experiment';

const validateJsonSchema = createJsonSchemaValidator();

function ctx(output: string, extra: Partial<AssertionContext> = {}): AssertionContext {
  return { output, vars: {}, validateJsonSchema, testRegex: sandboxRegexTester, runCode: sandboxCodeRunner, ...extra };
}

const withVars = (output: string, vars: Record<string, unknown>): AssertionContext => ({
  ...ctx(output, { vars }),
  // The caller's template engine: enough of it for {{ name }}.
  renderValue: (text) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => String(vars[name] ?? '')),
});

function parsed(input: unknown): Assertion {
  const result = parseAssertion(input);
  if (!result.ok) throw new Error(result.error);
  return result.assertion;
}

describe('assert-set', () => {
  const set = (extra: Partial<Assertion> = {}): Assertion =>
    parsed({
      type: 'assert-set',
      assert: [
        { type: 'contains', value: 'cats' },
        { type: 'contains', value: 'dogs' },
      ],
      ...extra,
    });

  it('fails when one of its checks fails, and scores their weighted mean', () => {
    const result = evaluateAssertion(set(), ctx('cats only'));
    expect(result).toMatchObject({ pass: false, score: 0.5 });
    expect(result.componentResults?.map((r) => r.pass)).toEqual([true, false]);
  });

  it('passes at its own threshold, whatever its checks said', () => {
    expect(evaluateAssertion(set({ threshold: 0.5 }), ctx('cats only'))).toMatchObject({ pass: true, score: 0.5, reason: 'Aggregate score 0.50 ≥ 0.5 threshold' });
    expect(evaluateAssertion(set({ threshold: 0.6 }), ctx('cats only'))).toMatchObject({ pass: false, reason: 'Aggregate score 0.50 < 0.6 threshold' });
  });

  it('weighs its checks inside it, and counts as one check of its weight in the test', async () => {
    const weighted = parsed({ type: 'assert-set', weight: 2, assert: [{ type: 'contains', value: 'birds', weight: 2 }, { type: 'not-contains', value: 'birds' }] });
    const equals = parsed({ type: 'equals', value: 'birds' });
    const grading = await gradeOutput([weighted, equals], ctx('birds'));
    // The set: (1·2 + 0·1) / 3; the test: (2/3 · 2 + 1 · 1) / 3 = 7/9 (promptfoo's 0.777778 in checks-sets).
    expect(grading.componentResults[0]?.score).toBeCloseTo(2 / 3, 12);
    expect(grading.score).toBeCloseTo(7 / 9, 12);
    expect(grading.pass).toBe(false);
    // promptfoo lists the set, then its checks.
    expect(flattenResults(grading.componentResults).map((r) => r.assertion.type)).toEqual(['assert-set', 'contains', 'not-contains', 'equals']);
  });

  it('reports the set\'s failure last, as promptfoo adds set results after the plain checks', async () => {
    const grading = await gradeOutput([set(), parsed({ type: 'contains', value: 'zebra' })], ctx('cats'));
    expect(grading.reason).toBe('Expected output to contain "dogs"');
  });

  it('renders metric names with the row\'s variables and carries its checks\' metrics into the test\'s', async () => {
    const metered = parsed({
      type: 'assert-set',
      metric: '{{topic}} facts',
      weight: 2,
      assert: [
        { type: 'contains', value: 'cats', metric: 'found' },
        { type: 'contains', value: 'dogs', metric: 'found' },
      ],
    });
    const grading = await gradeOutput([metered, parsed({ type: 'contains', value: 'cats', metric: 'found' })], withVars('cats', { topic: 'cat' }));
    expect(grading.namedScores['cat facts']).toBeCloseTo(0.5, 12);
    // "found": 0.5 from the set (weight 2 × its 2 checks) and 1 from the plain check (weight 1): (0.5·4 + 1) / 5.
    expect(grading.namedScores['found']).toBeCloseTo(0.6, 12);
  });

  it('is refused nested, in a not- form, or empty (promptfoo cannot run those)', () => {
    expect(parseAssertion({ type: 'assert-set', assert: [{ type: 'assert-set', assert: [{ type: 'contains', value: 'x' }] }] })).toMatchObject({ ok: false, error: expect.stringMatching(/cannot hold another assert-set/) });
    expect(parseAssertion({ type: 'not-assert-set', assert: [{ type: 'contains', value: 'x' }] })).toMatchObject({ ok: false, error: expect.stringMatching(/no not- form/) });
    expect(parseAssertion({ type: 'assert-set' })).toMatchObject({ ok: false, error: expect.stringMatching(/needs its checks/) });
    expect(parseAssertion({ type: 'assert-set', assert: [] })).toMatchObject({ ok: false });
  });
});

describe('weight, metric and the test threshold', () => {
  const make = (pass: boolean, score: number, extra: Partial<Assertion> = {}): AssertionResult => ({ pass, score, reason: pass ? 'ok' : 'no', assertion: { type: 'contains', value: 'x', ...extra } });

  it('passes a check of weight 0 whatever it found, and leaves it out of the score', async () => {
    const quiet = parsed({ type: 'icontains', value: 'nothing here', weight: 0 });
    expect(evaluateAssertion(quiet, ctx('cats'))).toMatchObject({ pass: true, score: 0 });
    const grading = await gradeOutput([parsed({ type: 'contains', value: 'cats' }), quiet], ctx('cats'));
    expect(grading).toMatchObject({ pass: true, score: 1 });
  });

  it('scores 0 when every weight is 0 (promptfoo divides by nothing as 0)', () => {
    expect(gradingResult([make(true, 1, { weight: 0 })])).toMatchObject({ pass: true, score: 0 });
  });

  it('honours a threshold of 0, and ignores NaN', () => {
    expect(gradingResult([make(false, 0)], { threshold: 0 })).toMatchObject({ pass: true, reason: 'Aggregate score 0.00 ≥ 0 threshold' });
    expect(gradingResult([make(false, 0)], { threshold: Number.NaN })).toMatchObject({ pass: false, reason: 'no' });
  });

  it('weighs scores: 3 to 1 gives 0.75, below a 0.9 threshold', () => {
    const g = gradingResult([make(true, 1, { weight: 3 }), make(false, 0)], { threshold: 0.9 });
    expect(g).toMatchObject({ pass: false, score: 0.75 });
  });
});

describe('word-count (promptfoo: runs of non-whitespace)', () => {
  it('counts as promptfoo does', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   ')).toBe(0);
    expect(countWords(' one\ttwo\n\nthree ')).toBe(3);
    expect(countWords('a—b c-d')).toBe(2);
  });

  it('reads an exact count (a number or a numeric string) and { min }, { max }, { min, max }, ends included', () => {
    const seven = ctx('You said: Write three words about rain');
    expect(evaluateAssertion({ type: 'word-count', value: 7 }, seven).pass).toBe(true);
    expect(evaluateAssertion({ type: 'word-count', value: '7' }, seven).pass).toBe(true);
    expect(evaluateAssertion({ type: 'word-count', value: { min: 7 } }, seven).pass).toBe(true);
    expect(evaluateAssertion({ type: 'word-count', value: { max: 7 } }, seven).pass).toBe(true);
    expect(evaluateAssertion({ type: 'word-count', value: { min: 8 } }, seven)).toMatchObject({ pass: false, reason: 'Word count 7 is less than minimum 8' });
    expect(evaluateAssertion({ type: 'word-count', value: { min: 2, max: 6 } }, seven)).toMatchObject({ pass: false, reason: 'Word count 7 is not between 2 and 6' });
    expect(evaluateAssertion({ type: 'not-word-count', value: { max: 6 } }, seven).pass).toBe(true);
  });

  it('fails a value it cannot read, with promptfoo\'s reason', () => {
    expect(evaluateAssertion({ type: 'word-count', value: { min: 5, max: 2 } }, ctx('x')).reason).toMatch(/min \(5\) must be less than or equal to max \(2\)/);
    expect(evaluateAssertion({ type: 'word-count', value: {} }, ctx('x')).reason).toMatch(/must have "min" and\/or "max"/);
    expect(evaluateAssertion({ type: 'word-count', value: 'many' }, ctx('x')).reason).toMatch(/must be a number or an object/);
    expect(evaluateAssertion({ type: 'word-count' }, ctx('x')).pass).toBe(false);
    // A not- form does not turn a broken check into a pass.
    expect(evaluateAssertion({ type: 'not-word-count', value: 'many' }, ctx('x')).pass).toBe(false);
  });

  it('counts a huge answer quickly', () => {
    const huge = 'word '.repeat(1_000_000);
    const started = performance.now();
    expect(evaluateAssertion({ type: 'word-count', value: { min: 500_000 } }, ctx(huge)).pass).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('finish-reason', () => {
  it('compares without case', () => {
    expect(evaluateAssertion({ type: 'finish-reason', value: 'STOP' }, ctx('x', { finishReason: 'stop' })).pass).toBe(true);
    expect(evaluateAssertion({ type: 'finish-reason', value: 'length' }, ctx('x', { finishReason: 'stop' }))).toMatchObject({ pass: false, reason: 'Expected finish reason "length" but got "stop"' });
  });

  it('fails when the provider gave no reason, and then passes its not- form (as promptfoo)', () => {
    expect(evaluateAssertion({ type: 'finish-reason', value: 'stop' }, ctx('x'))).toMatchObject({ pass: false, reason: 'Provider did not supply stop/finish reason' });
    expect(evaluateAssertion({ type: 'not-finish-reason', value: 'stop' }, ctx('x')).pass).toBe(true);
  });

  it('needs a string value', () => {
    expect(evaluateAssertion({ type: 'finish-reason', value: 3 }, ctx('x', { finishReason: 'stop' })).reason).toMatch(/must have a string value/);
  });
});

describe('javascript results, read as promptfoo reads them', () => {
  it('requires pass, score and reason of a GradingResult', () => {
    expect(evaluateAssertion({ type: 'javascript', value: '({ pass: true })' }, ctx('x'))).toMatchObject({ pass: false, reason: expect.stringMatching(/GradingResult/) });
    expect(evaluateAssertion({ type: 'javascript', value: '({ pass: true, score: 0.4 })' }, ctx('x')).pass).toBe(false);
    expect(evaluateAssertion({ type: 'javascript', value: '({ pass: true, score: 0.4, reason: "ok" })' }, ctx('x'))).toMatchObject({ pass: true, score: 0.4, reason: 'ok' });
  });

  it('keeps the score of a GradingResult in the not- form, and says what the function returned', () => {
    expect(evaluateAssertion({ type: 'not-javascript', value: '({ pass: true, score: 0.7, reason: "fine" })' }, ctx('x'))).toMatchObject({ pass: false, score: 0.7, reason: 'Custom function returned true' });
    expect(evaluateAssertion({ type: 'not-javascript', value: '({ pass: false, score: 0.2, reason: "short" })' }, ctx('x'))).toMatchObject({ pass: true, score: 0.2, reason: 'Assertion passed' });
  });

  it('sees the prompt and the row\'s variables in context', () => {
    expect(evaluateAssertion({ type: 'javascript', value: 'context.prompt === "Name a tree" && context.vars.kind === "tree"' }, ctx('x', { prompt: 'Name a tree', vars: { kind: 'tree' } })).pass).toBe(true);
  });
});

describe('perplexity and perplexity-score, as promptfoo 0.121 computes them', () => {
  // Four tokens of log-probability −0.5, −0.25, −1, −0.25: mean −0.5, perplexity e^0.5 = 1.6487, score 1 / (1 + 1.6487) = 0.3775.
  const logprobs = { sum: -2, count: 4 };
  const perplexity = Math.exp(0.5);
  const norm = 1 / (1 + perplexity);
  const check = (type: string, threshold?: number, context: Partial<AssertionContext> = { logprobs }) =>
    evaluateAssertion({ type, ...(threshold !== undefined ? { threshold } : {}) } as Assertion, ctx('Hello there', context));

  it('perplexity passes at or under the threshold and scores 1 or 0; no threshold passes', () => {
    expect(check('perplexity', 1.65)).toMatchObject({ pass: true, score: 1, reason: 'Assertion passed' });
    expect(check('perplexity', 1.6)).toMatchObject({ pass: false, score: 0, reason: 'Perplexity 1.65 is greater than threshold 1.6' });
    expect(check('perplexity')).toMatchObject({ pass: true, score: 1 });
    // 0 is a threshold (promptfoo 0.121 compares with undefined), which nothing is under.
    expect(check('perplexity', 0)).toMatchObject({ pass: false, reason: 'Perplexity 1.65 is greater than threshold 0' });
    expect(check('not-perplexity', 1.65)).toMatchObject({ pass: false, score: 0, reason: 'Perplexity 1.65 is less than or equal to threshold 1.65' });
    expect(check('not-perplexity', 1.6)).toMatchObject({ pass: true, score: 1 });
  });

  it('perplexity-score is 1 / (1 + perplexity), at or above the threshold; its not- form scores 1 − that', () => {
    expect(check('perplexity-score', 0.37).score).toBeCloseTo(norm, 12);
    expect(check('perplexity-score', 0.37).pass).toBe(true);
    expect(check('perplexity-score', 0.4)).toMatchObject({ pass: false, reason: 'Perplexity score 0.38 is less than threshold 0.4' });
    expect(check('not-perplexity-score', 0.37)).toMatchObject({ pass: false, reason: 'Perplexity score 0.38 is greater than or equal to threshold 0.37' });
    expect(check('not-perplexity-score', 0.4).score).toBeCloseTo(1 - norm, 12);
    expect(check('not-perplexity-score')).toMatchObject({ pass: true });
  });

  it('fails with promptfoo\'s message when the provider sent no log-probabilities, in either form', () => {
    for (const context of [{}, { logprobs: { sum: 0, count: 0 } }]) {
      expect(check('perplexity', 2, context)).toMatchObject({ pass: false, score: 0, reason: 'Perplexity assertion does not support providers that do not return logProbs' });
      expect(check('not-perplexity-score', 0.1, context)).toMatchObject({ pass: false, reason: 'perplexity-score assertion does not support providers that do not return logProbs' });
    }
  });

  it('reads as a known type, in a config and as not-', () => {
    expect(parseAssertion({ type: 'perplexity', threshold: 2 }).ok).toBe(true);
    expect(parseAssertion({ type: 'not-perplexity-score' }).ok).toBe(true);
  });
});

describe('promptfoo checks Parallax refuses, each with its reason', () => {
  it.each([
    ['is-valid-openai-function-call', /is-valid-openai-tools-call/],
  ])('%s', (type, reason) => {
    const result = parseAssertion({ type, value: '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });
});

describe('config: thresholds, postprocess and assert-set', () => {
  const config = (tests: string, defaultTest = '') => {
    const text = `prompts: ['Say {{x}}']\nproviders: [echo]\n${defaultTest}tests:\n${tests}`;
    const result = parseConfig(text, 'promptfooconfig.yaml');
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    return { tests: result.config.tests, warnings: result.warnings.map(formatIssue) };
  };

  it('reads a test\'s threshold, and defaultTest\'s for tests without one', () => {
    const { tests, warnings } = config('  - vars: {x: a}\n    threshold: 0.9\n  - vars: {x: b}\n  - vars: {x: c}\n    threshold: 0\n', 'defaultTest:\n  threshold: 0.5\n');
    expect(tests.map((t) => t.threshold)).toEqual([0.9, 0.5, 0]);
    expect(warnings).toEqual([]);
  });

  it('ignores a threshold that is not a number, with a warning, as promptfoo does', () => {
    const { tests, warnings } = config('  - vars: {x: a}\n    threshold: high\n  - vars: {x: b}\n    threshold:\n');
    expect(tests.map((t) => t.threshold)).toEqual([undefined, undefined]);
    expect(warnings.join('\n')).toMatch(/threshold must be a number/);
  });

  it('reads options.postprocess as the transform, transform first', () => {
    const { tests } = config('  - vars: {x: a}\n    options: {postprocess: output.toUpperCase()}\n  - vars: {x: b}\n    options: {transform: output.trim(), postprocess: output.toUpperCase()}\n');
    expect(tests.map((t) => t.transform)).toEqual(['output.toUpperCase()', 'output.trim()']);
  });

  it('reads an assert-set with its checks, weight, metric and threshold', () => {
    const { tests, warnings } = config('  - vars: {x: a}\n    assert:\n      - type: assert-set\n        threshold: 0.5\n        weight: 2\n        metric: m\n        assert:\n          - {type: contains, value: a}\n          - {type: word-count, value: {min: 1, max: 3}}\n');
    expect(tests[0]?.assert).toEqual([{ type: 'assert-set', threshold: 0.5, weight: 2, metric: 'm', assert: [{ type: 'contains', value: 'a' }, { type: 'word-count', value: { min: 1, max: 3 } }] }]);
    expect(warnings).toEqual([]);
  });

  it('writes a test\'s threshold and its assert-set into the exported file and reads them back', () => {
    const set = parsed({ type: 'assert-set', threshold: 0.5, assert: [{ type: 'contains', value: 'a' }, { type: 'word-count', value: { max: 3 } }] });
    const yaml = exportExperimentYaml({ prompts: [[{ role: 'user', content: 'Say {{x}}' }]], providers: [{ kind: 'echo', model: 'echo', params: {} }], tests: [{ vars: { x: 'a' }, assert: [set], threshold: 0.75 }] });
    const back = parseExperimentYaml(yaml, 'promptfooconfig.yaml');
    if (!back.ok) throw new Error(JSON.stringify(back));
    expect(back.experiment.tests[0]).toMatchObject({ threshold: 0.75, assert: [set] });
  });
});
