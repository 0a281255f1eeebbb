/**
 * Grades a finished cell with its row's checks and the run's checks for every row, as
 * promptfoo does with tests[].assert and defaultTest.assert. llm-rubric asks the judge model
 * the run names; JSON schemas are checked with ajv (main only: it compiles with new Function).
 */
import { createHash } from 'node:crypto';
import { applyTransform, assertSetResult, checkedOutput, evaluateAssertionAsync, gradingResult, weighed, type Judge } from '../../shared/assertions';
import type { Assertion, AssertionResult } from '../../shared/assertions/types';
import { isModelGradedType, moderationFlags, promptText, type Embedder, type Moderator } from '../../shared/assertions/model-graded';
import { MAX_TRANSFORMED_OUTPUT, type Cell, type GraderRef, type Grading, type JudgeConfig, type Message, type Variables } from '../../shared/schemas';
import { createJsonSchemaValidator } from '../assertions/json-schema';
import { sqlParser } from '../assertions/sql-parser';
import { PiiScanner } from '../pii/scanner';
import type { PiiKind } from '../../shared/pii/kinds';

/** The scanner contains-pii checks use: the same detectors that mask requests (src/main/pii). */
const piiScanner = new PiiScanner();
import { sandboxCodeRunner, sandboxRegexTester } from '../sandbox/checks';
import type { ProviderRegistry } from '../providers/registry';
import type { ChatProvider } from '../providers/types';
import type { GradingSpec } from '../store/store';
import { renderMessages } from '../template/render';

const validateJsonSchema = createJsonSchemaValidator();

/** The checks a row gets: the run's for every row, then its own. */
export function checksFor(spec: GradingSpec, caseIndex: number): Assertion[] {
  return [...spec.assertions, ...((spec.testCases[caseIndex]?.assert ?? []) as Assertion[])];
}

/** A check of this row (in a set too) reads the answer's token log-probabilities: perplexity, perplexity-score, or their not- forms. */
export function needsLogprobs(spec: GradingSpec, caseIndex: number): boolean {
  const reads = (check: Assertion): boolean => /^(not-)?perplexity(-score)?$/.test(check.type) || (check.assert ?? []).some(reads);
  return checksFor(spec, caseIndex).some(reads);
}

export function hasChecks(spec: GradingSpec): boolean {
  return spec.assertions.length > 0 || spec.testCases.some((t) => (t.assert?.length ?? 0) > 0);
}

/** A judge asked through a grader: the check's own when given (GraderRef), else the run's judge. */
export type RoutedJudge = (messages: Message[], grader?: JudgeConfig) => Promise<string>;

/** Some row or check of the run names a grader of its own (`parallax eval`: options.provider, assert.provider). */
function hasOwnGraders(spec: GradingSpec): boolean {
  return spec.testCases.some((t) => t.grader !== undefined || (t.graders !== undefined && Object.keys(t.graders).length > 0));
}

/** The grader a check asks: its own, else its row's, else the run's judge; the judge's prompts apply to all. */
export function graderFor(spec: GradingSpec, own: GraderRef | undefined): JudgeConfig | undefined {
  if (own === undefined) return spec.judge;
  return { ...(spec.judge?.prompt ? { prompt: spec.judge.prompt } : {}), ...(spec.judge?.gEvalPrompt ? { gEvalPrompt: spec.judge.gEvalPrompt } : {}), ...own };
}

/** Each check of a row (a set's members too) with the grader it asks, by identity. */
export function gradersOfRow(spec: GradingSpec, caseIndex: number): Map<Assertion, JudgeConfig | undefined> {
  const testCase = spec.testCases[caseIndex];
  const out = new Map<Assertion, JudgeConfig | undefined>();
  // A set's checks do not take the set's own grader (promptfoo runs each with its own provider, else the test's).
  const place = (checks: readonly Assertion[], prefix: 'd' | 't'): void => {
    checks.forEach((check, i) => {
      const own = testCase?.graders?.[`${prefix}${i}`];
      out.set(check, graderFor(spec, own ?? testCase?.grader));
      (check.assert ?? []).forEach((member, j) => out.set(member, graderFor(spec, testCase?.graders?.[`${prefix}${i}.${j}`] ?? testCase?.grader)));
    });
  };
  place(spec.assertions, 'd');
  place((testCase?.assert ?? []) as Assertion[], 't');
  return out;
}

/** A judge that sends the rubric prompt to the grader's model (the run's judge unless the check names another) and collects its answer. */
export function judgeOf(spec: GradingSpec, registry: Pick<ProviderRegistry, 'resolve'>, signal: AbortSignal): RoutedJudge | undefined {
  if (!spec.judge && !hasOwnGraders(spec)) return undefined;
  return async (messages, grader = spec.judge) => {
    if (!grader) throw new Error(NO_GRADER);
    const { provider } = await registry.resolve(grader.providerId);
    let text = '';
    for await (const part of provider.stream({ model: grader.model, messages, params: { temperature: 0 }, signal })) {
      if (part.type === 'delta') text += part.text;
    }
    return text;
  };
}

const NO_GRADER = "this check has no grader: set defaultTest.options.provider, the test's options.provider or the check's provider";

/** Embeddings and moderation on the grader's server (the run's judge unless the check names another; promptfoo's default models unless the config names others). */
export function graderServicesOf(spec: GradingSpec, registry: Pick<ProviderRegistry, 'resolve'>, signal: AbortSignal): GraderServices {
  if (!spec.judge && !hasOwnGraders(spec)) return {};
  const service = async (grader: JudgeConfig | undefined): Promise<{ provider: ChatProvider; config: JudgeConfig }> => {
    if (!grader) throw new Error(NO_GRADER);
    const { provider } = await registry.resolve(grader.providerId);
    return { provider, config: grader };
  };
  return {
    embed: async (text, grader = spec.judge) => {
      const { provider, config } = await service(grader);
      if (!provider.embed) throw new Error(`the grader ${config.providerId} has no OpenAI-compatible /embeddings endpoint`);
      return provider.embed(text, config.embeddingModel ?? DEFAULT_EMBEDDING_MODEL, signal);
    },
    moderate: async (text, grader = spec.judge) => {
      const { provider, config } = await service(grader);
      if (!provider.moderate) throw new Error(`the grader ${config.providerId} has no OpenAI-compatible /moderations endpoint`);
      return moderationFlags(await provider.moderate(text, config.moderationModel ?? DEFAULT_MODERATION_MODEL, signal));
    },
  };
}

/** promptfoo's default embedding and moderation models (its OpenAI defaults). */
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-large';
export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

export interface GraderServices {
  embed?: (text: string, grader?: JudgeConfig) => ReturnType<Embedder>;
  moderate?: (text: string, grader?: JudgeConfig) => ReturnType<Moderator>;
}

/** Grader prompts are data: rendered in the sandbox like any template, the answer and variables passed as values. */
function renderGraderPrompt(messages: readonly Message[], vars: Record<string, unknown>): Message[] {
  return renderMessages(messages, vars as Variables);
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

/** select-best and max-score: graded on all of a row's answers at once. */
export function isComparison(assertion: { type: string }): boolean {
  return /^(not-)?(select-best|max-score)$/.test(assertion.type);
}

/** One check's stored outcome on one cell. */
export type GradingComponent = Grading['componentResults'][number];

export function isModelGraded(assertion: { type: string; assert?: readonly { type: string }[] }): boolean {
  const base = assertion.type.replace(/^not-/, '');
  return base === 'llm-rubric' || isModelGradedType(base) || (assertion.assert?.some((member) => isModelGraded(member)) ?? false);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a check's result depends on: its type, value, threshold and transform, and for a
 * model-graded check the judge (provider, model, prompt). Weight and metric only weigh the
 * result, so changing them keeps it.
 */
export function checkKey(assertion: Assertion, judge: JudgeConfig | undefined): string {
  const { weight: _weight, metric: _metric, ...definition } = assertion;
  const judged = isModelGraded(assertion)
    ? { judge: judge ? { providerId: judge.providerId, model: judge.model, prompt: judge.prompt ?? null, embeddingModel: judge.embeddingModel, moderationModel: judge.moderationModel } : null }
    : {};
  return createHash('sha256').update(canonical({ ...definition, ...judged })).digest('hex').slice(0, 32);
}

/** Reasons of model-graded results that were never really graded: asked again on a re-grade. */
const UNGRADED = [/^llm-rubric needs a judge model/, /^The judge model failed/];

/**
 * The model-graded results a cell holds, by check key, that a re-grade may keep. Results
 * graded before results named their check are matched by position with the checks the run
 * recorded (`previous`), when they line up.
 */
export function keptResults(cell: Pick<Cell, 'caseIndex' | 'grading'>, previous: GradingSpec): Map<string, GradingComponent> {
  const kept = new Map<string, GradingComponent>();
  const components = cell.grading?.componentResults ?? [];
  const checks = checksFor(previous, cell.caseIndex);
  const lineUp = components.length === checks.length && components.every((c, i) => c.type === checks[i]?.type);
  components.forEach((component, i) => {
    if (!isModelGraded(component)) return;
    const check = checks[i];
    const key = component.check ?? (lineUp && check && !UNGRADED.some((re) => re.test(component.reason)) ? checkKey(check, previous.judge) : undefined);
    if (key !== undefined) kept.set(key, component);
  });
  // An assert-set's judged checks are kept as any other (they were graded after results named their checks).
  for (const member of components.flatMap((c) => c.members ?? [])) if (isModelGraded(member) && member.check !== undefined) kept.set(member.check, member);
  return kept;
}

/** The model-graded checks of a row that need a judge call: not kept, and with a judge and a rubric to ask. */
export function judgeCallsFor(checks: readonly Assertion[], judge: JudgeConfig | undefined, kept: ReadonlyMap<string, GradingComponent>): Assertion[] {
  if (!judge) return [];
  return checks
    .flatMap((check) => (check.type === 'assert-set' ? (check.assert ?? []) : [check]))
    .filter((check) => isModelGraded(check) && (check.value !== undefined || /answer-relevance$/.test(check.type)) && check.value !== '' && !kept.has(checkKey(check, judge)))
    .flatMap((check) => Array.from({ length: judgeCallsOf(check) }, () => check));
}

/** How many times a check asks the judge: G-Eval twice a criterion, answer-relevance three times; similar and moderation never (they ask the judge's server). */
function judgeCallsOf(check: Assertion): number {
  const base = check.type.replace(/^not-/, '');
  if (base.startsWith('similar') || base === 'moderation') return 0;
  if (base === 'answer-relevance') return 3;
  if (base === 'g-eval') return 2 * (Array.isArray(check.value) ? check.value.length : 1);
  return 1;
}

/**
 * Grades one answer with the spec's checks. `kept` holds model-graded results from an earlier
 * grading, by check key: a check found there keeps its result and the judge is not asked.
 */
export async function gradeCell(cell: Cell, spec: GradingSpec, judge: RoutedJudge | undefined, kept: ReadonlyMap<string, GradingComponent> = new Map(), services: GraderServices = {}): Promise<Grading | undefined> {
  // select-best and max-score compare the row's answers: graded when the row is done (compare.ts).
  const checks = checksFor(spec, cell.caseIndex).filter((check) => !isComparison(check));
  if (checks.length === 0) return undefined;
  const testCase = spec.testCases[cell.caseIndex];
  const vars = cell.variables;
  // An answer that is only tool calls is their JSON to checks on text (promptfoo's output is then the tool_calls list).
  let output = checkedOutput(cell.output, cell.toolCalls);
  if (testCase?.transform !== undefined) {
    // promptfoo's options.transform: every check of this row sees the transformed answer.
    const transformed = applyTransform(sandboxCodeRunner, testCase.transform, output, { vars });
    if (!transformed.ok) {
      return { pass: false, score: 0, reason: transformed.error, componentResults: checks.map((c) => ({ type: c.type, pass: false, score: 0, reason: transformed.error, ...(c.metric !== undefined ? { metric: c.metric } : {}) })) };
    }
    output = transformed.output;
  }
  const context = {
    output,
    ...(testCase?.expected !== undefined ? { expected: testCase.expected } : {}),
    vars,
    // A cached answer took no time of its own: a latency check says so rather than passing on 0 ms.
    ...(cell.totalMs !== undefined && cell.cached !== true ? { latencyMs: cell.totalMs } : {}),
    ...(cell.costUsd !== undefined ? { costUsd: cell.costUsd } : {}),
    ...(cell.finishReason !== undefined ? { finishReason: cell.finishReason } : {}),
    ...(cell.logprobs !== undefined ? { logprobs: cell.logprobs } : {}),
    ...(cell.messages.length > 0 ? { prompt: promptText(cell.messages) } : {}),
    renderValue: (text: string) => renderValue(text, vars),
    validateJsonSchema,
    testRegex: sandboxRegexTester,
    sqlParser,
    findPii: (text: string, kinds: readonly PiiKind[]) => piiScanner.scan(text, kinds),
    runCode: sandboxCodeRunner,
    ...(cell.toolCalls ? { toolCalls: cell.toolCalls } : {}),
    ...(cell.params.tools ? { tools: cell.params.tools } : {}),
  };
  // The echo "judge" answers with its prompt, whose examples hold a verdict: say so next to it (grader?.providerId below).
  const graders = gradersOfRow(spec, cell.caseIndex);
  const gradeOne = async (assertion: Assertion): Promise<{ result: AssertionResult; component: GradingComponent }> => {
    const grader = graders.has(assertion) ? graders.get(assertion) : spec.judge;
    const key = checkKey(assertion, grader);
    const metric = assertion.metric !== undefined ? { metric: assertion.metric } : {};
    const keep = isModelGraded(assertion) ? kept.get(key) : undefined;
    if (keep) {
      const { members: _members, ...kept } = keep;
      return { result: weighed({ pass: kept.pass, score: kept.score, reason: kept.reason, assertion }), component: { ...kept, type: assertion.type, ...metric, check: key } };
    }
    // A judge call that failed is not a verdict: its result is asked again next time.
    let judgeFailed = false;
    const watched: Judge | undefined = judge
      ? async (messages) => {
          try {
            return await judge(messages, grader);
          } catch (error) {
            judgeFailed = true;
            throw error;
          }
        }
      : undefined;
    const watch = <A extends unknown[], R>(call: ((...args: A) => Promise<R>) | undefined) =>
      call
        ? async (...args: A): Promise<R> => {
            try {
              return await call(...args);
            } catch (error) {
              judgeFailed = true;
              throw error;
            }
          }
        : undefined;
    const { embed: embedVia, moderate: moderateVia } = services;
    const embed = watch(embedVia ? (text: string) => embedVia(text, grader) : undefined);
    const moderate = watch(moderateVia ? (text: string) => moderateVia(text, grader) : undefined);
    const result = await evaluateAssertionAsync(assertion, context, {
      ...(watched ? { judge: watched } : {}),
      ...(spec.judge?.prompt ? { rubricTemplate: spec.judge.prompt } : {}),
      ...(spec.judge?.gEvalPrompt ? { gEvalTemplates: spec.judge.gEvalPrompt } : {}),
      render: renderGraderPrompt,
      ...(embed ? { embed } : {}),
      ...(moderate ? { moderate } : {}),
    });
    const modelGraded = isModelGraded(assertion);
    return {
      result,
      component: {
        type: assertion.type,
        pass: result.pass,
        score: result.score,
        reason: grader?.providerId === 'echo' && modelGraded ? `${result.reason} (echo judge: it repeats its prompt, so this verdict only tests the setup)` : result.reason,
        ...metric,
        ...(result.needsJudge === true || judgeFailed ? {} : { check: key }),
      },
    };
  };
  const renderMetric = (metric: string) => renderValue(metric, vars);
  const results: AssertionResult[] = [];
  const components: GradingComponent[] = [];
  for (const assertion of checks) {
    if (assertion.type !== 'assert-set') {
      const { result, component } = await gradeOne(assertion);
      results.push(result);
      components.push(component);
      continue;
    }
    // An assert-set: its checks one by one (a judged one kept as any other), then graded as a test of its own.
    const graded = [];
    for (const member of assertion.assert ?? []) graded.push(await gradeOne(member));
    const result = assertSetResult(assertion, graded.map((g) => g.result), { renderMetric });
    results.push(result);
    components.push({
      type: assertion.type,
      pass: result.pass,
      score: result.score,
      reason: result.reason,
      ...(assertion.metric !== undefined ? { metric: assertion.metric } : {}),
      members: graded.map((g) => g.component),
    });
  }
  const aggregate = gradingResult(results, { renderMetric, ...(testCase?.threshold !== undefined ? { threshold: testCase.threshold } : {}) });
  return {
    pass: aggregate.pass,
    score: aggregate.score,
    reason: aggregate.reason,
    componentResults: components,
    ...(Object.keys(aggregate.namedScores).length > 0 ? { namedScores: aggregate.namedScores } : {}),
    ...(testCase?.transform !== undefined && output.length <= MAX_TRANSFORMED_OUTPUT ? { output } : {}),
  };
}

