/**
 * Each provider's personal-data policy as main applies it (src/shared/pii/kinds.ts), for Settings
 * and the preview.
 */
import { create } from 'zustand';
import type { EffectivePii, PiiSettings } from '../../../shared/pii/kinds';
import { api } from '../bridge/current';
import { messageOf } from './errors';

interface PiiState {
  policies: Record<string, EffectivePii>;
  error: string | undefined;
  refresh(): Promise<void>;
  save(providerId: string, settings: PiiSettings): Promise<void>;
}

export const usePii = create<PiiState>()((set, get) => ({
  policies: {},
  error: undefined,
  async refresh() {
    try {
      set({ policies: await api()['pii.settings']({}), error: undefined });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async save(providerId, settings) {
    // Shown at once (a checkbox must not wait for main); main's answer then replaces it.
    const current = get().policies[providerId];
    if (current) {
      const remote = settings.remote ?? current.remote;
      set((s) => ({
        policies: { ...s.policies, [providerId]: { remote, policy: settings.policy ?? (remote ? 'mask' : 'off'), remoteSet: settings.remote !== undefined, policySet: settings.policy !== undefined } },
      }));
    }
    try {
      const saved = await api()['pii.save']({ providerId, settings });
      set((s) => ({ policies: { ...s.policies, [providerId]: saved }, error: undefined }));
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
}));
