/**
 * The draft being edited: messages, the test-case table, comparison columns, repeats and the
 * cache switch. Saved behind the user's back (debounced, in one place) so a crash or restart
 * loses nothing.
 */
import { useMemo } from 'react';
import { create } from 'zustand';
import type { AssertionDefinition } from '../../../shared/assertions/types';
import { MAX_REPEATS, MAX_TEST_CASES, type Column, type JudgeConfig, type Params, type Role, type TestCase, type VariableValue, type Workspace } from '../../../shared/schemas';
import { clampIndex, isBlankCase, mergeImported, moveRow, removeRows, restoreRows, type RemovedRows } from '../../../shared/cases/table';
import { messageVariables } from '../../../shared/template';
import type { ToolCall, ToolChoice, ToolDefinition } from '../../../shared/tools';
import { api } from '../bridge/current';
import { messageOf } from './errors';

export type SaveState = { kind: 'saved' } | { kind: 'pending' } | { kind: 'error'; message: string };

interface WorkspaceState extends Workspace {
  loaded: boolean;
  save: SaveState;
  /** The draft as it was before the last replace (open a run, a version, a file, import rows), for Undo. */
  previous: Workspace | undefined;
  /** The rows the last removeCases took out, until they are restored or another removal replaces them. */
  removed: RemovedRows | undefined;
  /**
   * Every variable name some row has a value for, in order of first appearance: the table's
   * columns. Kept up to date by the actions (typing in a cell does not rescan 10,000 rows), so
   * read this instead of walking testCases.
   */
  caseVarNames: string[];
  load(workspace: Workspace): void;
  /** Puts another draft in the editor, keeping the current one for Undo. */
  replace(workspace: Workspace): void;
  undoReplace(): void;
  setContent(index: number, content: string): void;
  setRole(index: number, role: Role): void;
  addMessage(role: Role): void;
  removeMessage(index: number): void;
  addColumn(column: Omit<Column, 'id'>): void;
  updateColumn(id: string, patch: Partial<Omit<Column, 'id' | 'params'>> & { params?: Params }): void;
  removeColumn(id: string): void;
  moveColumn(id: string, by: -1 | 1): void;
  // The test-case table.
  selectCase(index: number): void;
  setCaseVar(index: number, name: string, value: VariableValue): void;
  setExpected(index: number, text: string | undefined): void;
  /** Appends an empty row and selects it. */
  addCase(): void;
  /** Inserts a copy (new id) below the row and selects the copy. */
  duplicateCase(index: number): void;
  /** Removes the rows; never leaves the table empty (one empty row stays). Undo with undoRemoveCases. */
  removeCases(indexes: number[]): void;
  /** Puts back the rows the last removeCases took out, where they were. */
  undoRemoveCases(): void;
  moveCase(from: number, to: number): void;
  /** Imported rows: replace the table or append to it. Undo with undoReplace. */
  replaceCases(cases: TestCase[], mode: 'replace' | 'append'): void;
  setRepeats(n: number): void;
  setUseCache(useCache: boolean): void;
  /** Checks for every row (promptfoo's defaultTest.assert). */
  setAssertions(assertions: AssertionDefinition[]): void;
  /** Checks for one row only; undefined or empty removes them. */
  setCaseAssert(index: number, assert: AssertionDefinition[] | undefined): void;
  setJudge(judge: JudgeConfig | undefined): void;
  /** The prompt's tools; an empty list removes them (and the choice). */
  setTools(tools: ToolDefinition[]): void;
  /** undefined: the model decides (auto). */
  setToolChoice(choice: ToolChoice | undefined): void;
  /** A tool result message's call id; undefined removes it. */
  setToolCallId(index: number, id: string | undefined): void;
  /** An assistant message's tool calls (a few-shot turn); empty removes them. */
  setToolCalls(index: number, calls: ToolCall[]): void;
}

function newId(): string {
  return crypto.randomUUID();
}

export function emptyCase(): TestCase {
  return { id: newId(), vars: {} };
}

function updateCase(cases: TestCase[], index: number, change: (testCase: TestCase) => TestCase): TestCase[] {
  const current = cases[index];
  if (!current) return cases;
  const next = [...cases];
  next[index] = change(current);
  return next;
}

/** The variable names the rows hold, in order of first appearance. */
export function varNamesOf(cases: readonly TestCase[]): string[] {
  const seen = new Set<string>();
  for (const testCase of cases) for (const name in testCase.vars) seen.add(name);
  return [...seen];
}

type Patch = Partial<WorkspaceState>;
type SetWorkspace = (partial: Patch | ((state: WorkspaceState) => Patch)) => void;

export const useWorkspace = create<WorkspaceState>()((rawSet) => {
  // Every change to the rows refreshes caseVarNames here, once, unless the action already did.
  const set: SetWorkspace = (partial) =>
    rawSet((state) => {
      const patch = typeof partial === 'function' ? partial(state) : partial;
      if (patch === state || patch.testCases === undefined || patch.testCases === state.testCases || patch.caseVarNames) return patch;
      return { ...patch, caseVarNames: varNamesOf(patch.testCases) };
    });
  return {
    messages: [{ role: 'user', content: '' }],
    testCases: [emptyCase()],
    caseVarNames: [],
    selectedCase: 0,
    columns: [],
    repeats: 1,
    useCache: true,
    assertions: [],
    loaded: false,
    save: { kind: 'saved' },
    previous: undefined,
    removed: undefined,
    load: (workspace) =>
      set({ promptId: undefined, promptVersionId: undefined, judge: undefined, tools: undefined, toolChoice: undefined, ...workspace, selectedCase: clampIndex(workspace.selectedCase, workspace.testCases.length), removed: undefined, loaded: true }),
    replace: (workspace) =>
      set((s) => ({
        previous: pick(s),
        removed: undefined,
        promptId: undefined,
        promptVersionId: undefined,
        judge: undefined,
        tools: undefined,
        toolChoice: undefined,
        ...workspace,
        selectedCase: clampIndex(workspace.selectedCase, workspace.testCases.length),
      })),
    undoReplace: () =>
      set((s) => (s.previous ? { promptId: undefined, promptVersionId: undefined, judge: undefined, tools: undefined, toolChoice: undefined, ...s.previous, previous: undefined, removed: undefined } : s)),
    setContent: (index, content) =>
      set((s) => ({ messages: s.messages.map((m, i) => (i === index ? { ...m, content } : m)) })),
    setRole: (index, role) => set((s) => ({ messages: s.messages.map((m, i) => (i === index ? { ...m, role } : m)) })),
    addMessage: (role) => set((s) => ({ messages: [...s.messages, { role, content: '' }] })),
    removeMessage: (index) => set((s) => (s.messages.length <= 1 ? s : { messages: s.messages.filter((_, i) => i !== index) })),
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

    selectCase: (index) => set((s) => ({ selectedCase: clampIndex(index, s.testCases.length) })),
    setCaseVar: (index, name, value) =>
      set((s) => ({
        testCases: updateCase(s.testCases, index, (c) => ({ ...c, vars: { ...c.vars, [name]: value } })),
        caseVarNames: s.caseVarNames.includes(name) ? s.caseVarNames : [...s.caseVarNames, name],
      })),
    setExpected: (index, text) =>
      set((s) => ({
        testCases: updateCase(s.testCases, index, (c) => {
          const { expected: _old, ...rest } = c;
          return text === undefined ? rest : { ...rest, expected: text };
        }),
      })),
    addCase: () =>
      set((s) => (s.testCases.length >= MAX_TEST_CASES ? s : { testCases: [...s.testCases, emptyCase()], selectedCase: s.testCases.length })),
    duplicateCase: (index) =>
      set((s) => {
        const source = s.testCases[index];
        if (!source || s.testCases.length >= MAX_TEST_CASES) return s;
        const testCases = [...s.testCases];
        testCases.splice(index + 1, 0, { ...structuredClone(source), id: newId() });
        return { testCases, selectedCase: index + 1 };
      }),
    removeCases: (indexes) =>
      set((s) => {
        const edit = removeRows(s.testCases, s.selectedCase, indexes, emptyCase);
        return edit ?? s;
      }),
    undoRemoveCases: () => set((s) => (s.removed ? { ...restoreRows(s.testCases, s.removed), removed: undefined } : s)),
    moveCase: (from, to) => set((s) => moveRow(s.testCases, s.selectedCase, from, to) ?? s),
    replaceCases: (cases, mode) =>
      set((s) => (cases.length === 0 ? s : { previous: pick(s), removed: undefined, ...mergeImported(s.testCases, cases, mode, MAX_TEST_CASES) })),
    setRepeats: (n) => set({ repeats: Math.max(1, Math.min(MAX_REPEATS, Math.round(Number.isFinite(n) ? n : 1))) }),
    setUseCache: (useCache) => set({ useCache }),
    setAssertions: (assertions) => set({ assertions }),
    setCaseAssert: (index, assert) =>
      set((s) => ({
        testCases: updateCase(s.testCases, index, (c) => {
          const { assert: _old, ...rest } = c;
          return assert && assert.length > 0 ? { ...rest, assert } : rest;
        }),
      })),
    setJudge: (judge) => set({ judge }),
    setTools: (tools) =>
      set((s) => {
        if (tools.length === 0) return { tools: undefined, toolChoice: undefined };
        // A choice of a tool that is gone goes with it.
        const keep = typeof s.toolChoice !== 'object' || tools.some((t) => t.name === (s.toolChoice as { name: string }).name);
        return { tools, ...(keep ? {} : { toolChoice: undefined }) };
      }),
    setToolChoice: (toolChoice) => set({ toolChoice }),
    setToolCallId: (index, id) =>
      set((s) => ({
        messages: s.messages.map((m, i) => {
          if (i !== index) return m;
          const { toolCallId: _old, ...rest } = m;
          return id === undefined ? rest : { ...rest, toolCallId: id };
        }),
      })),
    setToolCalls: (index, calls) =>
      set((s) => ({
        messages: s.messages.map((m, i) => {
          if (i !== index) return m;
          const { toolCalls: _old, ...rest } = m;
          return calls.length === 0 ? rest : { ...rest, toolCalls: calls };
        }),
      })),
  };
});

/** A row with no values at all: what addCase makes and what an emptied table keeps. */
export const isBlank = isBlankCase;

/** The variables the current template needs, in order of appearance; the same array until a message changes. */
export function useTemplateVariables(): string[] {
  const messages = useWorkspace((s) => s.messages);
  return useMemo(() => messageVariables(messages), [messages]);
}

function pick(state: Workspace): Workspace {
  const { messages, testCases, selectedCase, columns, repeats, useCache, assertions, judge, promptId, promptVersionId, tools, toolChoice } = state;
  return {
    messages,
    testCases,
    selectedCase,
    columns,
    repeats,
    useCache,
    assertions,
    ...(judge ? { judge } : {}),
    ...(promptId ? { promptId } : {}),
    ...(promptVersionId ? { promptVersionId } : {}),
    ...(tools && tools.length > 0 ? { tools } : {}),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
  };
}

export function snapshot(): Workspace {
  return pick(useWorkspace.getState());
}

let flushPending: () => Promise<void> = () => Promise.resolve();

/** Saves a waiting draft now instead of after the debounce (before a run, when the window hides). */
export function saveDraftNow(): Promise<void> {
  return flushPending();
}

function draftChanged(state: Workspace, previous: Workspace): boolean {
  return (
    state.messages !== previous.messages ||
    state.testCases !== previous.testCases ||
    state.selectedCase !== previous.selectedCase ||
    state.columns !== previous.columns ||
    state.repeats !== previous.repeats ||
    state.useCache !== previous.useCache ||
    state.assertions !== previous.assertions ||
    state.judge !== previous.judge ||
    state.tools !== previous.tools ||
    state.toolChoice !== previous.toolChoice ||
    state.promptId !== previous.promptId ||
    state.promptVersionId !== previous.promptVersionId
  );
}

/**
 * The wait after the last change before saving. A save serialises the whole draft on the UI
 * thread (10–20 ms for 10,000 rows of three short values, 1.6 MB of JSON, measured), so the
 * wait grows with the time the last save took: 400 ms up to about 15,000 rows, then longer,
 * up to 5 s at the 100,000-row limit, so typing in a big table never stutters on a save.
 */
export function debounceFor(baseMs: number, lastSaveMs: number): number {
  return Math.min(5_000, Math.max(baseMs, lastSaveMs * 25));
}

/** Write-behind persistence: one debounced save after the user stops typing. */
export function startAutosave(delayMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSaveMs = 0;
  const flush = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    try {
      const started = performance.now();
      const saving = api()['workspace.save'](snapshot());
      // The synchronous part (serialising the draft) is what the person could feel.
      lastSaveMs = performance.now() - started;
      await saving;
      useWorkspace.setState({ save: { kind: 'saved' } });
    } catch (error) {
      useWorkspace.setState({ save: { kind: 'error', message: `Draft not saved: ${messageOf(error)}` } });
    }
  };
  const unsubscribe = useWorkspace.subscribe((state, previous) => {
    if (!state.loaded) return;
    if (!draftChanged(state, previous)) return;
    if (timer) clearTimeout(timer);
    if (state.save.kind !== 'pending') useWorkspace.setState({ save: { kind: 'pending' } });
    timer = setTimeout(() => void flush(), debounceFor(delayMs, lastSaveMs));
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
