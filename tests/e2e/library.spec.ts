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

async function replaceEditorText(page: Page, name: string, text: string): Promise<void> {
  await page.getByRole('textbox', { name, exact: true }).focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

function status(page: Page) {
  return page.locator('.statusbar').getByRole('status');
}

test('save a prompt, edit it into a second version, diff them, export as .prompty and import it back under a new name', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('toolbar', { name: 'Prompt file' })).toContainText('Unsaved draft');

  // Version 1: save the sample under a name.
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const saveDialog = page.getByRole('dialog', { name: 'Save prompt to the library' });
  await saveDialog.getByRole('textbox', { name: 'Name' }).fill('Explainer');
  await saveDialog.getByRole('textbox', { name: 'Tags (comma-separated)' }).fill('teaching, demo');
  await saveDialog.getByRole('button', { name: 'Save to library' }).click();
  await expect(status(page)).toHaveText('Saved Explainer as version 1.');
  await expect(page.getByRole('toolbar', { name: 'Prompt file' })).toContainText('Explainer v1');

  // Version 2: edit, then Ctrl+S.
  await replaceEditorText(page, 'User message', 'Explain {{topic}} with a metaphor about kitchens.');
  await expect(page.getByRole('toolbar', { name: 'Prompt file' })).toContainText('edited');
  await page.keyboard.press('ControlOrMeta+S');
  await expect(status(page)).toHaveText('Saved Explainer as version 2.');

  // Version 3 comes from running a changed prompt.
  await replaceEditorText(page, 'User message', 'Explain {{topic}} with a metaphor about gardens.');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Expand row 1, variant 1', exact: true })).toContainText('gardens');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();

  await page.getByRole('tab', { name: 'Library' }).click();
  await page.getByRole('list', { name: 'Prompts' }).getByRole('button', { name: /Explainer/ }).click();
  const versions = page.getByRole('table', { name: 'Versions of Explainer' });
  await expect(versions.getByRole('row')).toHaveCount(4);
  const v3 = versions.getByRole('row').filter({ hasText: 'v3' });
  await expect(v3).toContainText('run');
  await expect(v3).toContainText('1 run · 6 answers');
  await v3.getByText('1 run · 6 answers').click();
  await expect(page.getByRole('list', { name: 'Runs of version 3' }).getByRole('listitem')).toHaveCount(1);
  await expect(versions.getByRole('row').filter({ hasText: 'v1' })).toContainText('not run');

  // Diff version 1 against version 2.
  await page.getByRole('checkbox', { name: 'Compare version 1' }).check();
  await page.getByRole('checkbox', { name: 'Compare version 2' }).check();
  await page.getByRole('button', { name: 'Compare selected versions' }).click();
  const diff = page.getByRole('region', { name: 'Changes from version 1 to version 2' });
  await expect(diff).toContainText('kitchens');
  await expect(diff).toContainText('two sentences');

  // Label version 2 and export it as .prompty.
  await page.getByRole('button', { name: 'Label version 2' }).click();
  await page.getByRole('textbox', { name: 'Label for version 2' }).fill('production');
  await page.getByRole('button', { name: 'Set label' }).click();
  await expect(versions.getByRole('row').filter({ hasText: 'v2' })).toContainText('production');
  await page.getByRole('button', { name: 'Export version 2' }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export Explainer version 2' });
  await exportDialog.getByRole('combobox', { name: 'Format' }).selectOption('prompty');
  const downloading = page.waitForEvent('download');
  await exportDialog.getByRole('button', { name: 'Export' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.prompty$/);
  const path = await download.path();
  const prompty = readFileSync(path, 'utf8');
  expect(prompty).toContain('Explainer');
  expect(prompty).toContain('Explain {{topic}} with a metaphor about kitchens.');

  // Import it back under a new name.
  await page.getByRole('tab', { name: 'Editor' }).click();
  await page.getByRole('button', { name: 'Import…' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import a file' });
  await importDialog.getByLabel('File').setInputFiles({ name: download.suggestedFilename(), mimeType: 'text/plain', buffer: Buffer.from(prompty) });
  await importDialog.getByRole('textbox', { name: 'Name in the library (optional)' }).fill('Explainer copy');
  await importDialog.getByRole('button', { name: 'Import' }).click();
  await expect(status(page)).toContainText('Imported Explainer copy (version 1).');
  await page.getByRole('list', { name: 'Prompts' }).getByRole('button', { name: /Explainer copy/ }).click();
  await page.getByRole('button', { name: 'Open version 1 in the editor' }).click();
  await expect(page.getByRole('group', { name: 'User message' })).toContainText('Explain topic with a metaphor about kitchens.'.replace('topic', '{{topic}}'));
  await expect(page.getByRole('group', { name: 'System message' })).toContainText('You are a patient teacher');
  // The version's sample values come back as the first test case.
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(page.getByRole('textbox', { name: 'topic, row 1', exact: true })).toHaveValue('a hash table');

  // Search finds prompts by template text and by their outputs.
  await page.getByRole('tab', { name: 'Library' }).click();
  await page.getByRole('searchbox', { name: 'Search prompts and outputs' }).fill('kitchens');
  await expect(page.getByRole('list', { name: 'Prompts' }).getByRole('listitem')).toHaveCount(2);
  await page.getByRole('searchbox', { name: 'Search prompts and outputs' }).fill('gardens');
  await expect(page.getByRole('list', { name: 'Prompts' }).getByRole('listitem')).toHaveCount(1);
  await page.getByRole('searchbox', { name: 'Search prompts and outputs' }).fill('zebra');
  await expect(page.getByText('Nothing matches.')).toBeVisible();
});
