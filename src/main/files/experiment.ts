/**
 * The draft (Workspace) to and from an experiment file (promptfooconfig.yaml): the template
 * becomes the one prompt, each column a provider, the variables the one test; and back.
 *
 * Providers in the file carry no ids, only what identifies an endpoint (base URL, key
 * variable, label). Opening a file therefore asks the caller to find or create a provider for
 * each one (`resolveProvider`); everything that can be wrong with the file is checked before
 * the first such call, so a bad file never creates anything.
 */
import { randomUUID } from 'node:crypto';
import type { Assertion } from '../../shared/assertions/types';
import { AppError } from '../../shared/errors';
import {
  EXPERIMENT_FILE_NAME,
  EXPERIMENT_MIME_TYPE,
  exportExperimentYaml,
  parseExperimentYaml,
  type Experiment,
  type ExperimentProvider,
} from '../../shared/promptfoo/experiment';
import { readSiblings } from '../../shared/formats/prompty-files';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from '../../shared/providers';
import { workspaceSchema, type Column, type JudgeConfig, type Params, type ProviderInfo, type TestCase, type Workspace } from '../../shared/schemas';
import type { ProviderTimeouts } from '../../shared/timeouts';
import { withPromptTools } from '../../shared/tools';
import type { Environment } from '../secrets/secrets';
import { preparedTests, siblingConfigFiles } from './experiment-vars';

/** What identifies a provider in a file; the caller turns it into a provider id. */
export interface ProviderSpec {
  kind: 'echo' | 'openai' | 'anthropic' | 'google';
  /** Kind openai: the Responses API; Chat Completions when absent. */
  api?: 'chat' | 'responses';
  baseUrl?: string;
  apiKeyEnvar?: string;
  /** The name to give a provider the caller has to create. */
  label?: string;
  /** Its timeouts (ms), for a provider the caller has to create. */
  timeouts?: ProviderTimeouts;
}

/**
 * The provider's id, or its id and name: with the name, a label in the file that is not the
 * provider's own name (nor one made from it) is read as the variant's label.
 */
export type ResolveProvider = (spec: ProviderSpec) => string | { id: string; name: string };

function copyParams(params: Params): Params {
  return structuredClone(params);
}

function keyOf(provider: ExperimentProvider): string {
  return provider.label ?? (provider.kind === 'echo' ? 'echo' : `openai:chat:${provider.model}`);
}

/**
 * promptfoo tells providers apart by label (else by id), so two columns on the same provider
 * and model would merge into one there. Labels are the provider's name; where names repeat
 * the model is added (`OpenAI: gpt-4o`), and where that repeats too, a number (`echo #2`).
 */
function distinctLabels(providers: ExperimentProvider[], names: readonly string[]): ExperimentProvider[] {
  const repeated = (list: readonly ExperimentProvider[]): Set<string> => {
    const counts = new Map<string, number>();
    for (const p of list) counts.set(keyOf(p), (counts.get(keyOf(p)) ?? 0) + 1);
    return new Set([...counts].filter(([, n]) => n > 1).map(([key]) => key));
  };
  let dupes = repeated(providers);
  let out = providers.map((p, i) => (p.kind === 'openai' && dupes.has(keyOf(p)) ? { ...p, label: `${names[i] ?? p.label ?? 'openai'}: ${p.model}` } : p));
  dupes = repeated(out);
  const seen = new Map<string, number>();
  out = out.map((p) => {
    const key = keyOf(p);
    if (!dupes.has(key)) return p;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return { ...p, label: `${key} #${n}` };
  });
  return out;
}

function columnName(column: Column, index: number, provider?: ProviderInfo): string {
  const what = [provider?.name, column.model.trim()].filter((s): s is string => !!s).join(', ');
  return `Column ${index + 1}${what ? ` (${what})` : ''}`;
}

/** The draft as an experiment: its template, one provider per column, its variables as the one test. */
export function workspaceToExperiment(workspace: Workspace, providers: readonly ProviderInfo[]): Experiment {
  if (workspace.columns.length === 0) {
    throw new AppError('bad_input', 'The draft has no columns; add a column (a provider and a model) before exporting it as a promptfoo config.');
  }
  const names: string[] = [];
  const list = workspace.columns.map((column, index): ExperimentProvider => {
    // promptfoo keeps tools in each provider's config: the prompt's go to every column without its own.
    const params = copyParams(withPromptTools(column.params, workspace.tools, workspace.toolChoice));
    if (column.providerId === ECHO_PROVIDER_ID) {
      names.push('echo');
      return { kind: 'echo', model: ECHO_MODEL, params };
    }
    const provider = providers.find((p) => p.id === column.providerId);
    if (!provider) {
      throw new AppError(
        'bad_input',
        `${columnName(column, index)} uses a provider that is no longer in Settings; pick another provider for it, or remove the column, and export again.`,
      );
    }
    names.push(provider.name);
    if (provider.kind === 'echo') return { kind: 'echo', model: ECHO_MODEL, params };
    const model = column.model.trim();
    if (model === '') throw new AppError('bad_input', `${columnName(column, index, provider)} has no model; enter the model's id (for example gpt-4o-mini) and export again.`);
    return {
      kind: provider.kind,
      ...(provider.kind === 'openai' && provider.api === 'responses' ? { api: 'responses' as const } : {}),
      model,
      label: provider.name,
      baseUrl: provider.baseUrl.trim().replace(/\/+$/, ''),
      ...(provider.apiKeyEnvar ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
      params,
      ...(provider.timeouts ? { timeouts: { ...provider.timeouts } } : {}),
    };
  });
  const judge = workspace.judge ? judgeProvider(workspace.judge, providers) : undefined;
  return {
    prompts: [workspace.messages.map((m) => ({ role: m.role, content: m.content }))],
    // A variant's own label is promptfoo's label (its display name); others are named after their provider.
    providers: distinctLabels(
      list.map((p, i) => {
        const own = workspace.columns[i]?.label?.trim();
        return own ? { ...p, label: own } : p;
      }),
      names,
    ),
    tests: workspace.testCases.map((testCase) => ({
      ...(testCase.description !== undefined ? { description: testCase.description } : {}),
      vars: { ...testCase.vars, ...(testCase.expected !== undefined ? { expected: testCase.expected } : {}) },
      ...(testCase.assert !== undefined && testCase.assert.length > 0 ? { assert: testCase.assert as Assertion[] } : {}),
      ...(testCase.transform !== undefined ? { transform: testCase.transform } : {}),
      ...(testCase.threshold !== undefined ? { threshold: testCase.threshold } : {}),
    })),
    ...(workspace.assertions.length > 0 ? { defaultAssert: workspace.assertions as Assertion[] } : {}),
    ...(judge ? { grader: judge } : {}),
    ...(workspace.judge?.prompt ? { rubricPrompt: workspace.judge.prompt.map((m) => ({ role: m.role, content: m.content })) } : {}),
    ...(judge && workspace.judge?.gEvalPrompt ? { gEvalPrompt: structuredClone(workspace.judge.gEvalPrompt) } : {}),
    ...(judge && (workspace.judge?.embeddingModel !== undefined || workspace.judge?.moderationModel !== undefined)
      ? {
          graderModels: {
            ...(workspace.judge.embeddingModel !== undefined ? { embedding: workspace.judge.embeddingModel } : {}),
            ...(workspace.judge.moderationModel !== undefined ? { moderation: workspace.judge.moderationModel } : {}),
          },
        }
      : {}),
    ...(workspace.repeats > 1 ? { repeat: workspace.repeats } : {}),
  };
}

/** The llm-rubric judge as promptfoo's defaultTest.options.provider (no label: promptfoo needs none for it). */
function judgeProvider(judge: JudgeConfig, providers: readonly ProviderInfo[]): ExperimentProvider {
  if (judge.providerId === ECHO_PROVIDER_ID) return { kind: 'echo', model: ECHO_MODEL, params: {} };
  const provider = providers.find((p) => p.id === judge.providerId);
  if (!provider) throw new AppError('bad_input', 'The llm-rubric judge uses a provider that is no longer in Settings; pick another judge and export again.');
  if (provider.kind === 'echo') return { kind: 'echo', model: ECHO_MODEL, params: {} };
  return {
    kind: provider.kind,
    ...(provider.kind === 'openai' && provider.api === 'responses' ? { api: 'responses' as const } : {}),
    model: judge.model.trim(),
    baseUrl: provider.baseUrl.trim().replace(/\/+$/, ''),
    ...(provider.apiKeyEnvar ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
    params: {},
  };
}

/** The name a label gives a provider: without the `: <model>` and ` #n` that made it distinct. */
function providerName(provider: ExperimentProvider): string | undefined {
  if (provider.label === undefined) return undefined;
  let name = provider.label.replace(/ #\d+$/, '');
  const suffix = `: ${provider.model}`;
  if (name.endsWith(suffix) && name.length > suffix.length) name = name.slice(0, -suffix.length);
  name = name.trim();
  return name === '' ? undefined : name;
}

function specOf(provider: ExperimentProvider): ProviderSpec {
  if (provider.kind === 'echo') return { kind: 'echo' };
  const label = providerName(provider);
  return {
    kind: provider.kind,
    ...(provider.api !== undefined ? { api: provider.api } : {}),
    ...(provider.baseUrl !== undefined ? { baseUrl: provider.baseUrl } : {}),
    ...(provider.apiKeyEnvar !== undefined ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(provider.timeouts !== undefined ? { timeouts: provider.timeouts } : {}),
  };
}

/**
 * Tools every provider of the file offers alike become the prompt's (the Tools panel shows
 * them and a run sends them to every column); tools that differ stay with their provider.
 */
function sharedTools(providers: readonly ExperimentProvider[]): Pick<Workspace, 'tools' | 'toolChoice'> {
  const first = providers[0]?.params;
  if (!first?.tools || first.tools.length === 0) return {};
  const key = (params: Params): string => JSON.stringify([params.tools ?? null, params.toolChoice ?? null]);
  if (!providers.every((p) => key(p.params) === key(first))) return {};
  return { tools: structuredClone(first.tools), ...(first.toolChoice !== undefined ? { toolChoice: structuredClone(first.toolChoice) } : {}) };
}

function withoutTools(params: Params): Params {
  const { tools: _tools, toolChoice: _choice, ...rest } = params;
  return rest;
}

/**
 * The variant's own label, when the file's label is not one export makes from the provider's
 * name (`OpenAI`, `OpenAI: gpt-4o`, `echo #2`). Without the provider's name nothing is a variant label.
 */
function variantLabel(provider: ExperimentProvider, providerName: string | undefined, all: readonly ExperimentProvider[]): string | undefined {
  const label = provider.label?.trim();
  if (label === undefined || label === '') return undefined;
  const fromProvider = provider.kind === 'echo' ? ['echo', `echo: ${provider.model}`] : providerName !== undefined ? [providerName, `${providerName}: ${provider.model}`] : undefined;
  if (fromProvider === undefined) return undefined;
  const bare = label.replace(/ #\d+$/, '');
  if (fromProvider.includes(label) || fromProvider.includes(bare)) return undefined;
  // " #n" was added to tell equal labels apart: drop it when another provider shares the label.
  const shared = bare !== label && all.some((other) => other !== provider && other.label !== undefined && other.label.replace(/ #\d+$/, '') === bare);
  return (shared ? bare : label).slice(0, 80);
}

/** "the other one is" / "the other 3 are". */
function others(n: number): string {
  return n === 1 ? 'the other one is' : `the other ${n} are`;
}

/**
 * An experiment as a draft: the first prompt's messages, the first test's variables, a new
 * column per provider. Throws AppError('bad_input') before resolving any provider when the
 * experiment cannot be a draft.
 */
export function experimentToWorkspace(experiment: Experiment, resolveProvider: ResolveProvider): { workspace: Workspace; warnings: string[] } {
  const warnings: string[] = [];
  const first = experiment.prompts[0];
  if (!first || first.length === 0) throw new AppError('bad_input', 'The experiment has no prompt to open; add one under prompts.');
  if (experiment.prompts.length > 1) {
    warnings.push(`The file has ${experiment.prompts.length} prompts; only the first is opened (${others(experiment.prompts.length - 1)} not).`);
  }
  const shared = sharedTools(experiment.providers);
  const draft = {
    messages: first.map((m) => ({ role: m.role, content: m.content })),
    testCases: (experiment.tests.length > 0 ? experiment.tests : [{ vars: {} }]).map((test): TestCase => {
      const { expected, ...vars } = test.vars;
      return {
        id: randomUUID(),
        // An expected value that is not text stays a variable rather than being dropped.
        vars: typeof expected === 'string' || expected === undefined ? vars : { ...vars, expected },
        ...(typeof expected === 'string' ? { expected } : {}),
        ...(test.assert !== undefined && test.assert.length > 0 ? { assert: test.assert } : {}),
        ...(test.transform !== undefined ? { transform: test.transform } : {}),
        ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
        ...(test.description !== undefined ? { description: test.description } : {}),
      };
    }),
    selectedCase: 0,
    repeats: experiment.repeat ?? 1,
    useCache: true,
    assertions: experiment.defaultAssert ?? [],
    ...shared,
    columns: experiment.providers.map((provider) => ({
      id: randomUUID(),
      providerId: provider.kind === 'echo' ? ECHO_PROVIDER_ID : 'unresolved',
      model: provider.kind === 'echo' ? ECHO_MODEL : provider.model.trim(),
      params: copyParams(shared.tools ? withoutTools(provider.params) : provider.params),
    })),
  };
  // Everything is checked before any provider is looked up or created.
  const checked = workspaceSchema.safeParse(draft);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new AppError('bad_input', `The experiment cannot be opened: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'it does not fit a draft'}.`);
  }
  const emptyModel = experiment.providers.findIndex((p) => p.kind !== 'echo' && p.model.trim() === '');
  if (emptyModel >= 0) throw new AppError('bad_input', `The experiment cannot be opened: providers[${emptyModel}] names no model.`);

  const resolved = new Map<string, { id: string; name?: string }>();
  const resolve = (spec: ProviderSpec): { id: string; name?: string } => {
    const key = JSON.stringify(spec);
    let found = resolved.get(key);
    if (found === undefined) {
      const answer = resolveProvider(spec);
      found = typeof answer === 'string' ? { id: answer } : answer;
      resolved.set(key, found);
    }
    return found;
  };
  const columns = draft.columns.map((column, index): Column => {
    const provider = experiment.providers[index];
    if (!provider) return column;
    const found = resolve(specOf(provider));
    const label = variantLabel(provider, found.name, experiment.providers);
    return { ...column, providerId: found.id, ...(label !== undefined ? { label } : {}) };
  });
  const grader = experiment.grader;
  const judge =
    grader && (grader.kind === 'echo' || grader.model.trim() !== '')
      ? {
          providerId: resolve(specOf(grader)).id,
          model: grader.kind === 'echo' ? ECHO_MODEL : grader.model.trim(),
          ...(experiment.rubricPrompt && experiment.rubricPrompt.length > 0 ? { prompt: experiment.rubricPrompt.map((m) => ({ role: m.role, content: m.content })) } : {}),
          ...(experiment.gEvalPrompt !== undefined ? { gEvalPrompt: structuredClone(experiment.gEvalPrompt) } : {}),
          ...(experiment.graderModels?.embedding !== undefined ? { embeddingModel: experiment.graderModels.embedding } : {}),
          ...(experiment.graderModels?.moderation !== undefined ? { moderationModel: experiment.graderModels.moderation } : {}),
        }
      : undefined;
  return { workspace: { ...draft, columns, ...(judge ? { judge } : {}) }, warnings };
}

/** A promptfooconfig as a draft, all or nothing: a file with errors resolves no provider. */
export function importExperimentFile(
  fileName: string,
  text: string,
  resolveProvider: ResolveProvider,
  options: { env?: Environment; siblings?: ReadonlyArray<{ name: string; text: string }> } = {},
): { ok: true; workspace: Workspace; warnings: string[] } | { ok: false; errors: string[] } {
  // Only the files handed over with it, by relative name, are ever read.
  const beside = options.siblings !== undefined && options.siblings.length > 0 ? readSiblings(options.siblings) : undefined;
  const files = beside ? siblingConfigFiles(beside.files) : undefined;
  // Values are opened as parallax eval renders them, so the app sends the same prompts.
  const parsed = parseExperimentYaml(text, fileName, { ...(files ? { files } : {}), prepareTests: (config) => preparedTests(config, fileName, options.env ?? {}, files) });
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { workspace, warnings } = experimentToWorkspace(parsed.experiment, resolveProvider);
  return { ok: true, workspace, warnings: [...(beside?.problems ?? []), ...parsed.warnings, ...warnings] };
}

/** The draft as the file a promptfoo user runs: prompts, providers without keys, tests. */
export function exportExperimentFile(workspace: Workspace, providers: readonly ProviderInfo[]): { fileName: typeof EXPERIMENT_FILE_NAME; text: string; mimeType: typeof EXPERIMENT_MIME_TYPE } {
  return { fileName: EXPERIMENT_FILE_NAME, text: exportExperimentYaml(workspaceToExperiment(workspace, providers)), mimeType: EXPERIMENT_MIME_TYPE };
}
