/**
 * Prompt files and globs for `parallax eval`, confined to the config's folder: a glob that
 * climbs out, or a match that is a symlink to a file outside, is refused before anything runs;
 * `**` finds files below; each file's prompts are labelled by its path as promptfoo labels them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from './cli-support';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-prompt-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): void {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), text);
}

async function evalIn(cwd: string, config: string): Promise<{ code: number; stderr: string; labels: string[]; outputs: string[] }> {
  const out = join(dir, 'out.json');
  rmSync(out, { force: true });
  const run = await runCliCaptured(['eval', '-c', config, '-o', out, '--data-dir', join(dir, 'data')], { cwd });
  if (run.code !== 0) return { code: run.code, stderr: run.stderr, labels: [], outputs: [] };
  const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: { results: { prompt: { label: string }; response: { output: string } }[] } }).results.results;
  return { code: run.code, stderr: run.stderr, labels: results.map((r) => r.prompt.label), outputs: results.map((r) => r.response.output) };
}

describe('parallax eval: prompt files and globs', () => {
  it('reads a ** glob below the config, in path order, labelled by path joined to the config folder as written', async () => {
    write('suite/prompts/b/two.txt', 'Two {{x}}\n---\nThree {{x}}\n');
    write('suite/prompts/a/one.md', 'One {{x}}\n');
    write('suite/promptfooconfig.yaml', "prompts: ['file://prompts/**/*.{txt,md}']\nproviders: [echo]\ntests:\n  - vars: { x: go }\n");
    const run = await evalIn(dir, 'suite/promptfooconfig.yaml');
    expect(run.code, run.stderr).toBe(0);
    expect(run.labels).toEqual(['suite/prompts/a/one.md: One {{x}}\n...', 'suite/prompts/b/two.txt: Two {{x}}', 'suite/prompts/b/two.txt: Three {{x}}']);
    expect(run.outputs).toEqual(['One go\n', 'Two go', 'Three go']);
  });

  it('refuses a glob that climbs out of the config folder, and a matched symlink that leads outside', async () => {
    write('secret.txt', 'SECRET');
    write('suite/promptfooconfig.yaml', "prompts: ['file://../*.txt']\nproviders: [echo]\n");
    const out = await evalIn(join(dir, 'suite'), 'promptfooconfig.yaml');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("outside the config's folder");
    expect(out.stderr).not.toContain('SECRET');

    write('suite/prompts/ok.txt', 'fine');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'suite/prompts/link.txt'));
    write('suite/promptfooconfig.yaml', "prompts: ['file://prompts/*.txt']\nproviders: [echo]\n");
    const linked = await evalIn(join(dir, 'suite'), 'promptfooconfig.yaml');
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('through a symlink');
    expect(linked.stderr).not.toContain('SECRET');
  });

  it('warns once per unknown top-level key and runs anyway', async () => {
    write('promptfooconfig.yaml', 'outputs: [r.json]\nnewThing: 1\nprompts: [hi]\nproviders: [echo]\n');
    const run = await evalIn(dir, 'promptfooconfig.yaml');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.includes('unknown key'))).toEqual([
      'warning: promptfooconfig.yaml: outputs (line 1): unknown key, ignored',
      'warning: promptfooconfig.yaml: newThing (line 2): unknown key, ignored',
    ]);
  });
});
