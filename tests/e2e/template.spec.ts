import { expect, test } from '@playwright/test';
import { startWebApp } from './support/web-app';
import { openApp, replaceEditorText } from './support/editor';



test('a template with a loop: the preview renders it for the selected row, the editor marks unknown variables and syntax errors', async ({ page }) => {
  const app = await startWebApp();
  try {
    await openApp(page, app.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await replaceEditorText(page, 'System message', 'You are a {{ persona | default("patient") }} teacher.');
    await replaceEditorText(
      page,
      'User message',
      'Explain {{ topic }} in steps:\n{% for step in steps.split(";") %}{{ loop.index }}. {{ step | trim | capitalize }}\n{% endfor %}Tone: {{ tone }}',
    );
    await page.getByRole('tab', { name: 'Test cases' }).click();
    await page.getByRole('textbox', { name: 'steps, row 1', exact: true }).fill('mix the flour; bake it;eat');

    // The preview shows exactly what row 1 sends: the loop rendered, missing values empty.
    const preview = page.getByRole('list', { name: 'Messages sent for this row' });
    const user = preview.getByRole('listitem', { name: 'User message 2' });
    await expect(user).toContainText('Explain a hash table in steps:\n1. Mix the flour\n2. Bake it\n3. Eat\nTone:');
    await expect(preview.getByRole('listitem', { name: 'System message 1' })).toContainText('You are a patient teacher.');
    await expect(page.getByText('Row 1 of 3')).toBeVisible();

    // `tone` has no value in any row: a warning marker in the editor and in the Problems list.
    const problems = page.getByRole('list', { name: 'Problems in user message' });
    await expect(problems.getByRole('listitem')).toHaveText(['Warning · line 3, column 22: "tone" is not in the test-case table: every row renders it as empty text.']);
    await expect(page.getByRole('group', { name: 'User message' }).locator('.squiggly-warning')).toHaveCount(1);
    // `steps` has a value in row 1 only: row 2 says so.
    await page.getByRole('button', { name: 'Next row' }).click();
    await expect(page.getByText('Row 2 of 3')).toBeVisible();
    await expect(problems.getByRole('listitem')).toContainText(['"steps" is not set in row 2: it renders as empty text.']);
    // …and calling .split on nothing fails to render, with the place of the call.
    await expect(page.getByRole('list', { name: 'Template errors' })).toContainText(/Message 2, line 2, column \d+: Unable to call `steps\["split"\]`/);
    await expect(user).toContainText('Not rendered');
    await page.getByRole('button', { name: 'Previous row' }).click();
    await expect(user).toContainText('1. Mix the flour');

    // A syntax error: marked with its line and column in the editor and in the preview.
    await replaceEditorText(page, 'System message', 'You are kind.\n{% if %}');
    const systemProblems = page.getByRole('list', { name: 'Problems in system message' });
    await expect(systemProblems.getByRole('listitem')).toHaveText([/^Error · line 2, column 7: Unexpected token: %\}/]);
    await expect(page.getByRole('group', { name: 'System message' }).locator('.squiggly-error')).toHaveCount(1);
    await expect(page.getByRole('list', { name: 'Template errors' })).toContainText('Message 1, line 2, column 7: Unexpected token: %}');
    // The other message still renders.
    await expect(user).toContainText('1. Mix the flour');

    // Fixed: the error goes away everywhere.
    await replaceEditorText(page, 'System message', 'You are kind.\n{% if topic %}({{ topic | upper }}){% endif %}');
    await expect(systemProblems).toHaveCount(0);
    await expect(page.getByRole('list', { name: 'Template errors' })).toHaveCount(0);
    await expect(preview.getByRole('listitem', { name: 'System message 1' })).toContainText('You are kind.\n(A HASH TABLE)');
    expect(errors).toEqual([]);
  } finally {
    await app.stop();
  }
});
