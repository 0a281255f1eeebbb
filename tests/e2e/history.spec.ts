/**
 * Runs over time: two echo runs of different prompts, found in History by a word only the
 * newer one's answers hold, filtered, compared (deltas and the sign test in words), the open
 * run kept across a reload, and opening a run that leaves the draft alone unless asked.
 *
 * Reference: the short variant (3 tokens) fails `contains city` on the 4 city rows in run 1
 * (the city comes last) and passes in run 2 (the city comes first), and fails the hostile row
 * in both (its value is longer than 3 tokens): fixed 4, broken 0, same 1; exact two-sided
 * sign test p = 2 · (1/2)^4 = 0.125, shown as 0.13.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openApp } from './support/editor';
import { startWebApp, type WebApp, callApi } from './support/web-app';

interface Workspace {
  messages: { role: string; content: string }[];
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

const PROMPT_1 = 'Please write a short description of {{ city }}.';
const PROMPT_2 = '{{ city }}: please write a short description, as a {{ "zebra" + "fish" }} would.';
// A value that would run script if any of it were taken as markup (it is text everywhere).
const HOSTILE = '<img src=x onerror="window.__pwned=1">=HYPERLINK("javascript:alert(1)")';
const CITIES = ['Paris', 'Rome', 'Oslo', 'Lima', HOSTILE];

async function saveDraft(content: string, cities: string[]): Promise<void> {
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content }],
    testCases: cities.map((city, i) => ({ id: `row-${city}-${i}`, vars: { city } })),
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-full', params: {} },
      { ...echo, id: 'col-short', params: { maxTokens: 3 }, label: 'terse' },
    ],
    repeats: 1,
    assertions: [{ type: 'contains', value: '{{ city }}' }],
  });
}

async function runAndWait(page: Page, runs: number): Promise<void> {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const list = await call<{ runs: { status: string }[] }>('runs.list', {});
    expect(list.runs).toHaveLength(runs);
    expect(list.runs[0]?.status).toBe('done');
  }).toPass({ timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
}

async function axe(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function draftPrompt(): Promise<string | undefined> {
  return (await call<Workspace>('workspace.get', {})).messages[0]?.content;
}

test('History finds, filters and compares runs; the open run survives a reload; opening keeps the draft unless asked', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await saveDraft(PROMPT_1, CITIES);
  await openApp(page, app.url);

  // History before any run says what to do.
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(page.getByText('No runs yet. Write a prompt in the Editor and press Run')).toBeVisible();
  await page.getByRole('tab', { name: 'Editor' }).click();
  await runAndWait(page, 1);
  const resultsPanel = page.getByRole('tabpanel', { name: 'Results' });
  await expect(resultsPanel).toContainText('Please write a short description of Paris.');

  // The edit: the city first, rows in another order and one more; a reload keeps run 1 open in Results.
  await saveDraft(PROMPT_2, [HOSTILE, 'Lima', 'Cairo', 'Oslo', 'Rome', 'Paris']);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await expect(resultsPanel).toContainText('Please write a short description of Paris.');
  await page.getByRole('tab', { name: 'Verdict' }).click();
  await expect(page.getByRole('region', { name: 'Verdict' })).toBeVisible();
  await runAndWait(page, 2);

  // History: both runs, told apart by their variants and pass rates.
  await page.getByRole('tab', { name: 'History' }).click();
  const table = page.getByRole('table', { name: 'Runs, newest first' });
  await expect(table.getByRole('row')).toHaveCount(3);
  const row1 = table.getByRole('row').filter({ hasText: 'Please write a short description of {{ city }}.' });
  const row2 = table.getByRole('row').filter({ hasText: 'zebra' });
  await expect(row1).toContainText('B: terse (echo)');
  await expect(row1).toContainText('5 rows × 2 variants');
  await expect(row1).toContainText('50% of 10');
  // The hostile row's short answer stops before the end of its value: 11 of 12 pass.
  await expect(row2).toContainText('6 rows × 2 variants');
  await expect(row2).toContainText('91.7% of 12');
  await page.screenshot({ path: '/tmp/shots/history.png', fullPage: true });
  await axe(page);
  // Up and down arrows move to the same control in the next or previous row.
  await row2.getByRole('button', { name: /^Open results/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(row1.getByRole('button', { name: /^Open results/ })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(row2.getByRole('button', { name: /^Open results/ })).toBeFocused();
  await row2.getByRole('checkbox').focus();
  await page.keyboard.press('ArrowDown');
  await expect(row1.getByRole('checkbox')).toBeFocused();

  // A word only run 2's answers hold (its template says "zebra" + "fish").
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill('zebrafish');
  await expect(page.getByRole('status').filter({ hasText: 'run matches' })).toHaveText('1 run matches.');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText('zebra');
  await search.fill('Cairo');
  await expect(page.getByRole('status').filter({ hasText: 'run matches' })).toHaveText('1 run matches.');
  // FTS5's own syntax is taken as words: no error, just no match, and a way back.
  await search.fill('"NEAR( -: * zzz');
  await expect(page.getByText('No runs match these filters.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'History' }).getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: '/tmp/shots/history-no-match.png' });
  await page.locator('.empty').getByRole('button', { name: 'Clear filters' }).click();
  await expect(search).toHaveValue('');
  await expect(table.getByRole('row')).toHaveCount(3);

  const status = page.getByRole('combobox', { name: 'Status' });
  await status.selectOption('cancelled');
  await expect(page.getByText('No runs match these filters.')).toBeVisible();
  await status.selectOption('done');
  await expect(table.getByRole('row')).toHaveCount(3);
  await page.getByRole('combobox', { name: 'Model' }).selectOption('echo');
  await expect(table.getByRole('row')).toHaveCount(3);
  await page.getByRole('combobox', { name: 'Label' }).selectOption('terse');
  await expect(table.getByRole('row')).toHaveCount(3);
  await page.getByRole('button', { name: 'Clear filters' }).click();

  // Compare: tick both.
  const compare = page.getByRole('button', { name: 'Compare', exact: true });
  await expect(compare).toBeDisabled();
  await row1.getByRole('checkbox').check();
  await row2.getByRole('checkbox').check();
  await compare.click();
  const view = page.getByRole('region', { name: 'Compare runs' });
  await expect(view).toContainText('5 rows matched by their test-case values.');
  await expect(view).toContainText('Only in run 2: #3.');
  const terse = view.getByRole('article', { name: 'Variant B: terse' });
  await expect(terse).toContainText("Run 2's B is better on 4 rows, worse on 0 (the same on 1 row); p = 0.13, not significant at 0.05.");
  await expect(terse).toContainText('Fixed 4 rows, broken 0 rows, same 1 row.');
  const figures = terse.getByRole('table', { name: 'Figures of B: terse' });
  await expect(figures.getByRole('row', { name: /^Pass rate/ }).getByRole('cell')).toHaveText(['0%', '80%', '+80 pts']);
  await expect(figures.getByRole('row', { name: /^Mean latency/ })).toBeVisible();
  const full = view.getByRole('article', { name: /^Variant A: / });
  await expect(full).toContainText("Run 2's A does the same on all 5 rows: no row changed.");
  const changed = view.getByRole('table', { name: 'Rows whose outcome changed' });
  await expect(changed.getByRole('row')).toHaveCount(5);
  await expect(changed.getByRole('row', { name: /^#1 \/ #6/ })).toContainText('fixed (0% → 100%)');
  await changed.getByRole('row', { name: /^#1 \/ #6/ }).getByRole('button', { name: 'Show answers' }).click();
  const answers = view.getByRole('region', { name: 'Answers of row 1' });
  // The word diff of run 1's answer against run 2's, then both whole.
  const terseAnswers = answers.getByRole('group', { name: 'Answers of B: terse' });
  await expect(terseAnswers.getByRole('region', { name: 'Word differences' }).getByRole('insertion')).toContainText(['Paris:']);
  await terseAnswers.getByText('Both answers side by side').click();
  await expect(terseAnswers.getByRole('figure')).toHaveText(['Run 1Please write a', 'Run 2Paris: please']);
  const fullAnswers = answers.getByRole('group', { name: /^Answers of A: / });
  await fullAnswers.getByText('Both answers side by side').click();
  await expect(fullAnswers).toContainText('Paris: please write a short description, as a zebrafish would.');
  await expect(fullAnswers).toContainText('Please write a short description of Paris.');
  await page.screenshot({ path: '/tmp/shots/compare.png', fullPage: true });
  await axe(page);
  await view.getByRole('radio', { name: 'All matched rows' }).check();
  const all = view.getByRole('table', { name: 'Matched rows' });
  await expect(all.getByRole('row')).toHaveCount(6);
  // The hostile row reads as text, in the table and in its answers; nothing of it ran.
  const hostileRow = all.getByRole('row', { name: /^#5 \/ #1/ });
  await expect(hostileRow).toContainText(`city: ${HOSTILE}`);
  await hostileRow.getByRole('button', { name: 'Show answers' }).click();
  await expect(view.getByRole('region', { name: 'Answers of row 5' })).toContainText('HYPERLINK');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await view.getByRole('button', { name: 'Back to History' }).click();

  // Open results of run 1: Results shows it, the draft keeps run 2's prompt.
  await row1.getByRole('button', { name: /^Open results/ }).click();
  await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await expect(resultsPanel).toContainText('Please write a short description of Paris.');
  await expect(page.getByRole('button', { name: 'Bring back the previous draft' })).toHaveCount(0);
  await page.waitForTimeout(800); // past the draft's save debounce: a replaced draft would be saved by now
  expect(await draftPrompt()).toBe(PROMPT_2);

  // Reload: the run opened from History is the one shown again.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(resultsPanel).toContainText('Please write a short description of Paris.');
  await page.screenshot({ path: '/tmp/shots/results-after-reload.png' });
  expect(await draftPrompt()).toBe(PROMPT_2);

  // Open in editor replaces the draft, and the old one can come back.
  await page.getByRole('tab', { name: 'History' }).click();
  await row1.getByRole('button', { name: /^Open in editor/ }).click();
  await expect(page.getByRole('button', { name: 'Bring back the previous draft' })).toBeVisible();
  await expect.poll(draftPrompt, { timeout: 5000 }).toBe(PROMPT_1);
  await page.getByRole('button', { name: 'Bring back the previous draft' }).click();
  await expect.poll(draftPrompt, { timeout: 5000 }).toBe(PROMPT_2);
});
