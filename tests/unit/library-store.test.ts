import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ftsQuery } from '../../src/main/store/library';
import { Store } from '../../src/main/store/store';
import type { PromptContent } from '../../src/main/store/library';

let store: Store;

beforeEach(() => {
  store = new Store(mkdtempSync(join(tmpdir(), 'parallax-library-')));
});
afterEach(() => store.close());

const meta = { name: 'Summariser', description: 'Short summaries', tags: ['news'] };
function content(user: string, temperature = 0): PromptContent {
  return {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: user },
    ],
    variables: { article: 'The tide came in.' },
    model: { name: 'gpt-4o-mini', params: { temperature } },
  };
}

describe('the prompt library', () => {
  it('creates a prompt with version 1 and refuses a second prompt of the same name, whatever the case', () => {
    const { prompt, version } = store.library.create(meta, content('Summarise {{article}}'), 'save');
    expect(version).toMatchObject({ number: 1, source: 'save', promptId: prompt.id, model: { name: 'gpt-4o-mini' } });
    expect(prompt).toMatchObject({ name: 'Summariser', tags: ['news'], versionCount: 1, latest: { number: 1 } });
    expect(() => store.library.create({ ...meta, name: 'summariser' }, content('x'), 'save')).toThrow(/already exists/);
  });

  it('makes a new version only when the content changed, and keeps metadata changes without one', () => {
    const { prompt } = store.library.create(meta, content('Summarise {{article}}'), 'save');
    const same = store.library.save(prompt.id, { ...meta, description: 'Very short summaries' }, content('Summarise {{article}}'), 'save');
    expect(same.created).toBe(false);
    expect(same.version.number).toBe(1);
    expect(same.prompt.description).toBe('Very short summaries');
    const changed = store.library.save(prompt.id, meta, content('Summarise {{article}} in one line'), 'save');
    expect(changed).toMatchObject({ created: true, version: { number: 2 } });
    const paramsOnly = store.library.save(prompt.id, meta, content('Summarise {{article}} in one line', 0.7), 'save');
    expect(paramsOnly.version.number).toBe(3);
    expect(store.library.versions(prompt.id).map((v) => v.number)).toEqual([3, 2, 1]);
  });

  it('records a run of a changed prompt as a new version, and a run of an unchanged one against the latest', () => {
    const { prompt, version } = store.library.create(meta, content('Summarise {{article}}'), 'save');
    expect(store.library.versionForRun(prompt.id, content('Summarise {{article}}'))?.id).toBe(version.id);
    // Other sample values or another model in column 1 are not a new prompt.
    const otherValues = { ...content('Summarise {{article}}', 0.9), variables: { article: 'Another story.' } };
    expect(store.library.versionForRun(prompt.id, otherValues)?.id).toBe(version.id);
    const before = store.library.summaryOf(prompt.id)?.updatedAt;
    expect(store.library.summaryOf(prompt.id)?.updatedAt).toBe(before);
    const ran = store.library.versionForRun(prompt.id, content('TL;DR {{article}}'));
    expect(ran).toMatchObject({ number: 2, source: 'run' });
    expect(store.library.versionForRun('no-such-prompt', content('x'))).toBeUndefined();
  });

  it('moves a label to the version it is put on, and resolves versions by number, label and latest', () => {
    const { prompt, version: v1 } = store.library.create(meta, content('one'), 'save');
    const { version: v2 } = store.library.save(prompt.id, meta, content('two'), 'save');
    store.library.setLabel(v1.id, 'production');
    expect(store.library.resolveVersion(prompt.id, 'production')?.number).toBe(1);
    store.library.setLabel(v2.id, 'production');
    expect(store.library.resolveVersion(prompt.id, 'production')?.number).toBe(2);
    expect(store.library.version(v1.id)?.label).toBeUndefined();
    expect(store.library.resolveVersion(prompt.id, '1')?.id).toBe(v1.id);
    expect(store.library.resolveVersion(prompt.id, 'latest')?.id).toBe(v2.id);
    expect(store.library.resolveVersion(prompt.id, 'staging')).toBeUndefined();
    expect(store.library.summaryOf(prompt.id)?.labels).toEqual([{ label: 'production', number: 2 }]);
    store.library.setLabel(v2.id, undefined);
    expect(store.library.summaryOf(prompt.id)?.labels).toEqual([]);
  });

  it('finds prompts by name, tag, any version’s template, and the outputs of their runs', () => {
    const { prompt } = store.library.create(meta, content('Summarise {{article}} for sailors'), 'save');
    store.library.save(prompt.id, meta, content('Summarise {{article}} for farmers'), 'save');
    const other = store.library.create({ name: 'Translator', description: '', tags: ['i18n'] }, content('Translate {{article}}'), 'save');
    const version = store.library.latest(other.prompt.id);
    store.createRun(
      { id: 'run-1', createdAt: new Date().toISOString(), source: 'app', title: 't', messages: [], testCases: [{ id: 'case-1', vars: {} }], columns: [], repeats: 1, useCache: true, ...(version ? { promptVersionId: version.id } : {}) },
      [{ id: 'cell-1', position: 0, columnIndex: 0, caseIndex: 0, repeat: 0, providerId: 'echo', providerName: 'Echo', model: 'echo', params: {}, variables: {}, messages: [] }],
    );
    store.finishCell({
      id: 'cell-1', runId: 'run-1', columnIndex: 0, caseIndex: 0, repeat: 0, providerId: 'echo', providerName: 'Echo', model: 'echo', params: {}, variables: {}, messages: [],
      status: 'done', output: 'La marée est montée.', usage: {}, totalMs: 40,
    });
    store.finishRun('run-1', 'done');

    const names = (query: string): string[] => store.library.list(query).map((p) => p.name).sort();
    expect(names('summ')).toEqual(['Summariser']);
    expect(names('sailors')).toEqual(['Summariser']);
    expect(names('farmers')).toEqual(['Summariser']);
    expect(names('i18n')).toEqual(['Translator']);
    expect(names('maree')).toEqual(['Translator']);
    expect(store.library.list('maree')[0]?.match).toMatch(/^output: /);
    expect(names('article')).toEqual(['Summariser', 'Translator']);
    expect(names('"; DROP TABLE prompts; --')).toEqual([]);
    expect(names('')).toHaveLength(2);
    const [latest] = store.library.versions(other.prompt.id);
    expect(latest?.runs).toEqual([{ runId: 'run-1', createdAt: expect.any(String), status: 'done', cellCount: 1, errorCount: 0, meanTotalMs: 40 }]);
  });

  it('removes a prompt with its versions and search rows, keeping its runs', () => {
    const { prompt, version } = store.library.create(meta, content('gone soon'), 'save');
    store.createRun({ id: 'run-2', createdAt: new Date().toISOString(), source: 'app', title: 't', messages: [], testCases: [{ id: 'case-1', vars: {} }], columns: [], repeats: 1, useCache: true, promptVersionId: version.id }, []);
    expect(store.library.remove(prompt.id)).toBe(true);
    expect(store.library.summaryOf(prompt.id)).toBeUndefined();
    expect(store.library.version(version.id)).toBeUndefined();
    expect(store.library.list('gone')).toEqual([]);
    expect(store.getRun('run-2')).toBeDefined();
    expect(store.library.remove(prompt.id)).toBe(false);
  });

  it('turns what a person types into a safe prefix query', () => {
    expect(ftsQuery('hash tab')).toBe('"hash"* "tab"*');
    expect(ftsQuery('  "quoted" ')).toBe('"quoted"*');
    expect(ftsQuery('*** ---')).toBeUndefined();
  });
});
