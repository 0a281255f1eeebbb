import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMain } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ipcMain, resetElectronMock, safeStorage } from '../mocks/electron';
import { ipcChannel, methodNames, type Handlers } from '../../src/shared/contract';
import { registerIpcHandlers, removeIpcHandlers } from '../../src/main/electron/ipc';
import { VaultSecretStore } from '../../src/main/electron/vault';
import { createServices, type Services } from '../../src/main/services';

vi.mock('electron', () => import('../mocks/electron'));

const fromApp = { senderFrame: { url: 'app://parallax/index.html' } };

/** Handlers that record calls, so a test can see whether the service was reached at all. */
function spyHandlers(): Handlers & Record<string, ReturnType<typeof vi.fn>> {
  const handlers: Record<string, ReturnType<typeof vi.fn>> = {};
  for (const name of methodNames) handlers[name] = vi.fn(() => Promise.resolve({ called: name }));
  return handlers as Handlers & Record<string, ReturnType<typeof vi.fn>>;
}

describe('IPC binding', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it('registers exactly one channel per contract method', () => {
    const channels = registerIpcHandlers(ipcMain as unknown as IpcMain, spyHandlers());
    expect(channels).toEqual(methodNames.map(ipcChannel));
    expect([...ipcMain.handlers.keys()].sort()).toEqual(methodNames.map(ipcChannel).sort());
    removeIpcHandlers(ipcMain as unknown as IpcMain);
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('passes a call from the app page through dispatch to the handler', async () => {
    const handlers = spyHandlers();
    registerIpcHandlers(ipcMain as unknown as IpcMain, handlers);
    const result = await ipcMain.invoke(ipcChannel('runs.stop'), fromApp, { runId: 'r1' });
    expect(result).toEqual({ ok: true, data: { called: 'runs.stop' } });
    expect(handlers['runs.stop']).toHaveBeenCalledWith({ runId: 'r1' });
  });

  it('refuses a foreign, missing or disposed sender frame with "forbidden", without reaching the service', async () => {
    const handlers = spyHandlers();
    registerIpcHandlers(ipcMain as unknown as IpcMain, handlers);
    const disposed = {
      get senderFrame(): never {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    for (const event of [
      { senderFrame: { url: 'https://evil.example/' } },
      { senderFrame: { url: 'file:///tmp/index.html' } },
      { senderFrame: { url: 'app://evil/index.html' } },
      { senderFrame: { url: 'http://localhost:5173/' } },
      { senderFrame: null },
      {},
      disposed,
    ]) {
      const result = await ipcMain.invoke(ipcChannel('providers.list'), event, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(handlers['providers.list']).not.toHaveBeenCalled();
  });

  it('accepts the dev server as a sender only when it is configured', async () => {
    registerIpcHandlers(ipcMain as unknown as IpcMain, spyHandlers(), 'http://localhost:5173/');
    const fromDev = await ipcMain.invoke(ipcChannel('app.info'), { senderFrame: { url: 'http://localhost:5173/' } }, {});
    expect(fromDev).toMatchObject({ ok: true });
    const fromOther = await ipcMain.invoke(ipcChannel('app.info'), { senderFrame: { url: 'http://localhost:8080/' } }, {});
    expect(fromOther).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('returns bad_input with a readable message for input that does not match the contract', async () => {
    const handlers = spyHandlers();
    registerIpcHandlers(ipcMain as unknown as IpcMain, handlers);
    const result = (await ipcMain.invoke(ipcChannel('runs.stop'), fromApp, { runId: 42 })) as { ok: false; error: { code: string; message: string } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('bad_input');
    expect(result.error.message).toContain('runId');
    expect(handlers['runs.stop']).not.toHaveBeenCalled();
  });
});

describe('IPC binding over the real services', () => {
  let dataDir: string;
  let services: Services;

  beforeEach(() => {
    resetElectronMock();
    dataDir = mkdtempSync(join(tmpdir(), 'parallax-ipc-'));
    services = createServices({
      dataDir,
      door: 'electron',
      version: '0.0.0-test',
      secrets: new VaultSecretStore(dataDir, safeStorage),
      env: {},
    });
    registerIpcHandlers(ipcMain as unknown as IpcMain, services.handlers);
  });

  afterEach(() => {
    services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers app.info as the Electron door with the vault as key storage', async () => {
    const result = await ipcMain.invoke(ipcChannel('app.info'), fromApp, {});
    expect(result).toEqual({ ok: true, data: { version: '0.0.0-test', door: 'electron', dataDir, keyStorage: 'vault' } });
  });

  it('stores a key typed into Settings as ciphertext and only ever returns its last four characters', async () => {
    const key = 'sk-test-abcdefghijklmnop1234';
    const saved = (await ipcMain.invoke(ipcChannel('providers.save'), fromApp, {
      name: 'OpenAI',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: key,
    })) as { ok: true; data: { id: string } };
    expect(saved.ok).toBe(true);
    const listed = await ipcMain.invoke(ipcChannel('providers.list'), fromApp, {});
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(JSON.stringify(listed)).toContain('"last4":"1234"');
    expect(JSON.stringify(listed)).toContain('"source":"vault"');
    expect(readFileSync(join(dataDir, 'keys.json'), 'utf8')).not.toContain(key);
  });
});
