/**
 * Setting up providers of every kind in Settings: an Anthropic and a Gemini provider from their
 * presets (listed with the API each speaks), Azure's preset refusing to save until its resource
 * is named, a cached-input price edited and saved, and a variant given a thinking budget and a
 * Gemini safety threshold. Nothing is sent to a vendor (running against fake servers is
 * another spec's job); axe checks Settings and the variant editor.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { callApi, startWebApp, type WebApp } from './support/web-app';

const SHOTS = '/tmp/shots';

let app: WebApp;
test.beforeEach(async () => {
  // No vendor key in the environment: nothing here may reach a vendor.
  app = await startWebApp(undefined, { ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_API_KEY: '', OPENAI_API_KEY: '' });
});
test.afterEach(async () => {
  await app.stop();
});

/** No serious or critical WCAG 2.1 AA violation on the page (or inside `within` only). */
async function expectAccessible(page: Page, within?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

async function addFromPreset(page: Page, option: string, name: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: option });
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue(name);
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('status')).toHaveText(`Saved ${name}.`);
}

test('an Anthropic and a Gemini provider from their presets, a cached-input price, a thinking budget on a variant', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Settings' }).click();

  // The preset fills every field, the API included.
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: 'Anthropic (Anthropic Messages)' });
  await expect(page.getByRole('textbox', { name: 'Base URL' })).toHaveValue('https://api.anthropic.com');
  await expect(page.getByRole('textbox', { name: 'Key environment variable' })).toHaveValue('ANTHROPIC_API_KEY');
  await expect(page.getByRole('combobox', { name: 'API', exact: true })).toHaveValue('anthropic');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved Anthropic.');
  await addFromPreset(page, 'Google Gemini (Google Gemini)', 'Google Gemini');

  const anthropic = page.getByRole('listitem').filter({ hasText: 'api.anthropic.com' });
  const gemini = page.getByRole('listitem').filter({ hasText: 'generativelanguage.googleapis.com' });
  await expect(anthropic).toContainText('API: Anthropic Messages');
  await expect(anthropic).toContainText('no key (set ANTHROPIC_API_KEY or enter one)');
  await expect(gemini).toContainText('API: Google Gemini');
  const saved = await callApi<{ name: string; kind: string; api?: string }[]>(app, 'providers.list', {});
  expect(saved.map((p) => [p.name, p.kind])).toEqual(expect.arrayContaining([['Anthropic', 'anthropic'], ['Google Gemini', 'google']]));

  // A model list that cannot be had (no key, no network) says why, beside the provider.
  await anthropic.getByRole('button', { name: 'Test Anthropic' }).click();
  await expect(anthropic.getByRole('alert')).not.toBeEmpty({ timeout: 15_000 });
  await anthropic.screenshot({ path: `${SHOTS}/provider-kinds-models-error.png` });

  // Editing keeps the API; switching it to the Responses API saves kind openai + api responses.
  await page.getByRole('button', { name: 'Edit Google Gemini' }).click();
  await expect(page.getByRole('combobox', { name: 'API', exact: true })).toHaveValue('google');
  await page.getByRole('button', { name: 'Cancel editing' }).click();
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: 'OpenAI Responses (OpenAI Responses API)' });
  await expect(page.getByRole('combobox', { name: 'API', exact: true })).toHaveValue('responses');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'OpenAI Responses' })).toContainText('API: OpenAI Responses API');

  // Azure's preset is a template: it says what to fill in and does not save as it is.
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: 'Azure OpenAI (OpenAI Chat Completions)' });
  await expect(page.getByRole('note').filter({ hasText: 'Replace <resource>' })).toBeVisible();
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('form', { name: 'Add a provider' }).getByRole('alert')).toHaveText('Replace <resource> in the base URL with your own value.');
  await page.getByRole('form', { name: 'Add a provider' }).screenshot({ path: `${SHOTS}/provider-kinds-azure-form.png` });
  await page.getByRole('textbox', { name: 'Base URL' }).fill('https://my-lab.openai.azure.com/openai/v1');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved Azure OpenAI.');

  // Prices: the date of the list, and a cached-input price of one's own.
  await expect(page.getByText(/list prices as of \d{4}-\d{2}-\d{2}/)).toBeVisible();
  await expect(page.getByRole('columnheader', { name: '$ / M cached input' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Cached input price of claude-sonnet-4-5' })).toHaveValue('0.3');
  await expect(page.getByRole('textbox', { name: 'Cache write price of claude-sonnet-4-5' })).toHaveValue('3.75');
  await expect(page.getByRole('textbox', { name: 'Reasoning price of claude-sonnet-4-5' })).toHaveValue('');
  const cached = page.getByRole('textbox', { name: 'Cached input price of gemini-2.5-flash', exact: true });
  await cached.fill('0.02');
  await page.getByRole('textbox', { name: 'Reasoning price of gemini-2.5-flash', exact: true }).fill('x');
  await page.getByRole('button', { name: 'Save prices' }).click();
  await expect(page.getByRole('region', { name: 'Prices' }).getByRole('alert')).toContainText('gemini-2.5-flash');
  await page.getByRole('textbox', { name: 'Reasoning price of gemini-2.5-flash', exact: true }).fill('');
  await page.getByRole('button', { name: 'Save prices' }).click();
  await expect(page.getByRole('region', { name: 'Prices' }).getByRole('status')).toHaveText('Prices saved.');
  const prices = await callApi<{ overrides: Record<string, { cachedInputPerMTok?: number; reasoningPerMTok?: number }> }>(app, 'prices.get', {});
  expect(prices.overrides['gemini-2.5-flash']).toEqual({ inputPerMTok: 0.3, outputPerMTok: 2.5, cachedInputPerMTok: 0.02 });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByRole('textbox', { name: 'Cached input price of gemini-2.5-flash', exact: true })).toHaveValue('0.02');
  await expect(page.getByRole('row', { name: /gemini-2\.5-flash your price/ })).toBeVisible();

  await expectAccessible(page);
  await page.screenshot({ path: `${SHOTS}/provider-kinds-settings.png` });
  await page.getByRole('region', { name: 'Prices' }).screenshot({ path: `${SHOTS}/provider-kinds-prices.png` });

  // A variant on Anthropic with a thinking budget; the hints say who reads which field.
  await page.getByRole('tab', { name: 'Editor' }).click();
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('combobox', { name: 'Provider for variant 1' }).selectOption({ label: 'Anthropic' });
  await page.getByRole('combobox', { name: 'Model for variant 1' }).fill('claude-sonnet-4-5');
  const budget = page.getByRole('spinbutton', { name: 'Thinking budget (tokens) for variant 1' });
  await expect(budget).toHaveAccessibleDescription(/0 turns thinking off; Anthropic needs at least 1,024.*Used by Anthropic and Gemini\.$/);
  await budget.fill('512');
  await expect(page.getByRole('article', { name: 'Variant A' }).getByRole('note').filter({ hasText: 'Anthropic refuses a budget under 1,024 tokens.' })).toBeVisible();
  await budget.fill('2048');
  await expect(page.getByText('Anthropic refuses a budget under 1,024 tokens.')).toHaveCount(0);
  await expect(page.getByRole('article', { name: 'Variant A' })).toContainText('thinking 2048');
  const summary = page.getByRole('combobox', { name: 'Reasoning summary for variant 1' });
  await expect(summary.locator('xpath=..')).toContainText('Used by the OpenAI Responses API; not by this provider.');
  await page.getByRole('combobox', { name: 'Harassment threshold for variant 1' }).selectOption({ label: 'Block only high' });
  await page.getByRole('combobox', { name: 'Reasoning effort for variant 1' }).selectOption('xhigh');
  await page.getByRole('spinbutton', { name: 'Top k for variant 1' }).fill('0');
  await expect(page.getByRole('article', { name: 'Variant A' }).getByRole('alert').filter({ hasText: 'At least 1.' })).toBeVisible();
  await page.getByRole('spinbutton', { name: 'Top k for variant 1' }).fill('40');

  await expect
    .poll(async () => (await callApi<{ columns: { params: Record<string, unknown> }[] }>(app, 'workspace.get', {})).columns[0]?.params, { timeout: 10_000 })
    .toEqual(expect.objectContaining({ thinkingBudget: 2048, topK: 40, reasoningEffort: 'xhigh', safety: { HARM_CATEGORY_HARASSMENT: 'BLOCK_ONLY_HIGH' } }));

  await expectAccessible(page, '.variant');
  await page.getByRole('article', { name: 'Variant A' }).screenshot({ path: `${SHOTS}/provider-kinds-variant.png` });
});
