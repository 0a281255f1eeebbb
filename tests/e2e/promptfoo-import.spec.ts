/**
 * A promptfoo config dropped on the window together with its nunjucksFilters files, or
 * picked with them in the Import dialog, opens with its test values rendered as
 * `parallax eval` renders them (values naming values, filters, `load`, the safe part of
 * `env`), and a run on echo sends exactly those prompts.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp } from './support/web-app';

const FILTERS = join(import.meta.dirname, '..', 'fixtures', 'promptfoo', 'nunjucks-filters', 'filters');
const CONFIG = [
  'description: values that name values, with the config\'s own filter',
  'nunjucksFilters:',
  '  shout: ./filters/shout.cjs',
  'prompts:',
  '  - "{{ greeting }} / {{ note }}"',
  'providers: [echo]',
  'tests:',
  '  - vars:',
  '      name: Ada',
  '      greeting: "Hello {{ name | shout(2) }}"',
  '      note: "{{ (json | load).who }} from {{ env.PX_E2E_PLACE }}"',
  '      json: \'{"who": "<script>alert(1)</script>"}\'',
].join('\n');

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp(undefined, { PX_E2E_PLACE: 'Lisbon' });
});
test.afterEach(async () => {
  await app.stop();
});

/** Drops files on the window together, as a file manager would. */
async function dropFiles(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const { name, text } of list) transfer.items.add(new File([text], name, { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
}

async function axeClean(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) ${v.help}`);
  expect(bad).toEqual([]);
}

test('a config dropped with its filter file opens with its values rendered, and the run sends them', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await dropFiles(page, [
    { name: 'shout.cjs', text: readFileSync(join(FILTERS, 'shout.cjs'), 'utf8') },
    { name: 'promptfooconfig.yaml', text: CONFIG },
  ]);
  const status = page.locator('.statusbar').getByRole('status');
  await expect(status).toContainText('Opened promptfooconfig.yaml in the editor.');
  await expect(status).toContainText('filled in as promptfoo fills them in');
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(page.getByRole('textbox', { name: 'greeting, row 1', exact: true })).toHaveValue('Hello ADA!!');
  // A hostile value stays text: the script tag is a value in a box, never markup.
  await expect(page.getByRole('textbox', { name: 'note, row 1', exact: true })).toHaveValue('<script>alert(1)</script> from Lisbon');
  mkdirSync('/tmp/shots', { recursive: true });
  await page.screenshot({ path: '/tmp/shots/promptfoo-import-values.png' });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Expand row 1, variant 1', exact: true })).toHaveText('Hello ADA!! / <script>alert(1)</script> from Lisbon', { timeout: 15_000 });
  await page.screenshot({ path: '/tmp/shots/promptfoo-import-run.png' });
  await axeClean(page);
});

test('the Import dialog takes the config and the files it names together', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Import…', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a file' });
  await expect(dialog).toContainText('with a promptfooconfig.yaml, its nunjucksFilters and file:// values');
  await dialog.getByLabel('File').setInputFiles([
    { name: 'promptfooconfig.yaml', mimeType: 'text/yaml', buffer: Buffer.from(CONFIG) },
    { name: 'shout.cjs', mimeType: 'text/javascript', buffer: readFileSync(join(FILTERS, 'shout.cjs')) },
  ]);
  await axeClean(page);
  await page.screenshot({ path: '/tmp/shots/promptfoo-import-dialog.png' });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('Opened promptfooconfig.yaml in the editor.');
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(page.getByRole('textbox', { name: 'greeting, row 1', exact: true })).toHaveValue('Hello ADA!!');
});
