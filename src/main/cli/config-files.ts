/**
 * What `file://` in a config points at, read for `parallax eval`: prompt files and test-case
 * files (CSV, JSONL, JSON), relative to the config's folder as promptfoo reads them.
 *
 * A config is someone else's file: it reads only inside its own folder (after following
 * symlinks), or inside a folder the person allowed with `--allow-files <dir>`. An absolute
 * path, `..` or a symlink that leads anywhere else is refused before the file is opened.
 */
import { globSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { isAssertionType, type Assertion } from '../../shared/assertions/types';
import { EXPECTED_COLUMN, applyMapping, defaultMapping, parseCasesFile } from '../../shared/cases/import';
import type { ConfigFiles, ConfigTest } from '../../shared/promptfoo/config';
import { isGlob, type PromptFile } from '../../shared/promptfoo/prompts';
import { decodeTextFile } from '../../shared/text-file';

/** Test files are read whole; beyond this a config should be split. */
const MAX_TEST_FILE_BYTES = 200 * 1024 * 1024;
/** Files one prompt glob may name; beyond this it is surely the wrong pattern. */
const MAX_PROMPT_FILES = 1000;

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

/**
 * A CSV row's promptfoo columns, as its testCaseFromCsvRow reads them: every column whose name
 * starts with `__expected` is a check (in column order, its text trimmed; an empty cell none),
 * `__metric` names them all, `__threshold` is the test's threshold when it is a number,
 * `__prefix` and `__suffix` its options.prefix and suffix (an empty cell none).
 */
export function csvSpecials(values: Readonly<Record<string, unknown>>): { assert: Assertion[]; threshold?: number; prefix?: string; suffix?: string } {
  const assert: Assertion[] = [];
  let metric: string | undefined;
  let threshold: number | undefined;
  const around: { prefix?: string; suffix?: string } = {};
  for (const [rawKey, raw] of Object.entries(values)) {
    const key = rawKey.trim();
    const text = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : JSON.stringify(raw);
    if (key.startsWith(EXPECTED_COLUMN)) {
      if (text.trim() !== '') assert.push(expectedCheck(text.trim()));
    } else if (key === '__metric') metric = text;
    else if (key === '__threshold' && text.trim() !== '' && Number.isFinite(Number(text))) threshold = Number(text);
    else if ((key === '__prefix' || key === '__suffix') && text !== '') around[key === '__prefix' ? 'prefix' : 'suffix'] = text;
  }
  return { assert: metric === undefined ? assert : assert.map((check) => ({ ...check, metric })), ...(threshold !== undefined ? { threshold } : {}), ...around };
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

/** A file's text (UTF-8, UTF-16 with its mark, else Latin-1 with a note: shared/text-file.ts); binary files are refused. */
function read(path: string): { text: string; note?: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no such file (${path})` : code === 'EISDIR' ? `${path} is a folder, not a file` : (error as Error).message, { cause: error });
  }
  const decoded = decodeTextFile(bytes);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.note !== undefined ? { text: decoded.text, note: decoded.note } : { text: decoded.text };
}

/**
 * A test file that gives no test case at all is an error, not a run of nothing: empty, a
 * header and no rows, or not one good line (each bad line named, up to five).
 */
function noTestsReason(parsed: ReturnType<typeof parseCasesFile>, text: string): string {
  if (parsed.problems.length > 0) {
    const shown = parsed.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.reason}`);
    const more = parsed.problems.length > 5 ? `; and ${parsed.problems.length - 5} more` : '';
    return `not one test case could be read from it (${shown.join('; ')}${more})`;
  }
  if (text.trim() === '') return 'the file is empty; it needs test cases (a CSV needs a header line and a row under it)';
  if (parsed.format === 'csv') return `it has a header (line 1: ${parsed.columns.join(', ')}) but no rows under it`;
  return 'it holds no test cases';
}

/**
 * The files a prompt reference names: itself, or for a glob every file it matches (the
 * config's folder walked for it, every match confined as a single path is), in path order.
 * Each comes with its path as promptfoo shows it in labels: joined to the config's folder as
 * the command line wrote it (`prompts.txt` for `-c promptfooconfig.yaml`).
 */
function promptFiles(ref: string, roots: readonly string[], shownDir: string): PromptFile[] {
  const written = ref.replace(/^file:\/\//, '');
  const [baseDir = '.'] = roots;
  const shown = (path: string): string => (isAbsolute(path) ? normalize(path) : join(shownDir, path)).split(sep).join('/');
  if (!isGlob(written)) return [{ shown: shown(written), text: read(confinedPath(ref, roots)).text }];
  // A pattern that climbs out of the folder is refused before anything is listed.
  confinedPath(`file://${written.replace(/[*?[\]{}].*$/, '') || '.'}`, roots);
  const matches = globSync(written, { cwd: baseDir })
    .filter((match) => {
      try {
        return statSync(resolve(baseDir, match)).isFile();
      } catch {
        return false;
      }
    })
    .sort();
  if (matches.length > MAX_PROMPT_FILES) throw new Error(`it matches ${matches.length} files; a prompt glob may match at most ${MAX_PROMPT_FILES}`);
  return matches.map((match) => ({ shown: shown(match), text: read(confinedPath(`file://${match}`, roots)).text }));
}

/**
 * A reader for `file://` references of a config in `baseDir`; `allowedDirs` are further folders
 * it may read. `shownDir` is the config's folder as the command line wrote it, for labels.
 */
export function configFiles(baseDir: string, allowedDirs: readonly string[] = [], shownDir = '.'): ConfigFiles {
  const roots = [baseDir, ...allowedDirs];
  return {
    readPrompts: (ref) => promptFiles(ref, roots, shownDir),
    readText: (ref) => read(confinedPath(ref, roots)).text.replace(/\r\n/g, '\n').replace(/\n$/, ''),
    readTests: (ref) => {
      const path = confinedPath(ref, roots);
      const { text, note } = read(path);
      if (text.length > MAX_TEST_FILE_BYTES) throw new Error(`the file is larger than ${MAX_TEST_FILE_BYTES / 1024 / 1024} MB`);
      const parsed = parseCasesFile(path, text);
      if (parsed.rows.length === 0) throw new Error(noTestsReason(parsed, text));
      const cases = applyMapping(parsed, defaultMapping(parsed.columns, []));
      const expectedIsCheck = parsed.columns.includes(EXPECTED_COLUMN);
      const tests = cases.map((testCase, index): ConfigTest => {
        // A CSV's promptfoo columns (__expected, __expected2…, __metric, __threshold); a JSON file's own checks.
        const row = parsed.rows[index];
        const specials = parsed.format === 'csv' && row ? csvSpecials(row.values) : undefined;
        const assert = specials ? specials.assert : [...(expectedIsCheck && testCase.expected !== undefined ? [expectedCheck(testCase.expected)] : []), ...((testCase.assert ?? []) as Assertion[])];
        return {
          vars: testCase.vars,
          ...(testCase.expected !== undefined ? { expected: testCase.expected } : {}),
          // promptfoo names a CSV row that has no description by its place in the file.
          ...(testCase.description !== undefined && testCase.description !== '' ? { description: testCase.description } : parsed.format === 'csv' ? { description: `Row #${index + 1}` } : {}),
          ...(assert.length > 0 ? { assert } : {}),
          ...(specials?.threshold !== undefined ? { threshold: specials.threshold } : {}),
          ...(specials?.prefix !== undefined ? { prefix: specials.prefix } : {}),
          ...(specials?.suffix !== undefined ? { suffix: specials.suffix } : {}),
        };
      });
      return { tests, problems: parsed.problems.map((p) => `line ${p.line}: ${p.reason}`), ...(note !== undefined ? { notes: [note] } : {}) };
    },
  };
}
