/**
 * `parallax export` and `parallax import` against a real library (SQLite in a temporary data
 * folder): a prompt goes out as a file and comes back under a new name unchanged; every format
 * writes; a broken file imports nothing; a promptfooconfig adds its prompts. Most runs call the
 * CLI in-process (runCli, the code the bin runs); one starts the real `parallax` bin.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORMAT_IDS } from '../../src/main/cli/export';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { Store } from '../../src/main/store/store';
import type { PromptContent } from '../../src/main/store/library';
import type { PromptVersion } from '../../src/shared/library';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = `sk-test-${'s'.repeat(16)}-never-in-a-file`;

let dir: string;
let dataDir: string;

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { OPENAI_API_KEY: SECRET },
    cwd: dir,
  };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function withStore<T>(work: (store: Store) => T): T {
  const store = new Store(dataDir);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

function promptNames(): string[] {
  return withStore((store) => store.library.list().map((p) => p.name)).sort();
}

function latestOf(name: string): PromptVersion {
  return withStore((store) => {
    const prompt = store.library.byName(name);
    if (!prompt) throw new Error(`no prompt named ${name}; the library has ${store.library.list().map((p) => p.name).join(', ')}`);
    const version = store.library.latest(prompt.id);
    if (!version) throw new Error(`${name} has no version`);
    return version;
  });
}

const chatContent: PromptContent = {
  messages: [
    { role: 'system', content: 'You are a support agent for {{company}}. Be brief.' },
    { role: 'user', content: 'Customer {{customer}} writes:\n\n{{issue}}' },
  ],
  variables: { company: 'Acme', customer: 'Ada', issue: 'My order is late.' },
  model: { name: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY', params: { temperature: 0.3, maxTokens: 200 } },
};

const singleContent: PromptContent = {
  messages: [{ role: 'user', content: 'Summarise in {{n}} words: {{text}}' }],
  variables: { n: '10', text: 'A long article about prompts.' },
  model: { name: 'llama3.2', baseUrl: 'http://localhost:11434/v1', params: { temperature: 0 } },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-cli-files-'));
  dataDir = join(dir, 'data');
  withStore((store) => {
    const { prompt, version } = store.library.create({ name: 'Support reply', description: 'Replies to customers', tags: ['support', 'email'] }, chatContent, 'save');
    store.library.setLabel(version.id, 'production');
    store.library.save(
      prompt.id,
      { name: prompt.name, description: prompt.description, tags: prompt.tags },
      {
        ...chatContent,
        messages: [...chatContent.messages, { role: 'assistant', content: 'Sorry to hear that, {{customer}}.' }],
        variables: { ...chatContent.variables, customer: 'Grace' },
      },
      'save',
    );
    store.library.create({ name: 'Summary', description: '', tags: [] }, singleContent, 'save');
  });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('parallax export, then parallax import', () => {
  it('a .prompty export imported under a new name gives the same messages, model and sample', async () => {
    const exported = await cli(['export', '--prompt', 'support REPLY', '--format', 'prompty', '-o', 'out/reply.prompty', '--data-dir', dataDir]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toContain('Wrote out/reply.prompty: "Support reply" version 2 as prompty.');
    const text = readFileSync(join(dir, 'out/reply.prompty'), 'utf8');
    expect(text).toContain('Support reply');
    expect(text).not.toContain(SECRET);

    const imported = await cli(['import', 'out/reply.prompty', '--name', 'Copy', '--data-dir', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported out/reply.prompty as "Copy" (version 1).');

    const original = latestOf('Support reply');
    const copy = latestOf('Copy');
    expect(copy.messages).toEqual(original.messages);
    expect(copy.model).toEqual(original.model);
    expect(copy.variables).toEqual(original.variables);
    expect(copy.variables['customer']).toBe('Grace');
    expect(copy.source).toBe('import');
    expect(promptNames()).toEqual(['Copy', 'Summary', 'Support reply']);
  });

  it('importing the same file again without --name refuses the clash and says to pass --name', async () => {
    expect((await cli(['export', '-p', 'Support reply', '-f', 'prompty', '-o', 'reply.prompty', '--data-dir', dataDir])).code).toBe(0);
    const again = await cli(['import', 'reply.prompty', '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a prompt named "Support reply" already exists; pass --name');
    expect(promptNames()).toEqual(['Summary', 'Support reply']);
  });

  it('exports a chosen version by number or label', async () => {
    const first = await cli(['export', '--prompt', 'Support reply', '--version', '1', '--format', 'prompty', '--data-dir', dataDir]);
    const labelled = await cli(['export', '--prompt', 'Support reply', '--version', 'production', '--format', 'prompty', '--data-dir', dataDir]);
    const latest = await cli(['export', '--prompt', 'Support reply', '--format', 'prompty', '--data-dir', dataDir]);
    expect([first.code, labelled.code, latest.code]).toEqual([0, 0, 0]);
    expect(labelled.stdout).toBe(first.stdout);
    expect(first.stdout).toContain('Ada');
    expect(latest.stdout).toContain('Grace');
    expect(latest.stdout).not.toBe(first.stdout);
  });
});

describe('parallax export: every format', () => {
  it.each(FORMAT_IDS.map((format) => [format]))('%s to stdout, the same text as with -o, and no key', async (format) => {
    const out = await cli(['export', '--prompt', 'Summary', '--format', format, '--data-dir', dataDir]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.length).toBeGreaterThan(0);
    expect(out.stdout).toContain('Summarise in');
    expect(out.stdout).not.toContain(SECRET);
    const toFile = await cli(['export', '--prompt', 'Summary', '--format', format, '-o', `summary.${format}`, '--data-dir', dataDir]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(readFileSync(join(dir, `summary.${format}`), 'utf8')).toBe(out.stdout);
  });

  it('the chat prompt goes out in every format that carries a chat', async () => {
    for (const format of ['prompty', 'promptfoo-json', 'openai-chat', 'markdown', 'typescript', 'python', 'curl']) {
      const out = await cli(['export', '--prompt', 'Support reply', '--format', format, '--data-dir', dataDir]);
      expect(out.code, `${format}: ${out.stderr}`).toBe(0);
      expect(out.stdout, format).toContain('support agent');
      expect(out.stdout, format).not.toContain(SECRET);
    }
  });
});

describe('parallax export: what it refuses', () => {
  it('an unknown prompt, version or format exits 2 with a sentence naming it', async () => {
    const prompt = await cli(['export', '--prompt', 'Nope', '--format', 'prompty', '--data-dir', dataDir]);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toBe('parallax export: no prompt named "Nope"; the library has "Summary" and "Support reply".\n');

    const version = await cli(['export', '--prompt', 'Support reply', '--version', 'staging', '--format', 'prompty', '--data-dir', dataDir]);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('the prompt "Support reply" has no version "staging"; it has versions 1 to 2 and the label production (version 1)');

    const number = await cli(['export', '--prompt', 'Support reply', '--version', '7', '--format', 'prompty', '--data-dir', dataDir]);
    expect(number.code).toBe(2);
    expect(number.stderr).toContain('has no version "7"');

    const format = await cli(['export', '--prompt', 'Summary', '--format', 'docx', '--data-dir', dataDir]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('unknown format "docx"; the formats are prompty, promptfoo-json, promptfoo-text, openai-chat, markdown, typescript, python, curl.');

    // A format that cannot carry the prompt (one .txt message; this one has two) says so and writes nothing.
    const cannot = await cli(['export', '--prompt', 'Support reply', '--format', 'promptfoo-text', '-o', 'reply.txt', '--data-dir', dataDir]);
    expect(cannot.code).toBe(2);
    expect(cannot.stderr).toMatch(/^parallax export: .*promptfoo.*Nothing was written\.\n$/);
    expect(existsSync(join(dir, 'reply.txt'))).toBe(false);

    for (const args of [['export', '--format', 'prompty'], ['export', '--prompt', 'Summary'], ['export', '--prompt', 'Summary', '--format', 'prompty', 'extra'], ['export', '--bogus']]) {
      const bad = await cli([...args, '--data-dir', dataDir]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr, args.join(' ')).toMatch(/^parallax export: /);
    }
  });

  it('a folder with no library exits 2 and creates nothing', async () => {
    const empty = join(dir, 'no-library');
    const result = await cli(['export', '--prompt', 'Summary', '--format', 'prompty', '--data-dir', empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`there is no Parallax library in ${empty}`);
    expect(existsSync(empty)).toBe(false);
  });
});

describe('parallax import: bad files import nothing', () => {
  it('a broken prompt file exits 2 naming the file and the line', async () => {
    write('broken.prompty', '---\nname: Broken\nmodel:\n  api: chat\n  parameters: [unclosed\n---\nuser:\nHello\n');
    const result = await cli(['import', 'broken.prompty', '--name', 'Broken copy', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^broken\.prompty \(line \d+/m);
    expect(result.stderr).toContain('Nothing was imported.');
    expect(promptNames()).toEqual(['Summary', 'Support reply']);
  });

  it('a broken promptfooconfig exits 2 with file, field and line; none of its prompts is saved', async () => {
    write('suite.yaml', 'description: Suite\nprompts:\n  - "First {{a}}"\n  - "Second {{a}}"\nproviders:\n  - echo\n  - gemini:pro\n');
    const result = await cli(['import', 'suite.yaml', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('suite.yaml: providers[1] (line 7): unknown provider "gemini:pro"');
    expect(result.stderr).toContain('Nothing was imported.');
    expect(promptNames()).toEqual(['Summary', 'Support reply']);
  });

  it('a missing file, no file, or an unusable --name exits 2', async () => {
    const missing = await cli(['import', 'nope.prompty', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.prompty: cannot read it: no such file');
    expect((await cli(['import', '--data-dir', dataDir])).code).toBe(2);
    write('one.txt', 'Hello {{name}}');
    const blank = await cli(['import', 'one.txt', '--name', '   ', '--data-dir', dataDir]);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--name: Give the prompt a name.');
    expect(promptNames()).toEqual(['Summary', 'Support reply']);
  });
});

describe('parallax import: a promptfooconfig', () => {
  const config = `description: Translate
prompts:
  - "Translate to {{lang}}: {{text}}"
  - - role: system
      content: You translate, nothing else.
    - role: user
      content: "{{lang}}: {{text}}"
providers:
  - id: openai:chat:llama3.2
    label: Ollama
    config:
      apiBaseUrl: http://localhost:11434/v1
      temperature: 0.2
  - echo
tests:
  - vars: { lang: French, text: Hello }
  - vars: { lang: German, text: Goodbye }
`;

  it('adds each prompt as "<description> #<n>" with the first test as sample and the first provider as model', async () => {
    write('promptfooconfig.yaml', config);
    const result = await cli(['import', 'promptfooconfig.yaml', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Imported promptfooconfig.yaml as 2 prompts: "Translate #1", "Translate #2".');
    expect(result.stderr).toContain('Not kept in the library (a prompt keeps one model and one set of sample variables): 1 more provider and 1 more test. They stay in promptfooconfig.yaml');
    expect(promptNames()).toEqual(['Summary', 'Support reply', 'Translate #1', 'Translate #2']);
    const one = latestOf('Translate #1');
    const two = latestOf('Translate #2');
    expect(one.messages).toEqual([{ role: 'user', content: 'Translate to {{lang}}: {{text}}' }]);
    expect(two.messages).toEqual([
      { role: 'system', content: 'You translate, nothing else.' },
      { role: 'user', content: '{{lang}}: {{text}}' },
    ]);
    expect(one.variables).toEqual({ lang: 'French', text: 'Hello' });
    expect(two.variables).toEqual({ lang: 'French', text: 'Hello' });
    expect(one.model).toEqual({ name: 'llama3.2', baseUrl: 'http://localhost:11434/v1', params: { temperature: 0.2 } });
    expect(one.source).toBe('import');

    // Exported again as a prompt file, it is the same template.
    const out = await cli(['export', '--prompt', 'translate #2', '--format', 'openai-chat', '--data-dir', dataDir]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('You translate, nothing else.');
  });

  it('names the prompts after the file when there is no description, or after --name', async () => {
    write('suite.yml', 'prompts: ["Hi {{who}}"]\nproviders: [echo]\n');
    expect((await cli(['import', 'suite.yml', '--data-dir', dataDir])).code).toBe(0);
    expect((await cli(['import', 'suite.yml', '--name', 'Greeting', '--data-dir', dataDir])).code).toBe(0);
    expect(promptNames()).toEqual(['Greeting #1', 'Summary', 'Support reply', 'suite #1']);
    expect(latestOf('suite #1').model).toEqual({ name: 'echo', params: {} });
  });

  it('is all or nothing when one of its names is taken', async () => {
    withStore((store) => store.library.create({ name: 'Translate #2', description: '', tags: [] }, singleContent, 'save'));
    write('promptfooconfig.yaml', config);
    const result = await cli(['import', 'promptfooconfig.yaml', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a prompt named "Translate #2" already exists; pass --name <another name>');
    expect(promptNames()).toEqual(['Summary', 'Support reply', 'Translate #2']);
  });

  it('a .json promptfoo config is read as a config, not as a chat file', async () => {
    write('promptfooconfig.json', JSON.stringify({ description: 'From JSON', prompts: ['Hello {{x}}'], providers: ['echo'], tests: [{ vars: { x: 'y' } }] }));
    const result = await cli(['import', 'promptfooconfig.json', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(latestOf('From JSON #1').variables).toEqual({ x: 'y' });
  });
});

describe('the help', () => {
  it('lists export and import', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('parallax export --prompt <name> --format <format>');
    expect(help.stdout).toContain('parallax import <file> [--name <name>]');
    expect((await cli(['export', '--help'])).stdout).toBe(help.stdout);
    const misplaced = await cli(['--data-dir', dataDir, 'import', 'x.prompty']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('parallax: put the options after the command, e.g. parallax import');
    const unknown = await cli(['publish']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the commands are eval, export and import');
  });
});

describe('the parallax bin (child process)', () => {
  function run(args: string[]): Promise<Captured> {
    const child = spawn(process.execPath, [join(ROOT, 'bin/parallax.js'), ...args], { cwd: dir, env: { ...process.env, OPENAI_API_KEY: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((done) => child.on('close', (code) => done({ code: code ?? -1, stdout, stderr })));
  }

  it('exports to stdout and imports the file back on the pinned Node', { timeout: 240_000 }, async () => {
    const exported = await run(['export', '--prompt', 'Support reply', '--format', 'prompty', '--data-dir', dataDir]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('Support reply');
    write('piped.prompty', exported.stdout);
    const imported = await run(['import', 'piped.prompty', '--name', 'Piped', '--data-dir', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(latestOf('Piped').messages).toEqual(latestOf('Support reply').messages);
    const bad = await run(['import', write('bad.yaml', 'prompts: [hi]\nproviders: [gemini:pro]\n'), '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('providers[0] (line 2): unknown provider "gemini:pro"');
  });
});
