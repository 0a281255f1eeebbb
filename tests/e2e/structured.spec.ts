/**
 * Structured output: a variant asks for a JSON Schema, and the cell dialog says whether each
 * answer matches it. The echo provider answers with the rendered prompt, so a template that
 * writes JSON makes each row's answer that JSON: one matches, one breaks the schema (a word
 * where a number belongs), one is not JSON at all.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { callApi, startWebApp, type WebApp } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

const SCHEMA = { type: 'object', properties: { port: { type: 'string' }, day: { type: 'integer' } }, required: ['port', 'day'] };

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

async function openCell(page: Page, row: number): Promise<ReturnType<Page['getByRole']>> {
  await page.getByRole('button', { name: `Expand row ${row}, variant 1`, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: new RegExp(`^Row ${row} · Variant A`) });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('the cell dialog says whether an answer matches the JSON Schema its variant asked for', async ({ page }) => {
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: '{{body}}' }],
    testCases: [
      { id: 'ok', vars: { body: '{"port": "Brest", "day": 3}' } },
      { id: 'bad', vars: { body: '{"port": "Kiel", "day": "soon"}' } },
      { id: 'prose', vars: { body: 'High tide is at noon.' } },
    ],
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: { responseFormat: { type: 'json_schema', name: 'tide', schema: SCHEMA } } }],
    repeats: 1,
    assertions: [],
  });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '3', { timeout: 30_000 });

  let dialog = await openCell(page, 1);
  await expect(dialog.getByRole('note').filter({ hasText: 'Structured output' })).toHaveText('Structured output (tide): matches the schema');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('dialog[open]').analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.keyboard.press('Escape');

  dialog = await openCell(page, 2);
  await expect(dialog.getByRole('note').filter({ hasText: 'Structured output' })).toHaveText('Structured output (tide): invalid: the answer/day must be integer');
  await page.keyboard.press('Escape');

  dialog = await openCell(page, 3);
  await expect(dialog.getByRole('note').filter({ hasText: 'Structured output' })).toContainText('Structured output (tide): not valid JSON');
});
