import { describe, expect, it } from 'vitest';
import { evaluateAssertionAsync } from '../../src/shared/assertions';
import {
  cosineSimilarity,
  gradeSelectBest,
  gradeWithModel,
  moderationFlags,
  moderationVerdict,
  promptText,
  readClosedQa,
  readFactuality,
  readGEvalScore,
  readGEvalSteps,
  readSelectBest,
  selectMaxScore,
  similarityVerdict,
  templateValue,
  type GraderInput,
  type GraderTools,
} from '../../src/shared/assertions/model-graded';
import type { Message } from '../../src/shared/schemas';

/** Fills {{ name }} from the values (a stand-in for the sandbox's Nunjucks). */
const fill = (messages: readonly Message[], vars: Record<string, unknown>): Message[] =>
  messages.map((m) => ({ ...m, content: m.content.replace(/\{\{\s*(\w+)\s*\}\}/g, (_w, k: string) => String(vars[k] ?? '')) }));

const input = (over: Partial<GraderInput>): GraderInput => ({ type: 'factuality', inverse: false, value: 'Paris', threshold: undefined, output: 'It is Paris', prompt: 'Capital of France?', vars: {}, ...over });

describe('reading grader answers as promptfoo reads them', () => {
  it('factuality: JSON category (A, B, C, E pass; D fails), the legacy (X) form, anything else fails', () => {
    expect(readFactuality('{"category": "C", "reason": "same"}')).toEqual({ pass: true, score: 1, reason: 'same' });
    expect(readFactuality('{"category": "d"}')).toMatchObject({ pass: false, score: 0, reason: 'Category D: There is a disagreement between the submitted answer and the expert answer.' });
    expect(readFactuality('{"category": "Z"}')).toMatchObject({ pass: false, reason: 'Invalid category value: Z' });
    expect(readFactuality('(B) it adds detail')).toEqual({ pass: true, score: 1, reason: 'it adds detail' });
    expect(readFactuality('no idea').reason).toMatch(/^Factuality checker output did not match expected format/);
  });

  it('closed QA passes on a trailing Y only', () => {
    expect(readClosedQa('reasoning\nY\n').pass).toBe(true);
    expect(readClosedQa('reasoning\nN').reason).toMatch(/^The submission does not meet the criterion:/);
    expect(readClosedQa('Yes, maybe').reason).toMatch(/^Model grader produced a malformed response/);
  });

  it('G-Eval: steps as {"steps": [...]}, a 0-10 score read as a tenth, bad answers fail as grader errors', () => {
    expect(readGEvalSteps('{"steps":["a","b"]}')).toEqual({ ok: true, steps: ['a', 'b'] });
    expect(readGEvalSteps('{"steps":[]}')).toEqual({ ok: false, error: 'LLM does not propose any evaluation step' });
    expect(readGEvalScore('{"score":7,"reason":"ok"}', 0.7)).toEqual({ pass: true, score: 0.7, reason: 'ok' });
    expect(readGEvalScore('{"score":11,"reason":"x"}', 0.7)).toMatchObject({ pass: false, graderError: true });
    expect(readGEvalScore('{"score":"5","reason":""}', 0.7).reason).toMatch(/invalid or missing reason/);
  });

  it('select-best reads the first integer; out of range fails every answer', () => {
    expect(readSelectBest('The best is 1.', 3, 'kind').map((v) => v.pass)).toEqual([false, true, false]);
    expect(readSelectBest('7', 2, 'kind').every((v) => !v.pass && v.reason === 'Invalid select-best verdict: 7')).toBe(true);
  });

  it('hostile answers (huge, NUL bytes, markup, formulas) are read as text and never thrown on', () => {
    const huge = `${'\u0000<script>alert(1)</script>=HYPERLINK("x")'.repeat(50_000)}`;
    expect(() => readFactuality(huge)).not.toThrow();
    expect(readClosedQa(huge).pass).toBe(false);
    expect(readGEvalSteps(huge).ok).toBe(false);
    expect(readGEvalScore(huge, 0.5).pass).toBe(false);
    // The first integer in it is alert(1)'s.
    expect(readSelectBest(huge, 2, 'x').map((v) => v.pass)).toEqual([false, true]);
    expect(moderationFlags({ results: [{ flagged: true, categories: { violence: true, '<b>': true }, category_scores: { violence: 'high' } }] })).toEqual([
      { code: 'violence', confidence: 0 },
      { code: '<b>', confidence: 0 },
    ]);
    expect(moderationFlags('not json')).toEqual([]);
  });
});

describe('similarity, moderation and max-score as promptfoo decides them', () => {
  it('similar: at or above the threshold; not- flips; euclidean is a distance', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBeCloseTo(1);
    expect(similarityVerdict(0.8, 0.75, false, 'cosine')).toMatchObject({ pass: true, score: 0.8 });
    expect(similarityVerdict(0.8, 0.75, true, 'cosine')).toMatchObject({ pass: false });
    expect(similarityVerdict(1, 2, false, 'euclidean')).toEqual({ pass: true, score: 0.5, reason: 'Distance 1.00 is less than or equal to threshold 2' });
  });

  it('moderation: any flag fails, a category list narrows it', () => {
    const flags = [{ code: 'violence', confidence: 0.9 }];
    expect(moderationVerdict(flags, []).pass).toBe(false);
    expect(moderationVerdict(flags, ['harassment'])).toEqual({ pass: true, score: 1, reason: 'No relevant moderation flags detected' });
    expect(moderationVerdict([], []).reason).toBe('No moderation flags detected');
  });

  it('max-score: the highest mean (or sum) wins, the first on a tie, none below the threshold', () => {
    const rows = [[{ type: 'contains', score: 1 }, { type: 'bleu', score: 0.2 }], [{ type: 'contains', score: 1 }, { type: 'bleu', score: 0.6 }]];
    const picked = selectMaxScore(rows, undefined);
    expect(picked.ok && picked.verdicts.map((v) => v.pass)).toEqual([false, true]);
    const weighted = selectMaxScore(rows, { weights: { bleu: 0 } });
    expect(weighted.ok && weighted.verdicts.map((v) => v.pass)).toEqual([true, false]);
    const high = selectMaxScore(rows, { method: 'sum', threshold: 5 });
    expect(high.ok && high.verdicts.every((v) => !v.pass)).toBe(true);
    expect(selectMaxScore([[{ type: 'max-score', score: 1 }], []], undefined)).toMatchObject({ ok: false });
  });
});

describe('grading with a model', () => {
  const judgeSaying = (answer: string, seen: Message[][] = []): GraderTools => ({
    judge: async (messages) => {
      seen.push(messages);
      return answer;
    },
    render: fill,
  });

  it('factuality fills promptfoo\'s prompt with the question, the expert answer and the answer (values are not re-read as templates)', async () => {
    const seen: Message[][] = [];
    const verdict = await gradeWithModel(input({ output: 'It is {{ideal}} <b>', value: 'Paris' }), judgeSaying('{"category":"A"}', seen));
    expect(verdict.pass).toBe(true);
    expect(seen[0]?.[1]?.content).toContain('<question>\nCapital of France?\n</question>');
    expect(seen[0]?.[1]?.content).toContain('<submitted_answer>\nIt is {{ideal}} <b>\n</submitted_answer>');
  });

  it('not-factuality and not-model-graded-closedqa are not inverted, as in promptfoo; not-g-eval is', async () => {
    expect((await gradeWithModel(input({ inverse: true }), judgeSaying('{"category":"C"}'))).pass).toBe(true);
    expect((await gradeWithModel(input({ type: 'model-graded-closedqa', inverse: true }), judgeSaying('r\nY'))).pass).toBe(true);
    const tools: GraderTools = { render: fill, judge: async (m) => (m[0]?.content.includes('rate the Reply') ? '{"score":9,"reason":"fine"}' : '{"steps":["a"]}') };
    const geval = await gradeWithModel(input({ type: 'g-eval', value: 'clear', inverse: true }), tools);
    expect(geval.pass).toBe(false);
    expect(geval.score).toBeCloseTo(0.1);
  });

  it('a judge that fails, or none, fails the check with the reason', async () => {
    const failing: GraderTools = { render: fill, judge: () => Promise.reject(new Error('down')) };
    expect((await gradeWithModel(input({}), failing)).reason).toBe('The judge model failed: down');
    expect((await gradeWithModel(input({}), { render: fill })).reason).toMatch(/needs a grader model/);
    expect((await gradeWithModel(input({ type: 'similar', value: 'x' }), {})).reason).toMatch(/needs embeddings/);
  });

  it('answer-relevance compares three generated questions with the query by embeddings', async () => {
    const tools: GraderTools = { ...judgeSaying('What is the capital?'), embed: async (text) => (text.includes('capital') ? [1, 0] : [0, 1]) };
    const verdict = await gradeWithModel(input({ type: 'answer-relevance', vars: { query: 'the capital' }, threshold: 0.5 }), tools);
    expect(verdict).toMatchObject({ pass: true, score: 1, reason: 'Relevance 1.00 is greater than threshold 0.5' });
  });

  it('select-best renders every answer into the judge\'s prompt', async () => {
    const seen: Message[][] = [];
    const render = (messages: readonly Message[], vars: Record<string, unknown>) => fill(messages, { ...vars, outputs: (vars['outputs'] as unknown[]).join('|') });
    const verdicts = await gradeSelectBest('kindest', ['a', 'b'], {}, { judge: async (m) => (seen.push(m), '1'), render });
    expect(verdicts.map((v) => v.pass)).toEqual([false, true]);
    await expect(gradeSelectBest('kindest', ['only one'], {}, {})).resolves.toMatchObject([{ pass: false, reason: 'select-best assertion must have at least two outputs to compare between' }]);
  });

  it('marks a check with no grader to ask as not graded (a re-grade asks again), not as a verdict', async () => {
    const none = await evaluateAssertionAsync({ type: 'factuality', value: 'Paris' }, { output: 'Paris', vars: {}, prompt: 'Capital?' });
    expect(none).toMatchObject({ pass: false, needsJudge: true, reason: '"factuality" needs a grader model (defaultTest.options.provider, or the judge in the run); it has not been graded' });
    expect((await evaluateAssertionAsync({ type: 'not-moderation' }, { output: 'x', vars: {} })).needsJudge).toBe(true);
  });

  it('reaches these checks through evaluateAssertionAsync, with promptfoo\'s type names', async () => {
    const result = await evaluateAssertionAsync({ type: 'similar:dot', value: 'x', threshold: 1 }, { output: 'y', vars: {} }, { embed: async () => [1, 1] });
    expect(result).toMatchObject({ pass: true, score: 2 });
  });

  it('gives graders the prompt as promptfoo does: one user message as text, else the messages as JSON; JSON answers as values', () => {
    expect(promptText([{ role: 'user', content: 'hi' }])).toBe('hi');
    expect(promptText([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }])).toBe('[{"role":"system","content":"s"},{"role":"user","content":"u"}]');
    expect(templateValue('{"a": 1}')).toBe('{"a":1}');
    expect(templateValue('plain')).toBe('plain');
  });
});

describe('a re-grade keeps the comparison a row was graded with', () => {
  it('merges the select-best / max-score results again, and drops those no longer in the run', async () => {
    const { carryComparisons } = await import('../../src/main/runner/compare');
    const lost = { type: 'select-best', pass: false, score: 0, reason: 'Output not selected: kind' };
    const previous = { pass: false, score: 0, reason: lost.reason, componentResults: [{ type: 'contains', pass: true, score: 1, reason: 'ok' }, lost] };
    const regraded = { pass: true, score: 1, reason: 'All assertions passed', componentResults: [{ type: 'contains', pass: true, score: 1, reason: 'ok' }] };
    const spec = { assertions: [{ type: 'select-best' as const, value: 'kind' }], testCases: [{ id: 't', vars: {} }], judge: undefined };
    expect(carryComparisons(regraded, previous, spec, 0)).toEqual({ pass: false, score: 0, reason: lost.reason, componentResults: [...regraded.componentResults, lost] });
    expect(carryComparisons(regraded, previous, { ...spec, assertions: [] }, 0)).toEqual(regraded);
  });
});
