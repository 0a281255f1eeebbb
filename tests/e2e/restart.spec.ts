/**
 * Browser mode after a server restart on the same port: the open tab's token goes stale, the
 * page says the server restarted and where its new URL is, and pasting that URL into the same
 * tab (only the #token fragment changes, so no reload) brings every call back.
 */
import { expect, test } from '@playwright/test';
import { freshDataDir, startWebApp, type WebApp } from './support/web-app';

test('a restarted server: the page says where the new URL is, and a new #token in the same tab works without a reload', async ({ page }) => {
  const dataDir = freshDataDir();
  let app: WebApp = await startWebApp(dataDir);
  try {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(app.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    // The token leaves the address bar, and no request ever carries it in its URL.
    expect(page.url()).not.toContain('token');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    const oldToken = app.token;
    await app.stop();
    app = await startWebApp(dataDir, {}, app.port);
    expect(app.token).not.toBe(oldToken);

    // The event stream comes back to a server that refuses the old token: the page says so.
    const banner = page.getByRole('alert', { name: 'Server restarted' });
    await expect(banner).toBeVisible({ timeout: 15_000 });
    await expect(banner).toContainText('server has restarted');
    await expect(banner).toContainText('printed in the terminal');
    await expect(banner).toContainText('#token=');
    // A call made meanwhile is refused with the same advice, in short.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'paste the URL it printed' })).toBeVisible();

    // Pasting the new URL into the address bar changes only the fragment.
    await page.goto(app.url);
    await expect(banner).toBeHidden();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(page.url()).not.toContain('token');

    // Calls and the event stream work again: a run streams its answers into the grid.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const progress = page.getByRole('progressbar', { name: 'Run progress', exact: true });
    await expect(progress).toHaveAttribute('aria-valuenow', '6', { timeout: 20_000 });
    await expect(page.getByRole('gridcell', { name: 'Row 1, variant 1', exact: true })).toContainText('Done');
    await expect(page.locator('.error-text[role="alert"]')).toHaveCount(0);
    for (const url of requests) expect(url).not.toContain(oldToken);
    for (const url of requests) expect(url).not.toContain(app.token);
  } finally {
    await app.stop();
  }
});

test('a page opened with a stale token says the server restarted, and starts once the new #token is pasted in', async ({ page }) => {
  const dataDir = freshDataDir();
  let app: WebApp = await startWebApp(dataDir);
  try {
    await page.goto(app.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await app.stop();
    app = await startWebApp(dataDir, {}, app.port);
    // A reload keeps the tab's old token (sessionStorage): the first calls are refused.
    await page.reload();
    await expect(page.getByRole('alert')).toContainText('server has restarted');
    await page.goto(app.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByRole('alert', { name: 'Server restarted' })).toHaveCount(0);
    await expect(page.getByRole('tab', { name: 'Test cases' })).toBeVisible();
  } finally {
    await app.stop();
  }
});
