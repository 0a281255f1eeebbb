/**
 * API keys for the desktop app, kept as safeStorage ciphertext (the OS keychain, DPAPI or
 * the Secret Service holds the encryption key) in `keys.json` in the data folder. Plain keys
 * exist only in memory, in main, for as long as a request needs them; nothing here logs one.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { AppError } from '../../shared/errors';
import { PRIVATE_FILE_MODE, ensurePrivateDir, restrictMode } from '../data-dir';
import type { SecretStore } from '../secrets/secrets';

export const VAULT_FILE = 'keys.json';

export type VaultCrypto = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

interface VaultFile {
  version: 1;
  /** Provider id → base64 safeStorage ciphertext. */
  keys: Record<string, string>;
}

const UNAVAILABLE_MESSAGE =
  'API keys cannot be stored securely on this system (no OS keychain or secret service is available to encrypt them). ' +
  'Set the key in an environment variable instead (OPENAI_API_KEY, or the variable named in the provider settings) and restart Parallax.';

function parseVaultFile(text: string): Map<string, string> {
  const parsed: unknown = JSON.parse(text);
  const keys = new Map<string, string>();
  if (typeof parsed !== 'object' || parsed === null || !('keys' in parsed)) return keys;
  const entries: unknown = parsed.keys;
  if (typeof entries !== 'object' || entries === null) return keys;
  for (const [id, value] of Object.entries(entries)) {
    if (typeof value === 'string') keys.set(id, value);
  }
  return keys;
}

export class VaultSecretStore implements SecretStore {
  readonly kind = 'vault';
  private readonly file: string;
  private cache: Map<string, string> | undefined;
  /** Writes run one after another so two saves cannot lose each other's key. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    private readonly crypto: VaultCrypto,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.file = join(dataDir, VAULT_FILE);
  }

  async get(providerId: string): Promise<string | undefined> {
    const ciphertext = (await this.load()).get(providerId);
    if (ciphertext === undefined) return undefined;
    try {
      const { result, shouldReEncrypt } = await this.crypto.decryptStringAsync(Buffer.from(ciphertext, 'base64'));
      if (shouldReEncrypt) {
        // The OS rotated or upgraded the encryption key; store the key under the new one.
        await this.set(providerId, result).catch(() => undefined);
      }
      return result;
    } catch {
      // A key that cannot be decrypted (keychain reset, another user's file) counts as not
      // set, so the provider falls back to its environment variable and Settings asks again.
      console.warn(`The stored API key for provider ${providerId} could not be decrypted; enter it again in Settings.`);
      return undefined;
    }
  }

  set(providerId: string, key: string): Promise<void> {
    return this.mutate(async (keys) => {
      await this.assertAvailable();
      const ciphertext = await this.crypto.encryptStringAsync(key);
      keys.set(providerId, ciphertext.toString('base64'));
    });
  }

  delete(providerId: string): Promise<void> {
    return this.mutate((keys) => {
      keys.delete(providerId);
      return Promise.resolve();
    });
  }

  private async assertAvailable(): Promise<void> {
    const available = await this.crypto.isAsyncEncryptionAvailable();
    // On Linux without a secret service, Chromium "encrypts" with a fixed, public password.
    const weak = this.platform === 'linux' && this.crypto.getSelectedStorageBackend() === 'basic_text';
    if (!available || weak) throw new AppError('forbidden', UNAVAILABLE_MESSAGE);
  }

  private async load(): Promise<Map<string, string>> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
      // A key file copied in or left with wider modes is narrowed to the owner's alone.
      restrictMode(this.file, PRIVATE_FILE_MODE, this.platform);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache = new Map();
        return this.cache;
      }
      throw error;
    }
    try {
      this.cache = parseVaultFile(text);
    } catch {
      throw new AppError('internal', `The key file ${this.file} is damaged. Delete it and enter your API keys again in Settings.`);
    }
    return this.cache;
  }

  private mutate(change: (keys: Map<string, string>) => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      const current = await this.load();
      const next = new Map(current);
      await change(next);
      if (next.size === current.size && [...next].every(([id, value]) => current.get(id) === value)) return;
      await this.write(next);
      this.cache = next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(keys: Map<string, string>): Promise<void> {
    const body: VaultFile = { version: 1, keys: Object.fromEntries(keys) };
    ensurePrivateDir(this.dataDir, this.platform);
    // Write a temporary file and rename it over the old one, so a crash leaves one or the other.
    const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
