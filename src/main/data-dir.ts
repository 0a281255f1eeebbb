import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The folder Electron's userData would be, so the CLI, browser mode and the app share runs. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Parallax');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Parallax');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Parallax');
}

/*
 * The data folder holds every prompt, test case, answer and the encrypted keys: it is the
 * owner's alone. On POSIX systems the folder is 0700 and every file Parallax keeps in it 0600;
 * a folder or file found with wider modes is narrowed when Parallax opens it (never widened).
 * Windows has no such modes (the folder under %APPDATA% is already the user's own), and a
 * file system that cannot change modes (FAT, some network shares) is left as it is.
 */

/** Owner only: read, write and enter. */
export const PRIVATE_DIR_MODE = 0o700;
/** Owner only: read and write. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Takes group and other permissions away from `path` so it has at most `mode`; bits already
 * off stay off. Best effort: a missing path, a file owned by someone else or a file system
 * without modes is left alone.
 */
export function restrictMode(path: string, mode: number, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  try {
    const current = statSync(path).mode & 0o777;
    const narrowed = current & mode;
    if (narrowed !== current) chmodSync(path, narrowed);
  } catch {
    // Not there yet, not ours, or modes are not supported: nothing to narrow.
  }
}

/** Creates the data folder owner-only (its parents as usual), or narrows an existing one. */
export function ensurePrivateDir(dir: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  restrictMode(dir, PRIVATE_DIR_MODE, platform);
}

/**
 * Makes sure `path` exists as an owner-only file before another library opens it, so it is
 * never readable by others even for a moment; an existing file is narrowed instead.
 */
export function ensurePrivateFile(path: string, platform: NodeJS.Platform = process.platform): void {
  // 'a' creates the file when missing and never truncates one that is there.
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  restrictMode(path, PRIVATE_FILE_MODE, platform);
}
