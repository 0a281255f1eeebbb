/**
 * Input that is not what it should be gets a clear answer, never an empty or garbled run:
 * `parallax eval` with test files that give no test case (empty, header only, every line bad)
 * or a template that does not parse exits 2 naming the file and the line, and records no run;
 * a Latin-1 CSV is read as Latin-1 (windows-1252) with a warning naming the line; a binary file
 * is refused as a prompt (`parallax import`, files.importPrompt); `runs.resume` of a run that
 * does not exist says so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices } from '../../src/main/services';
import { Store } from '../../src/main/store/store';
import { binaryTextReason, decodeTextFile } from '../../src/shared/text-file';
import { runCliCaptured, type CliRun } from './cli-support';

let dir: string;
let dataDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-input-edges-'));
  dataDir = join(dir, 'data');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<CliRun> {
  return runCliCaptured(args, { cwd: dir });
}

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function runCount(): number {
  const store = new Store(dataDir);
  try {
    return store.listRuns(10, 0).total;
  } finally {
    store.close();
  }
}

function config(tests: string, prompt = 'Tell me about {{topic}} in {{city}}.'): string {
  return write('promptfooconfig.yaml', `prompts:\n  - ${JSON.stringify(prompt)}\nproviders:\n  - echo\ntests: ${tests}\n`);
}

describe('parallax eval: test files with no test case exit 2 and record nothing', () => {
  const cases: { name: string; file: string; content: string; says: RegExp }[] = [
    { name: 'an empty CSV', file: 'tests.csv', content: '', says: /tests\.csv.*the file is empty/ },
    { name: 'a CSV of blank lines', file: 'tests.csv', content: '\n\n  \n', says: /tests\.csv.*the file is empty/ },
    { name: 'a header-only CSV', file: 'tests.csv', content: 'topic,city\n', says: /tests\.csv.*header \(line 1: topic, city\) but no rows/ },
    {
      name: 'a JSONL file whose every line is bad',
      file: 'tests.jsonl',
      content: '{"topic": "tides"\nnot json at all\n[1, 2]\n',
      says: /tests\.jsonl.*not one test case could be read from it \(line 1: .*; line 2: .*; line 3: /,
    },
    { name: 'an empty JSON list', file: 'tests.json', content: '[]', says: /tests\.json.*no test cases/ },
  ];
  for (const { name, file, content, says } of cases) {
    it(name, async () => {
      write(file, content);
      const result = await cli(['eval', '-c', config(`file://${file}`), '-o', 'out.json', '--data-dir', dataDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(says);
      expect(result.stderr).toContain('Nothing was run.');
      expect(result.stderr).not.toMatch(/Running \d+ cell/);
      expect(runCount()).toBe(0);
    });
  }

  it('a file with some bad lines still runs its good rows, naming the bad ones', async () => {
    write('tests.jsonl', '{"topic": "tides", "city": "Oslo"}\nnot json\n');
    const result = await cli(['eval', '-c', config('file://tests.jsonl'), '-o', 'out.json', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/tests\.jsonl: line 2: .*\(row skipped\)/);
    expect(result.stderr).toMatch(/Running 1 cell/);
    expect(runCount()).toBe(1);
  });
});

describe('parallax eval: a Latin-1 CSV', () => {
  it('is read as windows-1252, with a warning naming the first line that is not UTF-8', async () => {
    // "topic,city\ncrème brûlée,Zürich\nthe € sign,Québec\n" in windows-1252: é=E9, è=E8, û=FB, ü=FC, €=80.
    const latin1 = Buffer.from('topic,city\ncr\xe8me br\xfbl\xe9e,Z\xfcrich\nthe \x80 sign,Qu\xe9bec\n', 'latin1');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(latin1)).toThrow();
    write('tests.csv', latin1);
    const result = await cli(['eval', '-c', config('file://tests.csv'), '-o', 'out.json', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/tests\.csv: it is not UTF-8 \(line 2 has a byte UTF-8 does not allow\), so it was read as Latin-1 \(windows-1252\)/);
    const out = readFileSync(join(dir, 'out.json'), 'utf8');
    expect(out).toContain('Tell me about crème brûlée in Zürich.');
    expect(out).toContain('Tell me about the € sign in Québec.');
    expect(out).not.toContain('\ufffd');
  });

  it('a UTF-8 CSV (with or without a BOM) and a UTF-16 one with its mark are read without a warning', async () => {
    const text = 'topic,city\ncrème,Zürich\n';
    for (const bytes of [Buffer.from(text, 'utf8'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])]) {
      write('tests.csv', bytes);
      const result = await cli(['eval', '-c', config('file://tests.csv'), '-o', 'out.json', '--data-dir', dataDir]);
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/not UTF-8/);
      expect(readFileSync(join(dir, 'out.json'), 'utf8')).toContain('Tell me about crème in Zürich.');
    }
  });

  it('a binary file given as tests is a config error', async () => {
    write('tests.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    const result = await cli(['eval', '-c', config('file://tests.csv'), '-o', 'out.json', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tests\.csv.*not a text file/);
    expect(runCount()).toBe(0);
  });
});

describe('parallax eval: the config file itself', () => {
  it('a binary config exits 2 and a Latin-1 one is read with a warning', async () => {
    write('binary.yaml', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]));
    const binary = await cli(['eval', '-c', 'binary.yaml', '-o', 'out.json', '--data-dir', dataDir]);
    expect(binary.code).toBe(2);
    expect(binary.stderr).toMatch(/binary\.yaml: cannot read the config: it is not a text file/);
    write('latin1.yaml', Buffer.from('prompts:\n  - "Caf\xe9 au lait for {{name}}"\nproviders:\n  - echo\ntests:\n  - vars: { name: Zo\xeb }\n', 'latin1'));
    const latin1 = await cli(['eval', '-c', 'latin1.yaml', '-o', 'out.json', '--data-dir', dataDir]);
    expect(latin1.code).toBe(0);
    expect(latin1.stderr).toMatch(/latin1\.yaml: it is not UTF-8 \(line 2/);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toContain('Café au lait for Zoë');
  });
});

describe('parallax eval: a template that does not parse', () => {
  it('exits 2 (a config error) with the prompt, message, line and column, and records no run', async () => {
    write('tests.csv', 'topic,city\ntides,Oslo\n');
    const result = await cli(['eval', '-c', config('file://tests.csv', 'Line one\nTell me about {% if topic %}{{topic}}.'), '-o', 'out.json', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/promptfooconfig\.yaml: prompts\[0\]: template error in message 1 \(user\), line 2, column \d+: /);
    expect(result.stderr).toContain('Nothing was run.');
    expect(runCount()).toBe(0);
  });

  it('an unknown filter is refused the same way', async () => {
    write('tests.csv', 'topic,city\ntides,Oslo\n');
    const result = await cli(['eval', '-c', config('file://tests.csv', '{{ topic | shout }}'), '-o', 'out.json', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/prompts\[0\]: template error in message 1 \(user\), line 1, column \d+: .*shout/);
    expect(runCount()).toBe(0);
  });
});

describe('a binary file is not a prompt', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x01, 0x00]);

  it('parallax import refuses it and imports nothing', async () => {
    for (const name of ['picture.txt', 'picture.md', 'picture.prompty', 'picture.json']) {
      write(name, png);
      const result = await cli(['import', name, '--data-dir', dataDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${name.replace('.', '\\.')}: cannot be imported: it is not a text file`));
    }
    const store = new Store(dataDir);
    try {
      expect(store.library.list()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('parallax import reads a Latin-1 text prompt, with a warning', async () => {
    write('greeting.txt', Buffer.from('Gr\xfc\xdf Gott, {{name}}!', 'latin1'));
    const result = await cli(['import', 'greeting.txt', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/greeting\.txt: it is not UTF-8 \(line 1/);
    const store = new Store(dataDir);
    try {
      const prompt = store.library.byName('greeting');
      expect(prompt).toBeDefined();
      expect(store.library.latest(prompt?.id ?? '')?.messages[0]?.content).toBe('Grüß Gott, {{name}}!');
    } finally {
      store.close();
    }
  });

  it('files.importPrompt refuses text with NUL characters, or a binary file a browser read as UTF-8', async () => {
    const services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
    try {
      for (const text of [png.toString('latin1'), new TextDecoder().decode(png), 'Hello {{name}}\u0000\u0000']) {
        const result = await dispatch(services.handlers, 'files.importPrompt', { fileName: 'prompt.txt', text });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.message).toMatch(/prompt\.txt" cannot be a prompt: it is not a text file/);
      }
      expect(services.store.library.list()).toEqual([]);
      const fine = await dispatch(services.handlers, 'files.importPrompt', { fileName: 'prompt.txt', text: 'Grüß Gott, {{name}}! – “quoted” ✓' });
      expect(fine.ok).toBe(true);
    } finally {
      services.close();
    }
  });
});

describe('runs.resume of a run that does not exist', () => {
  it('says there is no such run (not that it was not interrupted)', async () => {
    const services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
    try {
      const result = await dispatch(services.handlers, 'runs.resume', { runId: 'no-such-run' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('not_found');
        expect(result.error.message).toMatch(/No run with id "no-such-run"/);
        expect(result.error.message).not.toMatch(/interrupted/);
      }
    } finally {
      services.close();
    }
  });
});

describe('decodeTextFile and binaryTextReason', () => {
  it('refuse UTF-16 that is broken, and text that is mostly control characters', () => {
    const broken = decodeTextFile(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x41]));
    expect(broken.ok).toBe(false);
    expect(binaryTextReason('\u0001\u0002\u0003\u0004 abc')).toBeDefined();
    expect(binaryTextReason(`${'a'.repeat(1000)}\u0001\u0002\u0003`)).toBeUndefined();
    expect(binaryTextReason('tabs\tand\r\nnewlines\fform feeds')).toBeUndefined();
  });
});
