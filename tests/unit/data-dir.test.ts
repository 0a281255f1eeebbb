/**
 * The data folder and what Parallax keeps in it are the owner's alone: a new folder is 0700,
 * the database and its -wal/-shm files 0600, the key file and the window preferences 0600, and
 * an existing folder or database with wider modes is narrowed when Parallax opens it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensurePrivateDir, ensurePrivateFile, restrictMode } from '../../src/main/data-dir';
import { VAULT_FILE, VaultSecretStore } from '../../src/main/electron/vault';
import { DATABASE_FILE, Store } from '../../src/main/store/store';
import { resetElectronMock, safeStorage } from '../mocks/electron';

vi.mock('electron', () => import('../mocks/electron'));
const storeOptions: Record<string, unknown>[] = [];
vi.mock('electron-store', () => ({
  default: class {
    constructor(options: Record<string, unknown>) {
      storeOptions.push(options);
    }
    get(): unknown {
      return undefined;
    }
    set(): void {}
  },
}));

const posix = process.platform !== 'win32';
const modeOf = (path: string): number => statSync(path).mode & 0o777;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'parallax-modes-'));
  resetElectronMock();
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe.runIf(posix)('file modes in the data folder (POSIX)', () => {
  it('a new data folder is 0700 and its database, -wal and -shm are 0600', () => {
    const dataDir = join(root, 'nested', 'Parallax');
    const store = new Store(dataDir);
    try {
      // Something written, so the WAL is in use.
      store.library.create({ name: 'p', description: '', tags: [] }, { messages: [{ role: 'user', content: 'hi' }], variables: {} }, 'save');
      expect(modeOf(dataDir)).toBe(0o700);
      const db = join(dataDir, DATABASE_FILE);
      for (const file of [db, `${db}-wal`, `${db}-shm`]) {
        expect(existsSync(file), file).toBe(true);
        expect(modeOf(file), file).toBe(0o600);
      }
    } finally {
      store.close();
    }
  });

  it('narrows an existing 0755 folder and 0644 database (and its -wal) when it opens them', () => {
    const dataDir = join(root, 'old');
    new Store(dataDir).close();
    const db = join(dataDir, DATABASE_FILE);
    chmodSync(dataDir, 0o755);
    chmodSync(db, 0o644);
    writeFileSync(`${db}-wal`, '');
    chmodSync(`${db}-wal`, 0o664);
    const store = new Store(dataDir);
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(db)).toBe(0o600);
      expect(modeOf(`${db}-wal`)).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('only ever takes permissions away', () => {
    const file = join(root, 'read-only');
    writeFileSync(file, 'x');
    chmodSync(file, 0o400);
    restrictMode(file, 0o600);
    expect(modeOf(file)).toBe(0o400);
    ensurePrivateFile(file);
    expect(modeOf(file)).toBe(0o400);
    // A path that is not there is no error.
    expect(() => restrictMode(join(root, 'missing'), 0o600)).not.toThrow();
  });

  it('leaves modes alone on Windows, where they do not exist', () => {
    const dir = join(root, 'win');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    ensurePrivateDir(dir, 'win32');
    expect(modeOf(dir)).toBe(0o755);
  });

  it('keeps the key file 0600 in a 0700 folder, and narrows a key file found wider', async () => {
    const dataDir = join(root, 'keys');
    const vault = new VaultSecretStore(dataDir, safeStorage, 'linux');
    await vault.set('openai', 'sk-test-0000000000000000');
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, VAULT_FILE))).toBe(0o600);
    chmodSync(join(dataDir, VAULT_FILE), 0o644);
    expect(await new VaultSecretStore(dataDir, safeStorage, 'linux').get('openai')).toBe('sk-test-0000000000000000');
    expect(modeOf(join(dataDir, VAULT_FILE))).toBe(0o600);
  });
});

describe('window preferences', () => {
  it('are kept in an owner-only file in the data folder', async () => {
    const { createWindowStateStore } = await import('../../src/main/electron/prefs');
    createWindowStateStore(root);
    expect(storeOptions.at(-1)).toMatchObject({ name: 'ui-prefs', cwd: root, configFileMode: 0o600 });
  });
});
