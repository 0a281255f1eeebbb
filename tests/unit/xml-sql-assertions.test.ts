import { describe, expect, it } from 'vitest';
import { evaluateAssertion } from '../../src/shared/assertions';
import type { Assertion, AssertionContext } from '../../src/shared/assertions';
import { containsXml, validateXml } from '../../src/shared/assertions/xml';
import { MAX_SQL_CHARS } from '../../src/shared/assertions/sql';
import { sqlParser } from '../../src/main/assertions/sql-parser';

const check = (assertion: Assertion, output: string, extra: Partial<AssertionContext> = {}) => evaluateAssertion(assertion, { output, vars: {}, sqlParser, ...extra });

describe('is-xml / contains-xml', () => {
  it('checks well-formedness and required element paths as promptfoo does', () => {
    const doc = '<root><item>1</item><item>2</item><meta lang="en"/></root>';
    expect(check({ type: 'is-xml' }, doc).pass).toBe(true);
    expect(check({ type: 'is-xml', value: 'root.item.1, root.meta.@_lang' }, doc).pass).toBe(true);
    expect(check({ type: 'is-xml', value: { requiredElements: ['root.missing'] } }, doc)).toMatchObject({ pass: false, reason: 'XML is missing required elements: root.missing' });
    expect(check({ type: 'not-is-xml' }, '<a><b></a>')).toMatchObject({ pass: true, score: 1 });
    expect(check({ type: 'contains-xml', value: ['user.name'] }, 'Sure: <user><name>Ann</name></user>!').pass).toBe(true);
    expect(check({ type: 'contains-xml' }, 'plain 3 < 4 text')).toMatchObject({ pass: false, reason: 'No XML content found in the output' });
    expect(check({ type: 'is-xml', value: { other: 1 } }, doc)).toMatchObject({ pass: false, reason: 'xml assertion must contain a string, array value, or no value' });
  });

  it('never expands an entity bomb: the DTD is refused', () => {
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE b [<!ENTITY l0 "lol">${entities}]><b>&l9;</b>`;
    const started = performance.now();
    expect(validateXml(bomb, undefined)).toEqual({ isValid: false, reason: 'DTD internal subsets are not supported by is-xml validation' });
    // contains-xml reads <b>&l9;</b> alone: the DTD before it is not part of it.
    expect(containsXml(`<w>${bomb.slice(21)}</w>`, undefined).isValid).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('survives 10,000-deep nesting and a 5 MB answer', () => {
    const deep = '<a>'.repeat(10_000) + 'x' + '</a>'.repeat(10_000);
    expect(validateXml(deep, undefined)).toEqual({ isValid: false, reason: 'XML parsing failed: Maximum nested tags exceeded' });
    expect(containsXml(`Here: ${deep}`, ['a'])).toEqual({ isValid: false, reason: 'No valid XML content found matching the requirements' });
    const big = `<root>${'<item id="1">a &amp; b</item>'.repeat(175_000)}</root>`;
    expect(big.length).toBeGreaterThan(5_000_000);
    expect(validateXml(big, ['root.item']).isValid).toBe(true);
  }, 30_000);
});

describe('is-sql / contains-sql', () => {
  it('parses with node-sql-parser and holds tables and columns to the whitelists', () => {
    const sql = 'SELECT id, name FROM users WHERE id = 1';
    expect(check({ type: 'is-sql' }, sql).pass).toBe(true);
    expect(check({ type: 'is-sql', value: { allowedTables: ['select::null::users'] } }, sql).pass).toBe(true);
    expect(check({ type: 'is-sql', value: { allowedTables: ['select::null::orders'] } }, sql)).toMatchObject({ pass: false, reason: 'SQL references unauthorized table(s). Found: [select::null::users]. Allowed: [select::null::orders].' });
    expect(check({ type: 'is-sql', value: { allowedColumns: ['select::users::id', 'select::users::name'] } }, sql).pass).toBe(true);
    expect(check({ type: 'not-is-sql' }, sql)).toMatchObject({ pass: false, reason: 'The output SQL statement is valid' });
    expect(check({ type: 'is-sql' }, 'SELECT id name FROM users')).toMatchObject({ pass: false, reason: 'SQL statement does not conform to the provided MySQL database syntax.' });
    expect(check({ type: 'is-sql' }, 'SELECT * FROM generate_series(1, 3)').pass).toBe(false);
    expect(check({ type: 'is-sql', value: { databaseType: 'PostgresQL' } }, 'SELECT * FROM generate_series(1, 3)').pass).toBe(true);
    expect(check({ type: 'is-sql', value: 'MySQL' }, sql)).toMatchObject({ pass: false, reason: 'is-sql assertion must have a object value.' });
  });

  it('contains-sql reads sql and untagged code blocks, else the whole answer', () => {
    const answer = "Here:\n```sql\nSELECT name FROM customers WHERE country = 'FR'\n```\n```python\nprint(1)\n```";
    expect(check({ type: 'contains-sql' }, answer).pass).toBe(true);
    expect(check({ type: 'contains-sql', value: { allowedTables: ['select::null::orders'] } }, answer).pass).toBe(false);
    expect(check({ type: 'not-contains-sql' }, 'I cannot write that query.')).toMatchObject({ pass: true });
  });

  it('fails without a parser, on deep parentheses and past the size limit, without hanging', () => {
    expect(evaluateAssertion({ type: 'is-sql' }, { output: 'SELECT 1', vars: {} }).pass).toBe(false);
    expect(check({ type: 'is-sql' }, `SELECT ${'('.repeat(10_000)}1${')'.repeat(10_000)}`).pass).toBe(false);
    const huge = 'SELECT 1;'.repeat(600_000);
    const started = performance.now();
    expect(check({ type: 'is-sql' }, huge)).toMatchObject({ pass: false, reason: `The answer is ${huge.length} characters; SQL checks parse at most ${MAX_SQL_CHARS}` });
    expect(check({ type: 'not-is-sql' }, huge).pass).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
