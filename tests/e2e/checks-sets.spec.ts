/**
 * promptfoo's assert-set and test threshold in the app: a row whose set passes at its own
 * threshold while one of its checks fails, and a row passed by its test threshold with a
 * failed check. The checks badge says why each row passed, and its popover lists the set's
 * checks under it.
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

function resultCell(page: Page, row: number) {
  return page.getByRole('grid', { name: 'Results grid' }).getByRole('gridcell', { name: `Row ${row}, variant 1` });
}

test('an assert-set and a test threshold: each row says why it passed, and the set lists its checks', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: [
      {
        id: 'row-cats',
        vars: { topic: 'cats' },
        assert: [
          {
            type: 'assert-set',
            threshold: 0.5,
            metric: 'facts',
            assert: [
              { type: 'contains', value: 'cats' },
              { type: 'contains', value: 'dogs' },
            ],
          },
        ],
      },
      { id: 'row-fish', vars: { topic: 'fish' }, threshold: 0.5, assert: [{ type: 'contains', value: 'fish' }, { type: 'contains', value: '<script>alert(1)</script>' }] },
    ],
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: {} }],
    repeats: 1,
    assertions: [],
  });

  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const { runs } = await callApi<{ runs: { status: string }[] }>(app, 'runs.list', {});
    expect(runs[0]?.status).toBe('done');
  }).toPass({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(resultCell(page, 1)).toContainText('Tell me about cats');

  // Row 1: one check, the set, passed at its threshold.
  const setBadge = resultCell(page, 1).getByRole('button', { name: /^✓ 1\/1 check$/ });
  await setBadge.click();
  const popover = page.getByRole('dialog', { name: 'Checks' });
  await expect(popover).toBeVisible();
  await expect(popover).toContainText('assert-set (facts)');
  await expect(popover).toContainText('Aggregate score 0.50 ≥ 0.5 threshold');
  const members = popover.getByRole('list', { name: 'Checks in assert-set' });
  await expect(members.getByRole('listitem')).toHaveCount(2);
  await expect(members).toContainText('Expected output to contain "dogs"');
  await expectAccessible(page, '[popover]');
  await page.screenshot({ path: '/tmp/shots/checks-assert-set.png' });
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();

  // Row 2: passed by the test threshold, with a failed check; the check's value is shown as text.
  const thresholdBadge = resultCell(page, 2).getByRole('button', { name: /^✓ 1\/2 checks · Aggregate score 0\.50 ≥ 0\.5 threshold$/ });
  await thresholdBadge.click();
  await expect(popover).toContainText('Expected output to contain "<script>alert(1)</script>"');
  expect(await page.locator('script', { hasText: 'alert(1)' }).count()).toBe(0);
  await page.screenshot({ path: '/tmp/shots/checks-test-threshold.png' });
});
