/**
 * `parallax eval` end to end: a promptfoo-style config run against the built-in echo and a
 * local OpenAI-compatible server, results written as .json/.jsonl/.csv, the run kept in the
 * database. Most tests call the CLI in-process (runCli: the same code the bin runs, no build
 * needed); one starts the real `parallax` bin as a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { Store } from '../../src/main/store/store';
import { fakeAnswer, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = `sk-test-${'k'.repeat(12)}-do-not-print-0123456789`;
const WRONG_KEY = `sk-wrong-${'w'.repeat(12)}-must-stay-hidden-9876`;

let fake: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-cli-'));
  fake.resetStats();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { FAKE_KEY: KEY, ...env },
    cwd: dir,
    ...(signal ? { signal } : {}),
  };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A small RFC 4180 reader, so the test checks the CSV independently of the library that wrote it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function matrixConfig(baseUrl: string): string {
  return `description: CLI matrix
prompts:
  - "Tell me about {{topic}} in {{n}} words."
  - raw: '[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "{{topic}}: go"}]'
    label: chat
providers:
  - echo
  - id: openai:chat:fake-small
    label: fake
    config:
      apiBaseUrl: ${baseUrl}
      apiKeyEnvar: FAKE_KEY
      temperature: 0.3
tests:
  - description: first
    vars: { topic: owls, n: 5 }
  - vars: { topic: "rivers, \\"quoted\\"", n: 10 }
  - vars: { topic: tea, n: 3, extra: true }
`;
}

interface JsonResult {
  promptIdx: number;
  testIdx: number;
  /** Present from the second repeat on. */
  repeatIndex?: number;
  description?: string;
  prompt: { raw: string; label: string };
  vars: Record<string, string>;
  provider: { id: string; label?: string };
  response: { output: string; tokenUsage: { prompt: number; completion: number; total: number } };
  latencyMs: number;
  success: boolean;
  error: string | null;
}

interface JsonOutput {
  evalId: string;
  results: {
    version: number;
    timestamp: string;
    prompts: { label: string; provider: string; metrics: { testPassCount: number; testErrorCount: number } }[];
    results: JsonResult[];
    stats: { successes: number; failures: number; errors: number; tokenUsage: { total: number } };
  };
  config: { providers: { id: string; config?: Record<string, unknown> }[] };
}

/** What each prompt renders to for a test's vars (and what the fake server answers to). */
function expectedFor(promptIdx: number, vars: Record<string, string>): { raw: string; lastUser: string; echo: string } {
  const topic = vars['topic'] ?? '';
  if (promptIdx === 0) {
    const text = `Tell me about ${topic} in ${vars['n'] ?? ''} words.`;
    return { raw: text, lastUser: text, echo: text };
  }
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: `${topic}: go` },
  ];
  return { raw: JSON.stringify(messages), lastUser: `${topic}: go`, echo: `[system]\nYou are terse.\n\n[user]\n${topic}: go` };
}

describe('parallax eval (in-process)', () => {
  it('runs prompts × providers × tests and writes .json, .jsonl and .csv', async () => {
    const config = write('promptfooconfig.yaml', matrixConfig(fake.baseUrl));
    const dataDir = join(dir, 'data');
    const result = await cli(['eval', '-c', config, '-o', 'out/results.json', '-o', 'out/results.jsonl', '--output', 'out/results.csv', '--data-dir', dataDir]);

    expect(result.stderr).toContain('Running 12 cells: 2 prompts × 2 providers × 3 tests, at most 4 at once.');
    expect(result.stderr).toContain('[12/12]');
    expect(result.stderr).toMatch(/Finished 12 cells in [\d.]+ s \(wall time\): 12 ok, 0 failed\./);
    expect(result.code).toBe(0);

    // .json: promptfoo's shape.
    const json = JSON.parse(readFileSync(join(dir, 'out/results.json'), 'utf8')) as JsonOutput;
    expect(json.results.version).toBe(3);
    expect(Number.isNaN(Date.parse(json.results.timestamp))).toBe(false);
    expect(json.results.results).toHaveLength(12);
    expect(json.results.stats).toMatchObject({ successes: 12, failures: 0, errors: 0 });
    expect(json.results.stats.tokenUsage.total).toBeGreaterThan(0);
    // Columns are providers (outer) × prompts (inner), as promptfoo numbers them.
    expect(json.results.prompts.map((p) => [p.provider, p.label])).toEqual([
      ['echo', 'Tell me about {{topic}} in {{n}} words.'],
      ['echo', 'chat'],
      ['fake', 'Tell me about {{topic}} in {{n}} words.'],
      ['fake', 'chat'],
    ]);
    expect(json.results.prompts.map((p) => p.metrics.testPassCount)).toEqual([3, 3, 3, 3]);
    const seen = new Set<string>();
    for (const r of json.results.results) {
      const promptIdx = r.promptIdx % 2;
      const expected = expectedFor(promptIdx, r.vars);
      expect(r.prompt.raw).toBe(expected.raw);
      expect(r.success).toBe(true);
      expect(r.error).toBeNull();
      expect(typeof r.latencyMs).toBe('number');
      if (r.promptIdx < 2) {
        expect(r.provider).toEqual({ id: 'echo' });
        expect(r.response.output).toBe(expected.echo);
      } else {
        expect(r.provider).toEqual({ id: 'openai:chat:fake-small', label: 'fake' });
        expect(r.response.output).toBe(fakeAnswer(expected.lastUser));
        expect(r.response.tokenUsage.completion).toBeGreaterThan(0);
      }
      seen.add(`${r.promptIdx}/${r.testIdx}`);
    }
    expect(seen.size).toBe(12);
    // One repeat: no result carries a repeat number.
    expect(json.results.results.every((r) => r.repeatIndex === undefined)).toBe(true);
    const first = json.results.results.find((r) => r.testIdx === 0);
    expect(first?.vars).toEqual({ topic: 'owls', n: '5' });
    expect(json.config.providers[1]).toEqual({
      id: 'openai:chat:fake-small',
      label: 'fake',
      config: { apiBaseUrl: fake.baseUrl, apiKeyEnvar: 'FAKE_KEY', temperature: 0.3 },
    });

    // The fake server saw the parameters and the key from the environment variable.
    const requests = fake.requestsFor('fake-small');
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(request.body).toMatchObject({ temperature: 0.3, stream: true });
    }

    // .jsonl: one flat row per cell, in the same order as the .json results.
    const rows = readFileSync(join(dir, 'out/results.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      for (const value of Object.values(row)) expect(value === null || typeof value !== 'object').toBe(true);
    }
    expect(rows[0]).toMatchObject({ testIndex: 0, repeatIndex: 0, promptIndex: 0, providerIndex: 0, providerId: 'echo', 'vars.topic': 'owls', 'vars.n': '5', 'vars.extra': null, success: true, status: 'done' });
    const fakeRow = rows.find((r) => r['providerLabel'] === 'fake' && r['promptIndex'] === 1 && r['testIndex'] === 2);
    expect(fakeRow).toMatchObject({ model: 'fake-small', output: fakeAnswer('tea: go'), 'vars.extra': 'true', error: null });
    expect(rows.map((r) => r['cellId'])).toEqual(json.results.results.map((r) => (r as unknown as { id: string }).id));

    // .csv: a header and the same rows, with commas, quotes and newlines kept intact.
    const csv = parseCsv(readFileSync(join(dir, 'out/results.csv'), 'utf8'));
    const header = csv[0] ?? [];
    expect(header).toEqual(Object.keys(rows[0] ?? {}));
    expect(csv).toHaveLength(13);
    const at = (record: string[], key: string): string | undefined => record[header.indexOf(key)];
    csv.slice(1).forEach((record, index) => {
      expect(record).toHaveLength(header.length);
      expect(at(record, 'cellId')).toBe(rows[index]?.['cellId']);
      expect(at(record, 'output')).toBe(rows[index]?.['output']);
      expect(at(record, 'success')).toBe('true');
    });
    expect(csv.slice(1).some((record) => at(record, 'vars.topic') === 'rivers, "quoted"')).toBe(true);

    // The run is in the database the app reads, as a CLI run.
    const store = new Store(dataDir);
    try {
      const { runs, total } = store.listRuns(10, 0);
      expect(total).toBe(1);
      expect(runs[0]).toMatchObject({ id: json.evalId, source: 'cli', status: 'done', title: 'CLI matrix', cellCount: 12, errorCount: 0, caseCount: 3, repeats: 1 });
      expect(runs[0]?.models.sort()).toEqual(['echo', 'fake-small']);
      const cells = store.cellsOf(json.evalId);
      expect(cells.map((c) => c.id)).toEqual(rows.map((r) => r['cellId']));
      expect(cells[0]?.variables).toEqual({ topic: 'owls', n: '5' });
    } finally {
      store.close();
    }

    // The key is never written anywhere.
    for (const name of ['out/results.json', 'out/results.jsonl', 'out/results.csv']) {
      expect(readFileSync(join(dir, name), 'utf8')).not.toContain(KEY);
    }
    expect(result.stderr + result.stdout).not.toContain(KEY);
  });

  it('exits 1 when a cell fails, records the error, and never prints the key a server echoes back', async () => {
    const open = await startFakeOpenAI();
    try {
      const config = write(
        'fail.yaml',
        `prompts: ["Hi {{who}}"]
providers:
  - echo
  - id: openai:chat:auth:the-right-key
    config: { apiBaseUrl: ${open.baseUrl}, apiKeyEnvar: WRONG_KEY }
tests:
  - vars: { who: you }
`,
      );
      const result = await cli(['eval', '-c', config, '-o', 'r.json', '-o', 'r.jsonl', '-o', 'r.csv', '--data-dir', join(dir, 'data')], { WRONG_KEY });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error: openai:chat:auth:the-right-key · prompt 1 · test 1: .*401/);
      expect(result.stderr).toMatch(/1 ok, 1 failed/);
      // The fake server did receive the key (and put it in its error message)…
      expect(open.requests.some((r) => r.headers.authorization === `Bearer ${WRONG_KEY}`)).toBe(true);
      // …but it is nowhere in what Parallax wrote.
      const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as JsonOutput;
      const failed = json.results.results.find((r) => !r.success);
      expect(failed?.error).toMatch(/401/);
      expect(json.results.stats).toMatchObject({ successes: 1, errors: 1 });
      for (const name of ['r.json', 'r.jsonl', 'r.csv']) expect(readFileSync(join(dir, name), 'utf8')).not.toContain(WRONG_KEY);
      expect(result.stderr).not.toContain(WRONG_KEY);
      const store = new Store(join(dir, 'data'));
      try {
        expect(store.listRuns(1, 0).runs[0]).toMatchObject({ cellCount: 2, errorCount: 1 });
      } finally {
        store.close();
      }
    } finally {
      await open.close();
    }
  });

  it('exits 2 on a config error, naming the file, the field and the line, and runs nothing', async () => {
    const config = write(
      'bad.yaml',
      `prompts:
  - "Hello {{name}}"
providers:
  - echo
  - bedrock:claude
tests:
  - vars: [name]
`,
    );
    const dataDir = join(dir, 'data');
    const result = await cli(['eval', '-c', 'bad.yaml', '-o', 'out.json', '--data-dir', dataDir]);
    expect(config).toContain('bad.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.yaml: providers[1] (line 5): unknown provider "bedrock:claude"; Parallax supports echo, openai:chat:<model>, openai:<model>, openai:responses:<model>, anthropic:messages:<model>');
    expect(result.stderr).toContain('bad.yaml: tests[0].vars (line 7): vars must be a map');
    expect(result.stderr).toContain('Nothing was run.');
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 2 for a missing config file, an unknown output format and bad arguments', async () => {
    const missing = await cli(['eval', '-c', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: cannot read the config: no such file');

    write('promptfooconfig.yaml', 'prompts: [hi]\nproviders: [echo]\n');
    const format = await cli(['eval', '-o', 'results.txt', '--data-dir', join(dir, 'data')]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain(`results.txt: unknown output format; Parallax writes .json (promptfoo's format), .jsonl and .csv`);

    for (const args of [['eval', '-j', '0'], ['eval', '-j', 'many'], ['eval', '--repeat', '0'], ['eval', '--repeat', '51'], ['eval', '--repeat', '2.5'], ['eval', '--frobnicate'], ['run'], []]) {
      const bad = await cli(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr, args.join(' ')).toMatch(/^parallax: /);
    }

    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: parallax eval');
    const version = await cli(['--version']);
    expect(version.stdout).toBe('9.9.9-test\n');
  });

  it('finds ./promptfooconfig.yaml and takes the data folder from PARALLAX_DATA_DIR', async () => {
    write('promptfooconfig.yaml', 'prompts: ["{{a}}"]\nproviders: [echo]\ntests:\n  - vars: { a: x }\n');
    const dataDir = join(dir, 'from-env');
    const result = await cli(['eval'], { PARALLAX_DATA_DIR: dataDir });
    expect(result.code).toBe(0);
    const store = new Store(dataDir);
    try {
      expect(store.listRuns(1, 0).total).toBe(1);
    } finally {
      store.close();
    }
  });

  it('-j bounds the requests in flight', async () => {
    const tests = Array.from({ length: 12 }, (_, i) => `  - vars: { i: ${i} }`).join('\n');
    const config = write(
      'slow.yaml',
      `prompts: ["item {{i}}"]
providers:
  - id: openai:chat:drip:15
    config: { apiBaseUrl: ${fake.baseUrl}, apiKeyEnvar: FAKE_KEY }
tests:
${tests}
`,
    );
    const three = await cli(['eval', '-c', config, '-j', '3', '--data-dir', join(dir, 'data')]);
    expect(three.code).toBe(0);
    expect(three.stderr).toContain('at most 3 at once');
    expect(fake.requestsFor('drip:15')).toHaveLength(12);
    expect(fake.maxInFlight).toBe(3);

    fake.resetStats();
    // The same requests again: without --no-cache they would all come from the cache.
    const one = await cli(['eval', '-c', config, '--max-concurrency', '1', '--no-cache', '--data-dir', join(dir, 'data')]);
    expect(one.code).toBe(0);
    expect(one.stderr).toContain('at most 1 at once, cache off.');
    expect(fake.requestsFor('drip:15')).toHaveLength(12);
    expect(fake.maxInFlight).toBe(1);
  });

  it('stops on the abort signal (Ctrl+C), keeps finished cells and writes what it has', async () => {
    const tests = Array.from({ length: 8 }, (_, i) => `  - vars: { i: ${i} }`).join('\n');
    const config = write(
      'stop.yaml',
      `prompts: ["item {{i}}"]
providers:
  - id: openai:chat:drip:40
    config: { apiBaseUrl: ${fake.baseUrl}, apiKeyEnvar: FAKE_KEY }
tests:
${tests}
`,
    );
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 400);
    const result = await cli(['eval', '-c', config, '-j', '1', '-o', 'partial.jsonl', '--data-dir', join(dir, 'data')], {}, controller.signal);
    clearTimeout(timer);
    expect(result.code).toBe(1);
    const rows = readFileSync(join(dir, 'partial.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string });
    expect(rows).toHaveLength(8);
    const statuses = rows.map((r) => r.status);
    expect(statuses).toContain('done');
    expect(statuses).toContain('cancelled');
    const store = new Store(join(dir, 'data'));
    try {
      expect(store.listRuns(1, 0).runs[0]?.status).toBe('cancelled');
    } finally {
      store.close();
    }
  });
});

/**
 * Two prompts × two echo providers (different parameters, so different requests); `tests` is
 * what follows `tests:` (a file, or a list on the next lines).
 */
function echoConfig(tests: string, extra = ''): string {
  return `prompts:
  - "Say {{word}}"
  - "Shout {{word}}!"
providers:
  - echo
  - id: echo
    label: warm echo
    config: { temperature: 0.5 }
tests:${tests}
${extra}`;
}
const TWO_TESTS = '\n  - vars: { word: hi }\n  - vars: { word: bye }';

function readJsonl(name: string): Record<string, unknown>[] {
  return readFileSync(join(dir, name), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Each test × prompt × provider, with the repeat numbers its rows carry, sorted. */
function repeatsByCell(rows: readonly Record<string, unknown>[]): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  for (const row of rows) {
    const key = `${String(row['testIndex'])}/${String(row['promptIndex'])}/${String(row['providerIndex'])}`;
    groups.set(key, [...(groups.get(key) ?? []), row['repeatIndex']]);
  }
  for (const list of groups.values()) list.sort();
  return groups;
}

/** The cells of the newest run in a data folder. */
function latestCells(dataDir: string): { runId: string; cells: ReturnType<Store['cellsOf']> } {
  const store = new Store(dataDir);
  try {
    const run = store.listRuns(1, 0).runs[0];
    if (!run) throw new Error('no run recorded');
    return { runId: run.id, cells: store.cellsOf(run.id) };
  } finally {
    store.close();
  }
}

describe('parallax eval: repeats, the cache and files (echo, offline)', () => {
  it('--repeat 3 gives tests × providers × prompts × 3 rows, repeat numbers 0 to 2', async () => {
    const config = write('promptfooconfig.yaml', echoConfig(TWO_TESTS));
    const dataDir = join(dir, 'data');
    const result = await cli(['eval', '--repeat', '3', '-o', 'r.json', '-o', 'r.jsonl', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(config).toContain('promptfooconfig.yaml');
    expect(result.stderr).toContain('Running 24 cells: 2 prompts × 2 providers × 2 tests × 3 repeats, at most 4 at once.');
    expect(result.stderr).toMatch(/Finished 24 cells in [\d.]+ s \(wall time\): 24 ok, 0 failed\./);

    const rows = readJsonl('r.jsonl');
    expect(rows).toHaveLength(24);
    const groups = repeatsByCell(rows);
    expect(groups.size).toBe(8);
    for (const repeats of groups.values()) expect(repeats).toEqual([0, 1, 2]);
    expect(new Set(rows.map((r) => r['cellId'])).size).toBe(24);

    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as JsonOutput;
    expect(json.results.results).toHaveLength(24);
    expect(json.results.results.map((r) => r.repeatIndex ?? 0).sort()).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    expect(json.results.stats).toMatchObject({ successes: 24, errors: 0 });

    const store = new Store(dataDir);
    try {
      expect(store.listRuns(1, 0).runs[0]).toMatchObject({ cellCount: 24, caseCount: 2, repeats: 3 });
    } finally {
      store.close();
    }
  });

  it('answers an unchanged request from the cache the second time, and asks again with --no-cache', async () => {
    write('promptfooconfig.yaml', echoConfig(TWO_TESTS));
    const dataDir = join(dir, 'data');

    const first = await cli(['eval', '-o', 'first.json', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain('from the cache');
    const firstRun = latestCells(dataDir);
    expect(firstRun.cells.every((c) => c.cached === undefined && c.attempts === 1)).toBe(true);

    const second = await cli(['eval', '-o', 'second.json', '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/8 ok, 0 failed \(8 from the cache; --no-cache to ask again\)\./);
    const secondJson = JSON.parse(readFileSync(join(dir, 'second.json'), 'utf8')) as JsonOutput;
    const firstJson = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8')) as JsonOutput;
    expect(secondJson.results.results).toHaveLength(8);
    expect(secondJson.results.results.every((r) => r.latencyMs === 0 && r.success)).toBe(true);
    // The same answers, served again.
    const answers = (json: JsonOutput): string[] => json.results.results.map((r) => `${r.promptIdx}/${r.testIdx}: ${r.response.output}`).sort();
    expect(answers(secondJson)).toEqual(answers(firstJson));
    const secondRun = latestCells(dataDir);
    expect(secondRun.runId).not.toBe(firstRun.runId);
    expect(secondRun.cells.every((c) => c.cached === true && c.attempts === 0 && c.totalMs === 0)).toBe(true);

    const third = await cli(['eval', '--no-cache', '-o', 'third.json', '--data-dir', dataDir]);
    expect(third.code).toBe(0);
    expect(third.stderr).toContain('at most 4 at once, cache off.');
    expect(third.stderr).not.toContain('from the cache');
    const thirdJson = JSON.parse(readFileSync(join(dir, 'third.json'), 'utf8')) as JsonOutput;
    expect(answers(thirdJson)).toEqual(answers(firstJson));
    // Asked anew: each cell made its one request. (Echo answers in well under a millisecond,
    // so its rounded latency says nothing; the stored cell does.)
    expect(latestCells(dataDir).cells.every((c) => c.cached === undefined && c.attempts === 1)).toBe(true);

    // Repeats exist to ask again: only a cell's first repeat may come from the cache.
    const repeated = await cli(['eval', '--repeat', '2', '--data-dir', dataDir]);
    expect(repeated.code).toBe(0);
    expect(repeated.stderr).toContain('(8 from the cache; --no-cache to ask again)');
    const cells = latestCells(dataDir).cells;
    expect(cells).toHaveLength(16);
    expect(cells.filter((c) => c.cached).map((c) => c.repeat)).toEqual(Array(8).fill(0));
    expect(cells.filter((c) => c.repeat === 1).every((c) => c.cached === undefined && c.attempts === 1)).toBe(true);
  });

  it('reads tests from a CSV file with a header, runs the good rows and warns about a broken one with its line', async () => {
    write('tests.csv', 'word,__description\nhi,greeting\n"so, long",farewell\nbroken,row,extra\nthanks,\n');
    write('promptfooconfig.yaml', echoConfig(' file://tests.csv'));
    const result = await cli(['eval', '-o', 'r.json', '-o', 'r.jsonl', '--data-dir', join(dir, 'data')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: promptfooconfig\.yaml: tests \(line \d+\): tests\.csv: line 4: 3 fields, but the header has 2 \(row skipped\)$/m);
    expect(result.stderr).toContain('Running 12 cells: 2 prompts × 2 providers × 3 tests, at most 4 at once.');
    const rows = readJsonl('r.jsonl');
    expect(rows).toHaveLength(12);
    expect([...new Set(rows.map((r) => r['vars.word']))]).toEqual(['hi', 'so, long', 'thanks']);
    expect(rows.find((r) => r['vars.word'] === 'so, long' && r['promptIndex'] === 1 && r['providerIndex'] === 0)?.['output']).toBe('Shout so, long!');
    // __description is the test's description, not a variable.
    expect(rows.find((r) => r['vars.word'] === 'hi')?.['testDescription']).toBe('greeting');
    expect(Object.keys(rows[0] ?? {}).some((key) => key.includes('__description'))).toBe(false);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as JsonOutput;
    // A row with no description is named by its place, as promptfoo names a CSV row.
    expect([...new Set(json.results.results.map((r) => r.description))]).toEqual(['greeting', 'farewell', 'Row #3']);
  });

  it('reads a prompt from a file in the config\'s folder', async () => {
    mkdirSync(join(dir, 'suite/prompts'), { recursive: true });
    write('suite/prompts/prompt.txt', 'Summarise {{word}} politely.\n');
    const config = write(
      'suite/promptfooconfig.yaml',
      'prompts: [file://prompts/prompt.txt]\nproviders: [echo]\ntests:\n  - vars: { word: tides }\n',
    );
    const result = await cli(['eval', '-c', config, '-o', 'r.json', '--data-dir', join(dir, 'data')]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as JsonOutput;
    expect(json.results.results).toHaveLength(1);
    expect(json.results.results[0]?.response.output).toBe('Summarise tides politely.');
    // promptfoo's label: the file's path joined to the config's folder as the command line named it (here absolute), then the prompt.
    expect(json.results.results[0]?.prompt.label).toBe(`${join(dir, 'suite/prompts/prompt.txt')}: Summarise {{word}} politely.`);

    const missing = await cli(['eval', '-c', write('gone.yaml', 'prompts: [file://nope.txt]\nproviders: [echo]\n'), '--data-dir', join(dir, 'data')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('prompts[0] (line 1): cannot read "file://nope.txt": no such file');
  });

  it('takes the repeat count from evaluateOptions, and --repeat over it', async () => {
    write('promptfooconfig.yaml', echoConfig(TWO_TESTS, 'evaluateOptions:\n  repeat: 2\n'));
    const twice = await cli(['eval', '-o', 'r.jsonl', '--data-dir', join(dir, 'data')]);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stderr).toContain('Running 16 cells: 2 prompts × 2 providers × 2 tests × 2 repeats');
    // Cell by cell (16 is few enough), each line says which repeat it was.
    expect(twice.stderr).toMatch(/\] warm echo · prompt 2 · test 2 · repeat 2: ok/);
    expect(twice.stderr).toMatch(/\] echo · prompt 1 · test 1 · repeat 1: ok/);
    const rows = readJsonl('r.jsonl');
    expect(rows).toHaveLength(16);
    for (const repeats of repeatsByCell(rows).values()) expect(repeats).toEqual([0, 1]);

    const once = await cli(['eval', '--repeat', '1', '-o', 'once.jsonl', '--data-dir', join(dir, 'data')]);
    expect(once.code).toBe(0);
    expect(once.stderr).toContain('Running 8 cells: 2 prompts × 2 providers × 2 tests, at most');
    expect(readJsonl('once.jsonl').every((r) => r['repeatIndex'] === 0)).toBe(true);
  });
});

describe('the parallax bin (child process)', () => {
  it('runs an eval end to end on the pinned Node and exits with the run status', { timeout: 240_000 }, async () => {
    const config = write('promptfooconfig.yaml', matrixConfig(fake.baseUrl));
    const child = spawn(process.execPath, [join(ROOT, 'bin/parallax.js'), 'eval', '-c', config, '-o', join(dir, 'bin.json'), '-j', '2', '--data-dir', join(dir, 'data')], {
      cwd: dir,
      env: { ...process.env, FAKE_KEY: KEY, OPENAI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Finished 12 cells in [\d.]+ s \(wall time\): 12 ok, 0 failed\./);
    expect(stdout + stderr).not.toContain(KEY);
    const json = JSON.parse(readFileSync(join(dir, 'bin.json'), 'utf8')) as JsonOutput;
    expect(json.results.results).toHaveLength(12);
    expect(json.results.results.every((r) => r.success)).toBe(true);
    expect(fake.maxInFlight).toBeLessThanOrEqual(2);

    const bad = spawn(process.execPath, [join(ROOT, 'bin/parallax.js'), 'eval', '-c', write('bad.yaml', 'prompts: [hi]\nproviders: [gemini:pro]\n')], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let badErr = '';
    bad.stderr.on('data', (chunk: Buffer) => (badErr += chunk.toString()));
    const badCode = await new Promise<number | null>((done) => bad.on('close', done));
    expect(badCode).toBe(2);
    expect(badErr).toContain('bad.yaml: providers[0] (line 2): unknown provider "gemini:pro"');
  });
});
