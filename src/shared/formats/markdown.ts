/**
 * Markdown with YAML front matter, Parallax's own readable file: the front matter mirrors the
 * prompt (name, description, authors, tags, model {name, baseUrl, apiKeyEnvar, params}, sample)
 * and each message is a `## system` / `## user` / `## assistant` section.
 *
 * A message is written as plain text under its heading when that reads back unchanged. When
 * it would not (it is empty, starts or ends with a blank line, has a `## ` heading, a code fence
 * or a carriage return), it is written inside a fence tagged `prompt`, longer than any run of
 * backticks in it, which keeps it byte for byte. Everything a prompt holds fits, so the round
 * trip is exact; only the key never goes in (apiKeyEnvar names the variable).
 *
 * A .md file with neither front matter nor role headings is read the way promptfoo reads a .md
 * prompt: the whole text as one user message.
 */
import { roleSchema, type Message } from '../schemas';
import type { ImportResult, PromptDocument, PromptFormat, PromptModel } from './document';
import {
  ENVAR_NAME,
  ImportReport,
  LITERAL_KEY_WARNING,
  PARAM_KEYS,
  checkKeyEnvar,
  describeType,
  fileStem,
  isRecord,
  normalizeText,
  readBaseUrl,
  readParams,
  readSample,
  readStringList,
  readText,
  sampleToYaml,
  warnIgnored,
  type ParamKey,
  type Position,
} from './common';
import { YamlSource, splitFrontMatter, writeFrontMatter } from './front-matter';

const LABEL = 'Markdown (.md)';
const FENCE_TAG = 'prompt';
const H2 = /^ {0,3}##(?:[ \t]+(.*?))?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** Parallax names its own parameters in this file. */
const PARAM_NAMES = Object.fromEntries(PARAM_KEYS.map((key) => [key, key])) as Record<ParamKey, ParamKey>;

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

/** True when the text, written as is under its heading, reads back as the same text. */
function plainIsSafe(content: string): boolean {
  const lines = content.split('\n');
  return (
    content !== '' &&
    !content.includes('\r') &&
    !isBlank(lines[0]) &&
    !isBlank(lines[lines.length - 1]) &&
    !lines.some((line) => /^ {0,3}##(\s|$)/.test(line) || FENCE.test(line))
  );
}

function writeContent(content: string): string {
  if (plainIsSafe(content)) return content;
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${FENCE_TAG}\n${content}\n${fence}`;
}

function modelToFront(model: PromptModel): Record<string, unknown> {
  const params = Object.fromEntries(PARAM_KEYS.filter((key) => model.params[key] !== undefined).map((key) => [key, model.params[key]]));
  return {
    name: model.name,
    ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}),
    ...(model.apiKeyEnvar ? { apiKeyEnvar: model.apiKeyEnvar } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
}

function exportMarkdown(document: PromptDocument): string {
  checkKeyEnvar(document.model, LABEL);
  const front: Record<string, unknown> = { name: document.name };
  if (document.description) front['description'] = document.description;
  if (document.authors.length > 0) front['authors'] = document.authors;
  if (document.tags.length > 0) front['tags'] = document.tags;
  if (document.model) front['model'] = modelToFront(document.model);
  if (Object.keys(document.sample).length > 0) front['sample'] = sampleToYaml(document.sample);
  const sections = document.messages.map((message) => `## ${message.role}\n\n${writeContent(message.content)}\n`);
  return `${writeFrontMatter(front)}\n${sections.join('\n')}`;
}

interface Section {
  heading: string;
  line: number;
  lines: string[];
}

/** Level-2 headings outside code fences, each with the lines under it, and the lines before the first. */
function sections(lines: readonly string[]): { before: string[]; sections: Section[] } {
  const before: string[] = [];
  const found: Section[] = [];
  let fence: { char: string; length: number } | undefined;
  lines.forEach((line, index) => {
    const target = found[found.length - 1]?.lines ?? before;
    const fenceMatch = FENCE.exec(line);
    if (fence) {
      if (fenceMatch?.[1]?.[0] === fence.char && fenceMatch[1].length >= fence.length && fenceMatch[2]?.trim() === '') fence = undefined;
      target.push(line);
      return;
    }
    const marker = fenceMatch?.[1];
    if (marker && !(marker.startsWith('`') && fenceMatch[2]?.includes('`'))) {
      fence = { char: marker[0] ?? '`', length: marker.length };
      target.push(line);
      return;
    }
    const heading = H2.exec(line);
    if (heading) found.push({ heading: (heading[1] ?? '').replace(/[ \t]+#+$/, '').trim(), line: index, lines: [] });
    else target.push(line);
  });
  return { before, sections: found };
}

/** A section's text: blank lines at its edges dropped, and a `prompt` fence around all of it opened. */
function sectionContent(lines: readonly string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start])) start++;
  while (end > start && isBlank(lines[end - 1])) end--;
  const body = lines.slice(start, end);
  const open = FENCE.exec(body[0] ?? '');
  const marker = open?.[1];
  if (body.length >= 2 && marker && open[2]?.trim() === FENCE_TAG) {
    const closes = (line: string | undefined): boolean => {
      const match = FENCE.exec(line ?? '');
      const run = match?.[1];
      return run !== undefined && run[0] === marker[0] && run.length >= marker.length && match?.[2]?.trim() === '';
    };
    const inner = body.slice(1, -1);
    if (closes(body[body.length - 1]) && !inner.some(closes)) return inner.join('\n');
  }
  return body.join('\n');
}

/** `whole`: a file without front matter and without role headings is one user message, as promptfoo reads a .md prompt. */
function parseBody(body: string, firstLine: number, report: ImportReport, whole: boolean): Message[] {
  const lines = body.split('\n');
  const { before, sections: found } = sections(lines);
  if (found.length === 0 || (whole && !found.some((section) => roleSchema.safeParse(section.heading.toLowerCase()).success))) {
    if (!whole || body.trim() === '') {
      report.error('there are no messages; write a ## user heading with the message below it', { line: firstLine });
      return [];
    }
    report.warn('there are no ## system, ## user or ## assistant headings, so the whole text is one user message (as promptfoo reads a .md prompt)');
    return [{ role: 'user', content: body }];
  }
  const strayLine = before.findIndex((line) => !isBlank(line));
  if (strayLine >= 0) {
    report.error('this text comes before the first ## section and belongs to no message; put it under ## system or ## user', { line: firstLine + strayLine, column: 1 });
  }
  const messages: Message[] = [];
  for (const section of found) {
    const role = roleSchema.safeParse(section.heading.toLowerCase());
    if (role.success) messages.push({ role: role.data, content: sectionContent(section.lines) });
    else report.error(`the heading "## ${section.heading}" is not a role; a message section is ## system, ## user or ## assistant`, { line: firstLine + section.line, column: 1 });
  }
  return messages;
}

function readModel(value: unknown, yaml: YamlSource, report: ImportReport): PromptModel | undefined {
  const at = (...path: string[]): Position => yaml.at(['model', ...path]);
  const keyAt = (...path: string[]): Position => yaml.at(['model', ...path], true);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() ? { name: value.trim(), params: {} } : undefined;
  if (!isRecord(value)) {
    report.error(`model must be a map with name (and optionally baseUrl, apiKeyEnvar, params), not ${describeType(value)}`, at());
    return undefined;
  }
  const name = readText(value['name'], report, at('name'), 'model.name')?.trim();
  const baseUrl = readBaseUrl(value['baseUrl'], report, at('baseUrl'), 'model.baseUrl');
  let apiKeyEnvar: string | undefined;
  const envar = value['apiKeyEnvar'];
  if (typeof envar === 'string' && ENVAR_NAME.test(envar)) apiKeyEnvar = envar;
  else if (envar !== undefined && envar !== null) report.warn(`model.apiKeyEnvar is not the name of an environment variable, so it was dropped (it may be a key) and not stored`, at('apiKeyEnvar'));
  let params = {};
  const paramsValue = value['params'] ?? {};
  if (isRecord(paramsValue)) {
    const parsed = readParams(paramsValue, PARAM_NAMES, report, (key) => at('params', key), (key) => `model.params.${key}`);
    params = parsed.params;
    warnIgnored(paramsValue, parsed.used, report, (key) => keyAt('params', key), 'model.params.', `; Parallax keeps ${PARAM_KEYS.join(' and ')}`);
  } else {
    report.error(`model.params must be a map, not ${describeType(paramsValue)}`, at('params'));
  }
  for (const key of Object.keys(value)) {
    if (['name', 'baseUrl', 'apiKeyEnvar', 'params'].includes(key)) continue;
    if (/^api[_-]?key$/i.test(key)) report.warn(`model.${key} ${LITERAL_KEY_WARNING} with apiKeyEnvar`, keyAt(key));
    else report.warn(`model.${key} is ignored`, keyAt(key));
  }
  if (!name) {
    report.warn('the model has no name, so its settings were not imported', at());
    return undefined;
  }
  return { name, ...(baseUrl !== undefined ? { baseUrl } : {}), ...(apiKeyEnvar !== undefined ? { apiKeyEnvar } : {}), params };
}

function importMarkdown(text: string, fileName: string): ImportResult {
  const report = new ImportReport();
  const source = normalizeText(text);
  if (source.trim() === '') return report.fail('the file is empty; a prompt in Markdown has ## user (and ## system, ## assistant) sections');
  const split = splitFrontMatter(source);
  if (split.found === 'unclosed') return report.fail('the front matter that starts here is never closed; add a line with --- after it', { line: 1 });
  if (!split.found) {
    const messages = parseBody(source, 1, report, true);
    return report.finish({ name: fileStem(fileName), description: '', tags: [], authors: [], messages, sample: {} });
  }
  const yaml = YamlSource.parse(split.yaml, split.yamlLine, report);
  const messages = parseBody(split.body, split.bodyLine, report, false);
  if (!yaml) return { ok: false, errors: report.errors };
  const root = yaml.value ?? {};
  if (!isRecord(root)) return report.fail(`the front matter must be a map (name, model, sample…), not ${describeType(root)}`, yaml.at([]));
  const at = (key: string): Position => yaml.at([key]);
  let name = readText(root['name'], report, at('name'), 'name')?.trim() ?? '';
  if (name === '') {
    name = fileStem(fileName);
    report.warn(`the file names no prompt; it is named "${name}" after the file`);
  }
  warnIgnored(root, new Set(['name', 'description', 'authors', 'tags', 'model', 'sample']), report, (key) => yaml.at([key], true), '');
  const model = readModel(root['model'], yaml, report);
  return report.finish({
    name,
    description: readText(root['description'], report, at('description'), 'description') ?? '',
    tags: readStringList(root['tags'], report, at('tags'), 'tags'),
    authors: readStringList(root['authors'], report, at('authors'), 'authors'),
    messages,
    ...(model ? { model } : {}),
    sample: readSample(root['sample'], report, at('sample'), 'sample'),
  });
}

export const markdownFormat: PromptFormat = {
  id: 'markdown',
  label: LABEL,
  extension: '.md',
  mimeType: 'text/markdown',
  canImport: true,
  export: exportMarkdown,
  import: importMarkdown,
};
