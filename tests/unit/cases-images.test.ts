import { describe, expect, it } from 'vitest';
import { casesToCsv, casesToJsonl } from '../../src/shared/cases/export';
import { applyMapping, defaultMapping, imageProblems, parseCasesFile } from '../../src/shared/cases/import';
import { isImageValue } from '../../src/shared/images';
import type { TestCase } from '../../src/shared/schemas';

const PNG_URI = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const STORED = `${'ab'.repeat(32)}.png`;

function imported(fileName: string, text: string): TestCase[] {
  const parsed = parseCasesFile(fileName, text);
  return applyMapping(parsed, defaultMapping(parsed.columns, ['photo', 'question']));
}

describe('image values in test-case files', () => {
  it('a CSV column headed name:image fills the variable name with images: data URIs and web addresses', () => {
    const csv = ['question,photo:image', `What is it?,"${PNG_URI}"`, 'And this?,https://example.com/cat.png', 'Empty?,'].join('\n');
    const cases = imported('cases.csv', csv);
    expect(cases.map((c) => c.vars)).toEqual([
      { question: 'What is it?', photo: { image: PNG_URI } },
      { question: 'And this?', photo: { image: 'https://example.com/cat.png' } },
      { question: 'Empty?', photo: '' },
    ]);
    expect(imageProblems(parseCasesFile('cases.csv', csv))).toEqual([]);
  });

  it('a file path, file:, javascript: or another scheme in an image column stays text and is named as a problem', () => {
    const hostile = ['../../etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', '=HYPERLINK("http://x")'];
    const csv = ['photo:image', ...hostile.map((h) => `"${h.replace(/"/g, '""')}"`)].join('\n');
    const cases = imported('cases.csv', csv);
    for (const testCase of cases) expect(isImageValue(testCase.vars['photo'])).toBe(false);
    expect(cases.map((c) => c.vars['photo'])).toEqual(hostile);
    const problems = imageProblems(parseCasesFile('cases.csv', csv));
    expect(problems).toHaveLength(hostile.length);
    expect(problems[0]?.reason).toMatch(/photo:image: not a data:image URI or an http\(s\) address \(files are not read\); it stays text/);
  });

  it('JSONL rows with {"image": …} values import as images, and both exports come back unchanged', () => {
    const cases: TestCase[] = [
      { id: 'a', vars: { question: 'What?', photo: { image: STORED, alt: 'sun.png' } } },
      { id: 'b', vars: { question: 'And?', photo: { image: PNG_URI } } },
    ];
    const jsonl = casesToJsonl(cases);
    expect(imported('cases.jsonl', jsonl).map((c) => c.vars)).toEqual(cases.map((c) => c.vars));

    const csv = casesToCsv(cases, ['question', 'photo']);
    expect(csv.split('\r\n')[0]).toBe('question,photo:image');
    expect(csv).toContain(STORED);
    // The CSV carries the image, not its alt text.
    expect(imported('cases.csv', csv).map((c) => c.vars)).toEqual([
      { question: 'What?', photo: { image: STORED } },
      { question: 'And?', photo: { image: PNG_URI } },
    ]);
  });

  it('a column that holds no image keeps its plain header', () => {
    expect(casesToCsv([{ id: 'a', vars: { photo: 'just text' } }], ['photo']).split('\r\n')[0]).toBe('photo');
  });
});
