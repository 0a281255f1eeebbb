/** Things a person does in the app that several specs share. */
import { expect, type Page } from '@playwright/test';

/** Opens the app at its printed URL and waits until it has loaded the draft. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
}

/** Replaces a Monaco editor's text the way a person would: focus, select all, type. */
export async function replaceEditorText(page: Page, name: string, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name, exact: true });
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}
