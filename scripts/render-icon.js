// Renders assets/icon.svg to assets/icon.png (512×512, transparent corners) with the system
// Chromium (scripts/chromium.js finds one), so the packaged icons follow the SVG. Run: node scripts/render-icon.js
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { chromium as findChromium } from './chromium.js';

const assets = join(import.meta.dirname, '..', 'assets');
const svg = await readFile(join(assets, 'icon.svg'), 'utf8');
const found = await findChromium();
const browser = await chromium.launch({ executablePath: found.executablePath, env: { ...process.env, ...found.env }, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 512, height: 512 }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${svg}`);
  await page.screenshot({ path: join(assets, 'icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: 512, height: 512 } });
} finally {
  await browser.close();
}
