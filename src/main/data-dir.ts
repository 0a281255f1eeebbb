import { homedir } from 'node:os';
import { join } from 'node:path';

/** The folder Electron's userData would be, so the CLI, browser mode and the app share runs. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Parallax');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Parallax');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Parallax');
}
