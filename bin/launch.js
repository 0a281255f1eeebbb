// Starts a built entry (out/main/<entry>.js) on a Node that has node:sqlite. The project pins
// Node 24 as a devDependency; when an older Node runs this file we hand over to that one.
// When the sources are newer than the build, it builds first, so a fresh clone just works.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function nodeIsRecentEnough() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function needsBuild(entryFile) {
  if (!existsSync(entryFile) || !existsSync(join(root, 'out/renderer/index.html'))) return true;
  if (!existsSync(join(root, 'src'))) return false; // an installed package ships its build
  return newestMtime(join(root, 'src')) > statSync(entryFile).mtimeMs;
}

/**
 * V8 options an entry runs best with. The CLI's eval streams thousands of answers through the
 * database; a small young generation and V8's size-over-speed mode keep its memory flat
 * (measured by `npm run bench`: peak RSS at 10,000 cells, see the README). Requests, not CPU,
 * set the pace there, so the extra collections cost no wall time that matters.
 */
const V8_FLAGS = { cli: ['--optimize-for-size', '--max-semi-space-size=1'] };

function missingFlags(entry) {
  const wanted = V8_FLAGS[entry] ?? [];
  if (process.env.PARALLAX_NO_V8_FLAGS === '1') return [];
  return wanted.filter((flag) => !process.execArgv.includes(flag));
}

/**
 * `parallax --version` alone is answered here, from package.json: no second Node, no build
 * check, no import of the app (0.6 s before, about 50 ms now). The built CLI answers the same.
 */
function answerVersion(entry) {
  const args = process.argv.slice(2);
  if (entry !== 'cli' || args.length !== 1 || (args[0] !== '--version' && args[0] !== '-v')) return false;
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  process.stdout.write(`${version}\n`);
  return true;
}

export async function launch(entry) {
  if (answerVersion(entry)) return;
  if (!nodeIsRecentEnough()) {
    const pinned = join(root, 'node_modules/node/bin/node');
    if (!existsSync(pinned)) {
      console.error(`Parallax needs Node 22.13 or newer (this is ${process.versions.node}). Run npm ci to get the pinned Node 24.`);
      process.exit(1);
    }
    const result = spawnSync(pinned, [...(V8_FLAGS[entry] ?? []), ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  }
  const flags = missingFlags(entry);
  // Same process, new image (Node 23.11+ on Unix): the flags cost no second process.
  if (flags.length > 0 && typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)], process.env);
  }
  const entryFile = join(root, 'out/main', `${entry}.js`);
  if (needsBuild(entryFile)) {
    process.stderr.write('Building Parallax (first start, or the sources changed)…\n');
    const result = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  await import(pathToFileURL(entryFile).href);
}
