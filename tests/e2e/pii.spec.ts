/**
 * Personal data in the app: the echo provider marked remote in Settings masks by default; the
 * preview says what would be masked, the run's cells say masking happened, and the echoed
 * answer shows the original restored (echo answers with what it was sent: the placeholders).
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openApp, replaceEditorText } from './support/editor';
import { startWebApp, type WebApp } from './support/web-app';

const EMAIL = 'ada.lovelace@example.com';

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

test('echo marked remote: the preview shows what would be masked, the cell says it was, the answer has it back', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  await openApp(page, app.url);

  // Echo is on this machine: off by default. Marked remote, it masks.
  await page.getByRole('tab', { name: 'Settings' }).click();
  const echo = page.getByRole('group', { name: 'Personal data: Echo (offline)' });
  await expect(echo.getByRole('checkbox', { name: /Remote/ })).not.toBeChecked();
  await expect(echo.getByRole('combobox', { name: /Policy/ })).toHaveValue('off');
  await echo.getByRole('checkbox', { name: /Remote/ }).check();
  await expect(echo.getByRole('combobox', { name: /Policy/ })).toHaveValue('mask');
  await expect(echo).toContainText('default for remote providers');
  await expectAccessible(page);
  await echo.screenshot({ path: '/tmp/shots/pii-settings.png' });

  await page.getByRole('tab', { name: 'Editor' }).click();
  await replaceEditorText(page, 'System message', 'You are terse.');
  await replaceEditorText(page, 'User message', `Write to ${EMAIL} about <script>alert(1)</script> today.`);
  const found = page.getByRole('list', { name: 'Personal data found' });
  await expect(found).toContainText('[EMAIL_1] ← a…@…');
  await expect(page.getByRole('region', { name: 'Personal data' })).toContainText('Would mask (remote)');
  await expect(page.getByRole('region', { name: 'Personal data' })).not.toContainText(EMAIL);
  await expectAccessible(page);
  await page.getByRole('region', { name: 'Personal data' }).screenshot({ path: '/tmp/shots/pii-preview.png' });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  const cell = page.getByRole('gridcell', { name: 'Row 1, variant 1', exact: true });
  await expect(cell).toContainText('PII masked: 1 email', { timeout: 15_000 });
  const answer = page.getByRole('button', { name: 'Expand row 1, variant 1', exact: true });
  await expect(answer).toHaveText(`[system]\nYou are terse.\n\n[user]\nWrite to ${EMAIL} about <script>alert(1)</script> today.`);
  await expectAccessible(page);
  await page.screenshot({ path: '/tmp/shots/pii-results.png' });

  // The dialog shows the answer restored, the masked request as it was sent, and that it was masked.
  await answer.click();
  const dialog = page.getByRole('dialog', { name: /^Row 1 · Variant A/ });
  await expect(dialog).toContainText('PII masked: 1 email');
  await expect(dialog.getByRole('region', { name: 'Answer' })).toContainText(EMAIL);
  await expect(dialog).toContainText('Write to [EMAIL_1] about');
  await expectAccessible(page);
  await dialog.screenshot({ path: '/tmp/shots/pii-dialog.png' });
});
