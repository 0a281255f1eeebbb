/**
 * Timeouts a person controls: `parallax eval --timeout-*` flags, a provider's config.timeout /
 * config.timeouts, and Settings' per-provider fields. A server that accepts and never answers,
 * one that stalls mid-answer, one too slow overall, and one whose TLS handshake never ends each
 * fail their cell within about the limit, with a sentence that names the timeout that fired;
 * retries stop at the cell's total deadline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { fakeAnswer, fakeChunks, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

let fake: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chunkSize: 4 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-timeouts-'));
  fake.resetStats();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface JsonOutput {
  results: { results: { success: boolean; error?: string | null; response?: { output?: string } }[] };
}

async function evalCli(config: string, flags: string[] = []): Promise<{ code: number; stderr: string; elapsedMs: number; json: JsonOutput }> {
  let stderr = '';
  const io: CliIo = {
    stdout: () => undefined,
    stderr: (text) => {
      stderr += text;
    },
    env: {},
    cwd: dir,
  };
  const path = join(dir, 'promptfooconfig.yaml');
  writeFileSync(path, config);
  const started = performance.now();
  const code = await runCli(['eval', '-c', path, '-o', join(dir, 'out.json'), '--no-cache', '--data-dir', join(dir, 'data'), ...flags], io, '9.9.9-test');
  const elapsedMs = performance.now() - started;
  const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as JsonOutput;
  return { code, stderr, elapsedMs, json };
}

function oneCell(model: string, baseUrl: string, extraConfig = ''): string {
  return `prompts: ["Tell me about {{topic}}."]
providers:
  - id: openai:chat:${model}
    config: { apiBaseUrl: ${baseUrl}${extraConfig} }
tests:
  - vars: { topic: owls }
`;
}

describe('timeouts in parallax eval', () => {
  it('a server that accepts and never answers fails the cell with the first-byte timeout, retries stopping at the total', async () => {
    const { code, elapsedMs, json } = await evalCli(oneCell('no-answer', fake.baseUrl), ['--timeout-first-byte', '300ms', '--timeout-total', '2s']);
    expect(code).toBe(1);
    const error = json.results.results[0]?.error ?? '';
    expect(error).toContain(`No first byte from ${fake.baseUrl} within 0.3 s (first-byte timeout)`);
    // Retried while the deadline allowed, then stopped by it: during a try, or before the next one.
    expect(error).toMatch(/had not finished the answer after 2 s \(total timeout\)|Not tried again: the next try would start after the cell's 2 s \(total timeout\)/);
    const requests = fake.requestsFor('no-answer');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    // Each try was given up about 0.3 s after it reached the server, or sooner at the deadline (generous bounds for 2 shared cores).
    for (const request of requests) {
      expect(request.abortedByClient).toBe(true);
      expect((request.closedAt ?? Infinity) - request.arrivedAt).toBeLessThan(1500);
    }
    const first = requests[0];
    expect((first?.closedAt ?? 0) - (first?.arrivedAt ?? 0)).toBeGreaterThan(150);
    expect(elapsedMs).toBeLessThan(2000 + 2500);
  }, 30_000);

  it('a stream that stalls mid-answer fails with the idle timeout, keeps the partial answer, and is not asked again', async () => {
    const { code, elapsedMs, json } = await evalCli(oneCell('stall:2', fake.baseUrl), ['--timeout-idle', '400ms']);
    expect(code).toBe(1);
    const result = json.results.results[0];
    expect(result?.error).toContain(`${fake.baseUrl} sent nothing for 0.4 s in the middle of the answer (idle timeout)`);
    // The two chunks that came are kept.
    expect(result?.response?.output).toBe(fakeChunks(fakeAnswer('Tell me about owls.'), 4).slice(0, 2).join(''));
    expect(fake.requestsFor('stall:2')).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(400 + 3000);
  }, 30_000);

  it('an answer still streaming at the total timeout fails with the total timeout', async () => {
    // 150 ms between chunks: never idle for long, but far from done after 1 s.
    const { code, elapsedMs, json } = await evalCli(oneCell('drip:150', fake.baseUrl), ['--timeout-total', '1s', '--timeout-idle', '5s']);
    expect(code).toBe(1);
    const result = json.results.results[0];
    expect(result?.error).toContain(`${fake.baseUrl} had not finished the answer after 1 s (total timeout)`);
    expect(result?.response?.output?.length ?? 0).toBeGreaterThan(0);
    expect(fake.requestsFor('drip:150')).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(1000 + 3000);
  }, 30_000);

  describe('connecting', () => {
    let silent: Server;
    let port = 0;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Takes the TCP connection and never says a word: a TLS handshake there never ends.
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      port = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('a connection that never completes fails with the connect timeout', async () => {
      const baseUrl = `https://127.0.0.1:${port}/v1`;
      const { code, elapsedMs, json } = await evalCli(oneCell('fake-small', baseUrl), ['--timeout-connect', '300ms', '--timeout-total', '1500ms']);
      expect(code).toBe(1);
      const error = json.results.results[0]?.error ?? '';
      expect(error).toContain(`Could not connect to ${baseUrl} within 0.3 s (connect timeout)`);
      expect(elapsedMs).toBeLessThan(1500 + 3000);
    }, 30_000);
  });

  it("reads config.timeouts and config.timeout from the provider's config, and a flag overrides them", async () => {
    const fromConfig = await evalCli(oneCell('no-answer', fake.baseUrl, ', timeout: 1200, timeouts: { firstByte: 250ms }'));
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.json.results.results[0]?.error).toContain('within 0.25 s (first-byte timeout)');
    expect(fromConfig.json.results.results[0]?.error).toContain("the cell's 1.2 s (total timeout)");

    const overridden = await evalCli(oneCell('no-answer', fake.baseUrl, ', timeout: 1200, timeouts: { firstByte: 250ms }'), ['--timeout-first-byte', '0.35s']);
    expect(overridden.json.results.results[0]?.error).toContain('within 0.35 s (first-byte timeout)');
  }, 30_000);

  it('refuses a timeout that is not a duration, or out of range, before any request (exit 2)', async () => {
    let stderr = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      env: {},
      cwd: dir,
    };
    writeFileSync(join(dir, 'c.yaml'), oneCell('fake-small', fake.baseUrl));
    expect(await runCli(['eval', '-c', join(dir, 'c.yaml'), '--timeout-idle', 'soon', '--data-dir', join(dir, 'data')], io, 'test')).toBe(2);
    expect(stderr).toContain('--timeout-idle must be a duration such as 500ms, 30s, 10m or 1h (got "soon")');
    stderr = '';
    expect(await runCli(['eval', '-c', join(dir, 'c.yaml'), '--timeout-connect', '2h', '--data-dir', join(dir, 'data')], io, 'test')).toBe(2);
    expect(stderr).toContain('--timeout-connect must be at most 10 minutes');
    stderr = '';
    writeFileSync(join(dir, 'c.yaml'), oneCell('fake-small', fake.baseUrl, ', timeouts: { firstbyte: 5s }'));
    expect(await runCli(['eval', '-c', join(dir, 'c.yaml'), '--data-dir', join(dir, 'data')], io, 'test')).toBe(2);
    expect(stderr).toMatch(/timeouts\.firstbyte.*did you mean.*firstByte/);
    expect(fake.requestsFor('fake-small')).toHaveLength(0);
  });
});

/** Calls a method the way a front door does, and unwraps the envelope. */
async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(envelope.error.message);
  return envelope.data as MethodOutput<M>;
}

describe('timeouts in Settings', () => {
  it('a provider saved with its own timeouts keeps them, and its requests use them', async () => {
    const services = createServices({ dataDir: join(dir, 'app'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
    try {
      const saved = await call(services, 'providers.save', { name: 'Slow box', baseUrl: fake.baseUrl, timeouts: { firstByte: 300, total: 90_000 } });
      expect(saved.timeouts).toEqual({ firstByte: 300, total: 90_000 });
      // Saved again without timeouts (a key confirmed, say): they stay.
      const again = await call(services, 'providers.save', { id: saved.id, name: 'Slow box', baseUrl: fake.baseUrl });
      expect(again.timeouts).toEqual({ firstByte: 300, total: 90_000 });
      expect((await call(services, 'providers.list', {})).find((p) => p.id === saved.id)?.timeouts).toEqual({ firstByte: 300, total: 90_000 });
      // An empty set puts them back to the defaults.
      const reset = await call(services, 'providers.save', { id: saved.id, name: 'Slow box', baseUrl: fake.baseUrl, timeouts: {} });
      expect(reset.timeouts).toBeUndefined();
      await call(services, 'providers.save', { id: saved.id, name: 'Slow box', baseUrl: fake.baseUrl, timeouts: { firstByte: 300, total: 90_000 } });
      const resolved = await services.registry.resolve(saved.id);
      expect(resolved.provider.totalTimeoutMs).toBe(90_000);
      // A request to a server that never answers ends at the saved first-byte timeout.
      const controller = new AbortController();
      const started = performance.now();
      const stream = resolved.provider.stream({ model: 'no-answer', messages: [{ role: 'user', content: 'hi' }], params: {}, signal: controller.signal });
      let message = '';
      try {
        for await (const part of stream) void part;
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).toContain('within 0.3 s (first-byte timeout)');
      expect(performance.now() - started).toBeLessThan(2000);
      // Export promptfooconfig writes them; a file that brings a new endpoint brings its timeouts with it.
      const exported = await call(services, 'files.exportExperiment', {
        messages: [{ role: 'user', content: 'Hi' }],
        testCases: [{ id: 'case-1', vars: {} }],
        columns: [{ id: 'c', providerId: saved.id, model: 'fake-small', params: {} }],
        assertions: [],
      });
      expect(exported.text).toMatch(/timeouts:\s+firstByte: 300\s+total: 90000/);
      const imported = await call(services, 'files.importExperiment', {
        fileName: 'promptfooconfig.yaml',
        text: `prompts: ["Hi"]\nproviders:\n  - id: openai:chat:m\n    label: Far box\n    config: { apiBaseUrl: "http://127.0.0.1:9/v1", timeouts: { idle: 5m } }\ntests:\n  - vars: {}\n`,
      });
      expect(imported.providersAdded).toEqual(['Far box']);
      expect((await call(services, 'providers.list', {})).find((p) => p.name === 'Far box')?.timeouts).toEqual({ idle: 300_000 });
      // Out of range is refused with the field's own words.
      const tooShort = await dispatch(services.handlers, 'providers.save', { name: 'Bad', baseUrl: fake.baseUrl, timeouts: { idle: 5 } });
      expect(tooShort.ok).toBe(false);
      if (!tooShort.ok) expect(tooShort.error.message).toContain('Idle-stream timeout: at least 0.1 s.');
    } finally {
      services.close();
    }
  }, 30_000);
});
