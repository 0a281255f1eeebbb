/**
 * Image variables in exported files. A message's text names an image variable as `{{ photo }}`;
 * where a format can carry images (chat JSON, a promptfoo chat prompt), the message is written
 * as text and `image_url` parts instead, the part at the place the variable was written.
 */
import { imageSourceOf, isImageValue } from '../images';
import type { Variables, VariableValue } from '../schemas';

export type ImagePiece = { type: 'text'; text: string } | { type: 'image'; name: string };

/** The variables that hold an image in any of the rows given. */
export function imageVarNames(rows: readonly Variables[]): Set<string> {
  const names = new Set<string>();
  for (const vars of rows) for (const [name, value] of Object.entries(vars)) if (isImageValue(value)) names.add(name);
  return names;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message's text split where a plain `{{ name }}` of an image variable is written; one text piece when there is none. */
export function splitAtImages(content: string, names: ReadonlySet<string>): ImagePiece[] {
  if (names.size === 0) return [{ type: 'text', text: content }];
  const pattern = new RegExp(`\\{\\{-?\\s*(${[...names].map(escapeRegExp).join('|')})\\s*-?\\}\\}`, 'g');
  const pieces: ImagePiece[] = [];
  let last = 0;
  for (const match of content.matchAll(pattern)) {
    const at = match.index;
    if (at > last) pieces.push({ type: 'text', text: content.slice(last, at) });
    pieces.push({ type: 'image', name: match[1] ?? '' });
    last = at + match[0].length;
  }
  if (last < content.length) pieces.push({ type: 'text', text: content.slice(last) });
  return pieces.length > 0 ? pieces : [{ type: 'text', text: content }];
}

/** An image value's reference as a file writes it (a data URI or a web address); undefined for anything else. */
export function imageReference(value: VariableValue | undefined): string | undefined {
  const source = imageSourceOf(value);
  if (!source || source.kind === 'stored') return undefined;
  return source.kind === 'url' ? source.url : `data:${source.mime};base64,${source.base64}`;
}

/**
 * Content given as parts (OpenAI's `[{type: 'text'}, {type: 'image_url'}]`) as one text: text
 * parts as they are, an image part by its URL (which, in a file Parallax wrote, is `{{ name }}`).
 * Undefined when a part is neither.
 */
export function textOfParts(parts: readonly unknown[]): string | undefined {
  let text = '';
  for (const part of parts) {
    if (typeof part !== 'object' || part === null) return undefined;
    const p = part as Record<string, unknown>;
    if (p['type'] === 'text' && typeof p['text'] === 'string') text += p['text'];
    else if (p['type'] === 'image_url' && typeof p['image_url'] === 'object' && p['image_url'] !== null && typeof (p['image_url'] as Record<string, unknown>)['url'] === 'string') {
      text += (p['image_url'] as Record<string, string>)['url'];
    } else return undefined;
  }
  return text;
}

/** A base64 data:image URI read from a file as a variable becomes an image value; anything else stays as it is. */
export function asImageValue(value: VariableValue): VariableValue {
  if (typeof value !== 'string' || !value.startsWith('data:image/')) return value;
  const source = imageSourceOf({ image: value });
  return source?.kind === 'data' ? { image: value } : value;
}
