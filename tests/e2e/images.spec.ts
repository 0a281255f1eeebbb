import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openApp, replaceEditorText } from './support/editor';
import { freshDataDir, startWebApp } from './support/web-app';

const SUN = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'images', 'sun.png'));
const SHOTS = '/tmp/shots';

async function axeClean(page: Page, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** The image a thumbnail shows has loaded (its natural size is the picture's). */
async function expectLoaded(image: ReturnType<Page['getByRole']>): Promise<void> {
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
}

test('an image picked into a row shows in the table, the preview and the grid, is sent by a run, and stays after a reload', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = freshDataDir();
  let app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    await replaceEditorText(page, 'System message', 'You describe pictures.');
    await replaceEditorText(page, 'User message', 'What is in {{photo}}?');
    await page.getByRole('tab', { name: 'Test cases' }).click();
    const text = page.getByRole('textbox', { name: 'photo, row 1', exact: true });
    await expect(text).toBeVisible();

    // Add image shows on hover and on focus (Tab from the cell's text reaches it).
    const add = page.getByRole('button', { name: 'Add image to photo, row 1' });
    await expect(add).toBeHidden();
    await text.hover();
    await expect(add).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/images-add-button.png`, clip: { x: 420, y: 100, width: 1000, height: 220 } });
    await page.mouse.move(0, 0);
    await text.focus();
    await page.keyboard.press('Tab');
    await expect(add).toBeFocused();
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles({ name: 'sun.png', mimeType: 'image/png', buffer: SUN });

    // The cell holds the image: a thumbnail named by the file, and a way to remove it.
    const table = page.getByRole('grid', { name: 'Test cases' });
    const thumb = table.getByRole('img', { name: 'sun.png' });
    await expectLoaded(thumb);
    await expect(table.getByRole('button', { name: 'Remove image sun.png from photo, row 1' })).toBeVisible();
    // Kept once in the data folder, under its SHA-256.
    await expect.poll(() => readdirSync(join(dataDir, 'images')).filter((f) => f.endsWith('.png')).length).toBe(1);

    // The preview shows the picture where {{photo}} is written.
    const user = page.getByRole('listitem', { name: 'User message 2' });
    await expect(user).toContainText('What is in');
    await expectLoaded(user.getByRole('img', { name: 'sun.png' }));
    await page.screenshot({ path: `${SHOTS}/images-table-preview.png`, fullPage: true });
    await axeClean(page);

    // Run with echo: the grid's row shows the image; the cell dialog too.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
    const expand = page.getByRole('button', { name: 'Expand row 1, variant 1', exact: true });
    await expect(expand).toContainText('[image: sun.png]', { timeout: 15_000 });
    const results = page.getByRole('tabpanel', { name: 'Results' });
    const rowImage = results.getByRole('rowheader').first().getByRole('img', { name: 'sun.png' });
    await expectLoaded(rowImage);
    await page.screenshot({ path: `${SHOTS}/images-grid.png`, fullPage: true });
    await axeClean(page);
    await expand.click();
    const dialog = page.getByRole('dialog', { name: /^Row 1 · Variant A/ });
    await dialog.getByText('Variables').click();
    // Once in the messages sent (where {{photo}} was written), once among the row's variables.
    const pictures = dialog.getByRole('img', { name: 'sun.png' });
    await expect(pictures).toHaveCount(2);
    await expectLoaded(pictures.first());
    await expectLoaded(pictures.last());
    await page.screenshot({ path: `${SHOTS}/images-cell-dialog.png` });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A reload and a restart: the value is in the draft, the file in the data folder.
    await app.stop();
    app = await startWebApp(dataDir);
    await openApp(page, app.url);
    // The run open before comes back in Results, its row's image with it.
    await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
    await expectLoaded(page.getByRole('tabpanel', { name: 'Results' }).getByRole('rowheader').first().getByRole('img', { name: 'sun.png' }));
    await page.getByRole('tab', { name: 'Test cases' }).click();
    await expect(page.getByRole('tab', { name: 'Test cases' })).toHaveAttribute('aria-selected', 'true');
    await expectLoaded(page.getByRole('grid', { name: 'Test cases' }).getByRole('img', { name: 'sun.png' }));
    await expectLoaded(page.getByRole('listitem', { name: 'User message 2' }).getByRole('img', { name: 'sun.png' }));

    // Remove it from the keyboard (Delete on the cell's button takes the image, not the row).
    await page.getByRole('button', { name: 'Remove image sun.png from photo, row 1' }).focus();
    await page.keyboard.press('Delete');
    await expect(page.getByRole('textbox', { name: 'photo, row 1', exact: true })).toHaveValue('');
    await expect(page.getByRole('region', { name: 'Test cases', exact: true }).getByText(/^[\d,]+ rows?$/)).toHaveText('3 rows');
    await expect(page.getByRole('grid', { name: 'Test cases' }).getByRole('img')).toHaveCount(0);
  } finally {
    await app.stop();
  }
});

test('image text pasted into a cell is offered as an image; a file: or javascript: address is not', async ({ page }) => {
  const app = await startWebApp();
  try {
    await openApp(page, app.url);
    await replaceEditorText(page, 'User message', 'Look at {{photo}}');
    await page.getByRole('tab', { name: 'Test cases' }).click();
    const text = page.getByRole('textbox', { name: 'photo, row 1', exact: true });
    for (const hostile of ['file:///etc/passwd', 'javascript:alert(1)', '../../etc/passwd']) {
      await text.fill(hostile);
      await expect(page.getByRole('button', { name: /^Use as image/ })).toHaveCount(0);
    }
    await text.fill(`data:image/png;base64,${SUN.toString('base64')}`);
    await page.getByRole('button', { name: 'Use as image: photo, row 1' }).click();
    await expectLoaded(page.getByRole('grid', { name: 'Test cases' }).getByRole('img'));
    await axeClean(page, '.cases');

    await page.getByRole('button', { name: /^Remove image/ }).click();
    await text.fill('https://example.com/cat.png');
    await page.getByRole('button', { name: 'Use as image: photo, row 1' }).click();
    // A web address is sent to the model as it is, never loaded by the page.
    await expect(page.getByRole('grid', { name: 'Test cases' }).getByRole('img', { name: /cat\.png/ })).toContainText('URL');
  } finally {
    await app.stop();
  }
});

test('an image dropped on a cell, and images in JSONL and CSV files, come in stored once', async ({ page }) => {
  const dataDir = freshDataDir();
  const app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    await replaceEditorText(page, 'User message', 'Look at {{photo}}');
    await page.getByRole('tab', { name: 'Test cases' }).click();
    const table = page.getByRole('grid', { name: 'Test cases' });

    // Drop a file on row 2's cell.
    const drop = await page.evaluateHandle((b64) => {
      const transfer = new DataTransfer();
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      return transfer;
    }, SUN.toString('base64'));
    await page.getByRole('textbox', { name: 'photo, row 2', exact: true }).dispatchEvent('drop', { dataTransfer: drop });
    await expectLoaded(table.getByRole('img', { name: 'dropped.png' }));
    // The cell took the file; the window's drop (which imports files) did not try it too. Its
    // note would come after reading the file, so give it the time that takes before looking.
    // (Counted once: a retrying assertion would pass when the note fades.)
    await page.waitForTimeout(1500);
    expect(await page.getByText(/cannot be imported/).count()).toBe(0);
    await expect(page.getByRole('dialog')).toHaveCount(0);

    // A JSONL file whose rows hold data URI images, and a CSV with a photo:image column.
    const uri = `data:image/png;base64,${SUN.toString('base64')}`;
    const hostileAlt = '<img src=x onerror=alert(1)>javascript:alert(2)';
    const jsonl = [{ vars: { photo: { image: uri, alt: 'from-jsonl.png' } } }, { vars: { photo: 'plain text' } }, { vars: { photo: { image: uri, alt: hostileAlt } } }]
      .map((l) => JSON.stringify(l))
      .join('\n');
    let alerted = false;
    page.on('dialog', (d) => {
      alerted = true;
      void d.dismiss();
    });
    await page.getByRole('button', { name: 'Import test cases' }).click();
    let dialog = page.getByRole('dialog', { name: 'Import test cases' });
    await dialog.getByLabel(/File of test cases/).setInputFiles({ name: 'rows.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(jsonl) });
    await expect(dialog.getByRole('table', { name: 'Preview of the first rows' })).toContainText('[image: from-jsonl.png]');
    await dialog.getByRole('button', { name: 'Replace', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expectLoaded(table.getByRole('img', { name: 'from-jsonl.png' }));
    await page.getByRole('radio', { name: 'Use row 1 for preview' }).check();
    await expectLoaded(page.getByRole('listitem', { name: /^User message/ }).getByRole('img', { name: 'from-jsonl.png' }));
    await expect(page.getByRole('textbox', { name: 'photo, row 2', exact: true })).toHaveValue('plain text');
    // A hostile alt text is a name, shown as text: nothing runs.
    await expectLoaded(table.getByRole('img', { name: hostileAlt }));
    await expect(table.getByText(hostileAlt, { exact: true })).toBeVisible();
    expect(alerted).toBe(false);

    const csv = ['note,photo:image', `sun,"${uri}"`, 'path,../../etc/passwd'].join('\n');
    await page.getByRole('button', { name: 'Import test cases' }).click();
    dialog = page.getByRole('dialog', { name: 'Import test cases' });
    await dialog.getByLabel(/File of test cases/).setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(dialog.getByRole('region', { name: 'Problems' })).toContainText('photo:image: not a data:image URI or an http(s) address (files are not read); it stays text');
    await page.screenshot({ path: `${SHOTS}/images-import-csv.png` });
    await dialog.getByRole('button', { name: 'Replace', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(table.getByRole('img')).toHaveCount(1);
    await expectLoaded(table.getByRole('img'));
    await expect(page.getByRole('textbox', { name: 'photo, row 2', exact: true })).toHaveValue('../../etc/passwd');
    // Every copy of the same picture is one file in the data folder.
    expect(readdirSync(join(dataDir, 'images'))).toHaveLength(1);
    await axeClean(page, '.cases');
  } finally {
    await app.stop();
  }
});
