/**
 * Checking one output against one assertion. Everything but llm-rubric is synchronous and
 * pure; llm-rubric needs a judge model, so `evaluateAssertion` marks it `needsJudge` and
 * `evaluateAssertionAsync` grades it with a judge the caller passes in.
 *
 * A malformed assertion (a missing value, a bad regex, no latency recorded) fails with a
 * reason that says what to fix; nothing here throws.
 */
import type { Message } from '../schemas';
import { parseCommaList } from './comma-list';
import { assertSetResult } from './grading';
import { extractJsonObjects, jsonEqual, parseJson, readSchema } from './json-values';
import { gradeWithModel, isModelGradedType, type Embedder, type GEvalTemplates, type GraderRender, type Moderator } from './model-graded';
import { parseRubricVerdict, rubricPrompt } from './rubric';
import { applyTransform, checkFunctionBody, readCheckValue } from './script';
import { bleu, levenshtein, rougeL, rougeN } from './text-metrics';
import { toolCallMatches, validToolsCall, type ToolCheckOutcome } from './tool-calls';
import { checkSql, containsSql, readSqlValue } from './sql';
import { containsXml, requiredXmlElements, validateXml } from './xml';
import { splitAssertionType } from './types';
import type { Assertion, AssertionContext, AssertionResult, BaseAssertionType } from './types';
import { describeCounts, kindsOf, type PiiKind } from '../pii/kinds';

/** Default thresholds, as promptfoo's. */
export const DEFAULT_THRESHOLDS = { levenshtein: 5, bleu: 0.5, 'rouge-n': 0.75, 'rouge-l': 0.75 } as const;

const PASSED = 'Assertion passed';

function render(value: unknown, context: AssertionContext): unknown {
  const { renderValue } = context;
  if (!renderValue) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return renderValue(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value);
}

interface Check {
  assertion: Assertion;
  inverse: boolean;
  context: AssertionContext;
  value: unknown;
}

function invalid(check: Check, reason: string): AssertionResult {
  return { pass: false, score: 0, reason, assertion: check.assertion };
}

/** A yes/no check: the `not-` form flips it; the score is 1 or 0. */
function decide(check: Check, holds: boolean, failure: string, inverseFailure: string): AssertionResult {
  const pass = holds !== check.inverse;
  return { pass, score: pass ? 1 : 0, reason: pass ? PASSED : check.inverse ? inverseFailure : failure, assertion: check.assertion };
}

/** A scored check: pass at or above the threshold; the `not-` form passes below it and scores 1 - score. */
function scored(check: Check, label: string, score: number, threshold: number): AssertionResult {
  const above = score >= threshold;
  const pass = above !== check.inverse;
  const shown = score.toFixed(4).replace(/\.?0+$/, '');
  return {
    pass,
    score: check.inverse ? 1 - score : score,
    reason: above ? `${label} ${shown} is at or above the threshold ${threshold}` : `${label} ${shown} is below the threshold ${threshold}`,
    assertion: check.assertion,
  };
}

function textValue(check: Check): string | undefined {
  const { value } = check;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && !Number.isNaN(value)) return String(value);
  return undefined;
}

function listValue(check: Check): { ok: true; items: string[] } | { ok: false; error: string } {
  const { value } = check;
  if (typeof value === 'string') return parseCommaList(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return { ok: true, items: value.map(String) };
  }
  return { ok: false, error: `"${check.assertion.type}" needs a list of strings (or one comma-separated string) as its value` };
}

/** The reference texts for equals and the similarity metrics: the value, else the test's expected answer. */
function references(check: Check): string[] | undefined {
  const { value } = check;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  if (value === undefined && check.context.expected !== undefined && check.context.expected !== '') return [check.context.expected];
  return undefined;
}

const quote = (s: string) => JSON.stringify(s);

function containsCheck(check: Check, caseInsensitive: boolean): AssertionResult {
  const needle = textValue(check);
  if (needle === undefined) return invalid(check, `"${check.assertion.type}" needs a string or number value`);
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const holds = fold(check.context.output).includes(fold(needle));
  return decide(check, holds, `Expected output to contain ${quote(needle)}`, `Expected output not to contain ${quote(needle)}`);
}

function listCheck(check: Check, mode: 'any' | 'all', caseInsensitive: boolean): AssertionResult {
  const list = listValue(check);
  if (!list.ok) return invalid(check, list.error);
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const output = fold(check.context.output);
  const found = list.items.filter((item) => output.includes(fold(item)));
  const missing = list.items.filter((item) => !output.includes(fold(item)));
  const shown = list.items.map(quote).join(', ');
  if (mode === 'any') {
    return decide(check, found.length > 0, `Expected output to contain one of ${shown}`, `Expected output to contain none of ${shown}; found ${found.map(quote).join(', ')}`);
  }
  return decide(check, missing.length === 0, `Expected output to contain all of ${shown}; missing ${missing.map(quote).join(', ')}`, `Expected output not to contain all of ${shown}`);
}

function equalsCheck(check: Check): AssertionResult {
  const { value, context } = check;
  if (value !== null && typeof value === 'object') {
    // An object or list value compares with the output read as JSON, ignoring key order.
    const parsed = parseJson(context.output);
    const holds = parsed.ok && jsonEqual(parsed.value, value);
    return decide(check, holds, `Expected output to equal the JSON ${JSON.stringify(value)}`, `Expected output not to equal the JSON ${JSON.stringify(value)}`);
  }
  const expected = typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value === 'string' ? value : context.expected;
  if (expected === undefined) return invalid(check, '"equals" needs a value (or the test\'s expected answer)');
  return decide(check, context.output === expected, `Expected output ${quote(context.output)} to equal ${quote(expected)}`, `Expected output not to equal ${quote(expected)}`);
}

function regexCheck(check: Check): AssertionResult {
  const pattern = textValue(check);
  if (pattern === undefined) return invalid(check, '"regex" needs a pattern as its value');
  // A pattern can backtrack for longer than the universe is old on a crafted answer
  // (`^(a+)+$`): it is tested where a time budget holds, never on this thread unguarded.
  const tester = check.context.testRegex;
  if (!tester) return invalid(check, 'Regex checks run in the main process, under a time budget; none was given here');
  const result = tester(pattern, check.context.output);
  if (!result.ok) return invalid(check, result.error);
  return decide(check, result.match, `Expected output to match /${pattern}/`, `Expected output not to match /${pattern}/`);
}

/** promptfoo's `javascript` check: code of `output` and `context`, run in the sandbox. */
function javascriptCheck(check: Check): AssertionResult {
  const { value, context, assertion } = check;
  if (typeof value !== 'string' || value.trim() === '') return invalid(check, '"javascript" needs code as its value, e.g. output.length < 200');
  const runner = context.runCode;
  if (!runner) return invalid(check, 'javascript checks run in the main process\'s sandbox; none was given here');
  const result = runner(['output', 'context'], checkFunctionBody(value), [context.output, { vars: context.vars, test: { vars: context.vars }, config: {}, ...(context.prompt !== undefined ? { prompt: context.prompt } : {}) }]);
  if (!result.ok) return invalid(check, `Custom function threw error: ${result.error}`);
  const outcome = readCheckValue(result.value);
  const failed = (raw: boolean) => `Custom function returned ${raw ? 'true' : 'false'}\n${value.trimEnd()}`;
  switch (outcome.kind) {
    case 'invalid':
      return invalid(check, outcome.error);
    case 'boolean': {
      const pass = outcome.value !== check.inverse;
      return { pass, score: pass ? 1 : 0, reason: pass ? PASSED : failed(outcome.value), assertion };
    }
    case 'number': {
      const raw = assertion.threshold === undefined ? outcome.value > 0 : outcome.value >= assertion.threshold;
      const pass = raw !== check.inverse;
      return { pass, score: outcome.value, reason: pass ? PASSED : failed(raw), assertion };
    }
    case 'grading': {
      const pass = outcome.pass !== check.inverse;
      // promptfoo keeps the function's reason when the not- form agrees with it, else says what the function returned.
      const reason = pass === outcome.pass ? outcome.reason : pass ? PASSED : `Custom function returned ${outcome.pass ? 'true' : 'false'}`;
      return { pass, score: outcome.score, reason, assertion };
    }
  }
}

/** is-json, is-valid-json-schema, contains-json: optional (required for the alias) schema in `value`. */
function jsonCheck(check: Check, base: 'is-json' | 'contains-json' | 'is-valid-json-schema'): AssertionResult {
  const { value, context } = check;
  const hasSchema = value !== undefined && value !== null && value !== '';
  if (base === 'is-valid-json-schema' && !hasSchema) return invalid(check, '"is-valid-json-schema" needs a JSON schema as its value');

  let candidates: unknown[];
  if (base === 'contains-json') candidates = extractJsonObjects(context.output);
  else {
    const parsed = parseJson(context.output);
    candidates = parsed.ok ? [parsed.value] : [];
  }
  const noJson = base === 'contains-json' ? 'Expected output to contain valid JSON' : 'Expected output to be valid JSON';
  if (candidates.length === 0 || !hasSchema) {
    return decide(check, candidates.length > 0, noJson, base === 'contains-json' ? 'Expected output not to contain JSON' : 'Expected output not to be valid JSON');
  }

  const schema = readSchema(value);
  if (!schema.ok) return invalid(check, `Invalid JSON schema: ${schema.error}`);
  const validate = context.validateJsonSchema;
  if (!validate) return invalid(check, 'JSON schema checks run in the main process; no schema validator was given here');
  let lastErrors = '';
  let valid = false;
  for (const candidate of candidates) {
    const result = validate(schema.value, candidate);
    if (result.valid) {
      valid = true;
      break;
    }
    lastErrors = result.errors;
  }
  return decide(check, valid, `JSON does not conform to the schema: ${lastErrors}`, 'Output is JSON that conforms to the schema');
}

function thresholdOf(check: Check): number | undefined {
  return check.assertion.threshold;
}

function measuredCheck(check: Check, what: 'latency' | 'cost'): AssertionResult {
  const measured = what === 'latency' ? check.context.latencyMs : check.context.costUsd;
  const threshold = thresholdOf(check);
  if (threshold === undefined) return invalid(check, `"${check.assertion.type}" needs a threshold (${what === 'latency' ? 'milliseconds' : 'US dollars'})`);
  if (measured === undefined) {
    return invalid(check, what === 'latency' ? 'No latency was recorded for this output (a cached answer has none)' : 'No cost is known for this output (the model has no price)');
  }
  const shown = what === 'latency' ? `Latency ${Math.round(measured)} ms` : `Cost $${measured.toPrecision(2)}`;
  const limit = what === 'latency' ? `${threshold} ms` : `$${threshold}`;
  return decide(check, measured <= threshold, `${shown} is above the threshold ${limit}`, `${shown} is at or below the threshold ${limit}`);
}

function similarityCheck(check: Check, base: 'levenshtein' | 'bleu' | 'rouge-n' | 'rouge-l'): AssertionResult {
  const refs = references(check);
  if (refs === undefined || refs.length === 0) return invalid(check, `"${check.assertion.type}" needs a reference text as its value (or the test's expected answer)`);
  const output = check.context.output;
  const threshold = thresholdOf(check) ?? DEFAULT_THRESHOLDS[base];
  switch (base) {
    case 'levenshtein': {
      const distance = Math.min(...refs.map((r) => levenshtein(output, r)));
      return decide(check, distance <= threshold, `Levenshtein distance ${distance} is above the threshold ${threshold}`, `Levenshtein distance ${distance} is at or below the threshold ${threshold}`);
    }
    case 'bleu':
      return scored(check, 'BLEU', bleu(output, refs), threshold);
    // promptfoo lowercases both texts for ROUGE-N. ROUGE-L is Parallax's own (promptfoo 0.121 has none) and keeps case.
    case 'rouge-n':
      return scored(check, 'ROUGE-N', Math.max(...refs.map((r) => rougeN(output, r, 1, { caseSensitive: false }))), threshold);
    case 'rouge-l':
      return scored(check, 'ROUGE-L', Math.max(...refs.map((r) => rougeL(output, r))), threshold);
  }
}

/** Words as promptfoo counts them: runs of non-whitespace. */
export function countWords(text: string): number {
  return text.trim().split(/\s+/).filter((word) => word.length > 0).length;
}

function readCount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** promptfoo's word-count: an exact count, or `{ min, max }` (either may be left out), both ends included. */
function wordCountCheck(check: Check): AssertionResult {
  const { value } = check;
  const words = countWords(check.context.output);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const bounds = value as Record<string, unknown>;
    const min = bounds['min'] === undefined ? undefined : readCount(bounds['min']);
    const max = bounds['max'] === undefined ? undefined : readCount(bounds['max']);
    if ((bounds['min'] !== undefined && min === undefined) || (bounds['max'] !== undefined && max === undefined)) return invalid(check, '"word-count" min and max must be numbers');
    if (min === undefined && max === undefined) return invalid(check, '"word-count" assertion object must have "min" and/or "max" properties');
    if (min !== undefined && max !== undefined) {
      if (min > max) return invalid(check, `"word-count" assertion: min (${min}) must be less than or equal to max (${max})`);
      return decide(check, words >= min && words <= max, `Word count ${words} is not between ${min} and ${max}`, `Expected word count to not be between ${min} and ${max}, but got ${words}`);
    }
    if (min === undefined) return decide(check, words <= (max ?? 0), `Word count ${words} is greater than maximum ${max}`, `Expected word count to be greater than ${max}, but got ${words}`);
    return decide(check, words >= min, `Word count ${words} is less than minimum ${min}`, `Expected word count to be less than ${min}, but got ${words}`);
  }
  const expected = readCount(value);
  if (expected === undefined) return invalid(check, '"word-count" assertion value must be a number or an object with min/max properties');
  return decide(check, words === expected, `Word count ${words} does not equal expected ${expected}`, `Expected word count to not equal ${expected}, but got ${words}`);
}

/** promptfoo's finish-reason: the provider's stop reason equals the value, ignoring case. */
function finishReasonCheck(check: Check): AssertionResult {
  const { value } = check;
  if (typeof value !== 'string') return invalid(check, '"finish-reason" assertion type must have a string value');
  const actual = check.context.finishReason;
  // No reason given: promptfoo fails the plain form and passes the not- form.
  if (actual === undefined || actual === '') return decide(check, false, 'Provider did not supply stop/finish reason', 'Provider did not supply stop/finish reason');
  return decide(check, value.toLowerCase() === actual.toLowerCase(), `Expected finish reason "${value}" but got "${actual}"`, `Expected finish reason not "${value}" but got "${actual}"`);
}

/**
 * promptfoo's perplexity and perplexity-score: exp(−mean log-probability of the answer's tokens),
 * at or under `threshold`; the score form is 1 / (1 + perplexity), at or above it. No threshold
 * passes, as in promptfoo. A provider that sent no log-probabilities fails it with promptfoo's words.
 */
function perplexityCheck(check: Check, base: 'perplexity' | 'perplexity-score'): AssertionResult {
  const logprobs = check.context.logprobs;
  if (logprobs === undefined || logprobs.count === 0) {
    return invalid(check, base === 'perplexity' ? 'Perplexity assertion does not support providers that do not return logProbs' : 'perplexity-score assertion does not support providers that do not return logProbs');
  }
  const perplexity = Math.exp(-(logprobs.sum / logprobs.count));
  const threshold = thresholdOf(check);
  const { inverse } = check;
  if (base === 'perplexity') {
    const pass = threshold === undefined ? true : perplexity <= threshold !== inverse;
    const reason = `Perplexity ${perplexity.toFixed(2)} is ${inverse ? 'less than or equal to' : 'greater than'} threshold ${threshold}`;
    return { pass, score: pass ? 1 : 0, reason: pass ? PASSED : reason, assertion: check.assertion };
  }
  const norm = 1 / (1 + perplexity);
  const pass = threshold === undefined ? true : norm >= threshold !== inverse;
  const reason = `Perplexity score ${norm.toFixed(2)} is ${inverse ? 'greater than or equal to' : 'less than'} threshold ${threshold}`;
  return { pass, score: inverse ? 1 - norm : norm, reason: pass ? PASSED : reason, assertion: check.assertion };
}

/** promptfoo's is-xml / contains-xml: `value` names required element paths (`root.child`). */
function xmlCheck(check: Check, base: 'is-xml' | 'contains-xml'): AssertionResult {
  const required = requiredXmlElements(check.value);
  if (!required.ok) return invalid(check, required.error);
  const result = (base === 'is-xml' ? validateXml : containsXml)(check.context.output, required.elements);
  const pass = result.isValid !== check.inverse;
  return { pass, score: pass ? 1 : 0, reason: pass ? PASSED : result.reason, assertion: check.assertion };
}

/** promptfoo's is-sql / contains-sql: `value` is `{ databaseType, allowedTables, allowedColumns }` or nothing. */
function sqlCheck(check: Check, base: 'is-sql' | 'contains-sql'): AssertionResult {
  const parser = check.context.sqlParser;
  if (!parser) return invalid(check, 'SQL checks run in the main process, with node-sql-parser; none was given here');
  const value = readSqlValue(check.value);
  if (!value.ok) return invalid(check, value.error);
  const result = (base === 'is-sql' ? checkSql : containsSql)(parser, check.context.output, value.value, check.inverse);
  return { pass: result.pass, score: result.pass ? 1 : 0, reason: result.reason, assertion: check.assertion };
}

function toolCheck(check: Check, outcome: ToolCheckOutcome): AssertionResult {
  if (!outcome.ok) return invalid(check, outcome.reason);
  return decide(check, outcome.holds, outcome.failure, outcome.inverseFailure);
}

function needsJudge(check: Check): AssertionResult {
  return { pass: false, score: 0, reason: 'llm-rubric needs a judge model; it has not been graded', assertion: check.assertion, needsJudge: true };
}

function run(base: BaseAssertionType, check: Check): AssertionResult {
  switch (base) {
    case 'equals':
      return equalsCheck(check);
    case 'contains':
      return containsCheck(check, false);
    case 'icontains':
      return containsCheck(check, true);
    case 'contains-any':
      return listCheck(check, 'any', false);
    case 'contains-all':
      return listCheck(check, 'all', false);
    case 'icontains-any':
      return listCheck(check, 'any', true);
    case 'icontains-all':
      return listCheck(check, 'all', true);
    case 'regex':
      return regexCheck(check);
    case 'starts-with': {
      const prefix = textValue(check);
      if (prefix === undefined) return invalid(check, '"starts-with" needs a string value');
      return decide(check, check.context.output.startsWith(prefix), `Expected output to start with ${quote(prefix)}`, `Expected output not to start with ${quote(prefix)}`);
    }
    case 'is-json':
    case 'contains-json':
    case 'is-valid-json-schema':
      return jsonCheck(check, base);
    case 'levenshtein':
    case 'bleu':
    case 'rouge-n':
    case 'rouge-l':
      return similarityCheck(check, base);
    case 'latency':
      return measuredCheck(check, 'latency');
    case 'cost':
      return measuredCheck(check, 'cost');
    case 'llm-rubric':
      return needsJudge(check);
    case 'javascript':
      return javascriptCheck(check);
    case 'is-valid-openai-tools-call':
      return toolCheck(check, validToolsCall(check.context.toolCalls, check.context.tools, check.context.validateJsonSchema));
    case 'tool-call':
      return toolCheck(check, toolCallMatches(check.context.toolCalls, check.value, check.context.validateJsonSchema));
    case 'word-count':
      return wordCountCheck(check);
    case 'finish-reason':
      return finishReasonCheck(check);
    case 'perplexity':
    case 'perplexity-score':
      return perplexityCheck(check, base);
    case 'contains-pii':
      // Graded with main's scanner, which is asynchronous (evaluateAssertionAsync).
      return invalid(check, '"contains-pii" is graded with the personal-data scanner in the main process; none was given here');
    case 'is-xml':
    case 'contains-xml':
      return xmlCheck(check, base);
    case 'is-sql':
    case 'contains-sql':
      return sqlCheck(check, base);
    case 'assert-set':
      // Sets are graded member by member before a check runs (see evaluateAssertion).
      return invalid(check, 'an assert-set cannot hold another assert-set');
    case 'select-best':
    case 'max-score':
      // Graded once all of the row's answers are in (src/main/runner/compare.ts), never on one answer.
      return { pass: false, score: 0, reason: `"${base}" compares all of a row's answers; it is graded when the row is done`, assertion: check.assertion, needsJudge: true };
    default:
      return { pass: false, score: 0, reason: `"${base}" needs a grader model; it has not been graded`, assertion: check.assertion, needsJudge: true };
  }
}

/** contains-pii: the answer holds personal data of the kinds in `value` (every kind when absent). Reasons name kinds, never values. */
async function piiCheck(check: Check): Promise<AssertionResult> {
  const kinds = kindsOf(check.value);
  if (!kinds.ok) return invalid(check, `"contains-pii": ${kinds.error}`);
  const finder = check.context.findPii;
  if (!finder) return invalid(check, '"contains-pii" is graded with the personal-data scanner in the main process; none was given here');
  const { spans, complete } = await finder(check.context.output, kinds.kinds);
  const counts: Partial<Record<PiiKind, number>> = {};
  for (const span of spans) counts[span.kind] = (counts[span.kind] ?? 0) + 1;
  const partly = complete ? '' : ' (only the start of the answer was read: it is too long to scan in full)';
  return decide(check, spans.length > 0, `Expected personal data in the output; found none${partly}`, `Expected no personal data in the output; found ${describeCounts(counts)}`);
}

/** promptfoo passes a check of weight 0 whatever it found: it then only reports. */
export function weighed(result: AssertionResult): AssertionResult {
  return result.assertion.weight === 0 && result.assertion.type !== 'assert-set' ? { ...result, pass: true } : result;
}

function metricRenderer(context: AssertionContext): ((metric: string) => string) | undefined {
  return context.renderValue;
}

type Prepared = { base: BaseAssertionType; check: Check } | { failed: AssertionResult };

function prepare(assertion: Assertion, context: AssertionContext): Prepared {
  const { base, inverse } = splitAssertionType(assertion.type);
  let checked = context;
  if (assertion.transform !== undefined) {
    // promptfoo's assertion-level transform: this check sees the transformed output.
    const runner = context.runCode;
    const transformed = runner ? applyTransform(runner, assertion.transform, context.output, { vars: context.vars }) : { ok: false as const, error: 'Transforms run in the main process\'s sandbox; none was given here' };
    if (!transformed.ok) return { failed: { pass: false, score: 0, reason: transformed.error, assertion } };
    checked = { ...context, output: transformed.output };
  }
  return { base, check: { assertion, inverse, context: checked, value: render(assertion.value, context) } };
}

/** Check one output against one assertion, synchronously. llm-rubric comes back `needsJudge`. */
export function evaluateAssertion(assertion: Assertion, context: AssertionContext): AssertionResult {
  if (assertion.type === 'assert-set') {
    const members = (assertion.assert ?? []).map((member) => evaluateAssertion(member, context));
    const renderMetric = metricRenderer(context);
    return assertSetResult(assertion, members, renderMetric ? { renderMetric } : {});
  }
  const prepared = prepare(assertion, context);
  if ('failed' in prepared) return weighed(prepared.failed);
  return weighed(run(prepared.base, prepared.check));
}

/** What a model-graded check lacks to be graded, if anything. */
function graderMissing(base: string, options: JudgeOptions): string | undefined {
  const embeds = base.startsWith('similar') || base === 'answer-relevance';
  if (base !== 'moderation' && !base.startsWith('similar') && !options.judge) return 'needs a grader model (defaultTest.options.provider, or the judge in the run)';
  if (embeds && !options.embed) return 'needs embeddings from the grader provider (an OpenAI-compatible /embeddings endpoint)';
  if (base === 'moderation' && !options.moderate) return 'needs a moderation endpoint (the grader provider\'s OpenAI-compatible /moderations)';
  return undefined;
}

/** Sends the judge's messages to a model and resolves with its text answer. */
export type Judge = (messages: Message[]) => Promise<string>;

export interface JudgeOptions {
  judge?: Judge;
  /** The judge prompt, if the user edited it (default: DEFAULT_RUBRIC_PROMPT). */
  rubricTemplate?: readonly Message[];
  /** G-Eval's step and scoring prompts, where the config set them (promptfoo's object rubricPrompt). */
  gEvalTemplates?: GEvalTemplates;
  /** Renders grader prompts (factuality, g-eval, ...): main renders them in the sandbox. */
  render?: GraderRender;
  /** Embeddings for similar and answer-relevance. */
  embed?: Embedder;
  /** Moderation flags for moderation checks. */
  moderate?: Moderator;
}

/**
 * As `evaluateAssertion`, and grades llm-rubric with the judge: it passes when the judge says
 * pass and, if a threshold is set, its score reaches the threshold. `not-llm-rubric` flips
 * pass and scores 1 - score. A failed judge call or an unreadable answer fails with the reason.
 */
export async function evaluateAssertionAsync(assertion: Assertion, context: AssertionContext, options: JudgeOptions = {}): Promise<AssertionResult> {
  if (assertion.type === 'assert-set') {
    const members: AssertionResult[] = [];
    for (const member of assertion.assert ?? []) members.push(await evaluateAssertionAsync(member, context, options));
    const renderMetric = metricRenderer(context);
    return assertSetResult(assertion, members, renderMetric ? { renderMetric } : {});
  }
  return weighed(await evaluateOneAsync(assertion, context, options));
}

async function evaluateOneAsync(assertion: Assertion, context: AssertionContext, options: JudgeOptions): Promise<AssertionResult> {
  const prepared = prepare(assertion, context);
  if ('failed' in prepared) return prepared.failed;
  const { base, check } = prepared;
  if (isModelGradedType(base)) {
    // Not graded for want of a grader: marked so, so a re-grade with one asks it (never kept as a verdict).
    const missing = graderMissing(base, options);
    if (missing !== undefined) return { pass: false, score: 0, reason: `"${base}" ${missing}; it has not been graded`, assertion, needsJudge: true };
    const verdict = await gradeWithModel(
      { type: base, inverse: check.inverse, value: check.value, threshold: thresholdOf(check), output: check.context.output, prompt: check.context.prompt, vars: check.context.vars },
      options,
    );
    return { pass: verdict.pass, score: verdict.score, reason: verdict.reason, assertion };
  }
  if (base === 'contains-pii') return piiCheck(check);
  if (base !== 'llm-rubric') return run(base, check);
  const rubric = textValue(check);
  if (rubric === undefined) return invalid(check, '"llm-rubric" needs the rubric as its value');
  if (!options.judge) return needsJudge(check);
  let answer: string;
  try {
    answer = await options.judge(rubricPrompt(rubric, check.context.output, options.rubricTemplate));
  } catch (error) {
    return invalid(check, `The judge model failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseRubricVerdict(answer);
  if (!parsed.ok) return invalid(check, parsed.error);
  const { verdict } = parsed;
  const threshold = thresholdOf(check);
  const holds = verdict.pass && (threshold === undefined || verdict.score >= threshold);
  const pass = holds !== check.inverse;
  return { pass, score: check.inverse ? 1 - verdict.score : verdict.score, reason: verdict.reason || (pass ? PASSED : 'The judge failed the output'), assertion };
}
