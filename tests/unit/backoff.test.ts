import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay, parseRetryAfter, sleep } from '../../src/main/runner/backoff';
import { cacheKey, canonicalJson } from '../../src/main/runner/cache-key';
import { endpointOf } from '../../src/main/providers/factory';

const policy = { maxAttempts: 6, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 };

describe('the backoff schedule', () => {
  it('doubles from the base with equal jitter: half fixed, half random', () => {
    // random() = 0 gives the floor (half the ceiling), random() → 1 the ceiling.
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, policy, () => 0))).toEqual([250, 500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, policy, () => 0.999999))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(backoffDelay(2, undefined, policy, () => 0.5)).toBe(750);
  });

  it('stops growing at the cap', () => {
    expect(backoffDelay(20, undefined, policy, () => 0)).toBe(15_000);
    expect(backoffDelay(20, undefined, policy, () => 0.999999)).toBe(30_000);
  });

  it('honours Retry-After, with at most 10% added, and cuts an unreasonable one', () => {
    expect(backoffDelay(1, 2000, policy, () => 0)).toBe(2000);
    expect(backoffDelay(1, 2000, policy, () => 0.999999)).toBe(2200);
    expect(backoffDelay(5, 0, policy, () => 0.7)).toBe(0);
    expect(backoffDelay(1, 3_600_000, policy, () => 0)).toBe(60_000);
  });

  it('ignores a Retry-After that is not a number of milliseconds', () => {
    expect(backoffDelay(1, Number.NaN, policy, () => 0)).toBe(250);
    expect(backoffDelay(1, -5, policy, () => 0)).toBe(250);
  });

  it('keeps a whole default schedule under two minutes', () => {
    let total = 0;
    for (let n = 1; n < DEFAULT_BACKOFF.maxAttempts; n++) total += backoffDelay(n, undefined, DEFAULT_BACKOFF, () => 0.999999);
    expect(total).toBeLessThan(120_000);
  });
});

describe('reading Retry-After', () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];

  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(parseRetryAfter(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 22 Nov 2026 10:00:07 GMT' }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 22 Nov 2026 09:59:00 GMT' }), now)).toBe(0);
  });

  it('is undefined when there is nothing readable', () => {
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'x', 'retry-after': '2' }))).toBe(2000);
  });
});

describe('sleep', () => {
  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toThrow('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('the response cache key', () => {
  const base = {
    endpoint: 'http://127.0.0.1:11434/v1',
    model: 'llama3',
    messages: [{ role: 'user' as const, content: 'Hi' }],
    params: { temperature: 0.2, maxTokens: 64 },
  };

  it('is the same for the same request, whatever the order of keys or a trailing slash', () => {
    // A plain message's key did not change when messages gained parts, tool calls and cache marks.
    expect(cacheKey(base)).toBe('5a53a92aac059723749f913249dab94f81e24ebcbbdb5c6e7e883dd3d1eda72b');
    expect(cacheKey(base)).toBe(cacheKey({ ...base, endpoint: 'http://127.0.0.1:11434/v1/', params: { maxTokens: 64, temperature: 0.2 } }));
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with anything that changes the answer', () => {
    const key = cacheKey(base);
    const variants = [
      { ...base, endpoint: 'http://127.0.0.1:1234/v1' },
      { ...base, model: 'llama3.1' },
      { ...base, messages: [{ role: 'user' as const, content: 'Hi ' }] },
      { ...base, messages: [{ role: 'system' as const, content: 'Hi' }] },
      { ...base, params: { ...base.params, temperature: 0.3 } },
      { ...base, params: { ...base.params, seed: 1 } },
      { ...base, params: { ...base.params, responseFormat: { type: 'json_object' as const } } },
      { ...base, params: { ...base.params, stop: ['\n'] } },
      // Two images with the same label are two requests; so are a few-shot call's other arguments, a name, a cache mark, tools.
      { ...base, messages: [{ role: 'user' as const, content: '[image: a.png]', parts: [{ type: 'image' as const, image: 'data:image/png;base64,AAAA' }] }] },
      { ...base, messages: [{ role: 'user' as const, content: '[image: a.png]', parts: [{ type: 'image' as const, image: 'data:image/png;base64,BBBB' }] }] },
      { ...base, messages: [{ role: 'assistant' as const, content: 'Hi', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":1}' }] }] },
      { ...base, messages: [{ role: 'assistant' as const, content: 'Hi', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":2}' }] }] },
      { ...base, messages: [{ role: 'user' as const, content: 'Hi', name: 'Ada' }] },
      { ...base, messages: [{ role: 'user' as const, content: 'Hi', cache: true }] },
      { ...base, params: { ...base.params, tools: [{ name: 'f' }] } },
      // The Responses API at the same base URL as Chat Completions (providers/factory.ts endpointOf).
      { ...base, endpoint: endpointOf('openai', 'responses', base.endpoint) },
    ];
    const keys = new Set(variants.map((v) => cacheKey(v)));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  it('writes canonical JSON: sorted keys at every depth, undefined members dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
