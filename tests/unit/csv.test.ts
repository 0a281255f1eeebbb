import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { escapeCsvCell, isFormulaLike, toCsv, unescapeCsvCell } from '../../src/shared/csv';

/** Reads CSV back with a plain RFC 4180 parser, with no formula handling of its own. */
function read(text: string): string[][] {
  return Papa.parse<string[]>(text.trimEnd(), { delimiter: ',' }).data;
}

const DANGEROUS = [
  '=HYPERLINK("http://x","y")',
  '+1+cmd|\' /C calc\'!A0',
  '-2+3',
  '@SUM(1+1)',
  '\t=1',
  '\tjust a tab',
  '\rcarriage',
  '  =1+1',
  '\n=1+1',
  '"=1+1',
  '\'=1+1',
  '\u00a0=1',
  '\u3000=1',
  '＝1+1',
  '＋1',
  '－1',
  '＠SUM(A1)',
  '-0.5',
  '- item one\n- item two',
];
const HARMLESS = ['', 'hello', 'a=b', '1+1', 'x-y@z', ' padded ', "'quoted", "'", '0.5', 'e=mc2', 'a\n=b', '\u2212 1'];

describe('spreadsheet-safe CSV cells (OWASP)', () => {
  it.each(DANGEROUS)('escapes %j with a leading single quote', (text) => {
    expect(isFormulaLike(text)).toBe(true);
    expect(escapeCsvCell(text)).toBe(`'${text}`);
  });

  it.each(HARMLESS)('leaves %j as it is', (text) => {
    expect(isFormulaLike(text)).toBe(false);
    expect(escapeCsvCell(text)).toBe(text);
  });

  it('undoes its own escape exactly, and leaves any other leading quote alone', () => {
    for (const text of [...DANGEROUS, ...HARMLESS, "''=1", "'\t", "'\r\n"]) {
      expect(unescapeCsvCell(escapeCsvCell(text))).toBe(text);
    }
    expect(unescapeCsvCell("'hello")).toBe("'hello");
    expect(unescapeCsvCell("'")).toBe("'");
    expect(unescapeCsvCell("'=1")).toBe('=1');
    // Only one quote comes off: two mean the text itself started with one.
    expect(unescapeCsvCell("''=1")).toBe("'=1");
  });

  it('writes the escaped cell quoted, so no reader splits or trims it', () => {
    const csv = toCsv([['a', 'b'], ['=HYPERLINK("http://x","y")', 'plain']]);
    expect(csv).toBe('a,b\r\n"\'=HYPERLINK(""http://x"",""y"")",plain\r\n');
    expect(read(csv)).toEqual([
      ['a', 'b'],
      ['\'=HYPERLINK("http://x","y")', 'plain'],
    ]);
  });

  it('escapes every writer cell, header included, whatever its position', () => {
    const csv = toCsv([['@head', 'ok'], ['x', '+1'], ['-1', '\tTab']], { newline: '\n' });
    expect(read(csv)).toEqual([
      ["'@head", 'ok'],
      ['x', "'+1"],
      ["'-1", "'\tTab"],
    ]);
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv).not.toContain('\r\n');
  });

  // Decision: numbers and booleans are values, not text. A negative number cannot carry a
  // formula and a spreadsheet must read it as a number, so it is written as it is; the same
  // characters in text ("-0.5" typed into a cell) are escaped like any other text.
  it('writes real numbers (negative ones too) and booleans as they are, and text that looks like a number escaped', () => {
    const csv = toCsv([[-0.5, -3, 0, 1e21, true, false, null, undefined, '-0.5']], { newline: '\n' });
    expect(csv).toBe("-0.5,-3,0,1e+21,true,false,,,\"'-0.5\"\n");
  });

  it('quotes commas, quotes, line breaks and edge spaces as RFC 4180 says', () => {
    const csv = toCsv([['a,b', 'say "hi"', 'line\nbreak', ' edge ']]);
    expect(csv).toBe('"a,b","say ""hi""","line\nbreak"," edge "\r\n');
    expect(toCsv([])).toBe('');
  });
});
