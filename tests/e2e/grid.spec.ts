/**
 * The results grid as a place to work: sorting by a metric, filtering failures and text (with
 * LIKE and pattern characters), keyboard navigation with one tab stop, rectangular selection,
 * the cell dialog's next/previous and rating keys, a check popover that is not clipped by its
 * cell, an accessibility check, and a 10,000-row echo run that scrolls to its end and filters.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startWebApp, type WebApp } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
  mkdirSync('/tmp/shots', { recursive: true });
});
test.afterEach(async () => {
  await app.stop();
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const origin = new URL(app.url).origin;
  const response = await fetch(`${origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
    body: JSON.stringify(input),
  });
  const envelope = (await response.json()) as { ok: true; data: T } | { ok: false; error: { message: string } };
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.data;
}

async function runDraft(page: Page, draft: Record<string, unknown>, timeout = 30_000): Promise<void> {
  const current = await call<Workspace>('workspace.get', {});
  await call('workspace.save', { ...current, selectedCase: 0, repeats: 1, ...draft });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(async () => {
    const { runs } = await call<{ runs: { status: string }[] }>('runs.list', {});
    expect(runs[0]?.status).toBe('done');
  }).toPass({ timeout });
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled({ timeout });
}

const grid = (page: Page) => page.getByRole('grid', { name: 'Results grid' });
const rowHeads = (page: Page) => grid(page).getByRole('rowheader');
const showing = (page: Page) => page.getByRole('status').filter({ hasText: /^Showing / });

// Topics of clearly different lengths; two name an apple (the check passes there), others hold %, _ and \.
const TOPICS = ['apple', 'banana bread with walnuts and warm honey', '100% juice', 'apple pie with cream, cinnamon, sugar, nutmeg and a crumbly top', 'kiwi', 'x_y'];

test('sort by a metric, filter failures and text, move with the keyboard, select a rectangle, step and rate in the dialog', async ({ page }) => {
  const echo = (await call<Workspace>('workspace.get', {})).columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await runDraft(page, {
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: TOPICS.map((topic, i) => ({ id: `row-${i}`, vars: { topic } })),
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { temperature: 0.5 } },
      { ...echo, id: 'col-c', params: { maxTokens: 3 } },
    ],
    assertions: [{ type: 'icontains', value: 'apple' }],
  });
  await expect(rowHeads(page)).toHaveCount(6);
  await expect(showing(page)).toHaveText('Showing 6 of 6 rows');

  // Sort by variant A's output tokens, highest first: the longest topics come first.
  const sortGroup = page.getByRole('group', { name: 'Sort rows' });
  await sortGroup.getByLabel('Sort by', { exact: true }).selectOption({ label: 'Output tokens' });
  await sortGroup.getByLabel('of', { exact: true }).selectOption({ label: 'Variant A' });
  await sortGroup.getByLabel('Order', { exact: true }).selectOption({ label: 'Highest first' });
  await expect(rowHeads(page).first()).toContainText('#4');
  await expect(rowHeads(page).nth(1)).toContainText('#2');
  await expect(rowHeads(page).last()).toContainText('#5');
  await page.screenshot({ path: '/tmp/shots/grid-sorted.png' });

  // Only rows with a failed check, in variant A: the four without an apple, still sorted.
  const filters = page.getByRole('group', { name: 'Filter rows' });
  await filters.getByRole('checkbox', { name: 'Failed checks' }).check();
  // The filters used less often are folded away.
  await filters.getByText('More filters').click();
  await filters.getByLabel('in', { exact: true }).selectOption({ label: 'Variant A' });
  await expect(filters.getByText('More filters (1 on)')).toBeVisible();
  await page.screenshot({ path: '/tmp/shots/grid-filters.png' });
  await expect(showing(page)).toHaveText('Showing 4 of 6 rows');
  await expect(rowHeads(page)).toHaveCount(4);
  await expect(rowHeads(page).first()).toContainText('#2');
  await filters.getByRole('checkbox', { name: 'Failed checks' }).uncheck();
  await filters.getByLabel('in', { exact: true }).selectOption({ label: 'All variants' });
  await filters.getByText('More filters').click();

  // Text is matched as typed: % and _ are not wildcards, .* is not a pattern.
  const search = page.getByRole('searchbox', { name: 'Search variables and answers' });
  await search.fill('%');
  await expect(showing(page)).toHaveText('Showing 1 of 6 rows');
  await expect(rowHeads(page)).toHaveText([/#3/]);
  await search.fill('_');
  await expect(rowHeads(page)).toHaveText([/#6/]);
  await search.fill('.*');
  await expect(showing(page)).toHaveText('Showing 0 of 6 rows');
  await expect(page.getByRole('note').filter({ hasText: 'No rows match.' })).toBeVisible();
  await page.screenshot({ path: '/tmp/shots/grid-no-rows.png' });
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(search).toHaveValue('');
  await expect(showing(page)).toHaveText('Showing 6 of 6 rows');
  await expect(rowHeads(page).first()).toContainText('#1');

  // The grid is one tab stop: no control inside a cell takes Tab.
  const gridEl = grid(page);
  await expect(gridEl).toHaveAttribute('tabindex', '0');
  await expect(gridEl.locator('button:not([tabindex="-1"]), input:not([tabindex="-1"])')).toHaveCount(0);
  await gridEl.focus();
  await expect(gridEl).toHaveAttribute('aria-activedescendant', /results-cell-0-0/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(gridEl).toHaveAttribute('aria-activedescendant', 'results-cell-1-1');
  await page.keyboard.press('End');
  await expect(gridEl).toHaveAttribute('aria-activedescendant', 'results-cell-1-2');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.screenshot({ path: '/tmp/shots/grid-keyboard.png' });
  await page.keyboard.press('Enter');
  let dialog = page.getByRole('dialog', { name: /^Row 2 · Variant B/ });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Cell 5 of 18');

  // Next and previous follow the grid's reading order; J/K and the buttons alike.
  await page.keyboard.press('j');
  dialog = page.getByRole('dialog', { name: /^Row 2 · Variant C/ });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Next cell →' }).click();
  dialog = page.getByRole('dialog', { name: /^Row 3 · Variant A/ });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('k');
  await page.keyboard.press('k');
  dialog = page.getByRole('dialog', { name: /^Row 2 · Variant B/ });
  await expect(dialog).toBeVisible();

  // '4' rates the cell without tabbing into the rating first.
  await page.keyboard.press('4');
  await expect(dialog.getByRole('radio', { name: '4' })).toBeChecked();
  await page.keyboard.press('u');
  await expect(dialog.getByRole('button', { name: 'Thumbs up' })).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: '/tmp/shots/grid-dialog.png' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(gridEl).toBeFocused();
  await expect(page.getByRole('gridcell', { name: 'Row 2, variant 2', exact: true })).toContainText('4/5');

  // Shift-click: rows 1–2 × A–B are four cells, not five in reading order (no 1C).
  await page.getByRole('checkbox', { name: 'Select row 1, variant 1' }).click();
  await page.getByRole('checkbox', { name: 'Select row 2, variant 2' }).click({ modifiers: ['Shift'] });
  await expect(page.getByRole('button', { name: 'Re-run selected (4)' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Select row 1, variant 3' })).not.toBeChecked();
  await expect(gridEl.locator('[role="gridcell"][aria-selected="true"]')).toHaveCount(4);
  // Shift+arrows grow the rectangle from the same anchor.
  await gridEl.focus();
  await page.keyboard.press('Shift+ArrowDown');
  await expect(page.getByRole('button', { name: 'Re-run selected (6)' })).toBeVisible();
  await page.getByRole('button', { name: 'Clear selection' }).click();

  // The check details open above everything, anchored to their button, not clipped by the cell.
  const cell = page.getByRole('gridcell', { name: 'Row 2, variant 1', exact: true });
  const badge = cell.getByRole('button', { name: /^✗ 1 of 1 failed/ });
  await badge.click();
  const popover = page.getByRole('dialog', { name: 'Checks' });
  await expect(popover).toBeVisible();
  await expect(popover).toContainText('icontains');
  const cellBox = await cell.boundingBox();
  const popBox = await popover.boundingBox();
  const badgeBox = await badge.boundingBox();
  if (!cellBox || !popBox || !badgeBox) throw new Error('no boxes');
  // It reaches past the cell, and sits just under its button.
  expect(popBox.y + popBox.height > cellBox.y + cellBox.height || popBox.x + popBox.width > cellBox.x + cellBox.width).toBe(true);
  expect(Math.abs(popBox.y - (badgeBox.y + badgeBox.height))).toBeLessThan(12);
  // Nothing covers it: the element at its centre is the popover's own.
  const onTop = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('[popover]') !== null, { x: popBox.x + popBox.width / 2, y: popBox.y + popBox.height / 2 });
  expect(onTop).toBe(true);
  await page.screenshot({ path: '/tmp/shots/grid-popover.png' });
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();
  await expect(badge).toBeFocused();

  // The test-case column stays put while the variants scroll sideways (1024 px wide: they do not fit).
  await page.setViewportSize({ width: 1024, height: 700 });
  await gridEl.evaluate((el) => el.scrollTo({ left: 500 }));
  await expect.poll(() => gridEl.evaluate((el) => el.scrollLeft)).toBeGreaterThan(100);
  const gridBox = await gridEl.boundingBox();
  const headBox = await rowHeads(page).first().boundingBox();
  if (!gridBox || !headBox) throw new Error('no boxes');
  expect(Math.abs(headBox.x - gridBox.x)).toBeLessThan(3);
  await page.screenshot({ path: '/tmp/shots/grid-1024-scrolled.png' });

  const results = await new AxeBuilder({ page }).include('section[aria-label="Results"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

test('a 10,000-row echo run scrolls to its last row and filters', async ({ page }) => {
  test.setTimeout(240_000);
  const echo = (await call<Workspace>('workspace.get', {})).columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await runDraft(
    page,
    {
      messages: [{ role: 'user', content: 'Say {{n}}' }],
      testCases: Array.from({ length: 10_000 }, (_, i) => ({ id: `r${i}`, vars: { n: `n${i + 1}` } })),
      columns: [{ ...echo, id: 'col-a', params: {} }],
      assertions: [{ type: 'contains', value: '77' }],
    },
    180_000,
  );
  await expect(showing(page)).toHaveText('Showing 10,000 of 10,000 rows');
  const gridEl = grid(page);
  await gridEl.focus();
  await page.keyboard.press('Control+End');
  await expect(rowHeads(page).filter({ hasText: '#10000' })).toBeVisible();
  await expect(page.getByRole('gridcell', { name: 'Row 10000, variant 1', exact: true })).toContainText('Say n10000');
  await page.screenshot({ path: '/tmp/shots/grid-10k-end.png' });

  // Rows whose answer contains "77": n77, n177, …, n770–n779, n1770, …: the others fail the check.
  const passing = Array.from({ length: 10_000 }, (_, i) => `Say n${i + 1}`).filter((t) => t.includes('77')).length;
  await page.getByRole('group', { name: 'Filter rows' }).getByRole('checkbox', { name: 'Failed checks' }).check();
  await expect(showing(page)).toHaveText(`Showing ${(10_000 - passing).toLocaleString('en-US')} of 10,000 rows`);
  await page.getByRole('searchbox', { name: 'Search variables and answers' }).fill('n9999');
  await expect(showing(page)).toHaveText('Showing 1 of 10,000 rows');
  await expect(rowHeads(page)).toHaveText([/#9999/]);
  await page.getByRole('button', { name: 'Clear sort and filters' }).click();
  await expect(showing(page)).toHaveText('Showing 10,000 of 10,000 rows');
  // Sorted last-to-first, the grid starts at the last row, and scrolls to the first.
  await page.getByRole('group', { name: 'Sort rows' }).getByLabel('Order', { exact: true }).selectOption({ label: 'Last to first' });
  await expect(rowHeads(page).first()).toContainText('#10000');
  await gridEl.focus();
  await page.keyboard.press('Control+End');
  await expect(page.getByRole('gridcell', { name: 'Row 1, variant 1', exact: true })).toContainText('Say n1');
});
