/**
 * The round trip (issue 13): a rich draft exported as promptfooconfig.yaml runs in promptfoo
 * 0.121.20 unchanged, and importing the file back gives the same draft.
 *
 * promptfoo takes a minute to start, so its run is recorded once (tests/fixtures/promptfoo-roundtrip/
 * record.mjs: the export of workspace.ts, run by `npx promptfoo@0.121.20 eval` against the tests'
 * fake server) and this test holds today's export to that recording: the file must be exactly the
 * one promptfoo ran (re-record after changing the export), promptfoo must have run every test with
 * no unknown check, graded llm-rubric with the file's judge and prompt, and computed the same
 * scores as Parallax for the checks written as JavaScript. The import half runs live.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportExperimentFile, importExperimentFile, type ProviderSpec } from '../../src/main/files/experiment';
import { evaluateAssertion } from '../../src/shared/assertions';
import type { Assertion } from '../../src/shared/assertions/types';
import type { Workspace } from '../../src/shared/schemas';
import { EDITED_JUDGE_PROMPT, roundtripProviders, roundtripWorkspace } from '../fixtures/promptfoo-roundtrip/workspace';

const folder = join(__dirname, '../fixtures/promptfoo-roundtrip');
const recordedConfig = readFileSync(join(folder, 'promptfooconfig.yaml'), 'utf8');

interface Recorded {
  promptfoo: string;
  exitCode: number;
  count: number;
  results: Array<{ testIdx: number; provider: { id: string; label?: string }; vars: Record<string, unknown>; output: unknown; failureReason: number }>;
  checks: Array<{ testIdx: number; provider: string; error: string | null; components: Array<{ type: string; pass: boolean; score: number; reason: string }> }>;
  unknownAssertionLines: string[];
  graderEndpointRequests: string[];
}
const recorded = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as Recorded;

/** Finds providers as the app does (by kind and base URL) and answers with their name. */
function resolve(spec: ProviderSpec): { id: string; name: string } {
  const found = roundtripProviders.find((p) => p.kind === spec.kind && (spec.kind === 'echo' || p.baseUrl === spec.baseUrl));
  if (!found) throw new Error(`no provider for ${JSON.stringify(spec)}`);
  return { id: found.id, name: found.name };
}

function withoutIds(workspace: Workspace): unknown {
  return {
    ...workspace,
    testCases: workspace.testCases.map(({ id: _id, ...rest }) => rest),
    columns: workspace.columns.map(({ id: _id, ...rest }) => rest),
  };
}

describe('Parallax → promptfoo 0.121.20 → Parallax', () => {
  it('exports exactly the file promptfoo ran (re-record with record.mjs after changing the export)', () => {
    const file = exportExperimentFile(roundtripWorkspace, roundtripProviders);
    expect(file.text).toBe(recordedConfig);
    // The check promptfoo cannot run in any form is named in the file, not silently dropped.
    expect(file.text).toMatch(/^# tests\[2\]\.assert\[0\] \(tool-call .*\) is left out: promptfoo has no "tool-call" check/m);
  });

  it('ran in promptfoo: every test of every provider, no unknown check, no failed request', () => {
    expect(recorded.promptfoo).toBe('0.121.20');
    // 1 prompt × 3 providers × 3 tests × evaluateOptions.repeat 2.
    expect(recorded.count).toBe(1 * roundtripWorkspace.columns.length * roundtripWorkspace.testCases.length * roundtripWorkspace.repeats);
    expect(recorded.unknownAssertionLines).toEqual([]);
    expect(recorded.checks.every((c) => !/unknown assertion/i.test(c.error ?? ''))).toBe(true);
    // 2 is promptfoo's "the request failed"; 1 is a failed check (is-json fails on these answers, as it should).
    expect(recorded.results.every((r) => r.failureReason !== 2)).toBe(true);
    // Variant labels are promptfoo's provider labels.
    expect(new Set(recorded.results.map((r) => r.provider.label))).toEqual(new Set(['terse', 'Local server', 'baseline']));
  });

  it('graded llm-rubric with the file\'s judge and the edited judge prompt, not promptfoo\'s default grader', () => {
    // The recording ran with OPENAI_BASE_URL at a closed port: only the judge the file names could answer,
    // and only the edited prompt carries this reason (the fake server says its last message back).
    const rubric = recorded.checks.filter((c) => c.provider !== 'baseline').map((c) => c.components.find((x) => x.type === 'llm-rubric'));
    expect(rubric).toHaveLength(12);
    expect(rubric.every((r) => r?.pass === true && r.reason === 'graded with the edited judge prompt')).toBe(true);
    expect(recordedConfig).toContain(JSON.stringify(EDITED_JUDGE_PROMPT[1]?.content));
  });

  it('asked the judge\'s server for embeddings and moderation with the draft\'s models, not promptfoo\'s default OpenAI ones', () => {
    // OPENAI_BASE_URL was a closed port: a check promptfoo sent to its default providers would have errored.
    expect(recorded.graderEndpointRequests).toEqual(['/v1/embeddings fake-embed', '/v1/moderations fake-moderation']);
    const graded = recorded.checks.flatMap((c) => c.components.filter((x) => x.type === 'similar' || x.type === 'moderation'));
    expect(graded).toHaveLength(2 * recorded.count);
    expect(graded.every((x) => x.pass && /^(Similarity 0\.\d+ is greater than or equal to threshold 0\.1|No moderation flags detected)$/.test(x.reason))).toBe(true);
  });

  it('names promptfoo\'s default embedding and moderation models on the judge\'s server when the draft names none', () => {
    const judge = { providerId: 'prov-local', model: 'judge-model' };
    const text = exportExperimentFile({ ...roundtripWorkspace, judge }, roundtripProviders).text;
    expect(text).toMatch(/embedding:\n {8}id: openai:embedding:text-embedding-3-large\n {8}config:\n {10}apiBaseUrl: http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(text).toContain('id: openai:moderation:omni-moderation-latest');
    // Without such checks, the judge is written as one provider, as before.
    const plain = exportExperimentFile({ ...roundtripWorkspace, judge, assertions: roundtripWorkspace.assertions.filter((a) => a.type !== 'similar' && a.type !== 'moderation') }, roundtripProviders).text;
    expect(plain).not.toMatch(/embedding|moderation/);
    expect(plain).toMatch(/provider:\n {6}id: openai:chat:judge-model/);
  });

  it('scored the checks written as JavaScript as Parallax scores the originals', () => {
    // promptfoo numbers each repeat of a test as a test of its own: row 0 is tests 0 and 1, and so on.
    const rowOf = (testIdx: number) => roundtripWorkspace.testCases[Math.floor(testIdx / roundtripWorkspace.repeats)];
    let compared = 0;
    for (const check of recorded.checks) {
      const row = rowOf(check.testIdx);
      const result = recorded.results.find((r) => r.testIdx === check.testIdx && (r.provider.label ?? r.provider.id) === check.provider);
      const recordedOutput = result?.output;
      if (!row || typeof recordedOutput !== 'string') throw new Error(`no recorded result for ${JSON.stringify(check)}`);
      const originals = (row.assert ?? []).filter((a) => !(a.type === 'tool-call' && typeof a.value === 'object' && a.value !== null && 'schema' in a.value)) as Assertion[];
      const scripts = check.components.filter((c) => c.type === 'javascript');
      expect(scripts).toHaveLength(originals.length);
      originals.forEach((original, i) => {
        const output = row.transform === 'output.trim()' ? recordedOutput.trim() : recordedOutput;
        const ours = evaluateAssertion(original, { output, ...(row.expected !== undefined ? { expected: row.expected } : {}), vars: row.vars });
        expect(scripts[i]?.pass, `${check.provider} row ${check.testIdx} ${original.type}`).toBe(ours.pass);
        expect(scripts[i]?.score).toBeCloseTo(ours.score, 5);
        compared++;
      });
    }
    expect(compared).toBe(3 * 2 * 3); // rows 1 and 2 hold 2 + 1 such checks, on 3 providers, twice
  });

  it('imports the file back as the same draft', () => {
    const result = importExperimentFile('promptfooconfig.yaml', recordedConfig, resolve);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    // No warning about what Parallax wrote itself (the list of objects, labels, the judge, repeats). The ones
    // left are the template check's: {{ tone }} and {{ sources }} are not set in every row.
    expect(result.warnings.filter((w) => !/uses \{\{(tone|sources)\}\} but tests\[\d\](, tests\[\d\])* do not set it/.test(w))).toEqual([]);
    expect(result.warnings).toHaveLength(2);
    const expected: Workspace = {
      ...roundtripWorkspace,
      testCases: roundtripWorkspace.testCases.map((row, index) => {
        // What promptfoo cannot run was left out (and said so in the file).
        if (index !== 2) return row;
        const { assert: _assert, ...rest } = row;
        return rest;
      }),
      // is-valid-json-schema is written as promptfoo's is-json with the schema, which means the same.
      assertions: roundtripWorkspace.assertions.map((a) => (a.type === 'is-valid-json-schema' ? { ...a, type: 'is-json' } : a)),
    };
    expect(withoutIds(result.workspace)).toEqual(withoutIds(expected));
  });

  it('writes the imported draft back as the same file', () => {
    const result = importExperimentFile('promptfooconfig.yaml', recordedConfig, resolve);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const again = exportExperimentFile(result.workspace, roundtripProviders).text;
    // Only the left-out check's note is gone: the imported draft no longer has it.
    expect(again).toBe(recordedConfig.replace(/^# tests\[2\]\.assert\[0\].*\n/m, ''));
  });
});
