/**
 * `parallax eval`: runs every prompt × provider × test of a promptfoo-style config as one run
 * (source `cli`) through the same services the app uses, so the run shows up in History;
 * reports progress on stderr and writes the requested result files.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { batchVendorOf } from '../../shared/batch';
import { batchPollOf } from '../runner/batch';
import type { AppEvent } from '../../shared/contract';
import { formatIssue, parseConfig, type ConfigPrompt, type ConfigProvider, type ConfigTest, type EvalConfig } from '../../shared/promptfoo/config';
import { columnLayout, testRunsIn } from '../../shared/promptfoo/prompts';
import { checkTemplate } from '../../shared/template';
import { decodeTextFile } from '../../shared/text-file';
import type { Cell, Column, JudgeConfig, Message, TestCase } from '../../shared/schemas';
import { ownGraders, ungradedCheck } from './graders';
import { configFiles } from './config-files';
import { keyHostVerdict, refusalReason, hostOf, type KeyHostApproval } from '../../shared/key-hosts';
import { loadKeyHostApprovals } from '../secrets/key-hosts';
import { matrixCells } from '../runner/matrix';
import { promptfooVars } from '../template/promptfoo-vars';
import { sandbox } from '../sandbox';
import { envNamesUsed, safeTemplateEnv } from '../../shared/promptfoo/vars';
import { ECHO_PROVIDER_ID } from '../providers/echo';
import { createProvider, defaultKeyEnvarOf, DEFAULT_BASE_URLS, endpointOf, envBaseUrlOf } from '../providers/factory';
import { SecretRedactor } from '../../shared/redact';
import type { RunPlan } from '../runner/runner';
import { MemorySecretStore, type Environment } from '../secrets/secrets';
import { createServices } from '../services';
import { DATABASE_FILE, type NewCell, type RecordedProvider } from '../store/store';
import { outputFormatOf, placeOf, writeOutputs, type OutputTarget } from './output';
import { configFingerprint, interruptedHint, recordProviders, resumeRefusal } from './resume';
import { AppError } from '../../shared/errors';
import type { ProviderTimeouts } from '../../shared/timeouts';

export interface EvalOptions {
  configPath: string;
  outputs: readonly string[];
  dataDir: string;
  /** -j; else the config's evaluateOptions.maxConcurrency, else DEFAULT_MAX_CONCURRENCY. */
  maxConcurrency?: number;
  /** --repeat; else the config's evaluateOptions.repeat, else 1. */
  repeat?: number;
  /** --max-answer-bytes: UTF-8 bytes of each answer kept; else Settings' cap, else 1 MB (runner/answer-cap.ts). */
  maxAnswerBytes?: number;
  /** Answer unchanged requests from the response cache (first repeat only). */
  cache: boolean;
  /** Exit 0 even when checks fail (requests that fail still exit 1). */
  passOnFailedChecks?: boolean;
  /** --timeout-*: for every provider, over each provider's config.timeout / config.timeouts. */
  timeouts?: ProviderTimeouts;
  /** --allow-key-host VAR=host: hosts a key variable may go to besides its own (and Settings' list). */
  allowKeyHosts?: readonly KeyHostApproval[];
  /** --allow-files <dir>: folders besides the config's own that its file:// references may read. */
  allowFiles?: readonly string[];
  env: Environment;
  cwd: string;
  version: string;
  /** Progress and messages (stderr). */
  log: (text: string) => void;
  signal?: AbortSignal;
  /** --resume <run id>: finish that run (started from this config) instead of starting a new one. */
  resume?: string;
  /** --batch: providers with a batch engine get their cells sent through it (runner/batch.ts). */
  batch?: boolean;
}

/** promptfoo's exit code when every request worked but a check failed. */
export const EXIT_CHECKS_FAILED = 100;

export interface EvalOutcome {
  exitCode: 0 | 1 | 2 | typeof EXIT_CHECKS_FAILED;
  /** Cells whose checks failed. */
  checksFailed?: number;
  runId?: string;
  cells: number;
  failed: number;
  cancelled: number;
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_MAX_CONCURRENCY = 4;
const MAX_ERRORS_SHOWN = 20;
const PER_CELL_PROGRESS_UNDER = 20;

/** How a config provider is run: its id in the registry, base URL and the key's variable. */
export interface ProviderBinding {
  registryId: string;
  name: string;
  provider: ConfigProvider;
  baseUrl?: string;
  keyEnvar?: string;
  key?: string;
  /** The base URL came from the environment (OPENAI_BASE_URL), not from the config. */
  baseUrlFromEnv?: boolean;
}

/** The flag that lets a key variable go to another host, for messages and --help. */
export const ALLOW_KEY_HOST_FLAG = '--allow-key-host';

export function bindProviders(providers: readonly ConfigProvider[], env: Environment): ProviderBinding[] {
  const counts = new Map<string, number>();
  for (const p of providers) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
  return providers.map((provider, index) => {
    const name = provider.label ?? provider.id;
    if (provider.kind === 'echo') return { registryId: ECHO_PROVIDER_ID, name, provider };
    const registryId = (counts.get(provider.id) ?? 0) > 1 ? `${provider.id}#${index + 1}` : provider.id;
    const envBaseUrl = provider.apiBaseUrl === undefined ? envBaseUrlOf(provider.kind, env) : undefined;
    const baseUrl = (provider.apiBaseUrl ?? envBaseUrl ?? DEFAULT_BASE_URLS[provider.kind]).replace(/\/+$/, '');
    const keyEnvar = provider.apiKeyEnvar ?? defaultKeyEnvarOf(provider.kind, env);
    const key = env[keyEnvar] || undefined;
    return { registryId, name, provider, baseUrl, keyEnvar, ...(key !== undefined ? { key } : {}), ...(envBaseUrl !== undefined ? { baseUrlFromEnv: true } : {}) };
  });
}

/**
 * Keys that would go to a host they do not belong to (src/shared/key-hosts.ts): one message
 * each, naming the variable, the host and how to allow it. Only a variable that is set counts:
 * an unset one sends nothing. A base URL from the person's own environment (OPENAI_BASE_URL)
 * is where they send OPENAI_API_KEY, so that pair is theirs.
 */
export function keyRefusals(bindings: readonly { binding: ProviderBinding; where: string }[], approvals: readonly KeyHostApproval[]): string[] {
  const out: string[] = [];
  for (const { binding, where } of bindings) {
    if (binding.provider.kind === 'echo' || binding.key === undefined || binding.keyEnvar === undefined || binding.baseUrl === undefined) continue;
    const envar = binding.keyEnvar;
    // A base URL from the environment goes with the key variable the same vendor reads by default.
    const fromEnv = binding.baseUrlFromEnv === true && binding.provider.apiKeyEnvar === undefined ? [{ envar, host: hostOf(binding.baseUrl) ?? '' }] : [];
    const verdict = keyHostVerdict(envar, binding.baseUrl, [...approvals, ...fromEnv]);
    if (verdict.ok) continue;
    const named = binding.provider.apiKeyEnvar !== undefined ? envar : `${envar} (the key variable used when a provider names none)`;
    out.push(
      `${where}: refused to send the value of ${named} to ${verdict.host}: ${refusalReason(envar, verdict)}. ` +
        `If you trust ${verdict.host} with it, run parallax eval ${ALLOW_KEY_HOST_FLAG} ${envar}=${verdict.host} (or allow it in the app: Settings → Keys for other hosts); ` +
        `otherwise ${binding.provider.apiKeyEnvar !== undefined ? 'remove config.apiKeyEnvar' : `unset ${envar}`} or name a variable that belongs to ${verdict.host} with config.apiKeyEnvar.`,
    );
  }
  return out;
}

export interface PlanOptions {
  runId?: string;
  repeats?: number;
  useCache?: boolean;
  /** Who grades llm-rubric. */
  judge?: JudgeConfig;
  /** The grader's binding, recorded with the providers so a resume can reach it. */
  grader?: ProviderBinding;
  /** Graders of single tests and checks (graders.ts): their bindings, recorded too, and each test's graders by index. */
  ownGraders?: { bindings: readonly ProviderBinding[]; rows: readonly Pick<TestCase, 'grader' | 'graders'>[] };
  /** What promptfoo's `env` global holds for the templates: the safe variables they name (safeTemplateEnv). */
  templateEnv?: Record<string, string>;
  /** Reads a `file://` value's file (confined as every file the config names). */
  readVarFile?: (ref: string) => string;
  /** Variants whose provider has a batch engine go through it (--batch). */
  batch?: boolean;
}

/** A file reader that reads each file once per run (a value file is named by many rows). */
function cachedReader(read: (ref: string) => string): (ref: string) => string {
  const texts = new Map<string, string>();
  return (ref) => {
    let text = texts.get(ref);
    if (text === undefined) {
      text = read(ref);
      if (texts.size < 1000) texts.set(ref, text);
    }
    return text;
  };
}

/**
 * The run: columns are providers (outer) × prompts (inner) as in promptfoo; a row per test;
 * each cell `repeats` times. Cells are produced lazily, straight into the database.
 */
export function planRun(config: EvalConfig, bindings: readonly ProviderBinding[], options: PlanOptions = {}): RunPlan & { total: number } {
  const runId = options.runId ?? randomUUID();
  const repeats = options.repeats ?? 1;
  // Each provider × each prompt its `prompts` list allows; a test's own lists then pick its cells.
  const layout = columnLayout(config);
  const columns: Column[] = layout.flatMap(({ providerIdx, promptIdx }) => {
    const binding = bindings[providerIdx];
    if (!binding) return [];
    const batch = options.batch === true && batchVendorOf(binding.provider.kind, binding.provider.kind === 'openai' ? binding.provider.api : undefined) !== undefined;
    return [{ id: `p${providerIdx + 1}.${promptIdx + 1}`, providerId: binding.registryId, model: binding.provider.model, params: binding.provider.params, ...(batch ? { batch: true } : {}) }];
  });
  const runsIn = (caseIndex: number, columnIndex: number): boolean => {
    const place = layout[columnIndex];
    const test = config.tests[caseIndex];
    return place !== undefined && test !== undefined && testRunsIn(test, config.prompts[place.promptIdx], config.providers[place.providerIdx]);
  };
  const perTest = config.tests.map((_test, caseIndex) => columns.filter((_column, columnIndex) => runsIn(caseIndex, columnIndex)).length);
  const chatTemplates = new Set<readonly Message[]>(config.prompts.filter((prompt) => prompt.chat).map((prompt) => prompt.messages));
  const arounds = new Map<ConfigTest, Map<number, Message[]>>();
  const first = config.prompts[0];
  const lastUser = first ? ([...first.messages].reverse().find((m) => m.role === 'user') ?? first.messages[0]) : undefined;
  const titleText = (config.description ?? lastUser?.content ?? 'parallax eval').replace(/\s+/g, ' ').trim();
  return {
    run: {
      id: runId,
      createdAt: new Date().toISOString(),
      source: 'cli',
      title: titleText.length > 120 ? `${titleText.slice(0, 119)}…` : titleText,
      messages: first?.messages ?? [],
      testCases: config.tests.map((test, index) => ({
        id: `test-${index + 1}`,
        vars: test.vars,
        ...(test.expected !== undefined ? { expected: test.expected } : {}),
        ...(test.description !== undefined ? { description: test.description } : {}),
        ...(test.assert !== undefined ? { assert: test.assert } : {}),
        ...(test.transform !== undefined ? { transform: test.transform } : {}),
        ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
        ...options.ownGraders?.rows[index],
      })),
      columns,
      repeats,
      useCache: options.useCache ?? true,
      assertions: config.defaultAssert ?? [],
      ...(options.judge ? { judge: options.judge } : {}),
      ...recordedRun(config, bindings, options.grader, options.ownGraders),
    },
    cells: onlyWhere(
      (cell) => runsIn(cell.caseIndex, cell.columnIndex),
      matrixCells({
        testCases: config.tests.map((test, index) => ({ id: `test-${index + 1}`, vars: test.vars })),
        columns,
        templates: layout.map(({ promptIdx }) => config.prompts[promptIdx]?.messages ?? []),
        providerName: (columnIndex) => bindings[layout[columnIndex]?.providerIdx ?? -1]?.name ?? columns[columnIndex]?.providerId ?? '',
        repeats,
        // Values that name other variables are filled in as promptfoo fills them in (a chat prompt gets no template pass).
        prepareVars: (vars, template) => promptfooVars(vars, chatTemplates.has(template) ? 'chat' : 'text', options.templateEnv, options.readVarFile),
        templateOf: (caseIndex, columnIndex, template) => {
          const place = layout[columnIndex];
          const prompt = place ? config.prompts[place.promptIdx] : undefined;
          return prompt ? aroundPrompt(config.tests[caseIndex], prompt, place?.promptIdx ?? 0, arounds) : template;
        },
      }),
    ),
    total: perTest.reduce((sum, n) => sum + n, 0) * repeats,
  };
}

/**
 * promptfoo's options.prefix / suffix: the test's prompt is `prefix + prompt.raw + suffix`, one
 * text template (a chat prompt's JSON with text around it is no longer a chat list, so
 * promptfoo sends it as one user message, and so does this). One array per test and prompt.
 */
function aroundPrompt(test: ConfigTest | undefined, prompt: ConfigPrompt, promptIdx: number, memo: Map<ConfigTest, Map<number, Message[]>>): readonly Message[] {
  if (test === undefined || (test.prefix === undefined && test.suffix === undefined)) return prompt.messages;
  let byPrompt = memo.get(test);
  if (!byPrompt) memo.set(test, (byPrompt = new Map()));
  let template = byPrompt.get(promptIdx);
  if (!template) byPrompt.set(promptIdx, (template = [{ role: 'user', content: `${test.prefix ?? ''}${prompt.raw}${test.suffix ?? ''}` }]));
  return template;
}

/**
 * The cells a test's filters keep, still produced lazily, numbered again without gaps: the
 * store and the result files page through a run by position.
 */
function* onlyWhere(keep: (cell: NewCell) => boolean, cells: Iterable<NewCell>): Generator<NewCell> {
  let position = 0;
  for (const cell of cells) if (keep(cell)) yield { ...cell, position: position++ };
}

/** promptfoo's `env` global for this config's templates: the variables they name that cannot be secrets (safeTemplateEnv). */
function templateEnvOf(config: EvalConfig, bindings: readonly ProviderBinding[], env: Environment): Record<string, string> {
  const names = new Set(config.prompts.flatMap((prompt) => prompt.messages.flatMap((m) => envNamesUsed(m.content))));
  // Values are rendered as templates too (promptfoo-vars.ts), so the names they read count.
  for (const test of config.tests) for (const value of Object.values(test.vars)) if (typeof value === 'string' && value.includes('env')) for (const name of envNamesUsed(value)) names.add(name);
  const keyVariables = new Set(bindings.flatMap((binding) => (binding.keyEnvar !== undefined ? [binding.keyEnvar] : [])));
  return safeTemplateEnv(names, env, keyVariables);
}

/** The providers (never keys) and the config's fingerprint, recorded in the run so any process can resume it. */
function recordedRun(config: EvalConfig, bindings: readonly ProviderBinding[], grader: ProviderBinding | undefined, own?: PlanOptions['ownGraders']): { providers: RecordedProvider[]; fingerprint: string } {
  const providers = recordProviders([...bindings, ...(grader ? [grader] : []), ...(own?.bindings ?? [])]);
  const testCases = config.tests.map((test, index) => ({
    id: `test-${index + 1}`,
    vars: test.vars,
    ...(test.expected !== undefined ? { expected: test.expected } : {}),
    ...(test.assert !== undefined ? { assert: test.assert } : {}),
    ...(test.transform !== undefined ? { transform: test.transform } : {}),
    ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
    ...own?.rows[index],
  }));
  return { providers, fingerprint: configFingerprint(config, providers, testCases) };
}

/** Each prompt's template errors (syntax, unknown filters), one line each with the message, line and column. */
export function templateProblems(prompts: readonly ConfigPrompt[], configPath: string, customFilters: ReadonlySet<string> = new Set()): string[] {
  // A filter the config defines (nunjucksFilters) is not unknown.
  const known = (message: string): boolean => customFilters.has(/^Unknown filter "(.+)"\.$/.exec(message)?.[1] ?? '');
  return prompts.flatMap((prompt, promptIndex) =>
    prompt.messages.flatMap((message, messageIndex) =>
      checkTemplate(message.content).errors.filter((problem) => !known(problem.message)).map(
        (problem) =>
          `${configPath}: prompts[${promptIndex}]${prompt.label !== '' && prompt.label !== prompt.raw ? ` (${oneLine(prompt.label, 60)})` : ''}: ` +
          `template error in message ${messageIndex + 1} (${message.role}), line ${problem.line}, column ${problem.column}: ${problem.message}`,
      ),
    ),
  );
}

/** Masks the config's keys in every form a server might echo them (shared/redact.ts). */
function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const redactor = new SecretRedactor(secrets);
  return (text) => redactor.redact(text);
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export async function runEval(options: EvalOptions): Promise<EvalOutcome> {
  const usage = (lines: string[]): EvalOutcome => {
    for (const line of lines) options.log(`${line}\n`);
    options.log('Nothing was run.\n');
    return { exitCode: 2, cells: 0, failed: 0, cancelled: 0 };
  };

  // 1. The config.
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(options.cwd, options.configPath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'this is a folder, not a file' : (error as Error).message;
    return usage([`${options.configPath}: cannot read the config: ${reason}`]);
  }
  // UTF-8, UTF-16 with its mark, else Latin-1 with a warning; a binary file is no config (shared/text-file.ts).
  const decoded = decodeTextFile(bytes);
  if (!decoded.ok) return usage([`${options.configPath}: cannot read the config: ${decoded.reason}`]);
  const { text } = decoded;
  if (decoded.note !== undefined) options.log(`warning: ${options.configPath}: ${decoded.note}.\n`);
  const allowFiles = (options.allowFiles ?? []).map((dir) => resolve(options.cwd, dir));
  // Prompt files are labelled by their path joined to the config's folder as written, as promptfoo labels them.
  const files = configFiles(dirname(resolve(options.cwd, options.configPath)), allowFiles, dirname(options.configPath));
  const parsed = parseConfig(text, options.configPath, files);
  for (const warning of parsed.warnings) options.log(`warning: ${formatIssue(warning)}\n`);
  if (!parsed.ok) return usage(parsed.errors.map((e) => formatIssue(e)));
  const { config } = parsed;
  // A template that does not parse (or uses a filter Parallax does not have) fails every row:
  // that is the config's error, found before anything is recorded.
  const templateErrors = templateProblems(config.prompts, options.configPath, new Set(config.nunjucksFilters?.map((f) => f.name)));
  if (templateErrors.length > 0) return usage(templateErrors);

  // 2. The outputs, checked before anything runs.
  const targets: OutputTarget[] = [];
  const problems: string[] = [];
  for (const output of new Set(options.outputs)) {
    const format = outputFormatOf(output);
    if (!format) {
      problems.push(`${output}: unknown output format; Parallax writes .json (promptfoo's format), .jsonl and .csv`);
      continue;
    }
    const path = resolve(options.cwd, output);
    try {
      mkdirSync(dirname(path), { recursive: true });
      accessSync(dirname(path), constants.W_OK);
    } catch (error) {
      problems.push(`${output}: cannot write there: ${(error as Error).message}`);
      continue;
    }
    targets.push({ path, format });
  }
  if (problems.length > 0) return usage(problems);

  // 3. Providers, and the keys they read (never printed).
  const bindings = bindProviders(config.providers, options.env);
  // The grader (defaultTest.options.provider) is bound like the others, after them.
  const graderBinding = config.grader ? bindProviders([...config.providers, config.grader], options.env).at(-1) : undefined;
  // Graders of single tests and checks (options.provider, assert.provider), each bound once after the others.
  const leading = [...config.providers, ...(config.grader ? [config.grader] : [])];
  const own = ownGraders(config, (extra) => bindProviders([...leading, ...extra], options.env).slice(leading.length), graderBinding);
  if (!own.ok) return usage([`${options.configPath}: ${own.error}`]);
  const ownBindings = own.graders.bindings.map((b) => b.binding);
  // Every model-graded check (llm-rubric, factuality, similar, select-best, ...) asks a grader or its server.
  const graded = ungradedCheck(config, graderBinding !== undefined);
  if (graded) {
    return usage([`${options.configPath}: ${graded.type.replace(/^not-/, '')} needs a grader: set defaultTest.options.provider (e.g. openai:chat:gpt-4o-mini, or echo to try it)`]);
  }
  const keyed = [
    ...bindings.map((binding, index) => ({ binding, where: `${options.configPath}: providers[${index}] (${binding.name})` })),
    ...(graderBinding ? [{ binding: graderBinding, where: `${options.configPath}: defaultTest.options.provider (${graderBinding.name})` }] : []),
    ...own.graders.bindings.map(({ binding, where }) => ({ binding, where: `${options.configPath}: ${where} (${binding.name})` })),
  ];
  // Refusals by the command line's word alone are known before the database is opened.
  const cliRefusals = keyRefusals(keyed, options.allowKeyHosts ?? []);
  const allKeys = [...bindings, ...(graderBinding ? [graderBinding] : []), ...ownBindings].flatMap((b) => (b.key !== undefined ? [b.key] : []));
  const redact = makeRedactor(allKeys);
  const log = (line: string): void => options.log(redact(line));
  bindings.forEach((binding, index) => {
    const { kind } = binding.provider;
    if (kind === 'echo' || binding.key !== undefined) return;
    const where = `providers[${index}] (${binding.name})`;
    if (binding.provider.apiKeyEnvar !== undefined) {
      log(`warning: ${where}: ${binding.keyEnvar ?? ''} is not set, so requests go without a key.\n`);
    } else if (binding.baseUrl === DEFAULT_BASE_URLS[kind]) {
      const vendor = { openai: 'OpenAI', anthropic: 'Anthropic', google: 'Google' }[kind];
      const envars = kind === 'google' ? 'GEMINI_API_KEY (or GOOGLE_API_KEY) is' : `${binding.keyEnvar ?? ''} is`;
      log(`warning: ${where}: ${envars} not set; ${vendor} will refuse the requests. Set it, or name another variable with config.apiKeyEnvar.\n`);
    }
  });

  const maxConcurrency = options.maxConcurrency ?? config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const repeats = options.repeat ?? config.repeat ?? 1;
  const { maxAnswerBytes } = options;
  let services;
  try {
    services = createServices({
      dataDir: options.dataDir,
      door: 'web',
      version: options.version,
      secrets: new MemorySecretStore(),
      env: options.env,
      echo: { chunkDelayMs: 0, chunkSize: 4096 },
      runner: { maxConcurrency, ...(maxAnswerBytes !== undefined ? { maxAnswerBytes: () => maxAnswerBytes } : {}), ...batchPollOf(options.env) },
    });
  } catch (error) {
    log(`parallax: cannot open the database in ${options.dataDir}: ${(error as Error).message}\n`);
    return { exitCode: 1, cells: 0, failed: 0, cancelled: 0 };
  }

  try {
    // promptfoo's nunjucksFilters, loaded into the sandbox for this run (filters are code: they run there, under its budget).
    if (config.nunjucksFilters !== undefined) {
      const loaded = sandbox.setFilters(config.nunjucksFilters);
      if (!loaded.ok) return usage([`${options.configPath}: nunjucksFilters: a filter file cannot be loaded: ${loaded.message} (filters run in the sandbox: no require, no files, no network)`]);
    }
    // …and what Settings allowed is in the database, so the last word is said once it is open.
    if (cliRefusals.length > 0) {
      const refusals = keyRefusals(keyed, [...(options.allowKeyHosts ?? []), ...loadKeyHostApprovals(services.store)]);
      if (refusals.length > 0) return usage(refusals);
    }
    for (const binding of [...bindings, ...(graderBinding ? [graderBinding] : []), ...ownBindings]) {
      if (binding.provider.kind === 'echo' || binding.baseUrl === undefined) continue;
      let provider;
      try {
        provider = createProvider({
          kind: binding.provider.kind,
          ...(binding.provider.api !== undefined ? { api: binding.provider.api } : {}),
          baseUrl: binding.baseUrl,
          apiKey: binding.key,
          // Each provider masks every key of the config in what its server sends back.
          otherSecrets: allKeys.filter((k) => k !== binding.key),
          timeouts: { ...binding.provider.timeouts, ...options.timeouts },
        });
      } catch (error) {
        if (error instanceof AppError) return usage([`${options.configPath}: ${binding.name}: ${error.message}`]);
        throw error;
      }
      services.registry.registerTransient({
        id: binding.registryId,
        name: binding.name,
        provider,
        concurrency: maxConcurrency,
        endpoint: endpointOf(binding.provider.kind, binding.provider.kind === 'openai' ? binding.provider.api : undefined, binding.baseUrl),
      });
    }

    // A provider the run recorded but this config no longer registers (a resumed run's judge, say) follows the same rules.
    services.registry.extraKeyHosts.push(...(options.allowKeyHosts ?? []));
    services.registry.recordedConcurrency = maxConcurrency;

    // 4. Run.
    const plan = planRun(config, bindings, {
      repeats,
      useCache: options.cache,
      ...(options.batch === true ? { batch: true } : {}),
      templateEnv: templateEnvOf(config, bindings, options.env),
      readVarFile: cachedReader((ref) => files.readText(ref)),
      ...(graderBinding
        ? {
            judge: {
              providerId: graderBinding.registryId,
              model: graderBinding.provider.model,
              ...(config.rubricPrompt ? { prompt: config.rubricPrompt } : {}),
              ...(config.gEvalPrompt ? { gEvalPrompt: config.gEvalPrompt } : {}),
              ...(config.graderModels?.embedding !== undefined ? { embeddingModel: config.graderModels.embedding } : {}),
              ...(config.graderModels?.moderation !== undefined ? { moderationModel: config.graderModels.moderation } : {}),
            },
            grader: graderBinding,
          }
        : {}),
      ...(ownBindings.length > 0 || own.graders.rows.some((row) => row.grader || row.graders) ? { ownGraders: { bindings: ownBindings, rows: own.graders.rows } } : {}),
    });
    // --resume: the run recorded from this same config goes on instead (resume.ts).
    const resuming = options.resume !== undefined ? services.store.getRun(options.resume)?.run : undefined;
    if (options.resume !== undefined) {
      const refusal = resumeRefusal(services.store, options.resume, plan.run.fingerprint ?? '', options.configPath);
      if (refusal !== undefined) return usage([refusal]);
    } else {
      const hint = interruptedHint(services.store, plan.run.fingerprint ?? '', options.configPath);
      if (hint !== undefined) log(hint);
    }
    const runId = resuming?.id ?? plan.run.id;
    const total = resuming?.cellCount ?? plan.total;
    let done = 0;
    let failed = 0;
    let cancelled = 0;
    let lastDecile = 0;
    let cached = 0;
    let checksFailed = 0;
    const layout = columnLayout(config);
    const describeCell = (cell: Cell): string => {
      const place = placeOf(cell, layout);
      const name = bindings[place.providerIdx]?.name ?? '?';
      return `${name} · prompt ${place.promptIdx + 1} · test ${place.testIdx + 1}${(resuming?.repeats ?? repeats) > 1 ? ` · repeat ${place.repeatIdx + 1}` : ''}`;
    };
    const batchSeen = new Map<string, string>();
    const onEvent = (event: AppEvent): void => {
      if (event.type === 'batch.update' && event.runId === runId) {
        // A line per change of a job's status or counts: a batch can take hours.
        const { job } = event;
        const line = `batch ${job.remoteId ?? job.id} (${job.vendor}): ${job.status.replace('_', ' ')}, ${job.succeeded + job.failed}/${job.total} answered${job.failed ? `, ${job.failed} failed` : ''}${job.problem ? ` (${oneLine(job.problem)})` : ''}`;
        if (batchSeen.get(job.id) !== line) log(`${line}\n`);
        batchSeen.set(job.id, line);
        return;
      }
      if (event.type !== 'cell.update' || event.runId !== runId) return;
      const { cell } = event;
      if (cell.status === 'pending' || cell.status === 'running') return;
      done++;
      if (cell.cached) cached++;
      if (cell.grading && !cell.grading.pass) {
        checksFailed++;
        if (checksFailed <= MAX_ERRORS_SHOWN) log(`  check failed: ${describeCell(cell)}: ${oneLine(cell.grading.reason)}\n`);
      }
      if (cell.status === 'error') failed++;
      if (cell.status === 'cancelled') cancelled++;
      if (cell.status === 'error' && failed <= MAX_ERRORS_SHOWN) {
        log(`  error: ${describeCell(cell)}: ${oneLine(cell.error?.message ?? 'failed')}\n`);
        if (failed === MAX_ERRORS_SHOWN) log(`  (further errors are in the results and the app's History)\n`);
      }
      if (total <= PER_CELL_PROGRESS_UNDER) {
        const time = cell.totalMs !== undefined ? ` in ${Math.round(cell.totalMs)} ms` : '';
        log(`[${done}/${total}] ${describeCell(cell)}: ${cell.status === 'done' ? 'ok' : cell.status}${time}\n`);
      } else {
        const decile = Math.floor((done * 10) / total);
        if (decile > lastDecile) {
          lastDecile = decile;
          log(`[${String(decile * 10).padStart(3)}%] ${done}/${total} cells, ${failed} failed${cancelled ? `, ${cancelled} cancelled` : ''}\n`);
        }
      }
    };
    const unsubscribe = services.onEvent(onEvent);
    if (resuming) {
      // The same door as the app's Resume: the lease, the run's state and every provider's key (by today's rules) are checked first.
      let queued: number;
      try {
        ({ queued } = await services.handlers['runs.resume']({ runId }));
      } catch (error) {
        unsubscribe();
        if (error instanceof AppError) return usage([`--resume ${runId}: ${error.message}`]);
        throw error;
      }
      done = total - queued;
      log(`Resuming run ${runId}: ${queued} of ${total} cell${total === 1 ? '' : 's'} left to run, at most ${maxConcurrency} at once.\n`);
    } else {
      log(
        `Running ${total} cell${total === 1 ? '' : 's'}: ${config.prompts.length} prompt${config.prompts.length === 1 ? '' : 's'} × ` +
          `${config.providers.length} provider${config.providers.length === 1 ? '' : 's'} × ${config.tests.length} test${config.tests.length === 1 ? '' : 's'}` +
          `${repeats > 1 ? ` × ${repeats} repeats` : ''}${total < config.prompts.length * config.providers.length * config.tests.length * repeats ? ' (as the prompts and providers lists choose)' : ''}, at most ${maxConcurrency} at once${options.cache ? '' : ', cache off'}.\n`,
      );
    }
    const started = performance.now();
    if (!resuming) await services.runner.start(plan);
    // A batch is not cancelled by Ctrl+C: the job keeps running at the vendor, recorded, for --resume.
    const batched = services.store.runColumns(runId).some((column) => column.batch === true);
    let detached = false;
    const stop = (): void => {
      if (batched) {
        detached = true;
        services.runner.close();
      } else services.runner.stop(runId);
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    let ended: Awaited<ReturnType<typeof services.runner.whenDone>>;
    try {
      ended = await services.runner.whenDone(runId);
    } finally {
      options.signal?.removeEventListener('abort', stop);
      unsubscribe();
    }
    const wallMs = performance.now() - started;
    if (!detached && ended === 'interrupted') {
      // A batch's vendor could not be reached, or its results read: the cells wait, resumable.
      log(`Some batch results could not be read yet (the vendor or the network); parallax eval -c ${options.configPath} --resume ${runId} reads them from the same jobs.
`);
    }
    if (detached) {
      services.store.finishRun(runId, 'interrupted');
      log(`The batch keeps running at the vendor and is recorded: parallax eval -c ${options.configPath} --resume ${runId} picks it up (without sending it again).\n`);
    }
    // The database has the last word: cells whose template did not render, or that a stop
    // cancelled before they started, never sent an event.
    const counts = services.store.progress(runId);
    failed = counts.error;
    cancelled = counts.cancelled + counts.pending + counts.running;
    const ok = counts.done;
    // A resumed run's checks count the cells answered before it was interrupted too.
    if (resuming) checksFailed = services.store.failedChecks(runId);
    log(
      `Finished ${total} cell${total === 1 ? '' : 's'} in ${seconds(wallMs)} (wall time): ${ok} ok, ${failed} failed` +
        `${cancelled ? `, ${cancelled} cancelled` : ''}${cached ? ` (${cached} from the cache; --no-cache to ask again)` : ''}. Run ${runId} is saved in ${resolve(options.dataDir, DATABASE_FILE)}.\n`,
    );

    // 5. Results.
    const checked = config.tests.some((t) => (t.assert?.length ?? 0) > 0) || (config.defaultAssert?.length ?? 0) > 0;
    if (checked) log(`Checks: ${ok - checksFailed} of ${ok} answered cells passed${checksFailed ? `, ${checksFailed} failed` : ''}.\n`);
    let exitCode: EvalOutcome['exitCode'] = failed + cancelled > 0 ? 1 : checksFailed > 0 && options.passOnFailedChecks !== true ? EXIT_CHECKS_FAILED : 0;
    try {
      await writeOutputs(services.store, { runId, createdAt: resuming?.createdAt ?? plan.run.createdAt, config, version: options.version, durationMs: wallMs, redact }, targets);
      for (const target of targets) log(`Wrote ${target.path}\n`);
    } catch (error) {
      log(`parallax: could not write the results: ${(error as Error).message}\n`);
      exitCode = 1;
    }
    return { exitCode, runId, cells: total, failed, cancelled, checksFailed };
  } finally {
    // The config's own filters go with it (the process's sandbox may render for another config next).
    if (config.nunjucksFilters !== undefined) sandbox.setFilters([]);
    services.close();
  }
}
