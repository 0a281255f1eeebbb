import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetElectronMock, safeStorage } from '../mocks/electron';
import { VAULT_FILE, VaultSecretStore } from '../../src/main/electron/vault';
import { AppError } from '../../src/shared/errors';
import { resolveKey } from '../../src/main/secrets/secrets';

vi.mock('electron', () => import('../mocks/electron'));

const KEY = 'sk-proj-VerySecretKeyValue-9876';

describe('VaultSecretStore', () => {
  let dataDir: string;
  let vault: VaultSecretStore;

  beforeEach(() => {
    resetElectronMock();
    dataDir = mkdtempSync(join(tmpdir(), 'parallax-vault-'));
    vault = new VaultSecretStore(dataDir, safeStorage, 'linux');
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('round-trips set, get and delete', async () => {
    expect(vault.kind).toBe('vault');
    expect(await vault.get('openai')).toBeUndefined();
    await vault.set('openai', KEY);
    await vault.set('groq', 'gsk-other-key-0000');
    expect(await vault.get('openai')).toBe(KEY);
    expect(await vault.get('groq')).toBe('gsk-other-key-0000');
    await vault.delete('openai');
    expect(await vault.get('openai')).toBeUndefined();
    expect(await vault.get('groq')).toBe('gsk-other-key-0000');
  });

  it('survives a restart: a new store on the same folder reads the keys back', async () => {
    await vault.set('openai', KEY);
    const again = new VaultSecretStore(dataDir, safeStorage, 'linux');
    expect(await again.get('openai')).toBe(KEY);
  });

  it('writes only base64 ciphertext, never the plain key, to a 0600 file', async () => {
    await vault.set('openai', KEY);
    const file = join(dataDir, VAULT_FILE);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('VerySecret');
    const parsed = JSON.parse(text) as { keys: Record<string, string> };
    expect(Object.keys(parsed.keys)).toEqual(['openai']);
    expect(parsed.keys.openai).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(parsed.keys.openai ?? '', 'base64').toString('utf8')).not.toContain(KEY);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    // The atomic write leaves no temporary file behind.
    expect(readdirSync(dataDir)).toEqual([VAULT_FILE]);
  });

  it('keeps every key when saves overlap', async () => {
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => vault.set(id, `key-for-${id}`)));
    const fresh = new VaultSecretStore(dataDir, safeStorage, 'linux');
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(await fresh.get(id)).toBe(`key-for-${id}`);
  });

  it('refuses to store a key when encryption is unavailable, and says to use an environment variable', async () => {
    safeStorage.available = false;
    const error = await vault.set('openai', KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('forbidden');
    expect((error as AppError).message).toMatch(/cannot be stored securely/);
    expect((error as AppError).message).toMatch(/environment variable/);
    expect((error as AppError).message).not.toContain(KEY);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("treats Linux's basic_text backend (a fixed password) as unavailable", async () => {
    safeStorage.backend = 'basic_text';
    await expect(vault.set('openai', KEY)).rejects.toMatchObject({ code: 'forbidden' });
    // The same backend name means nothing on other systems.
    await expect(new VaultSecretStore(dataDir, safeStorage, 'darwin').set('openai', KEY)).resolves.toBeUndefined();
  });

  it('still lets environment keys work when the vault cannot encrypt', async () => {
    safeStorage.available = false;
    const resolved = await resolveKey(vault, { OPENAI_API_KEY: 'sk-env-key-5555' }, 'openai', 'OPENAI_API_KEY');
    expect(resolved.key).toBe('sk-env-key-5555');
    expect(resolved.status).toEqual({ configured: true, source: 'env' });
    expect(JSON.stringify(resolved.status)).not.toContain('5555');
    await expect(vault.delete('openai')).resolves.toBeUndefined();
  });

  it('treats a key that can no longer be decrypted as not set, without logging it', async () => {
    writeFileSync(join(dataDir, VAULT_FILE), JSON.stringify({ version: 1, keys: { openai: Buffer.from('garbage').toString('base64') } }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await new VaultSecretStore(dataDir, safeStorage, 'linux').get('openai')).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('openai');
    warn.mockRestore();
  });

  it('re-encrypts a key when the OS asks for it', async () => {
    await vault.set('openai', KEY);
    const before = readFileSync(join(dataDir, VAULT_FILE), 'utf8');
    safeStorage.shouldReEncrypt = true;
    const encrypt = vi.spyOn(safeStorage, 'encryptStringAsync');
    expect(await vault.get('openai')).toBe(KEY);
    expect(encrypt).toHaveBeenCalledTimes(1);
    expect(readFileSync(join(dataDir, VAULT_FILE), 'utf8')).toBe(before);
    encrypt.mockRestore();
  });

  it('reports a damaged key file with a way out', async () => {
    writeFileSync(join(dataDir, VAULT_FILE), '{not json');
    await expect(new VaultSecretStore(dataDir, safeStorage, 'linux').get('openai')).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/damaged.*enter your API keys again/) as unknown,
    });
  });
});
