/**
 * Where the app's own pages come from. Everything that decides "is this us?" (navigation
 * guards, the IPC sender check, the CSP) asks this module, so there is one answer.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'parallax';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The renderer dev server that `electron-vite dev` starts. A packaged app ignores it, so an
 * environment variable can never point a shipped build at someone else's server.
 */
export function devServerUrl(env: Readonly<Record<string, string | undefined>>, isPackaged: boolean): string | undefined {
  if (isPackaged) return undefined;
  const raw = env.ELECTRON_RENDERER_URL;
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** True when `raw` is a page of this app: `app://parallax/…`, or the dev server in development. */
export function isAppUrl(raw: string, devUrl?: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  // Node's URL reports origin "null" for schemes it does not know, so compare the parts.
  if (url.protocol === `${APP_SCHEME}:`) return url.host.toLowerCase() === APP_HOST && url.username === '' && url.password === '';
  if (devUrl === undefined) return false;
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === new URL(devUrl).origin;
}
