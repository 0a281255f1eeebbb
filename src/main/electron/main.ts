/**
 * The Electron front door: app lifecycle only. Everything the app does lives in the services
 * (../services.ts), which this file binds to the window through the contract.
 */
import { join } from 'node:path';
import { BrowserWindow, app, dialog, ipcMain, protocol, safeStorage, screen, session } from 'electron';
import { EVENT_CHANNEL } from '../../shared/contract';
import { createServices, type Services } from '../services';
import { APP_VERSION } from '../version';
import { dataDirFromArgs } from './args';
import { applyContentSecurityPolicy } from './csp';
import { denyAllPermissions, installNavigationGuards } from './guards';
import { registerIpcHandlers } from './ipc';
import { devServerUrl } from './origin';
import { electronDialogs } from './dialogs';
import { createWindowStateStore } from './prefs';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { VaultSecretStore } from './vault';
import { createMainWindow } from './window';

const mainDir = import.meta.dirname;
const rendererRoot = join(mainDir, '..', 'renderer');
const devUrl = devServerUrl(process.env, app.isPackaged);

// A chosen data folder also holds Chromium's profile and the single-instance lock, so two
// copies on different folders (tests, separate workspaces) do not collide.
const chosenDataDir = dataDirFromArgs(process.argv, process.env);
if (chosenDataDir !== undefined) app.setPath('userData', chosenDataDir);

// Both must happen before `ready`.
app.enableSandbox();
registerAppScheme(protocol);
installNavigationGuards(app, devUrl);

let services: Services | undefined;
let mainWindow: BrowserWindow | undefined;

function openWindow(dataDir: string): void {
  const window = createMainWindow({
    mainDir,
    state: createWindowStateStore(dataDir),
    workAreas: screen.getAllDisplays().map((display) => display.workArea),
    ...(devUrl === undefined ? {} : { devUrl }),
  });
  mainWindow = window;
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  const dataDir = app.getPath('userData');
  applyContentSecurityPolicy(session.defaultSession, devUrl);
  denyAllPermissions(session.defaultSession);
  handleAppProtocol(protocol, rendererRoot);

  services = createServices({
    dataDir,
    door: 'electron',
    version: APP_VERSION,
    secrets: new VaultSecretStore(dataDir, safeStorage),
    env: process.env,
    // Stream the offline echo provider in small pieces so it looks like a model answering.
    echo: { chunkDelayMs: 12, chunkSize: 12 },
    dialogs: electronDialogs(dialog, () => mainWindow),
  });
  registerIpcHandlers(ipcMain, services.handlers, devUrl);
  // A batch still at a vendor when the app last quit is polled again, not sent twice.
  void services.resumeBatches();
  services.onEvent((event) => {
    const contents = mainWindow?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
  });

  openWindow(dataDir);
  app.on('activate', () => {
    // macOS keeps the app running with no window; clicking the dock icon brings one back.
    if (BrowserWindow.getAllWindows().length === 0) openWindow(dataDir);
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another Parallax already has this data folder open; it gets focused instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    services?.close();
    services = undefined;
  });
  start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`Parallax could not start: ${message}`);
    // A desktop user has no terminal to read; say it in a dialog too.
    dialog.showErrorBox('Parallax could not start', message);
    app.exit(1);
  });
}
