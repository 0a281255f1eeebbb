/**
 * What `file://` in a config points at, read for `parallax eval`: prompt files and test-case
 * files (CSV, JSONL, JSON), relative to the config's folder as promptfoo reads them.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { applyMapping, defaultMapping, parseCasesFile } from '../../shared/cases/import';
import type { ConfigFiles, ConfigTest } from '../../shared/promptfoo/config';

/** Test files are read whole; beyond this a config should be split. */
const MAX_TEST_FILE_BYTES = 200 * 1024 * 1024;

function pathOf(ref: string, baseDir: string): string {
  const path = ref.replace(/^file:\/\//, '');
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no such file (${path})` : code === 'EISDIR' ? `${path} is a folder, not a file` : (error as Error).message);
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
      const tests = cases.map(
        (testCase): ConfigTest => ({
          vars: testCase.vars,
          ...(testCase.expected !== undefined ? { expected: testCase.expected } : {}),
          ...(testCase.description !== undefined ? { description: testCase.description } : {}),
        }),
      );
      return { tests, problems: parsed.problems.map((p) => `line ${p.line}: ${p.reason}`) };
    },
  };
}
