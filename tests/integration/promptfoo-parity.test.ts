/**
 * promptfoo parity: every fixture under tests/fixtures/promptfoo/<feature>/ holds a
 * promptfooconfig.yaml and the result promptfoo 0.121.20 gave for it (expected.json, recorded by
 * tests/fixtures/promptfoo/record.mjs against this same fake server). `parallax eval` runs the
 * same config, and its result file, read the same way (normalise.mjs), must match: the count,
 * and per result the prompt, provider, vars, output, pass/fail, score and each check's pass.
 *
 * A deliberate difference is listed in the fixture's differences.md, and the fields the
 * comparison leaves out for it in parity.json: `{ "ignore": ["score", "asserts", …] }` (result
 * fields) — kept minimal and explained there.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseResults, type NormalisedFile, type NormalisedResult } from '../fixtures/promptfoo/normalise.mjs';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { runCliCaptured } from './cli-support';

const FIXTURES = resolve(__dirname, '../fixtures/promptfoo');

interface Expected extends NormalisedFile {
  exitCode: number;
}

interface Parity {
  ignore?: string[];
}

const features = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES, entry.name, 'expected.json')))
  .map((entry) => entry.name)
  .sort();

let server: FakeOpenAI;
let dir: string;
beforeAll(async () => {
  server = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'parallax-parity-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function without(result: NormalisedResult, ignore: readonly string[]): Partial<NormalisedResult> {
  return Object.fromEntries(Object.entries(result).filter(([key]) => !ignore.includes(key)));
}

describe('promptfoo parity', () => {
  it('has fixtures', () => {
    expect(features.length).toBeGreaterThan(0);
  });

  it.each(features)('%s: parallax eval gives what promptfoo gave', async (feature) => {
    const folder = join(FIXTURES, feature);
    const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as Expected;
    const parity = existsSync(join(folder, 'parity.json')) ? (JSON.parse(readFileSync(join(folder, 'parity.json'), 'utf8')) as Parity) : {};
    const ignore = parity.ignore ?? [];
    const out = join(dir, `${feature}.json`);
    const run = await runCliCaptured(['eval', '-c', 'promptfooconfig.yaml', '-o', out, '--no-cache', '--data-dir', join(dir, `data-${feature}`)], {
      cwd: folder,
      env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-test', PARITY_ENV_VALUE: 'from the environment' },
    });
    // promptfoo exits 100 when a check fails, 0 when all pass; Parallax does the same.
    expect({ code: run.code, stderr: run.code === expected.exitCode ? '' : run.stderr }).toEqual({ code: expected.exitCode, stderr: '' });
    const actual = normaliseResults(JSON.parse(readFileSync(out, 'utf8')));
    expect(actual.count).toBe(expected.count);
    expect(actual.results.map((r) => without(r, ignore))).toEqual(expected.results.map((r) => without(r, ignore)));
    if (!ignore.includes('stats')) expect(actual.stats).toEqual(expected.stats);
  });
});
