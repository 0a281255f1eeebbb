import { describe, expect, it, vi } from 'vitest';
import type * as electronMock from '../mocks/electron';
import { fakeEvent } from '../mocks/electron';
import { EVENT_CHANNEL, bridgeFunctionName, ipcChannel, methodNames, type AppEvent } from '../../src/shared/contract';
import { PRELOAD_GLOBAL } from '../../src/shared/bridge';

vi.mock('electron', () => import('../mocks/electron'));

type ElectronMock = typeof electronMock;

let contextBridge: ElectronMock['contextBridge'];
let ipcRenderer: ElectronMock['ipcRenderer'];

/**
 * Runs the preload as Electron would, in a fresh module registry (the preload acts on import),
 * and returns what it exposed. The fakes come from that same registry.
 */
async function loadPreload(): Promise<Record<string, unknown>> {
  vi.resetModules();
  const electron = (await import('electron')) as unknown as ElectronMock;
  electron.resetElectronMock();
  ({ contextBridge, ipcRenderer } = electron);
  await import('../../src/main/electron/preload');
  expect(contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const api = contextBridge.exposed.get(PRELOAD_GLOBAL);
  expect(api).toBeTypeOf('object');
  return api as Record<string, unknown>;
}

describe('preload', () => {

  it('exposes one function per contract method plus onEvent, on window.parallax only', async () => {
    const api = await loadPreload();
    expect([...contextBridge.exposed.keys()]).toEqual([PRELOAD_GLOBAL]);
    expect(Object.keys(api).sort()).toEqual([...methodNames.map(bridgeFunctionName), 'onEvent'].sort());
    for (const value of Object.values(api)) expect(value).toBeTypeOf('function');
  });

  it('exposes plain data properties: no getters, no Proxy, no ipcRenderer', async () => {
    const api = await loadPreload();
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(api))) {
      expect(descriptor.get, name).toBeUndefined();
      expect(descriptor.set, name).toBeUndefined();
      expect('value' in descriptor, name).toBe(true);
    }
    expect(Object.getPrototypeOf(api)).toBe(Object.prototype);
    expect(Object.values(api)).not.toContain(ipcRenderer);
    expect(api).not.toHaveProperty('ipcRenderer');
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('send');
  });

  it('each function invokes its own channel with the input and returns the envelope', async () => {
    const api = await loadPreload();
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, data: { runs: [], total: 0 } });
    const runsList = api[bridgeFunctionName('runs.list')] as (input: unknown) => Promise<unknown>;
    await expect(runsList({ limit: 5 })).resolves.toEqual({ ok: true, data: { runs: [], total: 0 } });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(ipcChannel('runs.list'), { limit: 5 });
    for (const name of methodNames) {
      const fn = api[bridgeFunctionName(name)] as (input: unknown) => Promise<unknown>;
      await fn({});
      expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(ipcChannel(name), {});
    }
  });

  it('onEvent passes only the payload and its return value unsubscribes', async () => {
    const api = await loadPreload();
    const onEvent = api.onEvent as (listener: (event: AppEvent) => void) => () => void;
    const received: unknown[][] = [];
    const unsubscribe = onEvent((...args: unknown[]) => {
      received.push(args);
    });
    const payload: AppEvent = { type: 'run.finished', runId: 'r1', status: 'done' };
    ipcRenderer.emit(EVENT_CHANNEL, fakeEvent({ sender: ipcRenderer }), payload);
    expect(received).toEqual([[payload]]);
    unsubscribe();
    expect(ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
    ipcRenderer.emit(EVENT_CHANNEL, fakeEvent(), payload);
    expect(received).toHaveLength(1);
  });
});
