/**
 * Reading answers: Markdown drawn safely, raw and JSON views, and word diffs in the cell
 * dialog and in Judge. The echo provider answers with the rendered prompt, so a template of
 * `{{body}}` makes each row's answer exactly its `body`: hostile Markdown, JSON in a fence, a
 * short text, Markdown nested 10,000 deep, and 60,000 characters. Variant B is cut to 12 tokens,
 * so its answers are A's start: a diff shows the rest removed (or added, the other way round).
 * A local OpenAI-compatible server sends what echo is too slow to stream: a 1 MB answer, and
 * Markdown and JSON nested 10,000 deep.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startFakeOpenAI } from '../support/fake-openai';
import { startWebApp, type WebApp } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

const HOSTILE = [
  '# Otter notes',
  '',
  'Otters are **playful** and use `tools`.',
  '',
  '<script>window.__pwned = "script"</script>',
  '',
  '<img src=http://127.0.0.1:1/x onerror="window.__pwned = \'img\'">',
  '',
  '[click me](javascript:window.__pwned=\'link\')',
  '',
  '![a river](http://127.0.0.1:9/i.png)',
  '',
  '[the docs](https://example.com/docs)',
  '',
  '```js',
  'const otter = { paws: 4 };',
  '```',
].join('\n');
const JSON_ANSWER = 'Here it is:\n\n```json\n{"name": "otter", "traits": {"habitat": "river", "diet": "fish"}, "sizes": [1, 2, 3]}\n```\n';
const SHORT = 'Same words here.';
const BODIES = [HOSTILE, JSON_ANSWER, SHORT];

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
  mkdirSync('/tmp/shots', { recursive: true });
});
test.afterEach(async () => {
  await app.stop();
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const response = await fetch(`${new URL(app.url).origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
    body: JSON.stringify(input),
  });
  const envelope = (await response.json()) as { ok: true; data: T } | { ok: false; error: { message: string } };
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.data;
}

/** Every request the page makes, so a test can show none left for an answer's addresses. */
function watchRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** Runs the five rows on two echo variants (B cut to 12 tokens) and waits for the answers. */
async function runRows(page: Page): Promise<void> {
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: '{{body}}' }],
    testCases: BODIES.map((body, i) => ({ id: `row-${i}`, vars: { body } })),
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { maxTokens: 12 } },
    ],
    repeats: 1,
    assertions: [],
  });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', String(BODIES.length * 2), {
    timeout: 30_000,
  });
}

async function openCell(page: Page, row: number, variant: number): Promise<ReturnType<Page['getByRole']>> {
  await page.getByRole('button', { name: `Expand row ${row}, variant ${variant}`, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: new RegExp(`^Row ${row} · Variant ${variant === 1 ? 'A' : 'B'}`) });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** No serious or critical WCAG 2.1 AA violation inside `within`. */
async function expectAccessible(page: Page, within: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include(within).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

test('an answer is drawn as Markdown with no script run, no request made and no live javascript: link; raw, JSON and the choice persist', async ({ page }) => {
  const requests = watchRequests(page);
  const alerts: string[] = [];
  page.on('dialog', (d) => {
    alerts.push(d.message());
    void d.dismiss();
  });
  await runRows(page);

  const dialog = await openCell(page, 1, 1);
  const answer = dialog.getByRole('region', { name: 'Answer', exact: true });
  await expect(answer.getByRole('button', { name: 'Markdown', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(answer.getByRole('button', { name: 'Markdown', exact: true })).toHaveAttribute('title', /\(M switches\)/);
  await expect(answer.getByRole('heading', { name: 'Otter notes' })).toBeVisible();
  await expect(answer.locator('strong', { hasText: 'playful' })).toBeVisible();
  // Raw HTML is shown as the text it is, never made into elements.
  await expect(answer).toContainText('<script>window.__pwned = "script"</script>');
  await expect(answer).toContainText('<img src=http://127.0.0.1:1/x onerror=');
  await expect(answer.locator('script, img, iframe')).toHaveCount(0);
  // The javascript: link is text with its address shown; the image is its alt text and address.
  await expect(answer).toContainText("click me (javascript:window.__pwned='link')");
  await expect(answer.getByRole('link', { name: /click me/ })).toHaveCount(0);
  await expect(answer).toContainText('[image: a river] (http://127.0.0.1:9/i.png)');
  await expect(page.locator('a[href^="javascript:" i], a[href^="data:" i], a[href^="vbscript:" i]')).toHaveCount(0);
  // An https link opens outside the app, its address visible.
  const docs = answer.getByRole('link', { name: /the docs/ });
  await expect(docs).toHaveAttribute('href', 'https://example.com/docs');
  await expect(docs).toHaveAttribute('target', '_blank');
  await expect(docs).toHaveAttribute('rel', /noopener/);
  await expect(docs).toContainText('(https://example.com/docs)');
  // The code block is monospace.
  const code = answer.locator('pre code');
  await expect(code).toHaveText('const otter = { paws: 4 };');
  expect(await code.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono|Menlo|Consolas/i);

  await page.screenshot({ path: '/tmp/shots/answers-markdown.png' });
  await expectAccessible(page, 'dialog[open]');

  // Raw shows the text as it came; no JSON view for an answer that is not JSON.
  await answer.getByRole('button', { name: 'Raw', exact: true }).click();
  await expect(answer.locator('pre.answer-raw')).toHaveText(HOSTILE);
  await expect(answer.getByRole('button', { name: 'JSON', exact: true })).toHaveCount(0);
  // M moves to the next view (Markdown again, here), from anywhere but a text field.
  await answer.getByRole('button', { name: 'Raw', exact: true }).focus();
  await page.keyboard.press('m');
  await expect(answer.getByRole('button', { name: 'Markdown', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The JSON of a ```json block, as a tree worked from the keyboard.
  const jsonDialog = await openCell(page, 2, 1);
  const jsonAnswer = jsonDialog.getByRole('region', { name: 'Answer', exact: true });
  await jsonAnswer.getByRole('button', { name: 'JSON', exact: true }).click();
  await expect(jsonAnswer).toContainText("The JSON of the answer's first ```json block.");
  const tree = jsonAnswer.getByRole('tree', { name: 'Answer as JSON' });
  const root = tree.getByRole('treeitem', { name: '{…} 3 keys' });
  const traits = tree.getByRole('treeitem', { name: 'traits: {…} 2 keys' });
  await expect(root).toHaveAttribute('aria-expanded', 'true');
  await expect(traits).toHaveAttribute('aria-expanded', 'false');
  await expect(tree.getByRole('treeitem', { name: 'habitat: "river"' })).toHaveCount(0);
  await root.focus();
  await page.keyboard.press('ArrowDown'); // name
  await page.keyboard.press('ArrowDown'); // traits
  await expect(traits).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(traits).toHaveAttribute('aria-expanded', 'true');
  await expect(tree.getByRole('treeitem', { name: 'habitat: "river"' })).toBeVisible();
  await page.keyboard.press('ArrowRight'); // into its first child
  await expect(tree.getByRole('treeitem', { name: 'habitat: "river"' })).toBeFocused();
  await page.keyboard.press('ArrowLeft'); // back to traits
  await expect(traits).toBeFocused();
  await page.keyboard.press('ArrowLeft'); // closes it
  await expect(traits).toHaveAttribute('aria-expanded', 'false');
  await expect(tree.getByRole('treeitem', { name: 'habitat: "river"' })).toHaveCount(0);
  await page.keyboard.press('Enter');
  await expect(traits).toHaveAttribute('aria-expanded', 'true');
  // One tab stop for the whole tree: the node last focused.
  expect(await tree.locator('[role="treeitem"][tabindex="0"]').count()).toBe(1);
  await page.screenshot({ path: '/tmp/shots/answers-json-tree.png' });
  await expectAccessible(page, 'dialog[open]');
  await jsonDialog.getByRole('button', { name: 'Close' }).click();

  // JSON is the chosen view now; an answer that is not JSON shows Markdown meanwhile. Raw is chosen next.
  const plain = await openCell(page, 3, 1);
  const plainAnswer = plain.getByRole('region', { name: 'Answer', exact: true });
  await expect(plainAnswer.getByRole('button', { name: 'Markdown', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await plainAnswer.getByRole('button', { name: 'Raw', exact: true }).click();
  await plain.getByRole('button', { name: 'Close' }).click();

  // The choice (Raw now) is kept for the next time the app opens.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByRole('button', { name: /^Open results/ }).first().click();
  const again = await openCell(page, 1, 1);
  await expect(again.getByRole('region', { name: 'Answer', exact: true }).getByRole('button', { name: 'Raw', exact: true })).toHaveAttribute('aria-pressed', 'true');

  expect(await page.evaluate(() => '__pwned' in window)).toBe(false);
  expect(alerts).toEqual([]);
  const origin = new URL(app.url).origin;
  expect(requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  expect(requests.filter((url) => /127\.0\.0\.1:(1|9)\//.test(url))).toEqual([]);
});

test('two answers compared word by word: Compare with… in the cell dialog, Show differences in Judge', async ({ page }) => {
  const requests = watchRequests(page);
  await runRows(page);

  // A against B (B is A's first 12 tokens): the rest of A is removed.
  const dialog = await openCell(page, 1, 1);
  const compare = dialog.getByRole('region', { name: 'Compare', exact: true });
  await compare.getByRole('combobox', { name: /^Compare with…/ }).selectOption({ label: 'Variant B' });
  const diff = compare.getByRole('region', { name: 'Word differences' });
  await expect(diff).toContainText(/^0 words added, \d+ removed/);
  await expect(diff.locator('del').first()).toContainText('[removed:');
  await expect(diff.locator('ins')).toHaveCount(0);
  await expect(diff.locator('del')).toContainText(['https://example.com/docs']);
  // The diff is text: the hostile Markdown in it made no elements.
  await expect(diff.locator('script, img, a')).toHaveCount(0);
  await page.screenshot({ path: '/tmp/shots/answers-compare.png' });
  await expectAccessible(page, 'dialog[open]');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // B against A: the same words added.
  const other = await openCell(page, 1, 2);
  const otherCompare = other.getByRole('region', { name: 'Compare', exact: true });
  await otherCompare.getByRole('combobox', { name: /^Compare with…/ }).selectOption({ label: 'Variant A' });
  await expect(otherCompare.getByRole('region', { name: 'Word differences' })).toContainText(/^\d+ words added, 0 removed/);
  await expect(otherCompare.locator('ins').first()).toContainText('[added:');
  await other.getByRole('button', { name: 'Close' }).click();

  // Judge: differences between the two blind answers, named only Answer 1 and Answer 2.
  await page.getByRole('tab', { name: 'Judge', exact: true }).click();
  const view = page.getByRole('region', { name: 'Pairwise judging' });
  await expect(view.getByRole('status', { name: 'Progress' })).toContainText('Pair 1 of 3');
  const rowRegion = view.getByRole('region', { name: 'Row', exact: true });
  const end = view.getByRole('region', { name: 'All pairs judged' });
  /** Moves through the pairs (round again from the end) to the one of `row`. */
  const goToRow = async (row: string): Promise<void> => {
    for (let tries = 0; tries < 6; tries++) {
      await expect(rowRegion.or(end)).toBeVisible();
      if (await end.isVisible()) {
        await view.getByRole('button', { name: 'Review from pair 1' }).click();
        continue;
      }
      if ((await rowRegion.locator('strong').first().innerText()).trim() === row) return;
      await view.getByRole('button', { name: 'Next', exact: true }).click();
    }
    throw new Error(`No pair for ${row}`);
  };

  // The identical pair says so without any option.
  await goToRow('Row 3');
  await expect(view).toContainText('The two answers are the same text.');
  await expect(view.getByRole('region', { name: 'Word differences' })).toHaveCount(0);

  await view.getByRole('checkbox', { name: 'Show differences' }).check();
  const judged = view.getByRole('region', { name: 'Word differences' });
  await expect(judged).toContainText('The two answers are the same text.');
  await expect(judged.locator('ins, del')).toHaveCount(0);

  await goToRow('Row 1');
  // Which side B landed on is the server's coin: the words are added one way or removed the other.
  await expect(judged).toContainText(/^(0 words added, [1-9]\d* removed|[1-9]\d* words added, 0 removed)/);
  await expect(judged.locator('ins, del')).not.toHaveCount(0);
  await expect(judged).toContainText('only in Answer 1');
  await expect(view.getByText(/^[AB]: /)).toHaveCount(0);
  // Both sides are drawn as Markdown too, in the view chosen (Markdown here).
  for (const side of ['Answer 1', 'Answer 2']) {
    await expect(view.getByRole('region', { name: side, exact: true }).getByRole('button', { name: 'Markdown', exact: true })).toHaveAttribute('aria-pressed', 'true');
  }
  await expect(view.getByRole('heading', { name: 'Otter notes' })).toHaveCount(2);
  await page.screenshot({ path: '/tmp/shots/answers-judge-diff.png' });
  await expectAccessible(page, '[aria-label="Pairwise judging"]');

  // Voting still works with the diff shown.
  await page.keyboard.press('3');
  await expect(view.getByRole('status', { name: 'Progress' })).toContainText('1 voted');

  const origin = new URL(app.url).origin;
  expect(requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
});

test('a 1 MB answer and answers nested 10,000 deep neither freeze nor break the page', async ({ page }) => {
  // Whole answers in one chunk each; the fake server answers "You said: <prompt>".
  const server = await startFakeOpenAI({ chunkSize: 1 << 20 });
  try {
    const provider = await call<{ id: string }>('providers.save', { name: 'Local lab', baseUrl: server.baseUrl });
    const draft = await call<Workspace>('workspace.get', {});
    const deepMarkdown = `\n${'> '.repeat(10_000)}deep`;
    const deepJson = `\n\`\`\`json\n${'['.repeat(10_000)}${']'.repeat(10_000)}\n\`\`\``;
    await call('workspace.save', {
      ...draft,
      messages: [{ role: 'user', content: '{{body}}' }],
      testCases: [deepMarkdown, deepJson, 'lorem *ipsum* '.repeat(5_000)].map((body, i) => ({ id: `row-${i}`, vars: { body } })),
      selectedCase: 0,
      columns: [
        { id: 'col-a', providerId: provider.id, model: 'fake-large', params: {} },
        { id: 'col-b', providerId: provider.id, model: 'long:1000000', params: {} },
      ],
      repeats: 1,
      assertions: [],
    });
    // The longest task the page's main thread ran, from here on: what a person would feel as a freeze.
    await page.addInitScript(() => {
      const w = window as unknown as { __longest: number };
      w.__longest = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__longest = Math.max(w.__longest, entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    const longest = (): Promise<number> => page.evaluate(() => (window as unknown as { __longest: number }).__longest);
    const resetLongest = (): Promise<void> => page.evaluate(() => void ((window as unknown as { __longest: number }).__longest = 0));
    await page.goto(app.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '6', { timeout: 30_000 });

    // 1 MB: shown raw with a note, at once.
    await resetLongest();
    let started = Date.now();
    const big = await openCell(page, 1, 2);
    const bigAnswer = big.getByRole('region', { name: 'Answer', exact: true });
    await expect(bigAnswer.getByRole('note').filter({ hasText: 'Markdown is drawn for answers up to 50,000' })).toContainText('1,000,000 characters long');
    await expect(bigAnswer.locator('pre.answer-raw')).toContainText('All work and no play');
    // A megabyte is not offered as Markdown even on request: it would hold the page for a minute.
    await expect(bigAnswer.getByRole('button', { name: 'Draw as Markdown anyway' })).toHaveCount(0);
    const openMs = Date.now() - started;
    const openLongest = await longest();
    // Compared with another answer: lines, not words, and said so.
    await resetLongest();
    started = Date.now();
    await big.getByRole('region', { name: 'Compare', exact: true }).getByRole('combobox', { name: /^Compare with…/ }).selectOption({ label: 'Variant A' });
    const diff = big.getByRole('region', { name: 'Word differences' });
    await expect(diff.getByRole('note')).toHaveText('Longer than 200,000 characters, so whole lines are compared instead of words.');
    await expect(diff).toContainText(/^\d+ lines? added, \d+ removed/);
    // Only the first 100,000 characters of a diff are drawn; the rest is counted.
    await expect(diff).toContainText(/… [\d,]+ more characters not shown/);
    const diffMs = Date.now() - started;
    const diffLongest = await longest();
    console.log(`1 MB answer: dialog ${openMs} ms (longest task ${Math.round(openLongest)} ms); diff ${diffMs} ms (longest task ${Math.round(diffLongest)} ms)`);
    expect(openLongest).toBeLessThan(1_000);
    expect(diffLongest).toBeLessThan(1_000);
    await page.screenshot({ path: '/tmp/shots/answers-1mb.png' });
    await big.getByRole('button', { name: 'Close' }).click();

    // Markdown nested 10,000 deep: drawn, or shown raw with a note; never a blank page.
    const deep = await openCell(page, 1, 1);
    const deepAnswer = deep.getByRole('region', { name: 'Answer', exact: true });
    await expect(deepAnswer.locator('.answer-markdown').or(deepAnswer.getByRole('note'))).toBeVisible();
    await expect(deepAnswer).toContainText('deep');
    console.log(`Markdown 10,000 deep: ${(await deepAnswer.getByRole('note').count()) > 0 ? 'shown raw with a note' : 'drawn'}`);
    await deep.getByRole('button', { name: 'Close' }).click();

    // JSON nested 10,000 deep: the tree opens 64 levels from the keyboard, then says "…".
    const json = await openCell(page, 2, 1);
    const jsonAnswer = json.getByRole('region', { name: 'Answer', exact: true });
    await jsonAnswer.getByRole('button', { name: 'JSON', exact: true }).click();
    const tree = jsonAnswer.getByRole('tree', { name: 'Answer as JSON' });
    await tree.getByRole('treeitem').first().focus();
    for (let level = 0; level < 64; level++) {
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
    }
    await expect(tree.getByRole('treeitem', { name: /^0: … nested deeper than 64 levels \(see Raw\)$/ })).toBeFocused();
    await expect(tree.getByRole('treeitem')).toHaveCount(65);
    await page.screenshot({ path: '/tmp/shots/answers-deep-json.png' });
    await json.getByRole('button', { name: 'Close' }).click();

    // 70,000 characters: raw with a note, drawn as Markdown when asked.
    const long = await openCell(page, 3, 1);
    const longAnswer = long.getByRole('region', { name: 'Answer', exact: true });
    await expect(longAnswer.getByRole('note')).toContainText('70,010 characters long; Markdown is drawn for answers up to 50,000, so it is shown raw.');
    await expect(longAnswer.locator('.answer-markdown')).toHaveCount(0);
    await resetLongest();
    await longAnswer.getByRole('button', { name: 'Draw as Markdown anyway' }).click();
    await expect(longAnswer.locator('.answer-markdown em').first()).toHaveText('ipsum');
    console.log(`70,000 characters drawn as Markdown on request: longest task ${Math.round(await longest())} ms`);
    await long.getByRole('button', { name: 'Close' }).click();
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  } finally {
    await server.close();
  }
});
