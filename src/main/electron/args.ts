/**
 * The data folder for the desktop app. Electron adds its own switches to argv (and a
 * packaged app has no script path), so this scans for our flag rather than parsing strictly.
 */
import { resolve } from 'node:path';

export function dataDirFromArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--data-dir') {
      const value = argv[i + 1];
      if (value && !value.startsWith('--')) return resolve(value);
    } else if (arg?.startsWith('--data-dir=')) {
      const value = arg.slice('--data-dir='.length);
      if (value) return resolve(value);
    }
  }
  const fromEnv = env.PARALLAX_DATA_DIR;
  return fromEnv ? resolve(fromEnv) : undefined;
}
