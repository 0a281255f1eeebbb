/**
 * `parallax eval` with graders per test (options.provider) and per check (assert.provider): each
 * check asks the grader promptfoo would ask (the parity fixture graded-providers holds the
 * verdicts to promptfoo's), a grader's key goes only where key-host rules allow, a graded check
 * with no grader at all stops the run before it starts, and the app's import says it keeps one judge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseExperimentYaml } from '../../src/shared/promptfoo/experiment';
import { JUDGE_MODEL, STRICT_JUDGE_MODEL, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { runCliCaptured } from './cli-support';

const FIXTURE = resolve(__dirname, '../fixtures/promptfoo/graded-providers');
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

const env = (): Record<string, string> => ({ OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-test' });

it('asks each check its own grader, else its test\'s, else defaultTest\'s', async () => {
  const run = await runCliCaptured(['eval', '-c', 'promptfooconfig.yaml', '-o', join(dir, 'out.json'), '--no-cache', '--data-dir', join(dir, 'data')], { cwd: FIXTURE, env: env() });
  expect(run.code).toBe(100);
  // defaultTest's grader: test 1's first check, test 2's closed QA (its own), test 4's llm-rubric in the set.
  expect(server.requestsFor(JUDGE_MODEL)).toHaveLength(3);
  // The strict one: test 1's second check, test 2's and test 3's llm-rubric (their test's), test 4's factuality.
  expect(server.requestsFor(STRICT_JUDGE_MODEL)).toHaveLength(4);
  const criteria = server.requestsFor(JUDGE_MODEL).map((r) => JSON.stringify(r.body));
  expect(criteria.filter((text) => text.includes('Talks about the weather'))).toHaveLength(1);
});

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

it('refuses to send a grader\'s key to a host it does not belong to, naming where the config names it', async () => {
  const file = write(
    'keyed.yaml',
    `prompts: ['Say {{x}}']
providers: [echo]
tests:
  - vars: {x: hi}
    assert:
      - type: llm-rubric
        value: Says hi
        provider:
          id: openai:chat:${STRICT_JUDGE_MODEL}
          config: {apiBaseUrl: 'https://grader.example.invalid/v1', apiKeyEnvar: ANTHROPIC_API_KEY}
`,
  );
  const run = await runCliCaptured(['eval', '-c', file, '--no-cache', '--data-dir', join(dir, 'data-keyed')], { cwd: dir, env: { ...env(), ANTHROPIC_API_KEY: 'sk-ant-secret-value' } });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/a check's provider \(openai:chat:fake-judge-strict\): refused to send the value of ANTHROPIC_API_KEY to grader\.example\.invalid/);
  expect(run.stderr).not.toContain('sk-ant-secret-value');
  expect(server.requestsFor(STRICT_JUDGE_MODEL).filter((r) => JSON.stringify(r.body).includes('Says hi'))).toHaveLength(0);
});

it('stops before it starts when a graded check has no grader, and runs when each has one', async () => {
  const checks = (second: string) => `prompts: ['Say {{x}}']
providers: [echo]
tests:
  - vars: {x: hi}
    assert:
      - type: llm-rubric
        value: Says hi
        provider: openai:chat:${JUDGE_MODEL}
  - vars: {x: bye}
${second}`;
  const none = await runCliCaptured(['eval', '-c', write('none.yaml', checks('    assert:\n      - type: llm-rubric\n        value: Says bye\n')), '--no-cache', '--data-dir', join(dir, 'data-none')], { cwd: dir, env: env() });
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/llm-rubric needs a grader/);
  const each = await runCliCaptured(['eval', '-c', write('each.yaml', checks(`    options: {provider: openai:chat:${JUDGE_MODEL}}\n    assert:\n      - type: llm-rubric\n        value: Says bye\n`)), '--no-cache', '--data-dir', join(dir, 'data-each')], { cwd: dir, env: env() });
  expect(each.stderr).not.toMatch(/needs a grader/);
  expect(each.code).toBe(0);
});

it('the app\'s import keeps one judge and says which graders it leaves out', () => {
  const text = `prompts: ['Say {{x}}']
providers: [echo]
defaultTest:
  options: {provider: openai:chat:${JUDGE_MODEL}}
tests:
  - vars: {x: hi}
    options: {provider: openai:chat:${STRICT_JUDGE_MODEL}}
    assert:
      - type: llm-rubric
        value: Says hi
        provider: openai:chat:other
`;
  const parsed = parseExperimentYaml(text, 'promptfooconfig.yaml');
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.experiment.grader?.model).toBe(JUDGE_MODEL);
  expect(parsed.warnings).toContainEqual(expect.stringMatching(/1 test names its own grader \(options\.provider\) and 1 check names its own \(provider\); the draft grades every check with its one judge/));
});
