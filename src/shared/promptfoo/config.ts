/**
 * The subset of promptfoo's config file (promptfooconfig.yaml) that Parallax runs:
 * `description`, `prompts`, `providers` (or `targets`), `tests[].vars` and `defaultTest.vars`.
 * Everything is checked up front, and every problem names the file, the field, the line and
 * what to do, so a config error never surfaces halfway through a paid run.
 *
 * Keys promptfoo knows but Parallax does not act on yet are warnings, and so are keys promptfoo
 * does not know (promptfoo ignores them): one line each, naming the key it may be a typo of.
 */
import { LineCounter, isMap, isNode, isPair, isScalar, parse as parseYaml, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { MAX_REPEATS, messageSchema, type Message, type Params, type VariableValue, type Variables } from '../schemas';
import { parseAssertion, type Assertion } from '../assertions/types';
import { API_PARAM_NAMES, ImportReport, readParams } from '../formats/common';
import { textOfParts } from '../formats/image-parts';
import {
  GEMINI_GENERATION_KEYS,
  reasoningFromResponses,
  responseFormatFromGemini,
  safetyFromGemini,
  thinkingFromAnthropic,
  toolChoiceFromConfig,
  toolChoiceFromGemini,
  toolsFromConfig,
} from './vendor-config';
import { messageVariables } from '../template';
import { codePromptRefusal, isGlob, looksLikePromptPath, promptRefMatches, promptsOfFile, providerRefMatches, type PromptFile } from './prompts';
import { OPENAI_BODY_KEYS, extraProblem, readExtra, readResponseFormat } from './passthrough';
import { MAX_EXPANDED_TESTS, expands, varCombinations } from './vars';
import { parseDuration, timeoutProblem, type ProviderTimeouts, type TimeoutKind } from '../timeouts';

/** One problem (or warning) in a config file, with where it is. */
export interface ConfigIssue {
  file: string;
  /** The field, as a path: `providers[1].config.apiKeyEnvar`. Empty for the file as a whole. */
  path: string;
  /** 1-based. */
  line?: number;
  column?: number;
  message: string;
}
export type ConfigError = ConfigIssue;

/** `promptfooconfig.yaml: providers[1] (line 7): unknown provider "anthropic:foo"; …` */
export function formatIssue(issue: ConfigIssue): string {
  const where =
    issue.line === undefined ? '' : issue.column === undefined ? `line ${issue.line}` : `line ${issue.line}, column ${issue.column}`;
  const head = issue.path ? `${issue.file}: ${issue.path}${where ? ` (${where})` : ''}` : `${issue.file}${where ? ` (${where})` : ''}`;
  return `${head}: ${issue.message}`;
}

export interface ConfigPrompt {
  /** As written in the config: the template, or for a chat prompt its JSON. */
  raw: string;
  label: string;
  /** True when the prompt is a chat array (JSON or YAML list of {role, content}). */
  chat: boolean;
  /** The template as messages; a plain string prompt is one user message. */
  messages: Message[];
  /** The `id` a prompt written as {id, raw} carries: `prompts` filters name a prompt by it or by its label. */
  id?: string;
}

export type ProviderKind = 'echo' | 'openai' | 'anthropic' | 'google';

export interface ConfigProvider {
  /** As written: `echo`, `openai:chat:gpt-4o-mini`, `openai:gpt-4o`. */
  id: string;
  label?: string;
  kind: ProviderKind;
  /** Kind openai: the Responses API (`openai:responses:<model>`); Chat Completions when absent. */
  api?: 'chat' | 'responses';
  model: string;
  /** OpenAI-compatible base URL, when the config sets one. */
  apiBaseUrl?: string;
  /** Name of the environment variable holding the key, when the config sets one. */
  apiKeyEnvar?: string;
  params: Params;
  /** `config.timeout` (total, in ms as promptfoo writes it) and `config.timeouts` (each kind). */
  timeouts?: ProviderTimeouts;
  /** The provider's `prompts`: the prompts it runs, by label or id (src/shared/promptfoo/prompts.ts); all when absent. */
  prompts?: string[];
  /** The id promptfoo gives the provider when it differs from the one written (`openai:chat:x` as a string is `openai:x`). */
  promptfooId?: string;
}

export interface ConfigTest {
  description?: string;
  vars: Variables;
  /** options.disableVarExpansion: lists of values passed whole, not one test per value. */
  disableVarExpansion?: boolean;
  /** From a test file's `__expected` column, or an `expected` var. */
  expected?: string;
  /** This test's own checks (tests[].assert). */
  assert?: Assertion[];
  /** options.transform (the test's, else defaultTest's): JavaScript applied to the output before its checks, in the sandbox. */
  transform?: string;
  /** threshold (the test's, else defaultTest's): the test passes when its checks' weighted mean score reaches it. */
  threshold?: number;
  /** options.prefix / options.suffix (the test's, else defaultTest's): text put before and after each prompt's template for this test, as promptfoo does. */
  prefix?: string;
  suffix?: string;
  /** options.disableDefaultAsserts: defaultTest's checks do not apply to this test. */
  disableDefaultAsserts?: boolean;
  /** tests[].prompts (else defaultTest's): the prompts this test runs with, by label or id; all when absent. */
  prompts?: string[];
  /** tests[].providers (else defaultTest's): the providers this test runs on, by label or id; all when absent. */
  providers?: string[];
  /** options.provider: the grader of this test's model-graded checks (defaultTest's when absent). */
  grader?: GraderChoice;
}

/** A grader as promptfoo's options.provider / assert.provider names it: a chat model, and models on its server for embeddings and moderation. */
export interface GraderChoice {
  grader?: ConfigProvider;
  graderModels?: GraderModels;
}

export interface EvalConfig {
  description?: string;
  prompts: ConfigPrompt[];
  providers: ConfigProvider[];
  /** At least one: a config without tests runs each prompt once with no variables, as promptfoo does. */
  tests: ConfigTest[];
  /** defaultTest.assert: checks for every test. */
  defaultAssert?: Assertion[];
  /** defaultTest.options.provider: the model that grades llm-rubric. */
  grader?: ConfigProvider;
  /** Checks with their own grader (promptfoo's assert.provider), by identity: defaultTest's and the tests'. */
  checkGraders?: ReadonlyMap<Assertion, GraderChoice>;
  /** defaultTest.options.provider.embedding / .moderation: the models asked on the grader's server for similar, answer-relevance and moderation. */
  graderModels?: GraderModels;
  /** defaultTest.options.rubricPrompt: the judge's messages ({{ output }} and {{ rubric }} filled in). */
  rubricPrompt?: Message[];
  /** defaultTest.options.rubricPrompt as `{steps, evaluate}`: G-Eval's two prompts (the other graders keep their own). */
  gEvalPrompt?: GEvalPrompt;
  /** evaluateOptions.repeat: how many times each cell is asked. */
  repeat?: number;
  /** evaluateOptions.maxConcurrency. */
  maxConcurrency?: number;
  /** nunjucksFilters: each filter's name and its file's JavaScript, run in the sandbox (parallax eval only). */
  nunjucksFilters?: { name: string; source: string }[];
}

/**
 * Reading what a config names with `file://` (relative to the config's folder). The parser is
 * pure; the CLI gives it a reader. Both throw an Error whose message says what went wrong.
 */
export interface ConfigFiles {
  /** A prompt file's text. */
  readText(ref: string): string;
  /** A CSV, JSONL or JSON file of test cases; bad rows come back as problems ("line 14: …"). */
  readTests(ref: string): { tests: ConfigTest[]; problems: string[]; /** How the file was read, when that needs saying (not UTF-8). */ notes?: string[] };
  /**
   * The files a prompt reference names (a glob may name several, in path order), each with its
   * text as written and its path as promptfoo shows it in labels. Without it, readText serves.
   */
  readPrompts?(ref: string): PromptFile[];
}

export type ParseResult =
  | { ok: true; config: EvalConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigIssue[] };

export const SUPPORTED_PROVIDERS = 'echo, openai:chat:<model>, openai:<model>, openai:responses:<model>, anthropic:messages:<model>, anthropic:<model>, google:<model>';

/** Top-level keys of promptfoo's config that Parallax reads. */
const READ_KEYS = new Set(['description', 'prompts', 'providers', 'targets', 'tests', 'scenarios', 'nunjucksFilters', 'defaultTest', 'evaluateOptions']);

/** Top-level keys promptfoo knows that Parallax does not act on, with what to do instead. */
const IGNORED_KEYS: Readonly<Record<string, string>> = {
  outputPath: 'ignored; Parallax writes the files given with -o/--output',
  commandLineOptions: 'ignored; pass options on the command line',
  env: 'ignored; set environment variables in the shell that runs Parallax',
  tags: 'ignored',
  sharing: 'ignored; Parallax never uploads results',
  derivedMetrics: 'ignored; metrics are not supported yet',
  extensions: 'ignored; extensions are not supported',
  metadata: 'ignored',
  redteam: 'ignored; red-teaming is not supported',
  writeLatestResults: 'ignored; every run is kept in the Parallax database',
  tracing: 'ignored',
  providerPromptMap: 'ignored; every prompt runs on every provider',
};

const OPENAI_NON_CHAT_TYPES = new Set([
  'completion',
  'embedding',
  'embeddings',
  'assistant',
  'image',
  'realtime',
  'transcription',
  'moderation',
  'agents',
  'chatkit',
  'codex-sdk',
]);

const ENVAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Request parameters a provider's config may set, by their API names. */
const PARAM_BY_API_NAME: ReadonlyMap<string, keyof Params> = new Map([
  ...(Object.entries(API_PARAM_NAMES) as [keyof Params, string][]).map(([key, name]): [string, keyof Params] => [name, key]),
  ['max_completion_tokens', 'maxTokens'],
]);
/** Keys each vendor writes its own way (./vendor-config), read under every provider id. */
const VENDOR_CONFIG_KEYS = ['tool_choice', 'toolConfig', 'thinking', 'reasoning', 'max_output_tokens', 'generationConfig', 'safetySettings', 'apiHost', ...Object.keys(GEMINI_GENERATION_KEYS)];
const providerConfigKeys = new Set(['apiBaseUrl', 'apiKeyEnvar', 'timeout', 'timeouts', ...PARAM_BY_API_NAME.keys(), ...VENDOR_CONFIG_KEYS]);

/** Gemini's generation config names for the params readParams checks. */
const GEMINI_PARAM_NAMES = Object.fromEntries(Object.entries(GEMINI_GENERATION_KEYS).map(([name, key]) => [key, name]));

/**
 * A key promptfoo's provider config writes in a vendor's own form (tools in any vendor's
 * shape, tool_choice, Anthropic's thinking, the Responses API's reasoning, Gemini's
 * generationConfig): the params it sets, or a problem. Undefined when the key is not one.
 */
function readVendorKey(key: string, value: unknown, kind: ProviderKind, path: Path, check: Checker): { params: Params; apiBaseUrl?: string } | { problem: string } | undefined {
  const read = <T>(result: { ok: true; value: T } | { ok: false; error: string }, set: (value: T) => Params): { params: Params } | { problem: string } =>
    result.ok ? { params: set(result.value) } : { problem: result.error };
  const viaReadParams = (source: unknown, names: Record<string, string>, label: string): { params: Params } | { problem: string } => {
    if (!isRecord(source)) return { problem: `must be a map, not ${describeType(source)}` };
    const report = new ImportReport();
    const { params, used } = readParams(source, names, report, () => ({}), (k) => k);
    const problem = report.errors[0];
    if (problem) return { problem: problem.message };
    for (const inner of Object.keys(source)) {
      if (!used.has(inner) && !['thinkingConfig', 'responseMimeType', 'responseSchema'].includes(inner)) check.warn([...path, inner], `"${inner}" is ignored; Parallax reads ${label}`, true);
    }
    return { params };
  };
  switch (key) {
    case 'tools':
      return read(toolsFromConfig(value), (tools) => ({ tools }));
    case 'tool_choice':
      return read(toolChoiceFromConfig(value), (toolChoice) => ({ toolChoice }));
    case 'toolConfig':
      return read(toolChoiceFromGemini(value), (toolChoice) => ({ toolChoice }));
    case 'thinking':
      return read(thinkingFromAnthropic(value), (budget) => (budget === undefined ? {} : { thinkingBudget: budget }));
    case 'reasoning':
      return read(reasoningFromResponses(value), (reasoning) => reasoning);
    case 'max_output_tokens':
      return viaReadParams({ max_output_tokens: value }, { maxTokens: 'max_output_tokens' }, 'max_output_tokens');
    case 'safetySettings':
      return read(safetyFromGemini(value), (safety) => ({ safety }));
    case 'apiHost':
      if (kind !== 'google' || typeof value !== 'string' || !/^[A-Za-z0-9.-]+(:\d+)?$/.test(value)) return { problem: 'must be a host name (Gemini), such as generativelanguage.googleapis.com' };
      return { params: {}, apiBaseUrl: `https://${value}` };
    case 'generationConfig': {
      const base = viaReadParams(value, GEMINI_PARAM_NAMES, Object.keys(GEMINI_GENERATION_KEYS).join(', ') + ', thinkingConfig, responseMimeType, responseSchema');
      if ('problem' in base || !isRecord(value)) return base;
      const params: Params = { ...base.params };
      const thinking = value['thinkingConfig'];
      if (thinking !== undefined) {
        const budget = isRecord(thinking) ? thinking['thinkingBudget'] : undefined;
        if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < -1) return { problem: 'thinkingConfig must be {thinkingBudget: <whole number; 0 turns thinking off, -1 lets the model decide>}' };
        params.thinkingBudget = budget;
      }
      const format = responseFormatFromGemini(value['responseMimeType'], value['responseSchema']);
      if (!format.ok) return { problem: format.error };
      if (format.value !== undefined) params.responseFormat = format.value;
      return { params };
    }
    default:
      if (Object.hasOwn(GEMINI_GENERATION_KEYS, key) && !PARAM_BY_API_NAME.has(key)) return viaReadParams({ [key]: value }, GEMINI_PARAM_NAMES, key);
      return undefined;
  }
}

/** A timeout as a config writes it: milliseconds (promptfoo's way), or a duration such as "30s" or "10m". */
function readTimeout(kind: TimeoutKind, value: unknown): { ms: number } | { problem: string } {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || !Number.isFinite(ms)) {
    return { problem: `must be a number of milliseconds or a duration such as "30s" or "10m", not ${typeof value === 'string' ? quote(value) : describeType(value)}` };
  }
  const problem = timeoutProblem(kind, Math.round(ms));
  return problem !== undefined ? { problem: problem.replace(/^[^:]+: /, 'must be ') } : { ms: Math.round(ms) };
}

const TIMEOUT_CONFIG_KEYS: Record<string, TimeoutKind> = { connect: 'connect', firstByte: 'firstByte', idle: 'idle', total: 'total' };
// Not z.httpUrl(): it wants a dotted domain, and local servers live on localhost and 127.0.0.1.
const httpUrl = z.url({ protocol: /^https?$/ });

type Path = ReadonlyArray<string | number>;

function pathText(path: Path): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best}"?` : '';
}

class Checker {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  /** Checks that name their own grader (`provider:`), by identity: a check keeps its object wherever tests carry it. */
  readonly checkGraders = new Map<Assertion, GraderChoice>();
  /** The config's providers, once read: a grader named by one's id or label is that provider (promptfoo's providerMap). */
  configProviders: readonly ConfigProvider[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** How `file://` references are read; absent, they are refused. */
    readonly files?: ConfigFiles,
  ) {}

  /** Where a path's node starts; for a path that is not there, where its nearest parent starts. */
  private position(path: Path, atKey: boolean): { line?: number; column?: number } {
    // A missing top-level key has no place to point at: the whole document would say nothing.
    for (let length = path.length; length >= Math.min(1, path.length); length--) {
      const prefix = path.slice(0, length);
      let node: unknown;
      if (atKey && length === path.length && length > 0) {
        const parent = length === 1 ? this.doc.contents : this.doc.getIn(prefix.slice(0, -1), true);
        if (isMap(parent)) {
          const wanted = prefix[prefix.length - 1];
          const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === wanted);
          node = pair?.key;
        }
      } else {
        node = length === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
      }
      if (isNode(node) && node.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return {};
  }

  private issue(path: Path, message: string, atKey: boolean): ConfigIssue {
    const { line } = this.position(path, atKey);
    return { file: this.file, path: pathText(path), ...(line !== undefined ? { line } : {}), message };
  }

  error(path: Path, message: string, atKey = false): void {
    this.errors.push(this.issue(path, message, atKey));
  }

  warn(path: Path, message: string, atKey = false): void {
    this.warnings.push(this.issue(path, message, atKey));
  }
}

function parseChatArray(value: unknown, path: Path, check: Checker): Message[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    check.error(path, 'a chat prompt must be a non-empty list of {role, content} messages');
    return undefined;
  }
  const messages: Message[] = [];
  value.forEach((raw, index) => {
    // Content as text and image parts (how Parallax writes an image variable) is read as text.
    const parts = isRecord(raw) && Array.isArray(raw['content']) ? textOfParts(raw['content']) : undefined;
    const item: unknown = parts !== undefined && isRecord(raw) ? { ...raw, content: parts } : raw;
    const parsed = messageSchema.safeParse(item);
    if (parsed.success) messages.push(parsed.data);
    else if (!isRecord(item)) check.error([...path, index], `a chat message must be a map with role and content, not ${describeType(item)}`);
    else if (typeof item['content'] !== 'string') check.error([...path, index], 'a chat message needs content that is text');
    else check.error([...path, index], `unknown role ${JSON.stringify(item['role'])}; a message's role is system, user, assistant or tool`);
  });
  return messages.length === value.length ? messages : undefined;
}

/** A string that looks like a JSON list of objects with a role: promptfoo sends those as chat messages. */
function looksLikeChatJson(text: string): unknown[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  return parsed.every((item) => isRecord(item) && 'role' in item) ? parsed : undefined;
}

/** A prompt's text as Parallax sends it: a JSON list of {role, content} is a chat, anything else one user message. */
function promptOfText(raw: string, label: string, path: Path, check: Checker): ConfigPrompt | undefined {
  if (raw.trim() === '') {
    check.error(path, 'the prompt is empty');
    return undefined;
  }
  const chat = looksLikeChatJson(raw);
  if (chat) {
    const messages = parseChatArray(chat, path, check);
    return messages ? { raw, label, chat: true, messages } : undefined;
  }
  return { raw, label, chat: false, messages: [{ role: 'user', content: raw }] };
}

/**
 * The prompts a `file://` reference gives (a glob: every file it matches), by promptfoo's
 * processors (./prompts.ts). A file's text is the prompt, never another reference.
 */
function promptsFromFiles(ref: string, label: string | undefined, path: Path, check: Checker): ConfigPrompt[] {
  const files = check.files;
  if (!files) {
    check.error(path, `a prompt from a file (${quote(ref)}) can only be read by parallax eval; write the prompt inline here`);
    return [];
  }
  let read: PromptFile[];
  try {
    read = files.readPrompts ? files.readPrompts(ref) : [{ shown: ref.replace(/^file:\/\//, ''), text: files.readText(ref) }];
  } catch (error) {
    check.error(path, `cannot read ${quote(ref)}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
  if (read.length === 0) {
    check.error(path, `no file matches ${quote(ref)}`);
    return [];
  }
  const out: ConfigPrompt[] = [];
  // promptfoo 0.121 labels the files a glob matches by their own paths, not by the reference's label.
  const fileLabel = isGlob(ref) ? undefined : label;
  for (const file of read) {
    const prompts = promptsOfFile(file, fileLabel);
    if ('problem' in prompts) {
      check.error(path, `${file.shown}: ${prompts.problem}`);
      continue;
    }
    if (prompts.length === 0) check.error(path, `there are no prompts in ${file.shown}`);
    for (const prompt of prompts) {
      const parsed = promptOfText(prompt.raw, prompt.label, path, check);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

function parsePromptText(raw: string, label: string | undefined, path: Path, check: Checker, id?: string): ConfigPrompt[] {
  const code = codePromptRefusal(raw);
  if (code !== undefined) {
    check.error(path, `${quote(raw)}: ${code}`);
    return [];
  }
  if (raw.startsWith('file://') || looksLikePromptPath(raw)) return promptsFromFiles(raw.startsWith('file://') ? raw : `file://${raw}`, label, path, check);
  const prompt = promptOfText(raw, label ?? raw, path, check);
  return prompt ? [{ ...prompt, ...(id !== undefined ? { id } : {}) }] : [];
}

function parsePrompt(value: unknown, path: Path, check: Checker, mapLabel?: string): ConfigPrompt[] {
  if (typeof value === 'string') return parsePromptText(value, mapLabel, path, check);
  if (Array.isArray(value)) {
    const messages = parseChatArray(value, path, check);
    return messages ? [{ raw: JSON.stringify(messages), label: JSON.stringify(messages), chat: true, messages }] : [];
  }
  if (isRecord(value)) {
    const label = value['label'];
    if (label !== undefined && typeof label !== 'string') {
      check.error([...path, 'label'], `label must be text, not ${describeType(label)}`);
      return [];
    }
    for (const key of Object.keys(value)) {
      if (!['raw', 'label', 'id', 'config'].includes(key)) check.warn([...path, key], `"${key}" is ignored`, true);
    }
    if (value['config'] !== undefined) check.warn([...path, 'config'], 'per-prompt provider config is ignored', true);
    const id = typeof value['id'] === 'string' && value['id'] !== '' ? value['id'] : undefined;
    if (value['id'] !== undefined && id === undefined) {
      check.error([...path, 'id'], `id must be text, not ${describeType(value['id'])}`);
      return [];
    }
    // As promptfoo: the prompt is raw, else the id (a file:// id reads that file).
    const raw = value['raw'] ?? id;
    if (typeof raw === 'string') return parsePromptText(raw, label, value['raw'] !== undefined ? [...path, 'raw'] : [...path, 'id'], check, id);
    if (Array.isArray(raw)) {
      const messages = parseChatArray(raw, [...path, 'raw'], check);
      return messages ? [{ raw: JSON.stringify(messages), label: label ?? JSON.stringify(messages), chat: true, messages, ...(id !== undefined ? { id } : {}) }] : [];
    }
    check.error(path, raw === undefined ? 'a prompt written as a map needs raw: <the prompt text> (or id: file://<prompt file>)' : `raw must be text, not ${describeType(raw)}`);
    return [];
  }
  check.error(path, `a prompt must be text, a chat list or a map with raw and label, not ${describeType(value)}`);
  return [];
}

function parsePrompts(value: unknown, check: Checker): ConfigPrompt[] {
  if (value === undefined || value === null) {
    check.error(['prompts'], 'missing; add at least one prompt, e.g. prompts: ["Summarise: {{text}}"]');
    return [];
  }
  if (typeof value === 'string') return parsePrompt(value, ['prompts'], check);
  if (isRecord(value)) {
    // promptfoo's older form: a map of prompt (or file) to its label.
    const entries = Object.entries(value);
    if (entries.length === 0) check.error(['prompts'], 'is empty; add at least one prompt');
    return entries.flatMap(([raw, label]) => {
      if (typeof label !== 'string') {
        check.error(['prompts', raw], `a label must be text, not ${describeType(label)}`);
        return [];
      }
      return parsePrompt(raw, ['prompts', raw], check, label);
    });
  }
  if (!Array.isArray(value)) {
    check.error(['prompts'], `must be a list of prompts, not ${describeType(value)}`);
    return [];
  }
  if (value.length === 0) {
    check.error(['prompts'], 'is empty; add at least one prompt');
    return [];
  }
  return value.flatMap((item, index) => parsePrompt(item, ['prompts', index], check));
}

type ProviderIdentity = { kind: ProviderKind; model: string; api?: 'responses' };

/** anthropic:messages:<model>, anthropic:<model>, google:<model>; vertex: is refused with what to use. */
function parseVendorId(id: string, path: Path, check: Checker): ProviderIdentity | undefined {
  const named = (model: string, example: string): string | undefined => {
    if (model.trim() !== '') return model.trim();
    check.error(path, `${JSON.stringify(id)} names no model; write ${example}`);
    return undefined;
  };
  if (id.startsWith('vertex:')) {
    check.error(
      path,
      `${JSON.stringify(id)}: Vertex AI signs requests with Google Cloud credentials (a service account or gcloud login), which Parallax does not read; ` +
        `call the same Gemini models through the Gemini API instead: google:${id.slice('vertex:'.length).replace(/^[^:]*:/, '') || '<model>'} with GEMINI_API_KEY (or GOOGLE_API_KEY)`,
    );
    return undefined;
  }
  if (id.startsWith('google:')) {
    const model = named(id.slice('google:'.length), 'google:<model>, e.g. google:gemini-2.5-flash');
    return model === undefined ? undefined : { kind: 'google', model };
  }
  const rest = id.slice('anthropic:'.length);
  if (rest.startsWith('messages:') || rest === 'messages') {
    const model = named(rest.slice('messages:'.length), 'anthropic:messages:<model>, e.g. anthropic:messages:claude-sonnet-4-5');
    return model === undefined ? undefined : { kind: 'anthropic', model };
  }
  if (/^(completion|claude-agent-sdk|claude-code|managed-agents?)(:|$)/.test(rest)) {
    check.error(path, `unknown provider ${JSON.stringify(id)}: only Anthropic's Messages API is supported; write anthropic:messages:<model>`);
    return undefined;
  }
  const model = named(rest, 'anthropic:messages:<model>, e.g. anthropic:messages:claude-sonnet-4-5');
  return model === undefined ? undefined : { kind: 'anthropic', model };
}

function parseProviderId(id: string, path: Path, check: Checker): ProviderIdentity | undefined {
  const unknown = `unknown provider ${JSON.stringify(id)}; Parallax supports ${SUPPORTED_PROVIDERS}`;
  if (id === 'echo') return { kind: 'echo', model: 'echo' };
  if (id.startsWith('anthropic:') || id.startsWith('google:') || id.startsWith('vertex:')) return parseVendorId(id, path, check);
  if (!id.startsWith('openai:')) {
    check.error(path, unknown);
    return undefined;
  }
  const rest = id.slice('openai:'.length);
  if (rest.startsWith('chat:')) {
    const model = rest.slice('chat:'.length).trim();
    if (model) return { kind: 'openai', model };
    check.error(path, `${JSON.stringify(id)} names no model; write openai:chat:<model>, e.g. openai:chat:gpt-4o-mini`);
    return undefined;
  }
  if (rest.startsWith('responses:')) {
    const model = rest.slice('responses:'.length).trim();
    if (model) return { kind: 'openai', api: 'responses', model };
    check.error(path, `${JSON.stringify(id)} names no model; write openai:responses:<model>, e.g. openai:responses:gpt-5-mini`);
    return undefined;
  }
  const type = rest.split(':')[0] ?? '';
  if (rest.trim() === '' || rest === 'chat' || rest === 'responses') {
    check.error(path, `${JSON.stringify(id)} names no model; write openai:chat:<model>, e.g. openai:chat:gpt-4o-mini`);
    return undefined;
  }
  if (rest.includes(':') && OPENAI_NON_CHAT_TYPES.has(type)) {
    check.error(path, `unknown provider ${JSON.stringify(id)}: only chat and responses models are supported; Parallax supports ${SUPPORTED_PROVIDERS}`);
    return undefined;
  }
  return { kind: 'openai', model: rest.trim() };
}

function parseProviderConfig(config: unknown, kind: ProviderKind, path: Path, check: Checker): Omit<ConfigProvider, 'id' | 'kind' | 'model' | 'label'> | undefined {
  const result: Omit<ConfigProvider, 'id' | 'kind' | 'model' | 'label'> = { params: {} };
  if (config === undefined || config === null) return result;
  if (!isRecord(config)) {
    check.error(path, `config must be a map, not ${describeType(config)}`);
    return undefined;
  }
  let ok = true;
  const fail = (key: string, message: string): void => {
    check.error([...path, key], message);
    ok = false;
  };
  let vendor: ReturnType<typeof readVendorKey>;
  for (const [key, value] of Object.entries(config)) {
    if (key === 'apiKey') {
      // Never repeat the value: it is a secret.
      fail(key, 'a key written in the config file is not accepted, so it cannot leak into results; put it in an environment variable and name that variable with apiKeyEnvar');
    } else if (key === 'apiBaseUrl') {
      if (typeof value !== 'string' || !httpUrl.safeParse(value).success) {
        fail(key, `must be a full http(s) URL such as https://api.openai.com/v1 or http://localhost:11434/v1, not ${typeof value === 'string' ? quote(value) : describeType(value)}`);
      } else if (kind === 'echo') {
        check.warn([...path, key], 'the echo provider sends nothing over the network; apiBaseUrl is ignored', true);
      } else {
        result.apiBaseUrl = value.replace(/\/+$/, '');
      }
    } else if (key === 'apiKeyEnvar') {
      if (typeof value !== 'string' || !ENVAR_NAME.test(value)) {
        fail(key, `must be the name of an environment variable (letters, digits and underscores, not starting with a digit), such as OPENAI_API_KEY${typeof value === 'string' ? '' : `, not ${describeType(value)}`}`);
      } else if (kind === 'echo') {
        check.warn([...path, key], 'the echo provider needs no key; apiKeyEnvar is ignored', true);
      } else {
        result.apiKeyEnvar = value;
      }
    } else if (key === 'timeout' || key === 'timeouts') {
      if (kind === 'echo') {
        check.warn([...path, key], `the echo provider answers at once; ${key} is ignored`, true);
        continue;
      }
      const entries: [string, unknown][] = key === 'timeout' ? [['total', value]] : isRecord(value) ? Object.entries(value) : [];
      if (key === 'timeouts' && !isRecord(value)) fail(key, `must be a map of connect, firstByte, idle and total, not ${describeType(value)}`);
      for (const [name, raw] of entries) {
        const timeoutKind = TIMEOUT_CONFIG_KEYS[name];
        const where = key === 'timeout' ? [...path, key] : [...path, key, name];
        if (timeoutKind === undefined) {
          check.error(where, `is not a timeout Parallax knows; use connect, firstByte, idle or total${suggestion(name, Object.keys(TIMEOUT_CONFIG_KEYS))}`);
          ok = false;
          continue;
        }
        const read = readTimeout(timeoutKind, raw);
        if ('problem' in read) {
          check.error(where, read.problem);
          ok = false;
        } else result.timeouts = { ...result.timeouts, [timeoutKind]: read.ms };
      }
    } else if ((vendor = readVendorKey(key, value, kind, [...path, key], check)) !== undefined) {
      if ('problem' in vendor) fail(key, vendor.problem);
      else {
        Object.assign(result.params, vendor.params);
        if (vendor.apiBaseUrl !== undefined && result.apiBaseUrl === undefined) result.apiBaseUrl = vendor.apiBaseUrl;
      }
    } else if (key === 'response_format') {
      const typed = (format: unknown): Params['responseFormat'] => readParams({ response_format: format }, { responseFormat: 'response_format' }, new ImportReport(), () => ({}), (k) => k).params.responseFormat;
      const files = check.files;
      const read = readResponseFormat(value, kind === 'openai', files ? (ref) => files.readText(ref) : undefined, typed);
      if ('problem' in read) fail(key, read.problem);
      else result.params = mergeParams(result.params, read.params);
    } else if (kind === 'openai' && (key === 'passthrough' || OPENAI_BODY_KEYS.has(key))) {
      // Sent to the API as written, as promptfoo sends them (./passthrough).
      const read = readExtra(key, value);
      if ('problem' in read) fail(key, read.problem);
      else result.params = mergeParams(result.params, { extra: read.extra as NonNullable<Params['extra']> });
    } else if (PARAM_BY_API_NAME.has(key)) {
      const report = new ImportReport();
      const read = readParams({ [key]: value }, { [PARAM_BY_API_NAME.get(key) ?? 'temperature']: key }, report, () => ({}), (k) => k);
      const problem = report.errors[0];
      if (problem) fail(key, problem.message.replace(/^\S+ must/, 'must'));
      else Object.assign(result.params, read.params);
    } else {
      const sendHint = kind === 'openai' ? ' (to send a request field Parallax does not know, put it under passthrough)' : '';
      check.warn([...path, key], `"${key}" is ignored${sendHint}; Parallax reads ${[...providerConfigKeys].join(', ')}${suggestion(key, providerConfigKeys)}`, true);
    }
  }
  const extra = result.params.extra;
  const extraIssue = extra === undefined ? undefined : extraProblem(extra);
  if (extraIssue !== undefined) fail('passthrough', extraIssue);
  return ok ? result : undefined;
}

/** Params with another's set over them; extra fields merge (passthrough's last, as written). */
function mergeParams(base: Params, more: Params): Params {
  const merged: Params = { ...base, ...more };
  if (base.extra !== undefined && more.extra !== undefined) merged.extra = { ...base.extra, ...more.extra };
  return merged;
}

function parseProvider(value: unknown, path: Path, check: Checker): ConfigProvider | undefined {
  if (typeof value === 'string') {
    const parsed = parseProviderId(value, path, check);
    // promptfoo names a provider written as a plain string by its provider's id(), which drops `chat:`.
    const promptfooId = value.startsWith('openai:chat:') ? `openai:${value.slice('openai:chat:'.length)}` : undefined;
    return parsed ? { id: value, ...parsed, params: {}, ...(promptfooId !== undefined ? { promptfooId } : {}) } : undefined;
  }
  if (!isRecord(value)) {
    check.error(path, `a provider must be an id such as openai:chat:gpt-4o-mini or a map with id, label and config, not ${describeType(value)}`);
    return undefined;
  }
  let options: Record<string, unknown> = value;
  let id = value['id'];
  // promptfoo's other form: `- openai:gpt-4o: { config: … }`
  const keys = Object.keys(value);
  if (id === undefined && keys.length === 1 && keys[0] !== undefined && (isRecord(value[keys[0]]) || value[keys[0]] === null)) {
    id = keys[0];
    options = (value[keys[0]] as Record<string, unknown> | null) ?? {};
    path = [...path, keys[0]];
  }
  if (typeof id !== 'string' || id.trim() === '') {
    check.error(path, 'a provider written as a map needs id: <provider>, e.g. id: openai:chat:gpt-4o-mini');
    return undefined;
  }
  const idPath = options === value ? [...path, 'id'] : path;
  const parsed = parseProviderId(id, idPath, check);
  const label = options['label'];
  if (label !== undefined && (typeof label !== 'string' || label.trim() === '')) {
    check.error([...path, 'label'], `label must be text, not ${describeType(label)}`);
    return undefined;
  }
  for (const key of Object.keys(options)) {
    if (!['id', 'label', 'config', 'prompts'].includes(key)) check.warn([...path, key], `"${key}" is ignored`, true);
  }
  const prompts = parseRefList(options['prompts'], [...path, 'prompts'], check, 'prompts');
  if (!parsed) return undefined;
  const config = parseProviderConfig(options['config'], parsed.kind, [...path, 'config'], check);
  if (!config) return undefined;
  return { id, ...(label !== undefined ? { label } : {}), ...parsed, ...config, ...(prompts !== undefined ? { prompts } : {}) };
}

/**
 * A `prompts` or `providers` filter: a list of labels, ids or `prefix*` patterns. promptfoo
 * filters only by a list (anything else lets every prompt or provider through), so anything
 * else is ignored with a warning.
 */
function parseRefList(value: unknown, path: Path, check: Checker, what: 'prompts' | 'providers'): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    check.warn(path, `is ignored: ${what} must be a list of ${what === 'prompts' ? 'prompt labels or ids' : 'provider labels or ids'} (as promptfoo reads it), not ${describeType(value)}`, true);
    return undefined;
  }
  const refs: string[] = [];
  value.forEach((item, index) => {
    if (typeof item === 'string' && item !== '') refs.push(item);
    else check.error([...path, index], `must be a ${what === 'prompts' ? 'prompt' : 'provider'}'s label or id, not ${describeType(item)}`);
  });
  return refs;
}

function parseProviders(value: unknown, key: 'providers' | 'targets', check: Checker): ConfigProvider[] {
  if (value === undefined || value === null) {
    check.error([key], `missing; add at least one provider (${SUPPORTED_PROVIDERS}), e.g. providers: [echo]`);
    return [];
  }
  if (typeof value === 'string') {
    const provider = parseProvider(value, [key], check);
    return provider ? [provider] : [];
  }
  if (!Array.isArray(value)) {
    check.error([key], `must be a list of providers, not ${describeType(value)}`);
    return [];
  }
  if (value.length === 0) {
    check.error([key], `is empty; add at least one provider (${SUPPORTED_PROVIDERS})`);
    return [];
  }
  const providers: ConfigProvider[] = [];
  value.forEach((item, index) => {
    const provider = parseProvider(item, [key, index], check);
    if (provider) providers.push(provider);
  });
  return providers;
}

/** Files a value may name: text, read as it is, and YAML, read as JSON (as promptfoo reads them); not code, media or PDF. */
const VAR_FILE_REFUSED = /\.(m?[jt]sx?|cjs|py|pdf|png|jpe?g|gif|webp|bmp|tiff?|ico|avif|heic|svg|mp3|wav|ogg|flac|m4a|mp4|webm|mov|avi|mkv)$/i;
const checkedVarFiles = new WeakMap<Checker, Map<string, string | undefined>>();

/** Why a `file://` value cannot be used, or undefined; each file is opened once per config to say so early. */
function varFileProblem(ref: string, check: Checker): string | undefined {
  if (!check.files) return 'a value from a file can only be read by parallax eval; write the value inline';
  const written = ref.slice('file://'.length);
  if (VAR_FILE_REFUSED.test(written)) {
    return /\.(m?[jt]sx?|cjs|py)$/i.test(written)
      ? 'a value computed by code (JavaScript, Python) is not supported: Parallax never runs a config\'s code outside the sandbox; write the value, or put it in a text file'
      : 'images, audio, video and PDF files as values are not supported in a promptfoo config; use the app\'s image cells, or a text file';
  }
  if (isGlob(written)) return 'a glob as a value (one test per file) is not supported yet; list the files in separate tests';
  let seen = checkedVarFiles.get(check);
  if (!seen) checkedVarFiles.set(check, (seen = new Map()));
  if (!seen.has(ref)) {
    try {
      check.files.readText(ref);
      seen.set(ref, undefined);
    } catch (error) {
      seen.set(ref, `cannot read ${quote(ref)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return seen.get(ref);
}

function parseVars(value: unknown, path: Path, check: Checker): Variables | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string' && value.startsWith('file://')) {
    // promptfoo 0.121 does not read a test's vars from a file (it runs the test with none): say so rather than run it empty.
    check.error(path, 'a test\'s vars from a file are not read (promptfoo 0.121 runs such a test with no vars of its own); write them inline as name: value, or give the file as tests: file://…');
    return undefined;
  }
  if (!isRecord(value)) {
    check.error(path, `vars must be a map of name: value, not ${describeType(value)}`);
    return undefined;
  }
  const vars: Variables = {};
  let ok = true;
  for (const [name, item] of Object.entries(value)) {
    const at = [...path, name];
    if (typeof item === 'string') {
      const problem = item.startsWith('file://') ? varFileProblem(item, check) : undefined;
      if (problem !== undefined) {
        check.error(at, problem);
        ok = false;
      } else {
        // A file:// value stays as written (results record it so); it is read when the prompt renders (src/main/template/promptfoo-vars.ts).
        vars[name] = item;
      }
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      vars[name] = String(item);
    } else if (Array.isArray(item)) {
      // A list of texts runs one test per value (expandTests); any other list is one value, for {% for %} loops.
      vars[name] = item as VariableValue[];
    } else if (isRecord(item)) {
      // Objects stay objects: `{{ name.field }}` reads into them.
      vars[name] = item as { [key: string]: VariableValue };
    } else {
      check.error(at, 'has no value; write a string, a number or true/false');
      ok = false;
    }
  }
  return ok ? vars : undefined;
}

/** An assert list, each entry checked; unknown types are errors with the types Parallax knows. */
function parseAsserts(value: unknown, path: Path, check: Checker): Assertion[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    check.error(path, `assert must be a list of checks ({ type, value }), not ${describeType(value)}`);
    return undefined;
  }
  const out: Assertion[] = [];
  let ok = true;
  value.forEach((item, index) => {
    if (isRecord(item)) {
      for (const key of Object.keys(item)) {
        if (!['type', 'value', 'threshold', 'weight', 'metric', 'transform', 'assert', 'provider'].includes(key)) check.warn([...path, index, key], `"${key}" is ignored`, true);
      }
    }
    const parsed = parseAssertion(item);
    if (parsed.ok) {
      out.push(parsed.assertion);
      if (isRecord(item)) readCheckGraders(parsed.assertion, item, [...path, index], check);
    } else {
      check.error([...path, index], parsed.error);
      ok = false;
    }
  });
  return ok ? out : undefined;
}

/** A check's `provider` (and its set members'): its own grader, as promptfoo's getFinalTest gives it one. */
function readCheckGraders(assertion: Assertion, item: Record<string, unknown>, path: Path, check: Checker): void {
  const provider = item['provider'];
  if (provider !== undefined && provider !== null) {
    const choice = parseGrader(provider, [...path, 'provider'], check);
    if (choice.grader || choice.graderModels) check.checkGraders.set(assertion, choice);
  }
  const members = item['assert'];
  if (!Array.isArray(members)) return;
  (assertion.assert ?? []).forEach((member, j) => {
    const written: unknown = members[j];
    if (isRecord(written)) readCheckGraders(member, written, [...path, 'assert', j], check);
  });
}

const TEST_KEYS_IGNORED = new Set(['metadata', 'provider', 'providerOutput']);

/** A test's threshold, as promptfoo uses it: only a number counts (an empty `threshold:` is none). */
function parseThreshold(value: unknown, path: Path, check: Checker): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  check.warn(path, `threshold must be a number, not ${describeType(value)}; it is ignored, as promptfoo ignores it`, true);
  return undefined;
}

function parseTest(value: unknown, path: Path, defaults: Variables, check: Checker): ConfigTest | undefined {
  if (!isRecord(value)) {
    check.error(path, `a test must be a map with vars (and optionally description), not ${describeType(value)}`);
    return undefined;
  }
  const description = value['description'];
  if (description !== undefined && typeof description !== 'string') {
    check.error([...path, 'description'], `description must be text, not ${describeType(description)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key === 'vars' || key === 'description' || key === 'assert' || key === 'options' || key === 'threshold' || key === 'prompts' || key === 'providers') continue;
    if (TEST_KEYS_IGNORED.has(key)) check.warn([...path, key], `"${key}" is ignored`, true);
    else check.warn([...path, key], `"${key}" is ignored${suggestion(key, ['vars', 'description', 'assert'])}`, true);
  }
  const vars = parseVars(value['vars'], [...path, 'vars'], check);
  const assert = parseAsserts(value['assert'], [...path, 'assert'], check);
  const options = parseTestOptions(value['options'], [...path, 'options'], check, false);
  const threshold = parseThreshold(value['threshold'], [...path, 'threshold'], check);
  const prompts = parseRefList(value['prompts'], [...path, 'prompts'], check, 'prompts');
  const providers = parseRefList(value['providers'], [...path, 'providers'], check, 'providers');
  if (!vars || !assert) return undefined;
  return {
    ...(description !== undefined ? { description } : {}),
    vars: { ...defaults, ...vars },
    ...(assert.length > 0 ? { assert } : {}),
    ...(options.transform !== undefined ? { transform: options.transform } : {}),
    ...(options.disableVarExpansion !== undefined ? { disableVarExpansion: options.disableVarExpansion } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(options.suffix !== undefined ? { suffix: options.suffix } : {}),
    ...(options.disableDefaultAsserts === true ? { disableDefaultAsserts: true } : {}),
    ...(options.grader || options.graderModels ? { grader: { ...(options.grader ? { grader: options.grader } : {}), ...(options.graderModels ? { graderModels: options.graderModels } : {}) } } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(prompts !== undefined ? { prompts } : {}),
    ...(providers !== undefined ? { providers } : {}),
  };
}

/**
 * tests[].prompts and tests[].providers, each test's own else defaultTest's, checked as
 * promptfoo checks them before anything runs: a name that matches no prompt (or provider) is
 * an error, with the names there are.
 */
function applyTestFilters(
  tests: readonly ConfigTest[],
  defaults: { prompts?: string[]; providers?: string[] },
  prompts: readonly ConfigPrompt[],
  providers: readonly ConfigProvider[],
  check: Checker,
): ConfigTest[] {
  const checkRefs = (refs: readonly string[] | undefined, where: Path, what: 'prompts' | 'providers'): void => {
    for (const ref of refs ?? []) {
      if (what === 'prompts' ? prompts.some((p) => promptRefMatches(ref, p)) : providers.some((p) => providerRefMatches(ref, p))) continue;
      const names =
        what === 'prompts'
          ? [...new Set(prompts.flatMap((p) => [p.label, ...(p.id !== undefined ? [p.id] : [])]))].sort()
          : providers.map((p) => (p.label ? `${p.label} (${p.id})` : (p.promptfooId ?? p.id)));
      check.error(where, `names ${what === 'prompts' ? 'prompt' : 'provider'} ${quote(ref, 80)}, which the config does not have; its ${what}: ${names.map((n) => quote(n, 60)).join(', ')}`);
    }
  };
  checkRefs(defaults.prompts, ['defaultTest', 'prompts'], 'prompts');
  checkRefs(defaults.providers, ['defaultTest', 'providers'], 'providers');
  return tests.map((test, index) => {
    checkRefs(test.prompts, ['tests', index, 'prompts'], 'prompts');
    checkRefs(test.providers, ['tests', index, 'providers'], 'providers');
    const merged = { prompts: test.prompts ?? defaults.prompts, providers: test.providers ?? defaults.providers };
    return {
      ...test,
      ...(merged.prompts !== undefined ? { prompts: merged.prompts } : {}),
      ...(merged.providers !== undefined ? { providers: merged.providers } : {}),
    };
  });
}

interface DefaultTest {
  vars: Variables;
  assert: Assertion[];
  grader?: ConfigProvider;
  graderModels?: GraderModels;
  rubricPrompt?: Message[];
  gEvalPrompt?: GEvalPrompt;
  transform?: string;
  threshold?: number;
  prompts?: string[];
  providers?: string[];
  disableVarExpansion?: boolean;
  prefix?: string;
  suffix?: string;
}

/** G-Eval's own prompts: promptfoo reads an object rubricPrompt's `steps` and `evaluate` for G-Eval only. */
export interface GEvalPrompt {
  steps?: Message[];
  evaluate?: Message[];
}

/**
 * An object rubricPrompt, `{steps, evaluate}`, each a prompt as a rubricPrompt is written:
 * G-Eval's step and scoring prompts. promptfoo's other graders do not read it.
 */
function parseGEvalPrompt(value: Record<string, unknown>, path: Path, check: Checker): GEvalPrompt | undefined {
  const out: GEvalPrompt = {};
  for (const key of Object.keys(value)) {
    if (key !== 'steps' && key !== 'evaluate') check.warn([...path, key], `"${key}" is ignored; an object rubricPrompt holds G-Eval's steps and evaluate prompts`, true);
  }
  for (const key of ['steps', 'evaluate'] as const) {
    if (value[key] === undefined || value[key] === null) continue;
    const messages = parseRubricPrompt(value[key], [...path, key], check);
    if (messages) out[key] = messages;
  }
  return out.steps !== undefined || out.evaluate !== undefined ? out : undefined;
}

/** promptfoo's rubricPrompt: a JSON chat list (as text or as a list) is the judge's messages, other text one user message. */
function parseRubricPrompt(value: unknown, path: Path, check: Checker): Message[] | undefined {
  if (typeof value === 'string') {
    if (value.startsWith('file://')) {
      check.error(path, 'a rubricPrompt from a file is not supported; write the messages inline');
      return undefined;
    }
    const chat = looksLikeChatJson(value);
    if (chat) return parseChatArray(chat, path, check);
    if (value.trim() === '') return undefined;
    return [{ role: 'user', content: value }];
  }
  if (Array.isArray(value)) return parseChatArray(value, path, check);
  check.error(path, `rubricPrompt must be text or a list of chat messages, not ${describeType(value)}`);
  return undefined;
}

/**
 * A test's options: `transform` (JavaScript applied to the output before the checks, run in
 * the sandbox) and, on defaultTest, `provider` (the grader).
 */
export interface GraderModels {
  embedding?: string;
  moderation?: string;
}

const GRADER_ROLES = ['text', 'embedding', 'moderation'] as const;

/**
 * The grader: a provider, or promptfoo's map by role ({ text, embedding, moderation }).
 * Embeddings and moderation are asked on the grader's OpenAI-compatible server with the model
 * an `openai:embedding:<model>` / `openai:moderation:<model>` id names; without a text grader,
 * that server is the one the embedding (or moderation) id names.
 */
function parseGrader(value: unknown, path: Path, check: Checker): { grader?: ConfigProvider; graderModels?: GraderModels } {
  // promptfoo looks a grader's text up among the configured providers first, by id, then by label.
  if (typeof value === 'string') {
    const configured = check.configProviders.find((p) => (p.promptfooId ?? p.id) === value) ?? check.configProviders.find((p) => p.label === value);
    if (configured) return { grader: configured };
  }
  if (!isRecord(value) || value['id'] !== undefined || !GRADER_ROLES.some((role) => value[role] !== undefined)) {
    const grader = parseProvider(value, path, check);
    return grader ? { grader } : {};
  }
  const models: GraderModels = {};
  let fallback: string | undefined;
  for (const key of Object.keys(value)) {
    if (!(GRADER_ROLES as readonly string[]).includes(key)) check.warn([...path, key], `"${key}" is ignored; a grader map has text, embedding and moderation`, true);
  }
  for (const role of ['embedding', 'moderation'] as const) {
    const entry = value[role];
    if (entry === undefined) continue;
    const id = typeof entry === 'string' ? entry : isRecord(entry) && typeof entry['id'] === 'string' ? entry['id'] : undefined;
    const match = id === undefined ? null : new RegExp(`^openai:${role}s?:(.+)$`).exec(id);
    if (!match?.[1]) {
      check.error([...path, role], `the ${role} grader must be openai:${role}:<model> (asked on the grader's OpenAI-compatible server)`);
      continue;
    }
    models[role] = match[1];
    fallback ??= match[1];
  }
  const text = value['text'];
  const grader = text !== undefined ? parseProvider(text, [...path, 'text'], check) : fallback !== undefined ? parseProvider(`openai:chat:${fallback}`, path, check) : undefined;
  return { ...(grader ? { grader } : {}), ...(models.embedding !== undefined || models.moderation !== undefined ? { graderModels: models } : {}) };
}

interface TestOptions {
  grader?: ConfigProvider;
  graderModels?: GraderModels;
  rubricPrompt?: Message[];
  gEvalPrompt?: GEvalPrompt;
  transform?: string;
  disableVarExpansion?: boolean;
  prefix?: string;
  suffix?: string;
  disableDefaultAsserts?: boolean;
}

function parseTestOptions(value: unknown, path: Path, check: Checker, readsGrader: boolean): TestOptions {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    check.error(path, `options must be a map, not ${describeType(value)}`);
    return {};
  }
  for (const key of Object.keys(value)) {
    if (key === 'transform' || key === 'postprocess' || key === 'disableVarExpansion' || key === 'prefix' || key === 'suffix' || key === 'provider' || (readsGrader && key === 'rubricPrompt')) continue;
    if (key === 'disableDefaultAsserts' && !readsGrader) continue;
    check.warn([...path, key], `"${key}" is ignored`, true);
  }
  const out: TestOptions = {};
  // Text promptfoo puts around the prompt's template for this test (an empty one counts as none, as promptfoo's \`||\` has it).
  for (const key of ['prefix', 'suffix'] as const) {
    const text = value[key];
    if (typeof text === 'string') {
      if (text !== '') out[key] = text;
    } else if (text !== undefined && text !== null) check.warn([...path, key], `must be text, not ${describeType(text)}; it is ignored`, true);
  }
  const noDefaults = value['disableDefaultAsserts'];
  if (!readsGrader && noDefaults !== undefined && noDefaults !== null) {
    if (typeof noDefaults === 'boolean') out.disableDefaultAsserts = noDefaults;
    else check.warn([...path, 'disableDefaultAsserts'], `must be true or false, not ${describeType(noDefaults)}; it is ignored`, true);
  }
  // promptfoo's switch for lists of values: passed whole instead of one test per value.
  const noExpansion = value['disableVarExpansion'];
  if (typeof noExpansion === 'boolean') out.disableVarExpansion = noExpansion;
  else if (noExpansion !== undefined && noExpansion !== null) check.warn([...path, 'disableVarExpansion'], `must be true or false, not ${describeType(noExpansion)}; it is ignored`, true);
  // postprocess is promptfoo's older name for transform, read when transform is not set.
  const transform = value['transform'] || value['postprocess'];
  if (typeof transform === 'string' && transform.trim() !== '') {
    if (transform.startsWith('file://')) check.error([...path, 'transform'], 'a transform from a file is not supported; write the JavaScript inline (it runs in the sandbox)');
    else out.transform = transform;
  } else if (transform !== undefined) check.error([...path, 'transform'], `transform must be JavaScript text, not ${describeType(transform)}`);
  const provider = value['provider'];
  // A test's own grader (promptfoo's test options.provider) is read as defaultTest's is.
  if (provider !== undefined && provider !== null) {
    Object.assign(out, parseGrader(provider, [...path, 'provider'], check));
  }
  const rubricValue = value['rubricPrompt'];
  if (readsGrader && isRecord(rubricValue)) {
    const gEvalPrompt = parseGEvalPrompt(rubricValue, [...path, 'rubricPrompt'], check);
    if (gEvalPrompt) out.gEvalPrompt = gEvalPrompt;
  } else if (readsGrader && rubricValue !== undefined && rubricValue !== null) {
    const rubricPrompt = parseRubricPrompt(rubricValue, [...path, 'rubricPrompt'], check);
    if (rubricPrompt) out.rubricPrompt = rubricPrompt;
  }
  return out;
}

/** promptfoo's `defaultTest: file://defaults.yaml`: the map the YAML (or JSON) file holds. */
function defaultTestFromFile(ref: string, check: Checker): unknown {
  if (!ref.startsWith('file://') || !check.files) {
    check.error(['defaultTest'], ref.startsWith('file://') ? 'defaultTest from a file can only be read by parallax eval; write it inline' : `must be a map or a file:// path to a YAML file, not ${quote(ref)}`);
    return undefined;
  }
  try {
    const loaded: unknown = parseYaml(check.files.readText(ref), { maxAliasCount: 1000, uniqueKeys: true });
    if (isRecord(loaded)) return loaded;
    check.error(['defaultTest'], `${ref.slice('file://'.length)} must hold a map (vars, assert, options…), not ${describeType(loaded)}`);
  } catch (error) {
    check.error(['defaultTest'], `cannot read ${quote(ref)}: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)}`);
  }
  return undefined;
}

function parseDefaultTest(value: unknown, check: Checker): DefaultTest {
  if (value === undefined || value === null) return { vars: {}, assert: [] };
  if (typeof value === 'string') {
    const loaded = defaultTestFromFile(value, check);
    if (loaded === undefined) return { vars: {}, assert: [] };
    value = loaded;
  }
  if (!isRecord(value)) {
    check.error(['defaultTest'], `must be a map, not ${describeType(value)}`);
    return { vars: {}, assert: [] };
  }
  for (const key of Object.keys(value)) {
    if (key === 'vars' || key === 'assert' || key === 'options' || key === 'threshold' || key === 'prompts' || key === 'providers') continue;
    check.warn(['defaultTest', key], `"${key}" is ignored`, true);
  }
  const prompts = parseRefList(value['prompts'], ['defaultTest', 'prompts'], check, 'prompts');
  const providers = parseRefList(value['providers'], ['defaultTest', 'providers'], check, 'providers');
  const { grader, graderModels, rubricPrompt, gEvalPrompt, transform, disableVarExpansion, prefix, suffix } = parseTestOptions(value['options'], ['defaultTest', 'options'], check, true);
  const threshold = parseThreshold(value['threshold'], ['defaultTest', 'threshold'], check);
  return {
    vars: parseVars(value['vars'], ['defaultTest', 'vars'], check) ?? {},
    assert: parseAsserts(value['assert'], ['defaultTest', 'assert'], check) ?? [],
    ...(grader ? { grader } : {}),
    ...(graderModels ? { graderModels } : {}),
    ...(rubricPrompt ? { rubricPrompt } : {}),
    ...(gEvalPrompt ? { gEvalPrompt } : {}),
    ...(transform !== undefined ? { transform } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(prompts !== undefined ? { prompts } : {}),
    ...(providers !== undefined ? { providers } : {}),
    ...(disableVarExpansion !== undefined ? { disableVarExpansion } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(suffix !== undefined ? { suffix } : {}),
  };
}

/**
 * Tests from YAML and JSONL files, or from every file a glob names (`file://tests/*.yaml`;
 * YAML, JSON or JSONL): each a list of tests (or one, or one a line), read as the config's own
 * tests are, in path order.
 */
function testsFromDataFiles(ref: string, path: Path, defaults: Variables, check: Checker, files: ConfigFiles): ConfigTest[] {
  let read: PromptFile[];
  try {
    read = files.readPrompts ? files.readPrompts(ref) : [{ shown: ref.slice('file://'.length), text: files.readText(ref) }];
  } catch (error) {
    check.error(path, `cannot read ${quote(ref)}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
  if (read.length === 0) {
    check.error(path, `${quote(ref)} matches no file`);
    return [];
  }
  const out: ConfigTest[] = [];
  for (const file of read) {
    if (!/\.(ya?ml|json|jsonl)$/i.test(file.shown)) {
      check.error(path, `${file.shown}: a glob of test files reads YAML, JSON and JSONL files; name a CSV file on its own`);
      continue;
    }
    let items: unknown;
    try {
      items = /\.jsonl$/i.test(file.shown) ? jsonlTests(file, path, check) : parseYaml(file.text, { maxAliasCount: 1000, uniqueKeys: true });
      if (items === undefined) continue;
    } catch (error) {
      check.error(path, `${file.shown} cannot be read: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)}`);
      continue;
    }
    const list = Array.isArray(items) ? items : isRecord(items) ? [items] : undefined;
    if (!list) {
      check.error(path, `${file.shown} must hold a list of tests, each with vars, not ${describeType(items)}`);
      continue;
    }
    list.forEach((item, index) => {
      const test = parseTest(item, [...path, file.shown, index], defaults, check);
      if (test) out.push(test);
    });
  }
  return out;
}

/**
 * A JSONL file's tests, one a line. A line that is not JSON is skipped with a warning naming it,
 * so one bad line does not throw away the rest; a file with no readable line is an error that
 * names the first few. Undefined when nothing could be read.
 */
function jsonlTests(file: PromptFile, path: Path, check: Checker): unknown[] | undefined {
  const items: unknown[] = [];
  const problems: string[] = [];
  file.text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const item = JSON.parse(line) as unknown;
      if (isRecord(item)) items.push(item);
      else problems.push(`line ${index + 1}: a test is a JSON object with vars, not ${describeType(item)}`);
    } catch (error) {
      problems.push(`line ${index + 1}: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)}`);
    }
  });
  if (items.length === 0 && problems.length > 0) {
    check.error(path, `${file.shown}: not one test case could be read from it (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''})`);
    return undefined;
  }
  for (const problem of problems.slice(0, 20)) check.warn(path, `${file.shown}: ${problem} (row skipped)`, true);
  return items;
}

function testsFromFile(ref: string, path: Path, defaults: Variables, check: Checker): ConfigTest[] {
  if (!ref.startsWith('file://')) {
    check.error(path, `tests given as text must be a file:// path to a CSV, JSONL or JSON file, not ${quote(ref)}`);
    return [];
  }
  if (!check.files) {
    check.error(path, `tests from a file (${quote(ref)}) can only be read by parallax eval; in the app, import the file into the test-case table`);
    return [];
  }
  const written = ref.slice('file://'.length);
  if (/\.(ya?ml|jsonl)$/i.test(written) || isGlob(written)) return testsFromDataFiles(ref, path, defaults, check, check.files);
  try {
    const { tests, problems, notes } = check.files.readTests(ref);
    for (const note of notes ?? []) check.warn(path, `${ref.slice('file://'.length)}: ${note}`, true);
    for (const problem of problems) check.warn(path, `${ref.slice('file://'.length)}: ${problem} (row skipped)`, true);
    return tests.map((test) => ({ ...test, vars: { ...defaults, ...test.vars } }));
  } catch (error) {
    check.error(path, `cannot read ${quote(ref)}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

function parseTests(value: unknown, defaults: Variables, check: Checker): ConfigTest[] {
  if (value === undefined || value === null) return [{ vars: { ...defaults } }];
  if (typeof value === 'string') return testsFromFile(value, ['tests'], defaults, check);
  if (!Array.isArray(value)) {
    check.error(['tests'], `must be a list of tests, each with vars, not ${describeType(value)}`);
    return [];
  }
  if (value.length === 0) return [{ vars: { ...defaults } }];
  const tests: ConfigTest[] = [];
  value.forEach((item, index) => {
    if (typeof item === 'string') {
      tests.push(...testsFromFile(item, ['tests', index], defaults, check));
      return;
    }
    const test = parseTest(item, ['tests', index], defaults, check);
    if (test) tests.push(test);
  });
  return tests;
}

/** A scenario's config entry over one of its tests, as promptfoo merges them (the test's own fields win; checks add up). */
function mergeScenarioTest(data: ConfigTest, test: ConfigTest): ConfigTest {
  const assert = [...(data.assert ?? []), ...(test.assert ?? [])];
  return {
    ...data,
    ...test,
    vars: { ...data.vars, ...test.vars },
    ...(assert.length > 0 ? { assert } : {}),
  };
}

/**
 * promptfoo's `scenarios`: each entry's `config` list (vars and checks shared by a group)
 * crossed with its `tests`, in order, after the config's own tests; defaultTest's vars first.
 */
function parseScenarios(value: unknown, defaults: Variables, check: Checker): ConfigTest[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    check.error(['scenarios'], `must be a list of scenarios, each with config and tests, not ${describeType(value)}`);
    return [];
  }
  const out: ConfigTest[] = [];
  value.forEach((scenario, index) => {
    const path: Path = ['scenarios', index];
    if (!isRecord(scenario)) {
      check.error(path, typeof scenario === 'string' && scenario.startsWith('file://') ? 'loading a scenario from a file is not supported yet; write it inline' : `a scenario must be a map with config and tests, not ${describeType(scenario)}`);
      return;
    }
    for (const key of Object.keys(scenario)) {
      if (key !== 'config' && key !== 'tests' && key !== 'description') check.warn([...path, key], `"${key}" is ignored`, true);
    }
    const configs = scenario['config'];
    if (!Array.isArray(configs)) {
      check.error([...path, 'config'], `must be a list of maps with vars (one group of tests each), not ${describeType(configs)}`);
      return;
    }
    const rawTests = scenario['tests'] ?? [{}];
    if (!Array.isArray(rawTests)) {
      check.error([...path, 'tests'], typeof rawTests === 'string' ? "a scenario's tests from a file are not supported yet; list them inline" : `must be a list of tests, not ${describeType(rawTests)}`);
      return;
    }
    const tests = rawTests.map((test, t) => parseTest(test, [...path, 'tests', t], {}, check));
    configs.forEach((data, c) => {
      const group = parseTest(data, [...path, 'config', c], defaults, check);
      if (!group) return;
      for (const test of tests) if (test) out.push(mergeScenarioTest(group, test));
    });
  });
  return out;
}

/** Each test as the tests its lists of values stand for (./vars varCombinations); too many is an error. */
function expandTests(tests: readonly ConfigTest[], check: Checker, noExpansionByDefault = false): ConfigTest[] {
  const out: ConfigTest[] = [];
  let expanded = 0;
  for (const [index, test] of tests.entries()) {
    // options.disableVarExpansion: the test's own, else defaultTest's (promptfoo merges options so).
    if (!expands(test.vars) || (test.disableVarExpansion ?? noExpansionByDefault)) {
      out.push(test);
      continue;
    }
    // Each test's lists may make MAX_EXPANDED_TESTS tests, and all lists together ten times that (a test file's own rows are not counted).
    const combinations = varCombinations(test.vars, Math.min(MAX_EXPANDED_TESTS, MAX_EXPANDED_TESTS * 10 - expanded));
    if (combinations === undefined) {
      check.error(['tests', index, 'vars'], `its lists of values expand into more than ${MAX_EXPANDED_TESTS.toLocaleString('en-US')} tests (${expanded > 0 ? `${expanded.toLocaleString('en-US')} already from lists before it; ` : ''}promptfoo runs one test per combination of values); shorten the lists`);
      return [];
    }
    expanded += combinations.length;
    for (const vars of combinations) out.push({ ...test, vars });
  }
  return out;
}

const MAX_FILTERS = 50;
const MAX_FILTER_CHARS = 200_000;

/**
 * promptfoo's `nunjucksFilters: { name: file://filter.js }`: each file's JavaScript, to run in
 * the sandbox (no require, no files, no network). The app reads them from the files picked or
 * dropped with the config, and ignores the key with a warning when none are.
 */
function parseNunjucksFilters(value: unknown, check: Checker): { name: string; source: string }[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) {
    check.error(['nunjucksFilters'], `must be a map of filter name: file://filter.js, not ${describeType(value)}`);
    return [];
  }
  const files = check.files;
  if (!files) {
    check.warn(['nunjucksFilters'], 'ignored: the filters\' files were not given; pick or drop them together with the config (parallax eval reads them from its folder)', true);
    return [];
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_FILTERS) {
    check.error(['nunjucksFilters'], `names ${entries.length} filters; at most ${MAX_FILTERS}`);
    return [];
  }
  const out: { name: string; source: string }[] = [];
  for (const [name, ref] of entries) {
    const at = ['nunjucksFilters', name];
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) check.error(at, 'a filter name is letters, digits, _ and $, not starting with a digit', true);
    else if (typeof ref !== 'string' || !/\.(c|m)?js$/i.test(ref)) check.error(at, `must be the path of a JavaScript file (file://filters/${name}.js)${typeof ref === 'string' ? `, not ${quote(ref)}` : ''}`);
    else {
      try {
        const source = files.readText(ref.startsWith('file://') ? ref : `file://${ref}`);
        if (source.length > MAX_FILTER_CHARS) check.error(at, `${ref} is ${source.length} characters; a filter file may have ${MAX_FILTER_CHARS}`);
        else out.push({ name, source });
      } catch (error) {
        check.error(at, `cannot read ${quote(ref)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return out;
}

/** Variables a prompt uses that no test fills. */
function checkTemplates(prompts: readonly ConfigPrompt[], tests: readonly ConfigTest[], check: Checker): void {
  prompts.forEach((prompt, index) => {
    let needed: string[];
    try {
      needed = messageVariables(prompt.messages);
    } catch {
      return; // A template that does not parse is reported when it renders, with its line and column.
    }
    for (const name of needed) {
      const missing = tests.map((test, t) => (test.vars[name] === undefined ? t : -1)).filter((t) => t >= 0);
      if (missing.length === 0) continue;
      const which =
        missing.length === tests.length
          ? 'no test sets it'
          : missing.length > 5
            ? `${missing.length} tests do not set it`
            : `${missing.map((t) => `tests[${t}]`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not set it`;
      check.warn(['prompts', index], `uses {{${name}}} but ${which}; it renders as empty text`);
    }
  });
}

function parseEvaluateOptions(value: unknown, check: Checker): { repeat?: number; maxConcurrency?: number } {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    check.error(['evaluateOptions'], `must be a map, not ${describeType(value)}`);
    return {};
  }
  const out: { repeat?: number; maxConcurrency?: number } = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'repeat' || key === 'maxConcurrency') {
      const max = key === 'repeat' ? MAX_REPEATS : 256;
      if (typeof item === 'number' && Number.isInteger(item) && item >= 1 && item <= max) out[key] = item;
      else check.error(['evaluateOptions', key], `must be a whole number from 1 to ${max}`);
    } else {
      check.warn(['evaluateOptions', key], `"${key}" is ignored`, true);
    }
  }
  return out;
}

export function parseConfig(text: string, fileName: string, files?: ConfigFiles): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const check = new Checker(fileName, doc, lines, files);

  if (doc.errors.length > 0) {
    const errors = doc.errors.map((error): ConfigIssue => {
      const pos = lines.linePos(error.pos[0]);
      const message = error.message.split('\n')[0] ?? error.message;
      return { file: fileName, path: '', line: pos.line, column: pos.col, message: `YAML syntax error: ${message}` };
    });
    return { ok: false, errors, warnings: [] };
  }

  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ file: fileName, path: '', message: `YAML error: ${message}` }], warnings: [] };
  }
  if (root === null || root === undefined) {
    return { ok: false, errors: [{ file: fileName, path: '', message: 'the file is empty; it needs prompts, providers and tests' }], warnings: [] };
  }
  if (!isRecord(root)) {
    check.error([], `the file must be a map with prompts, providers and tests, not ${describeType(root)}`);
    return { ok: false, errors: check.errors, warnings: [] };
  }

  for (const key of Object.keys(root)) {
    if (READ_KEYS.has(key)) continue;
    const ignored = IGNORED_KEYS[key];
    if (ignored !== undefined) check.warn([key], ignored, true);
    // promptfoo runs a config with keys it does not know (a newer version's, or a typo), so Parallax does too, and says so.
    else check.warn([key], `unknown key, ignored${suggestion(key, [...READ_KEYS, ...Object.keys(IGNORED_KEYS)])}`, true);
  }

  const description = root['description'];
  if (description !== undefined && description !== null && typeof description !== 'string') {
    check.error(['description'], `must be text, not ${describeType(description)}`);
  }
  const prompts = parsePrompts(root['prompts'], check);
  let providers: ConfigProvider[];
  if (root['providers'] !== undefined && root['targets'] !== undefined) {
    check.error(['targets'], 'give either providers or targets (its other name), not both', true);
    providers = [];
  } else {
    providers = parseProviders(root['targets'] !== undefined ? root['targets'] : root['providers'], root['targets'] !== undefined ? 'targets' : 'providers', check);
  }
  check.configProviders = providers;
  const defaultTest = parseDefaultTest(root['defaultTest'], check);
  // With scenarios and no tests, only the scenarios' tests run (promptfoo adds no empty test then).
  const ownTests = root['scenarios'] !== undefined && (root['tests'] === undefined || root['tests'] === null || (Array.isArray(root['tests']) && root['tests'].length === 0)) ? [] : parseTests(root['tests'], defaultTest.vars, check);
  const scenarioTests = parseScenarios(root['scenarios'], defaultTest.vars, check);
  const tests = expandTests(applyTestFilters([...ownTests, ...scenarioTests], defaultTest, prompts, providers, check), check, defaultTest.disableVarExpansion);
  const options = parseEvaluateOptions(root['evaluateOptions'], check);
  const nunjucksFilters = parseNunjucksFilters(root['nunjucksFilters'], check);

  if (check.errors.length > 0) return { ok: false, errors: check.errors, warnings: check.warnings };
  checkTemplates(prompts, tests, check);
  // A test with options.disableDefaultAsserts runs without defaultTest's checks: the others then carry them as their own, first, as promptfoo merges them.
  const someOptOut = defaultTest.assert.length > 0 && tests.some((test) => test.disableDefaultAsserts === true);
  return {
    ok: true,
    config: {
      ...(typeof description === 'string' ? { description } : {}),
      prompts,
      providers,
      // defaultTest.options.transform, prefix, suffix and defaultTest.threshold apply to every test that has none of its own, as promptfoo merges them.
      tests: tests.map((test) => {
        const assert = someOptOut && test.disableDefaultAsserts !== true ? [...defaultTest.assert, ...(test.assert ?? [])] : test.assert;
        return {
          ...test,
          ...(assert !== undefined ? { assert } : {}),
          ...(test.transform === undefined && defaultTest.transform !== undefined ? { transform: defaultTest.transform } : {}),
          ...(test.threshold === undefined && defaultTest.threshold !== undefined ? { threshold: defaultTest.threshold } : {}),
          ...(test.prefix === undefined && defaultTest.prefix !== undefined ? { prefix: defaultTest.prefix } : {}),
          ...(test.suffix === undefined && defaultTest.suffix !== undefined ? { suffix: defaultTest.suffix } : {}),
        };
      }),
      ...options,
      ...(nunjucksFilters.length > 0 ? { nunjucksFilters } : {}),
      ...(defaultTest.assert.length > 0 && !someOptOut ? { defaultAssert: defaultTest.assert } : {}),
      ...(defaultTest.grader ? { grader: defaultTest.grader } : {}),
      ...(check.checkGraders.size > 0 ? { checkGraders: check.checkGraders } : {}),
      ...(defaultTest.graderModels ? { graderModels: defaultTest.graderModels } : {}),
      ...(defaultTest.rubricPrompt ? { rubricPrompt: defaultTest.rubricPrompt } : {}),
      ...(defaultTest.gEvalPrompt ? { gEvalPrompt: defaultTest.gEvalPrompt } : {}),
    },
    warnings: check.warnings,
  };
}
