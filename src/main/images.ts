/**
 * Images kept once in the data folder, under `images/<sha256>.<ext>`: a test-case value names one
 * by that file name (src/shared/images.ts). Only names of that exact form are ever read, so a
 * value from a shared file cannot point anywhere else; bytes are checked to be the image type
 * their name says before they are kept.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../shared/errors';
import { IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, STORED_IMAGE, mimeOfName, type ImageMime } from '../shared/images';
import type { ImageLoader } from './providers/content';

/** The type the bytes start with (their magic number), whatever a name or header claims. */
export function sniffImage(bytes: Uint8Array): ImageMime | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'image/png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return 'image/gif';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50) return 'image/webp';
  return undefined;
}

export class ImageStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'images');
  }

  /** Keeps the bytes (once: the same image twice is one file) and returns the name a value uses. */
  async save(bytes: Uint8Array): Promise<{ name: string; mime: ImageMime; bytes: number }> {
    if (bytes.byteLength > MAX_IMAGE_BYTES) {
      throw new AppError('bad_input', `The image is ${(bytes.byteLength / 1048576).toFixed(1)} MB; Parallax keeps images up to ${MAX_IMAGE_BYTES / 1048576} MB.`);
    }
    const mime = sniffImage(bytes);
    if (!mime) throw new AppError('bad_input', 'That file is not a PNG, JPEG, GIF or WebP image.');
    const name = `${createHash('sha256').update(bytes).digest('hex')}.${IMAGE_EXTENSIONS[mime]}`;
    const path = join(this.dir, name);
    const exists = await stat(path).then(
      (s) => s.size === bytes.byteLength,
      () => false,
    );
    if (!exists) {
      await mkdir(this.dir, { recursive: true });
      // Written aside and renamed: a crash never leaves half an image under the final name.
      // Each save its own temp file: the same image saved twice at once (rows of one import) must not share one.
      const temp = `${path}.${randomUUID()}.tmp`;
      await writeFile(temp, bytes);
      await rename(temp, path).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        // Another save of the same bytes got there first: the image is kept all the same.
        const kept = await stat(path).then((s) => s.size === bytes.byteLength, () => false);
        if (!kept) throw error;
      });
    }
    return { name, mime, bytes: bytes.byteLength };
  }

  /** The bytes of a stored image; refuses any name that is not `<sha256>.<ext>`. */
  async read(name: string): Promise<{ mime: ImageMime; bytes: Buffer }> {
    if (!STORED_IMAGE.test(name)) throw new AppError('bad_input', 'Not the name of a stored image.');
    try {
      const bytes = await readFile(join(this.dir, name));
      return { mime: sniffImage(bytes) ?? mimeOfName(name) ?? 'image/png', bytes };
    } catch {
      throw new AppError('not_found', `The image ${name.slice(0, 12)}… is not in this data folder (it was made on another machine, or removed).`);
    }
  }

  /** For providers: a stored image as base64. */
  readonly load: ImageLoader = async (name) => {
    const { mime, bytes } = await this.read(name);
    return { mime, base64: bytes.toString('base64') };
  };
}
