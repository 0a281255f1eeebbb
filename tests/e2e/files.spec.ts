import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

/** Drops a file on the window the way a file manager would. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ({ name, text }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: 'text/plain' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, text },
  );
}

/** The sample template's variable, in the first row of the test-case table. */
function topic(page: Page) {
  return page.getByRole('textbox', { name: 'topic, row 1', exact: true });
}

test('the draft leaves as a promptfooconfig.yaml and comes back by drag and drop; a broken file says why and changes nothing', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('spinbutton', { name: 'Temperature for variant 2' }).fill('1.1');
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await topic(page).fill('B-trees');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export promptfooconfig' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('promptfooconfig.yaml');
  const yaml = readFileSync(await download.path(), 'utf8');
  expect(yaml).toContain('topic: B-trees');
  expect(yaml).toMatch(/temperature: 1\.1/);

  // Change the draft, then bring the file back by dropping it on the window.
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('button', { name: 'Remove variant 2' }).click();
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await topic(page).fill('something else');
  await dropFile(page, 'promptfooconfig.yaml', yaml);
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('Opened promptfooconfig.yaml in the editor.');
  await expect(topic(page)).toHaveValue('B-trees');
  await page.getByRole('tab', { name: 'Variants' }).click();
  await expect(page.getByRole('spinbutton', { name: 'Temperature for variant 2' })).toHaveValue('1.1');
  // The draft it replaced is one click away, and back again.
  await page.getByRole('button', { name: 'Bring back the previous draft' }).click();
  await expect(page.getByRole('article', { name: 'Variant B' })).toHaveCount(0);
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(topic(page)).toHaveValue('something else');
  await dropFile(page, 'promptfooconfig.yaml', yaml);
  await expect(topic(page)).toHaveValue('B-trees');

  // A broken file: the reason with its line, and the draft is untouched.
  await dropFile(page, 'broken.yaml', 'prompts:\n  - "Hello {{name}}"\nproviders: [echo\n');
  const importDialog = page.getByRole('dialog', { name: 'Import a file' });
  await expect(importDialog.getByRole('alert')).toContainText('line');
  await expect(importDialog.getByRole('alert')).toContainText('Nothing was imported.');
  await importDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(topic(page)).toHaveValue('B-trees');

  // A dropped prompt file goes to the library.
  await dropFile(page, 'greeting.json', JSON.stringify([{ role: 'system', content: 'Be warm.' }, { role: 'user', content: 'Greet {{name}}.' }]));
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('Imported');
  await expect(page.getByRole('tab', { name: 'Library' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('table', { name: /Versions of/ })).toBeVisible();
});
