/**
 * `parallax eval` with perplexity checks on a provider whose config says nothing of logprobs:
 * the rows whose checks need them ask for them (`logprobs: true`), the others do not; their sum
 * and count stay with the answer in the cache, so a cached answer grades the same, and an answer
 * cached without them is not used for a row that needs them. (The parity fixtures
 * checks-perplexity and checks-perplexity-absent hold the numbers to promptfoo's.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeAnswer, fakeLogprobs, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { runCliCaptured } from './cli-support';

let server: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  server = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'parallax-perplexity-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** promptfoo's perplexity-score of the fake's answer to `prompt`, computed here from the fake's log-probabilities. */
function expectedScore(prompt: string): number {
  const tokens = fakeLogprobs(fakeAnswer(prompt));
  const mean = tokens.reduce((sum, t) => sum + t.logprob, 0) / tokens.length;
  return 1 / (1 + Math.exp(-mean));
}

const config = (rainChecks: string): string => `prompts: ['Describe {{topic}}']
providers: [openai:chat:gpt-4o-mini]
tests:
  - vars: {topic: rain}
    assert:
${rainChecks}
  - vars: {topic: snow}
    assert:
      - type: contains
        value: snow
`;

interface Result {
  vars: Record<string, string>;
  score: number;
  success: boolean;
  response?: { cached?: boolean };
  gradingResult?: { componentResults: { pass: boolean; score: number; reason: string }[] };
}

async function evalConfig(text: string, name: string): Promise<Result[]> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const out = join(dir, `${name}.json`);
  const run = await runCliCaptured(['eval', '-c', file, '-o', out, '--data-dir', join(dir, 'data')], { cwd: dir, env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-test' } });
  expect(run.stderr).not.toMatch(/error/i);
  return (JSON.parse(readFileSync(out, 'utf8')) as { results: { results: Result[] } }).results.results;
}

const bodies = (): Record<string, unknown>[] => server.requestsFor('gpt-4o-mini').map((r) => r.body as Record<string, unknown>);
const promptOf = (body: Record<string, unknown>): unknown => (body['messages'] as { content: string }[])[0]?.content;

it('asks for logprobs only for rows that need them, grades from them, and caches them with the answer', async () => {
  // First, the rain row without a perplexity check: an answer cached without log-probabilities.
  await evalConfig(config('      - type: contains\n        value: rain'), 'plain');
  expect(bodies().map((b) => [promptOf(b), b['logprobs']])).toEqual(expect.arrayContaining([['Describe rain', undefined], ['Describe snow', undefined]]));
  const before = bodies().length;

  const checks = '      - type: perplexity-score\n        threshold: 0.4\n      - type: not-perplexity\n        threshold: 1.4';
  const asked = await evalConfig(config(checks), 'asked');
  // Only the rain row is asked again (the snow row's answer comes from the cache), with logprobs.
  const fresh = bodies().slice(before);
  expect(fresh.map((b) => [promptOf(b), b['logprobs']])).toEqual([['Describe rain', true]]);
  const rain = asked.find((r) => r.vars['topic'] === 'rain');
  const score = expectedScore('Describe rain');
  expect(score).toBeGreaterThan(0.4);
  expect(rain?.success).toBe(true);
  expect(rain?.gradingResult?.componentResults[0]?.score).toBeCloseTo(score, 9);
  // not-perplexity: perplexity 1/score − 1 ≈ 1.46 is above 1.4, so the not- form passes.
  expect(rain?.gradingResult?.componentResults[1]).toMatchObject({ pass: true, score: 1 });

  // Again: every answer from the cache, the rain row graded the same from its stored log-probabilities.
  const again = await evalConfig(config(checks), 'again');
  expect(bodies().length).toBe(before + 1);
  const cached = again.find((r) => r.vars['topic'] === 'rain');
  expect(cached?.gradingResult?.componentResults[0]?.score).toBeCloseTo(score, 9);
  expect(cached?.success).toBe(true);
});
