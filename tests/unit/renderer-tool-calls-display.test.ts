/**
 * Tool calls and thinking as the grid receives them: the stream reducer keeps a call from the
 * moment its update arrives while text streams around it, and the usage line says what was
 * read from and written to the prompt cache and how much was thinking.
 */
import { describe, expect, it } from 'vitest';
import { cacheWords, tokenWords } from '../../src/renderer/src/features/grid/usage-words';
import { applyCellUpdate, applyDeltas } from '../../src/renderer/src/state/stream-reducer';
import type { Cell } from '../../src/shared/schemas';
import type { ToolCall } from '../../src/shared/tools';

function call(name: string, args: string): ToolCall {
  return { id: `call_${name}`, name, arguments: args };
}

function cell(patch: Partial<Cell> = {}): Cell {
  return {
    id: 'c1',
    runId: 'r1',
    columnIndex: 0,
    caseIndex: 0,
    repeat: 0,
    providerId: 'p',
    providerName: 'P',
    model: 'm',
    params: {},
    variables: {},
    messages: [{ role: 'user', content: 'hi' }],
    status: 'running',
    output: '',
    usage: {},
    ...patch,
  };
}

describe('the stream reducer with tool calls and thinking', () => {
  const weather = call('get_weather', '{"city":"Paris"}');

  it('shows a call the moment its update arrives, keeping the text streamed so far', () => {
    const streamed = { c1: cell({ output: 'Let me check' }) };
    // The runner's snapshot may hold text its coalescer has not sent yet: the deltas bring it.
    const next = applyCellUpdate(streamed, cell({ output: 'Let me check the weather', toolCalls: [weather], reasoning: 'The user wants weather.' }));
    expect(next.c1).toMatchObject({ output: 'Let me check', toolCalls: [weather], reasoning: 'The user wants weather.' });
    const after = applyDeltas(next, new Map([['c1', ' the weather']]));
    expect(after.c1).toMatchObject({ output: 'Let me check the weather', toolCalls: [weather], reasoning: 'The user wants weather.' });
  });

  it('adds a second call to the first, and the final update wins', () => {
    const second = call('get_weather', '{"city":"Oslo"}');
    let cells = applyCellUpdate({ c1: cell() }, cell({ toolCalls: [weather] }));
    cells = applyCellUpdate(cells, cell({ toolCalls: [weather, second] }));
    expect(cells.c1?.toolCalls).toEqual([weather, second]);
    cells = applyCellUpdate(cells, cell({ status: 'done', toolCalls: [weather, second], usage: { inputTokens: 10, outputTokens: 5 } }));
    expect(cells.c1).toMatchObject({ status: 'done', toolCalls: [weather, second] });
    // A late "running" snapshot does not take the call back.
    expect(applyCellUpdate(cells, cell({ toolCalls: [weather] })).c1?.toolCalls).toEqual([weather, second]);
  });

  it('drops the calls of a try that is retried (the runner starts the cell over)', () => {
    const cells = applyCellUpdate({ c1: cell({ toolCalls: [weather] }) }, cell({ error: { code: 'retrying', message: 'Retrying' } }));
    expect(cells.c1?.toolCalls).toBeUndefined();
  });
});

describe('the usage line', () => {
  it('adds cache reads and writes and thinking tokens to the tokens', () => {
    const words = tokenWords({ inputTokens: 2000, outputTokens: 900, cacheReadTokens: 1200, cacheWriteTokens: 300, reasoningTokens: 800 });
    expect(words.join(' · ')).toBe('2,000 → 900 tok · cached 1,200 read · 300 written · thinking 800');
  });

  it('says only what was counted', () => {
    expect(cacheWords({ cacheReadTokens: 1200 })).toBe('cached 1,200 read');
    expect(cacheWords({ cacheWriteTokens: 300 })).toBe('cached 300 written');
    expect(cacheWords({ inputTokens: 5, cacheReadTokens: 0 })).toBeUndefined();
    expect(tokenWords({ inputTokens: 5, outputTokens: 2, reasoningTokens: 0 })).toEqual(['5 → 2 tok']);
    expect(tokenWords({})).toEqual([]);
  });
});
