import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, startWebApp } from './support/web-app';

async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
}

/** Replaces a Monaco editor's text the way a person would: focus, select all, type. */
async function replaceEditorText(page: Page, name: string, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name, exact: true });
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

test('write a template, fill its variable, run two echo columns, and find the run in History after a restart', async ({ page }) => {
  const dataDir = freshDataDir();
  let app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    // A fresh data folder opens with a sample template and two echo columns.
    await expect(page.getByRole('article', { name: 'Column 1' })).toBeVisible();
    await expect(page.getByRole('article', { name: 'Column 2' })).toBeVisible();
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');

    await replaceEditorText(page, 'System message', 'You are terse.');
    await replaceEditorText(page, 'User message', 'Describe {{creature}} living in {{place}}.');
    // Fields follow the template: the sample's variables are gone, the new ones are there.
    await expect(page.getByRole('textbox', { name: 'topic', exact: true })).toHaveCount(0);
    await page.getByRole('textbox', { name: 'creature', exact: true }).fill('a hermit crab');
    await page.getByRole('textbox', { name: 'place', exact: true }).fill('a tide pool');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const expected = '[system]\nYou are terse.\n\n[user]\nDescribe a hermit crab living in a tide pool.';
    for (const n of [1, 2]) {
      const answer = page.getByRole('region', { name: `Answer from column ${n}` });
      await expect(answer).toHaveText(expected, { timeout: 15_000 });
      const figures = page.getByLabel(`Figures for column ${n}`);
      await expect(figures).toContainText(/First token\s*\d+ ms/);
      await expect(figures).toContainText(/Tokens in\/out\s*\d+ \/ \d+/);
      await expect(figures).toContainText(/Finish\s*stop/);
    }
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();

    // Restart the server on the same data folder: the run and the draft are still there.
    await app.stop();
    app = await startWebApp(dataDir);
    await openApp(page, app.url);
    await expect(page.getByRole('textbox', { name: 'creature', exact: true })).toHaveValue('a hermit crab');
    await page.getByRole('tab', { name: 'History' }).click();
    const table = page.getByRole('table', { name: 'Runs, newest first' });
    const row = table.getByRole('row').filter({ hasText: 'Describe {{creature}} living in {{place}}.' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('done');
    await row.getByRole('button', { name: /^Open run from/ }).click();
    await expect(page.getByRole('region', { name: 'Answer from column 1' })).toHaveText(expected);
    await expect(page.getByRole('region', { name: 'Answer from column 2' })).toHaveText(expected);
  } finally {
    await app.stop();
  }
});

test('Stop cancels every request in flight, and columns can be added, moved and removed', async ({ page }) => {
  const app = await startWebApp();
  try {
    await openApp(page, app.url);
    await page.getByRole('button', { name: 'Add column' }).click();
    await expect(page.getByRole('article', { name: 'Column 3' })).toBeVisible();
    await page.getByRole('spinbutton', { name: 'Temperature for column 3' }).fill('1.3');
    await page.getByRole('button', { name: 'Move column 3 left' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Temperature for column 2' })).toHaveValue('1.3');
    await page.getByRole('button', { name: 'Remove column 1' }).click();
    await expect(page.getByRole('article', { name: 'Column 3' })).toHaveCount(0);
    await expect(page.getByRole('spinbutton', { name: 'Temperature for column 1' })).toHaveValue('1.3');

    // A long variable makes echo stream for several seconds: long enough to stop it.
    await page.getByRole('textbox', { name: 'topic', exact: true }).fill('tides '.repeat(2000));
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
    await expect(page.getByRole('region', { name: 'Answer from column 1' })).toContainText('tides');
    await page.getByRole('button', { name: 'Stop' }).click();
    for (const n of [1, 2]) {
      await expect(page.getByRole('region', { name: `Answer from column ${n}` })).toContainText('Stopped.');
    }
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
    await page.getByRole('tab', { name: 'History' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'cancelled' })).toHaveCount(1);
  } finally {
    await app.stop();
  }
});
