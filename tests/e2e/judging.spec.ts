/**
 * Blind pairwise judging from the keyboard, end to end: two echo variants (one cut to 3
 * tokens) × 6 rows, every vote for the longer answer read off the page, then the verdict:
 * 6 wins to 0 for the full-length variant, two-sided sign test p = 2 · 0.5^6 = 0.03125.
 */
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp } from './support/web-app';

// The parts of the contract's replies this test reads (the e2e project does not compile src/).
interface Vote {
  caseIndex: number;
  leftColumn: number;
  rightColumn: number;
  outcome: string;
  note?: string;
}
interface Verdict {
  pairs: { a: number; b: number; wins: number; losses: number; ties: number; bothBad: number; p: number; better: string | null; sentence: string }[];
  votes: number;
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

const TOPICS = [
  'recursion in programming languages',
  'hash tables and their collisions',
  'binary search over sorted arrays',
  'garbage collection in the JVM',
  'the CAP theorem for databases',
  'vector clocks in distributed systems',
];

/** Calls the web door as the page does, with this launch's token. */
async function call<T>(page: Page, method: string, input: unknown): Promise<T> {
  const token = new URL(app.url).hash.replace('#token=', '');
  const envelope = await page.evaluate(
    async ({ method, input, token }) => {
      const response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(input),
      });
      return (await response.json()) as { ok: boolean; data?: unknown; error?: { message: string } };
    },
    { method, input, token },
  );
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error?.message ?? 'failed'}`);
  return envelope.data as T;
}

async function openJudging(page: Page): Promise<ReturnType<Page['getByRole']>> {
  // The Results area has a Judge tab (or a "Judge pairs" button that opens it).
  await page.getByRole('tab', { name: 'Judge', exact: true }).or(page.getByRole('button', { name: 'Judge pairs' })).first().click();
  const view = page.getByRole('region', { name: 'Pairwise judging' });
  await expect(view).toBeVisible();
  return view;
}

test('two variants × six rows judged blind from the keyboard give a 6–0 verdict with p = 0.031', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');

  // The sample draft has two echo variants: cut the second one to 3 tokens.
  await page.getByRole('tab', { name: 'Variants' }).click();
  await page.getByRole('spinbutton', { name: 'Max tokens for variant 2' }).fill('3');

  // Six rows for the sample template's {{topic}}, from a CSV file.
  await page.getByRole('tab', { name: 'Test cases' }).click();
  const cases = page.getByRole('tabpanel', { name: 'Test cases' });
  await cases.getByRole('button', { name: /^Import/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Import test cases' });
  await dialog.getByLabel(/File of test cases/).setInputFiles({ name: 'topics.csv', mimeType: 'text/csv', buffer: Buffer.from(['topic', ...TOPICS].join('\n')) });
  await dialog.getByRole('button', { name: 'Replace', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'topic, row 6', exact: true })).toHaveValue(TOPICS[5] ?? '');

  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuenow', '12', { timeout: 20_000 });

  const view = await openJudging(page);
  const counter = view.getByRole('status', { name: 'Progress' });
  await expect(counter).toHaveText('Pair 1 of 6 · 0 voted');

  const sides: number[] = [];
  for (let n = 1; n <= 6; n++) {
    await expect(counter).toContainText(`Pair ${n} of 6 · ${n - 1} voted`);
    // Blind: the answers are "Answer 1" and "Answer 2", never a variant's name.
    await expect(view.getByText(/^[AB]: /)).toHaveCount(0);
    await expect(view.getByRole('button', { name: 'Reveal labels' })).toHaveAttribute('aria-pressed', 'false');
    const left = await view.getByRole('region', { name: 'Answer 1' }).innerText();
    const right = await view.getByRole('region', { name: 'Answer 2' }).innerText();
    expect(left.length).not.toBe(right.length);
    const longer = left.length > right.length ? 1 : 2;
    sides.push(longer);
    if (n === 1) {
      // N opens a note for this pair; Enter keeps it, and it goes out with the vote.
      await page.keyboard.press('n');
      await view.getByRole('textbox', { name: 'Note for this pair' }).fill('the other one stops after three tokens');
      await page.keyboard.press('Enter');
      await expect(view.getByRole('textbox', { name: 'Note for this pair' })).toHaveCount(0);
    }
    await page.keyboard.press(String(longer));
  }

  // The end: labels revealed, the summary from the verdict.
  const end = view.getByRole('region', { name: 'All pairs judged' });
  await expect(end).toContainText('6 of 6 pairs voted');
  await expect(counter).toHaveText('6 of 6 pairs done · 6 voted');
  const summary = end.getByRole('table', { name: 'Votes by pair of variants' });
  const row = summary.getByRole('row').nth(1);
  await expect(row.getByRole('rowheader')).toHaveText(/^A: .* vs B: /);
  // First wins, second wins, ties, both bad, the sentence.
  await expect(row.getByRole('cell')).toHaveText(['6', '0', '0', '0', /is better than .*\(p = 0\.031\)/]);

  // Undo (Ctrl+Z) returns to the last pair with its vote shown; the same key again ends once more.
  await page.keyboard.press('Control+z');
  await expect(counter).toContainText('Pair 6 of 6 · 6 voted');
  const last = sides[5] ?? 1;
  await expect(view.getByRole('button', { name: last === 1 ? 'Left is better (1)' : 'Right is better (2)' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press(String(last));
  await expect(end).toBeVisible();

  // What main stored and computed: 6 wins to 0 for variant A (full length), p = 0.03125.
  const { runs } = await call<{ runs: { id: string }[] }>(page, 'runs.list', { limit: 1 });
  const runId = runs[0]?.id ?? '';
  await expect
    .poll(async () => (await call<{ votes: Vote[] }>(page, 'judge.votes', { runId })).votes.length)
    .toBe(6);
  const { votes } = await call<{ votes: Vote[] }>(page, 'judge.votes', { runId });
  expect(votes.find((v) => v.caseIndex === 0)?.note).toBe('the other one stops after three tokens');
  // Every vote went to the full-length variant (column 0), whichever side it was shown on.
  expect(votes.every((v) => (v.outcome === 'left' ? v.leftColumn : v.rightColumn) === 0)).toBe(true);
  const verdict = await call<Verdict>(page, 'judge.verdict', { runId });
  const pair = verdict.pairs[0];
  expect(pair).toMatchObject({ a: 0, b: 1, wins: 6, losses: 0, ties: 0, bothBad: 0, better: 'a' });
  expect(pair?.p).toBeCloseTo(0.03125, 10);
  expect(pair?.sentence).toContain('p = 0.031');
  expect(verdict.votes).toBe(6);

  // The votes are kept: after a reload the session opens at its end, every pair voted.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const pairs = await call<{ pairs: { vote?: string }[]; voted: number }>(page, 'judge.pairs', { runId });
  expect(pairs.voted).toBe(6);
});
