import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { checkTemplate, extractVariables, findPlaceholders, messageVariables, valueAtPath } from '../../src/shared/template';
import { clearTemplateCache, compileCount, renderMessages, renderMessagesSafe } from '../../src/main/template/render';

const user = (content: string) => [{ role: 'user' as const, content }];
const render = (content: string, vars: Record<string, unknown> = {}): string =>
  renderMessages(user(content), vars as Parameters<typeof renderMessages>[1])[0]?.content ?? '';

describe('extractVariables', () => {
  it('lists variables in order of first appearance, each once, across texts', () => {
    expect(extractVariables(['{{ b }} then {{a}}, {{ b }} again, then {{c}} and {{a}}'])).toEqual(['b', 'a', 'c']);
    expect(messageVariables([
      { role: 'system', content: 'You write for {{ audience }}.' },
      { role: 'user', content: '{{topic}} please, {{ audience }}' },
    ])).toEqual(['audience', 'topic']);
  });

  it('asks for the root of a dotted or indexed path', () => {
    expect(extractVariables(['{{ user.name }} in {{ user.address.city }}; {{ order["id"] }} {{ rows[0].text }}'])).toEqual(['user', 'order', 'rows']);
  });

  it('needs the list of a loop, not its loop variable or `loop`', () => {
    const text = '{% for ex in examples %}Q: {{ ex.q }} ({{ loop.index }} of {{ examples | length }})\nA: {{ ex.a }}{% endfor %}{{ question }}';
    expect(extractVariables([text])).toEqual(['examples', 'question']);
    expect(extractVariables(['{% for key, value in scores %}{{ key }}={{ value }}{% else %}{{ fallback }}{% endfor %}'])).toEqual(['scores', 'fallback']);
  });

  it('knows that a loop variable ends with its loop', () => {
    expect(extractVariables(['{% for item in items %}{{ item }}{% endfor %}{{ item }}'])).toEqual(['items', 'item']);
  });

  it('does not ask for a name that `set` defines, but does ask for what it reads', () => {
    expect(extractVariables(['{% set greeting = "Hi " + name %}{{ greeting }}{% set block %}{{ tone }}{% endset %}{{ block }}'])).toEqual(['name', 'tone']);
    // Read before it is set: the row must supply it for that first read.
    expect(extractVariables(['{{ x }}{% set x = 1 %}{{ x }}'])).toEqual(['x']);
  });

  it('does not take filter names, filter arguments that are literals, tests or globals for variables', () => {
    expect(extractVariables(['{{ name | upper | truncate(20) | replace("a", sep) }} {% if n is divisibleby(3) %}{{ range(n) | join(",") }}{% endif %}'])).toEqual([
      'name',
      'sep',
      'n',
    ]);
    expect(extractVariables(['{% if persona is defined and persona %}{{ persona }}{% elif mood %}{{ mood }}{% endif %}'])).toEqual(['persona', 'mood']);
  });

  it('reads conditions, inline ifs, comparisons and dict values but not dict keys or keyword names', () => {
    expect(extractVariables(['{{ a if b > c else d }} {{ {key: v} | dump }} {{ text | indent(width=w) }}'])).toEqual(['a', 'b', 'c', 'd', 'v', 'text', 'w']);
  });

  it('treats macro parameters as local and the macro as callable', () => {
    expect(extractVariables(['{% macro shout(word, end=mark) %}{{ word | upper }}{{ end }}{{ outer }}{% endmacro %}{{ shout(topic) }}'])).toEqual([
      'mark',
      'outer',
      'topic',
    ]);
  });

  it('ignores comments and raw blocks', () => {
    expect(extractVariables(['{# {{ hidden }} #}{% raw %}{{ literal }}{% endraw %}{{ shown }}'])).toEqual(['shown']);
  });

  it('still finds the variables of a template that does not parse yet (mid-typing), without loop variables', () => {
    expect(extractVariables(['{% if user.admin %}Hello {{ name | title }} {% for q in questions %}{{ q.text }}'])).toEqual(['user', 'name', 'questions']);
    expect(() => extractVariables(['{{ broken'])).not.toThrow();
  });

  it('returns nothing for no texts and for text without tags', () => {
    expect(extractVariables([])).toEqual([]);
    expect(extractVariables(['plain text', '{ not a tag }'])).toEqual([]);
  });
});

describe('checkTemplate', () => {
  it('gives each variable reference its place and written length', () => {
    const text = 'Hi {{ user.name }},\n  {% for ex in examples %}{{ ex }}{% endfor %}';
    const { errors, references } = checkTemplate(text);
    expect(errors).toEqual([]);
    expect(references).toEqual([
      { name: 'user', path: ['name'], line: 1, column: 7, length: 9 },
      { name: 'examples', path: [], line: 2, column: 16, length: 8 },
    ]);
    const lines = text.split('\n');
    for (const r of references) expect(lines[r.line - 1]?.slice(r.column - 1, r.column - 1 + r.length)).toBe(r.path.length ? `${r.name}.${r.path.join('.')}` : r.name);
  });

  it('reports a syntax error with its 1-based line and column', () => {
    expect(checkTemplate('line one\n  {{ foo bar }}').errors).toEqual([{ line: 2, column: 10, message: 'Expected variable end' }]);
    expect(checkTemplate('x\n{{ a | }}').errors[0]).toMatchObject({ line: 2, column: 8 });
    expect(checkTemplate('{% endfor %}').errors[0]).toMatchObject({ line: 1, column: 4, message: 'Unknown block tag: endfor' });
  });

  it('places an error at the end of the text on the tag left open', () => {
    expect(checkTemplate('ok\nthen {% if a %}yes').errors).toEqual([{ line: 2, column: 19, message: 'Expected elif, else, or endif, got end of file' }]);
    expect(checkTemplate('ok\n {{ name').errors[0]).toMatchObject({ line: 2, column: 2 });
    expect(checkTemplate('{# note').errors[0]).toMatchObject({ line: 1, column: 1 });
  });

  it('flags an unknown filter and file includes, which would fail to render', () => {
    expect(checkTemplate("{{ x | uper }}").errors).toEqual([{ line: 1, column: 8, message: 'Unknown filter "uper".' }]);
    expect(checkTemplate('\n{% include "secrets.txt" %}').errors[0]).toMatchObject({ line: 2, message: 'A prompt template cannot include or import other files.' });
    expect(checkTemplate('{{ x | upper | default("a") | dump }}').errors).toEqual([]);
  });
});

describe('valueAtPath', () => {
  const vars = { user: { name: 'Ada', tags: ['math', 'engines'] }, n: 3, text: '{"name":"json text"}' };
  it('follows keys and list indexes', () => {
    expect(valueAtPath(vars, 'user', ['name'])).toEqual({ found: true, value: 'Ada' });
    expect(valueAtPath(vars, 'user', ['tags', 1])).toEqual({ found: true, value: 'engines' });
    expect(valueAtPath(vars, 'user', [])).toEqual({ found: true, value: vars.user });
  });
  it('does not find what is not there, nor read into a string of JSON', () => {
    expect(valueAtPath(vars, 'user', ['email'])).toEqual({ found: false });
    expect(valueAtPath(vars, 'absent', [])).toEqual({ found: false });
    expect(valueAtPath(vars, 'text', ['name'])).toEqual({ found: false });
    expect(valueAtPath(vars, 'n', ['x'])).toEqual({ found: false });
  });
});

describe('findPlaceholders', () => {
  it('reports the plain output tags with their offsets, not logic or filters', () => {
    const text = 'Hi {{ name }}, see {{user.email}}. {{ x | upper }} {% if y %}{% endif %}';
    expect(findPlaceholders(text)).toEqual([
      { name: 'name', start: 3, end: 13 },
      { name: 'user.email', start: 19, end: 33 },
    ]);
  });
});

describe('renderMessages (Nunjucks, as promptfoo configures it)', () => {
  afterEach(() => clearTemplateCache());

  it('fills plain and dotted variables from JSON values', () => {
    expect(render('{{ user.name }} ({{ user.age }}) likes {{ user.tags[1] }}', { user: { name: 'Ada', age: 36, tags: ['math', 'engines'] } })).toBe(
      'Ada (36) likes engines',
    );
  });

  it('renders a missing variable, or a missing key, as empty text', () => {
    expect(render('[{{ absent }}|{{ user.email }}|{{ absent.deep.path }}]', { user: { name: 'Ada' } })).toBe('[||]');
  });

  it('does not parse a string that holds JSON text', () => {
    expect(render('[{{ user.name }}] {{ user }}', { user: '{"name":"Ada"}' })).toBe('[] {"name":"Ada"}');
  });

  it('loops with loop.index, else, and key/value pairs', () => {
    const examples = [
      { q: '2+2', a: '4' },
      { q: '3*3', a: '9' },
    ];
    expect(render('{% for ex in examples %}{{ loop.index }}. {{ ex.q }} = {{ ex.a }}\n{% endfor %}', { examples })).toBe('1. 2+2 = 4\n2. 3*3 = 9\n');
    expect(render('{% for x in none_here %}{{ x }}{% else %}empty{% endfor %}')).toBe('empty');
    expect(render('{% for k, v in scores %}{{ k }}={{ v }};{% endfor %}', { scores: { a: 1, b: 2 } })).toBe('a=1;b=2;');
  });

  it('branches with if / elif / else and tests', () => {
    const t = '{% if n > 10 %}big{% elif n is odd %}odd{% else %}small{% endif %}';
    expect([render(t, { n: 11 }), render(t, { n: 3 }), render(t, { n: 2 })]).toEqual(['big', 'odd', 'small']);
    expect(render('{% if persona is defined %}as {{ persona }}{% endif %}.')).toBe('.');
  });

  it('applies filters, set, and does not escape HTML (autoescape off)', () => {
    expect(render('{{ name | upper }} {{ items | join(", ") }} {{ missing | default("n/a") }} {{ obj | dump }}', { name: 'ada', items: ['a', 'b'], obj: { k: 1 } })).toBe(
      'ADA a, b n/a {"k":1}',
    );
    expect(render('{% set who = name | title %}Hi {{ who }} <b>&</b>', { name: 'grace hopper' })).toBe('Hi Grace Hopper <b>&</b>');
  });

  it('renders promptfoo-style prompts the way promptfoo does', () => {
    // A few-shot prompt as promptfoo's docs write one, and its whitespace control.
    const template = 'Classify: {{ text }}\n{%- for ex in examples %}\n- {{ ex.input | trim }} => {{ ex.label }}\n{%- endfor %}';
    expect(render(template, { text: 'great!', examples: [{ input: ' good ', label: 'pos' }, { input: 'bad', label: 'neg' }] })).toBe(
      'Classify: great!\n- good => pos\n- bad => neg',
    );
    expect(render('{{ 3 / 2 }} {{ 7 // 2 }} {{ "a" ~ 1 }} {{ [1,2,3] | length }}')).toBe('1.5 3 a1 3');
  });

  it('keeps roles and order of every message, few-shot assistant turns included', () => {
    expect(
      renderMessages(
        [
          { role: 'system', content: 'Audience: {{audience}}' },
          { role: 'user', content: 'Explain {{topic}}' },
          { role: 'assistant', content: 'Sure, {{ missing }}' },
        ],
        { audience: 'kids', topic: 'rain' },
      ),
    ).toEqual([
      { role: 'system', content: 'Audience: kids' },
      { role: 'user', content: 'Explain rain' },
      { role: 'assistant', content: 'Sure, ' },
    ]);
  });

  it('throws a template AppError naming the message, line and column', () => {
    const messages = [
      { role: 'system' as const, content: 'fine' },
      { role: 'user' as const, content: 'a\n  {{ foo bar }}' },
    ];
    let caught: unknown;
    try {
      renderMessages(messages, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('template');
    expect((caught as AppError).message).toBe('Template error in message 2 (user), line 2, column 10: Expected variable end');
  });

  it('places a runtime error (calling something undefined) on its 1-based line', () => {
    expect(() => render('a\n\nxx {{ foo() }}')).toThrow(/message 1 \(user\), line 3, column 10: Unable to call `foo`, which is undefined or falsey/);
    expect(() => render('{{ x | uper }}')).toThrow(/line 1, column 8: Unknown filter "uper"/);
    expect(() => render('{% include "/etc/passwd" %}')).toThrow(/cannot include or import other files/);
  });

  it('renderMessagesSafe renders what it can and lists every error with its place', () => {
    const result = renderMessagesSafe(
      [
        { role: 'system', content: '{% if %}' },
        { role: 'user', content: 'Hi {{ name }}' },
        { role: 'assistant', content: '{{ a | nope }}' },
      ],
      { name: 'Ada' },
    );
    expect(result.messages).toEqual([
      { role: 'system', content: '' },
      { role: 'user', content: 'Hi Ada' },
      { role: 'assistant', content: '' },
    ]);
    expect(result.errors.map((e) => [e.messageIndex, e.line, e.column])).toEqual([
      [0, 1, 7],
      [2, 1, 8],
    ]);
  });

  it('compiles each distinct message once, however many rows render it', () => {
    clearTemplateCache();
    const before = compileCount();
    const messages = [
      { role: 'system' as const, content: 'You are {{ persona }}.' },
      { role: 'user' as const, content: 'Question {{ n }}' },
    ];
    for (let n = 0; n < 500; n++) renderMessages(messages, { persona: 'kind', n });
    expect(compileCount() - before).toBe(2);
    // Text with no tags is not compiled at all.
    renderMessages(user('no tags here'), {});
    expect(compileCount() - before).toBe(2);
  });

  it('keeps a bounded cache: the least recently used template is compiled again', () => {
    clearTemplateCache();
    const before = compileCount();
    const first = user('first {{ x }}');
    renderMessages(first, {});
    for (let i = 0; i < 400; i++) renderMessages(user(`t${i} {{ x }}`), {});
    expect(compileCount() - before).toBe(401);
    renderMessages(first, {});
    expect(compileCount() - before).toBe(402);
  });
});
