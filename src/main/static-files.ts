/**
 * Serving the built renderer, for both doors (the desktop's app:// protocol and browser
 * mode's HTTP server): one path guard and one table of content types.
 */
import { extname, isAbsolute, relative, resolve } from 'node:path';

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
