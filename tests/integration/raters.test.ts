/**
 * Several raters through the services: a ballot goes out with the blind pairs only, two
 * colleagues' votes files come back and merge by rater (idempotently), the agreement and the
 * per-rater verdict follow from them, hostile votes files are refused, and the llm-pairwise
 * judge votes in both orders through the fake OpenAI server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { parseBallot, votesFileText, type Ballot, type BallotVote } from '../../src/shared/judging/ballot';
import type { Column, RunStatus, TestCase } from '../../src/shared/schemas';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

async function call<M extends MethodName>(services: Services, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

function finished(services: Services, runId: string): Promise<RunStatus> {
  return new Promise((resolve) => {
    const off = services.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        off();
        resolve(event.status);
      }
    });
  });
}

const dirs: string[] = [];
const opened: Services[] = [];
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
async function open(): Promise<Services> {
  const dir = await mkdtemp(join(tmpdir(), 'parallax-raters-'));
  dirs.push(dir);
  const services = createServices({ dataDir: dir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 64 } });
  opened.push(services);
  return services;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
afterAll(async () => {
  await fake.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const CITIES = ['Paris', 'Rome', 'Oslo', 'Lima', 'Kyiv', 'Quito'];
const CASES: TestCase[] = CITIES.map((city, i) => ({ id: `c${i}`, vars: { city } }));
const MESSAGES = [{ role: 'user' as const, content: 'Name the capital city {{ city }} is in.' }];
const FULL: Column = { id: 'full-secret-column', providerId: 'echo', model: 'echo', params: {}, label: 'SecretLabelA' };
const SHORT: Column = { id: 'short-secret-column', providerId: 'echo', model: 'echo', params: { maxTokens: 3 }, label: 'SecretLabelB' };

async function twoVariantRun(services: Services): Promise<string> {
  const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: CASES, columns: [FULL, SHORT] });
  await finished(services, runId);
  return runId;
}

/** A vote for variant "a" (the first) or "b" or a tie by row, told as the ballot's Left/Right (two variants: one pair a row). */
function votesFor(ballot: Ballot, sides: { leftColumn: number }[], labels: readonly ('a' | 'b' | 'tie')[]): BallotVote[] {
  return ballot.pairs.map((pair) => {
    const label = labels[pair.row - 1] ?? 'tie';
    const leftIsA = sides[pair.row - 1]?.leftColumn === 0;
    return { pair: pair.id, outcome: label === 'tie' ? 'tie' : (label === 'a') === leftIsA ? 'left' : 'right' };
  });
}

describe('several raters', () => {
  it('exports a blind ballot, merges two raters’ votes by rater, and shows their agreement', async () => {
    const services = await open();
    const runId = await twoVariantRun(services);
    const file = await call(services, 'judge.exportBallot', { runId });
    // Blind: no model, provider, variant label, column id or cost anywhere in the file.
    for (const secret of ['SecretLabel', 'secret-column', '"echo"', 'Echo', 'providerId', 'model', 'cost']) expect(file.text).not.toContain(secret);
    const parsed = parseBallot(file.text);
    if (!parsed.ok) throw new Error(parsed.message);
    const ballot = parsed.value;
    const { pairs } = await call(services, 'judge.pairs', { runId });
    expect(ballot.pairs).toHaveLength(6);
    // The same blind sides the local judge sees.
    const byRow = [...ballot.pairs].sort((x, y) => x.row - y.row);
    expect(byRow.map((p) => [p.left, p.right])).toEqual(pairs.map((p) => [p.leftOutput, p.rightOutput]));
    expect(byRow[1]?.vars).toEqual({ city: 'Rome' });
    // Both variants sent the same messages, so the prompt as sent is on the ballot.
    expect(byRow[1]?.prompt).toEqual([{ role: 'user', content: 'Name the capital city Rome is in.' }]);

    // Alice and Bob, in canonical labels (a: the first variant is better). By hand: 5 of 6 agree,
    // Alice's margins a 3, b 2, tie 1; Bob's a 2, b 3, tie 1; chance 13/36, so kappa = 17/23.
    const alice = votesFileText(ballot, 'Alice', votesFor(ballot, pairs, ['a', 'a', 'b', 'b', 'a', 'tie']));
    const bob = votesFileText(ballot, 'Bob', votesFor(ballot, pairs, ['a', 'b', 'b', 'b', 'a', 'tie']));
    expect(await call(services, 'judge.importVotes', { runId, text: alice })).toEqual({ rater: 'Alice', added: 6, changed: 0, unchanged: 0 });
    expect(await call(services, 'judge.importVotes', { runId, text: bob })).toEqual({ rater: 'Bob', added: 6, changed: 0, unchanged: 0 });
    // Idempotent: the same file again adds nothing.
    expect(await call(services, 'judge.importVotes', { runId, text: alice })).toEqual({ rater: 'Alice', added: 0, changed: 0, unchanged: 6 });
    expect((await call(services, 'judge.votes', { runId })).votes).toHaveLength(12);

    const report = await call(services, 'judge.agreement', { runId });
    expect(report.raters.map((r) => [r.rater, r.votes])).toEqual([
      ['Alice', 6],
      ['Bob', 6],
    ]);
    expect(report.overall.items).toBe(6);
    expect(report.overall.cohen?.estimate).toBeCloseTo(17 / 23, 12);
    expect(report.overall.percentAgree).toBeCloseTo(5 / 6, 12);
    expect(report.pairs).toHaveLength(1);
    expect(report.pairs[0]?.measures.cohen?.estimate).toBeCloseTo(17 / 23, 12);
    expect(report.overall.alpha.estimate).not.toBeNull();
    // The one row they disagree on (Rome), with each one's label.
    expect(report.disagreements).toEqual([
      {
        caseIndex: 1,
        a: 0,
        b: 1,
        disagreement: 1,
        labels: [
          { rater: 'Alice', label: 'a' },
          { rater: 'Bob', label: 'b' },
        ],
      },
    ]);

    // Rankings from one rater or all.
    const all = await call(services, 'judge.verdict', { runId });
    const onlyAlice = await call(services, 'judge.verdict', { runId, rater: 'Alice' });
    // All raters: one observation per row, the people's majority (Rome split: a tie), not 12 votes.
    expect([all.pairs[0]?.wins, all.pairs[0]?.losses, all.pairs[0]?.ties, all.votes]).toEqual([2, 2, 2, 6]);
    expect([onlyAlice.pairs[0]?.wins, onlyAlice.pairs[0]?.losses, onlyAlice.votes]).toEqual([3, 2, 6]);

    // A changed vote replaces Alice's old one.
    const changed = votesFileText(ballot, 'Alice', votesFor(ballot, pairs, ['a', 'b', 'b', 'b', 'a', 'tie']));
    expect(await call(services, 'judge.importVotes', { runId, text: changed })).toEqual({ rater: 'Alice', added: 0, changed: 1, unchanged: 5 });
    expect((await call(services, 'judge.agreement', { runId })).overall.cohen?.estimate).toBeCloseTo(1, 12);
  });

  it('puts a ballot’s pairs in the opaque ids’ order, so a pair’s place does not tell its variants', async () => {
    const services = await open();
    const third: Column = { ...SHORT, id: 'third-secret-column', params: { maxTokens: 5 } };
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: CASES, columns: [FULL, SHORT, third] });
    await finished(services, runId);
    const parsed = parseBallot((await call(services, 'judge.exportBallot', { runId })).text);
    if (!parsed.ok) throw new Error(parsed.message);
    const ids = parsed.value.pairs.map((p) => p.id);
    expect(ids).toHaveLength(18);
    expect(ids).toEqual([...ids].sort());
    // Not row by row in column order (A–B, A–C, B–C of row 1, then row 2…).
    const rows = parsed.value.pairs.map((p) => p.row);
    expect(rows).not.toEqual([...rows].sort((x, y) => x - y));
  });

  it('refuses votes on answers a re-run has since replaced, naming the re-run', async () => {
    const services = await open();
    const providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: fake.baseUrl, apiKey: 'sk-raters-test-key-0123456789' })).id;
    fake.script(...['one', 'two', 'three', 'four'].map((word) => ({ kind: 'chat-script' as const, text: [`Answer ${word}.`] })));
    const columns: Column[] = [
      { id: 'ca', providerId, model: 'fake-a', params: {} },
      { id: 'cb', providerId, model: 'fake-b', params: {} },
    ];
    const started = await call(services, 'runs.start', { messages: MESSAGES, testCases: CASES.slice(0, 2), columns });
    await finished(services, started.runId);
    const { runId } = started;
    const parsed = parseBallot((await call(services, 'judge.exportBallot', { runId })).text);
    if (!parsed.ok) throw new Error(parsed.message);
    const ballot = parsed.value;
    // Row 1's first answer is asked again and comes back different; the cell keeps its id.
    const detail = await call(services, 'runs.get', { runId });
    const cell = detail.cells.find((c) => c.caseIndex === 0 && c.columnIndex === 0);
    if (!cell) throw new Error('no cell');
    fake.script({ kind: 'chat-script', text: ['A new answer nobody voted on.'] });
    const again = finished(services, runId);
    await call(services, 'runs.rerun', { runId, cellIds: [cell.id] });
    await again;
    expect((await call(services, 'runs.get', { runId })).cells.find((c) => c.id === cell.id)?.output).toBe('A new answer nobody voted on.');
    const votes = ballot.pairs.map((p) => ({ pair: p.id, outcome: 'left' as const }));
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'Carol', votes) })).rejects.toThrow(/1 of the 2 votes .*re-run/);
    expect((await call(services, 'judge.votes', { runId })).votes).toHaveLength(0);
    // Row 2's answers did not change: a vote on them still counts.
    const kept = ballot.pairs.filter((p) => p.row === 2).map((p) => ({ pair: p.id, outcome: 'left' as const }));
    expect(await call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'Carol', kept) })).toMatchObject({ added: 1 });
  });

  it('refuses votes for another run, from the local name, for unknown pairs, and hostile files', async () => {
    const services = await open();
    const runId = await twoVariantRun(services);
    const other = await twoVariantRun(services);
    const parsed = parseBallot((await call(services, 'judge.exportBallot', { runId: other })).text);
    if (!parsed.ok) throw new Error(parsed.message);
    const otherBallot = parsed.value;
    const votes = otherBallot.pairs.map((p) => ({ pair: p.id, outcome: 'left' as const }));
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(otherBallot, 'Carol', votes) })).rejects.toThrow(/ballot of another run/);

    const own = parseBallot((await call(services, 'judge.exportBallot', { runId })).text);
    if (!own.ok) throw new Error(own.message);
    const ballot = own.value;
    const good = ballot.pairs.map((p) => ({ pair: p.id, outcome: 'left' as const }));
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'me', good) })).rejects.toThrow(/your own name/);
    await call(services, 'raters.setMe', { name: 'Dana' });
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'dana', good) })).rejects.toThrow(/your own name/);
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'judge:gpt', good) })).rejects.toThrow(/kept for LLM judges/);
    const unknown = [...good, { pair: 'abcdef0123456789', outcome: 'right' as const }];
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'Carol', unknown) })).rejects.toThrow(/1 of the 7 votes name pairs this run does not have/);

    const base = JSON.parse(votesFileText(ballot, 'Carol', good)) as Record<string, unknown>;
    const hostile: [string, RegExp][] = [
      ['not json {', /not JSON/],
      ['[]', /not a votes file/],
      [JSON.stringify({ ...base, version: 2 }), /version 2/],
      [JSON.stringify({ ...base, rater: 'Eve\u0000' }), /control characters/],
      [JSON.stringify({ ...base, rater: 'Al\u200bice' }), /invisible format characters/],
      [JSON.stringify({ ...base, rater: '\u202eecilA' }), /invisible format characters/],
      [JSON.stringify({ ...base, rater: 42 }), /damaged/],
      [JSON.stringify({ ...base, votes: [{ pair: '=HYPERLINK("x")', outcome: 'left' }] }), /hex/],
      [JSON.stringify({ ...base, votes: [{ pair: good[0]?.pair, outcome: '<script>' }] }), /damaged/],
      [JSON.stringify({ ...base, votes: [...good, good[0]] }), /twice/],
      [JSON.stringify({ ...base, extra: { deep: true } }), /damaged/],
      [`${'['.repeat(5000)}${']'.repeat(5000)}`, /nested too deeply/],
      [`{"format":"parallax-votes","a":${'{"b":'.repeat(100)}1${'}'.repeat(100)}}`, /nested too deeply/],
    ];
    for (const [text, message] of hostile) await expect(call(services, 'judge.importVotes', { runId, text }), text.slice(0, 60)).rejects.toThrow(message);
    // Over the cap: refused by the contract before any parsing.
    await expect(call(services, 'judge.importVotes', { runId, text: `{"x":"${'a'.repeat(5 * 1024 * 1024)}"}` })).rejects.toThrow(/larger than 5 MB/);
    expect((await call(services, 'judge.votes', { runId })).votes).toHaveLength(0);
    // The local person's own votes carry their name.
    const { pairs } = await call(services, 'judge.pairs', { runId });
    const first = pairs[0];
    if (!first) throw new Error('no pair');
    const vote = await call(services, 'judge.vote', { runId, leftCellId: first.leftCellId, rightCellId: first.rightCellId, outcome: 'left' });
    expect(vote.rater).toBe('Dana');
    // Renaming carries the person's votes along, but never onto a colleague's name.
    // Signed in full-width letters: the same name once normalised (NFKC).
    expect(await call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'Ｃａｒｏｌ', good) })).toMatchObject({ rater: 'Carol', added: 6 });
    // The same name in other case is refused: one person or two cannot be told.
    await expect(call(services, 'judge.importVotes', { runId, text: votesFileText(ballot, 'CAROL', good) })).rejects.toThrow(/votes from "Carol" are already here/);
    await expect(call(services, 'raters.setMe', { name: 'carol' })).rejects.toThrow(/already here/);
    // A refused rename keeps the name as it was (votes and the setting change together or not at all).
    expect(await call(services, 'raters.me', {})).toEqual({ name: 'Dana' });
    await call(services, 'raters.setMe', { name: 'Dana K.' });
    const raters = (await call(services, 'judge.agreement', { runId })).raters.map((r) => [r.rater, r.votes]);
    expect(raters).toEqual([
      ['Carol', 6],
      ['Dana K.', 1],
    ]);
    expect(await call(services, 'raters.me', {})).toEqual({ name: 'Dana K.' });
  });
});

describe('the llm-pairwise judge', () => {
  it('asks in both orders, stores its votes as judge:<model>, and is measured against the people', async () => {
    const services = await open();
    const runId = await twoVariantRun(services);
    const providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: fake.baseUrl, apiKey: 'sk-raters-test-key-0123456789' })).id;
    const { pairs } = await call(services, 'judge.pairs', { runId });
    // Two calls per pair, forward (left as A) then reversed (right as A), in pair order with 4 at
    // once: script every reply the same, then vary by pair through the answers' order below.
    fake.resetStats();
    fake.script(...Array.from({ length: 12 }, () => ({ kind: 'chat-script' as const, text: ['Assistant A explains more. [[A]]'] })));
    const result = await call(services, 'judge.pairwise', { runId, providerId, model: 'fake-judge-model' });
    // "A" in both orders means a different side each time: position decided every pair.
    expect(result).toEqual({ rater: 'judge:fake-judge-model', voted: 6, flips: 6, failed: 0 });
    const chats = fake.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats).toHaveLength(12);
    // Blind: the judge sees no variant label, column id or provider.
    for (const r of chats) for (const secret of ['SecretLabel', 'secret-column', 'echo']) expect(r.rawBody).not.toContain(secret);
    const judgeVotes = (await call(services, 'judge.votes', { runId })).votes.filter((v) => v.rater === 'judge:fake-judge-model');
    expect(judgeVotes.every((v) => v.outcome === 'tie' && v.detail?.forward === 'left' && v.detail.reversed === 'right')).toBe(true);

    // A person votes: the first variant better everywhere. The judge called every pair a tie.
    for (const p of pairs) await call(services, 'judge.vote', { runId, leftCellId: p.leftCellId, rightCellId: p.rightCellId, outcome: p.leftColumn === 0 ? 'left' : 'right' });
    const report = await call(services, 'judge.agreement', { runId });
    const judge = report.judges[0];
    expect(judge?.judge).toBe('judge:fake-judge-model');
    expect(judge?.items).toBe(6);
    expect(judge?.accuracy).toMatchObject({ k: 0, n: 6, estimate: 0 });
    expect(judge?.confusion).toEqual([
      [0, 0, 6],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(judge?.positionBias).toMatchObject({ k: 6, n: 6, estimate: 1 });
    expect(judge?.selfPreference).toBeNull();
    // The judge is a rater the verdict can rank by, but not one of the people whose agreement is measured.
    expect(report.raters.find((r) => r.rater === 'judge:fake-judge-model')?.judge).toBe(true);
    expect(report.overall.raters).toBe(1);
    // The verdict of all raters is the people's: six judge ties do not dilute the person's six wins.
    const all = await call(services, 'judge.verdict', { runId });
    expect([all.pairs[0]?.wins, all.pairs[0]?.losses, all.pairs[0]?.ties, all.votes]).toEqual([6, 0, 0, 6]);
    const exported = JSON.parse((await call(services, 'runs.export', { runId, format: 'json' })).text) as { votes: unknown[]; verdict: { votes: number } };
    expect([exported.votes.length, exported.verdict.votes]).toEqual([12, 6]);
    // Picked as the rater, the judge's own votes are the verdict.
    const byJudge = await call(services, 'judge.verdict', { runId, rater: 'judge:fake-judge-model' });
    expect([byJudge.pairs[0]?.wins, byJudge.pairs[0]?.ties, byJudge.votes]).toEqual([0, 6, 6]);

    // Asked again (a judge that now calls every pair a tie in both orders): its votes are replaced, not doubled.
    fake.script(...Array.from({ length: 12 }, () => ({ kind: 'chat-script' as const, text: ['Equally good. [[C]]'] })));
    expect(await call(services, 'judge.pairwise', { runId, providerId, model: 'fake-judge-model' })).toEqual({ rater: 'judge:fake-judge-model', voted: 6, flips: 0, failed: 0 });
    const after = await call(services, 'judge.agreement', { runId });
    expect(after.raters.find((r) => r.rater === 'judge:fake-judge-model')?.votes).toBe(6);
    expect(after.judges[0]?.positionBias).toMatchObject({ k: 0, n: 6 });

    // A reply with no verdict is no vote.
    fake.script(...Array.from({ length: 12 }, () => ({ kind: 'chat-script' as const, text: ['I cannot decide.'] })));
    expect(await call(services, 'judge.pairwise', { runId, providerId, model: 'other-judge' })).toMatchObject({ voted: 0, failed: 6 });
  });

  it('gives the judge the row’s values, not one side’s prompt, when the variants were sent different prompts', async () => {
    const services = await open();
    const saved = await call(services, 'library.save', { name: 'Other wording', description: '', tags: [], messages: [{ role: 'user', content: 'LEFT-ONLY-WORDING for {{ city }}' }], variables: {}, columns: [] });
    const { runId } = await call(services, 'runs.start', { messages: MESSAGES, testCases: CASES.slice(0, 2), columns: [{ ...FULL, promptVersionId: saved.version.id }, SHORT] });
    await finished(services, runId);
    const providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: fake.baseUrl, apiKey: 'sk-raters-test-key-0123456789' })).id;
    fake.resetStats();
    fake.script(...Array.from({ length: 4 }, () => ({ kind: 'chat-script' as const, text: ['Same. [[C]]'] })));
    expect(await call(services, 'judge.pairwise', { runId, providerId, model: 'fake-judge-model' })).toMatchObject({ voted: 2 });
    const bodies = fake.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.rawBody);
    expect(bodies).toHaveLength(4);
    // Echo's answers repeat their prompt; the request part (role: text) holds neither side's.
    for (const body of bodies) {
      expect(body).not.toContain('user: LEFT-ONLY-WORDING');
      expect(body).not.toContain('user: Name the capital city');
    }
    expect(bodies.some((b) => b.includes('city: Paris'))).toBe(true);
  });

  it('says what asking would take before it asks, and stops when told, keeping no half-asked pair', async () => {
    const services = await open();
    const runId = await twoVariantRun(services);
    const providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: fake.baseUrl, apiKey: 'sk-raters-test-key-0123456789' })).id;
    await call(services, 'prices.save', { overrides: { stall: { inputPerMTok: 1000, outputPerMTok: 1000 } } });
    fake.resetStats();
    const estimate = await call(services, 'judge.pairwiseEstimate', { runId, providerId, model: 'stall' });
    expect(estimate).toMatchObject({ rater: 'judge:stall', pairs: 6, capped: 0, calls: 12 });
    expect(estimate.inputTokens).toBeGreaterThan(6 * 2 * 20);
    // 12 calls × 256 assumed output tokens at $1,000 per million, plus the input.
    expect(estimate.costUsd).toBeGreaterThan((12 * 256 * 1000) / 1e6);
    expect(fake.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(0);
    // A judge whose answers never end: stopped, nothing counts as failed or voted.
    const asked = call(services, 'judge.pairwise', { runId, providerId, model: 'stall' });
    await expect.poll(() => fake.requests.filter((r) => r.path === '/v1/chat/completions').length).toBeGreaterThan(0);
    await expect(call(services, 'judge.pairwise', { runId, providerId, model: 'stall' })).rejects.toThrow(/already asking/);
    expect(await call(services, 'judge.pairwiseStop', { runId })).toEqual({ stopped: true });
    expect(await asked).toEqual({ rater: 'judge:stall', voted: 0, flips: 0, failed: 0, notAsked: 6, stopped: true });
    expect(await call(services, 'judge.pairwiseStop', { runId })).toEqual({ stopped: false });
  });

  it('reads llm-rubric scores as a pairwise judge and measures it against the people', async () => {
    const services = await open();
    const providerId = (await call(services, 'providers.save', { name: 'Fake', baseUrl: fake.baseUrl, apiKey: 'sk-raters-test-key-0123456789' })).id;
    // Echo repeats the prompt: the full answer holds "bad" (the fake judge fails it), the 3-token one does not.
    const { runId } = await call(services, 'runs.start', {
      messages: [{ role: 'user', content: 'Fine {{ city }} then bad' }],
      testCases: CASES.slice(0, 4),
      columns: [FULL, SHORT],
      assertions: [{ type: 'llm-rubric', value: 'reads well' }],
      judge: { providerId, model: 'fake-judge' },
    });
    await finished(services, runId);
    const { pairs } = await call(services, 'judge.pairs', { runId });
    // The person prefers the full answer everywhere; the rubric prefers the short one everywhere.
    for (const p of pairs) await call(services, 'judge.vote', { runId, leftCellId: p.leftCellId, rightCellId: p.rightCellId, outcome: p.leftColumn === 0 ? 'left' : 'right' });
    const report = await call(services, 'judge.agreement', { runId });
    const rubric = report.judges.find((j) => j.judge === 'judge:llm-rubric');
    expect(rubric).toMatchObject({ items: 4, accuracy: { k: 0, n: 4 }, positionBias: null, selfPreference: null });
    expect(rubric?.confusion).toEqual([
      [0, 4, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    // Not a rater with stored votes: the verdict's rater picker does not offer it.
    expect(report.raters.map((r) => r.rater)).toEqual(['me']);
  });
});
