/**
 * Images as test-case values: the page hands over a picked, dropped or pasted image as base64
 * and gets back the value a row holds (`{ image: "<sha256>.<ext>", alt }`); thumbnails read a
 * stored image back by that name only. The store checks size and type (src/main/images.ts).
 */
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { ImageStore } from '../images';

type ImageHandlers = Pick<Handlers, 'images.save' | 'images.read'>;

/** A data URI's head, whatever type it claims: the bytes are sniffed, never trusted by their label. */
const DATA_URI_HEAD = /^data:[a-z0-9.+/-]{0,100};base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of base64 text (or a base64 data URI); anything else is refused rather than half-decoded. */
export function decodeBase64(text: string): Buffer {
  const body = text.replace(DATA_URI_HEAD, '').replace(/\s+/g, '');
  if (body.length === 0 || body.length % 4 === 1 || !BASE64.test(body)) {
    throw new AppError('bad_input', 'The image is not base64 text (or a base64 data: URI).');
  }
  return Buffer.from(body, 'base64');
}

export function imageHandlers(images: ImageStore): ImageHandlers {
  return {
    'images.save': async ({ base64, alt }) => {
      const saved = await images.save(decodeBase64(base64));
      return { value: { image: saved.name, ...(alt ? { alt } : {}) }, mime: saved.mime, bytes: saved.bytes };
    },
    'images.read': async ({ name }) => {
      const { mime, bytes } = await images.read(name);
      return { dataUri: `data:${mime};base64,${bytes.toString('base64')}`, mime, bytes: bytes.byteLength };
    },
  };
}
