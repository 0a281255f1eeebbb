/**
 * A rendered message's content as every vendor's adapter needs it: text and images in order,
 * each image's bytes read (a stored one from the data folder) or its URL kept.
 */
import { AppError } from '../../shared/errors';
import { imageSourceOf, type ImageMime } from '../../shared/images';
import type { Message } from '../../shared/schemas';

/** Reads a stored image (`<sha256>.<ext>`) as base64. */
export type ImageLoader = (name: string) => Promise<{ mime: ImageMime; base64: string }>;

export type ContentPiece = { type: 'text'; text: string } | { type: 'image'; mime: ImageMime; base64: string } | { type: 'image'; url: string };

/** True when a message carries images (its `parts` name at least one). */
export function hasImages(message: Message): boolean {
  return message.parts?.some((p) => p.type === 'image') ?? false;
}

/**
 * The message's pieces: one text piece when it has no images; else its parts, images read.
 * An image Parallax cannot send (no loader, a value that is not an image) is an AppError that
 * names it, so the cell says why.
 */
export async function piecesOf(message: Message, loadImage: ImageLoader | undefined): Promise<ContentPiece[]> {
  if (!message.parts || !hasImages(message)) return [{ type: 'text', text: message.content }];
  const out: ContentPiece[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') {
      if (part.text !== '') out.push({ type: 'text', text: part.text });
      continue;
    }
    const source = imageSourceOf({ image: part.image });
    if (!source) throw new AppError('bad_input', `An image in the ${message.role} message is not a stored image, a data URI or an http(s) URL.`);
    if (source.kind === 'url') out.push({ type: 'image', url: source.url });
    else if (source.kind === 'data') out.push({ type: 'image', mime: source.mime, base64: source.base64 });
    else {
      if (!loadImage) throw new AppError('bad_input', 'This provider was given no way to read stored images.');
      const loaded = await loadImage(source.name);
      out.push({ type: 'image', mime: loaded.mime, base64: loaded.base64 });
    }
  }
  return out;
}

/** The pieces' text alone, images left out (for vendors or roles that take text only). */
export function textOf(pieces: readonly ContentPiece[]): string {
  return pieces.map((p) => (p.type === 'text' ? p.text : '')).join('');
}
