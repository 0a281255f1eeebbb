/**
 * `parallax eval` with checks: tests[].assert, defaultTest.assert, a CSV's __expected column,
 * llm-rubric through defaultTest.options.provider; promptfoo's gradingResult in -o out.json,
 * and exit code 100 when a check fails (0 with --pass-on-failed-checks), as promptfoo does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-cli-checks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), env: {}, cwd: dir };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stderr };
}

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

interface Result {
  success: boolean;
  failureReason: number;
  vars: Record<string, unknown>;
  gradingResult: { pass: boolean; score: number; reason: string; componentResults: { pass: boolean; reason: string; assertion: { type: string } }[] } | null;
}

function results(file: string): Result[] {
  return (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { results: { results: Result[] } }).results.results;
}

const CONFIG = `prompts: ["Say hello to {{ name }}."]
providers: [echo]
defaultTest:
  assert:
    - type: icontains
      value: "{{ name }}"
tests:
  - vars: { name: Ada }
    assert: [{ type: starts-with, value: Say }]
  - vars: { name: Grace }
    assert: [{ type: not-contains, value: Grace }]
`;

describe('parallax eval with checks', () => {
  it('grades each test, writes gradingResult, and exits 100 when one fails', async () => {
    const config = write('c.yaml', CONFIG);
    const { code, stderr } = await cli(['eval', '-c', config, '-o', 'out.json', '--data-dir', join(dir, 'data')]);
    expect(code).toBe(100);
    expect(stderr).toContain('check failed: echo · prompt 1 · test 2');
    expect(stderr).toContain('Checks: 1 of 2 answered cells passed, 1 failed.');
    const [ada, grace] = results('out.json');
    expect(ada).toMatchObject({ success: true, failureReason: 0, gradingResult: { pass: true, score: 1 } });
    expect(ada?.gradingResult?.componentResults.map((c) => c.assertion.type)).toEqual(['icontains', 'starts-with']);
    expect(grace).toMatchObject({ success: false, failureReason: 1, gradingResult: { pass: false } });
    expect(grace?.gradingResult?.componentResults.map((c) => c.pass)).toEqual([true, false]);
  });

  it('exits 0 with --pass-on-failed-checks, and 0 when every check passes', async () => {
    const config = write('c.yaml', CONFIG);
    expect((await cli(['eval', '-c', config, '--pass-on-failed-checks', '--data-dir', join(dir, 'data')])).code).toBe(0);
    const passing = write('p.yaml', CONFIG.replace('not-contains, value: Grace', 'contains, value: Grace'));
    expect((await cli(['eval', '-c', passing, '--data-dir', join(dir, 'data')])).code).toBe(0);
  });

  it("reads a CSV's __expected column as promptfoo does: a check, equals unless it names one", async () => {
    write('tests.csv', 'name,__expected\nAda,Say hello to Ada.\nBob,contains: Bob\nCy,icontains: nobody\n');
    const config = write('c.yaml', 'prompts: ["Say hello to {{ name }}."]\nproviders: [echo]\ntests: file://tests.csv\n');
    const { code } = await cli(['eval', '-c', config, '-o', 'out.json', '--data-dir', join(dir, 'data')]);
    expect(code).toBe(100);
    expect(results('out.json').map((r) => [r.gradingResult?.componentResults[0]?.assertion.type, r.gradingResult?.pass])).toEqual([
      ['equals', true],
      ['contains', true],
      ['icontains', false],
    ]);
  });

  it('grades llm-rubric with the grader named in defaultTest.options.provider', async () => {
    // The echo grader answers with its prompt; the rubric here is the verdict it echoes back.
    const config = write(
      'c.yaml',
      `prompts: ['{"pass": {{ ok }}, "score": 0.8, "reason": "as asked"}']
providers: [echo]
defaultTest:
  options: { provider: echo }
tests:
  - vars: { ok: "true" }
    assert: [{ type: llm-rubric, value: anything }]
`,
    );
    // With the default judge prompt, echo returns the whole prompt, so the grader's "answer" is
    // the prompt's first example verdict: {"reason": "the content contains the word 'Hello'", "pass": true, "score": 1.0}.
    const { code, stderr } = await cli(['eval', '-c', config, '-o', 'out.json', '--data-dir', join(dir, 'data')]);
    expect(stderr).not.toContain('needs a grader');
    expect(code).toBe(0);
    const [result] = results('out.json');
    expect(result?.gradingResult?.componentResults[0]?.assertion.type).toBe('llm-rubric');
    expect(result?.gradingResult).toMatchObject({ pass: true, score: 1 });
    expect(result?.gradingResult?.componentResults[0]).toMatchObject({ pass: true, reason: "the content contains the word 'Hello' (echo judge: it repeats its prompt, so this verdict only tests the setup)" });
  });

  it('refuses llm-rubric without a grader, before running anything', async () => {
    const config = write('c.yaml', 'prompts: [hi]\nproviders: [echo]\ntests:\n  - assert: [{ type: llm-rubric, value: polite }]\n');
    const { code, stderr } = await cli(['eval', '-c', config, '--data-dir', join(dir, 'data')]);
    expect(code).toBe(2);
    expect(stderr).toContain('llm-rubric needs a grader');
    expect(stderr).toContain('Nothing was run.');
  });

  it('counts a row whose template fails as a failure, and exits 1', async () => {
    const config = write('c.yaml', 'prompts: ["v={{ a | dictsort }}"]\nproviders: [echo]\ntests:\n  - vars: { a: 5 }\n  - vars: { a: 6 }\n');
    const { code, stderr } = await cli(['eval', '-c', config, '--data-dir', join(dir, 'data')]);
    expect(stderr).toContain('0 ok, 2 failed');
    expect(code).toBe(1);
  });

  it('uses a check value that is not a valid template as written (a literal "{{")', async () => {
    const config = write('c.yaml', 'prompts: ["Hi {{ name }}"]\nproviders: [echo]\ndefaultTest:\n  assert: [{ type: not-contains, value: "{{" }]\ntests:\n  - vars: { name: Ada }\n');
    const { code } = await cli(['eval', '-c', config, '-o', 'out.json', '--data-dir', join(dir, 'data')]);
    expect(code).toBe(0);
    expect(results('out.json')[0]?.gradingResult).toMatchObject({ pass: true });
  });

  it('refuses an unknown check type with the types it knows', async () => {
    const config = write('c.yaml', 'prompts: [hi]\nproviders: [echo]\ntests:\n  - assert: [{ type: classifier, value: x }]\n');
    const { code, stderr } = await cli(['eval', '-c', config, '--data-dir', join(dir, 'data')]);
    expect(code).toBe(2);
    expect(stderr).toContain('"classifier" is not an assertion type Parallax checks');
  });

  it('refuses a model-graded check without a grader, naming it', async () => {
    const config = write('g.yaml', 'prompts: [hi]\nproviders: [echo]\ntests:\n  - assert: [{ type: not-similar, value: x }]\n');
    const { code, stderr } = await cli(['eval', '-c', config, '--data-dir', join(dir, 'data')]);
    expect(code).toBe(2);
    expect(stderr).toContain('similar needs a grader: set defaultTest.options.provider');
  });
});

describe('parallax eval runs javascript checks and transforms in the sandbox', () => {
  it('grades with javascript checks, assertion transforms and options.transform as promptfoo does', async () => {
    const config = write(
      'js.yaml',
      `prompts: ["{{ word }}"]
providers: [echo]
defaultTest:
  options:
    transform: output.trim()
  assert:
    - type: javascript
      value: output === context.vars.word.trim()
tests:
  - vars: { word: "  hello  " }
    assert:
      - type: equals
        value: HELLO
        transform: output.toUpperCase()
      - type: javascript
        value: |
          const n = output.length;
          return { pass: n === 5, score: n / 10, reason: 'length ' + n };
  - vars: { word: "bye" }
    options:
      transform: "'[' + output + ']'"
    assert:
      - type: javascript
        value: output.startsWith('[')
`,
    );
    const { code, stderr } = await cli(['eval', '-c', config, '-o', 'out.json', '--data-dir', join(dir, 'data')]);
    expect(stderr).not.toMatch(/is ignored|not an assertion type/);
    const [first, second] = results('out.json');
    expect(first?.gradingResult?.componentResults.map((c) => [c.assertion.type, c.pass])).toEqual([
      ['javascript', true],
      ['equals', true],
      ['javascript', true],
    ]);
    expect(first?.gradingResult?.componentResults[2]?.reason).toBe('length 5');
    // The second test's own transform replaces defaultTest's: "[bye]" is not "bye".
    expect(second?.gradingResult?.componentResults.map((c) => [c.assertion.type, c.pass])).toEqual([
      ['javascript', false],
      ['javascript', true],
    ]);
    expect(code).toBe(100);
  });

  it('refuses python checks with exit 2 and says why', async () => {
    const config = write('py.yaml', `prompts: ["x"]\nproviders: [echo]\ntests:\n  - assert: [{ type: python, value: "__import__('os').system('id')" }]\n`);
    const { code, stderr } = await cli(['eval', '-c', config, '--data-dir', join(dir, 'data')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/python checks are not supported/);
  });
});
