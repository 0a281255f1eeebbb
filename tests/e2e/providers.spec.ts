import { expect, test } from '@playwright/test';
import { fakeAnswer, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { startWebApp, type WebApp } from './support/web-app';

const KEY = 'sk-e2e-secret-key-4321';

let server: FakeOpenAI;
let app: WebApp;

test.beforeEach(async () => {
  server = await startFakeOpenAI({ apiKey: KEY });
  app = await startWebApp();
});

test.afterEach(async () => {
  await app.stop();
  await server.close();
});

test('add an OpenAI-compatible endpoint in Settings, pick its model, and run it beside echo; a failing variant shows its error in its cell', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');

  await page.getByRole('tab', { name: 'Settings' }).click();
  // The Ollama preset fills the form; point it at the local test server instead.
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: 'Ollama (http://localhost:11434/v1)' });
  await expect(page.getByRole('textbox', { name: 'Base URL' })).toHaveValue('http://localhost:11434/v1');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Local lab');
  await page.getByRole('textbox', { name: 'Base URL' }).fill(server.baseUrl);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved Local lab.');
  const entry = page.getByRole('listitem').filter({ hasText: 'Local lab' });
  await expect(entry).toContainText('key …4321 (in memory)');
  await entry.getByRole('button', { name: 'Test Local lab' }).click();
  await expect(entry).toContainText('3 models available');

  await page.getByRole('tab', { name: 'Editor' }).click();
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('combobox', { name: 'Provider for variant 2' }).selectOption({ label: 'Local lab' });
  await page.getByRole('combobox', { name: 'Model for variant 2' }).fill('fake-small');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByRole('combobox', { name: 'Provider for variant 3' }).selectOption({ label: 'Local lab' });
  await page.getByRole('combobox', { name: 'Model for variant 3' }).fill('fail-500');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const userMessage = 'Explain a hash table in two sentences, then give one everyday example.';
  const answer = (variant: number) => page.getByRole('button', { name: `Expand row 1, variant ${variant}`, exact: true });
  const cell = (variant: number) => page.getByRole('gridcell', { name: `Row 1, variant ${variant}`, exact: true });
  await expect(answer(2)).toHaveText(fakeAnswer(userMessage), { timeout: 20_000 });
  await expect(answer(1)).toContainText(userMessage);
  await expect(cell(2)).toContainText('Done');
  await expect(page.getByRole('columnheader').filter({ hasText: 'Variant B' })).toContainText('Local lab · fake-small');
  // The failing variant says why, in its cell, after the retries.
  await expect(cell(3).getByRole('alert')).toContainText('server error (500)', { timeout: 30_000 });
  await expect(cell(3)).toContainText('Failed');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuetext', /^9 \/ 9 · 3 errors/);
  await expect(page.getByRole('button', { name: 'Re-run failed (3)' })).toBeEnabled();

  // The request carried the key; the page never shows it.
  expect(server.requestsFor('fake-small')[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  expect(await page.content()).not.toContain(KEY);
});
