/**
 * The services behind the contract, wired once. Every front door (Electron IPC, the web
 * server, the CLI) uses the same instance shape, so they all behave the same.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AppEvent, AppInfo, Handlers, RunRequest } from '../shared/contract';
import { AppError } from '../shared/errors';
import { renderMessages } from '../shared/template';
import { ProviderRegistry } from './providers/registry';
import type { EchoOptions } from './providers/echo';
import { Runner, type RunnerOptions, type RunPlan } from './runner/runner';
import type { Environment, SecretStore } from './secrets/secrets';
import { Store, type NewCell } from './store/store';
import { fileHandlers, type FileDialogs } from './handlers/files';
import { libraryHandlers, modelOfColumns } from './handlers/library';
import { loadWorkspace, saveWorkspace } from './workspace';

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
  handlers: Handlers;
  /** Subscribe to events; returns an unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  close(): void;
}

function titleOf(request: RunRequest): string {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user') ?? request.messages[0];
  const text = (lastUser?.content ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export function planAppRun(request: RunRequest, providerNames: ReadonlyMap<string, string>, promptVersionId?: string): RunPlan {
  const runId = randomUUID();
  const rendered = renderMessages(request.messages, request.variables);
  const cells: NewCell[] = request.columns.map((column, index) => ({
    id: randomUUID(),
    position: index,
    columnIndex: index,
    providerId: column.providerId,
    providerName: providerNames.get(column.providerId) ?? column.providerId,
    model: column.model,
    params: column.params,
    variables: request.variables,
    messages: rendered,
  }));
  return {
    run: {
      id: runId,
      createdAt: new Date().toISOString(),
      source: 'app',
      title: titleOf(request),
      messages: request.messages,
      variables: request.variables,
      columns: request.columns,
      ...(promptVersionId ? { promptVersionId } : {}),
    },
    cells,
  };
}

export function createServices(options: ServicesOptions): Services {
  const store = new Store(options.dataDir);
  store.markInterrupted();
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const emit = (event: AppEvent): void => {
    events.emit('event', event);
  };
  const registry = new ProviderRegistry(store, options.secrets, options.env, options.echo);
  const runner = new Runner(store, registry, emit, options.runner);
  const { secrets } = options;

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
      // The key first: if the vault refuses it, nothing is saved and a retry starts clean.
      if (input.apiKey !== undefined) {
        if (input.apiKey === '') await secrets.delete(id);
        else await secrets.set(id, input.apiKey.trim());
      }
      // Saving from Settings is also how a person confirms a provider an imported file added.
      store.saveProvider({
        id,
        name: input.name,
        kind: 'openai',
        baseUrl: input.baseUrl.replace(/\/+$/, ''),
        ...(input.apiKeyEnvar ? { apiKeyEnvar: input.apiKeyEnvar } : {}),
      });
      const saved = store.getProvider(id);
      if (!saved) throw new AppError('internal', 'The provider was not saved.');
      return registry.info(saved);
    },
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
      // A run of a library prompt is recorded against its version; a changed prompt gets a new one.
      const model = modelOfColumns(request.columns, providers);
      const version =
        request.promptId === undefined
          ? undefined
          : store.library.versionForRun(request.promptId, { messages: request.messages, variables: request.variables, ...(model ? { model } : {}) });
      const started = runner.start(planAppRun(request, names, version?.id));
      return version ? { ...started, promptVersionId: version.id } : started;
    },
    'runs.stop': ({ runId }) => Promise.resolve({ stopped: runner.stop(runId) }),
    'runs.list': ({ limit, offset }) => Promise.resolve(store.listRuns(limit, offset)),
    'runs.get': ({ runId }) => {
      const detail = store.getRun(runId);
      if (!detail) return Promise.reject(new AppError('not_found', `No run with id "${runId}".`));
      return Promise.resolve(detail);
    },
    ...libraryHandlers(store, registry),
    ...fileHandlers(store, registry, options.dialogs),
  };

  return {
    store,
    registry,
    runner,
    handlers,
    onEvent(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    close() {
      runner.close();
      store.close();
    },
  };
}
