import { describe, expect, it } from 'vitest';
import { parseChunk, parseChunkBySchema } from '../../src/main/providers/wire';

const BASE = 'http://127.0.0.1:1/v1';

/** The outcome of a parse: its result, or the error's message. */
function outcome(parse: typeof parseChunk, raw: unknown): unknown {
  try {
    return { ok: parse(raw, BASE) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const choice = (delta: unknown, finish: unknown = null): unknown => ({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

// Plain chunks (the shortcut takes them) and every near miss of that shape (the schema must).
const CHUNKS: unknown[] = [
  choice({ content: 'tok0 ' }),
  choice({ role: 'assistant', content: '' }),
  choice({ content: null }),
  choice({}),
  choice(null),
  choice(undefined),
  choice({ content: 'end' }, 'stop'),
  choice({}, 'length'),
  choice({ content: 'x' }, 'f'.repeat(64)),
  choice({ content: 'x' }, 'f'.repeat(65)),
  choice({ content: 42 }),
  choice({ content: ['a'] }),
  choice({ content: 'a', reasoning: 'think' }),
  choice({ reasoning_content: 'think' }),
  choice({ refusal: 'no' }),
  choice({ content: 'a', tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] }),
  choice('not an object'),
  choice([]),
  choice({ content: 'a' }, 7),
  { choices: [] },
  { choices: null },
  {},
  { choices: [{ delta: { content: 'a' } }, { delta: { content: 'b' } }] },
  { choices: [null] },
  { choices: ['x'] },
  { choices: 'x' },
  { choices: [{ delta: { content: 'a' }, finish_reason: null }], usage: { prompt_tokens: 3, completion_tokens: 2 } },
  { choices: [], usage: { prompt_tokens: -1 } },
  { choices: [{ delta: { content: 'a\u0000b' } }] },
  { choices: [{ delta: { content: '{{ range.constructor("return 1")() }}' } }] },
  // Log-probabilities: the schema reads them, so the shortcut must pass such chunks on.
  { choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null, logprobs: { content: [{ token: 'Hi', logprob: -0.25, bytes: [72, 105], top_logprobs: [] }] } }] },
  { choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop', logprobs: { content: [] } }] },
  { choices: [{ index: 0, delta: { content: 'a' }, logprobs: { content: null, refusal: null } }] },
  { choices: [{ index: 0, delta: { content: 'a' }, logprobs: null }] },
  { choices: [{ index: 0, delta: { content: 'a' }, logprobs: { content: [{ logprob: 'high' }] } }] },
  { choices: [{ index: 0, delta: { content: 'a' }, logprobs: 'x' }] },
  { choices: [{ index: 0, delta: { content: 'a' }, logprobs: { content: Array.from({ length: 4097 }, () => ({ logprob: -1 })) } }] },
  null,
  'text',
  42,
  [],
];

describe('a streamed chat chunk', () => {
  it.each(CHUNKS.map((raw, i) => [i, raw]))('#%i reads the same with or without the shortcut for plain chunks', (_i, raw) => {
    expect(outcome(parseChunk, raw)).toEqual(outcome(parseChunkBySchema, raw));
  });

  it('a plain chunk gives its text and finish reason; a wrong one is refused, never used', () => {
    expect(parseChunk(choice({ content: 'tok0 ' }), BASE)).toEqual({ text: 'tok0 ', reasoning: '', toolCalls: [], finishReason: undefined, usage: undefined });
    expect(parseChunk(choice({}, 'stop'), BASE).finishReason).toBe('stop');
    expect(() => parseChunk(choice({ content: 42 }), BASE)).toThrow(/cannot use/);
  });

  it('log-probabilities come as their sum and count; none, an empty list or a wrong one adds nothing or is refused', () => {
    const tokens = [{ token: 'a', logprob: -0.5 }, { token: 'b', logprob: -1.25 }];
    expect(parseChunk({ choices: [{ delta: { content: 'ab' }, logprobs: { content: tokens } }] }, BASE)).toMatchObject({ text: 'ab', logprobs: { sum: -1.75, count: 2 } });
    expect(parseChunk({ choices: [{ delta: { content: 'a' }, logprobs: { content: [] } }] }, BASE).logprobs).toBeUndefined();
    expect(parseChunk({ choices: [{ delta: { content: 'a' }, logprobs: null }] }, BASE).logprobs).toBeUndefined();
    expect(() => parseChunk({ choices: [{ delta: { content: 'a' }, logprobs: { content: [{ logprob: 'high' }] } }] }, BASE)).toThrow(/cannot use/);
  });
});
