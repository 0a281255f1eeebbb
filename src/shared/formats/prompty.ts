/**
 * Prompty v1 (.prompty): YAML front matter as in microsoft/prompty's Prompty.yaml (name,
 * description, authors, tags, model {api, configuration, parameters}, sample, inputs), then a
 * Jinja body where a line `system:`, `user:` or `assistant:` starts a message, read the way
 * Prompty's Python runtime reads it.
 *
 * What it cannot carry, and what happens:
 * - a message line that Prompty would read as a role line (`user:` alone on a line): export
 *   refuses, since Prompty has no escape for it (the body is rendered before it is split);
 * - the key: only `api_key: ${env:NAME}` is written or read; a key written into an imported
 *   file is dropped with a warning, never stored;
 * - parameters other than temperature and max_tokens, `outputs`, `version`: ignored with a warning.
 */
import { roleSchema, type Message, type Role } from '../schemas';
import { messageVariables } from '../template';
import type { ImportResult, PromptDocument, PromptFormat, PromptModel } from './document';
import {
  API_PARAM_NAMES,
  ImportReport,
  LITERAL_KEY_WARNING,
  cannotExport,
  checkKeyEnvar,
  describeType,
  fileStem,
  isRecord,
  normalizeText,
  paramsToApi,
  readBaseUrl,
  readKeyReference,
  readParams,
  readSample,
  readStringList,
  readText,
  sampleToYaml,
  sampleType,
  sampleValue,
  warnIgnored,
  type Position,
} from './common';
import { YamlSource, splitFrontMatter, writeFrontMatter } from './front-matter';

const LABEL = 'Prompty (.prompty)';

/** A line Prompty's parser takes as the start of a message: optional `#`, a role, optional `[args]`, a colon, nothing else. */
const ROLE_LINE = /^\s*#?\s*(assistant|function|system|user|tools)(\[.*\])?\s*:\s*$/i;

function modelToPrompty(model: PromptModel): Record<string, unknown> {
  // A Parallax model is an OpenAI-compatible endpoint, so it is always Prompty's `openai` type;
  // its other keys are passed to the OpenAI client, whose arguments are base_url and api_key.
  const configuration: Record<string, unknown> = { type: 'openai', name: model.name };
  if (model.baseUrl) configuration['base_url'] = model.baseUrl;
  if (model.apiKeyEnvar) configuration['api_key'] = `\${env:${model.apiKeyEnvar}}`;
  const parameters = paramsToApi(model.params);
  return { api: 'chat', configuration, ...(Object.keys(parameters).length > 0 ? { parameters } : {}) };
}

function exportPrompty(document: PromptDocument): string {
  checkKeyEnvar(document.model, LABEL);
  document.messages.forEach((message, index) => {
    const line = message.content.split('\n').find((text) => ROLE_LINE.test(text));
    if (line !== undefined) {
      throw cannotExport(
        LABEL,
        `message ${index + 1} (${message.role}) has the line ${JSON.stringify(line.trim())}, which Prompty reads as the start of a new message. Reword that line, or export as Markdown or chat JSON, which keep it.`,
      );
    }
  });
  const front: Record<string, unknown> = { name: document.name };
  if (document.description) front['description'] = document.description;
  if (document.authors.length > 0) front['authors'] = document.authors;
  if (document.tags.length > 0) front['tags'] = document.tags;
  if (document.model) front['model'] = modelToPrompty(document.model);
  if (Object.keys(document.sample).length > 0) front['sample'] = sampleToYaml(document.sample);
  const variables = messageVariables(document.messages);
  if (variables.length > 0) front['inputs'] = Object.fromEntries(variables.map((name) => [name, { type: sampleType(Object.hasOwn(document.sample, name) ? document.sample[name] : undefined) }]));
  const body = document.messages.map((message) => `${message.role}:\n${message.content}`).join('\n\n');
  return `${writeFrontMatter(front)}${body}\n`;
}

/** A message's lines, less the one line break that separates it from the next role line (or ends the file). */
function blockText(lines: readonly string[]): string {
  const text = lines.join('\n');
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function parseBody(body: string, firstLine: number, report: ImportReport): Message[] {
  const preamble: string[] = [];
  const blocks: Array<{ role: Role; lines: string[] }> = [];
  let current: string[] = preamble;
  body.split('\n').forEach((line, index) => {
    const match = ROLE_LINE.exec(line);
    if (!match) {
      current.push(line);
      return;
    }
    const at: Position = { line: firstLine + index, column: 1 };
    const role = roleSchema.safeParse(match[1]?.toLowerCase());
    if (match[2]) report.warn(`the arguments ${match[2]} on this role line are ignored`, at);
    if (!role.success) {
      report.error(`the role "${match[1] ?? ''}" is not supported; a Parallax message is system, user or assistant`, at);
      current = [];
      return;
    }
    const block = { role: role.data, lines: [] };
    blocks.push(block);
    current = block.lines;
  });
  const messages: Message[] = [];
  // Prompty skips the white space after the front matter and reads text before any role line as system.
  const lead = blockText(preamble).replace(/^\s+/, '');
  if (lead !== '') {
    report.warn('the text before the first role line is read as a system message, as Prompty does', { line: firstLine });
    messages.push({ role: 'system', content: lead });
  }
  for (const block of blocks) messages.push({ role: block.role, content: blockText(block.lines) });
  if (messages.length === 0 && report.errors.length === 0) {
    report.error('there are no messages after the front matter; write a line such as user: with the message below it', { line: firstLine });
  }
  return messages;
}

function readModel(value: unknown, yaml: YamlSource, report: ImportReport): PromptModel | undefined {
  const at = (...path: string[]): Position => yaml.at(['model', ...path]);
  const keyAt = (...path: string[]): Position => yaml.at(['model', ...path], true);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() ? { name: value.trim(), params: {} } : undefined;
  if (!isRecord(value)) {
    report.error(`model must be a map with api, configuration and parameters, not ${describeType(value)}`, at());
    return undefined;
  }
  const api = value['api'];
  if (api !== undefined && api !== null && api !== 'chat') {
    report.error(`model.api is ${JSON.stringify(api)}; Parallax runs chat prompts only (api: chat)`, at('api'));
  }
  if (value['response'] !== undefined && value['response'] !== 'first') report.warn('model.response is ignored; Parallax keeps the first answer', keyAt('response'));
  warnIgnored(value, new Set(['api', 'configuration', 'parameters', 'response']), report, (key) => keyAt(key), 'model.');

  const config = value['configuration'] ?? {};
  if (!isRecord(config)) {
    report.error(`model.configuration must be a map, not ${describeType(config)}`, at('configuration'));
    return undefined;
  }
  const conf = (key: string): Position => at('configuration', key);
  const type = typeof config['type'] === 'string' ? config['type'] : 'openai';
  const read = new Set(['type', 'api_key']);
  let name: unknown;
  let baseUrl: string | undefined;
  if (type === 'azure_openai' || type === 'azure') {
    read.add('azure_deployment').add('azure_endpoint').add('name');
    name = config['azure_deployment'] ?? config['name'];
    const endpoint = readBaseUrl(config['azure_endpoint'], report, conf('azure_endpoint'), 'model.configuration.azure_endpoint');
    if (endpoint !== undefined) {
      // Azure OpenAI's v1 API is OpenAI-compatible under <endpoint>/openai/v1, with the deployment as the model.
      baseUrl = `${endpoint.replace(/\/+$/, '')}/openai/v1`;
      report.warn(`the Azure endpoint is used through its OpenAI-compatible v1 API, ${baseUrl}; api_version is not used`, conf('azure_endpoint'));
    }
  } else {
    if (type !== 'openai') report.warn(`model.configuration.type "${type}" is read as an OpenAI-compatible endpoint`, conf('type'));
    read.add('name').add('base_url');
    name = config['name'] ?? config['azure_deployment'];
    if (config['azure_deployment'] !== undefined && config['name'] === undefined) read.add('azure_deployment');
    baseUrl = readBaseUrl(config['base_url'], report, conf('base_url'), 'model.configuration.base_url');
  }
  warnIgnored(config, read, report, (key) => keyAt('configuration', key), 'model.configuration.');

  let apiKeyEnvar: string | undefined;
  const key = readKeyReference(config['api_key']);
  if (key.kind === 'envar') {
    apiKeyEnvar = key.name;
    if (key.droppedDefault) report.warn(`model.configuration.api_key: the default after ${key.name} was dropped, since it may be a key`, conf('api_key'));
  } else if (key.kind === 'literal') {
    report.warn(`model.configuration.api_key ${LITERAL_KEY_WARNING} with api_key: \${env:NAME}`, conf('api_key'));
  }

  const parametersValue = value['parameters'] ?? {};
  let params = {};
  if (isRecord(parametersValue)) {
    const parsed = readParams(parametersValue, API_PARAM_NAMES, report, (k) => at('parameters', k), (k) => `model.parameters.${k}`);
    params = parsed.params;
    warnIgnored(parametersValue, parsed.used, report, (k) => keyAt('parameters', k), 'model.parameters.', '; Parallax keeps the Chat Completions request parameters (temperature, top_p, max_tokens, seed, stop, penalties, response_format, reasoning_effort)');
  } else {
    report.error(`model.parameters must be a map, not ${describeType(parametersValue)}`, at('parameters'));
  }

  const modelName = typeof name === 'string' ? name.trim() : '';
  if (modelName === '' || modelName.startsWith('${env:')) {
    report.warn(
      modelName === '' ? 'the model names no model (configuration.name), so its settings were not imported' : 'the model name reads an environment variable, which an imported file cannot resolve, so the model settings were not imported',
      at('configuration'),
    );
    return undefined;
  }
  return { name: modelName, ...(baseUrl !== undefined ? { baseUrl } : {}), ...(apiKeyEnvar !== undefined ? { apiKeyEnvar } : {}), params };
}

function readTemplate(value: unknown, yaml: YamlSource, report: ImportReport): void {
  const engine = isRecord(value) ? value['type'] : value;
  if (engine === undefined || engine === null || engine === 'jinja2') return;
  report.warn(`template ${JSON.stringify(engine)}: Parallax fills {{ name }} placeholders and carries any other template syntax as written`, yaml.at(['template']));
}

function importPrompty(text: string, fileName: string): ImportResult {
  const report = new ImportReport();
  const source = normalizeText(text);
  if (source.trim() === '') return report.fail('the file is empty; a .prompty file has YAML front matter between --- lines, then the messages');
  const split = splitFrontMatter(source);
  if (split.found === 'unclosed') return report.fail('the front matter that starts here is never closed; add a line with --- after it', { line: 1 });
  if (!split.found) return report.fail('a .prompty file starts with a --- line, its YAML front matter (name, model, sample…) and another --- line', { line: 1 });

  const yaml = YamlSource.parse(split.yaml, split.yamlLine, report);
  const messages = parseBody(split.body, split.bodyLine, report);
  if (!yaml) return { ok: false, errors: report.errors };
  const root = yaml.value ?? {};
  if (!isRecord(root)) return report.fail(`the front matter must be a map (name, model, sample…), not ${describeType(root)}`, yaml.at([]));

  const at = (key: string): Position => yaml.at([key]);
  let name = readText(root['name'], report, at('name'), 'name')?.trim() ?? '';
  if (name === '') {
    name = fileStem(fileName);
    report.warn(`the file names no prompt; it is named "${name}" after the file`);
  }
  const sample = readSample(root['sample'], report, at('sample'), 'sample');
  // Prompty's inputs may give a default; it fills a sample value the file does not set.
  const inputs = root['inputs'];
  if (isRecord(inputs)) {
    for (const [input, spec] of Object.entries(inputs)) {
      if (!Object.hasOwn(sample, input) && isRecord(spec) && spec['default'] !== undefined) sample[input] = sampleValue(spec['default']);
    }
  }
  readTemplate(root['template'], yaml, report);
  warnIgnored(root, new Set(['name', 'description', 'authors', 'tags', 'model', 'sample', 'inputs', 'template']), report, (key) => yaml.at([key], true), '');
  const model = readModel(root['model'], yaml, report);
  return report.finish({
    name,
    description: readText(root['description'], report, at('description'), 'description') ?? '',
    tags: readStringList(root['tags'], report, at('tags'), 'tags'),
    authors: readStringList(root['authors'], report, at('authors'), 'authors'),
    messages,
    ...(model ? { model } : {}),
    sample,
  });
}

export const promptyFormat: PromptFormat = {
  id: 'prompty',
  label: LABEL,
  extension: '.prompty',
  mimeType: 'text/plain',
  canImport: true,
  export: exportPrompty,
  import: importPrompty,
};
