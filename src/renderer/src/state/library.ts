/**
 * The library as the UI sees it: the searchable list, the prompt being looked at with its
 * versions, and which library prompt (and version) the editor's draft belongs to.
 */
import { create } from 'zustand';
import type { PromptSummary, PromptVersion, VersionSummary } from '../../../shared/library';
import { api } from '../bridge/current';
import { messageOf } from './errors';
import { useWorkspace } from './workspace';

interface LibraryState {
  query: string;
  prompts: PromptSummary[];
  listError: string | undefined;
  selectedId: string | undefined;
  detail: { prompt: PromptSummary; versions: VersionSummary[] } | undefined;
  detailError: string | undefined;
  /** The saved version the draft was last saved as or opened from. */
  linked: PromptVersion | undefined;
  search(query: string): Promise<void>;
  select(promptId: string | undefined): Promise<void>;
  refresh(): Promise<void>;
  setLinked(version: PromptVersion | undefined): void;
  loadLinked(): Promise<void>;
}

export const useLibrary = create<LibraryState>()((set, get) => ({
  query: '',
  prompts: [],
  listError: undefined,
  selectedId: undefined,
  detail: undefined,
  detailError: undefined,
  linked: undefined,
  async search(query) {
    set({ query });
    try {
      const { prompts } = await api()['library.list']({ query });
      if (get().query === query) set({ prompts, listError: undefined });
    } catch (error) {
      set({ listError: messageOf(error) });
    }
  },
  async select(promptId) {
    set({ selectedId: promptId, detailError: undefined, ...(promptId === undefined ? { detail: undefined } : {}) });
    if (promptId === undefined) return;
    try {
      const detail = await api()['library.get']({ promptId });
      if (get().selectedId === promptId) set({ detail });
    } catch (error) {
      set({ detail: undefined, detailError: messageOf(error) });
    }
  },
  async refresh() {
    await get().search(get().query);
    const { selectedId } = get();
    if (selectedId) await get().select(selectedId);
  },
  setLinked(version) {
    set({ linked: version });
    if (version) useWorkspace.setState({ promptId: version.promptId, promptVersionId: version.id });
  },
  /** After a restart or a run: find the version the draft belongs to, so "vN" and "edited" are right. */
  async loadLinked() {
    const { promptId, promptVersionId } = useWorkspace.getState();
    if (!promptId) return;
    try {
      const versionId = promptVersionId ?? (await api()['library.get']({ promptId })).versions[0]?.id;
      if (versionId) set({ linked: await api()['library.version']({ versionId }) });
    } catch {
      // The prompt or version was removed: the draft simply stops belonging to it.
      useWorkspace.setState({ promptId: undefined, promptVersionId: undefined });
      set({ linked: undefined });
    }
  },
}));

/** True when the draft's template differs from its saved version (what a run would version). */
export function useDraftEdited(): boolean {
  const linked = useLibrary((s) => s.linked);
  const messages = useWorkspace((s) => s.messages);
  if (!linked) return true;
  return JSON.stringify(linked.messages) !== JSON.stringify(messages);
}
