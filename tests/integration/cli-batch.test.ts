/**
 * `parallax eval --batch` against the fake batch engines (support/fake-batch.ts): OpenAI and
 * Anthropic providers go through their batch engines while echo runs live, progress lines are
 * printed, and Ctrl+C leaves the job at the vendor for `--resume`, which polls it (no second job).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/main';
import { FakeBatchServer } from '../support/fake-batch';
import { runCliCaptured } from './cli-support';

let dir: string;
let server: FakeBatchServer;
const ENV = { OPENAI_API_KEY: 'sk-clibatch-7Kp2Wq9Xc4Vb6Nm8', ANTHROPIC_API_KEY: 'sk-ant-clibatch-7Kp2Wq9Xc4', PARALLAX_BATCH_POLL_MS: '10' };

function config(): string {
  return `prompts: ["Say {{word}}"]
providers:
  - id: openai:chat:gpt-fake
    config: { apiBaseUrl: ${server.url}/v1 }
  - id: anthropic:messages:claude-fake
    config: { apiBaseUrl: ${server.url} }
  - echo
tests:
  - vars: { word: alpha }
    assert: [{ type: contains, value: alpha }]
  - vars: { word: beta }
`;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-cli-batch-'));
});

afterEach(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('parallax eval --batch', () => {
  it('sends the batchable providers as batches, echo live, and prints their progress', async () => {
    server = new FakeBatchServer({ autoStep: true });
    await server.start();
    writeFileSync(join(dir, 'promptfooconfig.yaml'), config());
    const { code, stderr } = await runCliCaptured(['eval', '--batch', '-o', 'out.json', '--data-dir', join(dir, 'data'), '--no-cache'], { cwd: dir, env: ENV });
    expect(stderr).toMatch(/batch batch_\d+ \(openai\): completed, 2\/2 answered/);
    expect(stderr).toMatch(/batch msgbatch_\d+ \(anthropic\): ended, 2\/2 answered/);
    expect(code).toBe(0);
    expect(server.created).toBe(2);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { results: { results: { provider: { id: string }; response?: { output?: string } }[] } };
    const outputs = out.results.results.map((r) => `${r.provider.id}=${r.response?.output ?? ''}`);
    expect(outputs).toContain('openai:chat:gpt-fake=batch: Say alpha');
    expect(outputs).toContain('anthropic:messages:claude-fake=batch: Say beta');
    expect(outputs).toContain('echo=Say alpha');
    expect(stderr).not.toContain(ENV.OPENAI_API_KEY);
  });

  it('leaves the job recorded on Ctrl+C, and --resume polls it without sending it again', async () => {
    server = new FakeBatchServer();
    await server.start();
    writeFileSync(join(dir, 'promptfooconfig.yaml'), config());
    const controller = new AbortController();
    let stderr = '';
    const running = runCli(['eval', '--batch', '--data-dir', join(dir, 'data'), '--no-cache'], { stdout: () => undefined, stderr: (t) => (stderr += t), env: ENV, cwd: dir, signal: controller.signal }, 'test');
    const end = Date.now() + 10_000;
    while (server.created < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    // Let the jobs' ids be recorded before the interrupt.
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await running).toBe(1);
    const runId = /--resume ([0-9a-f-]{36})/.exec(stderr)?.[1];
    expect(runId).toBeDefined();
    expect([...server.batches.values()].every((b) => b.status !== 'cancelling' && b.status !== 'cancelled')).toBe(true);
    expect(server.requests.some((r) => r.path.endsWith('/cancel'))).toBe(false);

    server.options.autoStep = true;
    const resumed = await runCliCaptured(['eval', '--resume', runId ?? '', '-o', 'out.json', '--data-dir', join(dir, 'data')], { cwd: dir, env: ENV });
    expect(resumed.stderr).toMatch(/completed, 2\/2 answered/);
    expect(resumed.code).toBe(0);
    expect(server.created).toBe(2);
    const out = readFileSync(join(dir, 'out.json'), 'utf8');
    expect(out).toContain('batch: Say beta');
  });

  it('says how to resume when the results cannot be read, and --resume reads them from the same jobs', async () => {
    let down = true;
    server = new FakeBatchServer({ autoStep: true, unavailable: ({ path }) => down && (path.endsWith('/content') || path.endsWith('/results')) });
    await server.start();
    writeFileSync(join(dir, 'promptfooconfig.yaml'), config());
    const first = await runCliCaptured(['eval', '--batch', '--data-dir', join(dir, 'data'), '--no-cache'], { cwd: dir, env: ENV });
    expect(first.code).toBe(1);
    const runId = /--resume ([0-9a-f-]{36}) reads them from the same jobs/.exec(first.stderr)?.[1];
    expect(runId).toBeDefined();
    down = false;
    const resumed = await runCliCaptured(['eval', '--resume', runId ?? '', '-o', 'out.json', '--data-dir', join(dir, 'data')], { cwd: dir, env: ENV });
    expect(resumed.code).toBe(0);
    expect(server.created).toBe(2);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toContain('batch: Say alpha');
  });
});
