import { chmodSync, closeSync, mkdirSync, openSync, opendirSync, statSync } from 'node:fs';
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
 * The exception is a folder that is not Parallax's own: one given as the data folder that
 * already held other things (`--data-dir .`, a group's shared folder). Its mode is the owner's
 * business: it is left as it is, and the CLI and browser mode say so once when they start.
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

/** The names Parallax keeps in its data folder (the database, its journal files, the key file). */
const OWN_ENTRY = /^(?:parallax\.db(?:-wal|-shm|-journal)?|keys\.json(?:\..+\.tmp)?|ui-prefs\.json)$/;

/**
 * True when a folder is Parallax's own data folder: it holds the database and nothing but what
 * Parallax keeps there. A folder with anything else in it is someone's folder that Parallax was
 * pointed at, even after a run has left a database in it.
 */
function isOwnDataDir(dir: string): boolean {
  let database = false;
  try {
    const entries = opendirSync(dir);
    try {
      for (let entry = entries.readSync(); entry !== null; entry = entries.readSync()) {
        if (!OWN_ENTRY.test(entry.name)) return false;
        if (entry.name === 'parallax.db') database = true;
      }
    } finally {
      entries.closeSync();
    }
  } catch {
    return false;
  }
  return database;
}

/**
 * Creates the data folder owner-only (its parents as usual). An existing folder is narrowed
 * only when it is Parallax's own (see isOwnDataDir); another keeps its mode, and the warning for
 * it (see dataDirWarning) is returned.
 */
export function ensurePrivateDir(dir: string, platform: NodeJS.Platform = process.platform): string | undefined {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (!isOwnDataDir(dir)) return dataDirWarning(dir, platform);
  restrictMode(dir, PRIVATE_DIR_MODE, platform);
  return undefined;
}

/**
 * One line for a person when the data folder is an existing folder that is not Parallax's own
 * and others may enter it: Parallax leaves its mode alone (the files it keeps there are still
 * owner-only). Nothing for a folder not there yet (it will be created 0700), a private one or
 * Parallax's own (narrowed when opened), or on Windows.
 */
export function dataDirWarning(dir: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') return undefined;
  let mode: number;
  try {
    const stats = statSync(dir);
    if (!stats.isDirectory()) return undefined;
    mode = stats.mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & ~PRIVATE_DIR_MODE) === 0 || isOwnDataDir(dir)) return undefined;
  return `The data folder ${dir} is not a folder Parallax made for itself, so Parallax leaves its permissions as they are (${mode.toString(8).padStart(4, '0')}: others can see what is in it). The database and key file Parallax keeps there are readable by you alone. For a private library, give --data-dir a folder of its own.`;
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
