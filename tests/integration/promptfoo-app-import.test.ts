/**
 * The app's import of a promptfoo config renders prompts as `parallax eval` and promptfoo do:
 * values that name other variables, promptfoo's filters (`load`, `dump`), the safe part of
 * `env` and a config's nunjucksFilters (files given with it) in values. Each config is opened
 * through `files.importExperiment`, run on the echo provider (which answers with the prompt
 * it was sent), and its prompts compared with what promptfoo 0.121.20 sent (the fixture's
 * expected.json) or with what `parallax eval` sent for the same config.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { runCliCaptured } from './cli-support';

const FIXTURES = resolve(__dirname, '../fixtures/promptfoo');
const ENV = { PARITY_ENV_VALUE: 'from the environment', PARITY_SECRET_KEY: 'sk-never-sent-123456789' };

let services: Services;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-app-import-'));
  services = createServices({ dataDir: join(dir, 'data'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: ENV, echo: { chunkDelayMs: 0, chunkSize: 100_000 } });
});
afterAll(() => {
  services.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as T;
}

interface Imported {
  workspace: { messages: unknown[]; testCases: { id: string; vars: Record<string, unknown> }[]; columns: unknown[] };
  warnings: string[];
}

/** Every file of a folder but the config and the recordings, by relative name: what a person drops with the config. */
function siblingsOf(folder: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!/^(promptfooconfig\.yaml|expected\.json|parity\.json|differences\.md)$/.test(name)) out.push({ name: relative(folder, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(folder);
  return out;
}

/** Opens the config in the app, runs the draft's every row on echo, and returns the prompts sent, row by row. */
async function appPrompts(text: string, siblings: { name: string; text: string }[] = []): Promise<{ prompts: string[]; imported: Imported }> {
  const imported = await call<Imported>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text, ...(siblings.length > 0 ? { siblings } : {}) });
  const { runId } = await call<{ runId: string }>('runs.start', {
    messages: imported.workspace.messages,
    testCases: imported.workspace.testCases,
    columns: [{ id: 'echo-column', providerId: 'echo', model: 'echo', params: {} }],
    repeats: 1,
    useCache: false,
  });
  for (let i = 0; i < 400; i += 1) {
    const progress = await call<{ status: string }>('runs.progress', { runId });
    if (progress.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const { cells } = await call<{ cells: { caseIndex: number; status: string; output: string }[] }>('runs.cells', { runId, fromCase: 0, toCase: imported.workspace.testCases.length });
  expect(cells.map((c) => c.status)).toEqual(cells.map(() => 'done'));
  return { prompts: [...cells].sort((a, b) => a.caseIndex - b.caseIndex).map((c) => c.output), imported };
}

describe('the app opens a promptfoo config as parallax eval runs it', () => {
  it.each(['vars-nested', 'vars-env-filters'])('%s: the prompts the app sends are the ones promptfoo sent', async (feature) => {
    const folder = join(FIXTURES, feature);
    const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as { results: { prompt: { raw: string } }[] };
    const { prompts, imported } = await appPrompts(readFileSync(join(folder, 'promptfooconfig.yaml'), 'utf8'), siblingsOf(folder));
    expect(prompts.length).toBe(expected.results.length);
    expect([...prompts].sort()).toEqual(expected.results.map((r) => r.prompt.raw).sort());
    expect(imported.warnings.join(' ')).toMatch(/filled in as promptfoo fills them in/);
  });

  it('vars-nested: rows keep promptfoo order and a reference promptfoo leaves is sent as written', async () => {
    const { prompts } = await appPrompts(readFileSync(join(FIXTURES, 'vars-nested/promptfooconfig.yaml'), 'utf8'));
    expect(prompts[0]).toBe('Write a tweet about bananas (friendly)');
    expect(prompts).toContain('Ask about {{missing}} and {{tone}} (friendly)');
    expect(prompts).toContain('Hello ADA, how are you (friendly)');
  });

  it('env gives a template only what cannot be a secret, in a value and in the prompt', async () => {
    const yaml = [
      'prompts:',
      '  - "{{ env.PARITY_ENV_VALUE }} / [{{ env.PARITY_SECRET_KEY }}] / {{ note }}"',
      'providers: [echo]',
      'tests:',
      '  - vars:',
      '      note: "{{ env.PARITY_SECRET_KEY }}|{{ env[\'PARITY_ENV_VALUE\'] | upper }}"',
    ].join('\n');
    const { prompts, imported } = await appPrompts(yaml);
    expect(prompts).toEqual(['from the environment / [] / |FROM THE ENVIRONMENT']);
    expect(JSON.stringify(imported.workspace)).not.toContain('sk-never-sent');
  });

  it('nunjucksFilters given with the config render values; the same prompts as parallax eval', async () => {
    const folder = join(dir, 'filters');
    cpSync(join(FIXTURES, 'nunjucks-filters/filters'), join(folder, 'filters'), { recursive: true });
    const yaml = [
      'nunjucksFilters:',
      '  shout: ./filters/shout.cjs',
      '  initials: filters/initials.cjs',
      'prompts:',
      '  - "Hello {{ greeting }}. Data: {{ data | dump }}. {{ (json | load).name }}"',
      'providers: [echo]',
      'tests:',
      '  - vars:',
      '      name: Ada Lovelace',
      '      greeting: "{{ name | shout(2) }} ({{ name | initials | lower }})"',
      '      data: { a: 1 }',
      '      json: \'{"name": "Ada"}\'',
      '  - vars:',
      '      name: grace hopper',
      '      greeting: "{{ name | initials }}"',
      '      data: [1, 2]',
      '      json: \'{"name": "<script>alert(1)</script>"}\'',
    ].join('\n');
    writeFileSync(join(folder, 'promptfooconfig.yaml'), yaml);
    const out = join(dir, 'filters.json');
    const run = await runCliCaptured(['eval', '-c', 'promptfooconfig.yaml', '-o', out, '--no-cache', '--data-dir', join(dir, 'eval-data')], { cwd: folder, env: {} });
    expect(run.stderr).not.toMatch(/error/i);
    const evalPrompts = (JSON.parse(readFileSync(out, 'utf8')) as { results: { results: { response: { output: string } }[] } }).results.results.map((r) => r.response.output);
    // Picked files carry their names only: filters/shout.cjs is found as shout.cjs.
    const { prompts } = await appPrompts(yaml, siblingsOf(folder).map((f) => ({ name: f.name.replace(/^filters\//, ''), text: f.text })));
    expect(prompts).toEqual(evalPrompts);
    expect(prompts[0]).toBe('Hello ADA LOVELACE!! (a.l.). Data: {"a":1}. Ada');
    expect(prompts[1]).toBe('Hello G.H.. Data: [1,2]. <script>alert(1)</script>');
  });

  it('checks-test-options: disableDefaultAsserts keeps defaultTest\'s checks off that row; prefix and suffix are named as not kept', async () => {
    const text = readFileSync(join(FIXTURES, 'checks-test-options/promptfooconfig.yaml'), 'utf8');
    const imported = await call<{ warnings: string[]; workspace: { assertions: unknown[]; testCases: { assert?: { type: string }[] }[] } }>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text });
    expect(imported.workspace.assertions).toEqual([]);
    expect(imported.workspace.testCases.map((c) => (c.assert ?? []).map((a) => a.type))).toEqual([
      ['icontains'],
      ['not-icontains', 'icontains'],
      ['icontains', 'model-graded-factuality', 'not-model-graded-factuality'],
    ]);
    expect(imported.warnings.join(' ')).toMatch(/3 tests put text around the prompt \(options\.prefix \/ suffix\)/);
  });

  it('graded-geval-prompts: G-Eval\'s own prompts come with the judge and are written back as promptfoo\'s object rubricPrompt', async () => {
    const text = readFileSync(join(FIXTURES, 'graded-geval-prompts/promptfooconfig.yaml'), 'utf8');
    type Judge = { prompt?: unknown; gEvalPrompt?: { steps?: { role: string; content: string }[]; evaluate?: { role: string; content: string }[] } };
    const imported = await call<Imported & { workspace: Imported['workspace'] & { judge?: Judge } }>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text });
    expect(imported.workspace.judge?.prompt).toBeUndefined();
    expect(imported.workspace.judge?.gEvalPrompt?.steps).toEqual([{ role: 'user', content: 'Plan first: generate 3-4 concise evaluation steps for this criterion: {{criteria}}' }]);
    expect(imported.workspace.judge?.gEvalPrompt?.evaluate?.[0]?.content).toMatch(/^Your task is to rate the Reply on one metric, judged here by the criterion itself\./);
    const exported = await call<{ text: string }>('files.exportExperiment', imported.workspace);
    // Each as the JSON chat list promptfoo reads as messages.
    expect(exported.text).toMatch(/rubricPrompt:\n {6}steps: \|-\n {8}\[\n {10}\{"role":"user","content":"Plan first/);
    const again = await call<Imported & { workspace: Imported['workspace'] & { judge?: Judge } }>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text: exported.text });
    expect(again.workspace.judge?.gEvalPrompt).toEqual(imported.workspace.judge?.gEvalPrompt);
  });

  it('file:// prompts and values are read from the files picked with the config, as eval reads them', async () => {
    const yaml = ['prompts:', '  - file://prompts/ask.txt', 'providers: [echo]', 'tests:', '  - vars:', '      doc: file://docs/a.txt', '      data: file://docs/b.yaml'].join('\n');
    const siblings = [
      { name: 'prompts/ask.txt', text: 'Summarise {{ doc }} with {{ (data | load).n }}\n---\nSecond: {{ doc | upper }}\n' },
      { name: 'docs/a.txt', text: '  the tides =HYPERLINK("x")  \n' },
      { name: 'docs/b.yaml', text: 'n: 42\n' },
    ];
    const { prompts, imported } = await appPrompts(yaml, siblings);
    expect(imported.workspace.testCases[0]?.vars).toEqual({ doc: 'the tides =HYPERLINK("x")', data: '{"n":42}' });
    expect(prompts).toEqual(['Summarise the tides =HYPERLINK("x") with 42']);
    // The file's second prompt is not opened (a draft has one), and the import says so.
    expect(imported.warnings.join(' ')).toMatch(/2 prompts; only the first is opened/);
    // Without the files, the config is refused with the reason.
    const refused = await dispatch(services.handlers, 'files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml });
    expect(refused.ok).toBe(false);
  });

  it('without the filter files, the import says what to do; a filter the prompt calls is named', async () => {
    const yaml = ['nunjucksFilters:', '  shout: ./filters/shout.cjs', 'prompts:', '  - "{{ name | shout }}"', 'providers: [echo]', 'tests:', '  - vars: { name: x }'].join('\n');
    const noFiles = await call<Imported>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml });
    expect(noFiles.warnings.join(' ')).toMatch(/nunjucksFilters/);
    const shout = readFileSync(join(FIXTURES, 'nunjucks-filters/filters/shout.cjs'), 'utf8');
    const withFiles = await call<Imported>('files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml, siblings: [{ name: 'shout.cjs', text: shout }] });
    expect(withFiles.warnings.join(' ')).toMatch(/the prompt calls "shout" from nunjucksFilters, which a draft cannot keep/);
    // A name that climbs out of the config's folder is refused, even when a picked file has its last part.
    const outside = await dispatch(services.handlers, 'files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml.replace('./filters/shout.cjs', '../elsewhere/shout.cjs'), siblings: [{ name: 'shout.cjs', text: shout }] });
    expect(outside.ok).toBe(false);
    if (!outside.ok) expect(outside.error.message).toMatch(/leaves the imported file's folder/);
    // A filter file that throws stops the import with the reason, and no filter stays behind.
    const bad = await dispatch(services.handlers, 'files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml, siblings: [{ name: 'shout.cjs', text: 'throw new Error("boom")' }] });
    expect(bad.ok).toBe(false);
    const after = await appPrompts(['prompts:', '  - "{{ v }}"', 'providers: [echo]', 'tests:', '  - vars: { name: x, v: "{{ name | upper }}" }'].join('\n'));
    expect(after.prompts).toEqual(['X']);
  });
});
