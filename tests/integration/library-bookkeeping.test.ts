/**
 * The library's bookkeeping of runs, through the contract as the app calls it: a run that is
 * refused (its template does not render) makes no version; a variant that runs a saved version
 * credits its answers to that version (in the version's list of runs and in output search),
 * not to the version open in the editor; a run whose variants all run saved versions makes no
 * new version of the draft.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from '../../src/shared/providers';
import type { Column, Message } from '../../src/shared/schemas';

let dataDir: string;
let services: Services;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-library-bookkeeping-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 4096 } });
});

afterEach(async () => {
  services.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

const user = (content: string): Message[] => [{ role: 'user', content }];
const testCases = [
  { id: 'c1', vars: { topic: 'tides' } },
  { id: 'c2', vars: { topic: 'dunes' } },
];

function column(id: string, promptVersionId?: string): Column {
  return { id, providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: {}, ...(promptVersionId !== undefined ? { promptVersionId } : {}) };
}

async function save(name: string, content: string, promptId?: string): Promise<{ promptId: string; versionId: string; number: number }> {
  const saved = await call('library.save', { ...(promptId !== undefined ? { promptId } : {}), name, messages: user(content), variables: {} });
  return { promptId: saved.prompt.id, versionId: saved.version.id, number: saved.version.number };
}

async function runToEnd(input: MethodInput<'runs.start'>): Promise<string> {
  const { runId } = await call('runs.start', input);
  await services.runner.whenDone(runId);
  return runId;
}

describe('library bookkeeping', () => {
  it('a run refused for its template makes no version and no run', async () => {
    const { promptId } = await save('Tides', 'Tell me about {{topic}}.');
    const refused = await dispatch(services.handlers, 'runs.start', {
      promptId,
      messages: user('Tell me about {% if topic %}{{topic}}.'),
      testCases,
      columns: [column('a')],
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/Template error in message 1/);
    const { versions } = await call('library.get', { promptId });
    expect(versions.map((v) => v.number)).toEqual([1]);
    expect((await call('runs.list', {})).total).toBe(0);
  });

  it('a variant running a saved version credits its answers to that version; search finds them under it', async () => {
    const v1 = await save('Animals', 'Describe {{topic}} like a zebra would.');
    const v2 = await save('Animals', 'Describe {{topic}} like a giraffe would.', v1.promptId);
    expect(v2.number).toBe(2);
    // The editor holds version 2 unchanged; column a runs it (the draft), column b runs version 1.
    const runId = await runToEnd({
      promptId: v1.promptId,
      messages: user('Describe {{topic}} like a giraffe would.'),
      testCases,
      columns: [column('a'), column('b', v1.versionId)],
    });
    const detail = await call('runs.get', { runId });
    const outputs = detail.cells.map((c) => ({ column: c.columnIndex, output: c.output }));
    expect(outputs.filter((o) => o.column === 1).every((o) => o.output.includes('zebra'))).toBe(true);
    expect(outputs.filter((o) => o.column === 0).every((o) => o.output.includes('giraffe'))).toBe(true);

    const { versions } = await call('library.get', { promptId: v1.promptId });
    expect(versions.map((v) => v.number)).toEqual([2, 1]);
    const byNumber = new Map(versions.map((v) => [v.number, v]));
    // Each version lists the run with the cells that ran it: two rows × one column each.
    expect(byNumber.get(2)?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2, errorCount: 0 })]);
    expect(byNumber.get(1)?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2, errorCount: 0 })]);

    const zebra = (await call('library.list', { query: 'zebra' })).prompts;
    expect(zebra.map((p) => p.id)).toEqual([v1.promptId]);
    // The template of version 1 says zebra too; an answer-only word shows which version answered.
    const dunes = (await call('library.list', { query: 'dunes zebra' })).prompts;
    expect(dunes[0]?.match).toMatch(/^output: Describe «dunes» like a zebra.* · version 1$/);
    const giraffe = (await call('library.list', { query: 'dunes giraffe' })).prompts;
    expect(giraffe[0]?.match).toMatch(/^output: .* · version 2$/);
  });

  it('a variant running another prompt’s version credits that prompt, and output search finds it there', async () => {
    const mine = await save('Mine', 'Write about {{topic}} as a poem.');
    const other = await save('Other', 'Write about {{topic}} as a limerick okapi.');
    const runId = await runToEnd({
      promptId: mine.promptId,
      messages: user('Write about {{topic}} as a poem.'),
      testCases,
      columns: [column('a'), column('b', other.versionId)],
    });
    const found = (await call('library.list', { query: 'dunes okapi' })).prompts;
    expect(found.map((p) => p.name)).toEqual(['Other']);
    expect(found[0]?.match).toMatch(/^output: .* · version 1$/);
    const otherVersions = (await call('library.get', { promptId: other.promptId })).versions;
    expect(otherVersions[0]?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2 })]);
    const mineVersions = (await call('library.get', { promptId: mine.promptId })).versions;
    expect(mineVersions[0]?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2 })]);
  });

  it('when every variant runs a saved version, a changed draft makes no new version', async () => {
    const v1 = await save('Only saved', 'Summarise {{topic}}.');
    const runId = await runToEnd({
      promptId: v1.promptId,
      messages: user('A changed draft about {{topic}} that nothing runs.'),
      testCases,
      columns: [column('b', v1.versionId)],
    });
    const { versions } = await call('library.get', { promptId: v1.promptId });
    expect(versions.map((v) => v.number)).toEqual([1]);
    expect(versions[0]?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2 })]);
  });

  it('a changed draft that runs makes a version, credited with the draft’s cells only', async () => {
    const v1 = await save('Changed', 'Summarise {{topic}}.');
    const runId = await runToEnd({
      promptId: v1.promptId,
      messages: user('Summarise {{topic}} in one line.'),
      testCases,
      columns: [column('a'), column('b', v1.versionId), column('c')],
    });
    const { versions } = await call('library.get', { promptId: v1.promptId });
    expect(versions.map((v) => v.number)).toEqual([2, 1]);
    expect(versions[0]?.runs).toEqual([expect.objectContaining({ runId, cellCount: 4 })]);
    expect(versions[1]?.runs).toEqual([expect.objectContaining({ runId, cellCount: 2 })]);
  });
});
