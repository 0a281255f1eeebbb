/**
 * `parallax export --prompt <name> [--version <n|label|latest>] --format <format> [-o file]`:
 * a library prompt's version written in one of the file formats, to a file or to stdout.
 * Nothing here can write a key: a prompt document has no field for one, and the code snippets
 * read theirs from an environment variable.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PromptDocument, PromptFormatId } from '../../shared/formats/document';
import { exportPrompt } from '../../shared/formats';
import { versionDocument, type PromptSummary } from '../../shared/library';
import { DATABASE_FILE, Store } from '../store/store';
import { renderMessages } from '../template/render';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, USAGE, dataDirOf, type CliIo } from './main';

/** Every format, in the order the help lists them (a Record, so a new format cannot be missed). */
const FORMATS: Record<PromptFormatId, true> = {
  prompty: true,
  'promptfoo-json': true,
  'promptfoo-text': true,
  'openai-chat': true,
  markdown: true,
  typescript: true,
  python: true,
  curl: true,
};
export const FORMAT_IDS = Object.keys(FORMATS) as PromptFormatId[];

function isFormatId(value: string): value is PromptFormatId {
  return Object.hasOwn(FORMATS, value);
}

/** Few enough names to list in a message. */
const NAMES_LISTED = 10;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function quoteList(items: readonly string[]): string {
  const quoted = items.map((item) => `"${item}"`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1] ?? ''}`;
}

/** The sentence after `no prompt named "x"`: what the library does have. */
function knownPrompts(all: readonly PromptSummary[], wanted: string): string {
  if (all.length === 0) return 'the library is empty; save a prompt in the app, or add one with parallax import <file>';
  if (all.length <= NAMES_LISTED) return `the library has ${quoteList(all.map((p) => p.name))}`;
  const needle = wanted.trim().toLowerCase();
  const close = all.filter((p) => p.name.toLowerCase().includes(needle) || needle.includes(p.name.toLowerCase())).slice(0, NAMES_LISTED);
  const hint = close.length > 0 ? `; did you mean ${quoteList(close.map((p) => p.name))}?` : '';
  return `the library has ${all.length} prompts (names match ignoring case)${hint}`;
}

function knownVersions(prompt: PromptSummary): string {
  const range = prompt.versionCount === 1 ? 'version 1' : `versions 1 to ${prompt.versionCount}`;
  const labels = prompt.labels.map((l) => `${l.label} (version ${l.number})`);
  return `it has ${range}${labels.length > 0 ? ` and the label${labels.length === 1 ? '' : 's'} ${labels.join(', ')}` : ''}, or use latest`;
}

/** Written beside the target and renamed into place, so a failed write leaves no half file. */
function writeWhole(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(temp, text, 'utf8');
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export async function runExportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr(`parallax export: ${message}\n`);
    return EXIT_USAGE;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        prompt: { type: 'string', short: 'p' },
        version: { type: 'string' },
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    io.stderr(`parallax export: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const name = values.prompt?.trim();
  if (!name) return usage('give the prompt to export with --prompt <name>.');
  const format = values.format?.trim();
  if (!format) return usage(`give the format with --format <format>; the formats are ${FORMAT_IDS.join(', ')}.`);
  if (!isFormatId(format)) return usage(`unknown format "${format}"; the formats are ${FORMAT_IDS.join(', ')}.`);
  const ref = values.version?.trim() || 'latest';
  if (/^\d+$/.test(ref) && Number(ref) < 1) return usage(`--version ${ref}: versions are numbered from 1.`);

  const dataDir = dataDirOf(values['data-dir'], io);
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    return usage(`no prompt named "${name}": there is no Parallax library in ${dataDir}; give the app's data folder with --data-dir or PARALLAX_DATA_DIR.`);
  }
  let store: Store;
  try {
    store = new Store(dataDir);
  } catch (error) {
    io.stderr(`parallax export: cannot open the library in ${dataDir}: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
  let document: PromptDocument;
  let versionNumber: number;
  try {
    const prompt = store.library.byName(name);
    if (!prompt) return usage(`no prompt named "${name}"; ${knownPrompts(store.library.list(), name)}.`);
    const version = store.library.resolveVersion(prompt.id, ref);
    if (!version) return usage(`the prompt "${prompt.name}" has no version "${ref}"; ${knownVersions(prompt)}.`);
    document = versionDocument(prompt, version);
    versionNumber = version.number;
  } finally {
    store.close();
  }

  let file: { fileName: string; text: string };
  try {
    file = exportPrompt(document, format, { renderMessages });
  } catch (error) {
    return usage(`${errorMessage(error)} Nothing was written.`);
  }

  const output = values.output;
  if (output === undefined || output === '-') {
    io.stdout(file.text);
    return EXIT_OK;
  }
  const path = resolve(io.cwd, output);
  try {
    writeWhole(path, file.text);
  } catch (error) {
    io.stderr(`parallax export: cannot write ${output}: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
  const wanted = extname(file.fileName).toLowerCase();
  if (wanted && extname(output).toLowerCase() !== wanted) {
    io.stderr(`warning: ${output} does not end in ${wanted}; parallax import (and other tools) tell a file's format by its extension.\n`);
  }
  io.stderr(`Wrote ${output}: "${document.name}" version ${versionNumber} as ${format}.\n`);
  return EXIT_OK;
}
