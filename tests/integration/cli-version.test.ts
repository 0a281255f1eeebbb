/**
 * `parallax --version` is answered by the launcher from package.json, before any second Node,
 * build check or import of the app; it must say what the built CLI says.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/main';
import { APP_VERSION } from '../../src/main/version';

const root = join(import.meta.dirname, '..', '..');

describe('parallax --version', () => {
  it('prints the package version from the launcher, as the CLI itself does', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = spawnSync(process.execPath, [join(root, 'bin', 'parallax.js'), flag], { encoding: 'utf8', env: { ...process.env, PATH: process.env['PATH'] ?? '' } });
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    }
    let printed = '';
    const code = await runCli(['--version'], { stdout: (t) => (printed += t), stderr: () => undefined, env: {}, cwd: root, signal: new AbortController().signal }, APP_VERSION);
    expect({ code, printed }).toEqual({ code: 0, printed: `${version}\n` });
  });
});
