import { create } from 'zustand';
import type { KeyHostApproval } from '../../../shared/key-hosts';
import { api } from '../bridge/current';
import { messageOf } from './errors';

/** Keys for other hosts: environment variables the person allowed to go to a host not their own. */
interface KeyHostsState {
  approvals: KeyHostApproval[];
  error: string | undefined;
  refresh(): Promise<void>;
  add(approval: KeyHostApproval): Promise<void>;
  remove(approval: KeyHostApproval): Promise<void>;
}

export const useKeyHosts = create<KeyHostsState>()((set) => ({
  approvals: [],
  error: undefined,
  async refresh() {
    try {
      set({ approvals: (await api()['keyHosts.list']({})).approvals, error: undefined });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async add(approval) {
    set({ approvals: (await api()['keyHosts.add'](approval)).approvals, error: undefined });
  },
  async remove(approval) {
    set({ approvals: (await api()['keyHosts.remove'](approval)).approvals, error: undefined });
  },
}));
