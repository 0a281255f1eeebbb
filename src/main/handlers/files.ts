/**
 * Files in and out: prompt versions to and from every format, the draft as a
 * promptfooconfig.yaml, and (desktop only) the native save dialog.
 */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { exportPrompt, importPromptFile } from '../../shared/formats';
import { readSiblings } from '../../shared/formats/prompty-files';
import { versionDocument } from '../../shared/library';
import { exportExperimentFile, importExperimentFile } from '../files/experiment';
import { ImageInliner, storeDataImages } from '../files/images';
import { renderMessages } from '../template/render';
import type { ImageStore } from '../images';
import { DEFAULT_BASE_URLS } from '../providers/factory';
import { DEFAULT_CONCURRENCY, type ProviderRegistry } from '../providers/registry';
import type { Environment } from '../secrets/secrets';
import type { Store } from '../store/store';
import { randomUUID } from 'node:crypto';

/** Opening needs no method: the page's file input is the native open dialog on the desktop. */
export interface FileDialogs {
  save(file: { fileName: string; text: string }): Promise<{ saved: boolean; path?: string }>;
}

type FileHandlers = Pick<Handlers, 'files.exportPrompt' | 'files.importPrompt' | 'files.exportExperiment' | 'files.importExperiment' | 'files.saveAs'>;

function normaliseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

/** Formats whose files carry a prompt's sample images (as data URIs). */
const IMAGE_FORMATS: ReadonlySet<string> = new Set(['prompty', 'openai-chat']);

/** `env`: the process environment, whose safe part promptfoo's `env` template global reads when a config is opened. */
export function fileHandlers(store: Store, registry: ProviderRegistry, dialogs: FileDialogs | undefined, images?: ImageStore, env: Environment = {}): FileHandlers {
  const { library } = store;
  const noDialogs = (): Promise<never> =>
    Promise.reject(new AppError('bad_input', 'Native file dialogs exist only in the desktop app; browser mode downloads and uploads instead.'));
  return {
    'files.exportPrompt': async ({ versionId, format }) => {
      const version = library.version(versionId);
      const prompt = version ? library.summaryOf(version.promptId) : undefined;
      if (!version || !prompt) return Promise.reject(new AppError('not_found', 'That version no longer exists.'));
      const document = versionDocument(prompt, version);
      // Stored images travel in the file as data URIs, in the formats that carry images.
      if (images && IMAGE_FORMATS.has(format)) document.sample = await new ImageInliner(images).vars(document.sample);
      try {
        return Promise.resolve(exportPrompt(document, format, { renderMessages }));
      } catch (error) {
        return Promise.reject(new AppError('bad_input', error instanceof Error ? error.message : String(error)));
      }
    },
    'files.importPrompt': async ({ fileName, text, name, siblings }) => {
      // Only the files handed over, by relative name inside the file's folder, are ever read.
      const beside = readSiblings(siblings ?? []);
      const result = importPromptFile(fileName, text, beside.files);
      if (!result.ok) {
        const lines = result.errors.map((e) => `${fileName}${e.line !== undefined ? ` (line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''})` : ''}: ${e.message}`);
        return Promise.reject(new AppError('bad_input', `Nothing was imported. ${lines.join(' ')}`));
      }
      const { document } = result;
      const meta = { name: name ?? document.name, description: document.description, tags: document.tags };
      // Sample images the file carries as data URIs are kept once in the data folder.
      const variables = images ? await storeDataImages(images, document.sample) : document.sample;
      const content = { messages: document.messages, variables, ...(document.model ? { model: document.model } : {}) };
      const { prompt, version } = library.create(meta, content, 'import');
      return Promise.resolve({ prompt, version, warnings: [...beside.problems, ...result.warnings] });
    },
    'files.exportExperiment': async (workspace) => {
      const inliner = images ? new ImageInliner(images) : undefined;
      const testCases = inliner ? await Promise.all(workspace.testCases.map(async (c) => ({ ...c, vars: await inliner.vars(c.vars) }))) : workspace.testCases;
      return exportExperimentFile({ ...workspace, testCases }, await registry.list());
    },
    'files.importExperiment': async ({ fileName, text, siblings }) => {
      const known = await registry.list();
      const added: string[] = [];
      // The file is read whole before any provider is created: a bad file adds nothing.
      const result = importExperimentFile(fileName, text, (spec) => {
        if (spec.kind === 'echo') return 'echo';
        const baseUrl = spec.baseUrl ?? DEFAULT_BASE_URLS[spec.kind];
        const api = spec.kind === 'openai' && spec.api === 'responses' ? { api: 'responses' as const } : {};
        const existing = known.find((p) => p.kind === spec.kind && (p.api ?? 'chat') === (spec.api ?? 'chat') && normaliseUrl(p.baseUrl) === normaliseUrl(baseUrl));
        if (existing) return { id: existing.id, name: existing.name };
        const id = randomUUID();
        const name = spec.label ?? new URL(baseUrl).host;
        // Held for review, and with no key: a file must not be able to send one of your keys
        // (an environment variable it names, or a saved key) to a host it names. The person
        // picks a key, if any, when confirming it (a dialog that names the variable and host).
        store.saveProvider({
          id,
          name,
          kind: spec.kind,
          ...api,
          baseUrl: baseUrl.replace(/\/+$/, ''),
          needsReview: true,
          ...(spec.timeouts && Object.keys(spec.timeouts).length > 0 ? { timeouts: spec.timeouts } : {}),
        });
        known.push({ id, name, kind: spec.kind, ...api, baseUrl, key: { configured: false, source: 'none' }, builtIn: false, needsReview: true, concurrency: DEFAULT_CONCURRENCY });
        added.push(name);
        return { id, name };
      }, { env, ...(siblings ? { siblings } : {}) });
      if (!result.ok) throw new AppError('bad_input', `Nothing was imported. ${result.errors.join(' ')}`);
      const testCases = images ? await Promise.all(result.workspace.testCases.map(async (c) => ({ ...c, vars: await storeDataImages(images, c.vars) }))) : result.workspace.testCases;
      return { workspace: { ...result.workspace, testCases }, warnings: result.warnings, providersAdded: added };
    },
    'files.saveAs': (file) => (dialogs ? dialogs.save(file) : noDialogs()),
  };
}
