import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  defaultMapping,
  detectDelimiter,
  detectFormat,
  jsonLikeColumns,
  jsonProblems,
  parseCasesFile,
  parseCsv,
  parseJson,
  parseJsonl,
} from '../../src/shared/cases/import';

describe('reading CSV test cases', () => {
  it('reads a header row, quoted fields with commas, quotes and embedded newlines, and strips a BOM', () => {
    const text = '\ufefftopic,audience\n"hash tables, briefly","people who say ""hi"""\n"a\nmulti-line\nvalue",kids\n';
    const parsed = parseCsv(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.columns).toEqual(['topic', 'audience']);
    expect(parsed.rows).toEqual([
      { line: 2, values: { topic: 'hash tables, briefly', audience: 'people who say "hi"' } },
      { line: 3, values: { topic: 'a\nmulti-line\nvalue', audience: 'kids' } },
    ]);
  });

  it('detects ; and tab delimiters from the header line, ignoring delimiters inside quotes', () => {
    expect(detectDelimiter('a;b;c\n1,2;3;4')).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2')).toBe('\t');
    expect(detectDelimiter('"x;y;z",b\n')).toBe(',');
    expect(parseCsv('name;city\nAda;London\r\nAlan;"Man;chester"\r\n').rows.map((r) => r.values)).toEqual([
      { name: 'Ada', city: 'London' },
      { name: 'Alan', city: 'Man;chester' },
    ]);
    expect(parseCsv('q\tlang\nhello\tfr\n').rows[0]?.values).toEqual({ q: 'hello', lang: 'fr' });
  });

  it('reports each row with the wrong field count by its line (counting embedded newlines) and keeps the good rows', () => {
    const text = ['topic,audience', '"two\nlines",kids', 'only-one-field', '', 'x,y', 'a,b,c', 'last,row'].join('\n');
    const parsed = parseCsv(text);
    expect(parsed.rows.map((r) => [r.line, r.values.topic])).toEqual([
      [2, 'two\nlines'],
      [6, 'x'],
      [8, 'last'],
    ]);
    expect(parsed.problems).toEqual([
      { line: 4, reason: '1 field, but the header has 2' },
      { line: 7, reason: '3 fields, but the header has 2' },
    ]);
  });

  it('stops at a quote that is never closed, says which lines were not read, and keeps the rows before it', () => {
    const parsed = parseCsv('a,b\n1,2\n"open,3\n4,5\n6,7\n');
    expect(parsed.rows).toEqual([{ line: 2, values: { a: '1', b: '2' } }]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.line).toBe(3);
    expect(parsed.problems[0]?.reason).toMatch(/never closed.*lines 3–5/);
  });

  it('names blank and repeated headers so no column is lost, and reports an empty file', () => {
    expect(parseCsv('a,,a\n1,2,3\n').columns).toEqual(['a', 'column_2', 'a_2']);
    expect(parseCsv('').problems).toEqual([{ line: 1, reason: expect.stringMatching(/empty/) as unknown as string }]);
  });

  it('keeps JSON-looking cells as text unless the mapping says to parse that column', () => {
    const parsed = parseCsv('items,user\n"[1,2,3]","{""name"":""Ada""}"\n"[broken",{}\n');
    expect(jsonLikeColumns(parsed)).toEqual(['user']);
    const asText = applyMapping(parsed, defaultMapping(parsed.columns, ['items', 'user']));
    expect(asText[0]?.vars).toEqual({ items: '[1,2,3]', user: '{"name":"Ada"}' });
    const asJson = applyMapping(parsed, defaultMapping(parsed.columns, ['items', 'user']), { parseJson: ['items', 'user'] });
    expect(asJson[0]?.vars).toEqual({ items: [1, 2, 3], user: { name: 'Ada' } });
    // A cell that does not parse stays text and is reported with its line.
    expect(asJson[1]?.vars.items).toBe('[broken');
    expect(jsonProblems(parsed, ['items'])).toEqual([{ line: 3, reason: expect.stringMatching(/^items: not valid JSON/) as unknown as string }]);
  });

  it('parses a 10,000-row CSV quickly (time printed, not asserted)', () => {
    const lines = ['topic,audience,__expected'];
    for (let i = 0; i < 10_000; i += 1) lines.push(`"topic ${i}, with a comma",audience ${i},"answer ""${i}"""`);
    const started = performance.now();
    const parsed = parseCsv(lines.join('\n'));
    const ms = performance.now() - started;
    console.log(`parsed 10,000 CSV rows in ${ms.toFixed(1)} ms`);
    expect(parsed.rows).toHaveLength(10_000);
    expect(parsed.rows[9_999]).toEqual({ line: 10_001, values: { topic: 'topic 9999, with a comma', audience: 'audience 9999', __expected: 'answer "9999"' } });
  });
});

describe('reading JSONL test cases', () => {
  it('reads one object per line, skips blank lines, and reports bad lines with their numbers', () => {
    const text = ['{"topic":"a","n":1}', '', '{"topic": nope}', '[1,2]', '"just text"', '{"topic":"b","user":{"name":"Ada"}}'].join('\n');
    const parsed = parseJsonl(text);
    expect(parsed.rows).toEqual([
      { line: 1, values: { topic: 'a', n: 1 } },
      { line: 6, values: { topic: 'b', user: { name: 'Ada' } } },
    ]);
    expect(parsed.columns).toEqual(['topic', 'n', 'user']);
    expect(parsed.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(parsed.problems[0]?.reason).toMatch(/^not valid JSON \(/);
    expect(parsed.problems[1]?.reason).toBe('expected an object with one value per column, found a list');
    expect(parsed.problems[2]?.reason).toBe('expected an object with one value per column, found text');
  });

  it("reads promptfoo's test shape: vars, description, expected and its checks; an unknown check is left out and reported", () => {
    const text = [
      '{"vars":{"q":"2+2"},"description":"sums","expected":"4","assert":[{"type":"equals","value":"4"},{"type":"python","value":"x"}]}',
      '{"vars":"oops"}',
    ].join('\n');
    const parsed = parseJsonl(text);
    expect(parsed.rows).toEqual([{ line: 1, values: { q: '2+2', __description: 'sums', __expected: '4' }, assert: [{ type: 'equals', value: '4' }] }]);
    expect(parsed.problems).toEqual([
      { line: 1, reason: expect.stringMatching(/^assert 2 left out: "python": python checks are not supported/) as unknown as string, kept: true },
      { line: 2, reason: '"vars" should be an object of variable values, found text' },
    ]);
    const [testCase] = applyMapping(parsed, defaultMapping(parsed.columns, ['q']));
    expect(testCase).toMatchObject({ vars: { q: '2+2' }, expected: '4', description: 'sums', assert: [{ type: 'equals', value: '4' }] });
  });
});

describe('reading JSON test cases', () => {
  it('reads an array of objects, giving each element the line it starts on', () => {
    const text = '[\n  {"topic": "a, [b]"},\n  {\n    "topic": "c"\n  },\n  42,\n  {"topic": "d"}\n]\n';
    const parsed = parseJson(text);
    expect(parsed.rows).toEqual([
      { line: 2, values: { topic: 'a, [b]' } },
      { line: 3, values: { topic: 'c' } },
      { line: 7, values: { topic: 'd' } },
    ]);
    expect(parsed.problems).toEqual([{ line: 6, reason: 'expected an object with one value per column, found a number' }]);
  });

  it("reads promptfoo's tests list (bare, or under a tests key) with vars.expected kept as a column", () => {
    const tests = '{\n "tests": [\n  {"vars": {"q": "capital of France", "expected": "Paris"}},\n  {"vars": {"q": "2+2"}, "assert": [{"type": "contains", "value": "4"}]}\n ]\n}';
    const parsed = parseJson(tests);
    expect(parsed.rows).toEqual([
      { line: 3, values: { q: 'capital of France', expected: 'Paris' } },
      { line: 4, values: { q: '2+2' }, assert: [{ type: 'contains', value: '4' }] },
    ]);
    const cases = applyMapping(parsed, defaultMapping(parsed.columns, ['q']));
    expect(cases.map((c) => [c.vars, c.expected])).toEqual([
      [{ q: 'capital of France' }, 'Paris'],
      [{ q: '2+2' }, undefined],
    ]);
  });

  it('reports a file that is not JSON with the line of the error, and one that is not a list', () => {
    const broken = parseJson('[\n {"a": 1},\n {"a": 2,,}\n]');
    expect(broken.rows).toEqual([]);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]?.line).toBe(3);
    expect(parseJson('{"a": 1}').problems[0]?.reason).toMatch(/expected a list of test cases/);
  });
});

describe('choosing the reader and mapping columns', () => {
  it('picks the format from the file name, else from the first character', () => {
    expect(detectFormat('cases.CSV', '[')).toBe('csv');
    expect(detectFormat('cases.jsonl', '[')).toBe('jsonl');
    expect(detectFormat('cases.json', '{')).toBe('json');
    expect(detectFormat('pasted', ' [{"a":1}]')).toBe('json');
    expect(detectFormat('pasted', '{"a":1}\n{"a":2}')).toBe('jsonl');
    expect(parseCasesFile('x.tsv', 'a\tb\n1\t2').rows[0]?.values).toEqual({ a: '1', b: '2' });
  });

  it('maps same-name columns to variables, promptfoo columns to their fields, metadata to ignore', () => {
    expect(defaultMapping(['topic', '__expected', '__description', '__metadata:tag', 'extra', 'expected'], ['topic'])).toEqual({
      topic: 'topic',
      __expected: 'expected',
      __description: 'description',
      '__metadata:tag': 'ignore',
      extra: 'extra',
      expected: 'expected',
    });
    // A template that has a variable called "expected" keeps it a variable.
    expect(defaultMapping(['expected'], ['expected'])).toEqual({ expected: 'expected' });
  });

  it('applies a mapping: renames, ignores, fills expected and description, and gives every case a new id', () => {
    const parsed = parseCsv('Subject,who,answer,note,junk\nhash tables,kids,A map,first,x\nqueues,adults,,second,y\n');
    const cases = applyMapping(parsed, { Subject: 'topic', who: 'audience', answer: 'expected', note: 'description', junk: 'ignore' });
    expect(cases).toEqual([
      { id: expect.any(String) as unknown as string, vars: { topic: 'hash tables', audience: 'kids' }, expected: 'A map', description: 'first' },
      { id: expect.any(String) as unknown as string, vars: { topic: 'queues', audience: 'adults' }, description: 'second' },
    ]);
    expect(new Set(cases.map((c) => c.id)).size).toBe(2);
  });
});
