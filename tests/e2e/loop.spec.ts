import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, startWebApp } from './support/web-app';
import { openApp, replaceEditorText } from './support/editor';



/** The answer text of one result cell (its clamped text is the whole answer in the page). */
function answer(page: Page, row: number, variant: number) {
  return page.getByRole('button', { name: `Expand row ${row}, variant ${variant}`, exact: true });
}

function resultCell(page: Page, row: number, variant: number) {
  return page.getByRole('gridcell', { name: `Row ${row}, variant ${variant}`, exact: true });
}

test('write a template, fill its variables in the table, run two echo variants, and find the run in History after a restart', async ({ page }) => {
  const dataDir = freshDataDir();
  let app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');
    // A fresh data folder opens with a sample template and two echo variants.
    await page.getByRole('tab', { name: 'Variants' }).click();
    await expect(page.getByRole('article', { name: 'Variant A' })).toBeVisible();
    await expect(page.getByRole('article', { name: 'Variant B' })).toBeVisible();
    // Before a run, Results says what Run will do.
    await page.getByRole('tab', { name: 'Results' }).click();
    await expect(page.getByRole('tabpanel', { name: 'Results' })).toContainText('Press Run (Ctrl/Cmd+Enter) to run 2 variants × 3 rows × 1 repeat');

    await replaceEditorText(page, 'System message', 'You are terse.');
    await replaceEditorText(page, 'User message', 'Describe {{creature}} living in {{place}}.');
    await page.getByRole('tab', { name: 'Test cases' }).click();
    // Columns follow the template: the new variables get theirs.
    await page.getByRole('textbox', { name: 'creature, row 1', exact: true }).fill('a hermit crab');
    await page.getByRole('textbox', { name: 'place, row 1', exact: true }).fill('a tide pool');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // Starting a run shows Results.
    await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
    const expected = '[system]\nYou are terse.\n\n[user]\nDescribe a hermit crab living in a tide pool.';
    for (const n of [1, 2]) {
      await expect(answer(page, 1, n)).toHaveText(expected, { timeout: 15_000 });
      const cell = resultCell(page, 1, n);
      await expect(cell).toContainText('Done');
      await expect(cell).toContainText(/first \d+ ms · total \d+ ms · \d+ → \d+ tok/);
    }
    const progress = page.getByRole('progressbar', { name: 'Run progress', exact: true });
    await expect(progress).toHaveAttribute('aria-valuenow', '6');
    await expect(progress).toHaveAttribute('aria-valuemax', '6');
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();

    // Expanding a cell shows the whole answer and what was sent.
    await answer(page, 1, 2).click();
    const dialog = page.getByRole('dialog', { name: /^Row 1 · Variant B/ });
    await expect(dialog.getByRole('region', { name: 'Answer' })).toContainText('Describe a hermit crab living in a tide pool.');
    await expect(dialog).toContainText('Messages sent');
    await expect(dialog.getByRole('button', { name: 'Copy answer' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);

    // Restart the server on the same data folder: the run and the draft are still there.
    await app.stop();
    app = await startWebApp(dataDir);
    await openApp(page, app.url);
    await page.getByRole('tab', { name: 'Test cases' }).click();
    await expect(page.getByRole('textbox', { name: 'creature, row 1', exact: true })).toHaveValue('a hermit crab');
    await page.getByRole('tab', { name: 'History' }).click();
    const table = page.getByRole('table', { name: 'Runs, newest first' });
    const row = table.getByRole('row').filter({ hasText: 'Describe {{creature}} living in {{place}}.' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('done');
    await expect(row).toContainText('3 rows × 2 variants');
    await row.getByRole('button', { name: /^Open results/ }).click();
    await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
    await expect(answer(page, 1, 1)).toHaveText(expected);
    await expect(answer(page, 1, 2)).toHaveText(expected);
  } finally {
    await app.stop();
  }
});

test('Stop cancels every request in flight, and variants can be added, moved and removed', async ({ page }) => {
  const app = await startWebApp();
  try {
    await openApp(page, app.url);
    await page.getByRole('tab', { name: 'Variants' }).click();
    await page.getByRole('button', { name: 'Add variant' }).click();
    await expect(page.getByRole('article', { name: 'Variant C' })).toBeVisible();
    await page.getByRole('spinbutton', { name: 'Temperature for variant 3' }).fill('1.3');
    await page.getByRole('button', { name: 'Move variant 3 left' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Temperature for variant 2' })).toHaveValue('1.3');
    await page.getByRole('button', { name: 'Remove variant 1' }).click();
    await expect(page.getByRole('article', { name: 'Variant C' })).toHaveCount(0);
    await expect(page.getByRole('spinbutton', { name: 'Temperature for variant 1' })).toHaveValue('1.3');

    // A long variable makes echo stream for several seconds: long enough to stop it.
    await page.getByRole('tab', { name: 'Test cases' }).click();
    await page.getByRole('textbox', { name: 'topic, row 1', exact: true }).fill('tides '.repeat(2000));
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();
    await expect(answer(page, 1, 1)).toContainText('tides');
    await page.keyboard.press('Escape');
    for (const n of [1, 2]) await expect(resultCell(page, 1, n)).toContainText('Stopped');
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
    await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuetext', /^4 \/ 6 · 2 stopped/);
    await page.getByRole('tab', { name: 'History' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'cancelled' })).toHaveCount(1);
  } finally {
    await app.stop();
  }
});

test('import a CSV of 5 rows, run 2 variants × 5 rows × 2 repeats, read the grid, and re-run a selected cell', async ({ page }) => {
  const app = await startWebApp();
  try {
    await openApp(page, app.url);
    await page.getByRole('tab', { name: 'Test cases' }).click();
    await page.getByRole('button', { name: 'Import test cases' }).click();
    const importDialog = page.getByRole('dialog', { name: 'Import test cases' });
    const csv = ['topic,expected', ...['tides', 'magnets', 'yeast', 'glaciers', 'compilers'].map((t) => `${t},about ${t}`)].join('\n');
    await importDialog.getByLabel(/File of test cases/).setInputFiles({ name: 'topics.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(importDialog.getByRole('status')).toContainText('5 rows read');
    await importDialog.getByRole('button', { name: 'Replace' }).click();
    await expect(page.getByRole('textbox', { name: 'topic, row 5', exact: true })).toHaveValue('compilers');

    await page.getByRole('spinbutton', { name: 'Repeats' }).fill('2');
    await page.getByRole('tab', { name: 'Results' }).click();
    await expect(page.getByRole('tabpanel', { name: 'Results' })).toContainText('2 variants × 5 rows × 2 repeats');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    const progress = page.getByRole('progressbar', { name: 'Run progress', exact: true });
    await expect(progress).toHaveAttribute('aria-valuemax', '20');
    await expect(progress).toHaveAttribute('aria-valuenow', '20', { timeout: 20_000 });
    await expect(progress).toHaveAttribute('aria-valuetext', /^20 \/ 20 · \$0 spent$/);
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();

    const grid = page.getByRole('grid', { name: 'Results grid' });
    await expect(grid.getByRole('columnheader')).toHaveText([/Test case/, /^Variant AEcho \(offline\) · echo · temp 0draft in the editor$/, /^Variant BEcho \(offline\) · echo · temp 0.7 · max 256/]);
    // A row per test case, a column per variant, both repeats in each cell.
    await expect(grid.getByRole('rowheader')).toHaveCount(5);
    await expect(grid.getByRole('rowheader').nth(4)).toContainText('compilers');
    for (let row = 1; row <= 5; row++) {
      for (const variant of [1, 2]) {
        const cell = resultCell(page, row, variant);
        const topic = ['tides', 'magnets', 'yeast', 'glaciers', 'compilers'][row - 1] ?? '';
        await expect(answer(page, row, variant)).toContainText(`Explain ${topic}`);
        await expect(cell.getByRole('button', { name: /^Repeat \d of 2$/ })).toHaveCount(2);
        // Echo answers the same every time: two runs, one distinct answer.
        await expect(cell).toContainText(/2 runs · 1 distinct/);
      }
    }
    // The second repeat is its own answer.
    await resultCell(page, 3, 2).getByRole('button', { name: 'Repeat 2 of 2' }).click();
    await expect(resultCell(page, 3, 2).getByRole('button', { name: 'Repeat 2 of 2' })).toHaveAttribute('aria-pressed', 'true');
    await answer(page, 3, 2).click();
    const dialog = page.getByRole('dialog', { name: /^Row 3 · Variant B/ });
    await expect(dialog.getByRole('region', { name: 'Repeat 1 of 2' })).toContainText('Explain yeast');
    await expect(dialog.getByRole('region', { name: 'Repeat 2 of 2' })).toContainText('Explain yeast');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Re-run one selected cell: its two repeats are asked again, in place.
    await page.getByRole('checkbox', { name: 'Select row 2, variant 1' }).check();
    await page.getByRole('button', { name: 'Re-run selected (1)' }).click();
    await expect(progress).toHaveAttribute('aria-valuenow', '20', { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
    await expect(page.getByRole('checkbox', { name: 'Select row 2, variant 1' })).not.toBeChecked();
    await expect(answer(page, 2, 1)).toContainText('Explain magnets');

    await page.getByRole('tab', { name: 'History' }).click();
    const runs = page.getByRole('table', { name: 'Runs, newest first' }).getByRole('row');
    await expect(runs.filter({ hasText: '5 rows × 2 variants × 2 repeats' })).toHaveCount(1);
  } finally {
    await app.stop();
  }
});

test('a run the app closed in the middle of is marked interrupted, and Resume finishes it', async ({ page }) => {
  const dataDir = freshDataDir();
  let app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    await page.getByRole('tab', { name: 'Test cases' }).click();
    // One row: the sample's other two would finish before the server stops.
    await page.getByRole('button', { name: 'Delete row 3' }).click();
    await page.getByRole('button', { name: 'Delete row 2' }).click();
    await expect(page.getByRole('textbox', { name: 'topic, row 2', exact: true })).toHaveCount(0);
    // About 3 s of echo streaming per cell: the server stops while they are going.
    await page.getByRole('textbox', { name: 'topic, row 1', exact: true }).fill('tides '.repeat(500));
    await page.getByRole('spinbutton', { name: 'Repeats' }).fill('2');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(answer(page, 1, 1)).toContainText('tides');
    await app.stop();

    app = await startWebApp(dataDir);
    await openApp(page, app.url);
    await page.getByRole('tab', { name: 'History' }).click();
    const row = page.getByRole('table', { name: 'Runs, newest first' }).getByRole('row').filter({ hasText: 'interrupted' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('1 row × 2 variants × 2 repeats');
    await row.getByRole('button', { name: /^Open results/ }).click();
    const banner = page.getByRole('note', { name: 'Interrupted run' });
    await expect(banner).toContainText('This run was interrupted (the process running it stopped). 0 of 4 cells finished.');
    await banner.getByRole('button', { name: 'Resume' }).click();
    await expect(banner).toHaveCount(0);
    const progress = page.getByRole('progressbar', { name: 'Run progress', exact: true });
    await expect(progress).toHaveAttribute('aria-valuenow', '4', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
    for (const n of [1, 2]) await expect(resultCell(page, 1, n)).toContainText('2 runs · 1 distinct');
  } finally {
    await app.stop();
  }
});
