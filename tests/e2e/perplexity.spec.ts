/**
 * perplexity checks in the app: picked in the Checks tab with a threshold, run on the offline
 * echo provider (which sends no token log-probabilities), the cell fails the check with
 * promptfoo's reason rather than passing it; accessible editor and popover.
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

async function expectAccessible(page: Page, within: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include(within).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) ${v.help}`);
  expect(bad).toEqual([]);
}

test('a perplexity check with a threshold fails on a provider without log-probabilities, saying why', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Describe {{topic}}' }],
    testCases: [{ id: 'row-rain', vars: { topic: 'rain' } }],
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: {} }],
    repeats: 1,
    assertions: [],
  });

  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('button', { name: 'Add check', exact: true }).click();
  await page.getByRole('combobox', { name: 'Type of check 1' }).selectOption('perplexity');
  await page.getByRole('textbox', { name: 'Threshold of check 1' }).fill('1.5');
  await expect(page.getByText(/The answer’s perplexity \(from its tokens’ log-probabilities/)).toBeVisible();
  await expectAccessible(page, '.checks-editor');
  await page.screenshot({ path: '/tmp/shots/perplexity-check-editor.png' });
  await expect(async () => {
    const saved = await callApi<{ assertions: { type: string; threshold?: number }[] }>(app, 'workspace.get', {});
    expect(saved.assertions).toEqual([{ type: 'perplexity', threshold: 1.5 }]);
  }).toPass({ timeout: 10_000 });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const { runs } = await callApi<{ runs: { status: string }[] }>(app, 'runs.list', {});
    expect(runs[0]?.status).toBe('done');
  }).toPass({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Results' }).click();
  const cell = page.getByRole('grid', { name: 'Results grid' }).getByRole('gridcell', { name: 'Row 1, variant 1' });
  await expect(cell).toContainText('Describe rain');
  await cell.getByRole('button', { name: /^✗ 1 of 1 failed: Perplexity assertion does not support providers that do not return logProbs$/ }).click();
  const popover = page.getByRole('dialog', { name: 'Checks' });
  await expect(popover).toContainText('Perplexity assertion does not support providers that do not return logProbs');
  await expectAccessible(page, '[popover]');
  await page.screenshot({ path: '/tmp/shots/perplexity-check-failed.png' });
});
