/**
 * Runs Playwright with a Chromium found by scripts/chromium.js (Debian's, CHROMIUM_PATH, or the
 * bundled one), so `npm test` works on a machine with nothing installed but Node. Arguments go
 * to `playwright test` unchanged.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { chromium } from './chromium.js';

const browser = await chromium();
if (browser.source === '@sparticuz/chromium') console.log(`e2e: using the headless Chromium @sparticuz/chromium ships (${browser.executablePath}).`);
const cli = createRequire(import.meta.url).resolve('@playwright/test/cli');
const child = spawn(process.execPath, [cli, 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ...browser.env, CHROMIUM_PATH: browser.executablePath },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
