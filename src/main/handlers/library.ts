/** The library's methods: prompts, versions, labels and restore. */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { PromptModel } from '../../shared/formats/document';
import { ECHO_PROVIDER_ID } from '../../shared/providers';
import type { Column, ProviderInfo } from '../../shared/schemas';
import { withPromptTools } from '../../shared/tools';
import type { ProviderRegistry } from '../providers/registry';
import type { Store } from '../store/store';

type LibraryHandlers = Pick<Handlers, 'library.list' | 'library.get' | 'library.version' | 'library.save' | 'library.label' | 'library.restore' | 'library.remove'>;

/** The model a version records: the first column's, as a script would call it. */
export function modelOfColumns(columns: readonly Column[], providers: readonly ProviderInfo[]): PromptModel | undefined {
  const column = columns[0];
  if (!column || column.model.trim() === '') return undefined;
  const provider = providers.find((p) => p.id === column.providerId);
  const endpoint = column.providerId === ECHO_PROVIDER_ID || !provider ? {} : { baseUrl: provider.baseUrl, ...(provider.apiKeyEnvar ? { apiKeyEnvar: provider.apiKeyEnvar } : {}) };
  return { name: column.model, ...endpoint, params: column.params };
}

export function libraryHandlers(store: Store, registry: ProviderRegistry): LibraryHandlers {
  const { library } = store;
  return {
    'library.list': ({ query }) => Promise.resolve({ prompts: library.list(query) }),
    'library.get': ({ promptId }) => {
      const prompt = library.summaryOf(promptId);
      if (!prompt) return Promise.reject(new AppError('not_found', 'That prompt is no longer in the library.'));
      return Promise.resolve({ prompt, versions: library.versions(promptId) });
    },
    'library.version': ({ versionId }) => {
      const version = library.version(versionId);
      if (!version) return Promise.reject(new AppError('not_found', 'That version no longer exists.'));
      return Promise.resolve(version);
    },
    'library.save': async (input) => {
      const meta = { name: input.name, description: input.description, tags: input.tags };
      const columns = input.columns.map((column) => ({ ...column, params: withPromptTools(column.params, input.tools, input.toolChoice) }));
      const model = modelOfColumns(columns, await registry.list());
      const content = { messages: input.messages, variables: input.variables, ...(model ? { model } : {}) };
      if (input.promptId === undefined) return { ...library.create(meta, content, 'save'), created: true };
      return library.save(input.promptId, meta, content, 'save');
    },
    'library.label': ({ versionId, label }) => Promise.resolve(library.setLabel(versionId, label)),
    'library.restore': ({ versionId }) => {
      const version = library.version(versionId);
      const prompt = version ? library.summaryOf(version.promptId) : undefined;
      if (!version || !prompt) return Promise.reject(new AppError('not_found', 'That version no longer exists.'));
      const content = { messages: version.messages, variables: version.variables, ...(version.model ? { model: version.model } : {}) };
      return Promise.resolve(library.save(prompt.id, { name: prompt.name, description: prompt.description, tags: prompt.tags }, content, 'restore'));
    },
    'library.remove': ({ promptId }) => {
      if (!library.remove(promptId)) return Promise.reject(new AppError('not_found', 'That prompt is no longer in the library.'));
      return Promise.resolve({});
    },
  };
}
