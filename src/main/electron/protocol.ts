/**
 * The `app://parallax/` scheme that serves the built renderer. Using our own scheme instead of
 * file:// gives the page a real origin (for the CSP and the IPC sender check) and lets us
 * refuse every path outside the renderer folder.
 */
import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { mimeTypeFor, resolveInside } from '../static-files';
import { contentSecurityPolicy } from './csp';

export { mimeTypeFor, resolveInside };
import { APP_HOST, APP_SCHEME } from './origin';

/** Must run before the app is ready: Chromium reads scheme privileges at start-up. */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function resolveAppRequest(root: string, requestUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return undefined;
  return resolveInside(root, url.pathname);
}


function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** Serves one request; split out from `handleAppProtocol` so tests can call it directly. */
export async function serveAppRequest(root: string, request: Pick<Request, 'url' | 'method'>, policy: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response('Method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
  }
  const filePath = resolveAppRequest(root, request.url);
  if (filePath === undefined) return notFound();
  let body: Buffer;
  try {
    body = await readFile(filePath);
  } catch {
    // Missing files, folders and unreadable files all look the same from outside.
    return notFound();
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'Content-Type': mimeTypeFor(filePath),
      'Content-Security-Policy': policy,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
  });
}

/** Call after the app is ready. `root` is the built renderer folder (out/renderer). */
export function handleAppProtocol(protocol: Protocol, root: string): void {
  const policy = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request, policy));
}
