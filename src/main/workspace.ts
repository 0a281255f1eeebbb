/** The draft in the editor, kept in the database so a restart or crash loses nothing. */
import { workspaceSchema, type Workspace } from '../shared/schemas';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from './providers/echo';
import type { Store } from './store/store';

const KEY = 'workspace';

/** What a fresh data folder opens with: a sample template and two echo columns, ready to Run. */
export function sampleWorkspace(): Workspace {
  return {
    messages: [
      { role: 'system', content: 'You are a patient teacher who writes for {{audience}}. Answer in plain words.' },
      { role: 'user', content: 'Explain {{topic}} in two sentences, then give one everyday example.' },
    ],
    variables: { audience: 'people new to programming', topic: 'a hash table' },
    columns: [
      { id: 'sample-echo-a', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: { temperature: 0 } },
      { id: 'sample-echo-b', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: { temperature: 0.7, maxTokens: 256 } },
    ],
  };
}

export function loadWorkspace(store: Store): Workspace {
  const raw = store.getValue(KEY);
  if (raw !== undefined) {
    try {
      const parsed = workspaceSchema.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
    } catch {
      // A damaged draft falls back to the sample rather than stopping the app.
    }
  }
  return sampleWorkspace();
}

export function saveWorkspace(store: Store, workspace: Workspace): void {
  store.setValue(KEY, JSON.stringify(workspace));
}
