/**
 * A stand-in for the `electron` module, for unit tests of the Electron front door (the real
 * binary cannot run here). Each fake records what the code under test did to it (handlers
 * registered, options passed) so tests can inspect and replay them.
 *
 *   vi.mock('electron', () => import('../mocks/electron'));
 *   import { ipcMain, resetElectronMock } from '../mocks/electron';
 *
 * Call `resetElectronMock()` in `beforeEach`.
 */
import { vi } from 'vitest';

export type Listener = (...args: unknown[]) => unknown;

/** A minimal event emitter that also keeps its listeners readable for assertions. */
class Emitter {
  readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: (...args: never[]) => unknown): this {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener);
    this.listeners.set(event, list);
    return this;
  }

  once(event: string, listener: (...args: never[]) => unknown): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(event, wrapped);
      return (listener as Listener)(...args);
    };
    return this.on(event, wrapped);
  }

  removeListener(event: string, listener: (...args: never[]) => unknown): this {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(
      event,
      list.filter((l) => l !== listener),
    );
    return this;
  }

  off(event: string, listener: (...args: never[]) => unknown): this {
    return this.removeListener(event, listener);
  }

  /** Calls every listener for `event`, like Node's EventEmitter#emit. */
  emit(event: string, ...args: unknown[]): boolean {
    const list = [...(this.listeners.get(event) ?? [])];
    for (const listener of list) listener(...args);
    return list.length > 0;
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

/** An Electron-style event whose `preventDefault` can be checked afterwards. */
export function fakeEvent<T extends object = object>(extra?: T): { defaultPrevented: boolean; preventDefault(): void } & T {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
    ...(extra ?? ({} as T)),
  };
  return event;
}

export interface WindowOpenDetails {
  url: string;
}
export type WindowOpenHandler = (details: WindowOpenDetails) => { action: 'allow' | 'deny' };

export class FakeWebContents extends Emitter {
  windowOpenHandler: WindowOpenHandler | undefined;
  readonly send = vi.fn<(channel: string, ...args: unknown[]) => void>();
  destroyed = false;

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class BrowserWindow extends Emitter {
  static readonly instances: BrowserWindow[] = [];

  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.instances.filter((w) => !w.destroyed);
  }

  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn((_url: string) => Promise.resolve());
  readonly show = vi.fn<() => void>();
  readonly focus = vi.fn<() => void>();
  readonly restore = vi.fn<() => void>();
  readonly maximize = vi.fn(() => {
    this.maximized = true;
  });
  maximized = false;
  destroyed = false;
  bounds: Rect;

  constructor(readonly options: Record<string, unknown> = {}) {
    super();
    const num = (key: string, fallback: number): number => (typeof options[key] === 'number' ? options[key] : fallback);
    this.bounds = { x: num('x', 0), y: num('y', 0), width: num('width', 800), height: num('height', 600) };
    BrowserWindow.instances.push(this);
  }

  getNormalBounds(): Rect {
    return { ...this.bounds };
  }

  isMaximized(): boolean {
    return this.maximized;
  }

  isMinimized(): boolean {
    return false;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

class FakeApp extends Emitter {
  isPackaged = false;
  readonly paths = new Map<string, string>([['userData', '/tmp/parallax-mock-user-data']]);
  readonly quit = vi.fn<() => void>();
  readonly exit = vi.fn<() => void>();
  readonly enableSandbox = vi.fn<() => void>();
  readonly requestSingleInstanceLock = vi.fn(() => true);

  getPath(name: string): string {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`Fake app has no path "${name}".`);
    return path;
  }

  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }

  getVersion(): string {
    return '0.0.0-test';
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }
}

export type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends Emitter {
  readonly handlers = new Map<string, InvokeHandler>();

  handle(channel: string, handler: (...args: never[]) => unknown): void {
    // Electron throws on a second handler for the same channel; so does the fake.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler as InvokeHandler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Calls the handler for `channel` as Electron would for `ipcRenderer.invoke`. */
  invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(handler(event, ...args));
  }
}

class FakeIpcRenderer extends Emitter {
  readonly invoke = vi.fn((_channel: string, ..._args: unknown[]): Promise<unknown> => Promise.resolve({ ok: true, data: null }));
  readonly send = vi.fn<(channel: string, ...args: unknown[]) => void>();
}

class FakeContextBridge {
  readonly exposed = new Map<string, unknown>();
  readonly exposeInMainWorld = vi.fn((key: string, api: unknown) => {
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    this.exposed.set(key, api);
  });
}

export interface CustomScheme {
  scheme: string;
  privileges?: Record<string, boolean>;
}
export type ProtocolHandler = (request: Request) => Response | Promise<Response>;

class FakeProtocol {
  readonly privilegedSchemes: CustomScheme[] = [];
  readonly handlers = new Map<string, ProtocolHandler>();

  registerSchemesAsPrivileged(schemes: CustomScheme[]): void {
    this.privilegedSchemes.push(...schemes);
  }

  handle(scheme: string, handler: ProtocolHandler): void {
    this.handlers.set(scheme, handler);
  }

  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }
}

export interface HeadersReceivedDetails {
  url: string;
  responseHeaders?: Record<string, string[]>;
}
export type HeadersReceivedListener = (
  details: HeadersReceivedDetails,
  callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
) => void;
export type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
export type PermissionCheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;
export type DevicePermissionHandler = (details: unknown) => boolean;

class FakeSession {
  readonly webRequest = {
    headersReceived: undefined as HeadersReceivedListener | undefined,
    onHeadersReceived: (listener: HeadersReceivedListener): void => {
      this.webRequest.headersReceived = listener;
    },
  };
  permissionRequestHandler: PermissionRequestHandler | undefined;
  permissionCheckHandler: PermissionCheckHandler | undefined;
  devicePermissionHandler: DevicePermissionHandler | undefined;

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: DevicePermissionHandler): void {
    this.devicePermissionHandler = handler;
  }
}

const FAKE_CIPHER_PREFIX = 'fake-safe-storage:v1:';

/** Reversible, obviously-not-plaintext "encryption": a prefix plus the bytes reversed and XORed. */
function scramble(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => b ^ 0x5a).reverse());
}

class FakeSafeStorage {
  available = true;
  backend: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown' = 'gnome_libsecret';
  /** Set to make the next decryption ask for re-encryption, as after a key rotation. */
  shouldReEncrypt = false;

  isAsyncEncryptionAvailable(): Promise<boolean> {
    return Promise.resolve(this.available);
  }

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  getSelectedStorageBackend(): FakeSafeStorage['backend'] {
    return this.backend;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    return Buffer.concat([Buffer.from(FAKE_CIPHER_PREFIX), scramble(Buffer.from(plainText, 'utf8'))]);
  }

  decryptString(encrypted: Buffer): string {
    const prefix = Buffer.from(FAKE_CIPHER_PREFIX);
    if (!encrypted.subarray(0, prefix.length).equals(prefix)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return scramble(encrypted.subarray(prefix.length)).toString('utf8');
  }

  encryptStringAsync(plainText: string): Promise<Buffer> {
    try {
      return Promise.resolve(this.encryptString(plainText));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    try {
      const result = this.decryptString(encrypted);
      const shouldReEncrypt = this.shouldReEncrypt;
      this.shouldReEncrypt = false;
      return Promise.resolve({ result, shouldReEncrypt });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  setUsePlainTextEncryption(_usePlainText: boolean): void {}
}

export const app = new FakeApp();
export const ipcMain = new FakeIpcMain();
export const ipcRenderer = new FakeIpcRenderer();
export const contextBridge = new FakeContextBridge();
export const protocol = new FakeProtocol();
export const session = { defaultSession: new FakeSession() };
export const shell = { openExternal: vi.fn((_url: string) => Promise.resolve()), openPath: vi.fn((_path: string) => Promise.resolve('')) };
export const safeStorage = new FakeSafeStorage();
export const screen = {
  getAllDisplays: vi.fn(() => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 }, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }]),
};
export const dialog = { showErrorBox: vi.fn<(title: string, content: string) => void>() };

/** Puts every fake back to its first state. */
export function resetElectronMock(): void {
  for (const emitter of [app, ipcMain, ipcRenderer]) emitter.listeners.clear();
  app.isPackaged = false;
  app.paths.clear();
  app.paths.set('userData', '/tmp/parallax-mock-user-data');
  app.quit.mockClear();
  app.exit.mockClear();
  app.enableSandbox.mockClear();
  app.requestSingleInstanceLock.mockClear();
  ipcMain.handlers.clear();
  ipcRenderer.invoke.mockClear();
  ipcRenderer.send.mockClear();
  contextBridge.exposed.clear();
  contextBridge.exposeInMainWorld.mockClear();
  protocol.privilegedSchemes.length = 0;
  protocol.handlers.clear();
  session.defaultSession = new FakeSession();
  shell.openExternal.mockClear();
  shell.openPath.mockClear();
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
  safeStorage.shouldReEncrypt = false;
  screen.getAllDisplays.mockClear();
  dialog.showErrorBox.mockClear();
  BrowserWindow.instances.length = 0;
}

export default {
  app,
  BrowserWindow,
  ipcMain,
  ipcRenderer,
  contextBridge,
  protocol,
  session,
  shell,
  safeStorage,
  screen,
  dialog,
};
