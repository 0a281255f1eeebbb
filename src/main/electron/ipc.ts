/**
 * Binds every contract method to an IPC channel through one wrapper: check who is asking,
 * then hand the raw input to `dispatch`, which validates it and wraps the outcome in an
 * envelope. There are no per-method handlers here on purpose: a new method in the contract
 * is bound the same way, or not at all.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcChannel, methodNames, type Handlers, type MethodName } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';
import { dispatch } from '../api/dispatch';
import { isAppUrl } from './origin';

/** Only a frame showing one of the app's own pages may call main. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, devUrl?: string): boolean {
  let url: string | undefined;
  try {
    url = event.senderFrame?.url;
  } catch {
    // The frame was disposed (navigated away or closed) while the call was in flight.
    return false;
  }
  return url !== undefined && isAppUrl(url, devUrl);
}

export function forbiddenEnvelope(name: MethodName): Envelope<never> {
  return {
    ok: false,
    error: { code: 'forbidden', message: `${name} was called from a page that is not part of Parallax, so it was refused.` },
  };
}

/** Registers one handler per contract method and returns the channels, in contract order. */
export function registerIpcHandlers(ipcMain: IpcMain, handlers: Handlers, devUrl?: string): string[] {
  return methodNames.map((name) => {
    const channel = ipcChannel(name);
    ipcMain.handle(channel, (event, input: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event, devUrl)) return Promise.resolve(forbiddenEnvelope(name));
      return dispatch(handlers, name, input);
    });
    return channel;
  });
}

/** Undo `registerIpcHandlers`, for a clean shutdown and for tests. */
export function removeIpcHandlers(ipcMain: IpcMain): void {
  for (const name of methodNames) ipcMain.removeHandler(ipcChannel(name));
}
