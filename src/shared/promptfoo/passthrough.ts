/**
 * Request fields of an OpenAI provider's config that Parallax has no field of its own for,
 * sent to the API as written (Params.extra), and `response_format` in each form promptfoo reads.
 *
 * promptfoo's OpenAI providers send a fixed set of config keys besides the ones Parallax models
 * (`user`, `metadata`, `service_tier`, `store`, `prompt_cache_key`, …) and everything under
 * `passthrough:` verbatim; other keys are promptfoo's own settings (`cost`, `headers`,
 * `showThinking`, …) and never reach the API, so they are not sent here either: sending them
 * would make the API refuse the request. The documented Chat Completions and Responses fields
 * promptfoo does not model (`logprobs`, `top_logprobs`, `logit_bias`, `parallel_tool_calls`,
 * …) are sent too: a config that sets one means it.
 */
import { parse as parseYaml } from 'yaml';
import { EXTRA_PARAM_NAME, MAX_EXTRA_PARAMS, MAX_EXTRA_PARAMS_CHARS, paramsSchema, type Params } from '../schemas';

/** Config keys sent to the API as they are (Chat Completions and the Responses API). */
export const OPENAI_BODY_KEYS: ReadonlySet<string> = new Set([
  // promptfoo sends these from the config.
  'user',
  'metadata',
  'service_tier',
  'store',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'verbosity',
  'functions',
  'function_call',
  'tool_resources',
  'modalities',
  'audio',
  // Documented API fields promptfoo has no setting for.
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'parallel_tool_calls',
  'safety_identifier',
  'prediction',
  'web_search_options',
  'include',
  'truncation',
  'text',
]);

/** Fields an extra may not set: the request's own, and `n` (Parallax reads one answer). */
const RESERVED = new Set(['model', 'messages', 'input', 'instructions', 'stream', 'stream_options', 'n', '__proto__', 'constructor', 'prototype']);

const MAX_DEPTH = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a value cannot be sent as JSON (too deep, too large, not JSON), or undefined. Iterative: a config may nest 10,000 deep. */
export function jsonValueProblem(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    if (++nodes > 100_000) return 'is too large';
    if (top.depth > MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels`;
    const item = top.value;
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return 'holds a number JSON cannot write';
      continue;
    }
    if (Array.isArray(item)) for (const inner of item) stack.push({ value: inner, depth: top.depth + 1 });
    else if (isRecord(item)) for (const inner of Object.values(item)) stack.push({ value: inner, depth: top.depth + 1 });
    else return `holds ${item instanceof Date ? 'a date (write it as text in quotes)' : `a ${typeof item}`}, which JSON cannot write`;
  }
  const size = JSON.stringify(value)?.length ?? 0;
  return size > MAX_EXTRA_PARAMS_CHARS ? `is ${size} characters of JSON; at most ${MAX_EXTRA_PARAMS_CHARS} are sent` : undefined;
}

/** Extra fields to send: `passthrough`'s entries, or one body key. */
export function readExtra(key: string, value: unknown): { extra: Record<string, unknown> } | { problem: string } {
  const entries: [string, unknown][] = key === 'passthrough' ? (isRecord(value) ? Object.entries(value) : []) : [[key, value]];
  if (key === 'passthrough' && !isRecord(value)) return { problem: 'must be a map of request fields sent as written, such as {logprobs: true}' };
  const extra: Record<string, unknown> = {};
  for (const [name, inner] of entries) {
    if (RESERVED.has(name)) return { problem: `${key === 'passthrough' ? `${JSON.stringify(name)} ` : ''}cannot be sent: Parallax sets the request's ${name === 'n' ? 'answer count (one)' : name} itself` };
    if (!EXTRA_PARAM_NAME.test(name)) return { problem: `${JSON.stringify(name.slice(0, 40))} is not a request field name (letters, digits, _ . -; at most 64)` };
    if (inner === undefined || inner === null) continue;
    const problem = jsonValueProblem(inner);
    if (problem !== undefined) return { problem: `${key === 'passthrough' ? `${name} ` : ''}${problem}` };
    extra[name] = inner;
  }
  return { extra };
}

/** The extra fields together, checked as Params keeps them. */
export function extraProblem(extra: Record<string, unknown>): string | undefined {
  if (Object.keys(extra).length > MAX_EXTRA_PARAMS) return `sets ${Object.keys(extra).length} request fields Parallax sends as written; at most ${MAX_EXTRA_PARAMS}`;
  const parsed = paramsSchema.shape.extra.safeParse(extra);
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'cannot be sent');
}

/** A `file://` JSON or YAML file's value, read with the config's reader. */
function loadFile(ref: string, readText: ((ref: string) => string) | undefined): { value: unknown } | { problem: string } {
  if (!readText) return { problem: `a response_format from a file (${ref}) can only be read by parallax eval; write it inline` };
  let text: string;
  try {
    text = readText(ref);
  } catch (error) {
    return { problem: `cannot read ${ref}: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return { value: /\.ya?ml$/i.test(ref) ? parseYaml(text, { maxAliasCount: 1000 }) : JSON.parse(text) };
  } catch (error) {
    return { problem: `${ref} is not ${/\.ya?ml$/i.test(ref) ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

const isFileRef = (value: unknown): value is string => typeof value === 'string' && value.startsWith('file://');

/**
 * `response_format` as promptfoo reads it: inline, or a whole `file://` JSON/YAML file, and a
 * json_schema's `schema` (top level or under `json_schema`) from a file. The forms Parallax
 * models (text, json_object, json_schema with a name) become Params.responseFormat; any other
 * (json_schema without a name, another type) is sent as written, on an OpenAI API.
 */
export function readResponseFormat(
  value: unknown,
  sendsAsWritten: boolean,
  readText: ((ref: string) => string) | undefined,
  typed: (format: unknown) => Params['responseFormat'] | undefined,
): { params: Params } | { problem: string } {
  let format = value;
  if (isFileRef(format)) {
    const loaded = loadFile(format, readText);
    if ('problem' in loaded) return loaded;
    format = loaded.value;
  }
  if (isRecord(format) && format['type'] === 'json_schema') {
    const inner = isRecord(format['json_schema']) ? format['json_schema'] : undefined;
    const schema = format['schema'] ?? inner?.['schema'];
    if (isFileRef(schema)) {
      const loaded = loadFile(schema, readText);
      if ('problem' in loaded) return loaded;
      format = format['schema'] !== undefined ? { ...format, schema: loaded.value } : { ...format, json_schema: { ...inner, schema: loaded.value } };
    }
  }
  const parsed = typed(format);
  if (parsed !== undefined) return { params: { responseFormat: parsed } };
  if (!sendsAsWritten) return { problem: 'must be text, json_object, or json_schema with a name and a schema' };
  if (!isRecord(format) || typeof format['type'] !== 'string') return { problem: `must be a map with a type (text, json_object, json_schema, …), not ${Array.isArray(format) ? 'a list' : typeof format === 'string' ? 'text' : 'empty'}` };
  const extra = readExtra('response_format', format);
  return 'problem' in extra ? extra : { params: { extra: extra.extra as NonNullable<Params['extra']> } };
}
