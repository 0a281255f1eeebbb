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

function initial(value: unknown): ImageView {
  const source = imageSourceOf(value);
  if (!source) return { kind: 'none' };
  if (source.kind === 'url') return { kind: 'url', url: source.url };
  if (source.kind === 'data') return { kind: 'ready', src: `data:${source.mime};base64,${source.base64}` };
  const known = cache.get(source.name);
  return known !== undefined ? { kind: 'ready', src: known } : { kind: 'loading' };
}

export function useImage(value: unknown): ImageView {
  const source = imageSourceOf(value);
  const stored = source?.kind === 'stored' ? source.name : undefined;
  const [view, setView] = useState<{ for: unknown; view: ImageView }>(() => ({ for: value, view: initial(value) }));
  // A new value starts over (derived during render, not in an effect).
  let current = view;
  if (view.for !== value) {
    current = { for: value, view: initial(value) };
    setView(current);
  }
  useEffect(() => {
    if (stored === undefined || cache.has(stored)) return;
    let live = true;
    readStored(stored).then(
      (src) => live && setView((v) => ({ for: v.for, view: { kind: 'ready', src } })),
      (error: unknown) => live && setView((v) => ({ for: v.for, view: { kind: 'failed', message: messageOf(error) } })),
    );
    return () => {
      live = false;
    };
  }, [stored]);
  return current.view;
}
