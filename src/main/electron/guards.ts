/**
 * Deny by default: the window shows the app and nothing else. Guards are attached to every
 * WebContents as it is created, so a window made later cannot be forgotten.
 */
import type { App, HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';
import { shell } from 'electron';
import { isAppUrl } from './origin';

/** Only ordinary web links leave the app, and only to the system browser. */
export function isExternalLink(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** New windows are never created; an https link opens in the system browser instead. */
export function handleWindowOpen(details: Pick<HandlerDetails, 'url'>): WindowOpenHandlerResponse {
  if (isExternalLink(details.url)) {
    shell.openExternal(details.url).catch((error: unknown) => {
      console.warn(`Could not open a link in the system browser: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  return { action: 'deny' };
}

export function guardWebContents(contents: WebContents, devUrl?: string): void {
  const stayInApp = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url, devUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(handleWindowOpen);
}

export function installNavigationGuards(app: App, devUrl?: string): void {
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, devUrl);
  });
}

/** The app needs no camera, microphone, location, notifications or anything else. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
