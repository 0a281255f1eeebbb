/**
 * The main window. Its webPreferences are the heart of the security baseline
 * (docs/architecture.md, "Security baseline"): the page runs sandboxed, isolated from the
 * preload, with no Node, and may only call the flat functions the preload exposes.
 */
import { join } from 'node:path';
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './origin';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** Where window bounds are remembered (electron-store in the app, a fake in tests). */
export interface WindowStateStore {
  load(): WindowState | undefined;
  save(state: WindowState): void;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 } as const;
export const MIN_SIZE = { width: 720, height: 480 } as const;

/** The preload sits next to main in the build: out/main/index.js → out/preload/preload.cjs. */
export function preloadPath(mainDir: string): string {
  return join(mainDir, '..', 'preload', 'preload.cjs');
}

/**
 * The saved bounds if they still fit on a connected screen; otherwise the saved size with the
 * position left to the OS (a monitor may have been unplugged since).
 */
export function restoreBounds(saved: WindowState | undefined, workAreas: readonly Rectangle[]): Partial<Rectangle> {
  if (!saved) return { ...DEFAULT_SIZE };
  const width = Math.max(MIN_SIZE.width, Math.round(saved.width));
  const height = Math.max(MIN_SIZE.height, Math.round(saved.height));
  if (saved.x === undefined || saved.y === undefined) return { width, height };
  const { x, y } = saved;
  // Enough of the title bar must be on a screen to grab it.
  const visible = workAreas.some(
    (area) => x + 100 > area.x && x < area.x + area.width - 100 && y >= area.y && y < area.y + area.height - 50,
  );
  return visible ? { x: Math.round(x), y: Math.round(y), width, height } : { width, height };
}

export function mainWindowOptions(preload: string, bounds: Partial<Rectangle>): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Parallax',
    backgroundColor: '#16181d',
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

export interface CreateWindowOptions {
  mainDir: string;
  state: WindowStateStore;
  workAreas: readonly Rectangle[];
  devUrl?: string;
}

export function createMainWindow(options: CreateWindowOptions): BrowserWindow {
  const saved = options.state.load();
  const window = new BrowserWindow(mainWindowOptions(preloadPath(options.mainDir), restoreBounds(saved, options.workAreas)));
  if (saved?.maximized) window.maximize();
  window.once('ready-to-show', () => {
    window.show();
  });
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    options.state.save({ ...bounds, maximized: window.isMaximized() });
  });
  window.loadURL(options.devUrl ?? APP_ENTRY_URL).catch((error: unknown) => {
    console.error(`Parallax could not load its window: ${error instanceof Error ? error.message : String(error)}`);
  });
  return window;
}
