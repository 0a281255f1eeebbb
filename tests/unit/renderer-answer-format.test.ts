import { describe, expect, it } from 'vitest';
import {
  childrenOf,
  describeValue,
  effectiveMode,
  JSON_MAX_CHILDREN,
  JSON_MAX_STRING,
  jsonOf,
  nextMode,
  safeLinkUrl,
} from '../../src/renderer/src/features/answer/answer-format';

describe('jsonOf', () => {
  it('finds JSON in the whole answer, objects and arrays only', () => {
    expect(jsonOf('  {"a": 1, "b": [true, null]}\n')).toEqual({ value: { a: 1, b: [true, null] }, fenced: false });
    expect(jsonOf('[1, 2]')?.value).toEqual([1, 2]);
    expect(jsonOf('42')).toBeUndefined();
    expect(jsonOf('"just a string"')).toBeUndefined();
    expect(jsonOf('{"a": 1,}')).toBeUndefined();
    expect(jsonOf('Hello {"a": 1}')).toBeUndefined();
    expect(jsonOf('')).toBeUndefined();
  });

  it('finds JSON in the first ```json block, with prose around it or a fence left open', () => {
    const answer = 'Here you go:\n\n```json\n{"name": "otter", "legs": 4}\n```\n\nAnd more:\n```json\n[1]\n```';
    expect(jsonOf(answer)).toEqual({ value: { name: 'otter', legs: 4 }, fenced: true });
    expect(jsonOf('~~~JSON\n[1, {"x": "y"}]\n~~~')?.value).toEqual([1, { x: 'y' }]);
    expect(jsonOf('```json\r\n{"crlf": true}\r\n```')?.value).toEqual({ crlf: true });
    expect(jsonOf('```json\n{"cut": "off"}')?.value).toEqual({ cut: 'off' });
    // A longer fence is closed only by one at least as long.
    expect(jsonOf('````json\n{"s": "```"}\n````')?.value).toEqual({ s: '```' });
    expect(jsonOf('```js\n{"a": 1}\n```')).toBeUndefined();
    expect(jsonOf('```json\nnot json\n```')).toBeUndefined();
  });

  it('parses JSON nested 10,000 deep without running out of stack, and refuses huge text unread', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(Array.isArray(jsonOf(deep)?.value)).toBe(true);
    expect(jsonOf(`[${'1,'.repeat(3_000_000)}1]`)).toBeUndefined();
  });

  it('keeps a __proto__ key as data', () => {
    const found = jsonOf('{"__proto__": {"polluted": true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(found && childrenOf(found.value).shown.map((c) => c.key)).toEqual(['__proto__']);
  });
});

describe('safeLinkUrl', () => {
  it('lets only https links without credentials leave the app', () => {
    expect(safeLinkUrl('https://example.com/a?b=c')).toBe('https://example.com/a?b=c');
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'http://127.0.0.1:9/i.png',
      'file:///etc/passwd',
      'https://user:pass@example.com/',
      '//example.com',
      '#user-content-fn-1',
      '/relative',
      '',
      undefined,
      `https://example.com/${'a'.repeat(5000)}`,
    ]) {
      expect(safeLinkUrl(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('modes', () => {
  it('falls back from JSON to Markdown when the answer is not JSON', () => {
    expect(effectiveMode('json', false)).toBe('markdown');
    expect(effectiveMode('json', true)).toBe('json');
    expect(effectiveMode('raw', false)).toBe('raw');
  });

  it('cycles Markdown → Raw → JSON, skipping JSON when there is none', () => {
    expect(nextMode('markdown', true)).toBe('raw');
    expect(nextMode('raw', true)).toBe('json');
    expect(nextMode('json', true)).toBe('markdown');
    expect(nextMode('raw', false)).toBe('markdown');
  });
});

describe('JSON tree helpers', () => {
  it('shows the first children of a huge container and counts the rest', () => {
    const big = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
    const { shown, total } = childrenOf(big);
    expect(shown).toHaveLength(JSON_MAX_CHILDREN);
    expect(total).toBe(1_000);
    expect(childrenOf(Array.from({ length: 500 }, (_, i) => i)).shown.at(-1)).toEqual({ key: String(JSON_MAX_CHILDREN - 1), value: JSON_MAX_CHILDREN - 1 });
  });

  it('describes a value in one line without walking into it, even 10,000 deep', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('[…] 1 item');
    expect(describeValue({ a: 1, b: 2 })).toBe('{…} 2 keys');
    expect(describeValue({})).toBe('{}');
    expect(describeValue([])).toBe('[]');
    expect(describeValue('a\u0000"b"')).toBe('"a\\u0000\\"b\\""');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(-0.5)).toBe('-0.5');
    const long = describeValue('x'.repeat(JSON_MAX_STRING + 10));
    expect(long.endsWith('… (10 more characters)')).toBe(true);
    expect(long.length).toBeLessThan(JSON_MAX_STRING + 40);
  });
});
