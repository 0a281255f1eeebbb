/**
 * select-best and max-score in the app: they compare a row's answers, so each variant's result
 * is graded once the whole row is in. The echo judge repeats its prompt, and select-best reads
 * the first number in it: the criterion's own "alert(1)", so variant 2 wins; max-score picks the variant
 * whose other checks scored highest (B is cut to 3 tokens and misses the topic).
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

function resultCell(page: Page, row: number, variant: number) {
  return page.getByRole('grid', { name: 'Results grid' }).getByRole('gridcell', { name: `Row ${row}, variant ${variant}` });
}

test('select-best and max-score grade a row once its answers are in: one variant wins, the other fails with why', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: [
      { id: 'row-best', vars: { topic: 'otters' }, assert: [{ type: 'select-best', value: 'Names the animal <script>alert(1)</script>' }] },
      { id: 'row-max', vars: { topic: 'volcanoes' }, assert: [{ type: 'contains', value: 'volcanoes' }, { type: 'max-score' }] },
    ],
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { maxTokens: 3 } },
    ],
    repeats: 1,
    assertions: [],
    judge: { providerId: 'echo', model: 'echo' },
  });

  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const { runs } = await callApi<{ runs: { status: string }[] }>(app, 'runs.list', {});
    expect(runs[0]?.status).toBe('done');
  }).toPass({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(resultCell(page, 1, 1)).toContainText('Tell me about otters');

  await expect(resultCell(page, 1, 2).getByRole('button', { name: '✓ 1/1 check' })).toBeVisible();
  const lost = resultCell(page, 1, 1).getByRole('button', { name: /^✗ 1 of 1 failed/ });
  await lost.click();
  const popover = page.getByRole('dialog', { name: 'Checks' });
  await expect(popover).toContainText('Output not selected: Names the animal <script>alert(1)</script>');
  expect(await page.locator('script', { hasText: 'alert(1)' }).count()).toBe(0);
  await expectAccessible(page, '[popover]');
  await page.screenshot({ path: '/tmp/shots/compare-select-best.png' });
  await page.keyboard.press('Escape');

  await expect(resultCell(page, 2, 1).getByRole('button', { name: '✓ 2/2 checks' })).toBeVisible();
  await resultCell(page, 2, 2).getByRole('button', { name: /^✗ 2 of 2 failed/ }).click();
  await expect(popover).toContainText('Not selected (score: 0.000, max: 1.000)');
  await page.screenshot({ path: '/tmp/shots/compare-max-score.png' });
});
