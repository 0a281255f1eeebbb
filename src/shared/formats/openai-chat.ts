/**
 * OpenAI chat JSON: the body of POST /v1/chat/completions, `{ model, messages, temperature?,
 * max_tokens? }`, ready to send. The messages keep their `{{ placeholders }}` (the template is
 * what is exported; the code snippets fill them in).
 *
 * Only API fields are written, so the file stays a valid request: the prompt's name (an import
 * takes the file name), description, tags, authors, sample values, base URL and key variable
 * are not carried. Export needs a model, since the API does.
 */
import type { ImportResult, PromptDocument, PromptFormat, PromptModel } from './document';
import { API_PARAM_NAMES, ImportReport, LITERAL_KEY_WARNING, cannotExport, describeType, fileStem, isRecord, normalizeText, paramsToApi, readParams } from './common';
import { imageReference, imageVarNames, splitAtImages } from './image-parts';
import { JsonSource, readChatMessages } from './json-source';

const LABEL = 'OpenAI chat JSON (.json)';

/** Request fields that look like a credential: dropped with a warning, never stored. */
const KEY_FIELD = /^(api[_-]?key|key|secret|token|authorization|bearer)$/i;

/** The request body as the API takes it. The snippets send exactly this. */
export function chatRequestBody(document: PromptDocument, model: PromptModel, messages = document.messages): Record<string, unknown> {
  return {
    model: model.name,
    messages: messages.map(({ role, content }) => ({ role, content })),
    ...paramsToApi(model.params),
  };
}

export function requireModel(document: PromptDocument, formatLabel: string): PromptModel {
  if (!document.model) throw cannotExport(formatLabel, 'the request needs a model, and this prompt has none. Choose one in the prompt\'s model settings.');
  return document.model;
}

/**
 * A sample image (a data URI or a web address) is written where its variable is, as an
 * `image_url` part: the request then sends the picture, as a run does.
 */
function withSampleImages(body: Record<string, unknown>, document: PromptDocument): Record<string, unknown> {
  const names = new Set([...imageVarNames([document.sample])].filter((name) => imageReference(document.sample[name]) !== undefined));
  if (names.size === 0) return body;
  const sent = Array.isArray(body['messages']) ? (body['messages'] as Record<string, unknown>[]) : [];
  const messages = sent.map((message) => {
    const content = message['content'];
    if (message['role'] !== 'user' || typeof content !== 'string') return message;
    const pieces = splitAtImages(content, names);
    if (!pieces.some((p) => p.type === 'image')) return message;
    const parts = pieces.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: imageReference(document.sample[p.name]) } }));
    return { ...message, content: parts };
  });
  return { ...body, messages };
}

function exportChat(document: PromptDocument): string {
  return `${JSON.stringify(withSampleImages(chatRequestBody(document, requireModel(document, LABEL)), document), null, 2)}\n`;
}

function importChat(text: string, fileName: string): ImportResult {
  const report = new ImportReport();
  const source = normalizeText(text);
  if (source.trim() === '') return report.fail('the file is empty; OpenAI chat JSON is an object with model and messages');
  const json = JsonSource.parse(source, report);
  if (!json) return { ok: false, errors: report.errors };
  const root = json.value;
  if (!isRecord(root)) {
    return report.fail(
      `OpenAI chat JSON is an object with model and messages, not ${describeType(root)}${Array.isArray(root) ? ' (a list of messages is a promptfoo chat prompt)' : ''}`,
      json.at([]),
    );
  }
  const messages = readChatMessages(root['messages'], json, ['messages'], report, 'messages');

  const { params, used } = readParams(root, API_PARAM_NAMES, report, (key) => json.at([key]), (key) => key);
  // Newer models take max_completion_tokens, the successor of max_tokens; both mean the same here.
  const completionTokens = readParams(root, { maxTokens: 'max_completion_tokens' }, report, (key) => json.at([key]), (key) => key);
  if (completionTokens.params.maxTokens !== undefined) {
    used.add('max_completion_tokens');
    if (params.maxTokens !== undefined && params.maxTokens !== completionTokens.params.maxTokens) {
      report.warn('max_tokens and max_completion_tokens differ; max_completion_tokens is kept', json.at(['max_completion_tokens']));
    }
    params.maxTokens = completionTokens.params.maxTokens;
  }

  let model: PromptModel | undefined;
  const name = root['model'];
  if (typeof name === 'string' && name.trim() !== '') model = { name: name.trim(), params };
  else if (name !== undefined) report.error(`model must be the model's name as text, not ${describeType(name)}`, json.at(['model']));
  else if (Object.keys(params).length > 0) report.warn('the request names no model, so its parameters were not imported');
  else report.warn('the request names no model; choose one in Parallax');

  for (const key of Object.keys(root)) {
    if (key === 'model' || key === 'messages' || used.has(key)) continue;
    if (KEY_FIELD.test(key)) report.warn(`${key} ${LITERAL_KEY_WARNING}`, json.at([key]));
    else report.warn(`${key} is ignored; Parallax keeps model, messages, temperature and max_tokens`, json.at([key]));
  }
  return report.finish({ name: fileStem(fileName), description: '', tags: [], authors: [], messages, ...(model ? { model } : {}), sample: {} });
}

export const openaiChatFormat: PromptFormat = {
  id: 'openai-chat',
  label: LABEL,
  extension: '.json',
  mimeType: 'application/json',
  canImport: true,
  export: exportChat,
  import: importChat,
};
