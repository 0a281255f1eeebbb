import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

async function openCases(page: Page): Promise<void> {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(page.getByRole('grid', { name: 'Test cases' })).toBeVisible();
}

async function importFile(page: Page, name: string, text: string): Promise<ReturnType<Page['getByRole']>> {
  await page.getByRole('button', { name: 'Import test cases' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import test cases' });
  await dialog.getByLabel(/File of test cases/).setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  return dialog;
}

/** The table's row counter ("120 rows"). */
const counter = (page: Page): ReturnType<Page['getByText']> =>
  page.getByRole('region', { name: 'Test cases', exact: true }).getByText(/^[\d,]+ rows?$/);

const cell = (page: Page, name: string): ReturnType<Page['getByRole']> => page.getByRole('textbox', { name, exact: true });

// Line 4 has one field where the header has three; the quoted value on lines 5–6 spans two lines.
const CSV = [
  'topic,audience,__expected',
  'recursion,kids,A function that calls itself',
  '"hash tables, briefly",adults,',
  'a broken row',
  'queues,"managers',
  'who read fast",FIFO',
  'sorting,students,',
].join('\n');

test('a CSV with a broken row imports its good rows; the table edits, duplicates, deletes, moves and exports them', async ({ page }) => {
  await openCases(page);
  // The sample draft opens with three rows.
  await expect(counter(page)).toHaveText('3 rows');

  const dialog = await importFile(page, 'cases.csv', CSV);
  await expect(dialog.getByRole('status')).toContainText('4 rows read, 1 row could not be read');
  await expect(dialog.getByRole('region', { name: 'Problems' })).toContainText('line 4: 1 field, but the header has 3');
  await expect(dialog.getByRole('combobox', { name: 'Map column __expected to' })).toHaveValue('expected');
  await expect(dialog.getByRole('combobox', { name: 'Map column topic to' })).toHaveValue('topic');
  await expect(dialog.getByRole('table', { name: 'Preview of the first rows' })).toContainText('hash tables, briefly');
  await dialog.getByRole('button', { name: 'Replace', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  await expect(counter(page)).toHaveText('4 rows');
  await expect(cell(page, 'topic, row 1')).toHaveValue('recursion');
  await expect(cell(page, 'audience, row 3')).toHaveValue('managers\nwho read fast');
  await expect(cell(page, 'expected, row 1')).toHaveValue('A function that calls itself');
  await expect(cell(page, 'expected, row 3')).toHaveValue('FIFO');

  // Edit a cell.
  await cell(page, 'topic, row 2').fill('B-trees');
  await expect(cell(page, 'topic, row 2')).toHaveValue('B-trees');

  // Duplicate: the copy sits below and is selected for the preview.
  await page.getByRole('button', { name: 'Duplicate row 2' }).click();
  await expect(counter(page)).toHaveText('5 rows');
  await expect(cell(page, 'topic, row 3')).toHaveValue('B-trees');
  await expect(page.getByRole('radio', { name: 'Use row 3 for preview' })).toBeChecked();

  // Delete, then Undo from the notice.
  await page.getByRole('button', { name: 'Delete row 1' }).click();
  await expect(counter(page)).toHaveText('4 rows');
  await expect(cell(page, 'topic, row 1')).toHaveValue('B-trees');
  await page.getByRole('status').filter({ hasText: 'Removed 1 row.' }).getByRole('button', { name: 'Undo' }).click();
  await expect(counter(page)).toHaveText('5 rows');
  await expect(cell(page, 'topic, row 1')).toHaveValue('recursion');

  // Delete from the keyboard on the row, and Ctrl+Z brings it back.
  await page.getByRole('radio', { name: 'Use row 1 for preview' }).focus();
  await page.keyboard.press('Delete');
  await expect(counter(page)).toHaveText('4 rows');
  await expect(cell(page, 'topic, row 1')).toHaveValue('B-trees');
  await page.keyboard.press('Control+z');
  await expect(counter(page)).toHaveText('5 rows');
  await expect(cell(page, 'topic, row 1')).toHaveValue('recursion');

  // Move: a button, then Alt+↑ from a cell (focus follows the row).
  await page.getByRole('button', { name: 'Move row 1 down' }).click();
  await expect(cell(page, 'topic, row 1')).toHaveValue('B-trees');
  await expect(cell(page, 'topic, row 2')).toHaveValue('recursion');
  await cell(page, 'topic, row 2').focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(cell(page, 'topic, row 1')).toHaveValue('recursion');
  await expect(cell(page, 'topic, row 1')).toBeFocused();

  // Enter moves down a column; Ctrl+D duplicates the row the focus is in.
  await page.keyboard.press('Enter');
  await expect(cell(page, 'topic, row 2')).toBeFocused();
  await cell(page, 'topic, row 5').focus();
  await page.keyboard.press('Control+d');
  await expect(counter(page)).toHaveText('6 rows');
  await expect(cell(page, 'topic, row 6')).toHaveValue('sorting');
  await expect(cell(page, 'topic, row 6')).toBeFocused();

  // Export CSV: the table as it now stands, promptfoo's __expected column included.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('test-cases.csv');
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv.split('\r\n')).toEqual([
    'audience,topic,__expected',
    'kids,recursion,A function that calls itself',
    'adults,B-trees,',
    'adults,B-trees,',
    '"managers\nwho read fast",queues,FIFO',
    'students,sorting,',
    'students,sorting,',
    '',
  ]);

  // The table is part of the draft: it survives a reload.
  await expect(page.getByText('Draft saved')).toBeVisible();
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Test cases' }).click();
  await expect(counter(page)).toHaveText('6 rows');
  await expect(cell(page, 'topic, row 2')).toHaveValue('B-trees');
});

test('a 10,000-row JSONL file imports and scrolls with only the visible rows in the page', async ({ page }) => {
  await openCases(page);
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i += 1) lines.push(JSON.stringify({ topic: `topic ${i}`, audience: `reader ${i}`, items: [i, i + 1] }));
  lines.splice(5, 0, '{"topic": oops}');
  const dialog = await importFile(page, 'big.jsonl', `${lines.join('\n')}\n`);
  await expect(dialog.getByRole('status')).toContainText('10,000 rows read, 1 row could not be read');
  await expect(dialog.getByRole('region', { name: 'Problems' })).toContainText('line 6: not valid JSON');
  await dialog.getByRole('button', { name: 'Replace', exact: true }).click();

  await expect(counter(page)).toHaveText('10,000 rows');
  const grid = page.getByRole('grid', { name: 'Test cases' });
  await expect(grid).toHaveAttribute('aria-rowcount', '10001');
  const rendered = (): Promise<number> => grid.locator('[role="row"][data-index]').count();
  expect(await rendered()).toBeLessThan(60);
  // JSON values show as JSON text.
  await expect(cell(page, 'items, row 1')).toHaveValue('[0,1]');

  // Scroll through to the end in steps; the page never holds more than a screenful of rows.
  const scroller = page.locator('.cases-scroll');
  for (let step = 0; step < 10; step += 1) {
    await scroller.evaluate((element) => element.scrollBy(0, element.scrollHeight / 10));
    await page.waitForTimeout(20);
    expect(await rendered()).toBeLessThan(60);
  }
  await scroller.evaluate((element) => element.scrollTo(0, element.scrollHeight));
  await expect(cell(page, 'topic, row 10000')).toHaveValue('topic 9999');
  expect(await rendered()).toBeLessThan(60);
  await expect(cell(page, 'topic, row 1')).toHaveCount(0);
});

test('a list typed into a cell is a list: the template loops over it in the preview', async ({ page }) => {
  const origin = new URL(app.url).origin;
  const token = decodeURIComponent(/token=([^&]+)/.exec(app.url)?.[1] ?? '');
  const call = async (method: string, input: unknown): Promise<unknown> => {
    const response = await fetch(`${origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    return ((await response.json()) as { data: unknown }).data;
  };
  const draft = (await call('workspace.get', {})) as Record<string, unknown>;
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Steps:{% for s in steps %} [{{ loop.index }}: {{ s }}]{% endfor %}' }],
    testCases: [{ id: 'one', vars: { steps: '' } }],
    selectedCase: 0,
  });
  await openCases(page);
  await cell(page, 'steps, row 1').fill('["measure", "cut"]');
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('Steps: [1: measure] [2: cut]');
  await expect(page.getByText('list of 2')).toBeVisible();
  // Plain text stays text, and a list being edited into something broken is not saved until it parses.
  await cell(page, 'steps, row 1').fill('["measure", "cut"');
  await expect(page.getByText(/Not valid JSON, not saved/)).toBeVisible();
  await expect(preview).toContainText('Steps: [1: measure] [2: cut]');
});
