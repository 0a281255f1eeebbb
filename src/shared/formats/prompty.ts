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
import { parse } from 'yaml';
import { roleSchema, type Message, type Role, type TemplateEngine, type VariableValue, type Variables } from '../schemas';
import { checkTemplate, messageVariables } from '../template';
import { PROMPTY_ROLE_LINE, roleArguments } from './prompty-body';
import { MAX_DEPTH, resolveTemplateFiles, sibling, siblingKey, type SiblingFiles } from './prompty-files';
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
  readStringList,
  readText,
  sampleToYaml,
  sampleType,
  warnIgnored,
  type Position,
} from './common';
import { YamlSource, splitFrontMatter, writeFrontMatter } from './front-matter';

const LABEL = 'Prompty (.prompty)';

/** A line Prompty's parser takes as the start of a message: optional `#`, a role, optional `[args]`, a colon, nothing else. */
const ROLE_LINE = PROMPTY_ROLE_LINE;

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
  const engines = new Set(document.messages.map((m) => m.engine ?? 'nunjucks'));
  if (engines.size > 1) throw cannotExport(LABEL, 'the messages mix Mustache and Jinja templates; a .prompty file has one template language');
  document.messages.forEach((message, index) => {
    if (message.name !== undefined && !/^[^"\n\]]*$/.test(message.name)) throw cannotExport(LABEL, `message ${index + 1} has the name ${JSON.stringify(message.name)}, which a role line cannot carry (no quotes, ] or line breaks)`);
    // A body kept whole is already Prompty's own text, role lines and all.
    if (message.split && message.content.split('\n').some((text) => ROLE_LINE.test(text))) return;
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
  if (engines.has('mustache')) front['template'] = 'mustache';
  if (Object.keys(document.sample).length > 0) front['sample'] = sampleToYaml(document.sample);
  const variables = messageVariables(document.messages);
  if (variables.length > 0) front['inputs'] = Object.fromEntries(variables.map((name) => [name, { type: sampleType(Object.hasOwn(document.sample, name) ? document.sample[name] : undefined) }]));
  const body = document.messages
    .map((message) =>
      message.split && message.content.split('\n').some((text) => ROLE_LINE.test(text))
        ? message.content.replace(/\n+$/, '')
        : `${message.role}${message.name !== undefined ? `[name="${message.name}"]` : ''}:\n${message.content}`,
    )
    .join('\n\n');
  return `${writeFrontMatter(front)}${body}\n`;
}

/** A message's lines, less the one line break that separates it from the next role line (or ends the file). */
function blockText(lines: readonly string[]): string {
  // Prompty strips the blank lines around each message's text.
  return lines.join('\n').replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '');
}

function parseBody(body: string, firstLine: number, report: ImportReport): Message[] {
  const preamble: string[] = [];
  const blocks: Array<{ role: Role; name?: string; lines: string[] }> = [];
  let current: string[] = preamble;
  body.split('\n').forEach((line, index) => {
    const match = ROLE_LINE.exec(line);
    if (!match) {
      current.push(line);
      return;
    }
    const at: Position = { line: firstLine + index, column: 1 };
    const word = match[1]?.toLowerCase();
    const role = roleSchema.safeParse(word === 'developer' ? 'system' : word);
    const args = match[2] ? roleArguments(match[2]) : {};
    const speaker = typeof args['name'] === 'string' && args['name'] !== '' ? { name: args['name'] } : {};
    const other = Object.keys(args).filter((key) => key !== 'name' && key !== 'nonce');
    if (other.length > 0) report.warn(`the role arguments ${other.join(', ')} are ignored; Parallax keeps name`, at);
    if (!role.success) {
      report.error(`the role "${match[1] ?? ''}" is not supported; a Parallax message is system, user or assistant`, at);
      current = [];
      return;
    }
    const block = { role: role.data, ...speaker, lines: [] };
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
  for (const block of blocks) messages.push({ role: block.role, content: blockText(block.lines), ...(block.name !== undefined ? { name: block.name } : {}) });
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

/** The file's template language: `template: mustache`, `{type: …}` (v1), `{format: {kind: …}}` (v2). */
function readEngine(value: unknown, yaml: YamlSource, report: ImportReport): { engine: TemplateEngine; strict: boolean } {
  let kind: unknown = value;
  let strict = false;
  if (isRecord(value)) {
    const format = value['format'];
    kind = isRecord(format) ? format['kind'] : format ?? value['type'];
    if (isRecord(format) && format['strict'] !== false) strict = true;
    const parser = value['parser'];
    const parserKind = isRecord(parser) ? parser['kind'] : parser;
    if (parserKind !== undefined && parserKind !== null && parserKind !== 'prompty') report.warn(`template.parser ${JSON.stringify(parserKind)} is read as Prompty's own parser (role lines)`, yaml.at(['template', 'parser']));
  }
  if (kind === undefined || kind === null || kind === 'jinja2' || kind === 'jinja' || kind === 'nunjucks') return { engine: 'nunjucks', strict };
  if (kind === 'mustache') return { engine: 'mustache', strict };
  report.warn(`template ${JSON.stringify(kind)} is not a language Parallax renders (jinja2 or mustache); the body is read as Jinja (Nunjucks)`, yaml.at(['template']));
  return { engine: 'nunjucks', strict };
}

type Json = VariableValue;

/** What `${file:…}` and `${env:…}` became while reading the front matter. */
interface References {
  files: SiblingFiles;
  report: ImportReport;
  yaml: YamlSource;
  used: string[];
}

const FILE_REF = /^\$\{file:(.*)\}$/;
const ENV_REF = /^\$\{env:([^}:]*)(?::[^}]*)?\}$/;
/** Keys whose `${env:NAME}` names the variable that holds the provider's key: kept as a name. */
const KEY_PATHS = new Set(['model.configuration.api_key', 'model.connection.apiKey', 'model.connection.api_key']);

function parseReferenced(key: string, text: string): Json {
  if (/\.json$/i.test(key)) return JSON.parse(text) as Json;
  if (/\.ya?ml$/i.test(key)) return parse(text, { maxAliasCount: 100 }) as Json;
  return text;
}

/**
 * The front matter with `${file:NAME}` replaced by that file's content (JSON and YAML parsed,
 * other files as text; a file's content is never followed as a further reference) and
 * `${env:NAME}` left only where it names a key's variable: anywhere else it would read the
 * machine's environment into the prompt, so the value is dropped with a warning.
 */
function resolveReferences(value: unknown, path: readonly string[], refs: References, depth = 0): unknown {
  if (depth > 64) return undefined;
  const label = path.join('.');
  if (typeof value === 'string') {
    const file = FILE_REF.exec(value.trim());
    if (file) {
      const found = sibling(refs.files, (file[1] ?? '').trim());
      if (!found.ok) {
        refs.report.warn(`${label} is ${value.slice(0, 200)}, which was not imported: ${found.message}`, refs.yaml.at(path));
        return undefined;
      }
      try {
        refs.used.push(found.key);
        return parseReferenced(found.key, found.text);
      } catch (error) {
        refs.report.warn(`${label} is ${value}, which was not imported: ${found.key} is not valid ${/\.json$/i.test(found.key) ? 'JSON' : 'YAML'} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`, refs.yaml.at(path));
        return undefined;
      }
    }
    const env = ENV_REF.exec(value.trim());
    if (env && !KEY_PATHS.has(label)) {
      refs.report.warn(`${label} is ${value}: an imported prompt never reads the environment (${env[1] ?? ''} could hold a secret), so this value was left out; type the value you want in the test table`, refs.yaml.at(path));
      return undefined;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => resolveReferences(item, [...path, String(i)], refs, depth + 1)).filter((item) => item !== undefined);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveReferences(item, [...path, key], refs, depth + 1);
      if (resolved !== undefined) Object.defineProperty(out, key, { value: resolved, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** A value as a test-table cell keeps it: JSON as it is (lists, numbers, booleans stay so). */
function jsonValue(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as Json;
  } catch {
    return undefined;
  }
}

/** v1 `sample:` (a map), kept with its JSON types. */
function readTypedSample(value: unknown, report: ImportReport, at: Position): Variables {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    report.warn(`sample is ${describeType(value)}, not a map of name: value; no sample values were imported`, at);
    return {};
  }
  const out: Variables = {};
  for (const [name, item] of Object.entries(value)) {
    const json = jsonValue(item);
    if (json !== undefined) Object.defineProperty(out, name, { value: json, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const HOSTED_TOOLS: Record<string, string> = {
  code_interpreter: 'a hosted code interpreter',
  file_search: 'a hosted file search',
  web_search: 'a hosted web search',
  bing_grounding: 'Bing grounding',
  mcp: 'an MCP server',
  openapi: 'an OpenAPI tool',
};

/** Tools are not sent by Parallax: each is named with what it is. */
function warnTools(value: unknown, yaml: YamlSource, report: ImportReport): void {
  if (value === undefined || value === null) return;
  const list = Array.isArray(value) ? value : isRecord(value) ? Object.entries(value).map(([name, spec]) => (isRecord(spec) ? { name, ...spec } : { name })) : [];
  list.forEach((tool, index) => {
    const name = isRecord(tool) && typeof tool['name'] === 'string' ? tool['name'] : `tool ${index + 1}`;
    const kind = isRecord(tool) ? (tool['kind'] ?? tool['type'] ?? 'function') : 'function';
    const what = typeof kind === 'string' && HOSTED_TOOLS[kind] ? `${HOSTED_TOOLS[kind]} (kind: ${kind}), which runs on the provider's side` : `a ${String(kind)} tool`;
    report.warn(`tools: "${name}" is ${what}; Parallax sends no tools, so it was not imported (the prompt's messages were)`, yaml.at(['tools', index]));
  });
}

/** v2 `model:` (id, provider, connection, options) in v1's terms, for readModel. */
function v2Model(value: Record<string, unknown>, yaml: YamlSource, report: ImportReport): Record<string, unknown> {
  const connection = isRecord(value['connection']) ? value['connection'] : {};
  const options = isRecord(value['options']) ? value['options'] : {};
  const apiType = value['apiType'];
  if (apiType !== undefined && apiType !== 'chat') report.warn(`model.apiType is ${JSON.stringify(apiType)}; Parallax sends it as a Chat Completions request`, yaml.at(['model', 'apiType']));
  const provider = value['provider'];
  if (provider !== undefined && provider !== 'openai' && provider !== 'azure' && provider !== 'foundry') report.warn(`model.provider "${String(provider)}" is read as an OpenAI-compatible endpoint`, yaml.at(['model', 'provider']));
  const parameters: Record<string, unknown> = {};
  const names: Record<string, string> = { temperature: 'temperature', topP: 'top_p', maxOutputTokens: 'max_tokens', seed: 'seed', stopSequences: 'stop', presencePenalty: 'presence_penalty', frequencyPenalty: 'frequency_penalty' };
  for (const [key, item] of Object.entries(options)) {
    const name = names[key];
    if (name) parameters[name] = item;
    else if (key !== 'additionalProperties') report.warn(`model.options.${key} is ignored; Parallax keeps temperature, topP, maxOutputTokens, seed, stopSequences and the penalties`, yaml.at(['model', 'options', key], true));
  }
  const configuration: Record<string, unknown> = { type: 'openai' };
  if (typeof value['id'] === 'string') configuration['name'] = value['id'];
  if (typeof connection['endpoint'] === 'string') configuration['base_url'] = connection['endpoint'];
  const key = connection['apiKey'] ?? connection['api_key'];
  if (key !== undefined) configuration['api_key'] = key;
  return { api: 'chat', configuration, parameters };
}

interface Inputs {
  sample: Variables;
  threads: string[];
}

/** `inputs:` as a v1 map (name: value, or name: {type, sample, default}) or a v2 list ({name, kind, example|sample, default}). */
function readInputs(value: unknown, sample: Variables, report: ImportReport, yaml: YamlSource): Inputs {
  const threads: string[] = [];
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.flatMap((item): Array<[string, unknown]> => (isRecord(item) && typeof item['name'] === 'string' ? [[item['name'], item]] : []))
    : isRecord(value)
      ? Object.entries(value)
      : [];
  for (const [name, spec] of entries) {
    if (!isRecord(spec)) {
      // 1.0.0b3's short form: `name: value` is the input's sample.
      if (!Object.hasOwn(sample, name)) {
        const json = jsonValue(spec);
        if (json !== undefined) Object.defineProperty(sample, name, { value: json, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const kind = spec['kind'] ?? spec['type'];
    if (kind === 'thread') {
      threads.push(name);
      continue;
    }
    if (kind === 'image' || kind === 'file' || kind === 'audio') report.warn(`inputs: "${name}" is ${String(kind)} input; Parallax sends text, so its value is sent as text`, yaml.at(['inputs']));
    if (Object.hasOwn(sample, name)) continue;
    const chosen = spec['sample'] !== undefined ? spec['sample'] : spec['example'] !== undefined ? spec['example'] : spec['default'];
    const json = jsonValue(chosen);
    if (json !== undefined) Object.defineProperty(sample, name, { value: json, enumerable: true, writable: true, configurable: true });
  }
  return { sample, threads };
}

interface Loaded {
  root: Record<string, unknown>;
  body: string;
  bodyLine: number;
  yaml: YamlSource;
}

/** A .prompty's front matter and body, or undefined with the errors reported. */
function loadPrompty(source: string, report: ImportReport): Loaded | undefined {
  if (source.trim() === '') {
    report.error('the file is empty; a .prompty file has YAML front matter between --- lines, then the messages');
    return undefined;
  }
  const split = splitFrontMatter(source);
  if (split.found === 'unclosed') {
    report.error('the front matter that starts here is never closed; add a line with --- after it', { line: 1 });
    return undefined;
  }
  if (!split.found) {
    report.error('a .prompty file starts with a --- line, its YAML front matter (name, model, sample…) and another --- line', { line: 1 });
    return undefined;
  }
  const yaml = YamlSource.parse(split.yaml, split.yamlLine, report);
  if (!yaml) return undefined;
  const root = yaml.value ?? {};
  if (!isRecord(root)) {
    report.error(`the front matter must be a map (name, model, sample…), not ${describeType(root)}`, yaml.at([]));
    return undefined;
  }
  return { root, body: split.body, bodyLine: split.bodyLine, yaml };
}

/** A template file's text: a .prompty's body, any other file whole. */
function templateBody(key: string, text: string): string {
  if (!/\.prompty$/i.test(key)) return text;
  const split = splitFrontMatter(normalizeText(text));
  return split.found === true ? split.body : text;
}

/** Prompty's `hoist_base_prompty`: the file's own values win, the base fills the rest. */
function mergeBase(top: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...top };
  for (const key of ['authors', 'tags']) {
    const both = [...(Array.isArray(base[key]) ? base[key] : []), ...(Array.isArray(top[key]) ? top[key] : [])] as unknown[];
    if (both.length > 0) out[key] = [...new Set(both)];
  }
  for (const key of ['sample', 'inputs']) if (isRecord(top[key]) && isRecord(base[key])) out[key] = { ...base[key], ...top[key] };
  if (isRecord(top['model']) && isRecord(base['model'])) {
    const model: Record<string, unknown> = { ...base['model'], ...top['model'] };
    for (const key of ['configuration', 'parameters', 'connection', 'options']) {
      const a = base['model'][key];
      const b = top['model'][key];
      if (isRecord(a) && isRecord(b)) model[key] = { ...a, ...b };
    }
    out['model'] = model;
  }
  delete out['base'];
  return out;
}

/** The front matter with its `base:` chain folded in (each base a file beside this one). */
function withBase(root: Record<string, unknown>, files: SiblingFiles, report: ImportReport, yaml: YamlSource, chain: string[]): Record<string, unknown> {
  const name = root['base'];
  if (name === undefined || name === null) return root;
  if (typeof name !== 'string') {
    report.warn(`base must name a file beside this one, not ${describeType(name)}; it was ignored`, yaml.at(['base']));
    return root;
  }
  const file = sibling(files, name);
  if (!file.ok) {
    report.warn(`base: ${file.message}; the file was imported without its base`, yaml.at(['base']));
    return root;
  }
  if (chain.includes(file.key)) {
    report.warn(`base: ${[...chain, file.key].join(' → ')} is a cycle; the base was ignored from there`, yaml.at(['base']));
    return { ...root, base: undefined };
  }
  if (chain.length > MAX_DEPTH) {
    report.warn(`base: bases chain more than ${MAX_DEPTH} deep; the rest were ignored`, yaml.at(['base']));
    return root;
  }
  const baseReport = new ImportReport();
  const loaded = loadPrompty(normalizeText(file.text), baseReport);
  if (!loaded) {
    report.warn(`base: ${file.key} could not be read (${baseReport.errors.map((e) => e.message).join('; ')}); the file was imported without its base`, yaml.at(['base']));
    return root;
  }
  const deeper = withBase(loaded.root, files, report, loaded.yaml, [...chain, file.key]);
  return mergeBase(root, deeper);
}

/** A block tag at the start or the end of a message's text. */
const EDGE_BLOCK_TAG = /^\s*\{%|%\}\s*$/;

/**
 * A line that a render can turn into a role line: tags and word characters only (no spaces
 * between them), then a colon at its end: `{{ item.role }}:`, `{% if a %}user{% endif %}:`.
 * `Customer {{ name }} writes:` is not one (a role line is one word).
 */
const DYNAMIC_ROLE_LINE = /^\s*#?\s*(?:\{\{[^}\n]*\}\}|\{%[^%\n]*%\}|\w)+\s*(\[[^\n]*\])?\s*:\s*$/;

/**
 * Whether the body must be rendered whole before it is split (Prompty's order), or can be
 * split first into messages a person edits one by one: it can when no tag spans a role line,
 * no tag writes one, and no thread is written into it. Both orders give the same messages then.
 */
function needsWholeRender(body: string, engine: TemplateEngine, threads: readonly string[]): boolean {
  if (threads.length > 0 || /^\s*!\[thread\]/m.test(body)) return true;
  const lines = body.split('\n');
  if (lines.some((line) => !ROLE_LINE.test(line) && DYNAMIC_ROLE_LINE.test(line) && (line.includes('{{') || line.includes('{%')))) return true;
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (ROLE_LINE.test(line)) blocks.push([]);
    else blocks[blocks.length - 1]?.push(line);
  }
  return blocks.some((block) => {
    const text = block.join('\n');
    return (text.includes('{{') || text.includes('{%')) && checkTemplate(text, engine).errors.length > 0;
  });
}

function importPrompty(text: string, fileName: string, files: SiblingFiles = new Map<string, string>()): ImportResult {
  const report = new ImportReport();
  const source = normalizeText(text);
  const loaded = loadPrompty(source, report);
  if (!loaded) return { ok: false, errors: report.errors };
  const { yaml } = loaded;
  const used: string[] = [];
  const self = siblingKey(fileName.split(/[\\/]/).pop() ?? fileName);
  const root = resolveReferences(withBase(loaded.root, files, report, yaml, [self]), [], { files, report, yaml, used }) as Record<string, unknown>;

  const at = (key: string): Position => yaml.at([key]);
  let name = readText(root['name'], report, at('name'), 'name')?.trim() ?? '';
  if (name === '') {
    name = fileStem(fileName);
    report.warn(`the file names no prompt; it is named "${name}" after the file`);
  }
  const { engine } = readEngine(root['template'], yaml, report);
  const inputs = readInputs(root['inputs'], readTypedSample(root['sample'], report, at('sample')), report, yaml);
  warnTools(root['tools'], yaml, report);

  // The body, with the files it extends or includes written in (Jinja only; Mustache partials are not read).
  let body = loaded.body;
  if (engine === 'nunjucks' && /\{%-?\s*(extends|include)\b/.test(body)) {
    const resolved = resolveTemplateFiles(body, files, templateBody, [self]);
    if (!resolved.ok) return report.fail(`the template ${resolved.message}`, { line: loaded.bodyLine });
    body = resolved.text;
    used.push(...resolved.used);
  }
  if (engine === 'mustache' && /\{\{>/.test(body)) report.warn('the template uses Mustache partials ({{> name}}), which Prompty renders as empty text; so does Parallax');

  let messages: Message[];
  if (needsWholeRender(body, engine, inputs.threads)) {
    // Kept whole: rendered first, then split on role lines, as Prompty does.
    messages = [{ role: 'system', content: body.replace(/^\s*\n/, ''), split: 'prompty', ...(engine === 'mustache' ? { engine } : {}), ...(inputs.threads.length > 0 ? { threads: inputs.threads } : {}) }];
    report.warn('the body is rendered whole and then split into messages on its role lines, as Prompty does (a loop writes role lines, a tag spans one, or a conversation is inserted), so it is kept as one message');
  } else {
    // Prompty trims each message after rendering: a message that starts or ends with a block
    // tag (an include, a loop, a condition) can render blank lines at its edges, so it is
    // rendered, then split and trimmed as Prompty does. Others render to the same text either way.
    messages = parseBody(body, loaded.bodyLine, report).map((message) => ({
      ...message,
      ...(engine === 'mustache' ? { engine } : {}),
      ...(EDGE_BLOCK_TAG.test(message.content) ? { split: 'prompty' as const } : {}),
    }));
  }
  if (used.length > 0) report.warn(`read from the files beside it: ${[...new Set(used)].join(', ')}`);

  const known = new Set(['name', 'description', 'authors', 'tags', 'model', 'sample', 'inputs', 'template', 'base', 'tools', 'kind', 'id', 'metadata', 'version', 'outputs']);
  warnIgnored(root, known, report, (key) => yaml.at([key], true), '');
  if (root['outputs'] !== undefined) report.warn('outputs is ignored; Parallax keeps the answer as text', yaml.at(['outputs'], true));
  const rawModel = root['model'];
  const isV2Model = isRecord(rawModel) && (rawModel['id'] !== undefined || rawModel['connection'] !== undefined || rawModel['options'] !== undefined || rawModel['provider'] !== undefined);
  const model = readModel(isV2Model ? v2Model(rawModel, yaml, report) : rawModel, yaml, report);
  const metadata = isRecord(root['metadata']) ? root['metadata'] : {};
  return report.finish({
    name,
    description: readText(root['description'], report, at('description'), 'description') ?? '',
    tags: readStringList(root['tags'] ?? metadata['tags'], report, at('tags'), 'tags'),
    authors: readStringList(root['authors'] ?? metadata['authors'], report, at('authors'), 'authors'),
    messages,
    ...(model ? { model } : {}),
    sample: inputs.sample,
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

/** Imports a .prompty with the files beside it that its `base:`, `${file:…}`, extends and includes name. */
export function importPromptyWithFiles(text: string, fileName: string, files: SiblingFiles): ImportResult {
  return importPrompty(text, fileName, files);
}
