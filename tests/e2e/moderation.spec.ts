/**
 * The moderation check from the check picker, in browser mode: a moderation check whose
 * categories are ticked in the Checks tab, graded through the judge provider's
 * OpenAI-compatible /moderations (the fake server, which flags "attack" as violence and
 * "idiot" as harassment) with the moderation model typed beside the judge. The Checks view
 * passes axe's WCAG 2.1 AA rules.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { openApp } from './support/editor';
import { startWebApp, type WebApp, callApi } from './support/web-app';

const KEY = 'sk-e2e-moderation-key-1357';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}
interface Cell {
  caseIndex: number;
  grading?: { pass: boolean; componentResults: { type: string; pass: boolean; reason: string }[] };
}

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

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

test('a moderation check with ticked categories fails only on those, through the judge server’s /moderations', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const provider = await callApi<{ id: string }>(app, 'providers.save', { name: 'Local lab', baseUrl: server.baseUrl, apiKey: KEY });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: '{{line}}' }],
    testCases: ['We attack at dawn', 'You idiot', 'Tea is ready'].map((line, i) => ({ id: `row-${i}`, vars: { line } })),
    selectedCase: 0,
    columns: [{ ...echo, id: 'col-a', params: {} }],
    repeats: 1,
    assertions: [],
    judge: { providerId: provider.id, model: 'fake-judge' },
  });

  await openApp(page, app.url);
  await page.getByRole('tab', { name: 'Checks' }).click();
  await page.getByRole('button', { name: 'Add check', exact: true }).click();
  await page.getByRole('combobox', { name: 'Type of check 1' }).selectOption('moderation');
  const categories = page.getByRole('group', { name: 'Categories that fail check 1' });
  await expect(categories).toContainText('None ticked: any category the moderation endpoint flags fails the check.');
  await categories.getByRole('checkbox', { name: 'violence', exact: true }).check();
  await expect(page.getByRole('textbox', { name: 'Categories as a JSON list of check 1' })).toHaveValue('["violence"]');
  await page.getByRole('textbox', { name: /^Moderation model/ }).fill('omni-moderation-2024-09-26');
  await expectAccessible(page);
  await page.screenshot({ path: '/tmp/shots/moderation-checks.png', fullPage: true });

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  let runId = '';
  await expect(async () => {
    const { runs } = await callApi<{ runs: { id: string; status: string }[] }>(app, 'runs.list', {});
    expect(runs[0]?.status).toBe('done');
    runId = runs[0]?.id ?? '';
  }).toPass({ timeout: 20_000 });
  const { cells } = await callApi<{ cells: Cell[] }>(app, 'runs.cells', { runId, fromCase: 0, toCase: 3 });
  const verdicts = cells.map((c) => [c.caseIndex, c.grading?.pass, c.grading?.componentResults[0]?.reason]);
  expect(verdicts).toEqual([
    [0, false, 'Moderation flags detected: violence'],
    // Harassment is flagged, but only violence was ticked.
    [1, true, 'No relevant moderation flags detected'],
    [2, true, 'No moderation flags detected'],
  ]);
  const asked = server.requests.filter((r) => r.path === '/v1/moderations');
  expect(asked).toHaveLength(3);
  expect(asked.map((r) => (r.body as { model?: string }).model)).toEqual(Array(3).fill('omni-moderation-2024-09-26'));
});
