/**
 * A variant sent as a batch, in browser mode against the fake batch engines (support/fake-batch.ts):
 * the variant's "Send as batch" box, the estimate at the batch price, the run's batch status
 * while the vendor works, results flowing into the grid, Cancel, and "Send N failed live" for
 * what the batch's window left unanswered.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { FakeBatchServer } from '../support/fake-batch';
import { openApp } from './support/editor';
import { callApi, startWebApp, type WebApp } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

let app: WebApp;
let server: FakeBatchServer;

test.afterEach(async () => {
  await app.stop();
  await server.stop();
});

async function setUp(options: ConstructorParameters<typeof FakeBatchServer>[0]): Promise<void> {
  server = new FakeBatchServer(options);
  await server.start();
  app = await startWebApp(undefined, { PARALLAX_BATCH_POLL_MS: '50' });
  const provider = await callApi<{ id: string }>(app, 'providers.save', { name: 'OpenAI (fake batch)', kind: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-e2ebatch-7Kp2Wq9Xc4Vb6Nm8' });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Say {{word}}' }],
    testCases: [
      { id: 'r1', vars: { word: 'alpha' } },
      { id: 'r2', vars: { word: 'slow' } },
    ],
    selectedCase: 0,
    columns: [{ id: 'col-a', providerId: provider.id, model: 'gpt-4o-mini', params: { maxTokens: 50 } }],
  });
}

async function expectAccessible(page: Page, within?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

function resultCell(page: Page, row: number) {
  return page.getByRole('grid', { name: 'Results grid' }).getByRole('gridcell', { name: `Row ${row}, variant 1` });
}

async function sendAsBatch(page: Page): Promise<void> {
  const estimate = page.getByRole('status', { name: 'Run estimate' });
  await expect(estimate).toBeVisible();
  const before = await estimate.textContent();
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('checkbox', { name: 'Send as batch: variant 1' }).check();
  await expect(estimate).toContainText('as a batch: half the list price');
  expect(await estimate.textContent()).not.toBe(before);
}

test('a batch variant: estimate at the batch price, the job while it runs, then its answers in the grid', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  await setUp({ autoStep: true, perStep: 0 });
  await openApp(page, app.url);
  await sendAsBatch(page);
  await expectAccessible(page, 'article[aria-label="Variant A"]');
  await page.getByRole('article', { name: 'Variant A' }).screenshot({ path: '/tmp/shots/batch-variant.png' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const jobs = page.getByRole('region', { name: 'Batch jobs' });
  await expect(jobs).toContainText('OpenAI Batch API · in progress · 0 of 2 answered');
  await expect(jobs.getByRole('progressbar', { name: 'Batch 1' })).toHaveAttribute('aria-valuemax', '2');
  await expect(jobs.getByRole('button', { name: 'Cancel batch' })).toBeVisible();
  await expect(resultCell(page, 1)).toContainText('In batch');
  await expectAccessible(page, 'section[aria-label="Batch jobs"]');
  await page.screenshot({ path: '/tmp/shots/batch-in-progress.png' });
  // The vendor gets to the requests.
  server.options.perStep = undefined;
  await expect(jobs).toContainText('completed · 2 of 2 answered');
  await expect(resultCell(page, 1)).toContainText('batch: Say alpha');
  await expect(resultCell(page, 2)).toContainText('batch: Say slow');
  await expect(jobs.getByRole('button', { name: 'Cancel batch' })).toHaveCount(0);
  await page.screenshot({ path: '/tmp/shots/batch-completed.png' });
  expect(server.created).toBe(1);
});

test('requests the 24-hour window left unanswered are sent live with one button', async ({ page }) => {
  await setUp({
    autoStep: true,
    stepMs: 6 * 3600_000,
    answer: (_id, body) => (JSON.stringify(body['messages']).includes('slow') ? { kind: 'stall' } : { kind: 'ok', text: 'quick answer' }),
  });
  await openApp(page, app.url);
  await sendAsBatch(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const jobs = page.getByRole('region', { name: 'Batch jobs' });
  await expect(jobs).toContainText('expired');
  await expect(resultCell(page, 1)).toContainText('quick answer');
  await expect(resultCell(page, 2)).toContainText(/window ended/);
  const sendLive = jobs.getByRole('button', { name: 'Send 1 failed live' });
  await expect(sendLive).toBeVisible();
  await expectAccessible(page, 'section[aria-label="Batch jobs"]');
  await page.screenshot({ path: '/tmp/shots/batch-expired.png' });
  await sendLive.click();
  // Sent live: a chat completion request reaches the server (the fake has no live endpoint, so it fails there), no second batch.
  await expect.poll(() => server.requests.some((r) => r.method === 'POST' && r.path === '/v1/chat/completions')).toBe(true);
  await expect(resultCell(page, 2)).not.toContainText(/window ended/);
  expect(server.created).toBe(1);
});

test('Cancel batch cancels the job at the vendor and the waiting cells', async ({ page }) => {
  await setUp({ autoStep: true, perStep: 0 });
  await openApp(page, app.url);
  await sendAsBatch(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const jobs = page.getByRole('region', { name: 'Batch jobs' });
  await expect(jobs).toContainText('in progress');
  await jobs.getByRole('button', { name: 'Cancel batch' }).click();
  // Polled on until the vendor has ended it (what it answered before would be written).
  await expect(jobs).toContainText('cancelled');
  await expect.poll(() => [...server.batches.values()][0]?.status).toBe('cancelled');
  await expect(resultCell(page, 1)).toContainText(/Stopped|cancelled/i);
  await expect(jobs.getByRole('button', { name: 'Cancel batch' })).toHaveCount(0);
  await expectAccessible(page, 'section[aria-label="Batch jobs"]');
  await page.screenshot({ path: '/tmp/shots/batch-cancelled.png' });
});
