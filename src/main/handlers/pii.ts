/**
 * Personal data (docs/architecture.md, "Personal data"): each provider's policy, and the
 * preview of what a request would have masked, so the page never runs the detectors itself.
 */
import type { Handlers } from '../../shared/contract';
import { ECHO_PROVIDER_ID } from '../../shared/providers';
import type { EffectivePii } from '../../shared/pii/kinds';
import { hintOf, maskMessages } from '../../shared/pii/mask';
import type { PiiGuard } from '../pii/guard';
import type { Store } from '../store/store';

type PiiHandlers = Pick<Handlers, 'pii.settings' | 'pii.save' | 'pii.preview'>;

export function piiHandlers(store: Store, guard: PiiGuard): PiiHandlers {
  const baseUrlOf = (providerId: string): string | undefined => (providerId === ECHO_PROVIDER_ID ? undefined : store.getProvider(providerId)?.baseUrl);
  return {
    'pii.settings': () => {
      const all: Record<string, EffectivePii> = { [ECHO_PROVIDER_ID]: guard.policyOf(ECHO_PROVIDER_ID, undefined) };
      for (const provider of store.listProviders()) all[provider.id] = guard.policyOf(provider.id, provider.baseUrl);
      return Promise.resolve(all);
    },
    'pii.save': ({ providerId, settings }) => {
      guard.save(providerId, settings);
      return Promise.resolve(guard.policyOf(providerId, baseUrlOf(providerId)));
    },
    'pii.preview': async ({ providerId, messages }) => {
      const pii = guard.policyOf(providerId, baseUrlOf(providerId));
      let complete = true;
      // What mask would send, whatever the policy: the preview shows what the detectors find.
      const outcome = await maskMessages(messages, 'mask', async (text) => {
        const scanned = await guard.scanner.scan(text);
        complete &&= scanned.complete;
        return { spans: scanned.spans, complete: true };
      });
      if (outcome.action !== 'send') return { pii, found: [], counts: {}, complete: false };
      const found = Object.entries(outcome.mapping).flatMap(([placeholder, value]) => {
        const kind = outcome.kinds[placeholder];
        return kind === undefined ? [] : [{ placeholder, kind, hint: hintOf(kind, value) }];
      });
      return { pii, found, counts: outcome.counts, complete };
    },
  };
}
