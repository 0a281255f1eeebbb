/**
 * Property-based fuzzing of every contract method through browser mode's front door, over
 * real HTTP (a server on 127.0.0.1, an ephemeral port, a throwaway data folder): arbitrary
 * JSON, inputs one to three mutations away from a valid one (values swapped for hostile ones,
 * fields dropped, strange keys added), and raw bodies that are not JSON at all.
 *
 * Whatever comes in: never a 5xx, always an envelope, a success always matches the method's
 * output schema, nothing leaks onto Object.prototype, and afterwards the SQLite store passes
 * `PRAGMA integrity_check` and the app still answers. Runs are bounded (PARALLAX_FUZZ_RUNS
 * per property, 20 by default) so the file takes seconds; raise it for a deeper local run.
 */
import { ballotToken } from '../../src/main/handlers/raters';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { DATABASE_FILE } from '../../src/main/store/store';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { contract, methodNames, type MethodName } from '../../src/shared/contract';

const RUNS = Math.max(1, Number(process.env.PARALLAX_FUZZ_RUNS ?? 20));
const TOKEN = 'fuzz-token-0123456789abcdef';

let root: string;
let dataDir: string;
let services: Services;
let web: WebServer;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Reply {
  status: number;
  text: string;
}

async function post(path: string, body: string): Promise<Reply> {
  const response = await fetch(`http://127.0.0.1:${web.port}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Calls a method and checks what every answer must be; returns the envelope. */
async function callChecked(name: string, body: string): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  const reply = await post(`/api/${name}`, body);
  expect(reply.status, `${name} answered ${reply.status}: ${reply.text.slice(0, 500)}\nfor ${body.slice(0, 500)}`).toBeLessThan(500);
  let envelope: unknown;
  try {
    envelope = JSON.parse(reply.text);
  } catch {
    throw new Error(`${name} answered ${reply.status} with something that is not JSON: ${reply.text.slice(0, 200)}`);
  }
  const shaped = envelope as { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } };
  expect(typeof shaped.ok).toBe('boolean');
  if (shaped.ok === true) {
    expect(reply.status).toBe(200);
    if (Object.hasOwn(contract, name)) {
      const output = contract[name as MethodName].output.safeParse(shaped.data);
      expect(output.success, `${name}'s answer does not match its output schema: ${output.error?.message ?? ''}`).toBe(true);
    }
  } else {
    expect(reply.status).toBeGreaterThanOrEqual(200);
    expect(typeof shaped.error?.code).toBe('string');
    expect(typeof shaped.error?.message).toBe('string');
    expect(shaped.error?.code).not.toBe('internal');
  }
  return shaped as { ok: boolean; data?: unknown; error?: { code: string; message: string } };
}

async function call<T>(name: MethodName, input: unknown): Promise<T> {
  const envelope = await callChecked(name, JSON.stringify(input));
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error?.message ?? ''}`);
  return envelope.data as T;
}

async function waitForRun(runId: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const progress = await call<{ status: string }>('runs.progress', { runId });
    if (progress.status !== 'running' && progress.status !== 'pending') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not finish`);
}

// ——— Hostile values ———

const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uFFFF\uD800',
  "'; DROP TABLE runs; --",
  '" OR 1=1 --',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  '<script>alert(1)</script>',
  '{{ constructor.constructor("return process")() }}',
  '{% raw %}',
  '%s%s%s%n',
  'x'.repeat(70_000),
  '🙂'.repeat(300),
  'NaN',
  '-0',
);

const nastyNumbers = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 1e21, 5e-324, 4_294_967_297),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const nastyKeys = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'id', 'runId'), fc.string({ maxLength: 12 }));

const hostile: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: nastyStrings },
  { weight: 2, arbitrary: nastyNumbers },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [[]], { '': null }) },
  { weight: 1, arbitrary: fc.array(nastyStrings, { maxLength: 30 }) },
);

type Path = (string | number)[];

function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

type Mutation = { pick: number; op: 'replace' | 'drop' | 'add' | 'wrap'; key: string; value: Json };

/** Applies one mutation to a deep copy: a value replaced, removed, wrapped in an array, or a key added beside it. */
function mutate(base: Json, mutation: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(base)) as Json;
  const paths = pathsOf(copy);
  const path = paths[mutation.pick % paths.length] ?? [];
  if (path.length === 0) return mutation.op === 'replace' ? mutation.value : copy;
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step] as Json;
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, Json> & Json[];
  switch (mutation.op) {
    case 'replace':
      container[last] = mutation.value;
      break;
    case 'drop':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete container[last];
      break;
    case 'wrap':
      container[last] = [container[last] ?? null];
      break;
    case 'add': {
      const target = container[last];
      if (Array.isArray(target)) target.push(mutation.value);
      else if (target !== null && typeof target === 'object') Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, configurable: true, writable: true });
      else container[last] = mutation.value;
      break;
    }
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom<Mutation['op']>('replace', 'replace', 'drop', 'add', 'wrap'),
  key: nastyKeys,
  value: hostile,
});

// ——— Valid inputs, one per method, built on what the setup created ———

interface Fixture {
  runId: string;
  cellIds: string[];
  promptId: string;
  versionId: string;
  closedProviderId: string;
  editableProviderId: string;
  workspace: Json;
}

let fixture: Fixture;

const messages: Json = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say {{ word }} about {{ topic.name }}.' },
];
const testCases: Json = [
  { id: 'r1', vars: { word: 'hello', topic: { name: 'tides' } }, expected: 'hello' },
  { id: 'r2', vars: { word: 'bye', topic: { name: 'moss' } }, assert: [{ type: 'icontains', value: 'bye' }] },
];
const columns: Json = [
  { id: 'a', providerId: 'echo', model: 'echo', params: { temperature: 0.2, maxTokens: 64 } },
  { id: 'b', providerId: 'echo', model: 'echo', params: { stop: ['\n\n'] }, label: 'B' },
];
const promptfooConfig = [
  'prompts:',
  '  - "Say {{word}}"',
  'providers:',
  '  - echo',
  'tests:',
  '  - vars: { word: hi }',
  '    assert:',
  '      - type: contains',
  '        value: hi',
].join('\n');

/** A 1×1 PNG, and the name the image store keeps it under (images.save runs before images.read). */
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const TINY_PNG_NAME = `${createHash('sha256').update(Buffer.from(TINY_PNG, 'base64')).digest('hex')}.png`;

function validInputs(f: Fixture): Record<MethodName, Json> {
  return {
    'app.info': {},
    'workspace.get': {},
    'workspace.save': f.workspace,
    'providers.list': {},
    'providers.save': { id: f.editableProviderId, name: 'Edited', baseUrl: 'http://127.0.0.1:9/v1', concurrency: 2 },
    'providers.remove': { id: f.editableProviderId },
    'providers.models': { providerId: f.closedProviderId },
    'keyHosts.list': {},
    'keyHosts.add': { envar: 'FUZZ_KEY', host: 'models.example.com' },
    'keyHosts.remove': { envar: 'FUZZ_KEY', host: 'models.example.com' },
    'pii.settings': {},
    'pii.save': { providerId: 'echo', settings: { remote: false } },
    'pii.preview': { providerId: 'echo', messages: [{ role: 'user', content: 'mail ada@example.com' }] },
    'runs.start': { messages, testCases, columns, repeats: 1, useCache: true, assertions: [{ type: 'contains', value: 'Say' }] },
    'runs.stop': { runId: f.runId },
    'runs.cells': { runId: f.runId, fromCase: 0, toCase: 2 },
    'runs.cell': { cellId: f.cellIds[0] ?? 'x' },
    'toolCalls.check': { calls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }], tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] },
    'runs.rows': { runId: f.runId, sort: { by: 'passRate', column: 0, descending: true }, filter: { failed: true, text: '%_\\.*' } },
    'runs.rowCells': { runId: f.runId, cases: [1, 0] },
    'runs.progress': { runId: f.runId },
    'runs.rerun': { runId: f.runId, cellIds: f.cellIds.slice(0, 1) },
    'runs.resume': { runId: f.runId },
    'runs.batches': { runId: f.runId },
    'runs.cancelBatches': { runId: f.runId },
    'runs.sendFailedLive': { runId: f.runId },
    'runs.estimate': { messages, testCases, columns, repeats: 2 },
    'runs.checks': { runId: f.runId },
    'runs.regradeEstimate': { runId: f.runId, checks: { assertions: [{ type: 'contains', value: 'Say' }], rowChecks: { r2: [] } } },
    'runs.regrade': { runId: f.runId, checks: { assertions: [{ type: 'contains', value: 'Say' }], rowChecks: { r2: [{ type: 'icontains', value: 'bye' }] } } },
    'runs.stopRegrade': { runId: f.runId },
    'templates.preview': { messages, vars: { word: 'x', topic: { name: 'y' } } },
    'answers.limit': {},
    'answers.setLimit': { maxAnswerBytes: 2 * 1024 * 1024 },
    'prices.get': {},
    'prices.save': { overrides: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } } },
    'judge.pairs': { runId: f.runId, columns: [0, 1] },
    'judge.vote': { runId: f.runId, leftCellId: f.cellIds[0] ?? 'x', rightCellId: f.cellIds[1] ?? 'y', outcome: 'left', note: 'fine' },
    'judge.votes': { runId: f.runId },
    'judge.rate': { cellId: f.cellIds[0] ?? 'x', score: 4, thumb: 'up', tags: ['good'], note: 'ok' },
    'judge.verdict': { runId: f.runId },
    'raters.me': {},
    'raters.setMe': { name: 'Ada' },
    'judge.exportBallot': { runId: f.runId },
    'judge.importVotes': { runId: f.runId, text: JSON.stringify({ format: 'parallax-votes', version: 1, ballot: ballotToken(f.runId), rater: 'Bob', createdAt: '', votes: [] }) },
    'judge.agreement': { runId: f.runId },
    'judge.pairwise': { runId: f.runId, providerId: 'echo', model: 'echo' },
    'judge.pairwiseEstimate': { runId: f.runId, providerId: 'echo', model: 'echo' },
    'judge.pairwiseStop': { runId: f.runId },
    'bias.report': { runId: f.runId, kind: 'names', values: [{ label: 'Emily', terms: ['Emily'] }, { label: 'Aisha', terms: ['Aisha'] }], caseValues: ['Emily', 'Aisha'] },
    'runs.export': { runId: f.runId, format: 'csv' },
    'runs.list': { limit: 10, offset: 0, query: '"NEAR( -x: *', statuses: ['done'] },
    'runs.compare': { baseRunId: f.runId, otherRunId: f.runId, rows: 'all' },
    'runs.opened': {},
    'runs.setOpened': { runId: f.runId },
    'runs.get': { runId: f.runId },
    'library.list': { query: 'fuzz' },
    'library.get': { promptId: f.promptId },
    'library.version': { versionId: f.versionId },
    'library.save': { promptId: f.promptId, name: 'Fuzz prompt', description: 'd', tags: ['t'], messages, variables: { word: 'x' }, columns },
    'library.label': { versionId: f.versionId, label: 'staging' },
    'library.restore': { versionId: f.versionId },
    'library.remove': { promptId: f.promptId },
    'files.exportPrompt': { versionId: f.versionId, format: 'prompty' },
    'files.importPrompt': { fileName: 'p.prompty', text: '---\nname: Imported\n---\nsystem:\nBe brief.\n\nuser:\n{{question}}\n', name: 'Imported' },
    'files.exportExperiment': f.workspace,
    'files.importExperiment': { fileName: 'promptfooconfig.yaml', text: promptfooConfig },
    'files.saveAs': { fileName: 'out.csv', text: 'a,b\n1,2\n', mimeType: 'text/csv' },
    'images.save': { base64: TINY_PNG, alt: 'dot.png' },
    'images.read': { name: TINY_PNG_NAME },
    'author.settings': {},
    'author.saveSettings': { models: { 'generate-prompt': { providerId: 'echo', model: 'echo' } }, prompts: {} },
    'author.estimate': { request: { action: 'generate-prompt', task: 'Summarise a support ticket' }, author: { providerId: 'echo', model: 'echo' } },
    'author.generate': { request: { action: 'generate-prompt', task: 'Summarise a support ticket' }, author: { providerId: 'echo', model: 'echo' } },
    'author.estimateRevision': { runId: f.runId, messages: [{ role: 'user', content: 'Say {{word}}, briefly.' }] },
    'author.tryRevision': { runId: f.runId, messages: [{ role: 'user', content: 'Say {{word}}, briefly.' }] },
  };
}

/** Removing methods go last, so the others are fuzzed against records that still exist. */
const ORDER: MethodName[] = [...methodNames.filter((n) => !n.endsWith('.remove')), ...methodNames.filter((n) => n.endsWith('.remove'))];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'parallax-fuzz-'));
  dataDir = join(root, 'data');
  const staticDir = join(root, 'renderer');
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Parallax</title>');
  services = createServices({ dataDir, door: 'web', version: 'fuzz', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 64 } });
  web = await startWebServer({ services, staticDir, token: TOKEN });

  // Port 9 (discard) on loopback: nothing listens, so a model list fails at once.
  const closed = await call<{ id: string }>('providers.save', { name: 'Closed port', baseUrl: 'http://127.0.0.1:9/v1' });
  const editable = await call<{ id: string }>('providers.save', { name: 'Editable', baseUrl: 'http://127.0.0.1:9/v1' });
  const started = await call<{ runId: string }>('runs.start', { messages, testCases, columns });
  await waitForRun(started.runId);
  const cells = await call<{ cells: { id: string }[] }>('runs.cells', { runId: started.runId, fromCase: 0, toCase: 2 });
  const saved = await call<{ prompt: { id: string }; version: { id: string } }>('library.save', { name: 'Fuzz prompt', messages, variables: { word: 'x' } });
  fixture = {
    runId: started.runId,
    cellIds: cells.cells.map((c) => c.id),
    promptId: saved.prompt.id,
    versionId: saved.version.id,
    closedProviderId: closed.id,
    editableProviderId: editable.id,
    workspace: { messages, testCases, columns, selectedCase: 1, repeats: 1, useCache: false, assertions: [{ type: 'regex', value: '^S' }] },
  };
  expect(fixture.cellIds.length).toBe(4);
}, 30_000);

afterAll(async () => {
  await web?.close();
  services?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('contract fuzz through the web door', () => {
  it('has a valid input for every contract method, and each is accepted as it is', async () => {
    const inputs = validInputs(fixture);
    expect(Object.keys(inputs).sort()).toEqual([...methodNames].sort());
    for (const name of ORDER) {
      if (name === 'providers.models' || name === 'files.saveAs' || name.endsWith('.remove')) continue;
      // Those reach a closed port, need a desktop dialog, or delete the fixtures: they are only fuzzed.
      const envelope = await callChecked(name, JSON.stringify(inputs[name]));
      if (name === 'runs.resume') {
        // Valid, but the fixture's run finished: refused for that, not for its shape.
        expect(envelope.error?.message).toContain('interrupted');
        continue;
      }
      expect(envelope, `${name}: ${envelope.error?.message ?? ''}`).toMatchObject({ ok: true });
    }
  });

  for (const name of ORDER) {
    it(`${name}: inputs near a valid one never get a 5xx`, async () => {
      const base = validInputs(fixture)[name];
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const input = mutations.reduce((value, m) => mutate(value, m), base);
          await callChecked(name, JSON.stringify(input));
        }),
        { numRuns: RUNS },
      );
    });

    it(`${name}: arbitrary JSON never gets a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile, async (input) => {
          await callChecked(name, JSON.stringify(input));
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });
  }

  it('raw bodies that are not JSON, or nest too deep, are a 4xx', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.nat({ max: 5000 }).map((n) => '['.repeat(n)),
      fc.nat({ max: 5000 }).map((n) => `{"messages":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
      fc.constantFrom('{"a":', '"\\u00', '\uFEFF{}', '[1,]', 'null', '1e999999', '{"__proto__":{"polluted":1}}'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methodNames), body, async (name, text) => {
        const reply = await post(`/api/${name}`, text);
        expect(reply.status, `${name} answered ${reply.status} to ${text.slice(0, 80)}`).toBeLessThan(500);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('leaves nothing on Object.prototype, the store intact, and the app answering', async () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    // Runs the fuzz started are stopped, so nothing writes while the store is checked.
    const { runs } = await call<{ runs: { id: string; status: string }[] }>('runs.list', { limit: 500, offset: 0 });
    for (const run of runs) if (run.status === 'running') await call('runs.stop', { runId: run.id });

    const db = new DatabaseSync(join(dataDir, DATABASE_FILE), { readOnly: true });
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }

    await expect(call('app.info', {})).resolves.toMatchObject({ door: 'web', version: 'fuzz' });
    const workspace = await call<{ messages: unknown[] }>('workspace.get', {});
    expect(workspace.messages.length).toBeGreaterThan(0);
    await expect(call('providers.list', {})).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ id: 'echo' })]));
    await expect(call('library.list', { query: '' })).resolves.toHaveProperty('prompts');
    // A fresh run still goes end to end.
    const started = await call<{ runId: string }>('runs.start', { messages, testCases, columns: [{ id: 'z', providerId: 'echo', model: 'echo', params: {} }], useCache: false });
    await waitForRun(started.runId);
    await expect(call('runs.progress', { runId: started.runId })).resolves.toMatchObject({ status: 'done', done: 2 });
  });
});
