/**
 * Assertions: promptfoo-compatible automatic checks on outputs. Pure TypeScript and safe in the
 * renderer; JSON-schema checks take a validator from the caller (main builds one with ajv, see
 * src/main/assertions/json-schema.ts), because ajv compiles schemas with `new Function`, which
 * the renderer's CSP forbids.
 */
import { evaluateAssertionAsync, type JudgeOptions } from './evaluate';
import { gradingResult, type GradingOptions } from './grading';
import type { Assertion, AssertionContext, GradingResult } from './types';

export { parseCommaList } from './comma-list';
export { countWords, DEFAULT_THRESHOLDS, evaluateAssertion, evaluateAssertionAsync, weighed } from './evaluate';
export type { Judge, JudgeOptions } from './evaluate';
export { assertSetResult, flattenResults, gradingResult } from './grading';
export type { GradingOptions } from './grading';
export { extractJsonObjects, jsonEqual, readSchema } from './json-values';
export { DEFAULT_RUBRIC_PROMPT, parseRubricVerdict, rubricPrompt } from './rubric';
export type { RubricVerdict } from './rubric';
export { bleu, lcsPositions, levenshtein, rougeL, rougeN, splitSentences, treebankTokenize } from './text-metrics';
export type { RougeLOptions, RougeOptions } from './text-metrics';
export { assertionSchema, BASE_ASSERTION_TYPES, isAssertionType, parseAssertion, splitAssertionType } from './types';
export type { Assertion, AssertionContext, AssertionDefinition, AssertionResult, AssertionType, BaseAssertionType, CodeRunner, CodeValue, GradingResult, JsonSchemaValidator, RegexTester } from './types';
export { checkedOutput, containsSubset, jsonDepth, MAX_ARGUMENT_DEPTH, parseJsonPath, toolCallMatches, toolCallsText, validToolsCall } from './tool-calls';
export { applyTransform, checkFunctionBody, readCheckValue, transformFunctionBody } from './script';

/** Run a test case's assertions in order (the judge, if any, for llm-rubric) and aggregate them. */
export async function gradeOutput(assertions: readonly Assertion[], context: AssertionContext, options: JudgeOptions & GradingOptions = {}): Promise<GradingResult> {
  const results = [];
  for (const assertion of assertions) results.push(await evaluateAssertionAsync(assertion, context, options));
  const renderMetric = options.renderMetric ?? context.renderValue;
  return gradingResult(results, { ...options, ...(renderMetric ? { renderMetric } : {}) });
}
