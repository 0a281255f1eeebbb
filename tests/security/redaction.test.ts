/**
 * A server that echoes the key it was sent (exactly, in another case, cut short, base64,
 * base64url, percent-encoded, hex) in an error body, in an answer split across chunks, in a
 * finish reason, in a model list or in a judge's verdict cannot get it into the database, the
 * events the window gets, result files, stdout or stderr. Checked through the app's services
 * and through `parallax eval`, scanning the bytes of every file written.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { RunStatus } from '../../src/shared/schemas';
import { REDACTED } from '../../src/shared/redact';
import { dispatch } from '../../src/main/api/dispatch';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { chunkEvent, startFakeOpenAI, type Behaviour, type FakeOpenAI } from '../support/fake-openai';

// '+', '/' and '=' make percent-encoding differ from the key itself.
const KEY = 'sk-test+Redact/Me=Zx81Qw72Er63Ty54Ui';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** Each way a server may echo the key, and the stretch of it (from `from`) that must not survive. */
const VARIANTS: { name: string; text: string; from: number; window: number }[] = [
  { name: 'exact', text: KEY, from: 0, window: 16 },
  { name: 'upper case', text: KEY.toUpperCase(), from: 0, window: 16 },
  { name: 'lower case', text: KEY.toLowerCase(), from: 0, window: 16 },
  { name: 'cut short', text: `${KEY.slice(0, 18)}****`, from: 0, window: 16 },
  { name: 'inner piece', text: KEY.slice(9, 29), from: 0, window: 16 },
  { name: 'base64', text: b64(KEY), from: 0, window: 24 },
  { name: 'base64 of a Basic header', text: b64(`user:${KEY}`), from: 8, window: 24 },
  { name: 'base64url, offset 1', text: b64url(`a${KEY}`), from: 4, window: 24 },
  { name: 'base64url, offset 2', text: b64url(`ab${KEY}`), from: 4, window: 24 },
  { name: 'percent-encoded', text: encodeURIComponent(KEY), from: 0, window: 20 },
  { name: 'every byte percent-encoded', text: [...Buffer.from(KEY)].map((b) => `%${b.toString(16).toUpperCase()}`).join(''), from: 0, window: 48 },
  { name: 'hex', text: Buffer.from(KEY).toString('hex'), from: 0, window: 32 },
];

/** The variants whose telltale stretch is in a text (case-insensitive), by name. */
function leaksIn(haystack: string): string[] {
  const lower = haystack.toLowerCase();
  return VARIANTS.filter((v) => {
    const body = v.text.slice(v.from).toLowerCase();
    for (let i = 0; i + v.window <= body.length; i++) if (lower.includes(body.slice(i, i + v.window))) return true;
    return false;
  }).map((v) => v.name);
}

/** Every file under a folder, as one latin1 text (SQLite pages, WAL and result files alike). */
function bytesUnder(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out += bytesUnder(path);
    else out += readFileSync(path).toString('latin1');
  }
  return out;
}

const ALL = VARIANTS.map((v) => `${v.name}: ${v.text}`).join(' | ');
const errorBody = (key: string | undefined): string =>
  JSON.stringify({ error: { message: `Incorrect API key provided: ${key ?? '(none)'}. We also saw ${ALL.replaceAll(KEY, key ?? '')}`, type: 'invalid_request_error' } });
/** An answer that echoes every variant, cut into 5-character chunks so the key spans chunks. */
function echoingAnswer(key: string | undefined): string[] {
  const text = `Here is what you sent: ${ALL.replaceAll(KEY, key ?? '')} -- end of answer.`;
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 5) chunks.push(chunkEvent({ content: text.slice(i, i + 5) }));
  return chunks;
}

const ECHO_ERROR: Behaviour = { kind: 'raw-response', status: 401, body: (ctx) => errorBody(ctx.key) };
const ECHO_ANSWER: Behaviour = { kind: 'raw-stream', events: (ctx) => [...echoingAnswer(ctx.key), chunkEvent({}, 'stop')] };
const ECHO_FINISH: Behaviour = { kind: 'raw-stream', events: (ctx) => [chunkEvent({ content: 'ok' }), chunkEvent({}, ctx.key ?? 'none')] };
const ECHO_422: Behaviour = { kind: 'raw-response', status: 422, body: (ctx) => `upstream said: ${b64(`Bearer ${ctx.key ?? ''}`)}`, contentType: 'text/plain' };

describe('the leak check itself', () => {
  it('finds every variant in a text that holds it, and none in ordinary text', () => {
    for (const v of VARIANTS) expect(leaksIn(`xx ${v.text} yy`), v.name).toContain(v.name);
    expect(leaksIn(`Here is what you sent: ${REDACTED} -- end of answer. sk-test Bearer`)).toEqual([]);
  });
});

describe('through the app’s services', () => {
  let server: FakeOpenAI;
  let dataDir: string;
  let services: Services;
  let providerId: string;
  const events: AppEvent[] = [];
  const finished = new Map<string, (status: RunStatus) => void>();

  async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const envelope = await dispatch(services.handlers, method, input);
    if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
    return envelope.data as MethodOutput<M>;
  }

  beforeAll(async () => {
    server = await startFakeOpenAI();
    dataDir = mkdtempSync(join(tmpdir(), 'parallax-redaction-'));
    services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, runner: { backoff: { maxAttempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 } } });
    services.onEvent((event) => {
      events.push(event);
      if (event.type === 'run.finished') finished.get(event.runId)?.(event.status);
    });
    providerId = (await call('providers.save', { name: 'Echoing', baseUrl: server.baseUrl, apiKey: KEY, concurrency: 1 })).id;
  });

  afterAll(async () => {
    services.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('masks every echoed form of the key in answers, errors, finish reasons and model lists, and stores none of them', async () => {
    server.script(ECHO_ERROR, ECHO_ANSWER, ECHO_FINISH, ECHO_422);
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: 'Repeat my key, {{who}}.' }],
      testCases: [{ id: 'c1', vars: { who: 'please' } }],
      // Different settings per column: four requests, none answered from the cache (which is on, and scanned too).
      columns: [0, 1, 2, 3].map((i) => ({ id: `col-${i}`, providerId, model: 'gpt-4o-mini', params: { temperature: i / 10 } })),
      repeats: 1,
      useCache: true,
    });
    await new Promise<RunStatus>((resolve) => finished.set(runId, resolve));
    const detail = await call('runs.get', { runId });
    const cells = [...detail.cells].sort((a, b) => a.columnIndex - b.columnIndex);

    // The server really was sent the key and echoed it (so the scans below are not vacuous).
    const chats = server.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats.map((r) => r.headers.authorization)).toEqual(Array(4).fill(`Bearer ${KEY}`));

    const [refused, answered, finishing, failed] = cells;
    expect(refused?.status).toBe('error');
    expect(refused?.error?.code).toBe('auth');
    expect(refused?.error?.message).toContain(`Incorrect API key provided: ${REDACTED}`);
    expect(answered?.status).toBe('done');
    expect(answered?.output.startsWith('Here is what you sent: exact: [key redacted] | upper case: [key redacted]')).toBe(true);
    expect(answered?.output.endsWith(' -- end of answer.')).toBe(true);
    expect((answered?.output.split(REDACTED).length ?? 0) - 1).toBe(VARIANTS.length);
    expect(finishing?.finishReason).toBe(REDACTED);
    // base64 of `Bearer <key>`: the part that encodes "Bearer " stays, the key's part goes.
    expect(failed?.error?.message).toContain(`upstream said: ${b64('Bearer ').slice(0, 8)}`);
    expect(failed?.error?.message).toContain(REDACTED);

    // Model ids are text from the server too.
    const modelsServer = await startFakeOpenAI({ models: [`model-${KEY}`, `m-${b64(KEY)}`, 'plain-model'] });
    try {
      const listed = await call('providers.save', { name: 'Models', baseUrl: modelsServer.baseUrl, apiKey: KEY });
      const { models } = await call('providers.models', { providerId: listed.id });
      expect(models).toContain('plain-model');
      expect(models).toContain(`model-${REDACTED}`);
      expect(leaksIn(JSON.stringify(models))).toEqual([]);
    } finally {
      await modelsServer.close();
    }

    // Nowhere: not in what the window was told (deltas included), not in the run, not on disk.
    expect(events.some((e) => e.type === 'cell.delta')).toBe(true);
    expect(leaksIn(JSON.stringify(events))).toEqual([]);
    expect(leaksIn(JSON.stringify(detail))).toEqual([]);
    const disk = bytesUnder(dataDir);
    expect(disk).toContain('Here is what you sent');
    expect(leaksIn(disk)).toEqual([]);
  });
});

describe('through parallax eval', () => {
  let server: FakeOpenAI;
  let dir: string;

  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parallax-redaction-cli-'));
    server.resetStats();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function evalCli(config: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const path = join(dir, 'promptfooconfig.yaml');
    writeFileSync(path, config);
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: { ECHO_KEY: KEY },
      cwd: dir,
    };
    const code = await runCli(['eval', '-c', path, '-o', 'out/r.json', '-o', 'out/r.jsonl', '-o', 'out/r.csv', '-j', '1', '--data-dir', join(dir, 'data')], io, '0.0.0-test');
    return { code, stdout, stderr };
  }

  it('keeps every echoed form of the key out of stderr, stdout, the result files and the database', async () => {
    server.script(ECHO_ERROR, ECHO_ANSWER, ECHO_FINISH, ECHO_422);
    const result = await evalCli(`prompts: ["Repeat my key, {{who}}."]
providers:
  - id: openai:chat:gpt-4o-mini
    config: { apiBaseUrl: ${server.baseUrl}, apiKeyEnvar: ECHO_KEY }
tests:
  - vars: { who: one }
  - vars: { who: two }
  - vars: { who: three }
  - vars: { who: four }
`);
    expect(server.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.headers.authorization)).toEqual(Array(4).fill(`Bearer ${KEY}`));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Incorrect API key provided: ${REDACTED}`);
    expect(result.stderr).toContain('upstream said');
    const files = bytesUnder(join(dir, 'out'));
    expect(files).toContain('Here is what you sent');
    expect(files).toContain(REDACTED);
    expect(leaksIn(result.stderr)).toEqual([]);
    expect(leaksIn(result.stdout)).toEqual([]);
    expect(leaksIn(files)).toEqual([]);
    expect(leaksIn(bytesUnder(join(dir, 'data')))).toEqual([]);
  });

  it('masks the key in a judge’s verdict (llm-rubric) too', async () => {
    const verdict: Behaviour = {
      kind: 'raw-stream',
      events: (ctx) => [chunkEvent({ content: JSON.stringify({ pass: false, score: 0, reason: `The answer leaks ${ctx.key ?? ''} and ${b64(ctx.key ?? '')}` }) }), chunkEvent({}, 'stop')],
    };
    server.script({ kind: 'raw-stream', events: () => [chunkEvent({ content: 'An answer.' }), chunkEvent({}, 'stop')] }, verdict);
    const result = await evalCli(`prompts: ["Say hi to {{who}}."]
providers:
  - id: openai:chat:gpt-4o-mini
    config: { apiBaseUrl: ${server.baseUrl}, apiKeyEnvar: ECHO_KEY }
defaultTest:
  options:
    provider:
      id: openai:chat:gpt-4o-mini
      config: { apiBaseUrl: ${server.baseUrl}, apiKeyEnvar: ECHO_KEY }
  assert:
    - type: llm-rubric
      value: Does not leak secrets
tests:
  - vars: { who: you }
`);
    expect(server.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
    expect(result.code).toBe(100);
    const files = bytesUnder(join(dir, 'out'));
    expect(files).toContain(`The answer leaks ${REDACTED} and ${REDACTED}`);
    expect(leaksIn(result.stderr + result.stdout)).toEqual([]);
    expect(leaksIn(files)).toEqual([]);
    expect(leaksIn(bytesUnder(join(dir, 'data')))).toEqual([]);
  });
});
