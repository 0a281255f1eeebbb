/**
 * Grading existing answers with new checks, without running again: a run of two echo
 * variants × three rows with no checks, then a check added in the Checks tab; the banner
 * offers to grade the six answers, shows the estimate, and after the confirm the Results grid
 * shows the new pass/fail while History still holds one run. A rubric check added next is
 * estimated as six judge calls and graded from the Results tab's banner.
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

function call<T>(method: string, input: unknown): Promise<T> {
  return callApi<T>(app, method, input);
}

/** No serious or critical WCAG 2.1 AA violation on the page (or inside `within` only). */
async function expectAccessible(page: Page, within?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

function resultCell(page: Page, row: number, variant: number) {
  return page.getByRole('grid', { name: 'Results grid' }).getByRole('gridcell', { name: `Row ${row}, variant ${variant}` });
}

test('a check added after the run grades its answers in place, with the estimate first and no new run', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  const topics = ['otters', 'volcanoes', 'tides'];
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: topics.map((topic, i) => ({ id: `row-${i}`, vars: { topic } })),
    selectedCase: 0,
    // B is cut to 3 tokens, so its answers never reach the topic.
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { maxTokens: 3 } },
    ],
    repeats: 1,
    assertions: [],
  });

  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const { runs } = await call<{ runs: { status: string }[] }>('runs.list', {});
    expect(runs[0]?.status).toBe('done');
  }).toPass({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(resultCell(page, 1, 1)).toContainText('Tell me about otters');
  // Graded with the checks on screen (none): nothing to offer.
  await expect(page.getByRole('region', { name: 'Grade existing answers' })).toHaveCount(0);
  await expect(resultCell(page, 1, 1).getByRole('button', { name: /check/ })).toHaveCount(0);

  // A check for every row, added after the run.
  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('button', { name: 'Add check', exact: true }).click();
  await page.getByRole('textbox', { name: 'Value of check 1' }).fill('{{topic}}');
  const banner = page.getByRole('region', { name: 'Grade existing answers' });
  const grade = banner.getByRole('button', { name: 'Grade the 6 existing answers with these checks' });
  await expect(grade).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: '/tmp/shots/regrade-checks-banner.png' });

  await grade.click();
  await expect(banner).toContainText('Grading 6 answers with these checks: no model calls, free');
  await expectAccessible(page);
  await banner.getByRole('button', { name: 'Grade now' }).click();
  await expect(banner.getByRole('status')).toHaveText('Graded 6 answers with these checks.');
  // Graded with these checks now: no button.
  await expect(banner.getByRole('button', { name: /^Grade the/ })).toHaveCount(0);

  await page.getByRole('tab', { name: 'Results' }).click();
  for (const row of [1, 2, 3]) {
    await expect(resultCell(page, row, 1).getByRole('button', { name: '✓ 1/1 check' })).toBeVisible();
    await expect(resultCell(page, row, 2).getByRole('button', { name: /^✗ 1 of 1 failed/ })).toBeVisible();
  }
  const { runs } = await call<{ runs: unknown[] }>('runs.list', {});
  expect(runs).toHaveLength(1);

  // A rubric check with the echo judge: the estimate counts six judge calls; graded from Results.
  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('button', { name: 'Add check', exact: true }).click();
  await page.getByRole('combobox', { name: 'Type of check 2' }).selectOption('llm-rubric');
  await page.getByRole('textbox', { name: 'Rubric of check 2' }).fill('Talks about the topic');
  await page.getByRole('combobox', { name: 'Judge provider' }).selectOption({ label: 'Echo (offline)' });
  await page.getByRole('tab', { name: 'Results' }).click();
  const resultsBanner = page.getByRole('region', { name: 'Grade existing answers' });
  await resultsBanner.getByRole('button', { name: 'Grade the 6 existing answers with these checks' }).click();
  await expect(resultsBanner).toContainText('6 rubric calls, ≈$0');
  await page.screenshot({ path: '/tmp/shots/regrade-results-estimate.png' });
  await resultsBanner.getByRole('button', { name: 'Grade now' }).click();
  await expect(resultsBanner.getByRole('status')).toHaveText('Graded 6 answers with these checks (6 rubric calls).');
  await expect(resultCell(page, 1, 1).getByRole('button', { name: '✓ 2/2 checks' })).toBeVisible();
  await page.screenshot({ path: '/tmp/shots/regrade-results-done.png' });

  // The Verdict counts the new checks; History still has the one run.
  await page.getByRole('tab', { name: 'Verdict' }).click();
  await expect(page.getByRole('region', { name: 'Verdict' })).toContainText('llm-rubric');
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(page.getByRole('table', { name: 'Runs, newest first' }).getByRole('row').filter({ hasText: 'Tell me about' })).toHaveCount(1);
});

test('a run opened from History is graded with the Checks tab’s checks, and an error shows beside the button', async ({ page }) => {
  const doomed = await call<{ id: string }>('providers.save', { name: 'Doomed judge', baseUrl: 'http://127.0.0.1:9/v1' });
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Name {{thing}}' }],
    testCases: ['a kettle', 'a lamp'].map((thing, i) => ({ id: `row-${i}`, vars: { thing } })),
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: {} }],
    repeats: 1,
    assertions: [{ type: 'contains', value: 'kettle' }],
  });
  const { runId } = await call<{ runId: string }>('runs.start', {
    messages: [{ role: 'user', content: 'Name {{thing}}' }],
    testCases: ['a kettle', 'a lamp'].map((thing, i) => ({ id: `row-${i}`, vars: { thing } })),
    columns: [{ ...echo, id: 'col-a', params: {} }],
    assertions: [{ type: 'contains', value: 'lamp' }],
  });
  await expect(async () => {
    const { status } = await call<{ status: string }>('runs.progress', { runId });
    expect(status).toBe('done');
  }).toPass({ timeout: 20_000 });

  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByRole('table', { name: 'Runs, newest first' }).getByRole('button', { name: /^Open (results of the )?run from/ }).first().click();
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  // The run was graded with "lamp"; the draft's check is "kettle".
  await expect(resultCell(page, 1, 1).getByRole('button', { name: /^✗ 1 of 1 failed/ })).toBeVisible();
  const banner = page.getByRole('region', { name: 'Grade existing answers' });
  await banner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' }).click();
  await banner.getByRole('button', { name: 'Cancel' }).click();
  await expect(banner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' })).toBeVisible();
  await banner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' }).click();
  await banner.getByRole('button', { name: 'Grade now' }).click();
  await expect(resultCell(page, 1, 1).getByRole('button', { name: '✓ 1/1 check' })).toBeVisible();
  await expect(resultCell(page, 2, 1).getByRole('button', { name: /^✗ 1 of 1 failed/ })).toBeVisible();
  expect((await call<{ assertions: unknown[] }>('runs.checks', { runId })).assertions).toEqual([{ type: 'contains', value: 'kettle' }]);

  // A rubric check whose judge provider is removed after the estimate: the error shows next to the control.
  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('combobox', { name: 'Type of check 1' }).selectOption('llm-rubric');
  await page.getByRole('textbox', { name: 'Rubric of check 1' }).fill('Names a household object');
  await page.getByRole('combobox', { name: 'Judge provider' }).selectOption({ label: 'Doomed judge' });
  await page.getByRole('combobox', { name: 'Judge model' }).fill('judge-model');
  const checksBanner = page.getByRole('region', { name: 'Grade existing answers' });
  await checksBanner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' }).click();
  await expect(checksBanner).toContainText('2 rubric calls');
  await expect(checksBanner).toContainText('no price for judge-model');
  await call('providers.remove', { id: doomed.id });
  await checksBanner.getByRole('button', { name: 'Grade now' }).click();
  await expect(checksBanner.getByRole('alert')).toContainText('It may have been removed in Settings.');
  // Nothing changed: the answers keep the results of "kettle".
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(resultCell(page, 1, 1).getByRole('button', { name: '✓ 1/1 check' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Grade existing answers' }).getByRole('alert')).toContainText('removed in Settings');
});

test('Stop ends a re-grade: the answers keep their earlier results and the banner says so', async ({ page }) => {
  // Long answers make the echo judge take seconds per call: long enough to stop.
  const rows = ['tides ', 'waves '].map((word, i) => ({ id: `row-${i}`, vars: { text: word.repeat(500) } }));
  const judge = { providerId: 'echo', model: 'echo' };
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  const columns = [{ ...echo, id: 'col-a', params: {} }];
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: '{{text}}' }],
    testCases: rows,
    selectedCase: 0,
    columns,
    repeats: 1,
    assertions: [{ type: 'contains', value: 'es' }, { type: 'llm-rubric', value: 'Is about the sea' }],
    judge,
  });
  const { runId } = await call<{ runId: string }>('runs.start', { messages: [{ role: 'user', content: '{{text}}' }], testCases: rows, columns, assertions: [{ type: 'contains', value: 'es' }] });
  await expect(async () => {
    expect((await call<{ status: string }>('runs.progress', { runId })).status).toBe('done');
  }).toPass({ timeout: 30_000 });
  const before = (await call<{ cells: { grading?: unknown }[] }>('runs.cells', { runId, fromCase: 0, toCase: 2 })).cells.map((c) => c.grading);

  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByRole('table', { name: 'Runs, newest first' }).getByRole('button', { name: /^Open (results of the )?run from/ }).first().click();
  const banner = page.getByRole('region', { name: 'Grade existing answers' });
  await banner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' }).click();
  await expect(banner).toContainText('2 rubric calls, ≈$0');
  await banner.getByRole('button', { name: 'Grade now' }).click();
  await expect(banner.getByRole('progressbar', { name: 'Grading answers' })).toBeVisible();
  await page.screenshot({ path: '/tmp/shots/regrade-progress.png' });
  await banner.getByRole('button', { name: 'Stop grading' }).click();
  await expect(banner.getByRole('status')).toHaveText('Stopped: 0 answers of 2 graded with these checks; the others keep their earlier results.');
  // Still different from the run's checks: the offer is back.
  await expect(banner.getByRole('button', { name: 'Grade the 2 existing answers with these checks' })).toBeVisible();
  // The banner itself (the grid around it is another view's, checked in its own tests).
  await expectAccessible(page, 'section[aria-label="Grade existing answers"]');
  const after = (await call<{ cells: { grading?: unknown }[] }>('runs.cells', { runId, fromCase: 0, toCase: 2 })).cells.map((c) => c.grading);
  expect(after).toEqual(before);
  expect((await call<{ assertions: unknown[] }>('runs.checks', { runId })).assertions).toEqual([{ type: 'contains', value: 'es' }]);
});
