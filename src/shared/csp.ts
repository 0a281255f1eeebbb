/**
 * The Content-Security-Policy of every page the app shows, in Electron (app://) and in
 * browser mode alike: one policy, so the two cannot drift.
 */
const BASE_DIRECTIVES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['default-src', ["'self'"]],
  ['script-src', ["'self'"]],
  // Monaco positions its widgets with inline style attributes.
  ['style-src', ["'self'", "'unsafe-inline'"]],
  // Monaco's editor worker is a bundled file (a Vite ?worker import), so no blob: is needed.
  ['worker-src', ["'self'"]],
  ['img-src', ["'self'", 'data:']],
  ['font-src', ["'self'", 'data:']],
  // Model requests are made by main, never by the page.
  ['connect-src', ["'self'"]],
  ['object-src', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['frame-ancestors', ["'none'"]],
  ['form-action', ["'none'"]],
];

/**
 * The policy string. With `devUrl`, the dev server's origin and its hot-reload websocket are
 * allowed, and inline scripts too (Vite's React refresh preamble is an inline script); a
 * packaged app never passes `devUrl`.
 */
export function contentSecurityPolicy(devUrl?: string): string {
  const extra = new Map<string, string[]>();
  if (devUrl !== undefined) {
    const dev = new URL(devUrl);
    const ws = `${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}`;
    extra.set('script-src', [dev.origin, "'unsafe-inline'"]);
    extra.set('connect-src', [dev.origin, ws]);
    extra.set('worker-src', [dev.origin]);
  }
  return BASE_DIRECTIVES.map(([name, sources]) => [name, ...sources, ...(extra.get(name) ?? [])].join(' ')).join('; ');
}
