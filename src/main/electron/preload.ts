/**
 * The only thing the page gets from Electron: `window.parallax`, a plain object with one
 * function per contract method and `onEvent`. It is built from the contract so it cannot
 * drift; raw ipcRenderer, Proxies and getters are kept out because they either leak power
 * or do not survive contextBridge's copy.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { PRELOAD_GLOBAL, type PreloadApi, type PreloadMethod } from '../../shared/bridge';
import type { AppEvent } from '../../shared/contract';
import { EVENT_CHANNEL, bridgeFunctionName, ipcChannel, methodNames } from '../../shared/methods';
import type { Envelope } from '../../shared/errors';

export function buildPreloadApi(): PreloadApi {
  const methods: Record<string, PreloadMethod> = {};
  for (const name of methodNames) {
    const channel = ipcChannel(name);
    methods[bridgeFunctionName(name)] = (input: unknown) => ipcRenderer.invoke(channel, input) as Promise<Envelope<unknown>>;
  }
  return {
    ...methods,
    onEvent(listener: (event: AppEvent) => void): () => void {
      // The page sees the payload only; the IpcRendererEvent would hand it `sender`.
      const relay = (_event: IpcRendererEvent, payload: AppEvent): void => {
        listener(payload);
      };
      ipcRenderer.on(EVENT_CHANNEL, relay);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, relay);
      };
    },
  };
}

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, buildPreloadApi());
