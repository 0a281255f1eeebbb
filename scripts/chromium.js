/**
 * Finds a Chromium for the end-to-end tests and benches, so a fresh machine needs nothing but
 * `npm ci`: CHROMIUM_PATH when set, else Debian's /usr/bin/chromium, else the headless Chromium
 * the @sparticuz/chromium package ships, unpacked into the temp folder on first use with the NSS
 * libraries from its al2023 archive (then only the base C libraries are needed from the system).
 * PARALLAX_BROWSER=bundled skips the first two (to test this path on a machine that has both).
 *
 * Prints nothing; `chromium()` returns the executable and the environment to launch it with.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEBIAN = '/usr/bin/chromium';

/** The bundled Chromium, unpacked (once) with the libraries and fonts it needs. */
async function bundled() {
  const entry = fileURLToPath(import.meta.resolve('@sparticuz/chromium'));
  const bin = join(dirname(entry), '..', 'bin');
  const { default: Sparticuz } = await import(pathToFileURL(entry).href);
  const { inflate } = await import(pathToFileURL(join(dirname(entry), 'lambdafs.js')).href);
  const executablePath = await Sparticuz.executablePath(bin);
  // The package unpacks its NSS libraries only on AWS Lambda; elsewhere they are missing too.
  const lib = join(tmpdir(), 'al2023', 'lib');
  if (!existsSync(lib)) await inflate(join(bin, 'al2023.tar.br'));
  const ld = process.env.LD_LIBRARY_PATH;
  return {
    executablePath,
    source: '@sparticuz/chromium',
    env: { LD_LIBRARY_PATH: ld ? `${lib}:${ld}` : lib, FONTCONFIG_PATH: process.env.FONTCONFIG_PATH ?? join(tmpdir(), 'fonts') },
  };
}

/** @returns {Promise<{ executablePath: string, source: string, env: Record<string, string> }>} */
export async function chromium() {
  if (process.env.PARALLAX_BROWSER !== 'bundled') {
    const chosen = process.env.CHROMIUM_PATH;
    if (chosen) {
      if (!existsSync(chosen)) throw new Error(`CHROMIUM_PATH is ${chosen}, which does not exist.`);
      return { executablePath: chosen, source: 'CHROMIUM_PATH', env: {} };
    }
    if (existsSync(DEBIAN)) return { executablePath: DEBIAN, source: DEBIAN, env: {} };
  }
  return bundled();
}
