/**
 * Images as test-case values. A value `{ "image": "…" }` is an image: a reference to a file
 * stored once in the data folder (`sha256.ext`, see src/main/images.ts), a data URI, or an
 * http(s) URL. Where such a variable is written in a message, the message is sent with an image
 * part there (every vendor that takes images); text elsewhere shows `[image: …]`.
 */
import { z } from 'zod';

export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageMime = (typeof IMAGE_MIME_TYPES)[number];

export const IMAGE_EXTENSIONS: Readonly<Record<ImageMime, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** A stored image's name: its SHA-256 and extension. Nothing else is ever read from the images folder. */
export const STORED_IMAGE = /^[0-9a-f]{64}\.(png|jpg|gif|webp)$/;
/** The largest image Parallax stores or sends (vendors take 5–20 MB). */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** The largest image as base64 text, with room for a `data:image/…;base64,` head. */
export const MAX_IMAGE_BASE64_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 100;

export const imageValueSchema = z.object({
  image: z.string().min(1).max(30_000_000),
  /** Shown in text and exports in place of the image (the file's name when it was picked). */
  alt: z.string().max(200).optional(),
});
export type ImageValue = z.infer<typeof imageValueSchema>;

/** Where an image's bytes come from, as a provider needs it. */
export type ImageSource =
  | { kind: 'stored'; name: string; mime: ImageMime }
  | { kind: 'data'; mime: ImageMime; base64: string }
  | { kind: 'url'; url: string };

export function mimeOfName(name: string): ImageMime | undefined {
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext === 'png') return 'image/png';
  if (ext === 'jpg' || ext === 'jpeg') return 'image/jpeg';
  if (ext === 'gif') return 'image/gif';
  if (ext === 'webp') return 'image/webp';
  return undefined;
}

const DATA_URI = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$/;

/** The image a value names, or undefined when the value is not an image (or not one Parallax sends). */
export function imageSourceOf(value: unknown): ImageSource | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (!keys.includes('image') || keys.some((k) => k !== 'image' && k !== 'alt')) return undefined;
  const parsed = imageValueSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const text = parsed.data.image;
  if (STORED_IMAGE.test(text)) return { kind: 'stored', name: text, mime: mimeOfName(text) ?? 'image/png' };
  const data = DATA_URI.exec(text);
  if (data?.[1] && data[2]) return { kind: 'data', mime: data[1] as ImageMime, base64: data[2].replace(/\s+/g, '') };
  if (/^https?:\/\/[^\s]+$/.test(text) && text.length <= 8192) {
    try {
      return { kind: 'url', url: new URL(text).toString() };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function isImageValue(value: unknown): boolean {
  return imageSourceOf(value) !== undefined;
}

/** How an image is written where text stands for it (message text, CSV, search). */
export function imageLabel(value: unknown): string {
  const source = imageSourceOf(value);
  const alt = typeof value === 'object' && value !== null && 'alt' in value && typeof value.alt === 'string' ? value.alt : undefined;
  if (!source) return '[image]';
  if (alt) return `[image: ${alt}]`;
  if (source.kind === 'url') return `[image: ${source.url.slice(0, 200)}]`;
  if (source.kind === 'stored') return `[image: ${source.name.slice(0, 12)}….${source.name.split('.').pop() ?? ''}]`;
  return `[image: ${source.mime}]`;
}
