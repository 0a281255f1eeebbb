/**
 * The services behind the contract, wired once. Every front door (Electron IPC, the web
 * server, the CLI) uses the same instance shape, so they all behave the same.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { batchVendorOf } from '../shared/batch';
import type { AppEvent, AppInfo, Handlers, RunRequest } from '../shared/contract';
import { AppError } from '../shared/errors';
import { renderMessages } from './template/render';
import type { Message, Params, Usage } from '../shared/schemas';
import type { ToolChoice, ToolDefinition } from '../shared/tools';
import { ProviderRegistry } from './providers/registry';
import type { EchoOptions } from './providers/echo';
import { matrixCells } from './runner/matrix';
import { ImageStore } from './images';
import { Runner, type RunnerOptions, type RunPlan } from './runner/runner';
import { Regrader } from './runner/regrade';
import { regradeHandlers } from './handlers/regrade';
import type { Environment, SecretStore } from './secrets/secrets';
import { LEASE_MS, Store } from './store/store';
import { fileHandlers, type FileDialogs } from './handlers/files';
import { historyHandlers } from './handlers/history';
import { imageHandlers } from './handlers/images';
import { judgingHandlers } from './handlers/judging';
import { raterHandlers } from './handlers/raters';
import { piiHandlers } from './handlers/pii';
import { PiiGuard } from './pii/guard';
import { guardGraders } from './pii/graders';
import { biasHandlers } from './handlers/bias';
import { templateHandlers } from './handlers/templates';
import { PRICES_KEY, priceTable } from './prices';
import { costOfUsage } from '../shared/prices';
import { libraryHandlers, modelOfColumns } from './handlers/library';
import { toolCallHandlers } from './handlers/tool-calls';
import { authorHandlers } from './handlers/author';
import type { Assertion } from '../shared/assertions/types';
import { loadWorkspace, saveWorkspace } from './workspace';
import { keyHostVerdict, normaliseApprovalHost, refusalReason } from '../shared/key-hosts';
import { addKeyHostApproval, loadKeyHostApprovals, removeKeyHostApproval } from './secrets/key-hosts';
import { DEFAULT_MAX_ANSWER_BYTES, MAX_ANSWER_BYTES_KEY, parseMaxAnswerBytes } from './runner/answer-cap';
import type { ProviderTimeouts } from '../shared/timeouts';

export interface ServicesOptions {
  dataDir: string;
  door: AppInfo['door'];
  version: string;
  secrets: SecretStore;
  env: Environment;
  echo?: EchoOptions;
  runner?: RunnerOptions;
  /** The desktop's native open/save dialogs; absent in browser mode and the CLI. */
  dialogs?: FileDialogs;
}

export interface Services {
  store: Store;
  registry: ProviderRegistry;
  runner: Runner;
  /** Images test cases name, kept once in the data folder. */
  images: ImageStore;
  /** Grades a finished run's answers again with other checks. */
  regrader: Regrader;
  handlers: Handlers;
  /** Subscribe to events; returns an unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /**
   * Resumes runs a quit left with a batch at a vendor (runner/batch.ts polls the job, never
   * sends it again): now, and once more when a lease the last process left has lapsed.
   */
  resumeBatches(): Promise<void>;
  close(): void;
}

function titleOf(messages: RunRequest['messages']): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user') ?? messages[0];
  const text = (lastUser?.content ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export interface PlanContext {
  providerNames: ReadonlyMap<string, string>;
  /** Messages of a library version a variant runs instead of the draft. */
  versionMessages: (versionId: string) => Message[];
  promptVersionId?: string;
  runId?: string;
}

/**
 * A run of the draft: variants × the chosen rows × repeats (runner/matrix.ts). The template
 * must render for the first row; otherwise the run stops before anything is recorded.
 */
/** A variant's parameters with the prompt's tools added, unless it has tools of its own. */
export function withPromptTools(params: Params, tools: readonly ToolDefinition[] | undefined, toolChoice: ToolChoice | undefined): Params {
  if (params.tools !== undefined || !tools || tools.length === 0) return params;
  return { ...params, tools: [...tools], ...(toolChoice !== undefined && params.toolChoice === undefined ? { toolChoice } : {}) };
}

export function planAppRun(request: RunRequest, context: PlanContext): RunPlan {
  const runId = context.runId ?? randomUUID();
  const caseIndexes = request.caseIndexes ? [...new Set(request.caseIndexes)] : request.testCases.map((_, i) => i);
  for (const index of caseIndexes) {
    if (index >= request.testCases.length) throw new AppError('bad_input', `There is no row ${index + 1}: the table has ${request.testCases.length}.`);
  }
  // The prompt's tools go into each variant's parameters (a variant's own win): each cell then says what it was offered.
  const columns = request.columns.map((column) => ({ ...column, params: withPromptTools(column.params, request.tools, request.toolChoice) }));
  const templates = columns.map((column) => (column.promptVersionId ? context.versionMessages(column.promptVersionId) : request.messages));
  const repeats = request.repeats;
  // The template must render for the first row; otherwise nothing is recorded.
  const firstCase = request.testCases[caseIndexes[0] ?? 0];
  if (firstCase) templates.forEach((messages) => renderMessages(messages, firstCase.vars));
  return {
    run: {
      id: runId,
      createdAt: new Date().toISOString(),
      source: 'app',
      title: titleOf(request.messages),
      messages: request.messages,
      testCases: request.testCases,
      columns,
      repeats,
      useCache: request.useCache,
      assertions: request.assertions as Assertion[],
      ...(request.judge ? { judge: request.judge } : {}),
      ...(context.promptVersionId ? { promptVersionId: context.promptVersionId } : {}),
    },
    cells: matrixCells({
      testCases: request.testCases,
      caseIndexes,
      columns,
      templates,
      providerName: (columnIndex) => {
        const providerId = request.columns[columnIndex]?.providerId ?? '';
        return context.providerNames.get(providerId) ?? providerId;
      },
      repeats,
    }),
    total: caseIndexes.length * request.columns.length * repeats,
  };
}

export function createServices(options: ServicesOptions): Services {
  const store = new Store(options.dataDir);
  /** Runs whose lease lapsed (their process died or hung) become interrupted: checked on open and on every look at runs. */
  let closed = false;
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  const noticeLapsed = (): void => {
    try {
      store.markInterrupted();
      // A run whose planning a crash cut short holds part of its matrix only: it is removed, not offered for resume.
      store.discardHalfPlanned();
    } catch {
      // The database is busy: the next look notices.
    }
  };
  noticeLapsed();
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const emit = (event: AppEvent): void => {
    events.emit('event', event);
  };
  const registry = new ProviderRegistry(store, options.secrets, options.env, options.echo);
  // Keys from the environment that providers read are known from the start; saved keys as they are read.
  registry.known.add(options.env['OPENAI_API_KEY'], ...store.listProviders().map((p) => (p.apiKeyEnvar ? options.env[p.apiKeyEnvar] : undefined)));
  // Costs use the price table with the user's own entries, parsed again only when their saved
  // text changes (one indexed read per cell), so a price saved just before a run applies to it.
  let prices = { table: priceTable(store), text: store.getValue(PRICES_KEY) };
  const cost = (model: string, usage: Usage): number | undefined => {
    const text = store.getValue(PRICES_KEY);
    if (text !== prices.text) prices = { table: priceTable(store), text };
    return costOfUsage(model, usage, prices.table);
  };
  // What is kept of an answer: Settings' cap (read as each cell starts), unless the door set one (eval --max-answer-bytes).
  const maxAnswerBytes = (): number => {
    try {
      return parseMaxAnswerBytes(store.getValue(MAX_ANSWER_BYTES_KEY));
    } catch {
      return DEFAULT_MAX_ANSWER_BYTES;
    }
  };
  const images = new ImageStore(options.dataDir);
  // Each provider's personal-data policy applies to every request a run sends (src/main/pii/guard.ts).
  const pii = new PiiGuard(store);
  const runner = new Runner(store, registry, emit, { cost, redact: (text) => registry.known.redact(text), maxAnswerBytes, loadImage: images.load, pii, ...options.runner });
  const regrader = new Regrader(store, guardGraders(registry, pii), emit, { redact: (text) => registry.known.redact(text), prices: () => priceTable(store) });
  const { secrets } = options;
  /** Every provider (and the judge) a resume needs resolves, with its key by today's rules, before a cell is touched. */
  const resolveForResume = async (runId: string, providerIds: readonly string[]): Promise<void> => {
    const recorded = store.runProviders(runId);
    const judge = store.gradingSpec(runId).judge;
    for (const providerId of new Set([...providerIds, ...(judge ? [judge.providerId] : [])])) {
      try {
        await registry.resolve(providerId, recorded);
      } catch (error) {
        // A run parallax eval started before runs recorded their providers: its providers lived in its config only.
        if (error instanceof AppError && error.code === 'not_found' && recorded.length === 0 && store.getRun(runId)?.run.source === 'cli') {
          throw new AppError(
            'not_found',
            `This run was started by parallax eval with providers from its config ("${providerId}"), and it is older than runs that record them, so it cannot be resumed. Run the config again with parallax eval.`,
          );
        }
        throw error;
      }
    }
  };

  const handlers: Handlers = {
    'app.info': () =>
      Promise.resolve({ version: options.version, door: options.door, dataDir: options.dataDir, keyStorage: secrets.kind }),
    'workspace.get': () => Promise.resolve(loadWorkspace(store)),
    'workspace.save': (workspace) => {
      saveWorkspace(store, workspace);
      return Promise.resolve({ savedAt: new Date().toISOString() });
    },
    'providers.list': () => registry.list(),
    'providers.save': async (input) => {
      const id = input.id ?? randomUUID();
      if (input.id !== undefined && !store.getProvider(input.id)) {
        throw new AppError('not_found', `No provider with id "${input.id}" to update.`);
      }
      // A variable's value goes only to a host it belongs to, unless the person said yes to
      // this variable and this host in a dialog that named both (allowKeyHost).
      if (input.apiKeyEnvar) {
        const verdict = keyHostVerdict(input.apiKeyEnvar, input.baseUrl, loadKeyHostApprovals(store));
        if (!verdict.ok) {
          if (input.allowKeyHost !== true || verdict.reason === 'bad-url') {
            throw new AppError(
              'bad_input',
              `${input.name} would send the value of ${input.apiKeyEnvar} to ${verdict.host}: ${refusalReason(input.apiKeyEnvar, verdict)}. ` +
                `Confirm that ${verdict.host} may have ${input.apiKeyEnvar}, or leave the variable empty and enter a key for ${input.name}.`,
            );
          }
          addKeyHostApproval(store, { envar: input.apiKeyEnvar, host: verdict.host });
        }
      }
      // The key first: if the vault refuses it, nothing is saved and a retry starts clean.
      if (input.apiKey !== undefined) {
        if (input.apiKey === '') await secrets.delete(id);
        else {
          await secrets.set(id, input.apiKey.trim());
          registry.known.add(input.apiKey.trim());
        }
      }
      // Saving from Settings is also how a person confirms a provider an imported file added.
      // An update that names no kind (confirming an imported provider, forgetting its key) keeps the one it has.
      const before = input.id !== undefined ? store.getProvider(input.id) : undefined;
      const kind = input.kind ?? before?.kind ?? 'openai';
      const openaiApi = input.kind !== undefined ? input.api : (input.api ?? before?.api);
      store.saveProvider({
        id,
        name: input.name,
        kind,
        ...(kind === 'openai' && openaiApi === 'responses' ? { api: 'responses' as const } : {}),
        baseUrl: input.baseUrl.replace(/\/+$/, ''),
        ...(input.apiKeyEnvar ? { apiKeyEnvar: input.apiKeyEnvar } : {}),
        // Left out, the limit stays as it was (confirming or forgetting a key does not reset it).
        ...(input.concurrency !== undefined
          ? { concurrency: input.concurrency }
          : input.id !== undefined && store.getProvider(input.id)?.concurrency !== undefined
            ? { concurrency: store.getProvider(input.id)?.concurrency ?? 8 }
            : {}),
        // The same for timeouts; an empty object puts them all back to the defaults.
        ...((): { timeouts?: ProviderTimeouts } => {
          const timeouts = input.timeouts ?? (input.id !== undefined ? store.getProvider(input.id)?.timeouts : undefined);
          return timeouts && Object.keys(timeouts).length > 0 ? { timeouts } : {};
        })(),
      });
      const saved = store.getProvider(id);
      if (!saved) throw new AppError('internal', 'The provider was not saved.');
      return registry.info(saved);
    },
    'keyHosts.list': () => Promise.resolve({ approvals: loadKeyHostApprovals(store) }),
    'keyHosts.add': ({ envar, host }) => {
      const normalised = normaliseApprovalHost(host);
      if (normalised === undefined) {
        return Promise.reject(new AppError('bad_input', `"${host}" is not a host name; write one such as llm.example.com, or *.example.com for all its subdomains.`));
      }
      try {
        return Promise.resolve({ approvals: addKeyHostApproval(store, { envar, host: normalised }) });
      } catch (error) {
        return Promise.reject(new AppError('bad_input', error instanceof Error ? error.message : String(error)));
      }
    },
    'keyHosts.remove': (approval) => Promise.resolve({ approvals: removeKeyHostApproval(store, approval) }),
    'providers.remove': async ({ id }) => {
      if (!store.deleteProvider(id)) throw new AppError('not_found', `No provider with id "${id}".`);
      await secrets.delete(id);
      return {};
    },
    'providers.models': async ({ providerId }) => {
      const { provider } = await registry.resolve(providerId);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        return { models: await provider.listModels(controller.signal) };
      } finally {
        clearTimeout(timer);
      }
    },
    'runs.start': async (request) => {
      const providers = await registry.list();
      const names = new Map(providers.map((p) => [p.id, p.name]));
      const versionMessages = (versionId: string): Message[] => {
        const found = store.library.version(versionId);
        if (!found) throw new AppError('not_found', 'A variant runs a prompt version that no longer exists. Pick another one in Variants.');
        return found.messages;
      };
      // Planned first: a template that does not render refuses the run before the library is touched.
      const plan = planAppRun(request, { providerNames: names, versionMessages });
      // A run of a library prompt is recorded against its version; a changed prompt gets a new one,
      // but only when a variant runs the draft (variants running saved versions credit those).
      // The planned columns carry the prompt's tools, so the version keeps them too.
      const model = modelOfColumns(plan.run.columns, providers);
      const sample = request.testCases[request.caseIndexes?.[0] ?? 0]?.vars ?? {};
      const runsDraft = request.columns.some((column) => column.promptVersionId === undefined);
      const version =
        request.promptId === undefined || !runsDraft
          ? undefined
          : store.library.versionForRun(request.promptId, { messages: request.messages, variables: sample, ...(model ? { model } : {}) });
      if (version) plan.run.promptVersionId = version.id;
      const started = await runner.start(plan);
      return version ? { ...started, promptVersionId: version.id } : started;
    },
    'runs.stop': ({ runId }) => Promise.resolve({ stopped: runner.stop(runId) }),
    'runs.cells': ({ runId, fromCase, toCase }) => Promise.resolve({ cells: store.cellsOfCases(runId, fromCase, toCase, true) }),
    'runs.rows': ({ runId, sort, filter }) => {
      const found = store.rowOrder.rows(runId, sort, filter);
      return found ? Promise.resolve(found) : Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
    },
    'runs.rowCells': ({ runId, cases }) => Promise.resolve({ cells: store.cellsOfCaseList(runId, cases) }),
    'runs.cell': ({ cellId }) => {
      const cell = store.getCell(cellId);
      return cell ? Promise.resolve(cell) : Promise.reject(new AppError('not_found', `No cell with id "${cellId}".`));
    },
    'answers.limit': () => Promise.resolve({ maxAnswerBytes: maxAnswerBytes(), defaultBytes: DEFAULT_MAX_ANSWER_BYTES }),
    'answers.setLimit': ({ maxAnswerBytes: bytes }) => {
      store.setValue(MAX_ANSWER_BYTES_KEY, String(bytes));
      return Promise.resolve({ maxAnswerBytes: maxAnswerBytes(), defaultBytes: DEFAULT_MAX_ANSWER_BYTES });
    },
    'runs.progress': ({ runId }) => {
      noticeLapsed();
      const status = store.runStatus(runId);
      if (status === undefined) return Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
      return Promise.resolve({ ...store.progress(runId), status });
    },
    'runs.rerun': ({ runId, cellIds, failed }) => {
      if (cellIds === undefined && !failed) return Promise.reject(new AppError('bad_input', 'Say which cells to run again: the failed ones, or a selection.'));
      noticeLapsed();
      return Promise.resolve({ queued: runner.rerun(runId, cellIds !== undefined ? { kind: 'ids', ids: cellIds } : { kind: 'failed' }) });
    },
    'runs.resume': async ({ runId }) => {
      noticeLapsed();
      const status = store.runStatus(runId);
      if (status === undefined) throw new AppError('not_found', `No run with id "${runId}": there is nothing to resume.`);
      if (status === 'running') {
        throw new AppError('bad_input', 'Another Parallax process is running this run right now (it renewed its lease seconds ago). Let it finish, or stop it there.');
      }
      if (status !== 'interrupted') throw new AppError('bad_input', `Only a run that was interrupted can be resumed; this one is ${status}. Re-run failed cells instead.`);
      await resolveForResume(runId, store.unfinishedProviders(runId));
      return { queued: runner.rerun(runId, { kind: 'unfinished' }) };
    },
    'runs.batches': ({ runId }) => Promise.resolve({ jobs: store.batchJobs.ofRun(runId), failedCells: store.batchJobs.failedCount(runId) }),
    'runs.cancelBatches': ({ runId }) => Promise.resolve({ cancelled: runner.cancelBatches(runId) }),
    'runs.sendFailedLive': ({ runId }) => {
      noticeLapsed();
      if (store.runStatus(runId) === undefined) return Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
      const ids = store.batchJobs.failedCellIds(runId);
      return Promise.resolve({ queued: ids.length === 0 ? 0 : runner.rerun(runId, { kind: 'ids', ids }, { live: true }) });
    },
    'runs.list': (filter) => {
      noticeLapsed();
      return store.history.list(filter);
    },
    'runs.get': ({ runId }) => {
      noticeLapsed();
      const detail = store.getRun(runId);
      if (!detail) return Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
      return Promise.resolve(detail);
    },
    ...libraryHandlers(store, registry),
    ...judgingHandlers(store, emit),
    ...raterHandlers(store, guardGraders(registry, pii), emit),
    ...biasHandlers(store),
    ...piiHandlers(store, pii),
    ...toolCallHandlers(),
    ...historyHandlers(store),
    ...templateHandlers({
      store,
      batchable: (providerId) => {
        const stored = store.getProvider(providerId);
        return stored !== undefined && batchVendorOf(stored.kind, stored.api) !== undefined;
      },
    }),
    ...fileHandlers(store, registry, options.dialogs, images, options.env),
    ...regradeHandlers(store, regrader),
    ...imageHandlers(images),
    ...authorHandlers({ store, runner, registry, handlers: () => handlers }),
  };

  return {
    store,
    registry,
    runner,
    images,
    regrader,
    handlers,
    onEvent(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    resumeBatches() {
      // Only polling, never sending: the cells of jobs the vendor holds, once their providers
      // resolve as Resume would check them. Anything else (a live column's cells, a job never
      // sent) waits for Resume in History, asked for.
      const resume = async (): Promise<void> => {
        if (closed) return;
        noticeLapsed();
        for (const runId of store.batchJobs.openRuns()) {
          if (closed) return;
          if (store.runStatus(runId) !== 'interrupted') continue;
          const held = store.batchJobs.heldAtVendor(runId);
          if (held.cellIds.length === 0) continue;
          try {
            await resolveForResume(runId, held.providerIds);
            if (closed || store.runStatus(runId) !== 'interrupted') continue;
            runner.rerun(runId, { kind: 'unfinished', ids: held.cellIds });
          } catch {
            // Its provider is gone or its key refused, or another process took it meanwhile: the
            // cells stay interrupted, and Resume in History says why.
          }
        }
      };
      batchTimer = setTimeout(() => void resume(), LEASE_MS + 1_000);
      batchTimer.unref();
      // The database busy on start: the second look (above) tries again.
      return resume().catch(() => undefined);
    },
    close() {
      closed = true;
      if (batchTimer !== undefined) clearTimeout(batchTimer);
      runner.close();
      regrader.close();
      store.close();
    },
  };
}
