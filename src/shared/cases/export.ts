/**
 * Writing the test-case table as files other tools read: CSV in promptfoo's convention
 * (`__expected`, `__description`; a row's own checks do not fit a CSV and are left out) and
 * JSONL in promptfoo's test shape (`{ vars, description?, assert? }`, plus `expected`).
 * Both come back through import.ts unchanged. The CSV is spreadsheet-safe (../csv.ts): text
 * that could start a formula gets a `'` in front, which import.ts removes again.
 */
import { toCsv, type CsvValue } from '../csv';
import { isImageValue } from '../images';
import type { TestCase, VariableValue } from '../schemas';
import { DESCRIPTION_COLUMN, EXPECTED_COLUMN, IMAGE_SUFFIX } from './import';

/** The variable columns in order: the template's first, then any other a row holds. */
export function caseColumns(cases: readonly TestCase[], variableNames: readonly string[]): string[] {
  const seen = new Set(variableNames);
  const columns = [...variableNames];
  for (const testCase of cases) {
    for (const key of Object.keys(testCase.vars)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return columns;
}

/**
 * A value as a CSV cell: text as it is, a number as a number (so -0.5 stays a number a
 * spreadsheet can add up; only text gets the formula escape), anything else as JSON; a missing
 * value is empty.
 */
function cell(value: VariableValue | undefined): CsvValue {
  if (value === undefined) return '';
  // An image as its reference (a stored name, a data URI or an address), under a `name:image` header.
  if (isImageValue(value) && typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value['image'] === 'string') return value['image'];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function casesToCsv(cases: readonly TestCase[], variableNames: readonly string[]): string {
  const columns = caseColumns(cases, variableNames);
  const withExpected = cases.some((c) => c.expected !== undefined);
  const withDescription = cases.some((c) => c.description !== undefined);
  const imageColumns = new Set(columns.filter((column) => cases.some((c) => isImageValue(c.vars[column]))));
  const header = [...columns.map((column) => (imageColumns.has(column) ? `${column}${IMAGE_SUFFIX}` : column)), ...(withExpected ? [EXPECTED_COLUMN] : []), ...(withDescription ? [DESCRIPTION_COLUMN] : [])];
  const rows = cases.map((testCase) => [
    ...columns.map((column) => cell(testCase.vars[column])),
    ...(withExpected ? [testCase.expected ?? ''] : []),
    ...(withDescription ? [testCase.description ?? ''] : []),
  ]);
  // CRLF as RFC 4180 says; every reader (papaparse, Excel, promptfoo) takes it.
  return toCsv([header, ...rows], { newline: '\r\n' });
}

export function casesToJsonl(cases: readonly TestCase[]): string {
  return cases
    .map((testCase) => {
      const line: Record<string, unknown> = { vars: testCase.vars };
      if (testCase.description !== undefined) line.description = testCase.description;
      if (testCase.expected !== undefined) line.expected = testCase.expected;
      if (testCase.assert !== undefined) line.assert = testCase.assert;
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}
