/**
 * Files beside an imported .prompty: what `base:`, `${file:…}`, `{% extends %}` and
 * `{% include %}` name. They are read once, at import, from the files the person handed over
 * with it (the CLI reads the file's own folder; the app takes the files picked or dropped
 * together), and the library keeps the resolved prompt. A name is relative to the imported
 * file and stays inside its folder: no absolute path, no `..`, no drive letter; each file and
 * their sum are capped, a chain of bases or includes is cut at MAX_DEPTH and a cycle is named.
 */

/** The files handed over with an import, by name relative to the imported file. */
export type SiblingFiles = ReadonlyMap<string, string>;

export const MAX_SIBLING_CHARS = 1_000_000;
export const MAX_SIBLINGS_TOTAL_CHARS = 8_000_000;
export const MAX_SIBLINGS = 50;
export const MAX_DEPTH = 10;

/** Why a name cannot be read beside the file, or undefined when it may be. */
export function unsafeName(name: string): string | undefined {
  if (name.trim() === '') return 'it is empty';
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name) || name.includes('\0')) return 'it is an absolute path; only files beside the imported one are read';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'it leaves the imported file\'s folder (..); only files beside it are read';
  if (/^[a-z][a-z0-9+.-]*:/i.test(name)) return 'it is a URL; only files beside the imported one are read';
  return undefined;
}

/** A sibling's name as a key: forward slashes, no `./`. */
export function siblingKey(name: string): string {
  return name.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/\.\//g, '/');
}

/** The files given, checked: names, count and sizes. Problems are sentences. */
export function readSiblings(files: ReadonlyArray<{ name: string; text: string }>): { files: Map<string, string>; problems: string[] } {
  const out = new Map<string, string>();
  const problems: string[] = [];
  let total = 0;
  for (const file of files.slice(0, MAX_SIBLINGS)) {
    const bad = unsafeName(file.name);
    if (bad) {
      problems.push(`the file "${file.name.slice(0, 200)}" was not read: ${bad}`);
      continue;
    }
    if (file.text.length > MAX_SIBLING_CHARS) {
      problems.push(`the file "${file.name}" was not read: it has ${file.text.length.toLocaleString('en-US')} characters, more than the ${MAX_SIBLING_CHARS.toLocaleString('en-US')} a file beside a prompt may have`);
      continue;
    }
    total += file.text.length;
    if (total > MAX_SIBLINGS_TOTAL_CHARS) {
      problems.push(`the files beside the prompt add up to more than ${MAX_SIBLINGS_TOTAL_CHARS.toLocaleString('en-US')} characters; "${file.name}" and the rest were not read`);
      break;
    }
    out.set(siblingKey(file.name), file.text);
  }
  if (files.length > MAX_SIBLINGS) problems.push(`only the first ${MAX_SIBLINGS} files beside the prompt were read`);
  return { files: out, problems };
}

/** A file named beside the prompt: its text, or why it cannot be read. */
export function sibling(files: SiblingFiles, name: string): { ok: true; key: string; text: string } | { ok: false; message: string } {
  const bad = unsafeName(name);
  if (bad) return { ok: false, message: `"${name.slice(0, 200)}" cannot be read: ${bad}` };
  const key = siblingKey(name);
  const text = files.get(key);
  if (text === undefined) return { ok: false, message: `"${key}" is not among the files imported with it; import it together with the files it names` };
  return { ok: true, key, text };
}

const TAG = /\{%-?\s*(block\s+(\w+)|endblock(?:\s+\w+)?)\s*-?%\}/g;
const SUPER = /\{\{-?\s*super\(\)\s*-?\}\}/g;
const EXTENDS = /\{%-?\s*extends\s+(?:"([^"]*)"|'([^']*)'|([^%]*?))\s*-?%\}/;
const INCLUDE = /\{%-?\s*include\s+(?:"([^"]*)"|'([^']*)'|([^%]*?))(\s+ignore\s+missing)?\s*-?%\}/g;

interface Block {
  name: string;
  openEnd: number;
  closeStart: number;
  start: number;
  end: number;
  children: Block[];
}

function blockTree(text: string): Block[] | string {
  const roots: Block[] = [];
  const stack: Block[] = [];
  for (const match of text.matchAll(TAG)) {
    const start = match.index;
    const end = start + match[0].length;
    if (match[2] !== undefined) {
      const block: Block = { name: match[2], start, openEnd: end, closeStart: end, end, children: [] };
      (stack[stack.length - 1]?.children ?? roots).push(block);
      stack.push(block);
    } else {
      const block = stack.pop();
      if (!block) return 'an {% endblock %} has no {% block %}';
      block.closeStart = start;
      block.end = end;
    }
  }
  if (stack.length > 0) return `the block "${stack[stack.length - 1]?.name ?? ''}" is never closed with {% endblock %}`;
  return roots;
}

/** The text with its blocks' tags removed; a block named in `overrides` takes that text, where `{{ super() }}` is the block's own. */
function flatten(text: string, from: number, to: number, blocks: readonly Block[], overrides: ReadonlyMap<string, string>): string {
  let out = '';
  let at = from;
  for (const block of blocks) {
    out += text.slice(at, block.start);
    const own = flatten(text, block.openEnd, block.closeStart, block.children, overrides);
    const override = overrides.get(block.name);
    out += override === undefined ? own : override.replace(SUPER, () => own);
    at = block.end;
  }
  return out + text.slice(at, to);
}

/** A template file's text: a .prompty's body (after its front matter), any other file whole. */
export type TemplateSource = (key: string, text: string) => string;

/**
 * The template with `{% extends "…" %}` and `{% include "…" %}` of files beside it written in,
 * so the prompt renders with no file at all: the parent's text with the child's blocks in
 * place (`{{ super() }}` is the parent's block), an include's text where it stood.
 */
export function resolveTemplateFiles(text: string, files: SiblingFiles, bodyOf: TemplateSource, chain: readonly string[] = []): { ok: true; text: string; used: string[] } | { ok: false; message: string } {
  if (chain.length > MAX_DEPTH) return { ok: false, message: `templates include or extend one another more than ${MAX_DEPTH} deep (${chain.slice(0, 4).join(' → ')} → …)` };
  const used: string[] = [];
  const load = (name: string): { ok: true; text: string } | { ok: false; message: string } => {
    const file = sibling(files, name);
    if (!file.ok) return file;
    if (chain.includes(file.key)) return { ok: false, message: `${[...chain, file.key].join(' → ')} is a cycle` };
    // Jinja drops one newline at the end of a template it loads (keep_trailing_newline is off).
    const resolved = resolveTemplateFiles(bodyOf(file.key, file.text).replace(/\r?\n$/, ''), files, bodyOf, [...chain, file.key]);
    if (!resolved.ok) return resolved;
    used.push(file.key, ...resolved.used);
    return { ok: true, text: resolved.text };
  };

  let body = text;
  const parent = EXTENDS.exec(body);
  if (parent) {
    const name = parent[1] ?? parent[2];
    if (name === undefined) return { ok: false, message: `{% extends ${(parent[3] ?? '').trim().slice(0, 80)} %} names its parent with an expression; Parallax resolves a quoted file name only` };
    const base = load(name);
    if (!base.ok) return { ok: false, message: `{% extends "${name}" %}: ${base.message}` };
    const childBlocks = blockTree(body);
    if (typeof childBlocks === 'string') return { ok: false, message: childBlocks };
    const overrides = new Map<string, string>();
    const collect = (blocks: readonly Block[]): void => {
      for (const block of blocks) {
        overrides.set(block.name, flatten(body, block.openEnd, block.closeStart, block.children, overrides));
        collect(block.children);
      }
    };
    collect(childBlocks);
    const baseBlocks = blockTree(base.text);
    if (typeof baseBlocks === 'string') return { ok: false, message: `{% extends "${name}" %}: ${baseBlocks}` };
    body = flatten(base.text, 0, base.text.length, baseBlocks, overrides);
  }

  let failure: string | undefined;
  body = body.replace(INCLUDE, (whole, double: string | undefined, single: string | undefined, expression: string | undefined, ignoreMissing: string | undefined) => {
    const name = double ?? single;
    if (name === undefined) {
      failure ??= `{% include ${(expression ?? '').trim().slice(0, 80)} %} names its file with an expression; Parallax resolves a quoted file name only`;
      return whole;
    }
    const file = load(name);
    if (file.ok) return file.text;
    if (ignoreMissing && !files.has(siblingKey(name))) return '';
    failure ??= `{% include "${name}" %}: ${file.message}`;
    return whole;
  });
  if (failure) return { ok: false, message: failure };
  return { ok: true, text: body, used };
}

/** The file names a .prompty (or a file it names) reads beside itself: base:, ${file:…}, extends, include. */
export function namedFiles(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*base:\s*["']?([^"'\n#]+?)["']?\s*$/gm)) if (m[1]) names.add(m[1].trim());
  for (const m of text.matchAll(/\$\{file:([^}\n]*)\}/g)) if (m[1]) names.add(m[1].trim());
  for (const m of text.matchAll(/\{%-?\s*(?:extends|include)\s+(?:"([^"\n]*)"|'([^'\n]*)')/g)) {
    const name = m[1] ?? m[2];
    if (name) names.add(name.trim());
  }
  return [...names];
}
