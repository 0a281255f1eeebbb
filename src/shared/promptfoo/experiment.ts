/**
 * An experiment as a file: the subset of promptfoo's `promptfooconfig.yaml` that Parallax
 * writes and reads back (docs/architecture.md, "Files"). Writing is done here; reading goes
 * through the one config parser (`parseConfig` in ./config), the same one `parallax eval` uses, so what the
 * app opens and what the CLI runs never disagree.
 *
 * Round trip: `parseExperimentYaml(exportExperimentYaml(e))` gives back `e` for every
 * experiment the file form can carry. What it cannot carry, it normalises:
 * - an experiment with no tests comes back with one test with no variables (promptfoo runs a
 *   config without tests once, and so does the parser);
 * - an echo provider's model is always `echo`, and it has no base URL or key variable;
 * - a base URL loses trailing slashes, a model its surrounding spaces, and an empty label is
 *   not written (promptfoo refuses one).
 *
 * No API key is ever written: the type has no field for one, and providers are copied field by
 * field, so an object carrying more (a key, a key status) adds nothing to the file.
 */
import { Document, isScalar, parseDocument, visit } from 'yaml';
import type { Message, Params, Variables } from '../schemas';
import type { Assertion } from '../assertions/types';
import { paramsToApi } from '../formats/common';
import { asImageValue, imageReference, imageVarNames, splitAtImages } from '../formats/image-parts';
import { formatIssue, parseConfig, type ConfigFiles, type ConfigProvider, type EvalConfig, type ProviderKind } from './config';
import { vendorConfig } from './vendor-config';
import { checksFromNotes, portableAsserts, readBackAsserts } from './portable-checks';
import type { ProviderTimeouts } from '../timeouts';

export interface ExperimentProvider {
  kind: ProviderKind;
  /** Kind openai: the Responses API; Chat Completions when absent. */
  api?: 'chat' | 'responses';
  /** The model id as the API knows it; `echo` for the echo provider. */
  model: string;
  /** promptfoo's display name for the provider; promptfoo tells providers apart by it. */
  label?: string;
  /** OpenAI-compatible base URL (openai only); absent means promptfoo's default, OpenAI. */
  baseUrl?: string;
  /** The environment variable the key is read from (openai only). Never the key. */
  apiKeyEnvar?: string;
  params: Params;
  /** The provider's own timeouts (ms), written as config.timeouts (openai only). */
  timeouts?: ProviderTimeouts;
}

export interface ExperimentTest {
  description?: string;
  vars: Variables;
  assert?: Assertion[];
  /** options.transform: JavaScript applied to the output before the checks. */
  transform?: string;
  /** threshold: the test passes when its checks' weighted mean score reaches it. */
  threshold?: number;
}

export interface Experiment {
  description?: string;
  /** Each prompt is a template as messages; a plain-text prompt is one user message. */
  prompts: Message[][];
  providers: ExperimentProvider[];
  tests: ExperimentTest[];
  /** defaultTest.assert: checks for every test. */
  defaultAssert?: Assertion[];
  /** defaultTest.options.provider: the model that grades llm-rubric. */
  grader?: ExperimentProvider;
  /** defaultTest.options.rubricPrompt: the judge's prompt, when it is not the default. */
  rubricPrompt?: Message[];
  /** G-Eval's own prompts (an object rubricPrompt, `{steps, evaluate}`). */
  gEvalPrompt?: { steps?: Message[]; evaluate?: Message[] };
  /** The models asked on the grader's server for embeddings (similar, answer-relevance) and moderation. */
  graderModels?: { embedding?: string; moderation?: string };
  /** evaluateOptions.repeat: how many times each cell is asked (absent: once). */
  repeat?: number;
}

export type ExperimentParseResult = { ok: true; experiment: Experiment; warnings: string[] } | { ok: false; errors: string[] };

export const EXPERIMENT_FILE_NAME = 'promptfooconfig.yaml';
export const EXPERIMENT_MIME_TYPE = 'application/yaml';

const HEADER = [
  ' yaml-language-server: $schema=https://promptfoo.dev/config-schema.json',
  ' Written by Parallax. Run it with `npx promptfoo eval` or `parallax eval`; open it in Parallax to edit it.',
  ' No API key is written here: each provider reads its key from the environment variable',
  ' named by apiKeyEnvar (when none is named: OPENAI_API_KEY, ANTHROPIC_API_KEY, or GEMINI_API_KEY / GOOGLE_API_KEY).',
].join('\n');

/**
 * True when a single user message can be written as a plain string and read back as exactly
 * that message, by the parser and by promptfoo. promptfoo parses a prompt that starts with
 * `[` or `{` as JSON (and fails when it is not), one that starts with `- ` as YAML, and loads
 * `file://` paths; an empty prompt is refused. Those go as a chat list instead, which is exact.
 */
function plainTextCarries(content: string): boolean {
  const trimmed = content.trim();
  if (trimmed === '' || content.startsWith('file://') || trimmed.startsWith('[') || trimmed.startsWith('{') || trimmed.startsWith('- ')) return false;
  try {
    JSON.parse(trimmed);
    return false;
  } catch {
    return true;
  }
}

/**
 * False when text written unquoted could be read back as something other than that text by
 * YAML 1.2 (this parser) or by YAML 1.1 readers (js-yaml, which promptfoo uses, still reads
 * timestamps, and older readers read yes/no as booleans): such text is written in quotes.
 */
function plainIsString(text: string): boolean {
  if (text.includes('\n')) return true; // written as a literal block, which is always text
  for (const version of ['1.1', '1.2'] as const) {
    try {
      const doc = parseDocument(text, { version, logLevel: 'silent' });
      if (doc.errors.length > 0 || doc.toJS() !== text) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** promptfoo's chat prompt: a JSON list of {role, content}, one message a line. */
function chatJson(messages: readonly Message[]): string {
  return `[\n${messages.map((m) => `  ${JSON.stringify({ role: m.role, content: m.content })}`).join(',\n')}\n]`;
}

/**
 * A chat prompt whose user messages write an image variable: those messages as text and
 * `image_url` parts whose URL is the variable (`{{photo}}`), which promptfoo fills with the
 * test's data URI or address. Undefined when no message writes one.
 */
function chatJsonWithImages(messages: readonly Message[], images: ReadonlySet<string>): string | undefined {
  let any = false;
  const lines = messages.map((m) => {
    const pieces = m.role === 'user' ? splitAtImages(m.content, images) : [];
    if (!pieces.some((p) => p.type === 'image')) return `  ${JSON.stringify({ role: m.role, content: m.content })}`;
    any = true;
    const content = pieces.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: `{{${p.name}}}` } }));
    return `  ${JSON.stringify({ role: m.role, content })}`;
  });
  return any ? `[\n${lines.join(',\n')}\n]` : undefined;
}

function promptValue(messages: readonly Message[], images: ReadonlySet<string> = new Set()): string {
  const withImages = chatJsonWithImages(messages, images);
  if (withImages !== undefined) return withImages;
  const only = messages[0];
  if (messages.length === 1 && only && only.role === 'user' && plainTextCarries(only.content)) return only.content;
  return chatJson(messages);
}

/** The params as the provider id's vendor writes them in promptfoo's config. */
function paramsConfig(params: Params, kind: ProviderKind = 'openai', api?: 'chat' | 'responses'): Record<string, unknown> {
  const { config, rest } = vendorConfig(kind, api, params);
  return { ...paramsToApi(rest), ...config };
}

/** promptfoo's id for a provider of this kind and API. */
function providerId(provider: ExperimentProvider): string {
  const model = provider.model.trim();
  if (provider.kind === 'anthropic') return `anthropic:messages:${model}`;
  if (provider.kind === 'google') return `google:${model}`;
  return provider.api === 'responses' ? `openai:responses:${model}` : `openai:chat:${model}`;
}

function providerValue(provider: ExperimentProvider): string | Record<string, unknown> {
  const labelText = provider.label !== undefined && provider.label.trim() !== '' ? provider.label : undefined;
  const label = labelText !== undefined ? { label: labelText } : {};
  if (provider.kind === 'echo') {
    const config = paramsConfig(provider.params);
    if (labelText === undefined && Object.keys(config).length === 0) return 'echo';
    return { id: 'echo', ...label, ...(Object.keys(config).length > 0 ? { config } : {}) };
  }
  const config = {
    ...(provider.baseUrl !== undefined && provider.baseUrl !== '' ? { apiBaseUrl: provider.baseUrl.replace(/\/+$/, '') } : {}),
    ...(provider.apiKeyEnvar !== undefined && provider.apiKeyEnvar !== '' ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
    ...(provider.timeouts !== undefined && Object.keys(provider.timeouts).length > 0 ? { timeouts: { ...provider.timeouts } } : {}),
    ...paramsConfig(provider.params, provider.kind, provider.api),
  };
  return { id: providerId(provider), ...label, ...(Object.keys(config).length > 0 ? { config } : {}) };
}

/** promptfoo's own embedding and moderation models, which Parallax asks the grader's server for when none is named. */
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-large';
export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

/** Checks that ask for embeddings or moderation rather than the grader's chat model. */
const ENDPOINT_CHECK = /^(not-)?(similar(:.+)?|answer-relevance|moderation)$/;

function usesGraderEndpoints(assertions: readonly Assertion[]): boolean {
  return assertions.some((a) => ENDPOINT_CHECK.test(a.type) || (a.assert !== undefined && usesGraderEndpoints(a.assert)));
}

/**
 * defaultTest.options.provider. Parallax asks the grader's own OpenAI-compatible server for
 * embeddings and moderation; promptfoo asks its default OpenAI providers unless the grader is
 * a map naming them (and refuses a chat grader for `similar`). So an OpenAI-kind grader whose
 * draft uses those checks, or names their models, is written as promptfoo's map: `text` the
 * grader, `embedding` and `moderation` on the same server and key variable.
 */
function graderValue(experiment: Experiment): string | Record<string, unknown> | undefined {
  const grader = experiment.grader;
  if (grader === undefined) return undefined;
  const text = providerValue(grader);
  const models = experiment.graderModels ?? {};
  const checks = [...(experiment.defaultAssert ?? []), ...experiment.tests.flatMap((t) => t.assert ?? [])];
  if (grader.kind !== 'openai' || (models.embedding === undefined && models.moderation === undefined && !usesGraderEndpoints(checks))) return text;
  const server = {
    ...(grader.baseUrl !== undefined && grader.baseUrl !== '' ? { apiBaseUrl: grader.baseUrl.replace(/\/+$/, '') } : {}),
    ...(grader.apiKeyEnvar !== undefined && grader.apiKeyEnvar !== '' ? { apiKeyEnvar: grader.apiKeyEnvar } : {}),
  };
  const endpoint = (role: 'embedding' | 'moderation', model: string): string | Record<string, unknown> =>
    Object.keys(server).length > 0 ? { id: `openai:${role}:${model}`, config: { ...server } } : `openai:${role}:${model}`;
  return {
    text,
    embedding: endpoint('embedding', models.embedding ?? DEFAULT_EMBEDDING_MODEL),
    moderation: endpoint('moderation', models.moderation ?? DEFAULT_MODERATION_MODEL),
  };
}

function testValue(test: ExperimentTest, index: number, notes: string[]): Record<string, unknown> {
  const assert = test.assert !== undefined && test.assert.length > 0 ? portableAsserts(test.assert, `tests[${index}].assert`, notes) : [];
  return {
    ...(test.description !== undefined ? { description: test.description } : {}),
    // An image goes as its data URI or address, the text promptfoo puts in the image part.
    vars: Object.fromEntries(Object.entries(test.vars).map(([name, value]) => [name, imageReference(value) ?? value])),
    ...(assert.length > 0 ? { assert } : {}),
    ...(test.transform !== undefined ? { options: { transform: test.transform } } : {}),
    ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
  };
}

/** The experiment as a promptfooconfig.yaml that promptfoo runs and `parseExperimentYaml` reads back. */
export function exportExperimentYaml(experiment: Experiment): string {
  // Checks promptfoo cannot run in any form are left out, and the file says which, up top.
  const notes: string[] = [];
  experiment.tests.forEach((test, index) => {
    for (const [name, value] of Object.entries(test.vars)) {
      // promptfoo runs one test per item of a list of strings (a list of anything else is passed whole).
      if (Array.isArray(value) && typeof value[0] === 'string') notes.push(`tests[${index}].vars.${name} is a list of text: promptfoo runs that test once per item, not once with the list.`);
    }
  });
  const defaultAssert = experiment.defaultAssert !== undefined && experiment.defaultAssert.length > 0 ? portableAsserts(experiment.defaultAssert, 'defaultTest.assert', notes) : [];
  if (experiment.gEvalPrompt !== undefined && experiment.rubricPrompt !== undefined && experiment.rubricPrompt.length > 0) {
    notes.push("The judge's G-Eval prompts are left out: promptfoo's one rubricPrompt holds either the judge's prompt (written) or G-Eval's steps and evaluate prompts.");
  }
  const options = {
    ...(experiment.grader !== undefined ? { provider: graderValue(experiment) } : {}),
    // promptfoo reads a JSON chat list as the judge's messages and fills {{ output }} and {{ rubric }};
    // an object {steps, evaluate} is G-Eval's prompts. One key holds one or the other.
    ...(experiment.rubricPrompt !== undefined && experiment.rubricPrompt.length > 0
      ? { rubricPrompt: chatJson(experiment.rubricPrompt) }
      : experiment.gEvalPrompt !== undefined
        ? { rubricPrompt: Object.fromEntries(Object.entries(experiment.gEvalPrompt).map(([key, messages]) => [key, chatJson(messages)])) }
        : {}),
  };
  const defaultTest = {
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(defaultAssert.length > 0 ? { assert: defaultAssert } : {}),
  };
  const value = {
    ...(experiment.description !== undefined ? { description: experiment.description } : {}),
    prompts: experiment.prompts.map((messages) => promptValue(messages, imageVarNames(experiment.tests.map((t) => t.vars)))),
    providers: experiment.providers.map(providerValue),
    ...(Object.keys(defaultTest).length > 0 ? { defaultTest } : {}),
    ...(experiment.tests.length > 0 ? { tests: experiment.tests.map((test, index) => testValue(test, index, notes)) } : {}),
    ...(experiment.repeat !== undefined && experiment.repeat > 1 ? { evaluateOptions: { repeat: experiment.repeat } } : {}),
  };
  const doc = new Document(value);
  doc.commentBefore = notes.length > 0 ? `${HEADER}\n${notes.map((note) => ` ${note.replace(/\s+/g, ' ')}`).join('\n')}` : HEADER;
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && !plainIsString(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // No folding (lineWidth 0): long lines stay one line, and multi-line text is a literal block.
  return doc.toString({ lineWidth: 0, blockQuote: 'literal' });
}

function toExperimentProvider(provider: ConfigProvider): ExperimentProvider {
  return {
    kind: provider.kind,
    ...(provider.api !== undefined ? { api: provider.api } : {}),
    model: provider.model,
    ...(provider.label !== undefined ? { label: provider.label } : {}),
    ...(provider.apiBaseUrl !== undefined ? { baseUrl: provider.apiBaseUrl } : {}),
    ...(provider.apiKeyEnvar !== undefined ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
    params: { ...provider.params },
    ...(provider.timeouts !== undefined ? { timeouts: { ...provider.timeouts } } : {}),
  };
}

export interface ExperimentParseOptions {
  /** The files given with the config (its nunjucksFilters, `file://` values and prompts); without it, none is read. */
  files?: ConfigFiles;
  /**
   * Each test's variables as the first prompt renders with them in `parallax eval` (values
   * that name other variables filled in, rendered with filters and `env`): a draft has no
   * such second pass, so it keeps the rendered values. Absent: the values as written.
   */
  prepareTests?: (config: EvalConfig) => { vars: Variables[]; warnings: string[] };
}

/**
 * Reads a promptfooconfig (Parallax's or one written by hand) into an experiment. Errors and
 * warnings are sentences that name the file, the field and the line, as `parallax eval` prints
 * them; on any error nothing is returned, so a caller never acts on half a file.
 */
export function parseExperimentYaml(text: string, fileName: string, options: ExperimentParseOptions = {}): ExperimentParseResult {
  const parsed = parseConfig(text, fileName, options.files);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map(formatIssue) };
  const { config } = parsed;
  const prepared = options.prepareTests?.(config);
  // Checks promptfoo cannot run (contains-pii) travel as header notes: put back where they stood.
  const noted = checksFromNotes(text);
  const defaultAssert = readBackAsserts(config.defaultAssert, noted.filter((n) => n.test === 'default'));
  return {
    ok: true,
    experiment: {
      ...(config.description !== undefined ? { description: config.description } : {}),
      prompts: config.prompts.map((prompt) => prompt.messages.map((m) => ({ role: m.role, content: m.content }))),
      providers: config.providers.map(toExperimentProvider),
      tests: config.tests.map((test, index) => ({
        ...(test.description !== undefined ? { description: test.description } : {}),
        vars: Object.fromEntries(Object.entries(prepared?.vars[index] ?? test.vars).map(([name, value]) => [name, asImageValue(value)])),
        ...((assert) => (assert !== undefined ? { assert } : {}))(readBackAsserts(test.assert, noted.filter((n) => n.test === index))),
        ...(test.transform !== undefined ? { transform: test.transform } : {}),
        ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
      })),
      ...(defaultAssert !== undefined ? { defaultAssert } : {}),
      ...(config.grader !== undefined ? { grader: toExperimentProvider(config.grader) } : {}),
      ...(config.rubricPrompt !== undefined ? { rubricPrompt: config.rubricPrompt.map((m) => ({ role: m.role, content: m.content })) } : {}),
      ...(config.graderModels !== undefined ? { graderModels: { ...config.graderModels } } : {}),
      ...(config.gEvalPrompt !== undefined ? { gEvalPrompt: structuredClone(config.gEvalPrompt) } : {}),
      ...(config.repeat !== undefined ? { repeat: config.repeat } : {}),
    },
    warnings: [...parsed.warnings.map(formatIssue), ...filterWarnings(config, fileName), ...aroundWarnings(config, fileName), ...graderWarnings(config, fileName), ...(prepared?.warnings ?? [])],
  };
}

/** The app grades with one judge: a test's options.provider and a check's provider are not kept, and say so. */
function graderWarnings(config: EvalConfig, fileName: string): string[] {
  const tests = config.tests.filter((t) => t.grader !== undefined).length;
  const checks = config.checkGraders?.size ?? 0;
  if (tests === 0 && checks === 0) return [];
  const named = [...(tests > 0 ? [`${tests === 1 ? '1 test names' : `${tests} tests name`} its own grader (options.provider)`] : []), ...(checks > 0 ? [`${checks === 1 ? '1 check names' : `${checks} checks name`} its own (provider)`] : [])];
  return [`${fileName}: ${named.join(' and ')}; the draft grades every check with its one judge (defaultTest.options.provider), so ${tests + checks === 1 ? 'that grader is' : 'those graders are'} left out (parallax eval asks them)`];
}

/** A draft has one template for every row: a test's options.prefix / suffix around it is not kept, and says so. */
function aroundWarnings(config: EvalConfig, fileName: string): string[] {
  const n = config.tests.filter((t) => t.prefix !== undefined || t.suffix !== undefined).length;
  if (n === 0) return [];
  return [`${fileName}: ${n === 1 ? '1 test puts' : `${n} tests put`} text around the prompt (options.prefix / suffix); the draft has one template for every row, so it leaves that text out (parallax eval keeps it)`];
}

/** A workspace runs every row on every variant: the config's prompts/providers lists (which cells run) are not kept, and say so. */
function filterWarnings(config: EvalConfig, fileName: string): string[] {
  const providers = config.providers.filter((p) => p.prompts !== undefined).length;
  const tests = config.tests.filter((t) => t.prompts !== undefined || t.providers !== undefined).length;
  if (providers === 0 && tests === 0) return [];
  const what = [providers > 0 ? `${providers} provider${providers === 1 ? '' : 's'}` : '', tests > 0 ? `${tests} test${tests === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  return [`${fileName}: ${what} name${providers + tests === 1 ? 's' : ''} the prompts or providers to run with; the workspace runs every row on every variant (parallax eval keeps the lists)`];
}
