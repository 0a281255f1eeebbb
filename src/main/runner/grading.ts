/**
 * Grades a finished cell with its row's checks and the run's checks for every row, as
 * promptfoo does with tests[].assert and defaultTest.assert. llm-rubric asks the judge model
 * the run names; JSON schemas are checked with ajv (main only: it compiles with new Function).
 */
import { applyTransform, gradeOutput, type Judge } from '../../shared/assertions';
import type { Assertion } from '../../shared/assertions/types';
import type { Cell, Grading } from '../../shared/schemas';
import { createJsonSchemaValidator } from '../assertions/json-schema';
import { sandboxCodeRunner, sandboxRegexTester } from '../sandbox/checks';
import type { ProviderRegistry } from '../providers/registry';
import type { GradingSpec } from '../store/store';
import { renderMessages } from '../template/render';

const validateJsonSchema = createJsonSchemaValidator();

/** The checks a row gets: the run's for every row, then its own. */
export function checksFor(spec: GradingSpec, caseIndex: number): Assertion[] {
  return [...spec.assertions, ...((spec.testCases[caseIndex]?.assert ?? []) as Assertion[])];
}

export function hasChecks(spec: GradingSpec): boolean {
  return spec.assertions.length > 0 || spec.testCases.some((t) => (t.assert?.length ?? 0) > 0);
}

/** A judge that sends the rubric prompt to the run's judge model and collects its answer. */
export function judgeOf(spec: GradingSpec, registry: Pick<ProviderRegistry, 'resolve'>, signal: AbortSignal): Judge | undefined {
  const config = spec.judge;
  if (!config) return undefined;
  return async (messages) => {
    const { provider } = await registry.resolve(config.providerId);
    let text = '';
    for await (const part of provider.stream({ model: config.model, messages, params: { temperature: 0 }, signal })) {
      if (part.type === 'delta') text += part.text;
    }
    return text;
  };
}

/**
 * A check's value with the row's variables filled in (`contains: "{{ city }}"`). A value that is
 * not a valid template (a literal "{{", say) is used as written rather than failing every check.
 */
export function renderValue(text: string, vars: Cell['variables']): string {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  try {
    return renderMessages([{ role: 'user', content: text }], vars)[0]?.content ?? text;
  } catch {
    return text;
  }
}

export async function gradeCell(cell: Cell, spec: GradingSpec, judge: Judge | undefined): Promise<Grading | undefined> {
  const checks = checksFor(spec, cell.caseIndex);
  if (checks.length === 0) return undefined;
  const testCase = spec.testCases[cell.caseIndex];
  const vars = cell.variables;
  let output = cell.output;
  if (testCase?.transform !== undefined) {
    // promptfoo's options.transform: every check of this row sees the transformed answer.
    const transformed = applyTransform(sandboxCodeRunner, testCase.transform, output, { vars });
    if (!transformed.ok) {
      return { pass: false, score: 0, reason: transformed.error, componentResults: checks.map((c) => ({ type: c.type, pass: false, score: 0, reason: transformed.error, ...(c.metric !== undefined ? { metric: c.metric } : {}) })) };
    }
    output = transformed.output;
  }
  const result = await gradeOutput(
    checks,
    {
      output,
      ...(testCase?.expected !== undefined ? { expected: testCase.expected } : {}),
      vars,
      // A cached answer took no time of its own: a latency check says so rather than passing on 0 ms.
      ...(cell.totalMs !== undefined && cell.cached !== true ? { latencyMs: cell.totalMs } : {}),
      ...(cell.costUsd !== undefined ? { costUsd: cell.costUsd } : {}),
      renderValue: (text) => renderValue(text, vars),
      validateJsonSchema,
      testRegex: sandboxRegexTester,
      runCode: sandboxCodeRunner,
    },
    {
      ...(judge ? { judge } : {}),
      ...(spec.judge?.prompt ? { rubricTemplate: spec.judge.prompt } : {}),
    },
  );
  // The echo "judge" answers with its prompt, whose examples hold a verdict: say so next to it.
  const echoJudge = spec.judge?.providerId === 'echo';
  return {
    pass: result.pass,
    score: result.score,
    reason: result.reason,
    componentResults: result.componentResults.map((c) => ({
      type: c.assertion.type,
      pass: c.pass,
      score: c.score,
      reason: echoJudge && c.assertion.type.endsWith('llm-rubric') ? `${c.reason} (echo judge: it repeats its prompt, so this verdict only tests the setup)` : c.reason,
      ...(c.assertion.metric !== undefined ? { metric: c.assertion.metric } : {}),
    })),
  };
}
