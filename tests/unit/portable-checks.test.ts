/**
 * Parallax-only checks written for promptfoo: the javascript that stands in for rouge-l and
 * tool-call computes what Parallax computes (run here as promptfoo runs it: a function of
 * `output` and `context`), holds nothing Nunjucks would read as a tag, and reads back as the
 * original check unless someone edited it.
 */
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { sandboxCodeRunner } from '../../src/main/sandbox/checks';
import { evaluateAssertion } from '../../src/shared/assertions';
import { rougeL } from '../../src/shared/assertions/text-metrics';
import type { Assertion } from '../../src/shared/assertions/types';
import { bracelessJson, fromPromptfoo, portableAsserts, toPromptfoo } from '../../src/shared/promptfoo/portable-checks';

interface Outcome {
  pass: boolean;
  score: number;
  reason: string;
}

/** Runs a javascript check's code as promptfoo 0.121 does: rendered by Nunjucks, then a function body. */
function runAsPromptfoo(code: string, output: unknown, vars: Record<string, unknown> = {}): Outcome {
  const rendered = new nunjucks.Environment(null, { autoescape: false }).renderString(code, vars).trimEnd();
  // This is what promptfoo does with the check's code.
  const fn = new Function('output', 'context', 'process', rendered) as (o: unknown, c: unknown, p: unknown) => Outcome;
  return fn(output, { vars }, undefined);
}

function portable(assertion: Assertion): string {
  const result = toPromptfoo(assertion);
  if (!result.ok) throw new Error(result.why);
  expect(result.assertion['type']).toBe('javascript');
  return result.assertion['value'] as string;
}

const PAIRS: Array<[string, string]> = [
  ['The cat sat on the mat.', 'The cat is on the mat.'],
  ["I can't go; they'll stay. \"Fine,\" she said.", 'She said "fine" and they will stay.'],
  ['Paris is the capital. It is in France!\nBerlin (Germany) too...', 'The capital of France is Paris. Berlin is in Germany.'],
  ['{ braces } and [brackets] -- dashes', '{ braces } and [brackets]'],
  ['nothing shared', 'completely different words'],
  ['', 'empty candidate'],
  ['Ünïcödé Wörds. Ärger 2024.', 'Ünïcödé wörds. Ärger 2024'],
];

describe('rouge-l as promptfoo javascript', () => {
  it('gives the score, pass and reason Parallax gives, for plain and not- forms and thresholds', () => {
    for (const [output, reference] of PAIRS) {
      for (const assertion of [
        { type: 'rouge-l', value: reference },
        { type: 'rouge-l', value: reference, threshold: 0.3 },
        { type: 'not-rouge-l', value: reference, threshold: 0.5 },
        { type: 'rouge-l', value: [reference, 'The cat sat.'] },
      ] as Assertion[]) {
        const js = runAsPromptfoo(portable(assertion), output);
        const ours = evaluateAssertion(assertion, { output, vars: {} });
        expect(js.score).toBeCloseTo(ours.score, 12);
        expect(js.pass).toBe(ours.pass);
        expect(js.reason).toBe(ours.reason);
      }
      expect(runAsPromptfoo(portable({ type: 'rouge-l', value: reference }), output).score).toBeCloseTo(rougeL(output, reference), 12);
    }
  });

  it('gives the same in Parallax\'s own sandbox, so parallax eval on the exported file agrees too', () => {
    for (const [output, reference] of PAIRS) {
      const assertion: Assertion = { type: 'rouge-l', value: reference, threshold: 0.4 };
      const asJs = evaluateAssertion({ type: 'javascript', value: portable(assertion) }, { output, vars: {}, runCode: sandboxCodeRunner });
      const ours = evaluateAssertion(assertion, { output, vars: {} });
      expect(asJs.score).toBeCloseTo(ours.score, 12);
      expect(asJs.pass).toBe(ours.pass);
    }
    const calls = JSON.stringify([{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":{"b":1}}' } }]);
    const toolJs = portable({ type: 'tool-call', value: { name: 'f', paths: { '$.a.b': 1 } } });
    expect(evaluateAssertion({ type: 'javascript', value: toolJs }, { output: calls, vars: {}, runCode: sandboxCodeRunner }).pass).toBe(true);
    expect(evaluateAssertion({ type: 'javascript', value: toolJs }, { output: 'no call', vars: {}, runCode: sandboxCodeRunner }).pass).toBe(false);
  });

  it('reads the expected answer from vars when the check has no value, as Parallax does', () => {
    const code = portable({ type: 'rouge-l' });
    const out = runAsPromptfoo(code, 'The cat sat on the mat.', { expected: 'The cat is on the mat.' });
    expect(out.score).toBeCloseTo(rougeL('The cat sat on the mat.', 'The cat is on the mat.'), 12);
    expect(runAsPromptfoo(code, 'x', {}).pass).toBe(false);
  });

  it('holds no Nunjucks tag, whatever the reference says', () => {
    const hostile = '{{ secret }} {% include "/etc/passwd" %} {# c #} </script> "quotes" \\ back`tick ${x}';
    const code = portable({ type: 'rouge-l', value: hostile });
    expect(code).not.toMatch(/\{\{|\{%|\{#/);
    expect(runAsPromptfoo(code, hostile).score).toBeCloseTo(rougeL(hostile, hostile), 12);
    expect(JSON.parse(bracelessJson({ a: '{{x}}', b: ['}}'] }))).toEqual({ a: '{{x}}', b: ['}}'] });
  });
});

describe('tool-call as promptfoo javascript', () => {
  const calls = [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"location":{"city":"Paris"},"days":[1,2]}' } }];

  it('matches on name, an arguments subset and JSON paths, against promptfoo\'s tool_calls output or its JSON', () => {
    const cases: Array<[Assertion, boolean]> = [
      [{ type: 'tool-call', value: 'get_weather' }, true],
      [{ type: 'tool-call', value: 'get_time' }, false],
      [{ type: 'tool-call', value: { name: 'get_weather', arguments: { location: { city: 'Paris' } } } }, true],
      [{ type: 'tool-call', value: { arguments: { location: { city: 'Rome' } } } }, false],
      [{ type: 'tool-call', value: { paths: { '$.location.city': 'Paris', '$.days[1]': 2 } } }, true],
      [{ type: 'tool-call', value: { paths: { '$.days[5]': 2 } } }, false],
      [{ type: 'not-tool-call', value: 'get_time' }, true],
      [{ type: 'tool-call' }, true],
    ];
    for (const [assertion, pass] of cases) {
      const code = portable(assertion);
      expect(code).not.toMatch(/\{\{|\{%|\{#/);
      expect(runAsPromptfoo(code, calls).pass, JSON.stringify(assertion)).toBe(pass);
      expect(runAsPromptfoo(code, JSON.stringify(calls)).pass, JSON.stringify(assertion)).toBe(pass);
      const ours = evaluateAssertion(assertion, { output: '', vars: {}, toolCalls: [{ id: 'c1', name: 'get_weather', arguments: calls[0]?.function.arguments ?? '' }] });
      expect(ours.pass).toBe(pass);
    }
    expect(runAsPromptfoo(portable({ type: 'tool-call' }), 'plain text answer').pass).toBe(false);
  });

  it('leaves out a tool-call with a schema, saying why', () => {
    const notes: string[] = [];
    const out = portableAsserts([{ type: 'contains', value: 'a' }, { type: 'tool-call', value: { schema: { type: 'object' } } }], 'tests[0].assert', notes);
    expect(out).toEqual([{ type: 'contains', value: 'a' }]);
    expect(notes).toEqual([expect.stringMatching(/^tests\[0\]\.assert\[1\] \(tool-call .*\) is left out: promptfoo has no "tool-call" check/)]);
  });
});

describe('reading back', () => {
  it('turns unedited generated javascript back into the check, with weight, metric and transform', () => {
    for (const assertion of [
      { type: 'rouge-l', value: 'ref {{x}}', threshold: 0.6, weight: 2, metric: 'overlap' },
      { type: 'not-rouge-l' },
      { type: 'tool-call', value: { name: 'f', paths: { '$.a': 1 } }, transform: 'output.trim()' },
    ] as Assertion[]) {
      const written = toPromptfoo(assertion);
      if (!written.ok) throw new Error(written.why);
      expect(fromPromptfoo(written.assertion as Assertion)).toEqual(assertion);
    }
  });

  it('keeps edited code as javascript, and is-valid-json-schema is promptfoo\'s is-json', () => {
    const written = toPromptfoo({ type: 'rouge-l', value: 'ref' });
    if (!written.ok) throw new Error(written.why);
    const edited = { ...written.assertion, value: `${String(written.assertion['value'])}\n// tweaked` } as Assertion;
    expect(fromPromptfoo(edited)).toEqual(edited);
    expect(toPromptfoo({ type: 'is-valid-json-schema', value: { type: 'object' } })).toEqual({ ok: true, assertion: { type: 'is-json', value: { type: 'object' } } });
    expect(toPromptfoo({ type: 'not-is-valid-json-schema', value: { type: 'object' } })).toEqual({ ok: true, assertion: { type: 'not-is-json', value: { type: 'object' } } });
  });
});
