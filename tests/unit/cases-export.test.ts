import { describe, expect, it } from 'vitest';
import { caseColumns, casesToCsv, casesToJsonl } from '../../src/shared/cases/export';
import { applyMapping, defaultMapping, parseCsv, parseJsonl } from '../../src/shared/cases/import';
import type { TestCase } from '../../src/shared/schemas';

const cases: TestCase[] = [
  { id: '1', vars: { topic: 'hash tables, briefly', audience: 'kids' }, expected: 'A "map" of keys', assert: [{ type: 'icontains', value: 'map' }] },
  { id: '2', vars: { topic: 'line one\nline two', audience: ' padded ', items: [1, 'two', { three: 3 }] }, description: 'multi-line' },
  { id: '3', vars: { topic: 'queues', user: { name: 'Ada', tags: ['x'] }, flag: true, n: 3.5, none: null } },
];

function strip(list: TestCase[]): Omit<TestCase, 'id'>[] {
  return list.map(({ id: _id, ...rest }) => rest);
}

describe('exporting test cases', () => {
  it('puts the template variables first, then any other column a row holds', () => {
    expect(caseColumns(cases, ['audience', 'topic', 'unused'])).toEqual(['audience', 'topic', 'unused', 'items', 'user', 'flag', 'n', 'none']);
  });

  it('writes CSV with a header, quoting where needed, __expected and __description, JSON values as JSON text', () => {
    const csv = casesToCsv(cases, ['topic', 'audience']);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('topic,audience,items,user,flag,n,none,__expected,__description');
    expect(lines[1]).toBe('"hash tables, briefly",kids,,,,,,"A ""map"" of keys",');
    expect(csv).toContain('"line one\nline two"," padded ","[1,""two"",{""three"":3}]"');
    expect(csv).toContain('queues,,,"{""name"":""Ada"",""tags"":[""x""]}",true,3.5,null,,');
    expect(csv.endsWith('\r\n')).toBe(true);
    // Without any expected or description, those columns are left out.
    expect(casesToCsv([{ id: 'x', vars: { a: 'b' } }], ['a'])).toBe('a\r\nb\r\n');
  });

  it('round-trips through CSV: text exactly, JSON values when their columns are parsed as JSON', () => {
    const csv = casesToCsv(cases, ['topic', 'audience']);
    const parsed = parseCsv(csv);
    expect(parsed.problems).toEqual([]);
    const back = applyMapping(parsed, defaultMapping(parsed.columns, ['topic', 'audience']), { parseJson: ['items', 'user', 'flag', 'n', 'none'] });
    expect(back.map((c) => c.vars.topic)).toEqual(['hash tables, briefly', 'line one\nline two', 'queues']);
    expect(back[1]?.vars.audience).toBe(' padded ');
    expect(back[1]?.vars.items).toEqual([1, 'two', { three: 3 }]);
    expect(back[2]?.vars).toMatchObject({ user: { name: 'Ada', tags: ['x'] }, flag: true, n: 3.5, none: null });
    expect(back.map((c) => c.expected)).toEqual(['A "map" of keys', undefined, undefined]);
    expect(back.map((c) => c.description)).toEqual([undefined, 'multi-line', undefined]);
  });

  it('escapes text a spreadsheet would run as a formula, and reads it back exactly', () => {
    const hostile: TestCase[] = [
      { id: 'h1', vars: { q: '=HYPERLINK("http://x","y")', n: -0.5, s: '-0.5' }, expected: '@SUM(1+1)', description: '+cmd' },
      { id: 'h2', vars: { q: "'hello", n: 2, s: '  =1+1' } },
    ];
    const csv = casesToCsv(hostile, ['q']);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('q,n,s,__expected,__description');
    // The formula gets a leading quote and is quoted; a real number stays a number.
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://x"",""y"")",-0.5,"'-0.5","'@SUM(1+1)","'+cmd"`);
    expect(lines[2]).toBe(`'hello,2,"'  =1+1",,`);
    // Parallax's own import removes the escape it added, and nothing else.
    const parsed = parseCsv(csv);
    const back = applyMapping(parsed, defaultMapping(parsed.columns, ['q']), { parseJson: ['n'] });
    expect(strip(back)).toEqual(strip(hostile));
  });

  it("writes JSONL in promptfoo's test shape and round-trips every value exactly", () => {
    const jsonl = casesToJsonl(cases);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      vars: { topic: 'hash tables, briefly', audience: 'kids' },
      expected: 'A "map" of keys',
      assert: [{ type: 'icontains', value: 'map' }],
    });
    const parsed = parseJsonl(jsonl);
    expect(parsed.problems).toEqual([]);
    const back = applyMapping(parsed, defaultMapping(parsed.columns, ['topic', 'audience']));
    // Missing columns stay missing rather than becoming empty strings.
    expect(strip(back)).toEqual(strip(cases));
  });
});
