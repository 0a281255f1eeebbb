/**
 * A shared file must never run code. This is a corpus of the known ways out of Nunjucks and
 * Jinja templates (constructor chains from every global, filter, literal and loop variable,
 * `set`, `caller`, prototype keys, Jinja's `__globals__` walks), of poisoning, and of denial of
 * service (deep recursion, huge loops, memory), each carried into Parallax every way a file
 * can carry it: a prompt and its messages in the editor's preview and estimate, a check value,
 * a rubric, per-row and every-row checks, a test case's expected answer, CSV and JSONL rows,
 * a promptfoo config (imported in the app, and run by `parallax eval`), a .prompty, chat JSON
 * and Markdown opened from the library, and a saved draft reopened at the next start.
 *
 * If any payload ever reached this process it would write a canary file, connect to a loopback
 * listener, and print an environment variable's value. None of the three may happen, the host's
 * prototypes stay clean, and the app answers promptly after every batch.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { applyMapping, defaultMapping, parseCasesFile } from '../../src/shared/cases/import';
import type { Assertion } from '../../src/shared/assertions';
import type { Message, TestCase, VariableValue, Workspace } from '../../src/shared/schemas';
import { checkTemplate } from '../../src/shared/template';
import { dispatch } from '../../src/main/api/dispatch';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { renderMessagesSafe } from '../../src/main/template/render';

const SECRET_NAME = 'PARALLAX_CANARY_SECRET';
const SECRET = `canary-${Math.random().toString(36).slice(2)}-value`;

let dir: string;
let canary: string;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-escapes-'));
  canary = join(dir, 'CANARY');
  process.env[SECRET_NAME] = SECRET;
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  Reflect.deleteProperty(process.env, SECRET_NAME);
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** What a payload would do on the host: write the canary, call the listener, read the secret. */
function hostCode(): string {
  return [
    "var P = (typeof process !== 'undefined' && process) || globalThis.process || (typeof require !== 'undefined' && require('process'))",
    `if (P) { P.getBuiltinModule('fs').writeFileSync('${canary}', 'escaped'); P.getBuiltinModule('http').get('http://127.0.0.1:${port}/'); return P.env.${SECRET_NAME} }`,
    "return 'no host here'",
  ].join('; ');
}

/** Every template escape, each as a template text. `C` is the host code as a string literal. */
function escapes(): string[] {
  const C = JSON.stringify(hostCode());
  return [
    `{{ range.constructor(${C})() }}`,
    `{{ cycler.constructor(${C})() }}`,
    `{{ joiner.constructor(${C})() }}`,
    `{{ "".constructor.constructor(${C})() }}`,
    `{{ [].constructor.constructor(${C})() }}`,
    `{{ ({}).constructor.constructor(${C})() }}`,
    `{{ (1).constructor.constructor(${C})() }}`,
    `{{ (true).constructor.constructor(${C})() }}`,
    `{{ ("a" | upper).constructor.constructor(${C})() }}`,
    `{{ ([1] | first).constructor.constructor(${C})() }}`,
    `{{ ("x" | replace("x", "y")).constructor.constructor(${C})() }}`,
    `{% for x in [1] %}{{ loop.constructor.constructor(${C})() }}{{ x.constructor.constructor(${C})() }}{% endfor %}`,
    `{% for k, v in {a: 1} %}{{ k.constructor.constructor(${C})() }}{% endfor %}`,
    `{% set f = range.constructor %}{{ f(${C})() }}`,
    `{% set f %}x{% endset %}{{ f.constructor.constructor(${C})() }}`,
    `{% macro m() %}{{ caller.constructor(${C})() }}{% endmacro %}{% call m() %}x{% endcall %}`,
    `{% macro m() %}x{% endmacro %}{{ m.constructor(${C})() }}`,
    `{{ range["constr" ~ "uctor"](${C})() }}`,
    `{{ range["__proto__"]["constructor"](${C})() }}`,
    `{{ text.constructor.constructor(${C})() }}`,
    `{{ obj.__proto__.constructor.constructor(${C})() }}`,
    `{{ obj["constructor"]["constructor"](${C})() }}`,
    `{{ list.constructor.constructor(${C})() }}`,
    `{{ range.constructor.call(null, ${C})() }}`,
    `{{ range.bind.constructor(${C})() }}`,
    `{{ range.constructor.apply(null, [${C}])() }}`,
    `{{ range.constructor("return import('fs')")() }}`,
    `{{ range.constructor("return this")().process.env.${SECRET_NAME} }}`,
    `{{ range.constructor("return globalThis")().require }}`,
    `{{ env.${SECRET_NAME} }}{{ process.env.${SECRET_NAME} }}`,
    // Jinja's escapes, which Nunjucks shares the syntax of.
    `{{ ''.__class__.__mro__[1].__subclasses__() }}`,
    `{{ cycler.__init__.__globals__.os.popen('id').read() }}`,
    `{{ lipsum.__globals__['os'].popen('id').read() }}`,
    `{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}`,
    `{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}`,
    `{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}`,
    // Poisoning: change what later templates see.
    `{{ range.constructor("Object.prototype.polluted = 'yes'; Array.prototype.join = function () { return 'pwned' }; String.prototype.toUpperCase = function () { return 'pwned' }; return 1")() }}`,
    // Denial of service: each must end within its budget with an error.
    `{% for i in range(100000000) %}{% endfor %}`,
    `{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}`,
    `{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}`,
    `{% set s = "ab" %}{% for i in range(40) %}{% set s = s + s %}{% endfor %}{{ s | length }}`,
    `{{ range.constructor("while (true) {}")() }}`,
    `{{ range.constructor("var a = []; while (true) a.push(new Array(100000).fill('x'))")() }}`,
    `{{ ${'('.repeat(10_000)}1${')'.repeat(10_000)} }}`,
    `${'{% if x %}'.repeat(2_000)}deep${'{% endif %}'.repeat(2_000)}`,
  ];
}

/** Host code for a javascript check (it is code, not a template). */
function checkCode(): string {
  return `(function () { ${hostCode()} })()`;
}

// A `__proto__` key of its own, as JSON.parse makes it from a file: it must not reach any prototype.
const VARS: Record<string, VariableValue> = { text: 'plain', obj: { a: 1 }, list: [1, 2], ...(JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, VariableValue>) };

function hostUntouched(): void {
  expect(existsSync(canary), 'the canary file was written').toBe(false);
  expect(connections, 'the loopback listener was called').toBe(0);
  expect(({} as Record<string, unknown>)['polluted'], 'a host prototype was polluted').toBeUndefined();
  expect([1, 2].join(','), 'a host prototype was changed').toBe('1,2');
  expect('a'.toUpperCase()).toBe('A');
}

function noSecret(where: string, text: string): void {
  expect(text.includes(SECRET), `${where} holds the secret`).toBe(false);
}

/** Every file under a folder, as bytes in latin1 (the SQLite file, result files). */
function folderText(folder: string): string {
  if (!existsSync(folder)) return '';
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

/** The app answers a trivial call promptly: nothing is stuck on the main thread. */
async function responsive(services: Services): Promise<void> {
  const started = performance.now();
  await call(services, 'app.info', {});
  expect(performance.now() - started).toBeLessThan(1_000);
}

function open(dataDir: string): Services {
  return createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: { ...process.env } });
}

function finished(services: Services, runId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish`)), 120_000);
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

describe('template escapes run nothing on the host', () => {
  it('the renderer itself: every escape in every message renders to text or an error', () => {
    const started = performance.now();
    for (const template of escapes()) {
      const one = performance.now();
      const messages: Message[] = [
        { role: 'system', content: template },
        { role: 'user', content: `Hello {{ text }} ${template}` },
        { role: 'assistant', content: template },
      ];
      const result = renderMessagesSafe(messages, VARS);
      for (const m of result.messages) noSecret('a rendered message', m.content);
      for (const e of result.errors) noSecret('an error', e.message);
      hostUntouched();
      if (process.env['PARALLAX_TIMINGS']) console.log(Math.round(performance.now() - one), 'ms', template.slice(0, 60), result.errors[0]?.message.slice(0, 80));
    }
    // After poisoning attempts, templates still render as Nunjucks does.
    expect(renderMessagesSafe([{ role: 'user', content: '{{ [1, 2] | join(",") }} {{ "a" | upper }} {{ x.polluted }}' }], { x: {} }).messages[0]?.content).toBe('1,2 A ');
    // Budgets: the whole corpus, three messages each, ends in bounded time.
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('the app: preview, estimate, a run with every kind of check, library files, a config, and a reopened draft', async () => {
    const dataDir = join(dir, 'app');
    let services = open(dataDir);
    const templates = escapes();
    const code = checkCode();
    try {
      // Preview and estimate, as the editor calls them while typing.
      for (const template of templates) {
        const preview = await call(services, 'templates.preview', { messages: [{ role: 'system', content: template }, { role: 'user', content: template }], vars: VARS });
        for (const m of preview.messages) noSecret('preview', m.content);
        await call(services, 'runs.estimate', {
          messages: [{ role: 'user', content: template }],
          testCases: [{ id: 'r1', vars: { text: 'x' } }],
          columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }],
          repeats: 1,
        } as MethodInput<'runs.estimate'>).catch(() => undefined);
        hostUntouched();
      }
      await responsive(services);

      // CSV and JSONL rows whose values and expected answers are escapes.
      const csvTemplate = templates[0] ?? '';
      const csv = `text,__expected\n"${csvTemplate.replace(/"/g, '""')}","${csvTemplate.replace(/"/g, '""')}"\n`;
      const jsonl = templates.slice(0, 10).map((t) => JSON.stringify({ text: t, __expected: t, assert: [{ type: 'contains', value: t }] })).join('\n');
      const fromFiles: TestCase[] = [];
      for (const [name, text] of [['cases.csv', csv], ['cases.jsonl', jsonl]] as const) {
        const parsed = parseCasesFile(name, text);
        fromFiles.push(...applyMapping(parsed, defaultMapping(parsed.columns, ['text'])));
      }

      // A run: escapes as the prompt, as every-row checks (contains, rubric, regex, javascript), as per-row checks and expected answers.
      const everyRow: Assertion[] = [
        ...templates.slice(0, 12).map((t): Assertion => ({ type: 'icontains', value: t })),
        { type: 'llm-rubric', value: templates[0] ?? '' },
        { type: 'regex', value: '(a+)+b' },
        { type: 'javascript', value: code },
        { type: 'contains', value: 'x', transform: code },
      ];
      const rows: TestCase[] = [
        ...templates.slice(0, 20).map((t, i): TestCase => ({ id: `t${i}`, vars: { ...VARS, text: t }, expected: t, assert: [{ type: 'contains', value: t }] })),
        { id: 'redos', vars: { ...VARS, text: `${'a'.repeat(40)}!` } },
        { id: 'transformed', vars: { ...VARS, text: 'x' }, transform: code },
        ...fromFiles.map((row, i) => ({ ...row, vars: { ...VARS, ...row.vars }, id: `f${i}` })),
      ];
      // A run refuses a prompt with a template error up front, so the prompt carries every escape that renders.
      const rendering = templates.filter((t) => renderMessagesSafe([{ role: 'user', content: t }], VARS).errors.length === 0);
      expect(rendering.length).toBeGreaterThan(10);
      const started = await call(services, 'runs.start', {
        messages: [
          { role: 'system', content: rendering.join('\n') },
          { role: 'user', content: '{{ text }}' },
        ],
        testCases: rows,
        columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }],
        repeats: 1,
        useCache: false,
        assertions: everyRow,
        judge: { providerId: 'echo', model: 'echo' },
      } as MethodInput<'runs.start'>);
      await finished(services, started.runId);
      const cells = (await call(services, 'runs.cells', { runId: started.runId, fromCase: 0, toCase: rows.length })).cells;
      expect(cells.length).toBe(rows.length);
      for (const cell of cells) {
        noSecret('an answer', cell.output);
        expect(cell.status).not.toBe('running');
      }
      const redos = cells.find((c) => c.caseIndex === rows.findIndex((r) => r.id === 'redos'));
      expect(JSON.stringify(redos?.grading)).toMatch(/time budget/);
      hostUntouched();
      await responsive(services);

      // Library files: .prompty, chat JSON and Markdown whose messages are escapes.
      const opened = new Map<string, number>();
      for (const [n, template] of templates.slice(0, 20).entries()) {
        const files = [
          { fileName: 'shared.prompty', name: `prompty ${n}`, text: `---\nname: shared\n---\nsystem:\n${template}\n\nuser:\n{{ text }}\n` },
          { fileName: 'shared.json', name: `json ${n}`, text: JSON.stringify({ messages: [{ role: 'system', content: template }, { role: 'user', content: template }] }) },
          { fileName: 'shared.md', name: `markdown ${n}`, text: `---\nname: shared\n---\n## system\n\n${template}\n\n## user\n\n{{ text }}\n` },
        ];
        for (const file of files) {
          const imported = await dispatch(services.handlers, 'files.importPrompt', file);
          if (!imported.ok) { if (process.env['PARALLAX_TIMINGS']) console.log('IMPORT', file.fileName, imported.error.message); continue; }
          opened.set(file.fileName, (opened.get(file.fileName) ?? 0) + 1);
          const version = (imported.data as MethodOutput<'files.importPrompt'>).version;
          const preview = await call(services, 'templates.preview', { messages: version.messages, vars: VARS });
          for (const m of preview.messages) noSecret('library preview', m.content);
        }
        hostUntouched();
      }
      // Each format opened most of the escapes (a few are refused as files, which is fine too).
      for (const name of ['shared.prompty', 'shared.json', 'shared.md']) expect(opened.get(name) ?? 0, name).toBeGreaterThan(10);

      // A promptfoo config imported in the app.
      const config = [
        'prompts:',
        ...templates.slice(0, 10).map((t) => `  - ${JSON.stringify(t)}`),
        'providers: [echo]',
        'defaultTest:',
        '  assert:',
        ...templates.slice(0, 5).map((t) => `    - { type: contains, value: ${JSON.stringify(t)} }`),
        'tests:',
        `  - vars: { text: ${JSON.stringify(templates[0])} }`,
      ].join('\n');
      const importedConfig = await call(services, 'files.importExperiment', { fileName: 'promptfooconfig.yaml', text: config });
      await call(services, 'templates.preview', { messages: importedConfig.workspace.messages, vars: VARS });
      hostUntouched();

      // A draft saved with escapes in it, reopened: the next start renders it again.
      const draft: Workspace = {
        messages: [{ role: 'user', content: templates[0] ?? '' }],
        testCases: [{ id: 'd1', vars: { text: templates[1] ?? '' }, assert: [{ type: 'contains', value: templates[2] ?? '' }] }],
        selectedCase: 0,
        columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }],
        repeats: 1,
        useCache: true,
        assertions: [{ type: 'javascript', value: code }],
      };
      await call(services, 'workspace.save', draft);
      services.close();
      services = open(dataDir);
      const reopened = await call(services, 'workspace.get', {});
      await call(services, 'templates.preview', { messages: reopened.messages, vars: reopened.testCases[0]?.vars ?? {} });
      hostUntouched();
      await responsive(services);
    } finally {
      services.close();
    }
    noSecret('the data folder', folderText(dataDir));
  }, 300_000);

  it('parallax eval: escapes in prompts, prompt files, checks, CSV and JSONL tests, and defaultTest', async () => {
    const work = join(dir, 'eval');
    const templates = escapes();
    const code = checkCode();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'p.prompty'), `---\nname: p\n---\nsystem:\n${templates[0]}\n\nuser:\n{{ text }}\n`);
    writeFileSync(join(work, 'p.json'), JSON.stringify([{ role: 'system', content: templates[3] }, { role: 'user', content: '{{ text }}' }]));
    writeFileSync(join(work, 'p.txt'), templates[5] ?? '');
    const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(join(work, 'tests.csv'), `text,__expected\n${templates.slice(0, 15).map((t) => `${csvCell(t)},${csvCell(`contains:${t}`)}`).join('\n')}\n`);
    writeFileSync(join(work, 'tests.jsonl'), templates.slice(15, 30).map((t) => JSON.stringify({ vars: { text: t }, assert: [{ type: 'icontains', value: t }, { type: 'javascript', value: code }] })).join('\n'));
    // A template that does not parse is a config error (exit 2, nothing run): those are tried on their own below.
    const readable = templates.filter((t) => checkTemplate(t).errors.length === 0);
    const unreadable = templates.filter((t) => checkTemplate(t).errors.length > 0);
    expect(unreadable.length).toBeGreaterThan(0);
    const yaml = [
      'prompts:',
      ...readable.map((t) => `  - ${JSON.stringify(t)}`),
      '  - file://p.txt',
      '  - file://p.json',
      'providers: [echo]',
      'defaultTest:',
      '  options:',
      '    provider: echo',
      `    transform: ${JSON.stringify(code)}`,
      '  assert:',
      `    - { type: javascript, value: ${JSON.stringify(code)} }`,
      `    - { type: llm-rubric, value: ${JSON.stringify(templates[0])} }`,
      `    - { type: regex, value: ${JSON.stringify(templates[1])} }`,
      'tests:',
      '  - file://tests.csv',
      '  - file://tests.jsonl',
    ].join('\n');
    writeFileSync(join(work, 'promptfooconfig.yaml'), yaml);
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { ...process.env }, cwd: work };
    const started = performance.now();
    const code1 = await runCli(['eval', '-c', 'promptfooconfig.yaml', '-o', 'out.json', '-o', 'out.csv', '--data-dir', join(work, 'data'), '--no-cache', '-j', '4'], io, 'test');
    // Exit 100 (checks failed) or 1 (template errors) are both fine: what matters is what did not happen.
    expect([0, 1, 100], stderr.split('\n').filter((l) => !l.startsWith('warning')).join('\n').slice(0, 3000)).toContain(code1);
    expect(performance.now() - started).toBeLessThan(240_000);
    hostUntouched();
    noSecret('stdout', stdout);
    noSecret('stderr', stderr);
    noSecret('the results and database', folderText(work));
    // The ones that do not parse: refused before anything runs, with a sentence, and still nothing reached.
    writeFileSync(join(work, 'unreadable.yaml'), ['prompts:', ...unreadable.map((t) => `  - ${JSON.stringify(t)}`), 'providers: [echo]', 'tests:', '  - vars: { text: x }'].join('\n'));
    const refused = await runCli(['eval', '-c', 'unreadable.yaml', '--data-dir', join(work, 'data3')], io, 'test');
    expect(refused).toBe(2);
    expect(stderr).toMatch(/nests too deeply|template error/);
    hostUntouched();
    // The .prompty prompt is read too, in a config of its own.
    writeFileSync(join(work, 'prompty.yaml'), 'prompts: [file://p.prompty]\nproviders: [echo]\ntests:\n  - vars: { text: hi }\n');
    const code2 = await runCli(['eval', '-c', 'prompty.yaml', '--data-dir', join(work, 'data2')], io, 'test');
    expect([0, 1, 2, 100]).toContain(code2);
    hostUntouched();
    noSecret('stderr', stderr);
  }, 300_000);
});
