import type { Bridge } from './bridge';
import { createElectronBridge, preloadApi } from './electron';
import { createWebBridge, takeToken } from './web';

export { BridgeError, type Bridge, type BridgeAccess } from './bridge';

/** Chooses the implementation once: the preload's API when present, else browser mode. */
export function createBridge(): Bridge | { error: string } {
  const preload = preloadApi();
  if (preload) return createElectronBridge(preload);
  const token = takeToken();
  if (!token) return { error: 'This page needs the access token Parallax printed when it started. Open the full URL from the terminal.' };
  return createWebBridge(token);
}
