/**
 * How the Electron preload exposes the contract: on `window.parallax`, one flat function per
 * method (named by `bridgeFunctionName`) that resolves to an Envelope, plus `onEvent`.
 * Nothing else: no raw ipcRenderer, no Proxy, no getters (they do not cross contextBridge).
 */
import type { AppEvent } from './contract';
import type { Envelope } from './errors';

export const PRELOAD_GLOBAL = 'parallax';

export type PreloadMethod = (input: unknown) => Promise<Envelope<unknown>>;

export interface PreloadApi {
  onEvent(listener: (event: AppEvent) => void): () => void;
  [method: string]: PreloadMethod | ((listener: (event: AppEvent) => void) => () => void);
}
