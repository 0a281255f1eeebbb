/**
 * Pure decisions about how to show a model's answer: whether it is JSON, which links may be
 * followed, how much of a JSON value to draw. Answers are hostile text (a megabyte, NUL bytes,
 * `javascript:` links, nesting thousands deep), so every function here is bounded.
 */

export type AnswerMode = 'markdown' | 'raw' | 'json';
export const ANSWER_MODES: readonly AnswerMode[] = ['markdown', 'raw', 'json'];

/**
 * Markdown above this many characters is shown raw, with a note: parsing and drawing 100,000
 * characters of mixed Markdown (tables, lists, code) took about 1.4 s on the build machine
 * (react-markdown 10 with remark-gfm), 20,000 about 0.45 s.
 */
export const MARKDOWN_MAX_CHARS = 50_000;

/** Above this, not even on request: a megabyte of Markdown took over a minute to draw. */
export const MARKDOWN_FORCE_MAX_CHARS = 200_000;

/** JSON is looked for only in answers up to this size (JSON.parse of 5 MB takes ~50 ms). */
export const JSON_MAX_CHARS = 5_000_000;

/** The JSON tree draws this many levels; deeper values show "…". */
export const JSON_MAX_DEPTH = 64;

/** A node shows this many children; the rest are counted. */
export const JSON_MAX_CHILDREN = 200;

/** A string value shows this many characters; the rest are counted. */
export const JSON_MAX_STRING = 2_000;

export interface FoundJson {
  value: object;
  /** The JSON came from the answer's first ```json block, not the whole answer. */
  fenced: boolean;
}

function parseContainer(text: string): object | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    // A bare number or string is JSON too, but a tree of one leaf shows nothing new.
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*json[ \t]*\r?\n/im;

/** The answer as JSON: the whole text, else its first ```json fenced block. */
export function jsonOf(text: string): FoundJson | undefined {
  if (text.length > JSON_MAX_CHARS) return undefined;
  const whole = parseContainer(text);
  if (whole) return { value: whole, fenced: false };
  const open = FENCE.exec(text);
  if (!open || open[1] === undefined) return undefined;
  const start = open.index + open[0].length;
  // The block ends at a line of the same fence characters, at least as many; or at the end.
  const marker = open[1];
  const close = new RegExp(`^[ \\t]{0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`, 'm');
  const rest = text.slice(start);
  const end = close.exec(rest);
  const body = end ? rest.slice(0, end.index) : rest;
  const value = parseContainer(body);
  return value ? { value, fenced: true } : undefined;
}

/**
 * The address a link may open, or undefined. Only https with no user name or password leaves
 * the app (the desktop window hands exactly these to the system browser; see
 * docs/architecture.md, "Security baseline"); everything else is shown as text.
 */
export function safeLinkUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.length > 4_096) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The mode an answer is shown in: the chosen one, unless the answer cannot be shown so. */
export function effectiveMode(chosen: AnswerMode, hasJson: boolean): AnswerMode {
  return chosen === 'json' && !hasJson ? 'markdown' : chosen;
}

/** The mode the shortcut moves to, skipping JSON when the answer is not JSON. */
export function nextMode(current: AnswerMode, hasJson: boolean): AnswerMode {
  const modes = hasJson ? ANSWER_MODES : ANSWER_MODES.filter((m) => m !== 'json');
  const at = modes.indexOf(current);
  return modes[(at + 1) % modes.length] ?? 'markdown';
}

export interface JsonChild {
  key: string;
  value: unknown;
}

/** A container's first `JSON_MAX_CHILDREN` entries, and how many there are in all. */
export function childrenOf(value: object): { shown: JsonChild[]; total: number } {
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    return { shown: items.slice(0, JSON_MAX_CHILDREN).map((v, i) => ({ key: String(i), value: v })), total: items.length };
  }
  const shown: JsonChild[] = [];
  let total = 0;
  // for…in stops early without building the whole key list of a huge object.
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (shown.length < JSON_MAX_CHILDREN) shown.push({ key, value: (value as Record<string, unknown>)[key] });
    total++;
  }
  return { shown, total };
}

export function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line for a value, never walking into it: `{…} 3 keys`, `[…] 10 items`, a string
 * quoted and cut, a number or true/false/null as JSON writes it.
 */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[…] ${count(value.length, 'item')}`;
  if (isContainer(value)) {
    const { total } = childrenOf(value);
    return total === 0 ? '{}' : `{…} ${count(total, 'key')}`;
  }
  if (typeof value === 'string') {
    const cut = value.length > JSON_MAX_STRING;
    const shown = JSON.stringify(cut ? value.slice(0, JSON_MAX_STRING) : value);
    return cut ? `${shown}… (${count(value.length - JSON_MAX_STRING, 'more character')})` : shown;
  }
  return value === undefined ? 'undefined' : String(JSON.stringify(value));
}
