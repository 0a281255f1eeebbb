import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as electronMock from '../mocks/electron';
import { EVENT_CHANNEL, ipcChannel, methodNames, type AppEvent } from '../../src/shared/contract';
import type { Workspace } from '../../src/shared/schemas';

vi.mock('electron', () => import('../mocks/electron'));
// electron-store reads Electron's own app object; the window's bounds go to memory here.
vi.mock('electron-store', () => ({
  default: class {
    private readonly values = new Map<string, unknown>();
    get(key: string): unknown {
      return this.values.get(key);
    }
    set(key: string, value: unknown): void {
      this.values.set(key, value);
    }
  },
}));

type ElectronMock = typeof electronMock;

const fromApp = { senderFrame: { url: 'app://parallax/index.html' } };
let electron: ElectronMock;
let dataDir: string;

/** Starts main.ts as Electron would, in a fresh module registry, and waits for its window. */
async function startMain(): Promise<void> {
  vi.resetModules();
  electron = (await import('electron')) as unknown as ElectronMock;
  electron.resetElectronMock();
  await import('../../src/main/electron/main');
}

async function waitForWindow(): Promise<InstanceType<ElectronMock['BrowserWindow']>> {
  await vi.waitFor(() => {
    expect(electron.BrowserWindow.instances).toHaveLength(1);
  });
  const window = electron.BrowserWindow.instances[0];
  if (!window) throw new Error('no window');
  return window;
}

describe('Electron main process', () => {
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parallax-main-'));
    vi.stubEnv('PARALLAX_DATA_DIR', dataDir);
    vi.stubEnv('ELECTRON_RENDERER_URL', '');
  });

  afterEach(() => {
    electron.app.emit('before-quit');
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets up the sandbox, the app:// scheme and the guards before ready, in the chosen data folder', async () => {
    await startMain();
    const window = await waitForWindow();
    expect(electron.app.getPath('userData')).toBe(dataDir);
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(electron.protocol.privilegedSchemes.map((s) => s.scheme)).toEqual(['app']);
    expect(electron.app.listenerCount('web-contents-created')).toBe(1);

    expect(electron.protocol.handlers.has('app')).toBe(true);
    expect(electron.session.defaultSession.webRequest.headersReceived).toBeDefined();
    expect(electron.session.defaultSession.permissionRequestHandler).toBeDefined();
    expect(electron.session.defaultSession.permissionCheckHandler?.({}, 'media', 'app://parallax', {})).toBe(false);
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(methodNames.map(ipcChannel).sort());
    expect(window.loadURL).toHaveBeenCalledWith('app://parallax/index.html');
  });

  it('answers through IPC from the data folder and forwards run events to the window', async () => {
    await startMain();
    const window = await waitForWindow();
    const info = await electron.ipcMain.invoke(ipcChannel('app.info'), fromApp, {});
    expect(info).toMatchObject({ ok: true, data: { door: 'electron', dataDir, keyStorage: 'vault' } });

    const workspace = (await electron.ipcMain.invoke(ipcChannel('workspace.get'), fromApp, {})) as { ok: true; data: Workspace };
    const started = await electron.ipcMain.invoke(ipcChannel('runs.start'), fromApp, workspace.data);
    expect(started).toMatchObject({ ok: true });
    await vi.waitFor(
      () => {
        const events = window.webContents.send.mock.calls.filter(([channel]) => channel === EVENT_CHANNEL).map(([, event]) => event as AppEvent);
        expect(events.some((e) => e.type === 'cell.delta')).toBe(true);
        expect(events.some((e) => e.type === 'run.finished')).toBe(true);
      },
      { timeout: 5000 },
    );
  });

  it('closes the services before quitting and quits when the last window closes', async () => {
    await startMain();
    await waitForWindow();
    electron.app.emit('window-all-closed');
    if (process.platform !== 'darwin') expect(electron.app.quit).toHaveBeenCalled();
    electron.app.emit('before-quit');
    const after = await electron.ipcMain.invoke(ipcChannel('runs.list'), fromApp, {});
    expect(after).toMatchObject({ ok: false });
  });

  it('quits at once when another instance already holds the data folder', async () => {
    vi.resetModules();
    electron = (await import('electron')) as unknown as ElectronMock;
    electron.resetElectronMock();
    electron.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    await import('../../src/main/electron/main');
    expect(electron.app.quit).toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('focuses the existing window when a second copy is started', async () => {
    await startMain();
    const window = await waitForWindow();
    electron.app.emit('second-instance', {}, [], '/');
    expect(window.focus).toHaveBeenCalled();
  });
});
