import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openApp } from './support/editor';
import { startWebApp, type WebApp } from './support/web-app';

let app: WebApp;
test.beforeAll(async () => {
  app = await startWebApp();
});
test.afterAll(async () => {
  await app.stop();
});

/** Nothing sticks out of the window sideways, and the page itself never scrolls: each panel scrolls on its own. */
async function expectFits(page: Page, where: string): Promise<void> {
  const size = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight,
    width: window.innerWidth,
    height: window.innerHeight,
  }));
  expect(size.scrollWidth, `page width in ${where}`).toBeLessThanOrEqual(size.width);
  expect(size.scrollHeight, `page height in ${where}`).toBeLessThanOrEqual(size.height);
}

async function expectInside(page: Page, name: string): Promise<void> {
  const box = await page.getByRole('button', { name, exact: true }).boundingBox();
  const viewport = page.viewportSize();
  expect(box).not.toBeNull();
  expect(viewport).not.toBeNull();
  if (!box || !viewport) return;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
}

/** No serious or critical WCAG 2.1 AA violation in what is on screen. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

for (const [width, height] of [
  [1024, 700],
  [3840, 2160],
] as const) {
  test(`at ${width}×${height} a loaded run leaves Run and Stop on screen and the page does not grow`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await openApp(page, app.url);
    await expectFits(page, 'the editor');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '6', { timeout: 15_000 });
    await expectFits(page, 'Results');
    await expectInside(page, 'Run');
    await expectInside(page, 'Stop');
    // The top bar's progress still says everything to a screen reader when its text gives way.
    await expect(page.getByRole('progressbar', { name: 'Cells finished' })).toHaveAttribute('aria-valuetext', /6 \/ 6/);
    for (const tab of ['Judge', 'Verdict', 'Test cases', 'Variants', 'Checks']) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await expectFits(page, tab);
    }
    for (const view of ['Library', 'History', 'Settings']) {
      await page.getByRole('tab', { name: view, exact: true }).click();
      await expectFits(page, view);
    }
  });
}

test('every view has no serious accessibility violation', async ({ page }) => {
  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '6', { timeout: 15_000 });
  for (const tab of ['Test cases', 'Variants', 'Checks', 'Results', 'Judge', 'Verdict']) {
    await page.getByRole('tab', { name: tab, exact: true }).click();
    await page.waitForTimeout(300);
    await expectAccessible(page, tab);
  }
  for (const view of ['Library', 'History', 'Settings']) {
    await page.getByRole('tab', { name: view, exact: true }).click();
    await page.waitForTimeout(300);
    await expectAccessible(page, view);
  }
});

test('the Save dialog starts in Name, and Esc gives focus back to the page', async ({ page }) => {
  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Save prompt to the library' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Name' })).toBeFocused();
  await expectAccessible(page, 'Save dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('a long note wraps inside the status bar and fades on its own', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await openApp(page, app.url);
  const names = Array.from({ length: 6 }, (_, i) => `a-model-with-a-rather-long-name-number-${i + 1}`);
  const config = ['description: wide', 'prompts:', '  - "Tell me about {{topic}}"', 'providers:', ...names.map((n) => `  - openai:chat:${n}`), 'tests:', '  - vars:', '      topic: tides', ''].join('\n');
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a file' });
  await dialog.getByLabel('File').setInputFiles({ name: 'promptfooconfig.yaml', mimeType: 'text/yaml', buffer: Buffer.from(config) });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const note = page.getByRole('status').filter({ hasText: 'Opened promptfooconfig.yaml' });
  await expect(note).toBeVisible();
  const box = await note.boundingBox();
  expect(box).not.toBeNull();
  if (box) {
    expect(box.x + box.width).toBeLessThanOrEqual(1024);
    // Several lines, not one line cut off with an ellipsis.
    expect(box.height).toBeGreaterThan(24);
  }
  await expectFits(page, 'the editor with a note');
  // It goes on its own (a long note gets longer to be read, at most 20 s).
  await expect(note).toHaveCount(0, { timeout: 25_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Opened' })).toHaveCount(0);
});
