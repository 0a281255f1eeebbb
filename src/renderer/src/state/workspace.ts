/**
 * The draft being edited: messages, variable values, comparison columns. Saved behind the
 * user's back (debounced, in one place) so a crash or restart loses nothing.
 */
import { create } from 'zustand';
import type { Column, Params, Role, Workspace } from '../../../shared/schemas';
import { messageVariables } from '../../../shared/template';
import { api } from '../bridge/current';
import { messageOf } from './errors';

export type SaveState = { kind: 'saved' } | { kind: 'pending' } | { kind: 'error'; message: string };

interface WorkspaceState extends Workspace {
  loaded: boolean;
  save: SaveState;
  /** The draft as it was before the last replace (open a run, a version, a file), for Undo. */
  previous: Workspace | undefined;
  load(workspace: Workspace): void;
  /** Puts another draft in the editor, keeping the current one for Undo. */
  replace(workspace: Workspace): void;
  undoReplace(): void;
  setContent(index: number, content: string): void;
  setRole(index: number, role: Role): void;
  addMessage(role: Role): void;
  removeMessage(index: number): void;
  setVariable(name: string, value: string): void;
  addColumn(column: Omit<Column, 'id'>): void;
  updateColumn(id: string, patch: Partial<Omit<Column, 'id' | 'params'>> & { params?: Params }): void;
  removeColumn(id: string): void;
  moveColumn(id: string, by: -1 | 1): void;
}

function newId(): string {
  return crypto.randomUUID();
}

export const useWorkspace = create<WorkspaceState>()((set) => ({
  messages: [{ role: 'user', content: '' }],
  variables: {},
  columns: [],
  loaded: false,
  save: { kind: 'saved' },
  previous: undefined,
  load: (workspace) => set({ promptId: undefined, promptVersionId: undefined, ...workspace, loaded: true }),
  replace: (workspace) => set((s) => ({ previous: pick(s), promptId: undefined, promptVersionId: undefined, ...workspace })),
  undoReplace: () =>
    set((s) => (s.previous ? { promptId: undefined, promptVersionId: undefined, ...s.previous, previous: undefined } : s)),
  setContent: (index, content) =>
    set((s) => ({ messages: s.messages.map((m, i) => (i === index ? { ...m, content } : m)) })),
  setRole: (index, role) => set((s) => ({ messages: s.messages.map((m, i) => (i === index ? { ...m, role } : m)) })),
  addMessage: (role) => set((s) => ({ messages: [...s.messages, { role, content: '' }] })),
  removeMessage: (index) => set((s) => (s.messages.length <= 1 ? s : { messages: s.messages.filter((_, i) => i !== index) })),
  setVariable: (name, value) => set((s) => ({ variables: { ...s.variables, [name]: value } })),
  addColumn: (column) => set((s) => ({ columns: [...s.columns, { ...column, id: newId() }] })),
  updateColumn: (id, patch) => set((s) => ({ columns: s.columns.map((c) => (c.id === id ? { ...c, ...patch } : c)) })),
  removeColumn: (id) => set((s) => ({ columns: s.columns.filter((c) => c.id !== id) })),
  moveColumn: (id, by) =>
    set((s) => {
      const from = s.columns.findIndex((c) => c.id === id);
      const to = from + by;
      if (from < 0 || to < 0 || to >= s.columns.length) return s;
      const columns = [...s.columns];
      const [moved] = columns.splice(from, 1);
      if (moved) columns.splice(to, 0, moved);
      return { columns };
    }),
}));

/** The variables the current template needs, in order of appearance. */
export function useTemplateVariables(): string[] {
  const messages = useWorkspace((s) => s.messages);
  return messageVariables(messages);
}

function pick(state: Workspace): Workspace {
  const { messages, variables, columns, promptId, promptVersionId } = state;
  return { messages, variables, columns, ...(promptId ? { promptId } : {}), ...(promptVersionId ? { promptVersionId } : {}) };
}

export function snapshot(): Workspace {
  return pick(useWorkspace.getState());
}

let flushPending: () => Promise<void> = () => Promise.resolve();

/** Saves a waiting draft now instead of after the debounce (before a run, when the window hides). */
export function saveDraftNow(): Promise<void> {
  return flushPending();
}

/** Write-behind persistence: one debounced save after the user stops typing. */
export function startAutosave(delayMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    try {
      await api()['workspace.save'](snapshot());
      useWorkspace.setState({ save: { kind: 'saved' } });
    } catch (error) {
      useWorkspace.setState({ save: { kind: 'error', message: `Draft not saved: ${messageOf(error)}` } });
    }
  };
  const unsubscribe = useWorkspace.subscribe((state, previous) => {
    if (!state.loaded) return;
    if (state.messages === previous.messages && state.variables === previous.variables && state.columns === previous.columns && state.promptId === previous.promptId && state.promptVersionId === previous.promptVersionId) return;
    if (timer) clearTimeout(timer);
    if (state.save.kind !== 'pending') useWorkspace.setState({ save: { kind: 'pending' } });
    timer = setTimeout(() => void flush(), delayMs);
  });
  flushPending = () => (timer ? flush() : Promise.resolve());
  const onHide = (): void => {
    if (document.visibilityState === 'hidden') void flushPending();
  };
  const onUnload = (): void => void flushPending();
  window.addEventListener('beforeunload', onUnload);
  document.addEventListener('visibilitychange', onHide);
  return () => {
    unsubscribe();
    flushPending = () => Promise.resolve();
    window.removeEventListener('beforeunload', onUnload);
    document.removeEventListener('visibilitychange', onHide);
    if (timer) clearTimeout(timer);
  };
}
