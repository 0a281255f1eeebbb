/**
 * Assertions: automatic checks on one output, with promptfoo's names and meaning so a
 * promptfooconfig.yaml's `assert:` list means the same thing here. Every type also has a
 * `not-` form that passes exactly when the plain form fails.
 */
import { z } from 'zod';
import type { ToolCall, ToolDefinition } from '../tools';
import type { SqlParser } from './sql';
import type { PiiKind, PiiSpan } from '../pii/kinds';

/** The assertion types Parallax checks, as written in promptfoo YAML (without `not-`). */
export const BASE_ASSERTION_TYPES = [
  'equals',
  'contains',
  'icontains',
  'contains-any',
  'contains-all',
  'icontains-any',
  'icontains-all',
  'regex',
  'starts-with',
  'is-json',
  'contains-json',
  // Parallax's name for "is-json with a schema": the schema in `value` is required.
  'is-valid-json-schema',
  'levenshtein',
  'bleu',
  'rouge-n',
  // promptfoo's handler computes ROUGE-L too (js-rouge's `l`); Parallax lists it by name.
  'rouge-l',
  'latency',
  'cost',
  'llm-rubric',
  // Code from the config, run in the sandbox (never with this process's rights).
  'javascript',
  // Tool calls (src/shared/assertions/tool-calls.ts): promptfoo's check, and Parallax's on one call.
  'is-valid-openai-tools-call',
  'tool-call',
  // Words in the output: an exact number, or { min, max }.
  'word-count',
  // Why the model stopped (stop, length, tool_calls, ...), compared without case.
  'finish-reason',
  // promptfoo's perplexity of the answer, from the log-probabilities of its tokens (the provider's, when it sends them).
  'perplexity',
  'perplexity-score',
  // Personal data in the answer, found by the detectors that mask requests (src/shared/pii); `value`: kinds. Parallax only.
  'contains-pii',
  // XML (saxes, fast-xml-parser) and SQL (node-sql-parser, injected) as promptfoo checks them: xml.ts, sql.ts.
  'is-xml',
  'contains-xml',
  'is-sql',
  'contains-sql',
  // A group of checks scored as one, with its own threshold, weight and metric.
  'assert-set',
  // Graded by a model, embeddings or moderation (src/shared/assertions/model-graded.ts), as promptfoo grades them.
  'factuality',
  // promptfoo's older name for factuality: the same handler there, the same check here.
  'model-graded-factuality',
  'model-graded-closedqa',
  'g-eval',
  'answer-relevance',
  'similar',
  'similar:cosine',
  'similar:dot',
  'similar:euclidean',
  'moderation',
  // Compare all of a row's answers: graded once the row is done (src/main/runner/compare.ts).
  'select-best',
  'max-score',
] as const;

export type BaseAssertionType = (typeof BASE_ASSERTION_TYPES)[number];
export type AssertionType = BaseAssertionType | `not-${BaseAssertionType}`;

const BASE_SET: ReadonlySet<string> = new Set(BASE_ASSERTION_TYPES);

export function isAssertionType(type: string): type is AssertionType {
  return BASE_SET.has(type.startsWith('not-') ? type.slice(4) : type);
}

/** The plain type and whether the `not-` form was asked for. */
export function splitAssertionType(type: AssertionType): { base: BaseAssertionType; inverse: boolean } {
  return type.startsWith('not-') ? { base: type.slice(4) as BaseAssertionType, inverse: true } : { base: type as BaseAssertionType, inverse: false };
}

const jsonValueSchema = z.json();

/** promptfoo check types Parallax refuses, with the reason: code it cannot sandbox, or what it cannot measure. */
const REFUSED: Readonly<Record<string, string>> = {
  python: 'python checks are not supported: Parallax runs check code only in its sandbox, which has no Python and no access to this machine; write the check as a javascript check',
  ruby: 'ruby checks are not supported: Parallax runs check code only in its sandbox; write the check as a javascript check',
  webhook: 'webhook checks are not supported: a check never sends an answer to another server',
  'is-valid-openai-function-call': 'is-valid-openai-function-call checks are not supported: it checks the legacy `functions`/`function_call` API, and Parallax sends tools and reads tool calls; use is-valid-openai-tools-call',
};

function unknownTypeMessage(input: unknown): string {
  const type = String(input);
  const refused = REFUSED[type.startsWith('not-') ? type.slice(4) : type];
  if (refused !== undefined) return `"${type}": ${refused}.`;
  return `"${type}" is not an assertion type Parallax checks; known types: ${BASE_ASSERTION_TYPES.join(', ')} (each also as not-<type>).`;
}

/**
 * One assertion as written in promptfoo YAML. `value` is a string, a number, a list of strings
 * (contains-any and friends, several BLEU references) or an object (a JSON schema, or the
 * expected JSON for `equals`). Keys promptfoo has and Parallax does not check (`provider`,
 * `transform`, `config`, ...) are dropped by parsing.
 */
const assertionFields = {
  type: z.string().refine(isAssertionType, {
    error: (issue) => unknownTypeMessage(issue.input),
  }),
  value: jsonValueSchema.optional(),
  threshold: z.number().finite().optional(),
  weight: z.number().finite().min(0).optional(),
  metric: z.string().optional(),
  /** JavaScript applied to the output before this check (promptfoo's assertion-level `transform`), run in the sandbox. */
  transform: z.string().max(100_000).optional(),
};

/** A check inside an assert-set: promptfoo has no handler for a set within a set. */
const memberSchema = z.object(assertionFields).refine((a) => a.type !== 'assert-set' && a.type !== 'not-assert-set', {
  error: 'an assert-set cannot hold another assert-set (promptfoo does not nest them)',
});

export const assertionSchema = z
  .object({
    ...assertionFields,
    /** assert-set's checks: scored together, the set passing as a test of its own would (its threshold, else all pass). */
    assert: z.array(memberSchema).max(50).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'not-assert-set') ctx.addIssue({ code: 'custom', path: ['type'], message: 'assert-set has no not- form in promptfoo; put not- on the checks inside it' });
    else if (a.type === 'assert-set' && (a.assert === undefined || a.assert.length === 0)) ctx.addIssue({ code: 'custom', path: ['assert'], message: 'assert-set needs its checks as a list under assert' });
  });

export type AssertionDefinition = z.infer<typeof assertionSchema>;

/** An assertion whose type is known to be one Parallax checks. */
export type Assertion = Omit<AssertionDefinition, 'type' | 'assert'> & { type: AssertionType; assert?: Assertion[] };

/** Parse an assertion that came from a file or the UI; errors carry zod's messages. */
export function parseAssertion(input: unknown): { ok: true; assertion: Assertion } | { ok: false; error: string } {
  const parsed = assertionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') };
  return { ok: true, assertion: parsed.data as Assertion };
}

/** Validates data against a JSON schema. Injected, because ajv compiles with `new Function`. */
export type JsonSchemaValidator = (schema: unknown, data: unknown) => { valid: true } | { valid: false; errors: string };

export interface AssertionContext {
  output: string;
  /** The test case's expected answer: the reference for BLEU/ROUGE/levenshtein when `value` is absent. */
  expected?: string;
  vars: Record<string, unknown>;
  latencyMs?: number;
  costUsd?: number;
  /** Why the model stopped, as the provider said it (finish-reason checks). */
  finishReason?: string;
  /** The log-probabilities of the answer's tokens, as their sum and count (all perplexity needs); absent when the provider sent none. */
  logprobs?: { sum: number; count: number };
  /** The prompt sent, as promptfoo gives it to graders: one user message's text, else the messages as JSON. */
  prompt?: string;
  /** Renders `{{ var }}` in string values (the caller owns the template engine). */
  renderValue?: (text: string) => string;
  /** Needed by is-json / contains-json with a schema and by is-valid-json-schema. */
  validateJsonSchema?: JsonSchemaValidator;
  /** Tests a regex under a time budget (main's sandbox); regex checks fail without it. */
  testRegex?: RegexTester;
  /** node-sql-parser, from main: is-sql and contains-sql fail without it. */
  sqlParser?: SqlParser;
  /** Runs check code and transforms in the sandbox; javascript checks fail without it. */
  runCode?: CodeRunner;
  /** The tool calls the answer made (its `output` is then their JSON when it has no text). */
  toolCalls?: readonly ToolCall[];
  /** The tools the model was offered (the cell's params.tools). */
  tools?: readonly ToolDefinition[];
  /** Main's personal-data scanner (src/main/pii): contains-pii checks fail without it. */
  findPii?: PiiFinder;
}

/** Finds personal data of some kinds in a text; `complete`: all of it was read. */
export type PiiFinder = (text: string, kinds: readonly PiiKind[]) => Promise<{ spans: PiiSpan[]; complete: boolean }>;

/** Whether a pattern matches somewhere in a text, or why it could not be told. */
export type RegexTester = (pattern: string, text: string) => { ok: true; match: boolean } | { ok: false; error: string };

/** A value user code returned: its JavaScript kind, and the value as JSON. */
export interface CodeValue {
  kind: string;
  json: string;
  /** The text, when kind is string. */
  text: string;
}

/** Runs `body` as a function of `params` with JSON `args` in the sandbox. */
export type CodeRunner = (params: readonly string[], body: string, args: readonly unknown[]) => { ok: true; value: CodeValue } | { ok: false; error: string };

/** The result of one assertion, shaped like promptfoo's GradingResult for one component. */
export interface AssertionResult {
  pass: boolean;
  /** 0..1 (1 - score for the `not-` form of the scored metrics). */
  score: number;
  reason: string;
  assertion: Assertion;
  /** Set on llm-rubric results that were not graded because no judge was called. */
  needsJudge?: boolean;
  /** An assert-set's results, one per check in it. */
  componentResults?: AssertionResult[];
  /** An assert-set's named scores (its checks' metrics), weighed into the test's as promptfoo does. */
  namedScores?: Record<string, number>;
  namedScoreWeights?: Record<string, number>;
}

/** promptfoo's aggregate `gradingResult` for a test case. */
export interface GradingResult {
  pass: boolean;
  score: number;
  reason: string;
  /** Weighted mean score per `metric` name. */
  namedScores: Record<string, number>;
  /** The total weight behind each named score. */
  namedScoreWeights?: Record<string, number>;
  componentResults: AssertionResult[];
}
