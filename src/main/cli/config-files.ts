/**
 * What `file://` in a config points at, read for `parallax eval`: prompt files and test-case
 * files (CSV, JSONL, JSON), relative to the config's folder as promptfoo reads them.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isAssertionType, type Assertion } from '../../shared/assertions/types';
import { EXPECTED_COLUMN, applyMapping, defaultMapping, parseCasesFile } from '../../shared/cases/import';
import type { ConfigFiles, ConfigTest } from '../../shared/promptfoo/config';

/** Test files are read whole; beyond this a config should be split. */
const MAX_TEST_FILE_BYTES = 200 * 1024 * 1024;

/**
 * promptfoo's `__expected` column is a check: `contains: foo`, `regex: ^a`, `not-icontains: x`
 * name one (with its value after the colon); anything else means "equals this".
 */
export function expectedCheck(expected: string): Assertion {
  const match = /^([a-z-]+):\s?([\s\S]*)$/.exec(expected);
  const type = match?.[1];
  if (match && type !== undefined && isAssertionType(type)) return { type, value: match[2] ?? '' };
  return { type: 'equals', value: expected };
}

function pathOf(ref: string, baseDir: string): string {
  const path = ref.replace(/^file:\/\//, '');
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no such file (${path})` : code === 'EISDIR' ? `${path} is a folder, not a file` : (error as Error).message, { cause: error });
  }
}

export function configFiles(baseDir: string): ConfigFiles {
  return {
    readText: (ref) => read(pathOf(ref, baseDir)).replace(/\r\n/g, '\n').replace(/\n$/, ''),
    readTests: (ref) => {
      const path = pathOf(ref, baseDir);
      const text = read(path);
      if (text.length > MAX_TEST_FILE_BYTES) throw new Error(`the file is larger than ${MAX_TEST_FILE_BYTES / 1024 / 1024} MB`);
      const parsed = parseCasesFile(path, text);
      const cases = applyMapping(parsed, defaultMapping(parsed.columns, []));
      const expectedIsCheck = parsed.columns.includes(EXPECTED_COLUMN);
      const tests = cases.map(
        (testCase): ConfigTest => ({
          vars: testCase.vars,
          ...(testCase.expected !== undefined ? { expected: testCase.expected } : {}),
          ...(testCase.description !== undefined ? { description: testCase.description } : {}),
          ...(expectedIsCheck && testCase.expected !== undefined ? { assert: [expectedCheck(testCase.expected)] } : {}),
        }),
      );
      return { tests, problems: parsed.problems.map((p) => `line ${p.line}: ${p.reason}`) };
    },
  };
}
