/**
 * Models of three vendors side by side, as a person sets them up: an Anthropic and a Google
 * Gemini provider added in Settings (pointed at the fake servers), run beside echo on the same
 * rows. Their answers show what those vendors send besides text: thinking, closed at first and
 * opened in a region of its own; tool calls with their tool, arguments and whether the arguments
 * fit the tool's schema (hostile ones drawn as text); cache and thinking tokens in the usage
 * line. In the grid and in the cell dialog, with axe's WCAG 2.1 AA rules while thinking is open.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini';
import { callApi, startWebApp, type WebApp } from './support/web-app';

const SHOTS = '/tmp/shots';
const ANTHROPIC_KEY = 'sk-ant-e2e-vendors-1357';
const GEMINI_KEY = 'AIza-e2e-vendors-2468';
const HOSTILE = '=HYPERLINK("javascript:alert(1)","x")<script>window.pwned=1</script>';

const TIDE_TOOL = {
  name: 'get_tide',
  description: 'High and low tide for a port',
  parameters: { type: 'object', properties: { port: { type: 'string' }, day: { type: 'integer' } }, required: ['port'], additionalProperties: false },
};

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

let anthropic: FakeAnthropic;
let gemini: FakeGemini;
let app: WebApp;
test.beforeEach(async () => {
  anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  gemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
  await anthropic.close();
  await gemini.close();
});

async function addProvider(page: Page, preset: string, name: string, baseUrl: string, key: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Start from a preset' }).selectOption({ label: preset });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await page.getByRole('textbox', { name: 'Base URL' }).fill(baseUrl);
  await page.getByLabel('API key').fill(key);
  // The key typed here is the one used: no environment variable is named.
  await page.getByRole('textbox', { name: 'Key environment variable' }).fill('');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByRole('status')).toHaveText(`Saved ${name}.`);
}

async function expectNoSeriousViolations(page: Page, include: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(include).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('Anthropic and Gemini beside echo: thinking closed until opened, tool calls checked against the schema, cache and thinking tokens', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'When is high tide in {{port}}?' }],
    testCases: ['Brest', 'Oslo'].map((port, i) => ({ id: `row-${i}`, vars: { port } })),
    selectedCase: 0,
    // Echo alone; the two vendors are added as variants below, as a person would.
    columns: draft.columns.slice(0, 1),
    tools: [TIDE_TOOL],
    repeats: 1,
  });
  // Row 1 and row 2 of each vendor, in the order their requests come.
  anthropic.script(
    { kind: 'tool', thinking: 'The user wants the tide. I should call get_tide for Brest.', text: 'Checking the tide.', name: 'get_tide', pieces: ['{"port"', ': "Bre', 'st", "day":', ' 3}'], cache: { read: 1200, write: 300 }, thinkingTokens: 800 },
    { kind: 'tool', name: 'get_tide', pieces: ['{"port": 7}'] },
  );
  gemini.script(
    { kind: 'answer', thoughts: ['Tides in Brest: call the tool.'], calls: [{ name: 'get_tide', args: { port: 'Brest' } }] },
    { kind: 'answer', text: 'Launching.', calls: [{ name: 'launch_rockets', args: { note: HOSTILE, link: 'javascript:alert(1)' } }] },
  );

  await page.setViewportSize({ width: 1400, height: 950 });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Settings' }).click();
  await addProvider(page, 'Anthropic (Anthropic Messages)', 'Claude lab', anthropic.baseUrl, ANTHROPIC_KEY);
  await addProvider(page, 'Google Gemini (Google Gemini)', 'Gemini lab', gemini.baseUrl, GEMINI_KEY);

  await page.getByRole('tab', { name: 'Editor' }).click();
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByRole('combobox', { name: 'Provider for variant 2' }).selectOption({ label: 'Claude lab' });
  await page.getByRole('combobox', { name: 'Model for variant 2' }).fill('claude-fake-opus');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByRole('combobox', { name: 'Provider for variant 3' }).selectOption({ label: 'Gemini lab' });
  await page.getByRole('combobox', { name: 'Model for variant 3' }).fill('gemini-2.5-flash');
  // The tool rides on both vendors' variants (the draft is saved behind the page: wait for it, add
  // the tool to each variant's parameters, and load the page again).
  await expect.poll(async () => (await callApi<Workspace>(app, 'workspace.get', {})).columns.map((c) => c.model).join(' | '), { timeout: 10_000 }).toBe('echo | claude-fake-opus | gemini-2.5-flash');
  const picked = await callApi<Workspace>(app, 'workspace.get', {});
  await callApi(app, 'workspace.save', { ...picked, columns: picked.columns.map((c, i) => (i === 0 ? c : { ...c, params: { ...c.params, tools: [TIDE_TOOL] } })) });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  const cell = (row: number, variant: number) => page.getByRole('gridcell', { name: `Row ${row}, variant ${variant}`, exact: true });
  for (const [row, variant] of [
    [1, 2],
    [2, 2],
    [1, 3],
    [2, 3],
  ] as const) {
    await expect(cell(row, variant)).toContainText('Done', { timeout: 30_000 });
  }
  await expect(cell(1, 1)).toContainText('Done');
  expect(anthropic.messageRequests()).toHaveLength(2);
  // The prompt's tool went to both vendors.
  expect(JSON.stringify(anthropic.messageRequests()[0]?.body)).toContain('get_tide');
  expect(JSON.stringify(gemini.requestsFor('gemini-2.5-flash')[0]?.body)).toContain('get_tide');

  // Claude, row 1: thinking closed, the call and its check, cache and thinking tokens.
  const claude = cell(1, 2);
  const thinking = claude.getByRole('button', { name: /^Thinking \(/ });
  await expect(thinking).toHaveAttribute('aria-expanded', 'false');
  await expect(claude.getByRole('region', { name: 'Thinking' })).toHaveCount(0);
  await expect(claude).toContainText('Checking the tide.');
  await expect(claude).toContainText(/get_tide\(\{"port": ?"Brest", ?"day": ?3\}\)/);
  await expect(claude).toContainText('valid');
  await expect(claude).toContainText('cached 1,200 read · 300 written');
  await expect(claude).toContainText('thinking 800');
  await thinking.click();
  await expect(thinking).toHaveAttribute('aria-expanded', 'true');
  await expect(claude.getByRole('region', { name: 'Thinking' })).toContainText('I should call get_tide for Brest.');
  // Arguments that break the schema, and a tool never offered.
  await expect(cell(2, 2)).toContainText('invalid arguments');
  await expect(cell(1, 3)).toContainText('get_tide');
  await expect(cell(1, 3).getByRole('button', { name: /^Thinking \(/ })).toHaveAttribute('aria-expanded', 'false');
  await expect(cell(2, 3)).toContainText('unknown tool');
  await expectNoSeriousViolations(page, '[role="grid"]');
  await page.screenshot({ path: `${SHOTS}/vendors-grid.png` });

  // The cell dialog: thinking closed again, then opened; the call whole, checked in words.
  await page.getByRole('button', { name: 'Expand row 1, variant 2', exact: true }).click();
  const dialog = page.getByRole('dialog');
  const dialogThinking = dialog.getByRole('button', { name: /^Thinking \(/ });
  await expect(dialogThinking).toHaveAttribute('aria-expanded', 'false');
  await expect(dialogThinking).toContainText(/characters, 800 tokens/);
  await dialogThinking.click();
  await expect(dialog.getByRole('region', { name: 'Thinking' })).toContainText('The user wants the tide.');
  const callItem = dialog.getByRole('listitem', { name: 'Tool call 1: get_tide' });
  await expect(callItem).toContainText('Arguments: valid');
  await expect(callItem.getByRole('region', { name: 'Arguments of get_tide' })).toHaveText('{\n  "port": "Brest",\n  "day": 3\n}');
  await expect(dialog).toContainText('cached 1,200 read · 300 written · thinking 800');
  await expectNoSeriousViolations(page, 'dialog[open]');
  await page.screenshot({ path: `${SHOTS}/vendors-dialog-thinking.png` });
  await page.keyboard.press('Escape');

  // Claude's row 2: what is wrong with the arguments, in words.
  await page.getByRole('button', { name: 'Expand row 2, variant 2', exact: true }).click();
  await expect(dialog.getByRole('listitem', { name: 'Tool call 1: get_tide' })).toContainText('Arguments: invalid: arguments/port must be string');
  await page.keyboard.press('Escape');

  // Gemini's row 2: an unknown tool with hostile arguments, drawn as text (no script, no link).
  await page.getByRole('button', { name: 'Expand row 2, variant 3', exact: true }).click();
  const rocket = dialog.getByRole('listitem', { name: 'Tool call 1: launch_rockets' });
  await expect(rocket).toContainText('Arguments: unknown tool: the request offered get_tide');
  await expect(rocket.getByRole('region', { name: 'Arguments of launch_rockets' })).toContainText('<script>window.pwned=1</script>');
  await expect(rocket.getByRole('link')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  await page.screenshot({ path: `${SHOTS}/vendors-dialog-unknown-tool.png` });
  await page.keyboard.press('Escape');

  // Judge: Claude against Gemini, each answer with its calls (and Claude's thinking, closed).
  await page.getByRole('tab', { name: 'Judge' }).click();
  await page.getByRole('combobox', { name: 'Variants to compare' }).selectOption({ label: 'B vs C' });
  for (const side of ['Answer 1', 'Answer 2']) {
    await expect(page.getByRole('region', { name: side }).getByRole('listitem', { name: /^Tool call 1: / })).toBeVisible();
  }
  await expect(page.getByRole('button', { name: /^Thinking \(/ }).first()).toHaveAttribute('aria-expanded', 'false');
  await page.screenshot({ path: `${SHOTS}/vendors-judge.png` });

  // The CSV export carries the calls and the thinking, safe for a spreadsheet.
  const { runs } = await callApi<{ runs: { id: string }[] }>(app, 'runs.list', {});
  const csv = await callApi<{ text: string }>(app, 'runs.export', { runId: runs[0]?.id, format: 'csv' });
  expect(csv.text.split('\n')[0]).toContain('output,tool_calls,reasoning,');
  expect(csv.text).toContain('launch_rockets');
  expect(csv.text).toContain('I should call get_tide for Brest.');
});
