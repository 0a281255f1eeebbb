/**
 * `npm run web -- --port 5173 --data-dir ./data`: the app in a browser, on this machine only.
 * Keys typed into Settings are kept in memory for this process; environment variables
 * (OPENAI_API_KEY, or the one a provider names) are read as usual.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MemorySecretStore } from '../secrets/secrets';
import { createServices } from '../services';
import { dataDirWarning, defaultDataDir } from '../data-dir';
import { defaultStaticDir, startWebServer } from './server';
import { batchPollOf } from '../runner/batch';
import { APP_VERSION } from '../version';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write('Usage: npm run web -- [--port N] [--data-dir DIR]\nServes Parallax on 127.0.0.1 and prints the URL to open.\n');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a whole number from 0 to 65535 (got "${values.port}").\n`);
    process.exit(2);
  }
  const chosenDataDir = values['data-dir'] ?? process.env.PARALLAX_DATA_DIR;
  const dataDir = chosenDataDir ?? defaultDataDir();
  // A chosen folder that holds other files keeps its permissions: say so, once, at start.
  const warning = chosenDataDir !== undefined ? dataDirWarning(dataDir) : undefined;
  if (warning !== undefined) process.stderr.write(`warning: ${warning}\n`);
  const services = createServices({
    dataDir,
    door: 'web',
    version: APP_VERSION,
    secrets: new MemorySecretStore(),
    env: process.env,
    echo: { chunkDelayMs: 12, chunkSize: 12 },
    runner: batchPollOf(process.env),
  });
  void services.resumeBatches();
  const web = await startWebServer({ services, staticDir: defaultStaticDir(import.meta.dirname), token: randomBytes(24).toString('base64url'), port });
  process.stdout.write(`Parallax is running in browser mode. Data folder: ${dataDir}\nOpen this URL (it carries this launch's access token):\n${web.url}\n`);
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void web.close().then(() => {
      services.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Parallax could not start: ${message}\n`);
  process.exit(1);
});
