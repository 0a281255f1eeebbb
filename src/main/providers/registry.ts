/**
 * Which providers exist and how to reach them: the built-in echo, the endpoints saved in
 * Settings, and (for the CLI) providers a config file declares for one run.
 */
import { AppError } from '../../shared/errors';
import type { ProviderInfo } from '../../shared/schemas';
import { KnownSecrets, resolveKey, type Environment, type SecretStore } from '../secrets/secrets';
import type { RecordedProvider, Store, StoredProvider } from '../store/store';
import { hostOf, keyHostVerdict, refusalReason, type KeyHostApproval } from '../../shared/key-hosts';
import { loadKeyHostApprovals } from '../secrets/key-hosts';
import { ECHO_PROVIDER_ID, EchoProvider, type EchoOptions } from './echo';
import { createProvider, defaultKeyEnvarOf, endpointOf, envBaseUrlOf } from './factory';
import type { ChatProvider } from './types';

export interface ResolvedProvider {
  id: string;
  name: string;
  provider: ChatProvider;
  /** Requests allowed in flight at once for this provider. */
  concurrency: number;
  /** Where requests go (the base URL; the provider id for echo): part of the cache key. */
  endpoint: string;
}

export const DEFAULT_CONCURRENCY = 8;
const ECHO_CONCURRENCY = 64;
export class ProviderRegistry {
  private readonly transient = new Map<string, ResolvedProvider>();
  private readonly echo: EchoProvider;
  /** Every key resolved or registered here: text from any provider is masked for all of them. */
  readonly known = new KnownSecrets();
  /** Hosts key variables may go to for this process only (the CLI's --allow-key-host). */
  readonly extraKeyHosts: KeyHostApproval[] = [];
  /** Requests in flight at once for a provider a run recorded (the CLI sets its -j). */
  recordedConcurrency = DEFAULT_CONCURRENCY;
  private readonly recordedCache = new Map<string, ResolvedProvider>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretStore,
    private readonly env: Environment,
    echoOptions?: EchoOptions,
  ) {
    this.echo = new EchoProvider(echoOptions);
  }

  /** Adds a provider that lives only as long as this process (a CLI config's providers). */
  registerTransient(resolved: ResolvedProvider): void {
    this.known.add(...(resolved.provider.secrets?.() ?? []));
    this.transient.set(resolved.id, resolved);
  }

  async list(): Promise<ProviderInfo[]> {
    const echo: ProviderInfo = {
      id: ECHO_PROVIDER_ID,
      name: 'Echo (offline)',
      kind: 'echo',
      baseUrl: '',
      key: { configured: false, source: 'none' },
      builtIn: true,
      concurrency: ECHO_CONCURRENCY,
    };
    const saved = await Promise.all(this.store.listProviders().map((p) => this.info(p)));
    return [echo, ...saved];
  }

  async info(stored: StoredProvider): Promise<ProviderInfo> {
    const { status } = stored.needsReview
      ? { status: { configured: false, source: 'none' as const } }
      : await resolveKey(this.secrets, this.env, stored.id, stored.apiKeyEnvar).then((resolved) => {
          this.known.add(resolved.key);
          return resolved;
        });
    return {
      id: stored.id,
      name: stored.name,
      kind: stored.kind,
      ...(stored.api ? { api: stored.api } : {}),
      baseUrl: stored.baseUrl,
      // A variable an imported file named (older versions kept it) is not offered as a choice.
      ...(stored.apiKeyEnvar && !stored.needsReview ? { apiKeyEnvar: stored.apiKeyEnvar } : {}),
      key: status,
      builtIn: false,
      ...(stored.needsReview ? { needsReview: true } : {}),
      concurrency: stored.concurrency ?? DEFAULT_CONCURRENCY,
      ...(stored.timeouts ? { timeouts: stored.timeouts } : {}),
    };
  }

  /**
   * A key from an environment variable goes only to a host it belongs to: its own, loopback,
   * or one the person allowed (Settings → Keys for other hosts). A saved key is the person's
   * own, typed for this provider, and goes with it.
   */
  private async checkKeyHost(stored: StoredProvider): Promise<void> {
    const envar = stored.apiKeyEnvar;
    if (!envar || !this.env[envar] || (await this.secrets.get(stored.id))) return;
    const verdict = keyHostVerdict(envar, stored.baseUrl, loadKeyHostApprovals(this.store));
    if (verdict.ok) return;
    throw new AppError(
      'forbidden',
      `Parallax does not send the value of ${envar} to ${verdict.host} (${stored.name}): ${refusalReason(envar, verdict)}. ` +
        `Edit ${stored.name} in Settings and confirm sending ${envar} to ${verdict.host}, or give it another key.`,
    );
  }

  /**
   * A provider as a run recorded it (a config's, when the run is resumed by another process):
   * the key is read again from the variable it named, by the same rule as when the run
   * started (src/shared/key-hosts.ts), with today's approvals.
   */
  private resolveRecorded(recorded: RecordedProvider): ResolvedProvider {
    const baseUrl = (recorded.baseUrl ?? '').replace(/\/+$/, '');
    const kind = recorded.kind === 'echo' ? 'openai' : recorded.kind;
    const envar = recorded.apiKeyEnvar ?? defaultKeyEnvarOf(kind, this.env);
    const key = this.env[envar] || undefined;
    if (key !== undefined) {
      // A base URL that came from the person's own environment is where they send that vendor's default key, while it still does.
      const fromEnv =
        recorded.baseUrlFromEnv === true && envar === defaultKeyEnvarOf(kind, this.env) && envBaseUrlOf(kind, this.env) === baseUrl ? [{ envar, host: hostOf(baseUrl) ?? '' }] : [];
      const verdict = keyHostVerdict(envar, baseUrl, [...loadKeyHostApprovals(this.store), ...this.extraKeyHosts, ...fromEnv]);
      if (!verdict.ok) {
        throw new AppError(
          'forbidden',
          `Parallax does not send the value of ${envar} to ${verdict.host} (${recorded.name}): ${refusalReason(envar, verdict)}. ` +
            `Allow it with parallax eval --allow-key-host ${envar}=${verdict.host} or in Settings → Keys for other hosts, or unset ${envar}.`,
        );
      }
    }
    const cacheKey = JSON.stringify([recorded.id, kind, recorded.api ?? null, baseUrl, envar, key !== undefined, recorded.timeouts ?? null]);
    const cached = this.recordedCache.get(cacheKey);
    if (cached) return cached;
    this.known.add(key);
    const resolved: ResolvedProvider = {
      id: recorded.id,
      name: recorded.name,
      provider: createProvider({
        kind,
        ...(recorded.api ? { api: recorded.api } : {}),
        baseUrl,
        apiKey: key,
        otherSecrets: this.known.list().filter((k) => k !== key),
        ...(recorded.timeouts ? { timeouts: recorded.timeouts } : {}),
      }),
      concurrency: this.recordedConcurrency,
      endpoint: endpointOf(kind, recorded.api, baseUrl),
    };
    this.recordedCache.set(cacheKey, resolved);
    return resolved;
  }

  /**
   * How to reach a provider: echo, one this process registered, one the run recorded
   * (`recorded`: a config's providers, for a resumed CLI run), else one saved in Settings.
   */
  async resolve(providerId: string, recorded: readonly RecordedProvider[] = []): Promise<ResolvedProvider> {
    if (providerId === ECHO_PROVIDER_ID) {
      return { id: ECHO_PROVIDER_ID, name: 'Echo', provider: this.echo, concurrency: ECHO_CONCURRENCY, endpoint: ECHO_PROVIDER_ID };
    }
    const transient = this.transient.get(providerId);
    if (transient) return transient;
    const fromRun = recorded.find((p) => p.id === providerId && p.kind !== 'echo');
    if (fromRun) return this.resolveRecorded(fromRun);
    const stored = this.store.getProvider(providerId);
    if (!stored) throw new AppError('not_found', `No provider with id "${providerId}". It may have been removed in Settings.`);
    if (stored.needsReview) {
      throw new AppError(
        'forbidden',
        `${stored.name} came from an imported file. Check its base URL (${stored.baseUrl}) and key variable in Settings and confirm it before Parallax sends it anything.`,
      );
    }
    await this.checkKeyHost(stored);
    const { key } = await resolveKey(this.secrets, this.env, stored.id, stored.apiKeyEnvar);
    this.known.add(key);
    return {
      id: stored.id,
      name: stored.name,
      provider: createProvider({
        kind: stored.kind,
        ...(stored.api ? { api: stored.api } : {}),
        baseUrl: stored.baseUrl,
        apiKey: key,
        otherSecrets: this.known.list().filter((k) => k !== key),
        ...(stored.timeouts ? { timeouts: stored.timeouts } : {}),
      }),
      concurrency: stored.concurrency ?? DEFAULT_CONCURRENCY,
      endpoint: endpointOf(stored.kind, stored.api, stored.baseUrl),
    };
  }
}
