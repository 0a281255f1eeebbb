/**
 * UI preferences that belong to this machine rather than to the workspace (window bounds
 * for now), kept with electron-store. Nothing secret goes here.
 */
import Store from 'electron-store';
import { z } from 'zod';
import { PRIVATE_FILE_MODE } from '../data-dir';
import type { WindowState, WindowStateStore } from './window';

const windowStateSchema = z.object({
  x: z.number().optional(),
  y: z.number().optional(),
  width: z.number().positive(),
  height: z.number().positive(),
  maximized: z.boolean(),
});

interface UiPrefs {
  window?: unknown;
}

export function createWindowStateStore(cwd: string): WindowStateStore {
  let store: Store<UiPrefs> | undefined;
  try {
    // Owner-only like everything else in the data folder; conf also narrows an existing file on write.
    store = new Store<UiPrefs>({ name: 'ui-prefs', cwd, configFileMode: PRIVATE_FILE_MODE });
  } catch (error) {
    // A damaged prefs file must not stop the app from opening; the window just forgets its size.
    console.warn(`Window preferences could not be read and will not be remembered: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    load(): WindowState | undefined {
      // The file is the user's to edit; a bad value means "use the defaults", not a crash.
      const parsed = windowStateSchema.safeParse(store?.get('window'));
      return parsed.success ? parsed.data : undefined;
    },
    save(state: WindowState): void {
      store?.set('window', state);
    },
  };
}
