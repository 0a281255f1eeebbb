/** Which tab the editor's right side shows: the matrix's parts, its results, and their judgement. */
import { create } from 'zustand';

export type EditorTab = 'cases' | 'variants' | 'checks' | 'results' | 'judge' | 'verdict' | 'author';

export const useEditorTab = create<{ tab: EditorTab; setTab(tab: EditorTab): void }>()((set) => ({
  tab: 'cases',
  setTab: (tab) => set({ tab }),
}));
