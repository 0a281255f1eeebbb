/**
 * Checks on the tool calls an answer made (docs/architecture.md, "Tools"):
 *
 * - `is-valid-openai-tools-call`, as promptfoo means it: the answer made at least one call, and
 *   every call names a tool the prompt offered and has arguments that are JSON valid against
 *   that tool's `parameters` schema.
 * - `tool-call` (Parallax's): some call matches `value`, which is a tool name, or
 *   `{ name?, arguments?, paths?, schema? }`: `arguments` is an expected subset of the
 *   arguments (objects may hold more keys; arrays and scalars must be equal), `paths` maps
 *   JSON paths (`$.location.city`, `$.days[0]`) to the value found there, `schema` is a JSON
 *   Schema the arguments must match. No value: the answer called some tool.
 *
 * Arguments are the model's text, so they are hostile: unparsable, huge or nested thousands
 * deep. Each of these fails the check with a reason; nothing here recurses on them unbounded.
 */
import type { ToolCall, ToolDefinition } from '../tools';
import type { JsonSchemaValidator } from './types';

/** Deeper arguments than this fail before anything walks them (ajv and deep equality recurse). */
export const MAX_ARGUMENT_DEPTH = 64;

export type ToolCheckOutcome = { ok: true; holds: boolean; failure: string; inverseFailure: string } | { ok: false; reason: string };

/** How deep a parsed JSON value nests, counted without recursion; stops counting past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_ARGUMENT_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const inner of Object.values(item)) stack.push([inner, here]);
  }
  return deepest;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** A call's arguments as JSON: an empty text is no arguments ({}), as the vendors send it. */
export function parseArguments(call: ToolCall): Parsed {
  const text = call.arguments.trim();
  if (text === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the arguments of "${call.name}" are not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (jsonDepth(value) > MAX_ARGUMENT_DEPTH) return { ok: false, error: `the arguments of "${call.name}" nest deeper than ${MAX_ARGUMENT_DEPTH} levels` };
  return { ok: true, value };
}

function validated(validate: JsonSchemaValidator, schema: unknown, data: unknown): { valid: true } | { valid: false; errors: string } {
  try {
    return validate(schema, data);
  } catch (error) {
    // A schema or value ajv cannot walk (too deep for its stack) is a failed check, not a crash.
    return { valid: false, errors: error instanceof Error ? error.message : String(error) };
  }
}

/** promptfoo's is-valid-openai-tools-call on the neutral calls and tools. */
export function validToolsCall(calls: readonly ToolCall[] | undefined, tools: readonly ToolDefinition[] | undefined, validate: JsonSchemaValidator | undefined): ToolCheckOutcome {
  if (!calls || calls.length === 0) return { ok: true, holds: false, failure: 'Expected the answer to call a tool; it made no tool call', inverseFailure: '' };
  if (!tools || tools.length === 0) return { ok: false, reason: 'The prompt offers no tools, so its tool calls cannot be checked: define the tools in the prompt (or the provider\'s tools config)' };
  if (!validate) return { ok: false, reason: 'Tool-call checks run in the main process; no schema validator was given here' };
  for (const call of calls) {
    const tool = tools.find((t) => t.name === call.name);
    if (!tool) return { ok: true, holds: false, failure: `Called ${JSON.stringify(call.name)}, but there is no function with that name`, inverseFailure: '' };
    const args = parseArguments(call);
    if (!args.ok) return { ok: true, holds: false, failure: `Call to ${JSON.stringify(call.name)} is invalid: ${args.error}`, inverseFailure: '' };
    const result = validated(validate, tool.parameters ?? { type: 'object' }, args.value);
    if (!result.valid) return { ok: true, holds: false, failure: `Call to ${JSON.stringify(call.name)} does not match schema: ${result.errors}`, inverseFailure: '' };
  }
  const names = calls.map((c) => JSON.stringify(c.name)).join(', ');
  return { ok: true, holds: true, failure: '', inverseFailure: `Expected the tool calls not to be valid; every call (${names}) matches its tool's schema` };
}

/** One step of a JSON path: a key or an array index. */
type Step = string | number;

/** `$.a.b[0]['c d']` (the leading `$` and `.` optional) → steps; undefined when it is not one. */
export function parseJsonPath(path: string): Step[] | undefined {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: Step[] = [];
  const re = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(['"])((?:(?!\3)[^\\]|\\.)*)\3\])/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push((m[4] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function at(value: unknown, steps: readonly Step[]): { found: true; value: unknown } | { found: false } {
  let here = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(here) || step >= here.length) return { found: false };
      here = here[step] as unknown;
    } else {
      if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, step)) return { found: false };
      here = (here as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: here };
}

/** `actual` has everything `expected` has: objects may hold more keys; arrays and scalars are equal. */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => containsSubset(actual[i], item));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const record = actual as Record<string, unknown>;
  return Object.entries(expected).every(([key, inner]) => Object.hasOwn(record, key) && containsSubset(record[key], inner));
}

interface Expectation {
  name?: string;
  arguments?: unknown;
  paths?: Record<string, unknown>;
  schema?: unknown;
}

const EXPECTATION_KEYS = new Set(['name', 'arguments', 'paths', 'schema']);

function readExpectation(value: unknown): { ok: true; expectation: Expectation } | { ok: false; reason: string } {
  if (value === undefined || value === null || value === '') return { ok: true, expectation: {} };
  if (typeof value === 'string') return { ok: true, expectation: { name: value } };
  if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: '"tool-call" takes a tool name or { name, arguments, paths, schema } as its value' };
  const record = value as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((k) => !EXPECTATION_KEYS.has(k));
  if (unknownKey !== undefined) return { ok: false, reason: `"tool-call" does not know ${JSON.stringify(unknownKey)}; its value has name, arguments, paths and schema` };
  if (record['name'] !== undefined && typeof record['name'] !== 'string') return { ok: false, reason: '"tool-call": name is the tool\'s name, a string' };
  const paths = record['paths'];
  if (paths !== undefined) {
    if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) return { ok: false, reason: '"tool-call": paths maps JSON paths to values, e.g. { "$.location.city": "Paris" }' };
    const bad = Object.keys(paths).find((p) => parseJsonPath(p) === undefined);
    if (bad !== undefined) return { ok: false, reason: `"tool-call": ${JSON.stringify(bad)} is not a JSON path such as $.location.city or $.days[0]` };
  }
  if (jsonDepth(record) > MAX_ARGUMENT_DEPTH) return { ok: false, reason: `"tool-call": the value nests deeper than ${MAX_ARGUMENT_DEPTH} levels` };
  return { ok: true, expectation: record as Expectation };
}

/** Why one call does not match, or undefined when it does. */
function mismatch(call: ToolCall, expectation: Expectation, validate: JsonSchemaValidator | undefined): string | undefined {
  if (expectation.name !== undefined && call.name !== expectation.name) return `it called ${JSON.stringify(call.name)}`;
  if (expectation.arguments === undefined && expectation.paths === undefined && expectation.schema === undefined) return undefined;
  const args = parseArguments(call);
  if (!args.ok) return args.error;
  if (expectation.arguments !== undefined && !containsSubset(args.value, expectation.arguments)) {
    return `the arguments of "${call.name}" ${clip(call.arguments)} do not contain ${clip(JSON.stringify(expectation.arguments))}`;
  }
  for (const [path, expected] of Object.entries(expectation.paths ?? {})) {
    const found = at(args.value, parseJsonPath(path) ?? []);
    if (!found.found) return `the arguments of "${call.name}" have nothing at ${path}`;
    if (!containsSubset(found.value, expected)) return `${path} of "${call.name}" is ${clip(JSON.stringify(found.value) ?? 'undefined')}, not ${clip(JSON.stringify(expected))}`;
  }
  if (expectation.schema !== undefined) {
    if (!validate) return 'tool-call schemas are checked in the main process; no schema validator was given here';
    const result = validated(validate, expectation.schema, args.value);
    if (!result.valid) return `the arguments of "${call.name}" do not match the schema: ${result.errors}`;
  }
  return undefined;
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Parallax's tool-call check: some call matches the expectation. */
export function toolCallMatches(calls: readonly ToolCall[] | undefined, value: unknown, validate: JsonSchemaValidator | undefined): ToolCheckOutcome {
  const read = readExpectation(value);
  if (!read.ok) return { ok: false, reason: read.reason };
  const { expectation } = read;
  const what = expectation.name !== undefined ? `a call to ${JSON.stringify(expectation.name)}` : 'a tool call';
  if (!calls || calls.length === 0) return { ok: true, holds: false, failure: `Expected ${what}; the answer made no tool call`, inverseFailure: '' };
  const reasons: string[] = [];
  for (const call of calls) {
    const why = mismatch(call, expectation, validate);
    if (why === undefined) return { ok: true, holds: true, failure: '', inverseFailure: `Expected no ${what.replace(/^a /, '')} like this; the answer made one (${JSON.stringify(call.name)})` };
    reasons.push(why);
  }
  return { ok: true, holds: false, failure: `Expected ${what}${expectation.arguments !== undefined || expectation.paths !== undefined || expectation.schema !== undefined ? ' with those arguments' : ''}; ${reasons.join('; ')}`, inverseFailure: '' };
}

/**
 * The answer as text checks see it when it is only tool calls: promptfoo's output is then the
 * message's tool_calls list, so checks on text read that list as JSON in OpenAI's form.
 */
export function toolCallsText(calls: readonly ToolCall[]): string {
  return JSON.stringify(calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })));
}

/** The output text checks see: the answer's text, or its tool calls as JSON when it has no text. */
export function checkedOutput(output: string, calls: readonly ToolCall[] | undefined): string {
  return output === '' && calls && calls.length > 0 ? toolCallsText(calls) : output;
}
