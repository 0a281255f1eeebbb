/**
 * The `app://parallax/` scheme that serves the built renderer. Using our own scheme instead of
 * file:// gives the page a real origin (for the CSP and the IPC sender check) and lets us
 * refuse every path outside the renderer folder.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import type { Protocol } from 'electron';
import { contentSecurityPolicy } from './csp';
import { APP_HOST, APP_SCHEME } from './origin';

/** Must run before the app is ready: Chromium reads scheme privileges at start-up. */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The file inside `root` that a URL path names, or undefined when it names anything else
 * (a parent folder, an absolute path, a path with a NUL byte, a bad escape).
 */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = decoded.replace(/^[/\\]+/, '');
  const base = resolve(root);
  const target = resolve(base, rel === '' ? 'index.html' : rel);
  const fromRoot = relative(base, target);
  // Empty means the root folder itself; `..` or another drive means outside it.
  if (fromRoot === '' || fromRoot.split(/[\\/]/)[0] === '..' || isAbsolute(fromRoot)) return undefined;
  return target;
}

/** The file an `app://parallax/…` request names, or undefined for any other URL. */
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

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function mimeTypeFor(filePath: string): string {
  return MIME_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream';
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
