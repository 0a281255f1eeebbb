/**
 * promptfoo's nunjucksFilters in the sandbox: a config's filter files run there (no require,
 * no globals to change, a time budget), are looked up before Nunjucks' own filters, and are
 * gone once the host clears them.
 */
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_LIMITS, Sandbox } from '../../src/main/sandbox';

const box = await Sandbox.load({ ...DEFAULT_LIMITS, renderMs: 200, codeMs: 200 });
afterAll(() => box.dispose());

const render = (text: string, vars: Record<string, unknown> = { a: 'hi' }): string => {
  const [result] = box.renderAll([text], vars);
  if (!result) throw new Error('no result');
  return result.ok ? result.value : `error: ${result.kind}: ${result.message}`;
};

it('runs CommonJS and export-default filter files, with arguments, before the built-in ones', () => {
  const loaded = box.setFilters([
    { name: 'shout', source: 'module.exports = function (s, n) { return String(s).toUpperCase() + "!".repeat(n || 1); };' },
    { name: 'rev', source: 'export default (s) => String(s).split("").reverse().join("")' },
    { name: 'upper', source: 'module.exports = { default: (s) => "mine:" + s }' },
  ]);
  expect(loaded).toEqual({ ok: true, value: 3 });
  expect(render('{{ a | shout(3) }} {{ a | rev }} {{ a | upper }} {{ a | title }}')).toBe('HI!!! ih mine:hi Hi');
});

it('refuses a file that needs Node, throws, or exports no function, and keeps none of the set', () => {
  box.setFilters([{ name: 'shout', source: 'module.exports = (s) => s + "!"' }]);
  const refused = box.setFilters([
    { name: 'ok', source: 'module.exports = (s) => s' },
    { name: 'fs', source: 'const fs = require("fs"); module.exports = (s) => fs.readFileSync(s)' },
  ]);
  expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('require') });
  expect(box.setFilters([{ name: 'x', source: 'module.exports = 42' }])).toMatchObject({ ok: false, message: 'the file exports number, not a function' });
  expect(render('{{ a | shout }}')).toMatch(/filter not found: shout/);
  expect(render('{{ a | ok }}')).toMatch(/filter not found: ok/);
});

it('cannot change what other templates see, and a filter that never returns is stopped', () => {
  expect(box.setFilters([
    { name: 'poison', source: 'module.exports = function () { "use strict"; try { Array.prototype.join = function () { return "pwned"; }; return "changed"; } catch (e) { return "frozen"; } }' },
    { name: 'spin', source: 'module.exports = function () { for (;;) {} }' },
  ]).ok).toBe(true);
  expect(render('{{ a | poison }} {{ [1, 2] | join("-") }}')).toBe('frozen 1-2');
  expect(render('{{ a | spin }}')).toMatch(/^error: time/);
  // The filters are still there for the next render.
  expect(render('{{ a | poison }}')).toBe('frozen');
});

it('clears them: an empty list leaves only the built-in filters', () => {
  box.setFilters([{ name: 'shout', source: 'module.exports = (s) => s + "!"' }]);
  expect(render('{{ a | shout }}')).toBe('hi!');
  expect(box.setFilters([])).toEqual({ ok: true, value: 0 });
  expect(render('{{ a | shout }}')).toMatch(/filter not found: shout/);
});
