/**
 * Every CSV file Parallax writes goes through `toCsv`, so every one of them is safe to open in
 * a spreadsheet. Text from prompts, test cases and model answers is hostile: a cell such as
 * `=HYPERLINK("http://x","y")` or `@SUM(1+1)*cmd|' /C calc'!A0` would run as a formula in
 * Excel, LibreOffice or Google Sheets. OWASP's rule (CSV injection): a cell whose text starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote in front and is
 * quoted. We also catch the same characters after leading whitespace or quote marks (some
 * spreadsheets trim those before deciding) and their full-width forms (＝＋－＠), which some
 * spreadsheets turn into formulas too.
 *
 * Numbers and booleans are written as they are: a real number such as -0.5 cannot carry a
 * formula, and a spreadsheet should read it as the number it is. Text that merely looks like a
 * negative number ("-0.5" typed into a test case) is text, and is escaped like any other.
 *
 * Parallax's own CSV import (`parseCsv`) undoes the escape: it removes the single quote from a
 * cell that is a quote followed by text this rule would escape, so an exported table comes
 * back exactly as it was. `unescapeCsvCell(escapeCsvCell(x)) === x` for every text x.
 */
import Papa from 'papaparse';

/** A value a CSV cell can hold; null and undefined become an empty cell. */
export type CsvValue = string | number | boolean | null | undefined;

/**
 * Text a spreadsheet may treat as a formula: one of `= + - @` (or a full-width form) after any
 * whitespace and quote marks, or a tab or carriage return after any quote marks. Every match
 * still matches with a `'` in front, which is what makes the escape exactly reversible.
 * No `g` flag: `test` must not carry state from one cell to the next.
 */
export const FORMULA_START = /^(?:[\s"']*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|["']*[\t\r])/u;

/** The text a spreadsheet could run as a formula. */
export function isFormulaLike(text: string): boolean {
  return FORMULA_START.test(text);
}

/** OWASP's escape for one text cell: a `'` in front of text that could start a formula. */
export function escapeCsvCell(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text;
}

/**
 * The inverse of `escapeCsvCell`, for reading CSV: a `'` is removed only when the rest is text
 * the escape would have marked, so `'hello` and `'` stay as they are.
 */
export function unescapeCsvCell(text: string): string {
  return text.startsWith("'") && isFormulaLike(text.slice(1)) ? text.slice(1) : text;
}

export interface CsvOptions {
  /** Line ending between records; RFC 4180 says CRLF. */
  newline?: '\r\n' | '\n';
}

/**
 * Records as CSV text, each record ending with the newline. Fields with the delimiter, a quote,
 * a line break or leading/trailing spaces are quoted, quotes doubled; text that could start a
 * formula is escaped as above (and quoted).
 */
export function toCsv(records: readonly (readonly CsvValue[])[], options: CsvOptions = {}): string {
  if (records.length === 0) return '';
  const newline = options.newline ?? '\r\n';
  const data = records.map((record) => record.map((value) => (value === undefined ? null : value)));
  return `${Papa.unparse(data, { newline, escapeFormulae: FORMULA_START, header: false })}${newline}`;
}
