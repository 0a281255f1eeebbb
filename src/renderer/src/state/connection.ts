/** Whether main still takes this page's calls (browser mode's token goes stale when the server restarts). */
import { create } from 'zustand';
import type { BridgeAccess } from '../bridge';

export const useConnection = create<{ access: BridgeAccess }>()(() => ({ access: 'ok' }));
