/**
 * Where API keys live. The desktop keeps them as safeStorage ciphertext (electron/vault.ts);
 * browser mode and the CLI keep what is typed in memory only and otherwise read environment
 * variables. Nothing here ever writes a key to the database or a log.
 */
import { SecretRedactor } from '../../shared/redact';
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

/** Masks a key in a text, in every form a server might echo it (shared/redact.ts). */
export function redact(text: string, key: string | undefined): string {
  return new SecretRedactor([key]).redact(text);
}

/**
 * Every key this process has sent or been given: saved keys, the environment variables
 * providers read, a CLI config's keys. Text from any provider is masked for all of them before
 * it is stored, shown or written, whichever provider it came from.
 */
export class KnownSecrets {
  private readonly keys = new Set<string>();
  private redactor: SecretRedactor | undefined;

  add(...keys: readonly (string | undefined)[]): void {
    for (const key of keys) {
      if (key === undefined || key === '' || this.keys.has(key)) continue;
      this.keys.add(key);
      this.redactor = undefined;
    }
  }

  list(): string[] {
    return [...this.keys];
  }

  redact(text: string): string {
    if (this.keys.size === 0) return text;
    this.redactor ??= new SecretRedactor(this.keys);
    return this.redactor.redact(text);
  }
}
