import type { Rectangle } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, resetElectronMock } from '../mocks/electron';
import { createMainWindow, mainWindowOptions, preloadPath, restoreBounds, type WindowState, type WindowStateStore } from '../../src/main/electron/window';

vi.mock('electron', () => import('../mocks/electron'));

function memoryState(initial?: WindowState): WindowStateStore & { saved: WindowState | undefined } {
  const store = {
    saved: initial,
    load: () => store.saved,
    save: (state: WindowState) => {
      store.saved = state;
    },
  };
  return store;
}

const screenArea: Rectangle = { x: 0, y: 0, width: 1920, height: 1040 };

describe('main window', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it('isolates the page: contextIsolation, sandbox, no Node integration, web security on', () => {
    createMainWindow({ mainDir: '/app/out/main', state: memoryState(), workAreas: [screenArea] });
    expect(BrowserWindow.instances).toHaveLength(1);
    const prefs = BrowserWindow.instances[0]?.options.webPreferences as Record<string, unknown>;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
  });

  it('uses the bundled CommonJS preload next to the main bundle', () => {
    expect(preloadPath('/app/out/main')).toBe('/app/out/preload/preload.cjs');
    const options = mainWindowOptions(preloadPath('/app/out/main'), {});
    expect(options.webPreferences?.preload).toBe('/app/out/preload/preload.cjs');
  });

  it('loads the app:// page in production and the dev server when one is given', () => {
    createMainWindow({ mainDir: '/app/out/main', state: memoryState(), workAreas: [screenArea] });
    createMainWindow({ mainDir: '/app/out/main', state: memoryState(), workAreas: [screenArea], devUrl: 'http://localhost:5173/' });
    expect(BrowserWindow.instances[0]?.loadURL).toHaveBeenCalledWith('app://parallax/index.html');
    expect(BrowserWindow.instances[1]?.loadURL).toHaveBeenCalledWith('http://localhost:5173/');
  });

  it('stays hidden until ready-to-show', () => {
    const window = createMainWindow({ mainDir: '/m', state: memoryState(), workAreas: [screenArea] });
    const fake = window as unknown as BrowserWindow;
    expect(fake.options.show).toBe(false);
    expect(fake.show).not.toHaveBeenCalled();
    fake.emit('ready-to-show');
    expect(fake.show).toHaveBeenCalledTimes(1);
  });

  it('remembers its bounds on close and restores them next time', () => {
    const state = memoryState();
    const first = createMainWindow({ mainDir: '/m', state, workAreas: [screenArea] }) as unknown as BrowserWindow;
    first.bounds = { x: 40, y: 60, width: 1000, height: 700 };
    first.emit('close');
    expect(state.saved).toEqual({ x: 40, y: 60, width: 1000, height: 700, maximized: false });

    const second = createMainWindow({ mainDir: '/m', state, workAreas: [screenArea] }) as unknown as BrowserWindow;
    expect(second.options).toMatchObject({ x: 40, y: 60, width: 1000, height: 700 });
    expect(second.maximize).not.toHaveBeenCalled();
  });

  it('maximizes again when it was closed maximized', () => {
    const window = createMainWindow({
      mainDir: '/m',
      state: memoryState({ width: 900, height: 600, maximized: true }),
      workAreas: [screenArea],
    }) as unknown as BrowserWindow;
    expect(window.maximize).toHaveBeenCalled();
  });
});

describe('restoreBounds', () => {
  it('uses the default size with no saved state', () => {
    expect(restoreBounds(undefined, [screenArea])).toEqual({ width: 1280, height: 820 });
  });

  it('drops a position that is no longer on any screen but keeps the size', () => {
    expect(restoreBounds({ x: 4000, y: 100, width: 1000, height: 700, maximized: false }, [screenArea])).toEqual({ width: 1000, height: 700 });
  });

  it('never restores a window smaller than the minimum size', () => {
    expect(restoreBounds({ x: 10, y: 10, width: 20, height: 20, maximized: false }, [screenArea])).toEqual({ x: 10, y: 10, width: 720, height: 480 });
  });
});
