/**
 * Personal data and providers: each provider's policy (saved in `kv`, so the built-in echo has
 * one too) and what it does to a request on its way out (src/shared/pii/mask.ts). A provider
 * is remote unless its base URL is loopback; remote ones mask by default.
 */
import { z } from 'zod';
import type { Message } from '../../shared/schemas';
import { describeCounts, effectivePii, piiSettingsSchema, type EffectivePii, type PiiSettings } from '../../shared/pii/kinds';
import { maskMessages, type MaskOutcome, type PiiMapping } from '../../shared/pii/mask';
import { PiiScanner } from './scanner';

const SETTINGS_KEY = 'pii.providers';
const allSettingsSchema = z.record(z.string(), piiSettingsSchema);

/** The part of the store the guard needs. */
export interface PiiSettingsStore {
  getValue(key: string): string | undefined;
  setValue(key: string, value: string): void;
}

/** The base URL inside a provider's endpoint (src/main/providers/factory.ts endpointOf); none for echo. */
export function baseUrlOfEndpoint(endpoint: string): string | undefined {
  const at = endpoint.search(/https?:\/\//);
  return at >= 0 ? endpoint.slice(at) : undefined;
}

export class PiiGuard {
  readonly scanner: PiiScanner;

  constructor(
    private readonly store: PiiSettingsStore,
    scanner?: PiiScanner,
  ) {
    this.scanner = scanner ?? new PiiScanner();
  }

  /** Every provider's saved choices (anything unreadable counts as none). */
  settings(): Record<string, PiiSettings> {
    const text = this.store.getValue(SETTINGS_KEY);
    if (text === undefined) return {};
    try {
      const parsed = allSettingsSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** Saves a provider's choices; an absent field goes back to its default. */
  save(providerId: string, settings: PiiSettings): void {
    const all = this.settings();
    const kept: PiiSettings = { ...(settings.remote !== undefined ? { remote: settings.remote } : {}), ...(settings.policy !== undefined ? { policy: settings.policy } : {}) };
    if (Object.keys(kept).length === 0) delete all[providerId];
    else all[providerId] = kept;
    this.store.setValue(SETTINGS_KEY, JSON.stringify(all));
  }

  /** The policy that applies to a provider reached at `baseUrl` (none for echo). */
  policyOf(providerId: string, baseUrl: string | undefined): EffectivePii {
    return effectivePii(this.settings()[providerId], baseUrl);
  }

  /** What the provider's policy makes of a request (see maskMessages). */
  async prepare(providerId: string, endpoint: string, messages: readonly Message[]): Promise<{ pii: EffectivePii; outcome: MaskOutcome }> {
    const pii = this.policyOf(providerId, baseUrlOfEndpoint(endpoint));
    const outcome = await maskMessages(messages, pii.policy, (text) => this.scanner.scan(text));
    return { pii, outcome };
  }

  /**
   * A grader's request (a judge's prompt, a text to embed or to moderate) under the grader's own
   * policy, as a cell's request is under its provider's: the messages to send and the mapping
   * that restores its answer. It carries the row's values, the expected answer and the answer
   * with its values restored, so it is never sent unguarded. Throws when the policy stops it, so
   * the check fails and nothing is sent.
   */
  async forGrader(grader: { id: string; name: string; endpoint: string }, messages: readonly Message[]): Promise<{ messages: Message[]; mapping: PiiMapping }> {
    const { pii, outcome } = await this.prepare(grader.id, grader.endpoint, messages);
    if (outcome.action === 'refuse') throw new Error(`Not sent to the grader ${grader.name}: ${outcome.why}, and its personal-data policy is ${pii.policy}.`);
    if (outcome.action === 'block') {
      throw new Error(`Not sent to the grader ${grader.name}: the request holds personal data (${describeCounts(outcome.counts)}) and its personal-data policy is block.`);
    }
    return { messages: outcome.messages, mapping: outcome.mapping };
  }
}
