/**
 * `parallax eval` on the providers-passthrough fixture: what each provider's config sets
 * reaches the wire as promptfoo sends it (request fields Parallax has no field for, as written;
 * response_format from a file, and a json_schema without a name as written), and the same
 * config rendered by promptfoo gave the same answers (the parity test holds that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { runCliCaptured } from './cli-support';

const FIXTURE = resolve(__dirname, '../fixtures/promptfoo/providers-passthrough');
let server: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  server = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'parallax-passthrough-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('sends each provider its request fields and response_format as written', async () => {
  const run = await runCliCaptured(['eval', '-c', 'promptfooconfig.yaml', '-o', join(dir, 'out.json'), '--no-cache', '--data-dir', join(dir, 'data')], {
    cwd: FIXTURE,
    env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-test' },
  });
  expect(run.stderr).not.toContain('error');
  expect(run.code).toBe(0);
  const bodies = server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as Record<string, unknown>);
  const byModel = (model: string): Record<string, unknown>[] => bodies.filter((b) => b['model'] === model);
  const [reasoning] = byModel('gpt-5-mini');
  expect(reasoning).toMatchObject({
    model: 'gpt-5-mini',
    stream: true,
    reasoning_effort: 'xhigh',
    user: 'parity-user',
    metadata: { suite: 'parity' },
    service_tier: 'flex',
    logprobs: false,
    response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { required: ['city'], additionalProperties: false } } },
  });
  expect(reasoning?.['messages']).toEqual([{ role: 'user', content: 'Describe Paris as JSON' }]);
  const others = byModel('gpt-4o-mini');
  expect(others).toHaveLength(2);
  const formats = others.map((b) => b['response_format']);
  expect(formats).toContainEqual({ type: 'json_schema', json_schema: { schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } });
  expect(formats).toContainEqual({ type: 'json_object' });
  expect(others.map((b) => b['reasoning_effort'])).toContain('none');
});
