/**
 * The template sandbox: Nunjucks inside QuickJS in a worker thread. It renders exactly as
 * Nunjucks does in this process (the examples, every built-in filter, loops, macros, errors with
 * their places), batches rows without changing a result, and keeps its budgets: a loop that
 * never ends, a native operation that ignores interrupts, a template that keeps running out of
 * time, and output or input past its size.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/promptfoo/config';
import type { Message, Variables } from '../../src/shared/schemas';
import { configFiles } from '../../src/main/cli/config-files';
import { DEFAULT_LIMITS, Sandbox, sandbox } from '../../src/main/sandbox';
import { outsideAsar } from '../../src/main/sandbox/sandbox';
import { clearTemplateCache, renderMessages, renderMessagesRows, renderMessagesSafe } from '../../src/main/template/render';

// The reference: Nunjucks in this process, as Parallax rendered before the sandbox. Only the
// trusted templates written in this file are given to it.
const reference = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
function direct(text: string, vars: Variables): string {
  return reference.renderString(text, vars);
}

const root = join(import.meta.dirname, '..', '..');

describe('renders as Nunjucks does', () => {
  it('every prompt of the examples, for every test row', () => {
    let compared = 0;
    for (const file of ['examples/promptfooconfig.yaml', 'examples/matrix.yaml']) {
      const path = join(root, file);
      const parsed = parseConfig(readFileSync(path, 'utf8'), file, configFiles(join(root, 'examples')));
      expect(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors)).toBe(true);
      if (!parsed.ok) continue;
      for (const prompt of parsed.config.prompts) {
        for (const test of parsed.config.tests) {
          const sandboxed = renderMessages(prompt.messages, test.vars).map((m) => m.content);
          expect(sandboxed).toEqual(prompt.messages.map((m) => direct(m.content, test.vars)));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(5);
  });

  const vars: Variables = {
    name: 'ada lovelace',
    n: 3.14159,
    items: ['pear', 'apple', 'fig'],
    people: [
      { name: 'Bo', age: 30, team: 'a' },
      { name: 'Al', age: 25, team: 'b' },
      { name: 'Cy', age: 35, team: 'a' },
    ],
    obj: { b: 2, a: 1 },
    html: '<b>bold</b> & "quoted"',
    url: 'see https://example.com now',
    text: '  padded text with several words  ',
    empty: '',
    nothing: null,
  };
  const templates = [
    '{{ name | upper }} {{ name | capitalize }} {{ name | title }} {{ name | lower }}',
    '{{ n | round(2) }} {{ n | int }} {{ n | float }} {{ -5 | abs }} {{ "7" | int + 1 }}',
    '{{ items | join(", ") }} {{ items | first }} {{ items | last }} {{ items | length }} {{ items | sort | join }} {{ items | reverse | join("-") }}',
    '{% for p in people | sort(attribute="age") %}{{ loop.index }}:{{ p.name }}{% if not loop.last %},{% endif %}{% endfor %}',
    '{% for g in people | groupby("team") %}[{{ g.grouper }}: {{ g.list | length }}]{% endfor %}',
    '{{ people | selectattr("age", "gt", 28) | length }} {{ people | rejectattr("team", "equalto", "a") | length }}',
    '{{ obj | dump }} {{ items | dump(2) }} {{ obj | dictsort | dump }}',
    '{{ html }} {{ html | escape }} {{ html | striptags }} {{ html | safe }} {{ url | urlize }} {{ "a b" | urlencode }}',
    '[{{ text | trim }}] [{{ text | truncate(12) }}] {{ text | wordcount }} {{ "x" | center(5) }}| {{ "line1\\nline2" | nl2br }} {{ "a\\nb" | indent(2) }}',
    '{{ empty | default("fallback") }} {{ missing | default("none") }} {{ nothing }} {{ missing.deep.path }} {{ items | batch(2) | dump }} {{ items | slice(2) | dump }} {{ [1, 2, 3] | sum }}',
    '{{ "a,b" | replace(",", ";") }} {{ items | list | length }} {{ 12 | string }} {{ items | select("equalto", "fig") | join }} {{ obj | list | join }}',
    '{% set total = 0 %}{% for i in range(5) %}{% set total = total + i %}{% endfor %}{{ total }} {{ range(0, 10, 3) | join }}',
    '{% macro greet(who, punct="!") %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet("A") }} {{ greet("B", "?") }}{% call greet("C") %}{% endcall %}',
    '{% set c = cycler("odd", "even") %}{% for i in items %}{{ c.next() }} {% endfor %}{% set j = joiner("|") %}{% for i in items %}{{ j() }}{{ i }}{% endfor %}',
    '{% if n > 3 and items | length == 3 %}yes{% elif n %}maybe{% else %}no{% endif %} {{ "yes" if name else "no" }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ "a" ~ 1 }}',
    '{% raw %}{{ not rendered }}{% endraw %} {# a comment #}{{- "  trimmed  " -}}  !',
    '{% for k, v in obj %}{{ k }}={{ v }};{% else %}empty{% endfor %}{% for x in [] %}x{% else %}none{% endfor %}',
  ];

  it.each(templates.map((t) => [t.slice(0, 60), t]))('%s', (_label, template) => {
    expect(sandbox.render(template, vars)).toEqual({ ok: true, value: direct(template, vars) });
  });

  it('has promptfoo’s own filter, load (text read as JSON), and not its env global', () => {
    expect(sandbox.render('{% set o = data | load %}{{ o.a }} {{ (list | load)[1] }} [{{ env.HOME }}]', { data: '{"a": "x"}', list: '[1, 2]' })).toEqual({ ok: true, value: 'x 2 []' });
    expect(renderMessagesSafe([{ role: 'user', content: '{{ "not json" | load }}' }], {}).errors[0]?.message).toMatch(/JSON|unexpected/i);
  });

  it('reports errors with Nunjucks’ message and place', () => {
    const broken = renderMessagesSafe([{ role: 'user', content: 'Hi\n{% if x %}open' }], {});
    expect(broken.errors[0]).toMatchObject({ messageIndex: 0, line: 2 });
    const unknown = renderMessagesSafe([{ role: 'user', content: '{{ x | nosuchfilter }}' }], {});
    expect(unknown.errors[0]?.message).toMatch(/nosuchfilter/);
    expect(() => renderMessages([{ role: 'system', content: '{{ f() }}' }], {})).toThrow(/message 1 \(system\).*Unable to call `f`/);
  });
});

describe('batches', () => {
  const template: Message[] = [
    { role: 'system', content: 'Plain text, no tags.' },
    { role: 'user', content: '{% for e in examples %}{{ e }};{% endfor %}{{ q | upper }}' },
  ];
  it('render many rows exactly as one at a time, with each bad row failing on its own', () => {
    const rows: Variables[] = Array.from({ length: 300 }, (_, i) => ({ examples: [`e${i}`, 'x'], q: `question ${i}` }));
    rows[17] = { examples: 5, q: 'bad' }; // a number is not a list: Nunjucks renders nothing for it
    rows[42] = { examples: [], q: { a: 1 } };
    const batched = renderMessagesRows(template, rows);
    expect(batched).toHaveLength(rows.length);
    batched.forEach((outcome, i) => {
      const vars = rows[i] ?? {};
      let alone: { messages: Message[] } | { error: string };
      try {
        alone = { messages: renderMessages(template, vars) };
      } catch (error) {
        alone = { error: error instanceof Error ? error.message : String(error) };
      }
      expect('error' in outcome ? { error: outcome.error.message } : outcome).toEqual(alone);
    });
    // An object has no upper(): that row alone fails, with the message's place.
    expect(batched[42]).toMatchObject({ error: { message: expect.stringMatching(/message 2 \(user\)/) } });
    const failing = renderMessagesRows([{ role: 'user', content: '{{ row.missing() }}' }], [{ row: {} }, { row: { missing: 1 } }]);
    expect(failing.every((o) => 'error' in o && /Unable to call/.test(o.error.message))).toBe(true);
  });

  it('fall back to rows one by one when a batch runs out of time, and a template that keeps doing so fails fast', () => {
    clearTemplateCache();
    const slow: Message[] = [{ role: 'user', content: '{% if slow %}{% for i in range(100000000) %}{% endfor %}{% endif %}{{ q }}' }];
    const rows: Variables[] = [{ q: 'a' }, { q: 'b', slow: true }, { q: 'c' }, { q: 'd', slow: true }, { q: 'e', slow: true }];
    const started = performance.now();
    const outcomes = renderMessagesRows(slow, rows);
    expect(outcomes.map((o) => ('messages' in o ? o.messages[0]?.content : 'error'))).toEqual(['a', 'error', 'c', 'error', 'error']);
    const [, second, , , fifth] = outcomes;
    expect(second && 'error' in second && second.error.message).toMatch(/time budget/);
    // Two strikes: the fifth row is refused without spending the budget again.
    expect(fifth && 'error' in fifth && fifth.error.message).toMatch(/not rendered again for a minute/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('isolation between renders', () => {
  const attempts = [
    // The render context's env is the one environment: swap a filter on it.
    `{{ range.constructor("this.env.filters.upper = function () { return 'EVIL' }; this.env.globals.extra = 1; return 1")() }}`,
    // SafeString's prototype, reached from a filter's result.
    `{{ range.constructor("s", "var P = Object.getPrototypeOf(s); P.valueOf = P.toString = function () { return 'PWNED' }; return 1")("x" | safe) }}`,
    // Prototypes only syntax reaches.
    `{{ range.constructor("var I = Object.getPrototypeOf([][Symbol.iterator]()); I.next = function () { return { done: true } }; return 1")() }}`,
    `{{ range.constructor("var G = Object.getPrototypeOf(function* () {}); G.prototype.next = function () { return { done: true } }; return 1")() }}`,
    // The language's own objects, and a stash for later renders.
    `{{ range.constructor("Array.prototype.push = function () { return 0 }; JSON.stringify = function () { return 'x' }; globalThis.stash = []; return 1")() }}`,
    `{{ cycler.constructor("Object.prototype.toString = function () { return 'EVIL' }")() }}`,
  ];

  it('a template cannot change how any later template or check renders', () => {
    for (const attempt of attempts) sandbox.render(attempt, {});
    expect(sandbox.render('{{ q | upper }} {{ q | safe }} {{ q | escape }}{% for x in [1, 2] %}{{ x }}{% endfor %}', { q: 'ok' })).toEqual({ ok: true, value: 'OK ok ok12' });
    expect(sandbox.render('{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m("b") }} {{ {a: 1} | dump }} {{ extra }}', {})).toEqual({ ok: true, value: '[b] {"a":1} ' });
    const check = sandbox.runCode(['output'], 'var n = 0; for (var c of [1, 2, 3]) n += c; var a = []; a.push(1); function* g() { yield 1; } return [n, a.length, JSON.stringify({ x: 1 }), [...g()].length, String({}), typeof globalThis.stash].join()', ['x']);
    expect(check).toMatchObject({ ok: true, value: { text: '6,1,{"x":1},1,[object Object],undefined' } });
  });
});

describe('time spent per template', () => {
  it('stops a template that stays just under its budget on every row once it has taken 5 s in a minute', () => {
    clearTemplateCache();
    // Calibrate a loop to about 120 ms a render on this machine: under the 250 ms budget.
    const probe = (n: number): number => {
      const started = performance.now();
      sandbox.render(`{% for i in range(${n}) %}{% endfor %}`, {});
      return performance.now() - started;
    };
    let n = 1_000;
    let first = probe(n);
    while (first < 30 && n < 10_000_000) {
      n *= 2;
      first = probe(n);
    }
    n = Math.max(1_000, Math.round((n * 120) / first));
    const slow: Message[] = [{ role: 'user', content: `{% for i in range(${n}) %}{% endfor %}{{ q }}` }];
    const rows: Variables[] = Array.from({ length: 200 }, (_, i) => ({ q: `row ${i}` }));
    const started = performance.now();
    const outcomes = renderMessagesRows(slow, rows);
    const elapsed = performance.now() - started;
    const rendered = outcomes.filter((o) => 'messages' in o).length;
    const stopped = outcomes.filter((o) => 'error' in o && /more than 5 s of rendering/.test(o.error.message)).length;
    // 200 rows at ~120 ms would block for ~24 s; the rule stops it after ~5 s.
    expect(rendered).toBeGreaterThan(5);
    expect(stopped).toBeGreaterThan(100);
    expect(elapsed).toBeLessThan(15_000);
    clearTemplateCache();
  }, 60_000);
});

describe('budgets', () => {
  const limits = { ...DEFAULT_LIMITS, renderMs: 200, codeMs: 200, maxInputChars: 100_000, maxOutputChars: 50_000 };
  let own: Sandbox | undefined;
  afterAll(async () => own?.dispose());

  it('stop a native operation that ignores interrupts by replacing the worker, and the next call works', async () => {
    own = await Sandbox.load(limits);
    const started = performance.now();
    // Sorting strings is native all the way down: QuickJS checks for interrupts only between
    // operations, so only stopping the thread ends this.
    const hung = own.runCode([], 'for (;;) Array(2e6).fill("b").sort(); return 1', []);
    expect(hung).toMatchObject({ ok: false, kind: 'time' });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(own.restarts).toBe(1);
    expect(own.render('{{ 1 + 1 }}', {})).toEqual({ ok: true, value: '2' });
  });

  it('refuse input and output over their size, and memory past the limit', async () => {
    own ??= await Sandbox.load(limits);
    expect(own.render('{{ x }}', { x: 'a'.repeat(200_000) })).toMatchObject({ ok: false, kind: 'size' });
    expect(own.render('{% for i in range(1000) %}{{ x }}{% endfor %}', { x: 'a'.repeat(100) })).toMatchObject({ ok: false, kind: 'size' });
    const memory = own.runCode([], 'var a = new Array(1e8).fill(0); return a.length', []);
    expect(memory.ok).toBe(false);
    expect(own.render('{{ "still" }} here', {})).toEqual({ ok: true, value: 'still here' });
  });

  it('give a long template its compile time, outside the render budget', () => {
    clearTemplateCache();
    const document = Array.from({ length: 3000 }, (_, i) => `Paragraph ${i}: {{ q }} and some words of a long pasted document.`).join('\n');
    expect(document.length).toBeGreaterThan(150_000);
    const rendered = renderMessagesRows([{ role: 'user', content: document }], [{ q: 'a' }, { q: 'b' }]);
    expect(rendered.every((r) => 'messages' in r)).toBe(true);
  });

  it('cut a huge error message from sandboxed code to a readable size', () => {
    const thrown = sandbox.runCode([], 'throw new Error("x".repeat(8e6))', []);
    expect(thrown.ok).toBe(false);
    if (!thrown.ok) expect(thrown.message.length).toBeLessThan(3_000);
  });

  it('give code nothing of the host: no require, process, fetch, timers, or this process’s Function', () => {
    const result = sandbox.runCode([], 'return [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof Buffer, typeof WebAssembly, typeof globalThis.nunjucks].join()', []);
    expect(result).toMatchObject({ ok: true, value: { kind: 'string', text: 'undefined,undefined,undefined,undefined,undefined,undefined,undefined' } });
    // A global set by one call is not there for the next: the global object is frozen.
    sandbox.runCode([], 'globalThis.leak = 1; return 1', []);
    expect(sandbox.runCode([], 'return typeof globalThis.leak', [])).toMatchObject({ ok: true, value: { text: 'undefined' } });
  });
});

describe('the packaged app', () => {
  it('gives the worker the unpacked copy of a package inside app.asar, when there is one', () => {
    const app = mkdtempSync(join(tmpdir(), 'parallax-asar-'));
    for (const folder of ['app.asar', 'app.asar.unpacked']) {
      mkdirSync(join(app, folder, 'node_modules', 'q'), { recursive: true });
      writeFileSync(join(app, folder, 'node_modules', 'q', 'index.js'), '');
    }
    expect(outsideAsar(join(app, 'app.asar', 'node_modules', 'q', 'index.js'))).toBe(join(app, 'app.asar.unpacked', 'node_modules', 'q', 'index.js'));
    expect(outsideAsar(join(app, 'app.asar', 'node_modules', 'other.js'))).toBe(join(app, 'app.asar', 'node_modules', 'other.js'));
    expect(outsideAsar('/usr/lib/node_modules/q/index.js')).toBe('/usr/lib/node_modules/q/index.js');
  });
});
