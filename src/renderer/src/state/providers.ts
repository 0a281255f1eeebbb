import { create } from 'zustand';
import type { ProviderInfo, ProviderInput } from '../../../shared/schemas';
import { api } from '../bridge/current';
import { messageOf } from './errors';

type Models = { state: 'loading' } | { state: 'ok'; models: string[] } | { state: 'error'; message: string };

interface ProvidersState {
  providers: ProviderInfo[];
  error: string | undefined;
  models: Record<string, Models>;
  refresh(): Promise<void>;
  save(input: ProviderInput): Promise<ProviderInfo>;
  remove(id: string): Promise<void>;
  loadModels(providerId: string, force?: boolean): Promise<void>;
}

export const useProviders = create<ProvidersState>()((set, get) => ({
  providers: [],
  error: undefined,
  models: {},
  async refresh() {
    try {
      set({ providers: await api()['providers.list']({}), error: undefined });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async save(input) {
    const saved = await api()['providers.save'](input);
    await get().refresh();
    set((s) => {
      const models = { ...s.models };
      delete models[saved.id];
      return { models };
    });
    return saved;
  },
  async remove(id) {
    await api()['providers.remove']({ id });
    await get().refresh();
  },
  async loadModels(providerId, force = false) {
    const existing = get().models[providerId];
    if (existing && !force && existing.state !== 'error') return;
    set((s) => ({ models: { ...s.models, [providerId]: { state: 'loading' } } }));
    try {
      const { models } = await api()['providers.models']({ providerId });
      set((s) => ({ models: { ...s.models, [providerId]: { state: 'ok', models } } }));
    } catch (error) {
      set((s) => ({ models: { ...s.models, [providerId]: { state: 'error', message: messageOf(error) } } }));
    }
  },
}));
