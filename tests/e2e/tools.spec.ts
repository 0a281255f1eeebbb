import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { callApi, freshDataDir, startWebApp } from './support/web-app';
import { openApp, replaceEditorText } from './support/editor';

const SHOTS = '/tmp/shots';

const openAiForm = JSON.stringify([
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The current weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
]);

/** A paste as the browser delivers one, so Monaco's paste handling (and ours) runs. */
async function paste(page: Page, name: string, text: string): Promise<void> {
  const editor = page.getByRole('textbox', { name, exact: true });
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await editor.evaluate((element, value) => {
    const data = new DataTransfer();
    data.setData('text/plain', value);
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

async function noSeriousViolations(page: Page, include: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(include).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('define tools in the editor (pasted in OpenAI form, checked as typed), pick a tool choice, write a few-shot tool turn, and run with them', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = freshDataDir();
  const app = await startWebApp(dataDir);
  try {
    await openApp(page, app.url);
    const toggle = page.getByRole('button', { name: /Tools/ });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');

    // A paste in OpenAI's form becomes Parallax's form.
    await paste(page, 'Tools (JSON)', openAiForm);
    const panel = page.locator('.tools-panel');
    await expect(panel.getByRole('status')).toContainText("Converted 1 pasted tool to Parallax's form");
    await expect(panel.locator('.view-lines')).toContainText('"name": "get_weather"');
    await expect(panel.locator('.view-lines')).not.toContainText('"function"');
    await expect(toggle).toHaveText(/Tools \(1\)/);
    await panel.screenshot({ path: `${SHOTS}/tools-panel-converted.png` });

    // A typo is an error marker and a sentence; the draft keeps the last valid tools.
    await replaceEditorText(page, 'Tools (JSON)', '[{ "name": "get weather", "description": "x" }]');
    const problems = page.getByRole('list', { name: 'Problems in the tools' });
    await expect(problems).toContainText('Error · line 1, column 12: A tool name has letters, digits, _ and - only');
    await expect(panel.locator('.squiggly-error')).toHaveCount(1);
    await expect(panel).toContainText('Runs use the last valid tools until these errors are fixed.');
    await page.screenshot({ path: `${SHOTS}/tools-panel-error.png`, fullPage: false });

    await replaceEditorText(page, 'Tools (JSON)', '[]');
    await page.getByRole('button', { name: 'Add tool' }).click();
    await expect(problems).toHaveCount(0);
    await expect(toggle).toHaveText(/Tools \(1\)/);
    // A schema vendors refuse is a warning, and the tools still count.
    // (One line: typing keys into Monaco would auto-indent a multi-line text.)
    await replaceEditorText(page, 'Tools (JSON)', JSON.stringify([{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'strin' } } } }]));
    await expect(problems).toContainText('Warning · line 1, column 61:');
    await expect(problems).toContainText('property "city" has type "strin"');
    await replaceEditorText(page, 'Tools (JSON)', JSON.stringify([{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]));
    await expect(problems).toHaveCount(0);

    const choice = page.getByRole('combobox', { name: 'Tool choice' });
    await choice.selectOption({ label: 'Call get_weather' });

    // A few-shot turn: the assistant calls the tool, a tool result answers it.
    await page.getByRole('button', { name: 'Add message' }).click();
    await page.getByRole('combobox', { name: 'Role of assistant message' }).waitFor();
    await page.getByRole('button', { name: 'Add tool calls to assistant message' }).click();
    const calls = page.getByRole('textbox', { name: 'Tool calls of assistant message' });
    await calls.fill('[{ "id": "call_1", "name": "get_weather", "arguments": "{oops" }]');
    const callsError = page.getByRole('alert').filter({ hasText: /^Call/ });
    await expect(callsError).toContainText('Call 1: arguments is text that is not JSON');
    await calls.fill('[{ "id": "call_1", "name": "get_weather", "arguments": { "city": "Paris" } }]');
    await expect(callsError).toHaveCount(0);
    await page.getByRole('button', { name: 'Add message' }).click();
    await page.getByRole('combobox', { name: 'Role of user message 2' }).selectOption('tool');
    await page.getByRole('textbox', { name: 'Answers call id (tool result message)' }).fill('call_1');
    await replaceEditorText(page, 'Tool result message', '{"temp_c": 18}');
    await noSeriousViolations(page, '.prompt');
    await page.locator('.tools-panel').screenshot({ path: `${SHOTS}/tools-panel.png` });
    await page.screenshot({ path: `${SHOTS}/tools-prompt.png`, fullPage: true });

    // The draft keeps them (saved behind the person's back) and a run sends them.
    await expect
      .poll(async () => {
        const draft = await callApi<{ tools?: unknown; toolChoice?: unknown; messages: Array<{ role: string; toolCalls?: unknown; toolCallId?: string }> }>(app, 'workspace.get', {});
        return { tools: draft.tools, toolChoice: draft.toolChoice, turns: draft.messages.slice(-2).map((m) => ({ role: m.role, toolCalls: m.toolCalls, toolCallId: m.toolCallId })) };
      })
      .toEqual({
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
        toolChoice: { name: 'get_weather' },
        turns: [
          { role: 'assistant', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }], toolCallId: undefined },
          { role: 'tool', toolCalls: undefined, toolCallId: 'call_1' },
        ],
      });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
    const runs = await callApi<{ runs: Array<{ id: string }> }>(app, 'runs.list', {});
    const runId = runs.runs[0]?.id ?? '';
    type Offered = { params: { tools?: Array<{ name: string }>; toolChoice?: unknown } };
    const detail = await callApi<{ columns: Offered[]; cells: Offered[] }>(app, 'runs.get', { runId });
    const offered = (list: Offered[]) => list.map((c) => [c.params.tools?.map((t) => t.name), c.params.toolChoice]);
    expect(offered(detail.columns)).toEqual([
      [['get_weather'], { name: 'get_weather' }],
      [['get_weather'], { name: 'get_weather' }],
    ]);
    expect(detail.cells.length).toBeGreaterThan(0);
    expect(new Set(offered(detail.cells).map((o) => JSON.stringify(o)))).toEqual(new Set([JSON.stringify([['get_weather'], { name: 'get_weather' }])]));
  } finally {
    await app.stop();
  }
});
