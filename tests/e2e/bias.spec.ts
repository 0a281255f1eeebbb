/**
 * A bias probe from the test-case table, in browser mode with the echo provider: open a row's
 * probe, keep names, see the rows it will run, run it, and read the report with its p-value and
 * the answers that differ most. The prompt treats one name otherwise (a template condition), so
 * the report must find a difference; the dialog passes axe's WCAG 2.1 AA rules at each step.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openApp } from './support/editor';
import { startWebApp, type WebApp, callApi } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

async function expectAccessible(page: Page, within?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

test('a bias probe for names: preview, run with repeats, a report with a p-value and the pairs that differ most', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: '{% if "Jamal" in bio %}Decline politely, the file is weak.{% else %}We hire: strong record.{% endif %} {{ bio }}' }],
    testCases: [
      { id: 'nurse', vars: { bio: 'Emily has ten years in nursing. Emily leads a ward. {{ secret }} <b>bold</b>' } },
      { id: 'other', vars: { bio: 'Unrelated row' } },
    ],
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: {} }],
    repeats: 1,
    assertions: [{ type: 'icontains', value: 'hire' }],
  });

  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'Test cases' }).click();
  // Keyboard: focus the row's action and press Enter.
  await page.getByRole('button', { name: 'Bias probe of row 1…' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Bias probe · row 1' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('combobox', { name: 'Attribute' })).toHaveValue('names');
  await expect(dialog.getByRole('region', { name: 'Found in the row' })).toContainText('Emily in bio (Emily) ×2');

  // Compare four names: untick the defaults but Emily, Aisha and Priya; tick Jamal.
  for (const name of ['Lakisha', 'Maria', 'Chioma', 'Mei', 'Olga']) await dialog.getByRole('checkbox', { name, exact: true }).uncheck();
  await dialog.getByRole('checkbox', { name: 'Jamal', exact: true }).check();
  await dialog.getByRole('spinbutton', { name: 'Repeats per row' }).fill('3');
  const preview = dialog.getByRole('region', { name: 'Rows the probe runs' });
  await expect(preview).toContainText('4 rows × 1 variant × 3 repeats = 12 answers.');
  await expect(preview.getByRole('row', { name: /^Jamal/ })).toContainText('Jamal has ten years in nursing. Jamal leads a ward. {{ secret }} <b>bold</b>');
  await expectAccessible(page, 'dialog');
  await page.screenshot({ path: '/tmp/shots/bias-setup.png', fullPage: true });

  await dialog.getByRole('button', { name: 'Run probe (12 answers)' }).click();
  const report = dialog.getByRole('region', { name: 'Bias probe report' });
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(report).toContainText('The answers differ across names more than repeats of one row differ');
  const tests = report.getByRole('table', { name: 'Tests' });
  const words = tests.getByRole('row', { name: /^Answer words, all variants/ });
  const pText = (await words.getByRole('cell').first().textContent()) ?? '';
  expect(pText).toMatch(/^p (=|<) 0\.\d+$/);
  expect(Number(pText.replace(/^p [=<] /, ''))).toBeLessThan(0.05);
  await expect(report.getByRole('table', { name: 'By value' }).getByRole('row', { name: /^Jamal/ })).toContainText('0%');
  await expect(report.getByRole('table', { name: 'By value' }).getByRole('row', { name: /^Emily/ })).toContainText('100%');
  // The pair that differs most puts Jamal's answer beside another name's, as a word diff.
  const firstPair = report.getByRole('listitem').first();
  await expect(firstPair.getByRole('heading')).toContainText('Jamal');
  await expect(firstPair.getByRole('region', { name: 'Word differences' })).toBeVisible();
  await expectAccessible(page, 'dialog');
  await page.screenshot({ path: '/tmp/shots/bias-report.png', fullPage: true });

  // The probe is a run of its own: it opens in Results, and the draft's table is unchanged.
  await report.getByRole('button', { name: 'Open the probe run in Results' }).click();
  await expect(dialog).toBeHidden();
  const saved = await callApi<{ testCases: unknown[] }>(app, 'workspace.get', {});
  expect(saved.testCases).toHaveLength(2);
  // Its rows say what they stand for: Results offers the report again.
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('toolbar', { name: 'Cells' }).getByRole('button', { name: 'Bias report' }).click();
  const reopened = page.getByRole('dialog', { name: 'Bias probe report' });
  await expect(reopened.getByRole('region', { name: 'Bias probe report' })).toContainText('The answers differ across names more than repeats of one row differ');
  await expect(reopened.getByRole('button', { name: 'Change the probe' })).toHaveCount(0);
  await expectAccessible(page, 'dialog');
});

test('pronouns and a marked name: the preview shows each consistent copy before anything runs, and Esc closes', async ({ page }) => {
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Review: {{note}}' }],
    testCases: [{ id: 'r', vars: { note: 'Bobbie said she is ready; her plan is good. Ask her.', n: 3 } }],
    selectedCase: 0,
    repeats: 1,
  });
  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await page.getByRole('button', { name: 'Bias probe of row 1…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bias probe · row 1' });
  await dialog.getByRole('combobox', { name: 'Attribute' }).selectOption('pronouns');
  await expect(dialog.getByRole('region', { name: 'Found in the row' })).toContainText('her in note (she/her) ×2');
  const preview = dialog.getByRole('region', { name: 'Rows the probe runs' });
  await expect(preview.getByRole('row', { name: /^he\/him/ })).toContainText('Bobbie said he is ready; his plan is good. Ask him.');
  await expect(preview.getByRole('row', { name: /^they\/them/ })).toContainText('Bobbie said they are ready; their plan is good. Ask them.');

  // A name not in the lists, marked by hand, then compared across names.
  await dialog.getByRole('combobox', { name: 'Attribute' }).selectOption('names');
  await expect(dialog.getByRole('region', { name: 'Found in the row' })).toContainText('No names from the lists found');
  await dialog.getByRole('textbox', { name: 'Mark a term' }).fill('Bobbie');
  await dialog.getByRole('button', { name: 'Add term' }).click();
  await expect(dialog.getByRole('region', { name: 'Found in the row' })).toContainText('Bobbie in note (marked)');
  await expect(preview.getByRole('row', { name: /^Lakisha/ })).toContainText('Lakisha said she is ready');
  await expectAccessible(page, 'dialog');
  await page.screenshot({ path: '/tmp/shots/bias-pronouns-marked.png', fullPage: true });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});
