/**
 * promptfoo's prompt files, as its loader reads them:
 * - `.json`: a chat array `[{ "role", "content" }]`, sent as the messages (promptfoo-json);
 * - `.txt`: one prompt, sent as one user message. promptfoo splits a .txt file into several
 *   prompts at every line that is `---` and trims each one;
 * - `.j2`: one prompt, the whole file as written (promptfoo does not split or trim it).
 *
 * Neither carries a name, description, tags, model or sample: an import names the prompt after
 * the file. Export to .txt refuses what promptfoo would read differently (several messages, a
 * system or assistant message, a `---` line, white space at the ends) and says which format keeps it.
 */
import type { ImportResult, PromptDocument, PromptFormat } from './document';
import { ImportReport, cannotExport, extensionOf, fileStem, normalizeText } from './common';
import { JsonSource, readChatMessages } from './json-source';

const JSON_LABEL = 'promptfoo chat JSON (.json)';
const TEXT_LABEL = 'promptfoo text prompt (.txt)';

/** The document a file without metadata gives: named after the file, nothing else set. */
function bare(fileName: string, messages: PromptDocument['messages']): PromptDocument {
  return { name: fileStem(fileName), description: '', tags: [], authors: [], messages, sample: {} };
}

function exportChatJson(document: PromptDocument): string {
  return `${JSON.stringify(
    document.messages.map(({ role, content }) => ({ role, content })),
    null,
    2,
  )}\n`;
}

function importChatJson(text: string, fileName: string): ImportResult {
  const report = new ImportReport();
  const source = normalizeText(text);
  if (source.trim() === '') return report.fail('the file is empty; a promptfoo chat prompt is a JSON list of {"role", "content"} messages');
  const json = JsonSource.parse(source, report);
  if (!json) return { ok: false, errors: report.errors };
  if (!Array.isArray(json.value)) {
    return report.fail('a promptfoo chat prompt is a JSON list of {"role", "content"} messages; this file holds a single object (an OpenAI request body is read as OpenAI chat JSON)', json.at([]));
  }
  const messages = readChatMessages(json.value, json, [], report, 'the chat prompt');
  return report.finish(bare(fileName, messages));
}

function exportText(document: PromptDocument): string {
  const [message, ...rest] = document.messages;
  if (!message || rest.length > 0) {
    throw cannotExport(TEXT_LABEL, `a .txt prompt is one message and this prompt has ${document.messages.length}. Export as promptfoo chat JSON, which keeps every message.`);
  }
  if (message.role !== 'user') {
    throw cannotExport(TEXT_LABEL, `promptfoo sends a .txt prompt as a user message, and this one is a ${message.role} message. Export as promptfoo chat JSON, which keeps the role.`);
  }
  const lines = message.content.split('\n');
  const separator = lines.findIndex((line) => line.trim() === '---');
  if (separator >= 0) {
    throw cannotExport(TEXT_LABEL, `line ${separator + 1} of the message is ---, where promptfoo splits a .txt file into separate prompts. Export as promptfoo chat JSON, which keeps it.`);
  }
  if (message.content.trim() === '') throw cannotExport(TEXT_LABEL, 'the message is empty, and promptfoo skips an empty prompt.');
  if (message.content !== message.content.trim()) {
    throw cannotExport(TEXT_LABEL, 'the message starts or ends with white space (a line break, say), which promptfoo trims from a .txt prompt. Remove it, or export as promptfoo chat JSON, which keeps the text exactly.');
  }
  return `${message.content}\n`;
}

function importText(text: string, fileName: string): ImportResult {
  const report = new ImportReport();
  const unmarked = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (unmarked.trim() === '') return report.fail('the file is empty; a promptfoo text prompt holds the text of one message');
  // A .j2 (Jinja) prompt is the whole file as written; promptfoo neither splits nor trims it.
  if (extensionOf(fileName) === '.j2') return report.finish(bare(fileName, [{ role: 'user', content: unmarked }]));

  const prompts: Array<{ text: string; line: number }> = [];
  let buffer: string[] = [];
  let start = 1;
  const flush = (): void => {
    const prompt = buffer.join('\n').trim();
    if (prompt !== '') prompts.push({ text: prompt, line: start });
    buffer = [];
  };
  unmarked.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '---') {
      flush();
      start = index + 2;
    } else {
      buffer.push(line);
    }
  });
  flush();
  const [first, second] = prompts;
  if (!first) return report.fail('the file holds only --- separators; a promptfoo text prompt holds the text of one message');
  if (second) {
    return report.fail(
      `the file holds ${prompts.length} prompts separated by --- lines, and Parallax imports one prompt per file; put each prompt in its own file (or use .j2, which promptfoo reads whole)`,
      { line: second.line - 1 },
    );
  }
  return report.finish(bare(fileName, [{ role: 'user', content: first.text }]));
}

export const promptfooJsonFormat: PromptFormat = {
  id: 'promptfoo-json',
  label: JSON_LABEL,
  extension: '.json',
  mimeType: 'application/json',
  canImport: true,
  export: exportChatJson,
  import: importChatJson,
};

export const promptfooTextFormat: PromptFormat = {
  id: 'promptfoo-text',
  label: TEXT_LABEL,
  extension: '.txt',
  mimeType: 'text/plain',
  canImport: true,
  export: exportText,
  import: importText,
};
