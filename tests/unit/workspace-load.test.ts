import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store/store';
import { loadWorkspace, sampleWorkspace, saveWorkspace, UNREADABLE_KEY } from '../../src/main/workspace';
import { messageVariables } from '../../src/shared/template';
import { workspaceSchema } from '../../src/shared/schemas';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-workspace-'));
  store = new Store(dir);
});
afterEach(() => store.close());

describe('loading the draft', () => {
  it('opens a fresh data folder on the sample: a valid draft whose three rows fill every template variable', () => {
    const workspace = loadWorkspace(store);
    expect(workspace).toEqual(sampleWorkspace());
    expect(workspaceSchema.safeParse(workspace).success).toBe(true);
    expect(workspace.testCases).toHaveLength(3);
    expect(workspace.testCases.filter((c) => c.expected !== undefined)).toHaveLength(1);
    const needed = messageVariables(workspace.messages);
    expect(needed.sort()).toEqual(['audience', 'topic']);
    for (const testCase of workspace.testCases) expect(Object.keys(testCase.vars).sort()).toEqual(needed);
  });

  it('gives back what was saved, across a restart', () => {
    const draft = { ...sampleWorkspace(), repeats: 3, useCache: false, selectedCase: 2 };
    draft.testCases = [...draft.testCases, { id: 'x', vars: { topic: 'lists', audience: { who: ['a', 'b'] } }, description: 'JSON value' }];
    saveWorkspace(store, draft);
    store.close();
    store = new Store(dir);
    expect(loadWorkspace(store)).toEqual(draft);
  });

  it('turns a draft saved by the previous version (one set of variables, no table) into a one-row table, losing nothing', () => {
    const legacy = {
      promptId: 'p1',
      messages: [
        { role: 'system', content: 'Write for {{audience}}.' },
        { role: 'user', content: 'Explain {{topic}}.' },
      ],
      variables: { audience: 'my own audience', topic: 'my own topic' },
      columns: [
        { id: 'c1', providerId: 'echo', model: 'echo', params: { temperature: 0.3 } },
        { id: 'c2', providerId: '', model: 'broken column' },
      ],
    };
    store.setValue('workspace', JSON.stringify(legacy));
    store.close();
    store = new Store(dir);
    const workspace = loadWorkspace(store);
    expect(workspace.promptId).toBe('p1');
    expect(workspace.messages).toEqual(legacy.messages);
    expect(workspace.testCases).toEqual([{ id: expect.any(String) as unknown as string, vars: legacy.variables }]);
    expect(workspace.selectedCase).toBe(0);
    expect(workspace.repeats).toBe(1);
    expect(workspace.useCache).toBe(true);
    expect(workspace.columns).toEqual([{ id: 'c1', providerId: 'echo', model: 'echo', params: { temperature: 0.3 } }]);
    // The upgraded draft is written back, so the next start reads it as it is (same row id).
    const again = loadWorkspace(store);
    expect(again).toEqual(workspace);
    expect(workspaceSchema.safeParse(JSON.parse(store.getValue('workspace') ?? '')).success).toBe(true);
  });

  it('keeps a draft with no variables at all as one empty row', () => {
    store.setValue('workspace', JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }], columns: [] }));
    expect(loadWorkspace(store).testCases).toEqual([{ id: expect.any(String) as unknown as string, vars: {} }]);
  });

  it('opens the sample on a draft it cannot read, and keeps the unreadable text aside', () => {
    store.setValue('workspace', '{"messages": [oops');
    expect(loadWorkspace(store)).toEqual(sampleWorkspace());
    expect(store.getValue(UNREADABLE_KEY)).toBe('{"messages": [oops');
  });
});
