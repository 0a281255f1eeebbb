/**
 * The template engine: `{{ name }}` and `{{ user.name }}` placeholders. The runner renders
 * with it and the editor highlights and lists variables with it, so what the editor shows is
 * exactly what is sent.
 */
import type { Message, Variables } from './schemas';

/** A placeholder as written, with where it sits (0-based offsets into the text). */
export interface Placeholder {
  name: string;
  start: number;
  end: number;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/g;

export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name === undefined) continue;
    found.push({ name, start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/**
 * The variables a template needs, in order of first appearance. A dotted path needs its
 * root variable: `{{ user.name }}` asks for `user`.
 */
export function extractVariables(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const text of texts) {
    for (const { name } of findPlaceholders(text)) {
      const root = name.split('.')[0] ?? name;
      seen.add(root);
    }
  }
  return [...seen];
}

export function messageVariables(messages: readonly Message[]): string[] {
  return extractVariables(messages.map((m) => m.content));
}

function lookup(variables: Variables, path: string): string | undefined {
  const [root, ...rest] = path.split('.');
  if (root === undefined) return undefined;
  const value = variables[root];
  if (value === undefined) return undefined;
  if (rest.length === 0) return value;
  // A dotted path reads into a variable that holds JSON.
  let current: unknown;
  try {
    current = JSON.parse(value);
  } catch {
    return undefined;
  }
  for (const key of rest) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  if (current === undefined) return undefined;
  return typeof current === 'string' ? current : JSON.stringify(current);
}

export interface RenderResult {
  text: string;
  /** Placeholders that had no value; they render as empty text. */
  missing: string[];
}

export function renderTemplate(text: string, variables: Variables): RenderResult {
  const missing: string[] = [];
  const rendered = text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = lookup(variables, name);
    if (value === undefined) {
      missing.push(name);
      return '';
    }
    return value;
  });
  return { text: rendered, missing };
}

export function renderMessages(messages: readonly Message[], variables: Variables): Message[] {
  return messages.map((m) => ({ role: m.role, content: renderTemplate(m.content, variables).text }));
}
