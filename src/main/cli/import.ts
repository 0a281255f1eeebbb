/**
 * `parallax import <file> [--name N]`: a prompt file becomes a new library prompt (version 1,
 * source `import`); a promptfooconfig becomes one library prompt per prompt in it. All or
 * nothing: the whole file is read and checked, and every name is free, before anything is
 * saved; a failure while saving removes what this import saved.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PromptModel } from '../../shared/formats/document';
import { importPromptFile } from '../../shared/formats';
import { MAX_SIBLING_CHARS, MAX_SIBLINGS, namedFiles, readSiblings, unsafeName } from '../../shared/formats/prompty-files';
import { decodeTextFile } from '../../shared/text-file';
import { promptNameSchema } from '../../shared/library';
import { parseExperimentYaml, type Experiment, type ExperimentProvider } from '../../shared/promptfoo/experiment';
import { ECHO_MODEL } from '../../shared/providers';
import type { PromptContent, PromptMeta } from '../store/library';
import { Store } from '../store/store';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, USAGE, dataDirOf, type CliIo } from './main';

const CONFIG_EXTENSIONS = new Set(['.yaml', '.yml']);
const MAX_NAME = 120;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A .json file that is a promptfoo config (a map with prompts), not a chat array. */
function isJsonConfig(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && 'prompts' in value && ('providers' in value || 'targets' in value);
  } catch {
    return false;
  }
}

function stemOf(file: string): string {
  const name = basename(file);
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

/** The model a config's prompts are saved with: its first provider's, as the app records a draft's first column. */
export function modelOfProvider(provider: ExperimentProvider | undefined): PromptModel | undefined {
  if (!provider) return undefined;
  if (provider.kind === 'echo') return { name: ECHO_MODEL, params: { ...provider.params } };
  return {
    name: provider.model,
    ...(provider.baseUrl !== undefined ? { baseUrl: provider.baseUrl } : {}),
    ...(provider.apiKeyEnvar !== undefined ? { apiKeyEnvar: provider.apiKeyEnvar } : {}),
    params: { ...provider.params },
  };
}

/** `<base> #<n>` for each prompt, the base cut so every name fits. */
export function experimentPromptNames(experiment: Experiment, base: string): string[] {
  const flat = base.replace(/\s+/g, ' ').trim();
  const room = MAX_NAME - ` #${experiment.prompts.length}`.length;
  const cut = flat.length > room ? `${flat.slice(0, room - 1).trimEnd()}…` : flat;
  return experiment.prompts.map((_, index) => `${cut} #${index + 1}`);
}

interface Planned {
  meta: PromptMeta;
  content: PromptContent;
}

export async function runImportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr(`parallax import: ${message}\n`);
    return EXIT_USAGE;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        name: { type: 'string', short: 'n' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`parallax import: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const [file, ...extra] = positionals;
  if (file === undefined) return usage('give the file to import: parallax import <file> [--name <name>].');
  if (extra.length > 0) return usage(`one file at a time; unexpected argument "${extra[0] ?? ''}".`);
  let name: string | undefined;
  if (values.name !== undefined) {
    const checked = promptNameSchema.safeParse(values.name);
    if (!checked.success) return usage(`--name: ${checked.error.issues[0]?.message ?? 'not a usable name'}`);
    name = checked.data;
  }

  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(io.cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'this is a folder, not a file' : errorMessage(error);
    return usage(`${file}: cannot read it: ${reason}. Nothing was imported.`);
  }
  // UTF-8, UTF-16 with its mark, else Latin-1 with a warning; a binary file is refused (shared/text-file.ts).
  const decoded = decodeTextFile(bytes);
  if (!decoded.ok) return usage(`${file}: cannot be imported: ${decoded.reason}. Nothing was imported.`);
  const { text } = decoded;
  if (decoded.note !== undefined) io.stderr(`warning: ${file}: ${decoded.note}.\n`);

  // 1. The whole file, read and checked.
  const ext = extname(file).toLowerCase();
  const isConfig = CONFIG_EXTENSIONS.has(ext) || (ext === '.json' && isJsonConfig(text));
  const planned: Planned[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  if (isConfig) {
    const result = parseExperimentYaml(text, file);
    if (!result.ok) {
      for (const error of result.errors) io.stderr(`${error}\n`);
      io.stderr('Nothing was imported.\n');
      return EXIT_USAGE;
    }
    const { experiment } = result;
    warnings.push(...result.warnings);
    const description = experiment.description?.trim();
    const names = experimentPromptNames(experiment, name ?? (description || stemOf(file)));
    const model = modelOfProvider(experiment.providers[0]);
    const sample = { ...(experiment.tests[0]?.vars ?? {}) };
    experiment.prompts.forEach((messages, index) => {
      planned.push({
        meta: { name: names[index] ?? `${stemOf(file)} #${index + 1}`, description: experiment.description ?? '', tags: [] },
        content: { messages, variables: sample, ...(model ? { model } : {}) },
      });
    });
    const left: string[] = [];
    if (experiment.providers.length > 1) left.push(`${experiment.providers.length - 1} more provider${experiment.providers.length === 2 ? '' : 's'}`);
    if (experiment.tests.length > 1) left.push(`${experiment.tests.length - 1} more test${experiment.tests.length === 2 ? '' : 's'}`);
    if (left.length > 0) {
      notes.push(
        `Not kept in the library (a prompt keeps one model and one set of sample variables): ${left.join(' and ')}. They stay in ${file}: open it in the app, or run it with parallax eval -c ${file}.`,
      );
    }
  } else {
    const beside = ext === '.prompty' ? readBeside(resolve(io.cwd, file), text) : { files: new Map<string, string>(), problems: [] };
    warnings.push(...beside.problems);
    const result = importPromptFile(basename(file), text, beside.files);
    if (!result.ok) {
      for (const error of result.errors) {
        const where = error.line === undefined ? '' : ` (line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''})`;
        io.stderr(`${file}${where}: ${error.message}\n`);
      }
      io.stderr('Nothing was imported.\n');
      return EXIT_USAGE;
    }
    const { document } = result;
    warnings.push(...result.warnings.map((w) => `${file}: ${w}`));
    const chosen = promptNameSchema.safeParse(name ?? document.name);
    if (!chosen.success) return usage(`${file}: the prompt's name in the file is not usable (${chosen.error.issues[0]?.message ?? 'bad name'}); pass --name <name>. Nothing was imported.`);
    planned.push({
      meta: { name: chosen.data, description: document.description, tags: [...document.tags] },
      content: { messages: document.messages, variables: { ...document.sample }, ...(document.model ? { model: document.model } : {}) },
    });
  }

  // 2. Every name free, before anything is saved.
  let store: Store;
  const dataDir = dataDirOf(values['data-dir'], io);
  try {
    store = new Store(dataDir);
  } catch (error) {
    io.stderr(`parallax import: cannot open the library in ${dataDir}: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
  try {
    const { library } = store;
    const taken = planned.filter((p) => library.byName(p.meta.name)).map((p) => `"${p.meta.name}"`);
    if (taken.length > 0) {
      const which = taken.length === 1 ? `a prompt named ${taken[0] ?? ''} already exists` : `prompts named ${taken.join(', ')} already exist`;
      return usage(`${which}; pass --name <another name> to import ${file} under a new name. Nothing was imported.`);
    }

    // 3. Saved, all or nothing.
    for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
    const saved: { id: string; name: string; number: number }[] = [];
    try {
      for (const p of planned) {
        const { prompt, version } = library.create(p.meta, p.content, 'import');
        saved.push({ id: prompt.id, name: prompt.name, number: version.number });
      }
    } catch (error) {
      for (const s of saved) library.remove(s.id);
      io.stderr(`parallax import: ${file}: ${errorMessage(error)} Nothing was imported.\n`);
      return EXIT_FAILED;
    }
    const list = saved.map((s) => `"${s.name}"`).join(', ');
    io.stdout(`Imported ${file} as ${saved.length === 1 ? `${list} (version ${saved[0]?.number ?? 1})` : `${saved.length} prompts: ${list}`}.\n`);
    for (const note of notes) io.stderr(`${note}\n`);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

/**
 * The files a .prompty names beside itself (base:, ${file:…}, extends, include, and what those
 * name in turn), read from its own folder only: a name that is absolute, climbs out with `..`
 * or resolves (through a link) outside the folder is not read, nor a file over the size cap.
 */
function readBeside(path: string, text: string): { files: Map<string, string>; problems: string[] } {
  const folder = realpathSync(dirname(path));
  const found: Array<{ name: string; text: string }> = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = namedFiles(text);
  while (queue.length > 0 && seen.size < MAX_SIBLINGS) {
    const name = queue.shift() ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    const bad = unsafeName(name);
    if (bad) {
      problems.push(`"${name.slice(0, 200)}" was not read: ${bad}`);
      continue;
    }
    try {
      const real = realpathSync(resolve(folder, name));
      const inside = relative(folder, real);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        problems.push(`"${name}" was not read: it resolves outside the file's folder`);
        continue;
      }
      if (statSync(real).size > MAX_SIBLING_CHARS * 4) {
        problems.push(`"${name}" was not read: it is larger than a file beside a prompt may be`);
        continue;
      }
      const decoded = decodeTextFile(readFileSync(real));
      if (!decoded.ok) {
        problems.push(`"${name}" was not read: ${decoded.reason}`);
        continue;
      }
      found.push({ name, text: decoded.text });
      queue.push(...namedFiles(decoded.text));
    } catch {
      // Named but not there: the import says which name it could not find.
    }
  }
  const checked = readSiblings(found);
  return { files: checked.files, problems: [...problems, ...checked.problems] };
}

