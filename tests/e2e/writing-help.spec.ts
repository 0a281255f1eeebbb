/**
 * Writing help in the app, against a local OpenAI-compatible server whose author answers the
 * test scripts: generate rows (a near-duplicate dropped, hostile values shown as text, one row
 * rejected, Undo), a refusal shown beside the action, a generated prompt accepted and undone,
 * and an improvement from a run whose checks failed, tried as a run of the old version against
 * the new one, whose Verdict shows the checks' pass rates and, after two votes, how many more votes it needs.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { openApp } from './support/editor';
import { callApi, startWebApp, type WebApp } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}
interface JudgePair {
  leftCellId: string;
  rightCellId: string;
  leftColumn: number;
}

let app: WebApp;
let server: FakeOpenAI;

test.beforeEach(async () => {
  mkdirSync('/tmp/shots', { recursive: true });
  server = await startFakeOpenAI();
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
  await server.close();
});

async function expectAccessible(page: Page, within: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include(within).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

const say = (text: string): void => server.script({ kind: 'chat-script', text: [text] });

async function pickAuthor(page: Page): Promise<void> {
  await page.getByRole('combobox', { name: 'Author provider' }).selectOption({ label: 'Local lab' });
  await page.getByRole('combobox', { name: 'Author model' }).fill('fake-large');
}

test('generate rows, a prompt, and an improvement proven by a run of old vs new', async ({ page }) => {
  const provider = await callApi<{ id: string }>(app, 'providers.save', { name: 'Local lab', baseUrl: server.baseUrl });
  await callApi(app, 'prices.save', { overrides: { 'fake-large': { inputPerMTok: 3, outputPerMTok: 15 } } });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  // fake-small answers "You said: <prompt>", so each row's check for its capital fails.
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Name the capital of {{country}}.' }],
    testCases: [
      { id: 'fr', vars: { country: 'France' }, expected: 'Paris', assert: [{ type: 'icontains', value: 'Paris' }] },
      { id: 'jp', vars: { country: 'Japan' }, expected: 'Tokyo', assert: [{ type: 'icontains', value: 'Tokyo' }] },
    ],
    selectedCase: 0,
    columns: [{ id: 'col-a', providerId: provider.id, model: 'fake-small', params: {} }],
  });
  await openApp(page, app.url);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '2', { timeout: 15_000 });

  // --- Generate test cases -----------------------------------------------------------------
  await page.getByRole('tab', { name: 'Writing help' }).click();
  await page.getByRole('button', { name: 'Test cases', exact: true }).click();
  await pickAuthor(page);
  await page.getByRole('spinbutton', { name: 'Rows to generate' }).fill('4');
  // The cost is shown before the call.
  await expect(page.getByText(/≈ [\d,]+ input tokens · (≈ \$|< \$)[\d.]+, assuming 256 output tokens/)).toBeVisible();
  const rows = [
    // A value under a name the table does not have: left out, and said so.
    { vars: { country: 'Italy', capital_hint: 'Rome' }, expected: 'Rome', kind: 'typical' },
    // Near-duplicate of the existing France row: dropped.
    { vars: { country: 'france' }, kind: 'typical' },
    { vars: { country: '<script>window.__pwned = 1</script> {{ 7 * 7 }} =HYPERLINK("http://x","y")' }, kind: 'adversarial' },
    { vars: { country: 'Ελλάδα' }, expected: 'Αθήνα', kind: 'multilingual' },
  ];
  say(`Here you go:\n\`\`\`json\n${JSON.stringify({ rows })}\n\`\`\``);
  await page.getByRole('button', { name: 'Generate 4 rows' }).click();
  const batch = page.getByRole('region', { name: 'Generated test cases' });
  await expect(batch.getByRole('heading', { name: '3 generated rows (1 near-duplicate dropped)' })).toBeVisible();
  // A hostile value is text: shown as written, never run.
  await expect(batch.getByRole('cell', { name: /<script>window.__pwned = 1<\/script> \{\{ 7 \* 7 \}\}/ })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(batch.getByRole('note')).toHaveText('Values under names the prompt and table do not have are left out: capital_hint.');
  await expectAccessible(page, '.writing-help');
  await page.screenshot({ path: '/tmp/shots/writing-help-cases.png', fullPage: true });
  // Reject the Greek row, add the others.
  await batch.getByRole('checkbox', { name: 'Keep generated row 3' }).uncheck();
  await batch.getByRole('button', { name: 'Add 2 kept rows' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added 2 rows to the table.' })).toBeVisible();
  await page.getByRole('tab', { name: 'Test cases', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'country, row 3', exact: true })).toHaveValue('Italy');
  await expect(page.getByRole('textbox', { name: 'capital_hint, row 3', exact: true })).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'country, row 4', exact: true })).toHaveValue(/^<script>/);
  await expect(page.getByRole('textbox', { name: 'country, row 5', exact: true })).toHaveCount(0);
  // Undo takes the batch out again.
  await page.getByRole('tab', { name: 'Writing help' }).click();
  await page.getByRole('button', { name: 'Test cases', exact: true }).click();
  await page.getByRole('button', { name: 'Undo adding rows' }).click();
  await page.getByRole('tab', { name: 'Test cases', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'country, row 3', exact: true })).toHaveCount(0);

  // One at a time: a single row to review.
  await page.getByRole('tab', { name: 'Writing help' }).click();
  say(JSON.stringify({ rows: [{ vars: { country: 'Kenya' }, expected: 'Nairobi', kind: 'typical' }] }));
  await page.getByRole('button', { name: 'One at a time: generate 1 row' }).click();
  await expect(batch.getByRole('heading', { name: '1 generated row' })).toBeVisible();
  expect(JSON.stringify(server.requests.at(-1)?.body)).toContain('Write 1 new test case(s)');
  await batch.getByRole('button', { name: 'Discard batch' }).click();

  // --- Generate a prompt: a refusal, then a draft accepted and undone --------------------------
  await page.getByRole('tab', { name: 'Writing help' }).click();
  await page.getByRole('button', { name: 'Prompt', exact: true }).click();
  await pickAuthor(page);
  await page.getByRole('textbox', { name: 'Task description' }).fill('Name the capital city of a country, in one word.');
  await expect(page.getByText(/≈ [\d,]+ input tokens/)).toBeVisible();
  say("I'm sorry, I can't help with that.");
  await page.getByRole('button', { name: 'Generate a prompt' }).click();
  await expect(page.locator('.writing-help').getByRole('alert')).toHaveText("The model did not return a prompt: I'm sorry, I can't help with that.");
  const generated = { messages: [{ role: 'system', content: 'Answer with one word.' }, { role: 'user', content: 'Capital of {{country}} in {{language}}?' }], variables: ['country', 'language'], checks: [{ type: 'not-icontains', value: 'sorry' }, { type: 'javascript', value: 'output.length < 20', threshold: 0.5, weight: 2, metric: 'short' }] };
  say(JSON.stringify(generated));
  await page.getByRole('button', { name: 'Generate a prompt' }).click();
  const promptDraft = page.getByRole('region', { name: 'Generated prompt draft' });
  await expect(promptDraft.getByRole('textbox', { name: 'Draft user message' })).toHaveValue('Capital of {{country}} in {{language}}?');
  // Each check in full, with a box to leave it out; Accept adds the ticked ones to the checks already there.
  await expect(promptDraft.getByLabel('Check 2 in full')).toContainText('"threshold": 0.5');
  await expect(promptDraft.getByLabel('Check 2 in full')).toContainText('"metric": "short"');
  await expectAccessible(page, '.writing-help');
  await page.screenshot({ path: '/tmp/shots/writing-help-prompt.png', fullPage: true });
  const checksBefore = ((await callApi<{ assertions?: unknown[] }>(app, 'workspace.get', {})).assertions ?? []).length;
  await promptDraft.getByRole('checkbox', { name: 'Add check 2: javascript' }).uncheck();
  await promptDraft.getByRole('button', { name: 'Accept into the editor' }).click();
  await expect
    .poll(async () => JSON.stringify((await callApi<{ assertions?: unknown[] }>(app, 'workspace.get', {})).assertions ?? []))
    .toContain('"not-icontains"');
  const checksAfter = (await callApi<{ assertions?: { type: string }[] }>(app, 'workspace.get', {})).assertions ?? [];
  expect(checksAfter).toHaveLength(checksBefore + 1);
  expect(checksAfter.map((c) => c.type)).not.toContain('javascript');
  await page.getByRole('tab', { name: 'Test cases', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'language, row 1', exact: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Writing help' }).click();
  await page.getByRole('button', { name: 'Prompt', exact: true }).click();
  await page.getByRole('button', { name: 'Undo accepting the prompt' }).click();
  await page.getByRole('tab', { name: 'Test cases', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'language, row 1', exact: true })).toHaveCount(0);

  // --- Improve from the run with failing checks -------------------------------------------------
  await page.getByRole('tab', { name: 'Writing help' }).click();
  await page.getByRole('button', { name: 'Improve', exact: true }).click();
  await expect(page.getByRole('combobox', { name: 'Run to learn from' })).toContainText('Name the capital of {{country}}.');
  await pickAuthor(page);
  await expect(page.getByText(/≈ [\d,]+ input tokens/)).toBeVisible();
  const revision = {
    messages: [{ role: 'user', content: 'Name the capital of {{country}}. Answer with the city, e.g. Paris or Tokyo.' }],
    reasons: ['Both rows failed the capital check: the answer never named the city.'],
  };
  say(`\`\`\`json\n${JSON.stringify(revision)}\n\`\`\``);
  await page.getByRole('button', { name: 'Propose a revision' }).click();
  const proposed = page.getByRole('region', { name: 'Proposed revision' });
  await expect(proposed.getByRole('region', { name: 'Proposed revision of the prompt' })).toBeVisible();
  await expect(proposed.getByRole('listitem')).toHaveText(revision.reasons);
  // The improver was shown the failing rows.
  expect(JSON.stringify(server.requests.at(-1)?.body)).toContain('failed check icontains');
  await expectAccessible(page, '.writing-help');
  await page.screenshot({ path: '/tmp/shots/writing-help-improve.png', fullPage: true });
  await proposed.getByRole('spinbutton', { name: 'Repeats' }).fill('3');
  await proposed.getByRole('button', { name: 'Save as a new version and run old vs new' }).click();
  // Nothing starts before the bill is shown: 2 rows × 2 variants × 3 repeats, the cache off.
  const confirm = proposed.getByRole('group', { name: 'Confirm the comparison run' });
  await expect(confirm.getByRole('status')).toContainText('This makes 12 calls with the cache off');
  await expectAccessible(page, '.writing-help');
  await page.screenshot({ path: '/tmp/shots/writing-help-try-confirm.png', fullPage: true });
  await confirm.getByRole('button', { name: 'Start the run' }).click();

  // The follow-up run opens on its Verdict: the new prompt passes its checks, the old does not.
  await expect(page.getByRole('tab', { name: 'Verdict' })).toHaveAttribute('aria-selected', 'true');
  const runId = (await callApi<{ runId?: string }>(app, 'runs.opened', {})).runId ?? '';
  await expect.poll(async () => (await callApi<{ done: number }>(app, 'runs.progress', { runId })).done, { timeout: 20_000 }).toBe(12);
  await expect(page.getByRole('row', { name: /^B: after 100%/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /^A: before 0%/ })).toBeVisible();
  const detail = await callApi<{ columns: { label?: string }[] }>(app, 'runs.get', { runId });
  expect(detail.columns.map((c) => c.label)).toEqual(['before', 'after']);
  // Votes for "after" on both rows' pairs: two decisive votes are too few, and the verdict says how many more it needs.
  const { pairs } = await callApi<{ pairs: JudgePair[] }>(app, 'judge.pairs', { runId });
  expect(pairs.length).toBe(2);
  for (const pair of pairs) {
    await callApi(app, 'judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: pair.leftColumn === 1 ? 'left' : 'right' });
  }
  await expect(page.getByRole('list', { name: 'What the votes say' })).toContainText(/No difference shown yet; about \d+ more votes would show/);
  await expect(page.getByRole('table', { name: 'Pairs of variants' })).toContainText(/A vs B\s*0\s*2/);
  await page.screenshot({ path: '/tmp/shots/writing-help-verdict.png', fullPage: true });

  // Every author call is in History like a run, with its cost.
  await page.getByRole('tab', { name: 'History' }).click();
  const history = page.getByRole('table', { name: 'Runs, newest first' });
  await expect(history.getByRole('row').filter({ hasText: 'Writing help · generate test cases' })).toHaveCount(2);
  await expect(history.getByRole('row').filter({ hasText: 'Writing help · generate a prompt: Name the capital city' })).toHaveCount(2);
  await expect(history.getByRole('row').filter({ hasText: 'Writing help · improve a prompt' })).toHaveCount(1);
  await page.screenshot({ path: '/tmp/shots/writing-help-history.png', fullPage: true });
});
