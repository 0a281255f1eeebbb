import { describe, expect, it } from 'vitest';
import { extractVariables, findPlaceholders, messageVariables, renderMessages, renderTemplate } from '../../src/shared/template';

describe('extractVariables', () => {
  it('lists variables in order of first appearance, each once', () => {
    expect(extractVariables(['{{ b }} then {{a}}, {{ b }} again, then {{c}} and {{a}}'])).toEqual(['b', 'a', 'c']);
  });

  it('keeps first-appearance order across several texts', () => {
    expect(extractVariables(['System for {{audience}}.', 'Explain {{topic}} to {{audience}}.', '{{extra}}'])).toEqual([
      'audience',
      'topic',
      'extra',
    ]);
    expect(messageVariables([
      { role: 'system', content: 'You write for {{ audience }}.' },
      { role: 'user', content: '{{topic}} please' },
    ])).toEqual(['audience', 'topic']);
  });

  it('asks for the root of a dotted path', () => {
    expect(extractVariables(['{{ user.name }} is {{user.age}} and lives in {{ user.address.city }}; {{ order.id }}'])).toEqual([
      'user',
      'order',
    ]);
  });

  it('ignores whitespace inside the braces, including new lines', () => {
    expect(extractVariables(['{{name}}', '{{   name   }}', '{{\n  other\n}}', '{{\tthird}}'])).toEqual(['name', 'other', 'third']);
  });

  it('accepts underscores, digits after the first character and hyphens', () => {
    expect(extractVariables(['{{ _private }} {{ item2 }} {{ first-name }}'])).toEqual(['_private', 'item2', 'first-name']);
  });

  it('does not treat near-misses as variables', () => {
    expect(extractVariables(['{{}}', '{{ }}', '{ single }', '{{ two words }}', '{{ 1st }}', '{{ a. }}', '{{ .a }}', 'no braces'])).toEqual([]);
  });

  it('returns nothing for no texts', () => {
    expect(extractVariables([])).toEqual([]);
  });
});

describe('findPlaceholders', () => {
  it('reports each placeholder as written with its offsets', () => {
    const text = 'Hi {{ name }}, see {{user.email}}.';
    const found = findPlaceholders(text);
    expect(found).toEqual([
      { name: 'name', start: 3, end: 13 },
      { name: 'user.email', start: 19, end: 33 },
    ]);
    for (const p of found) expect(text.slice(p.start, p.end)).toMatch(/^\{\{.*\}\}$/);
  });
});

describe('renderTemplate', () => {
  it('fills every occurrence and reports nothing missing when all are given', () => {
    expect(renderTemplate('{{a}} + {{ a }} = {{b}}', { a: '1', b: '2' })).toEqual({ text: '1 + 1 = 2', missing: [] });
  });

  it('renders missing variables as empty text and lists them in order', () => {
    const result = renderTemplate('Dear {{ name }}, your {{item}} ships {{ when }}.', { item: 'book' });
    expect(result.text).toBe('Dear , your book ships .');
    expect(result.missing).toEqual(['name', 'when']);
  });

  it('treats an empty string as a value, not as missing', () => {
    expect(renderTemplate('[{{a}}]', { a: '' })).toEqual({ text: '[]', missing: [] });
  });

  it('inserts values literally: no second pass, no replacement patterns', () => {
    expect(renderTemplate('{{a}}', { a: '{{b}}', b: 'B' }).text).toBe('{{b}}');
    expect(renderTemplate('x{{a}}y', { a: '$& $1 $$' }).text).toBe('x$& $1 $$y');
  });

  it('leaves text that is not a placeholder alone', () => {
    expect(renderTemplate('{ a } {{ two words }} {{}}', { a: 'X' })).toEqual({ text: '{ a } {{ two words }} {{}}', missing: [] });
  });

  describe('dotted paths read into JSON values', () => {
    const user = JSON.stringify({ name: 'Ada', age: 36, admin: false, tags: ['math', 'engines'], address: { city: 'London' }, nothing: null });

    it('reads strings, numbers, booleans and nested objects', () => {
      const result = renderTemplate('{{user.name}} ({{ user.age }}, admin={{user.admin}}) of {{user.address.city}}', { user });
      expect(result).toEqual({ text: 'Ada (36, admin=false) of London', missing: [] });
    });

    it('renders objects, arrays and null as JSON', () => {
      expect(renderTemplate('{{user.address}} {{user.tags}} {{user.nothing}}', { user }).text).toBe('{"city":"London"} ["math","engines"] null');
    });

    it('gives the whole JSON text for the root variable', () => {
      expect(renderTemplate('{{user}}', { user }).text).toBe(user);
    });

    it('reports a path that is not there, or a value that is not JSON, as missing', () => {
      const result = renderTemplate('{{user.email}}|{{user.address.zip}}|{{user.name.first}}|{{plain.field}}|{{absent.x}}', {
        user,
        plain: 'not json',
      });
      expect(result.text).toBe('||||');
      expect(result.missing).toEqual(['user.email', 'user.address.zip', 'user.name.first', 'plain.field', 'absent.x']);
    });
  });
});

describe('renderMessages', () => {
  it('renders every message and keeps roles and order', () => {
    const rendered = renderMessages(
      [
        { role: 'system', content: 'Audience: {{audience}}' },
        { role: 'user', content: 'Explain {{topic}}' },
        { role: 'assistant', content: 'Sure, {{ missing }}' },
      ],
      { audience: 'kids', topic: 'rain' },
    );
    expect(rendered).toEqual([
      { role: 'system', content: 'Audience: kids' },
      { role: 'user', content: 'Explain rain' },
      { role: 'assistant', content: 'Sure, ' },
    ]);
  });
});
