/**
 * promptfoo's model-graded checks ask their graders exactly what promptfoo asks: for each
 * graded fixture, `parallax eval` against the fake server sends the judge the same messages
 * (promptfoo's grader prompts, rendered with the same values), and the same texts for
 * embeddings and moderation, as promptfoo 0.121.20 did (grader-requests.json, recorded by
 * tests/fixtures/promptfoo/record-graders.mjs). Pass/fail parity is the parity test's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_MODEL, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { graderRequests, type GraderRequest } from '../support/grader-requests';
import { runCliCaptured } from './cli-support';

const FIXTURES = resolve(__dirname, '../fixtures/promptfoo');
const features = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES, entry.name, 'grader-requests.json')))
  .map((entry) => entry.name)
  .sort();

let server: FakeOpenAI;
let dir: string;
beforeAll(async () => {
  server = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'parallax-graders-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('promptfoo grader prompts', () => {
  it('has graded fixtures', () => {
    expect(features).toEqual(expect.arrayContaining(['graded-text', 'graded-embeddings', 'graded-moderation', 'graded-compare']));
  });

  it.each(features)('%s: the graders are asked what promptfoo asks them', async (feature) => {
    const folder = join(FIXTURES, feature);
    const expected = JSON.parse(readFileSync(join(folder, 'grader-requests.json'), 'utf8')) as GraderRequest[];
    server.resetStats();
    const run = await runCliCaptured(['eval', '-c', 'promptfooconfig.yaml', '-o', join(dir, `${feature}.json`), '--no-cache', '-j', '1', '--data-dir', join(dir, `data-${feature}`)], {
      cwd: folder,
      env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-test' },
    });
    expect(run.stderr).not.toMatch(/needs a grader/);
    const asked = graderRequests(server.requests, JUDGE_MODEL);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked).toEqual(expected);
  });
});
