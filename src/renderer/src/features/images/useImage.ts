/**
 * What a thumbnail shows for an image value: a stored image is read from main by its name
 * (images.read, which takes nothing else), a data URI is shown as it is, and a URL is never
 * fetched by the page (the policy allows no remote images; main sends it to the model).
 */
import { useEffect, useState } from 'react';
import { imageSourceOf } from '../../../../shared/images';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';

export type ImageView = { kind: 'loading' } | { kind: 'ready'; src: string } | { kind: 'url'; url: string } | { kind: 'failed'; message: string } | { kind: 'none' };

/** Data URIs of stored images read lately, oldest first; bounded by total size, not count. */
const cache = new Map<string, string>();
const CACHE_CHARS = 64 * 1024 * 1024;
let cachedChars = 0;

function remember(name: string, dataUri: string): void {
  cache.delete(name);
  cache.set(name, dataUri);
  cachedChars += dataUri.length;
  for (const [oldest, uri] of cache) {
    if (cachedChars <= CACHE_CHARS || oldest === name) break;
    cache.delete(oldest);
    cachedChars -= uri.length;
  }
}

const pending = new Map<string, Promise<string>>();

function readStored(name: string): Promise<string> {
  const known = cache.get(name);
  if (known !== undefined) return Promise.resolve(known);
  let request = pending.get(name);
  if (!request) {
    const read = api()['images.read'];
    request = read({ name })
      .then(({ dataUri }) => {
        remember(name, dataUri);
        return dataUri;
      })
      .finally(() => pending.delete(name));
    pending.set(name, request);
  }
  return request;
}

export function useImage(value: unknown): ImageView {
  const source = imageSourceOf(value);
  const stored = source?.kind === 'stored' ? source.name : undefined;
  // The outcome of reading a stored image, for the name it was read for.
  const [read, setRead] = useState<{ name: string; view: ImageView } | undefined>();
  useEffect(() => {
    if (stored === undefined || cache.has(stored)) return;
    let live = true;
    readStored(stored).then(
      (src) => live && setRead({ name: stored, view: { kind: 'ready', src } }),
      (error: unknown) => live && setRead({ name: stored, view: { kind: 'failed', message: messageOf(error) } }),
    );
    return () => {
      live = false;
    };
  }, [stored]);
  if (!source) return { kind: 'none' };
  if (source.kind === 'url') return { kind: 'url', url: source.url };
  if (source.kind === 'data') return { kind: 'ready', src: `data:${source.mime};base64,${source.base64}` };
  const cached = cache.get(source.name);
  if (cached !== undefined) return { kind: 'ready', src: cached };
  return read?.name === source.name ? read.view : { kind: 'loading' };
}
