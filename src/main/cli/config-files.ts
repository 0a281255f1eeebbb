/**
 * What `file://` in a config points at, read for `parallax eval`: prompt files and test-case
 * files (CSV, JSONL, JSON), relative to the config's folder as promptfoo reads them.
 *
 * A config is someone else's file: it reads only inside its own folder (after following
 * symlinks), or inside a folder the person allowed with `--allow-files <dir>`. An absolute
 * path, `..` or a symlink that leads anywhere else is refused before the file is opened.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
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

/** The flag that lets a config read files in another folder, for messages. */
export const ALLOW_FILES_FLAG = '--allow-files';

function inside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The file a `file://` reference names, if it lies inside one of `roots` (the config's folder
 * first); otherwise an Error that says what was refused and how to allow it.
 */
export function confinedPath(ref: string, roots: readonly string[]): string {
  const written = ref.replace(/^file:\/\//, '');
  const [baseDir = '.'] = roots;
  const path = isAbsolute(written) ? resolve(written) : resolve(baseDir, written);
  const refuse = (what: string): Error =>
    new Error(
      `${what}; a config reads files only inside its own folder (${baseDir}). To allow another folder, run parallax eval ${ALLOW_FILES_FLAG} <folder>`,
    );
  // Lexically first, so nothing outside is even looked at; then where symlinks really lead.
  if (!roots.some((root) => inside(path, resolve(root)))) throw refuse(`${path} is outside the config's folder`);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no such file (${path})`, { cause: error });
    throw error;
  }
  if (!roots.some((root) => inside(real, realOrSelf(resolve(root))))) throw refuse(`${path} leads (through a symlink) to ${real}, outside the config's folder`);
  return real;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no such file (${path})` : code === 'EISDIR' ? `${path} is a folder, not a file` : (error as Error).message, { cause: error });
  }
}

/** A reader for `file://` references of a config in `baseDir`; `allowedDirs` are further folders it may read. */
export function configFiles(baseDir: string, allowedDirs: readonly string[] = []): ConfigFiles {
  const roots = [baseDir, ...allowedDirs];
  return {
    readText: (ref) => read(confinedPath(ref, roots)).replace(/\r\n/g, '\n').replace(/\n$/, ''),
    readTests: (ref) => {
      const path = confinedPath(ref, roots);
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
