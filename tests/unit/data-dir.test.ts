/**
 * The data folder and what Parallax keeps in it are the owner's alone: a new folder is 0700,
 * the database and its -wal/-shm files 0600, the key file and the window preferences 0600, and
 * an existing folder or database with wider modes is narrowed when Parallax opens it. A folder
 * that is not Parallax's own (`--data-dir .`, a group's shared folder) keeps its mode, and the
 * CLI says so once.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dataDirWarning, ensurePrivateDir, ensurePrivateFile, restrictMode } from '../../src/main/data-dir';
import { dataDirOf, type CliIo } from '../../src/main/cli/main';
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

describe.runIf(posix)('a folder that is not Parallax’s own (POSIX)', () => {
  /** A 0755 folder with someone's file in it, as `--data-dir .` would be. */
  function sharedFolder(): string {
    const dir = join(root, 'project');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.md'), 'mine');
    return dir;
  }

  it('keeps its mode, on the first run and after a database is in it, and says why', () => {
    const dir = sharedFolder();
    const warning = ensurePrivateDir(dir);
    expect(warning).toContain(dir);
    expect(warning).toContain('0755');
    expect(modeOf(dir)).toBe(0o755);
    for (let run = 0; run < 2; run++) {
      new Store(dir).close();
      expect(modeOf(dir), `run ${run}`).toBe(0o755);
      // What Parallax keeps there is still the owner's alone.
      expect(modeOf(join(dir, DATABASE_FILE))).toBe(0o600);
      expect(dataDirWarning(dir)).toBe(warning);
    }
  });

  it('keeps the mode of an empty folder it did not make, and of a group-shared one', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    chmodSync(empty, 0o750);
    expect(ensurePrivateDir(empty)).toContain('0750');
    expect(modeOf(empty)).toBe(0o750);
    const group = join(root, 'team');
    mkdirSync(group);
    chmodSync(group, 0o2770);
    new Store(group).close();
    expect(statSync(group).mode & 0o7777).toBe(0o2770);
  });

  it('warns about nothing for a folder not there yet, a private one or Parallax’s own, or on Windows', () => {
    expect(dataDirWarning(join(root, 'missing'))).toBeUndefined();
    expect(ensurePrivateDir(join(root, 'new'))).toBeUndefined();
    expect(modeOf(join(root, 'new'))).toBe(0o700);
    const own = join(root, 'own');
    new Store(own).close();
    chmodSync(own, 0o755);
    expect(dataDirWarning(own)).toBeUndefined();
    expect(ensurePrivateDir(own)).toBeUndefined();
    expect(modeOf(own)).toBe(0o700);
    const shared = sharedFolder();
    expect(dataDirWarning(shared, 'win32')).toBeUndefined();
    chmodSync(shared, 0o700);
    expect(dataDirWarning(shared)).toBeUndefined();
  });

  it('the CLI says so once, on stderr, when --data-dir names such a folder', () => {
    const dir = sharedFolder();
    const stderr: string[] = [];
    const io: CliIo = { stdout: () => undefined, stderr: (text) => stderr.push(text), env: {}, cwd: dir };
    expect(dataDirOf('.', io)).toBe(dir);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^warning: The data folder .* leaves its permissions as they are \(0755/);
    expect(dataDirOf(undefined, { ...io, env: { PARALLAX_DATA_DIR: join(root, 'fresh') } })).toBe(join(root, 'fresh'));
    expect(stderr).toHaveLength(1);
  });
});

describe('window preferences', () => {
  it('are kept in an owner-only file in the data folder', async () => {
    const { createWindowStateStore } = await import('../../src/main/electron/prefs');
    createWindowStateStore(root);
    expect(storeOptions.at(-1)).toMatchObject({ name: 'ui-prefs', cwd: root, configFileMode: 0o600 });
  });
});
