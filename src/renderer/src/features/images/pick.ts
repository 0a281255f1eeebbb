/**
 * Turning a picked, dropped or pasted image into a test-case value: the bytes go to main once
 * (images.save, which checks size and type) and the row holds the stored name.
 */
import { MAX_IMAGE_BYTES, imageSourceOf, type ImageValue } from '../../../../shared/images';
import type { TestCase, VariableValue } from '../../../../shared/schemas';
import { api } from '../../bridge/current';

function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

/** Keeps a file as an image; refuses one over the limit before sending it. */
export async function saveImageFile(file: File): Promise<ImageValue> {
  if (file.size > MAX_IMAGE_BYTES) throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; Parallax keeps images up to ${MAX_IMAGE_BYTES / 1048576} MB.`);
  const { value } = await api()['images.save']({ base64: await base64Of(file), ...(file.name ? { alt: file.name.slice(0, 200) } : {}) });
  return value;
}

/** The first image file among dropped or pasted files, if any. */
export function firstImageFile(files: FileList | null | undefined): File | undefined {
  return Array.from(files ?? []).find((f) => f.type.startsWith('image/'));
}

/**
 * Text that could be an image: a base64 image data URI, or an http(s) address. Any other
 * scheme (file:, javascript:) is text.
 */
export function imageTextKind(text: string): 'data' | 'url' | undefined {
  const trimmed = text.trim();
  const source = imageSourceOf({ image: trimmed });
  if (source?.kind === 'data') return 'data';
  if (source?.kind === 'url') return 'url';
  return undefined;
}

/** The value for image text: a data URI is stored once (so the draft stays small); a URL stays a URL. */
export async function imageFromText(text: string): Promise<ImageValue> {
  const trimmed = text.trim();
  if (imageTextKind(trimmed) === 'data') return (await api()['images.save']({ base64: trimmed })).value;
  return { image: trimmed };
}

/**
 * Rows read from a file keep their images once in the data folder: each data URI is stored
 * (the same one once) and the row then names the stored file. One that cannot be stored (not
 * an image after all, too large) stays a data URI, which a run sends as it is.
 */
export async function storeDataImages(cases: TestCase[]): Promise<TestCase[]> {
  const stored = new Map<string, Promise<ImageValue | undefined>>();
  const store = (uri: string): Promise<ImageValue | undefined> => {
    let saving = stored.get(uri);
    if (!saving) {
      const save = api()['images.save'];
      saving = save({ base64: uri }).then(
          ({ value }) => value,
          () => undefined,
        );
      stored.set(uri, saving);
    }
    return saving;
  };
  return Promise.all(
    cases.map(async (testCase) => {
      const entries = await Promise.all(
        Object.entries(testCase.vars).map(async ([name, value]): Promise<[string, VariableValue]> => {
          const source = imageSourceOf(value);
          if (source?.kind !== 'data' || typeof value !== 'object' || value === null || Array.isArray(value) || typeof value['image'] !== 'string') return [name, value];
          const saved = await store(value['image']);
          return [name, saved ? { ...value, image: saved.image } : value];
        }),
      );
      return { ...testCase, vars: Object.fromEntries(entries) };
    }),
  );
}
