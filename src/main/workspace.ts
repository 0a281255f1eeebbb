/** The draft in the editor, kept in the database so a restart or crash loses nothing. */
import { z } from 'zod';
import { columnSchema, messageSchema, variablesSchema, workspaceSchema, type Workspace } from '../shared/schemas';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from './providers/echo';
import type { Store } from './store/store';

const KEY = 'workspace';
/** Where a draft that cannot be read is kept, so a person (or a later version) can still recover it. */
export const UNREADABLE_KEY = 'workspace.unreadable';

/** What a fresh data folder opens with: a sample template, three test cases and two echo columns, ready to Run. */
export function sampleWorkspace(): Workspace {
  return {
    messages: [
      { role: 'system', content: 'You are a patient teacher who writes for {{audience}}. Answer in plain words.' },
      { role: 'user', content: 'Explain {{topic}} in two sentences, then give one everyday example.' },
    ],
    testCases: [
      {
        id: 'sample-case-1',
        vars: { audience: 'people new to programming', topic: 'a hash table' },
        expected: 'A hash table stores values under keys and finds them again quickly, like a coat check that gives you a numbered ticket.',
      },
      { id: 'sample-case-2', vars: { audience: 'children aged ten', topic: 'recursion' } },
      { id: 'sample-case-3', vars: { audience: 'busy managers', topic: 'technical debt' } },
    ],
    selectedCase: 0,
    columns: [
      { id: 'sample-echo-a', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: { temperature: 0 } },
      { id: 'sample-echo-b', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: { temperature: 0.7, maxTokens: 256 } },
    ],
    repeats: 1,
    useCache: true,
    assertions: [],
  };
}

/**
 * A draft saved before the test-case table existed: one set of variable values. It becomes
 * the table's only row.
 */
const legacyWorkspaceSchema = z.object({
  promptId: z.string().optional(),
  promptVersionId: z.string().optional(),
  messages: z.array(messageSchema).min(1),
  variables: variablesSchema.default({}),
  columns: z.array(z.unknown()).default([]),
});

function upgradeLegacy(value: unknown): Workspace | undefined {
  const legacy = legacyWorkspaceSchema.safeParse(value);
  if (!legacy.success) return undefined;
  const { variables, columns, ...rest } = legacy.data;
  // A column this version cannot read is dropped rather than costing the person their messages.
  const readable = columns.flatMap((column) => {
    const parsed = columnSchema.safeParse(column);
    return parsed.success ? [parsed.data] : [];
  });
  const upgraded = workspaceSchema.safeParse({ ...rest, columns: readable, testCases: [{ id: crypto.randomUUID(), vars: variables }] });
  return upgraded.success ? upgraded.data : undefined;
}

export function loadWorkspace(store: Store): Workspace {
  const raw = store.getValue(KEY);
  if (raw === undefined) return sampleWorkspace();
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  const current = workspaceSchema.safeParse(value);
  if (current.success) return current.data;
  const upgraded = upgradeLegacy(value);
  if (upgraded) {
    saveWorkspace(store, upgraded);
    return upgraded;
  }
  // Unreadable: open the sample rather than stop the app, but never throw the person's text away.
  store.setValue(UNREADABLE_KEY, raw);
  return sampleWorkspace();
}

export function saveWorkspace(store: Store, workspace: Workspace): void {
  store.setValue(KEY, JSON.stringify(workspace));
}
