/**
 * Where API keys live. The desktop keeps them as safeStorage ciphertext (electron/vault.ts);
 * browser mode and the CLI keep what is typed in memory only and otherwise read environment
 * variables. Nothing here ever writes a key to the database or a log.
 */
import type { KeyStatus } from '../../shared/schemas';

export interface SecretStore {
  readonly kind: 'vault' | 'memory';
  get(providerId: string): Promise<string | undefined>;
  set(providerId: string, key: string): Promise<void>;
  delete(providerId: string): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory';
  private readonly keys = new Map<string, string>();
  get(providerId: string): Promise<string | undefined> {
    return Promise.resolve(this.keys.get(providerId));
  }
  set(providerId: string, key: string): Promise<void> {
    this.keys.set(providerId, key);
    return Promise.resolve();
  }
  delete(providerId: string): Promise<void> {
    this.keys.delete(providerId);
    return Promise.resolve();
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** A key and where it came from: a stored key wins over the environment. */
export async function resolveKey(
  secrets: SecretStore,
  env: Environment,
  providerId: string,
  apiKeyEnvar: string | undefined,
): Promise<{ key: string | undefined; status: KeyStatus }> {
  const stored = await secrets.get(providerId);
  if (stored) return { key: stored, status: { configured: true, last4: stored.slice(-4), source: secrets.kind } };
  const fromEnv = apiKeyEnvar ? env[apiKeyEnvar] : undefined;
  // Never any part of an environment variable: only that it is set.
  if (fromEnv) return { key: fromEnv, status: { configured: true, source: 'env' } };
  return { key: undefined, status: { configured: false, source: 'none' } };
}

/** Replaces every occurrence of a key in a text, for error messages that echo a request. */
export function redact(text: string, key: string | undefined): string {
  if (!key || key.length < 4) return text;
  return text.split(key).join(`…${key.slice(-4)}`);
}
