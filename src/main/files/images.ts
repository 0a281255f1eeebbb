/**
 * Exports that carry images write them as data URIs: a row's stored image (a name in this data
 * folder, meaningless elsewhere) is read by its name and put in the file whole. Only names of
 * the stored form are read (ImageStore.read); everything else is left as it is.
 */
import { AppError } from '../../shared/errors';
import { imageSourceOf } from '../../shared/images';
import type { Variables, VariableValue } from '../../shared/schemas';
import type { ImageStore } from '../images';

/** How much image data one exported file may carry in all: as base64 it stays under a file's 5 MB. */
export const MAX_EXPORT_IMAGE_BYTES = 3.5 * 1024 * 1024;

export class ImageInliner {
  private readonly cache = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly images: ImageStore) {}

  async value(value: VariableValue): Promise<VariableValue> {
    const source = imageSourceOf(value);
    if (source?.kind !== 'stored' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    let uri = this.cache.get(source.name);
    if (uri === undefined) {
      const { mime, bytes } = await this.images.read(source.name);
      this.bytes += bytes.byteLength;
      if (this.bytes > MAX_EXPORT_IMAGE_BYTES) {
        throw new AppError('bad_input', `The images in this export come to more than ${MAX_EXPORT_IMAGE_BYTES / 1048576} MB (an exported file holds up to 5 MB); export fewer rows, or smaller images.`);
      }
      uri = `data:${mime};base64,${bytes.toString('base64')}`;
      this.cache.set(source.name, uri);
    }
    return { ...value, image: uri };
  }

  async vars(vars: Variables): Promise<Variables> {
    const out: Variables = {};
    for (const [name, value] of Object.entries(vars)) out[name] = await this.value(value);
    return out;
  }
}

/**
 * The other way: images a file brought as data URIs are kept once in the data folder, and the
 * values then name the stored files. A data URI that is not an image the store takes (too
 * large, not PNG/JPEG/GIF/WebP) stays as it is.
 */
export async function storeDataImages(images: ImageStore, vars: Variables): Promise<Variables> {
  const out: Variables = {};
  for (const [name, value] of Object.entries(vars)) {
    const source = imageSourceOf(value);
    if (source?.kind !== 'data' || typeof value !== 'object' || value === null || Array.isArray(value)) {
      out[name] = value;
      continue;
    }
    try {
      const saved = await images.save(Buffer.from(source.base64, 'base64'));
      out[name] = { ...value, image: saved.name };
    } catch {
      out[name] = value;
    }
  }
  return out;
}
