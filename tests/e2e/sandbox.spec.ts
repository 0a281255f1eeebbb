/**
 * As a person meets the sandbox: a template escape typed into the editor renders as text in
 * the preview (nothing of the machine is reachable), a loop that never ends shows its budget
 * error while the editor keeps answering, and a `javascript` check written in the Checks tab
 * grades a run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startWebApp, type WebApp } from './support/web-app';
import { replaceEditorText } from './support/editor';

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp(undefined, { PARALLAX_E2E_SECRET: 'e2e-secret-value' });
});
test.afterEach(async () => app.stop());


test('a template escape typed in the editor reaches nothing; an endless loop stops at its budget and the editor carries on', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const preview = page.getByRole('list', { name: 'Messages sent for this row' });
  const system = preview.getByRole('listitem', { name: 'System message 1' });

  const canary = join(app.dataDir, 'CANARY');
  await replaceEditorText(
    page,
    'System message',
    `Probe: {{ range.constructor("var p = globalThis.process; if (p) { p.getBuiltinModule('fs').writeFileSync('${canary}', 'x'); return p.env.PARALLAX_E2E_SECRET } return typeof require + '/' + typeof fetch")() }}`,
  );
  await expect(system).toContainText('Probe: undefined/undefined');
  await expect(system).not.toContainText('e2e-secret-value');
  expect(existsSync(canary)).toBe(false);

  await replaceEditorText(page, 'System message', '{% for i in range(100000000) %}{% endfor %}never');
  await expect(page.getByRole('list', { name: 'Template errors' })).toContainText(/time budget/);

  // The app still answers: the next edit shows in the preview at once.
  await replaceEditorText(page, 'System message', 'Back to work on {{ topic }}.');
  await expect(system).toContainText('Back to work on', { timeout: 3_000 });
  await expect(page.getByRole('list', { name: 'Template errors' })).toHaveCount(0);
});

test('a javascript check written in the Checks tab grades every answer of a run', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await replaceEditorText(page, 'System message', 'Answer briefly.');

  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('button', { name: 'Add check', exact: true }).click();
  await page.getByRole('combobox', { name: 'Type of check 1' }).selectOption('javascript');
  await page.getByRole('textbox', { name: 'Code of check 1' }).fill('output.includes("Answer briefly") && typeof process === "undefined"');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled({ timeout: 20_000 });
  const badges = page.getByRole('button', { name: /✓ 1\/1 check/ });
  await expect(badges.first()).toBeVisible();
  expect(await page.getByRole('button', { name: /failed:/ }).count()).toBe(0);
});
