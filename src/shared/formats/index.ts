/**
 * The prompt file formats, and the two doors every caller uses: `importPromptFile` (picks the
 * format by extension and, for .json, by content; all or nothing) and `exportPrompt`.
 *
 * Errors: an import returns `{ ok: false, errors }` with line and column where the format has
 * them. An export that the format cannot carry faithfully throws an `AppError('bad_input')`
 * whose message says why and which format keeps it, so every front door reports it as is.
 */
import { AppError } from '../errors';
import { binaryTextReason } from '../text-file';
import { promptDocumentSchema, type ExportOptions, type ImportResult, type PromptDocument, type PromptFormat, type PromptFormatId } from './document';
import { extensionOf } from './common';
import { markdownFormat } from './markdown';
import { openaiChatFormat } from './openai-chat';
import { promptfooJsonFormat, promptfooTextFormat } from './promptfoo-prompt';
import { promptyFormat } from './prompty';
import { curlFormat, pythonFormat, typescriptFormat } from './snippets';

export type { ImportResult, PromptDocument, PromptFormat, PromptFormatId } from './document';

/** In the order a person picks from. */
export const PROMPT_FORMATS: readonly PromptFormat[] = [
  promptyFormat,
  openaiChatFormat,
  promptfooJsonFormat,
  promptfooTextFormat,
  markdownFormat,
  typescriptFormat,
  pythonFormat,
  curlFormat,
];

export function formatById(id: string): PromptFormat | undefined {
  return PROMPT_FORMATS.find((format) => format.id === id);
}

/** Extensions an import reads, for file pickers (`accept`) and messages. */
export const IMPORT_EXTENSIONS = ['.prompty', '.json', '.txt', '.j2', '.md'] as const;

/** A .json file is a promptfoo chat prompt when it is a list, an OpenAI request when it is an object. */
function jsonFormat(text: string | undefined): PromptFormat {
  const start = text?.replace(/^\uFEFF/, '').trimStart()[0];
  return start === '[' ? promptfooJsonFormat : openaiChatFormat;
}

/**
 * The format a file name stands for. `.json` is decided by the text when given (a list is
 * promptfoo's chat array, an object an OpenAI request); without text it is OpenAI chat JSON.
 */
export function formatForFileName(fileName: string, text?: string): PromptFormat | undefined {
  const extension = extensionOf(fileName);
  if (extension === '.json') return jsonFormat(text);
  if (extension === '.j2') return promptfooTextFormat;
  if (extension === '.markdown') return markdownFormat;
  return PROMPT_FORMATS.find((format) => format.extension === extension);
}

/** Far above any prompt; a bigger file is a mistake, not a prompt. */
const MAX_IMPORT_CHARS = 5_000_000;

export function importPromptFile(fileName: string, text: string, files?: ReadonlyMap<string, string>): ImportResult {
  const format = formatForFileName(fileName, text);
  if (!format) {
    return { ok: false, errors: [{ message: `Parallax imports prompts from ${IMPORT_EXTENSIONS.join(', ')} files; "${fileName}" is none of these.` }] };
  }
  if (!format.canImport || !format.import) {
    return { ok: false, errors: [{ message: `${format.label} is export-only code; import the prompt from a .prompty, .json, .txt or .md file instead.` }] };
  }
  if (text.length > MAX_IMPORT_CHARS) return { ok: false, errors: [{ message: 'The file is larger than 5 MB, far more than a prompt; check that it is the right file.' }] };
  const binary = binaryTextReason(text);
  if (binary !== undefined) return { ok: false, errors: [{ message: `"${fileName}" cannot be a prompt: ${binary}.` }] };
  try {
    return format.import(text, fileName, files);
  } catch (error) {
    // A reader bug must not leave half a prompt behind: report it and import nothing.
    return { ok: false, errors: [{ message: `The file could not be read as ${format.label}: ${error instanceof Error ? error.message : String(error)}` }] };
  }
}

const RESERVED_STEMS = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/** A file name from the prompt's name: ASCII letters, digits, dot, dash and underscore only. */
export function safeFileStem(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80)
    .replace(/[-.]+$/, '');
  if (stem === '') return 'prompt';
  return RESERVED_STEMS.test(stem) ? `prompt-${stem}` : stem;
}

export interface ExportedFile {
  fileName: string;
  text: string;
  mimeType: string;
}

/** Throws AppError('bad_input') when the document is not valid or the format cannot carry it. */
export function exportPrompt(document: PromptDocument, formatId: PromptFormatId, options: ExportOptions = {}): ExportedFile {
  const format = formatById(formatId);
  if (!format) throw new AppError('bad_input', `Unknown export format "${formatId}".`);
  const parsed = promptDocumentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('bad_input', `Cannot export this prompt: ${issue ? `${issue.path.join('.') || 'prompt'}: ${issue.message}` : 'it is not valid'}.`);
  }
  return { fileName: `${safeFileStem(parsed.data.name)}${format.extension}`, text: format.export(parsed.data, options), mimeType: format.mimeType };
}
