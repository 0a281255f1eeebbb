import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openApp } from './support/editor';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

const FIXTURES = join(import.meta.dirname, '../fixtures/prompty');

/** Drops files on the window together, the way a file manager would. */
async function dropFiles(page: Page, files: Array<{ name: string; text: string }>): Promise<void> {
  await page.evaluate((files) => {
    const transfer = new DataTransfer();
    for (const { name, text } of files) transfer.items.add(new File([text], name, { type: 'text/plain' }));
    window.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
}

test('an imported Mustache .prompty previews as Prompty renders it (sections, escaping), with no Nunjucks errors', async ({ page }) => {
  await openApp(page, app.url);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await dropFiles(page, [{ name: 'history.prompty', text: readFileSync(join(FIXTURES, 'mustache-v2/main.prompty'), 'utf8') }]);
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('Imported Mustache history');
  await page.getByRole('button', { name: 'Open version 1 in the editor' }).click();

  // The draft's table stays (it had rows): fill the prompt's variables in row 1.
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await page.getByRole('textbox', { name: 'question, row 1', exact: true }).fill('Q&A <b>');
  await page.getByRole('textbox', { name: 'polite, row 1', exact: true }).fill('yes');
  const preview = page.getByRole('list', { name: 'Messages sent for this row' });
  await expect(preview.getByRole('listitem', { name: 'System message 1' })).toContainText('You answer questions about the weather. Be polite.');
  // Mustache escapes the value as Prompty's runtime does, never the template's own text.
  await expect(preview.getByRole('listitem', { name: 'User message 2' })).toContainText('Q&amp;A &lt;b&gt; & <nothing escaped?>');
  // No Nunjucks error is shown for Mustache syntax.
  await expect(page.getByText(/Unexpected token|unknown block tag/i)).toHaveCount(0);
  await page.screenshot({ path: '/tmp/shots/prompty-mustache-preview.png', fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a .prompty dropped with its base and sample file comes in resolved', async ({ page }) => {
  await openApp(page, app.url);
  const folder = join(FIXTURES, 'base-extends');
  await dropFiles(page, [
    { name: 'main.prompty', text: readFileSync(join(folder, 'main.prompty'), 'utf8') },
    { name: 'base.prompty', text: readFileSync(join(folder, 'base.prompty'), 'utf8') },
  ]);
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('read from the files beside it: base.prompty');
  await page.getByRole('button', { name: 'Open version 1 in the editor' }).click();
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await page.getByRole('textbox', { name: 'tone, row 1', exact: true }).fill('calm');
  await page.getByRole('textbox', { name: 'question, row 1', exact: true }).fill('What is a functor?');
  const preview = page.getByRole('list', { name: 'Messages sent for this row' });
  await expect(preview.getByRole('listitem', { name: 'System message 1' })).toContainText('You are an assistant. Answer briefly. Speak in a calm voice, like a teacher.');
  await expect(preview.getByRole('listitem', { name: 'User message 2' })).toContainText('What is a functor?');
  await page.screenshot({ path: '/tmp/shots/prompty-base-preview.png', fullPage: true });
});
