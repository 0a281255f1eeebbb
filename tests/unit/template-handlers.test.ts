import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract, type RunEstimate } from '../../src/shared/contract';
import type { Column, Message, TestCase } from '../../src/shared/schemas';
import { templateHandlers, DEFAULT_OUTPUT_TOKENS } from '../../src/main/handlers/templates';
import { messageTokens, TokenCounter } from '../../src/main/providers/tokens';
import { renderMessages } from '../../src/main/template/render';
import { Store } from '../../src/main/store/store';

let store: Store;
let handlers: ReturnType<typeof templateHandlers>;

beforeEach(() => {
  store = new Store(mkdtempSync(join(tmpdir(), 'parallax-templates-')));
  handlers = templateHandlers({ store });
});
afterEach(() => store.close());

const messages: Message[] = [
  { role: 'system', content: 'You are a careful grader. Answer in one word.' },
  { role: 'user', content: '{% for ex in examples %}Q: {{ ex.q }}\nA: {{ ex.a }}\n{% endfor %}Q: {{ question }}\nA:' },
];
const examples = [
  { q: 'Is the sky blue?', a: 'yes' },
  { q: 'Is fire cold?', a: 'no' },
];
function rows(n: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}`, vars: { examples, question: `Is ${i} even?` } }));
}
function column(model: string, params: Column['params'] = {}): Column {
  return { id: model, providerId: 'echo', model, params };
}
function estimate(input: Parameters<typeof handlers['runs.estimate']>[0]): Promise<RunEstimate> {
  // Parse as the front doors do, so defaults apply and the output matches the contract.
  return handlers['runs.estimate'](contract['runs.estimate'].input.parse(input)).then((out) => contract['runs.estimate'].output.parse(out));
}

describe('templates.preview', () => {
  it('shows the exact messages a row sends, loops rendered', async () => {
    const result = await handlers['templates.preview']({ messages, vars: { examples, question: 'Is water wet?' } });
    expect(result.errors).toEqual([]);
    expect(result.messages[1]?.content).toBe('Q: Is the sky blue?\nA: yes\nQ: Is fire cold?\nA: no\nQ: Is water wet?\nA:');
    expect(result.messages[0]).toEqual(messages[0]);
  });

  it('reports a template error with its message, line and column, and renders the rest', async () => {
    const result = await handlers['templates.preview']({
      messages: [messages[0]!, { role: 'user', content: 'ok\n{% for x in xs %}{{ x }}' }],
      vars: {},
    });
    expect(result.messages[0]?.content).toBe(messages[0]?.content);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ messageIndex: 1, line: 2, message: expect.stringMatching(/end of file/) as unknown as string });
    contract['templates.preview'].output.parse(result);
  });
});

describe('runs.estimate', () => {
  it('counts the tools offered with every request: the prompt\'s, or a variant\'s own', async () => {
    const cases = rows(3);
    const tools = [{ name: 'get_weather', description: 'The current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const own = [{ name: 'x', description: 'y' }];
    const without = await estimate({ messages, testCases: cases, columns: [column('gpt-4o'), column('gpt-4o', { tools: own })], repeats: 1 });
    const withTools = await estimate({ messages, testCases: cases, columns: [column('gpt-4o'), column('gpt-4o', { tools: own })], repeats: 1, tools });
    const counter = new TokenCounter();
    expect(withTools.columns[0]!.inputTokens - without.columns[0]!.inputTokens).toBe(3 * counter.count(JSON.stringify(tools)));
    // A variant with tools of its own is sent those, not the prompt's.
    expect(withTools.columns[1]!.inputTokens).toBe(without.columns[1]!.inputTokens);
    expect(without.columns[1]!.inputTokens - without.columns[0]!.inputTokens).toBe(3 * counter.count(JSON.stringify(own)));
  });

  it('counts the rendered tokens of every cell: variants × rows × repeats', async () => {
    const cases = rows(5);
    const result = await estimate({ messages, testCases: cases, columns: [column('gpt-4o-mini'), column('gpt-4o', { maxTokens: 100 })], repeats: 2 });
    const perRow = cases.map((c) => messageTokens(renderMessages(messages, c.vars)));
    const all = perRow.reduce((a, b) => a + b, 0);
    expect(result.cells).toBe(5 * 2 * 2);
    expect(result.columns.map((c) => c.inputTokens)).toEqual([all * 2, all * 2]);
    expect(result.inputTokens).toBe(all * 4);
    expect(result.columns.map((c) => c.assumedOutputTokens)).toEqual([DEFAULT_OUTPUT_TOKENS, 100]);
    const mini = (all * 2 * 0.15 + DEFAULT_OUTPUT_TOKENS * 10 * 0.6) / 1e6;
    const big = (all * 2 * 2.5 + 100 * 10 * 10) / 1e6;
    expect(result.columns[0]?.costUsd).toBeCloseTo(mini, 12);
    expect(result.columns[1]?.costUsd).toBeCloseTo(big, 12);
    expect(result.costUsd).toBeCloseTo(mini + big, 12);
    expect(result.errors).toEqual([]);
  });

  it('estimates only the rows asked for', async () => {
    const cases = rows(10);
    const result = await estimate({ messages, testCases: cases, caseIndexes: [2, 7], columns: [column('echo')], repeats: 1 });
    expect(result.cells).toBe(2);
    const expected = [2, 7].reduce((sum, i) => sum + messageTokens(renderMessages(messages, cases[i]!.vars)), 0);
    expect(result.inputTokens).toBe(expected);
    expect(result.costUsd).toBe(0);
  });

  it('marks a column with no known price as unpriced, and has no total when none is priced', async () => {
    const result = await estimate({ messages, testCases: rows(2), columns: [column('llama3.1:8b')], repeats: 1 });
    expect(result.columns[0]).toMatchObject({ priced: false });
    expect(result.columns[0]?.costUsd).toBeUndefined();
    expect(result.costUsd).toBeUndefined();
    expect(result.inputTokens).toBeGreaterThan(0);
  });

  it('prices with the user’s saved prices', async () => {
    await handlers['prices.save']({ overrides: { 'llama3.1:8b': { inputPerMTok: 1_000_000, outputPerMTok: 0 } } });
    const result = await estimate({ messages, testCases: rows(1), columns: [column('llama3.1:8b')], repeats: 1 });
    expect(result.columns[0]?.priced).toBe(true);
    expect(result.costUsd).toBeCloseTo(result.inputTokens, 6);
  });

  it('lists the rows whose template fails to render, and counts no tokens for them', async () => {
    const cases: TestCase[] = [
      { id: 'a', vars: { f: 'x' } },
      { id: 'b', vars: {} },
    ];
    // Calling a value that is not a function fails at render time for that row only.
    const result = await estimate({ messages: [{ role: 'user', content: '{% if f %}{{ f() }}{% else %}fine{% endif %}' }], testCases: cases, columns: [column('echo')], repeats: 3 });
    expect(result.errors).toEqual([{ caseIndex: 0, message: expect.stringMatching(/message 1 \(user\), line 1, column \d+: Unable to call/) as unknown as string }]);
    expect(result.inputTokens).toBe(messageTokens([{ role: 'user', content: 'fine' }]) * 3);
    expect(result.cells).toBe(6);
  });

  it('uses a library version’s messages for a column that runs one', async () => {
    const { version } = store.library.create(
      { name: 'Long', description: '', tags: [] },
      { messages: [{ role: 'user', content: 'Much longer prompt text here: {{ question }} and then some more words to count' }], variables: {} },
      'save',
    );
    const cases = rows(3);
    const result = await estimate({ messages, testCases: cases, columns: [column('echo'), { ...column('echo'), id: 'v', promptVersionId: version.id }], repeats: 1 });
    const other = cases.reduce((sum, c) => sum + messageTokens(renderMessages(version.messages, c.vars)), 0);
    expect(result.columns[1]?.inputTokens).toBe(other);
    expect(result.columns[0]?.inputTokens).not.toBe(other);
    await expect(estimate({ messages, testCases: cases, columns: [{ ...column('echo'), promptVersionId: 'gone' }], repeats: 1 })).rejects.toThrow(/no longer exists/);
  });

  it('estimates a 10,000-row table (rows share their system message and examples)', async () => {
    const cases = rows(10_000);
    const started = performance.now();
    const result = await estimate({ messages, testCases: cases, columns: [column('gpt-4o-mini'), column('gpt-4.1-nano')], repeats: 1 });
    const ms = performance.now() - started;
    expect(result.cells).toBe(20_000);
    const sample = messageTokens(renderMessages(messages, cases[1234]!.vars));
    // Every question is "Is N even?": the per-row count differs by at most the digits' tokens.
    expect(result.columns[0]!.inputTokens).toBeGreaterThan(10_000 * (sample - 3));
    expect(result.columns[0]!.inputTokens).toBeLessThan(10_000 * (sample + 3));
    console.log(`runs.estimate: 10,000 rows × 2 columns in ${Math.round(ms)} ms`);
  });
});

describe('prices', () => {
  it('gets the built-ins, saves overrides over them, and resets one by leaving it out', async () => {
    const initial = await handlers['prices.get']({});
    expect(initial.overrides).toEqual({});
    expect(initial.prices['gpt-4o']).toEqual({ inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 });
    const saved = await handlers['prices.save']({ overrides: { 'gpt-4o': { inputPerMTok: 2, outputPerMTok: 8 }, 'my-model': { inputPerMTok: 1, outputPerMTok: 1 } } });
    expect(saved.prices['gpt-4o']).toEqual({ inputPerMTok: 2, outputPerMTok: 8 });
    expect(saved.prices['my-model']).toEqual({ inputPerMTok: 1, outputPerMTok: 1 });
    expect((await handlers['prices.get']({})).overrides).toEqual(saved.overrides);
    const reset = await handlers['prices.save']({ overrides: { 'my-model': { inputPerMTok: 1, outputPerMTok: 1 } } });
    expect(reset.prices['gpt-4o']).toEqual({ inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 });
    expect(Object.keys(reset.overrides)).toEqual(['my-model']);
  });
});
