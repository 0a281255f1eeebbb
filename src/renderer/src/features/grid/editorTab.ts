/** Which tab the editor's right side shows: the test cases, the variants, or the results grid. */
import { create } from 'zustand';

export type EditorTab = 'cases' | 'variants' | 'results';

export const useEditorTab = create<{ tab: EditorTab; setTab(tab: EditorTab): void }>()((set) => ({
  tab: 'cases',
  setTab: (tab) => set({ tab }),
}));
