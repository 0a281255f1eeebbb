/**
 * promptfoo's prompt files and prompt filters, as promptfoo 0.121 reads them
 * (src/prompts/processors/*.ts and src/util/promptMatching.ts there):
 *
 * - A file gives prompts by its extension: `.txt` one per block between lines that are only
 *   `---` (each trimmed, empty blocks dropped); `.json` and `.yaml`/`.yml` one prompt, the
 *   parsed value as compact JSON (a list of {role, content} is a chat prompt); `.jsonl` one
 *   per non-empty line; `.md` and `.j2` the whole file, untouched.
 * - Labels are promptfoo's: `<path>: <prompt>` for text blocks, `<path>: <JSON>` (cut at 80
 *   characters for YAML), `<path>: <first 50 characters>...` for Markdown and Jinja2, the path
 *   alone for a one-line JSONL file; a label the config gives replaces them, except for text
 *   and several-line JSONL files, where it comes first (`<label>: <path>: <prompt>`).
 * - `prompts`, on a provider or a test, names prompts by label or id: exactly, `group:*` (a
 *   prefix), or `group` (that label, or any starting with `group:`). A test's `providers`
 *   names providers the same way, by label or id.
 *
 * Pure: the CLI reads the files (src/main/cli/config-files.ts, confined to the config's folder).
 */
import { parse as parseYaml } from 'yaml';

/** One file a prompt reference names: the path as promptfoo shows it in labels, and its text. */
export interface PromptFile {
  shown: string;
  text: string;
}

export interface FilePrompt {
  raw: string;
  label: string;
}

/** Extensions promptfoo reads as prompt files that are not code. */
export const PROMPT_FILE_EXTENSIONS = ['.txt', '.json', '.jsonl', '.yaml', '.yml', '.md', '.j2'] as const;

/** promptfoo's separator between prompts in a text file (a line that is only this, spaces aside). */
export const PROMPT_DELIMITER = '---';

/** Prompt files promptfoo runs as code; Parallax never does. */
const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts', '.py', '.sh', '.bash', '.rb', '.pl', '.exe', '.bat', '.cmd', '.ps1', '.csv'];

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** True when a reference is a glob (promptfoo expands `*`, `?`, `[…]` and `{a,b}` with the glob package). */
export function isGlob(ref: string): boolean {
  return /[*?[\]{}]/.test(ref.replace(/^file:\/\//, ''));
}

/**
 * A prompt written without `file://` that promptfoo would still read as a file: one line, no
 * spaces, ending in a prompt file's extension (`prompts.txt`, `chats/a.yaml`). promptfoo goes
 * further (any text with a `/` or a dot near its end), and then fails on text that is no file;
 * Parallax keeps such text a prompt.
 */
export function looksLikePromptPath(text: string): boolean {
  if (text.startsWith('file://') || /\s/.test(text)) return false;
  return (PROMPT_FILE_EXTENSIONS as readonly string[]).includes(extensionOf(text));
}

/** Why a file cannot be a prompt here, or undefined when it can. */
export function promptFileRefusal(path: string): string | undefined {
  const ext = extensionOf(path.replace(/:[A-Za-z_$][\w$]*$/, ''));
  if (CODE_EXTENSIONS.includes(ext)) {
    return ext === '.csv'
      ? 'prompts from a CSV file are not supported; list them in the config or in a .txt file separated by ---'
      : `prompts written as code (${ext}) are not run by Parallax; write the prompt as text, or as a chat list in .json or .yaml`;
  }
  return undefined;
}

/**
 * Why promptfoo would run this prompt as code (`exec:script`, `file://p.py:fn`, a bare
 * `prompts.js`), or undefined when it would not. Parallax never runs it, nor sends it as text.
 */
export function codePromptRefusal(text: string): string | undefined {
  if (/[\r\n]/.test(text)) return undefined;
  if (text.startsWith('exec:')) return 'prompts from a program (exec:) are not run by Parallax; write the prompt as text, or as a chat list in .json or .yaml';
  const written = text.replace(/^file:\/\//, '');
  if (/\s/.test(written) && !text.startsWith('file://')) return undefined;
  return promptFileRefusal(written);
}

/** Text blocks between `---` lines, each trimmed; empty ones dropped (promptfoo's processTxtFile). */
function textPrompts(file: PromptFile, label: string | undefined): FilePrompt[] {
  const out: FilePrompt[] = [];
  let buffer: string[] = [];
  const flush = (): void => {
    const raw = buffer.join('\n').trim();
    if (raw.length > 0) out.push({ raw, label: label ? `${label}: ${file.shown}: ${raw}` : `${file.shown}: ${raw}` });
    buffer = [];
  };
  for (const line of file.text.split(/\r?\n/)) {
    if (line.trim() === PROMPT_DELIMITER) flush();
    else buffer.push(line);
  }
  flush();
  return out;
}

/**
 * The prompts one file gives, as promptfoo 0.121 reads it, or a problem. `label` is the label
 * the config gave the reference, if any.
 */
export function promptsOfFile(file: PromptFile, label: string | undefined): FilePrompt[] | { problem: string } {
  const refusal = promptFileRefusal(file.shown);
  if (refusal !== undefined) return { problem: refusal };
  const ext = extensionOf(file.shown);
  switch (ext) {
    case '.json': {
      let raw = file.text;
      try {
        raw = JSON.stringify(JSON.parse(file.text));
      } catch {
        // promptfoo keeps a file that is not JSON as its text.
      }
      return [{ raw, label: label || `${file.shown}: ${raw}` }];
    }
    case '.yaml':
    case '.yml': {
      let parsed: unknown;
      try {
        parsed = parseYaml(file.text, { maxAliasCount: 1000 });
      } catch {
        // promptfoo keeps a file that is not YAML as its text.
        return [{ raw: file.text, label: label || `${file.shown}: ${file.text.slice(0, 80)}` }];
      }
      // A YAML file holding one text is that text (promptfoo would send it as a JSON string, quotes and all).
      const raw = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
      if (raw === undefined || parsed === null) return { problem: 'the file is empty' };
      return [{ raw, label: label || `${file.shown}: ${(typeof parsed === 'string' ? JSON.stringify(parsed) : raw).slice(0, 80)}` }];
    }
    case '.jsonl': {
      const lines = file.text.split(/\r?\n/).filter((line) => line.length > 0);
      const several = lines.length > 1;
      return lines.map((raw) => ({ raw, label: several ? `${label || file.shown}: ${raw}` : label || file.shown }));
    }
    case '.md':
    case '.j2':
      return [{ raw: file.text, label: label || `${file.shown}: ${file.text.slice(0, 50)}...` }];
    default:
      // .txt, and any other text file.
      return textPrompts(file, label);
  }
}

/** Does `ref` name this prompt? By label or id: exactly, `prefix*`, or `group` for `group:…` (promptfoo's doesPromptRefMatch). */
export function promptRefMatches(ref: string, prompt: { label: string; id?: string }): boolean {
  const names = [prompt.label, ...(prompt.id !== undefined ? [prompt.id] : [])];
  if (names.includes(ref)) return true;
  if (ref.endsWith('*') && names.some((name) => name.startsWith(ref.slice(0, -1)))) return true;
  return names.some((name) => name.startsWith(`${ref}:`));
}

/**
 * Does `ref` name this provider? By label, by the id as written, or by the id promptfoo gives
 * it (`openai:chat:<model>` written as a plain string is `openai:<model>` there); `prefix*` and
 * `group` for `group:…` as for prompts (promptfoo's doesProviderRefMatch).
 */
export function providerRefMatches(ref: string, provider: { id: string; label?: string; promptfooId?: string }): boolean {
  const names = [...(provider.label ? [provider.label] : []), provider.id, ...(provider.promptfooId !== undefined ? [provider.promptfooId] : [])];
  if (names.includes(ref)) return true;
  if (ref.endsWith('*') && names.some((name) => name.startsWith(ref.slice(0, -1)))) return true;
  return names.some((name) => name.startsWith(`${ref}:`));
}

/** No list allows everything; an empty list allows nothing (as promptfoo's isPromptAllowed). */
export function allowedBy<T>(refs: readonly string[] | undefined, item: T, matches: (ref: string, item: T) => boolean): boolean {
  if (refs === undefined) return true;
  return refs.some((ref) => matches(ref, item));
}

/** Where a column of the run sits: providers outer, prompts inner, as in promptfoo. */
export interface ColumnPlace {
  providerIdx: number;
  promptIdx: number;
}

/**
 * The run's columns: each provider × each prompt its `prompts` list allows (all when it has
 * none), providers outer, prompts inner.
 */
export function columnLayout(config: {
  prompts: readonly { label: string; id?: string }[];
  providers: readonly { prompts?: readonly string[] }[];
}): ColumnPlace[] {
  const out: ColumnPlace[] = [];
  config.providers.forEach((provider, providerIdx) => {
    config.prompts.forEach((prompt, promptIdx) => {
      if (allowedBy(provider.prompts, prompt, promptRefMatches)) out.push({ providerIdx, promptIdx });
    });
  });
  return out;
}

/** Does a test run in this column: its `prompts` and `providers` lists (if any) allow the column's prompt and provider? */
export function testRunsIn(
  test: { prompts?: readonly string[]; providers?: readonly string[] },
  prompt: { label: string; id?: string } | undefined,
  provider: { id: string; label?: string; promptfooId?: string } | undefined,
): boolean {
  if (!prompt || !provider) return false;
  return allowedBy(test.prompts, prompt, promptRefMatches) && allowedBy(test.providers, provider, providerRefMatches);
}
