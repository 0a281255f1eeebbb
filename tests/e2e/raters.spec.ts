/**
 * Several raters in the browser: a run with two echo variants × four rows; Judge › Export ballot…
 * downloads the blind pairs; two colleagues' votes files (written here from the ballot) come back
 * through Import votes…; the Verdict shows Cohen's kappa, the disagreement and a rater picker.
 * Then a third rater's side: Open ballot…, vote with the keys, Export votes, and that file merged
 * too (three people: Fleiss' kappa). axe-core checks the Judge, ballot and Verdict views.
 *
 * Expected kappa by hand: Alice a a b tie, Bob a b b tie (a: the first variant is better);
 * 3 of 4 agree, margins a 2/1, b 1/2, tie 1/1, chance 5/16, kappa = (12/16 − 5/16)/(11/16) = 7/11 ≈ 0.64.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp, callApi } from './support/web-app';

interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}
interface JudgePair {
  caseIndex: number;
  leftColumn: number;
}
interface Ballot {
  ballot: string;
  pairs: { id: string; row: number; left: string; right: string; vars: Record<string, string> }[];
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

async function expectAccessible(page: Page, within?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (within ? builder.include(within) : builder).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad).toEqual([]);
}

function votesFile(ballot: Ballot, pairs: JudgePair[], rater: string, labels: ('a' | 'b' | 'tie')[]): string {
  // The ballot's pairs come in an opaque order: each is matched to its row (one pair per row here).
  const votes = ballot.pairs.map((p) => {
    const label = labels[p.row - 1] ?? 'tie';
    const leftIsA = pairs.find((q) => q.caseIndex === p.row - 1)?.leftColumn === 0;
    return { pair: p.id, outcome: label === 'tie' ? 'tie' : (label === 'a') === leftIsA ? 'left' : 'right' };
  });
  return JSON.stringify({ format: 'parallax-votes', version: 1, ballot: ballot.ballot, rater, createdAt: new Date().toISOString(), votes });
}

test('export a ballot, import two raters’ votes, and the verdict shows their kappa; a rater votes on a ballot', async ({ page }) => {
  mkdirSync('/tmp/shots', { recursive: true });
  const draft = await callApi<Workspace>(app, 'workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await callApi(app, 'workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    // Hostile row text reaches the ballot and the rater's screen as plain text.
    testCases: ['otters', 'volcanoes', '<script>alert(1)</script>', '=HYPERLINK("javascript:alert(1)")'].map((topic, i) => ({ id: `row-${i}`, vars: { topic } })),
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { maxTokens: 3 } },
    ],
    repeats: 1,
    // The run's judge: the echo provider answers with the prompt, so its pairwise verdict is the
    // prompt's last "[[C]]" (a tie) in both orders: no position bias.
    judge: { providerId: 'echo', model: 'echo' },
  });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  let runId = '';
  await expect(async () => {
    const { runs } = await callApi<{ runs: { id: string; status: string }[] }>(app, 'runs.list', {});
    expect(runs[0]?.status).toBe('done');
    runId = runs[0]?.id ?? '';
  }).toPass({ timeout: 20_000 });

  await page.getByRole('tab', { name: 'Judge' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export ballot…' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^parallax-ballot-.*\.json$/);
  const ballotText = readFileSync(await download.path(), 'utf8');
  // Blind: no variant ids, providers or models.
  for (const secret of ['col-a', 'col-b', 'echo', 'providerId']) expect(ballotText).not.toContain(secret);
  const ballot = JSON.parse(ballotText) as Ballot;
  expect(ballot.pairs).toHaveLength(4);
  await expect(page.getByRole('status').filter({ hasText: 'Send it to the people who should vote' })).toBeVisible();
  await expectAccessible(page, '.matrix-panel');

  const { pairs } = await callApi<{ pairs: JudgePair[] }>(app, 'judge.pairs', { runId });
  await page.getByLabel('Votes files to import').setInputFiles([
    { name: 'alice.json', mimeType: 'application/json', buffer: Buffer.from(votesFile(ballot, pairs, 'Alice', ['a', 'a', 'b', 'tie'])) },
    { name: 'bob.json', mimeType: 'application/json', buffer: Buffer.from(votesFile(ballot, pairs, 'Bob', ['a', 'b', 'b', 'tie'])) },
  ]);
  await expect(page.getByRole('status').filter({ hasText: 'Votes imported' })).toContainText('Alice: 4 added, 0 changed, 0 already here. Bob: 4 added');
  // A votes file for another ballot is refused with a sentence.
  await page.getByLabel('Votes files to import').setInputFiles({ name: 'other.json', mimeType: 'application/json', buffer: Buffer.from(votesFile({ ...ballot, ballot: 'ffffffffffffffffffffffff' }, pairs, 'Eve', ['a'])) });
  await expect(page.getByRole('alert').filter({ hasText: 'ballot of another run' })).toBeVisible();

  await page.getByRole('tab', { name: 'Verdict' }).click();
  const agreement = page.getByRole('table', { name: 'Agreement between raters' });
  const all = agreement.getByRole('row', { name: /^All/ });
  await expect(all).toContainText('0.64');
  await expect(all.getByRole('cell').nth(0)).toHaveText('4');
  await expect(all.getByRole('cell').nth(2)).toHaveText('75%');
  await expect(page.getByRole('list', { name: 'Pairs people disagree on' }).getByRole('button')).toHaveText('Row 2, A vs B');
  // Rankings by one rater: Alice's four votes only.
  await page.getByLabel('Votes from').selectOption({ label: 'Alice (4)' });
  await expect(page.getByText('4 votes', { exact: true })).toBeVisible();
  // All people: Alice's and Bob's votes on the same four pairs are four observations, not eight.
  await page.getByLabel('Votes from').selectOption({ label: 'All people (one vote per pair)' });
  await expect(page.getByLabel('Votes from')).toHaveValue('');
  await expect(page.getByText('4 votes', { exact: true })).toBeVisible();
  await expect(page.getByText('8 votes', { exact: true })).toHaveCount(0);
  await expectAccessible(page, '.matrix-panel');
  await page.getByRole('heading', { name: 'Raters and agreement' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/shots/raters-verdict.png', fullPage: true });

  // The pairwise judge, measured against the people.
  await page.getByRole('button', { name: 'Ask the pairwise judge' }).click();
  // The count and the bill first; nothing is asked until confirmed.
  const confirmJudge = page.getByRole('group', { name: 'Confirm the pairwise judge' });
  await expect(confirmJudge.getByRole('status')).toContainText('judge:echo would judge 4 pairs in 8 calls');
  await expectAccessible(page, '.matrix-panel');
  await page.screenshot({ path: '/tmp/shots/raters-pairwise-confirm.png', fullPage: true });
  await confirmJudge.getByRole('button', { name: 'Start judging' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'judge:echo voted on 4 pairs' })).toContainText('changed with the order on 0');
  const confusion = page.getByRole('table', { name: 'Confusion table of judge:echo against the people' });
  // People's majority: Alice and Bob agree on rows 1, 3 and 4 (first better, second better, tie); the judge said tie each time.
  await expect(confusion.getByRole('row', { name: /^first better/ }).getByRole('cell')).toHaveText(['0', '0', '1']);
  await expect(confusion.getByRole('row', { name: /^tie/ }).getByRole('cell')).toHaveText(['0', '0', '1']);
  await expect(page.getByText(/Agrees with the people on 1 of 3 pairs/)).toBeVisible();
  await expect(page.getByText(/Position bias: its choice changed with the order on 0 of 4 pairs/)).toBeVisible();
  // Both variants are echo, the judge's own model: self-preference cannot tell "its own" answer, so it is not claimed.
  await expect(page.getByText(/Self-preference/)).toHaveCount(0);
  await expectAccessible(page, '.matrix-panel');
  await confusion.scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/shots/raters-judge-calibration.png' });

  // The disagreement opens the pair in Judge.
  await page.getByRole('button', { name: 'Row 2, A vs B' }).click();
  await expect(page.getByRole('tab', { name: 'Judge' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('region', { name: 'Row' })).toContainText('Row 2');

  // A third rater's side: open the ballot, vote with the keys, sign and export.
  await page.getByLabel('Ballot file to open').setInputFiles({ name: 'ballot.json', mimeType: 'application/json', buffer: Buffer.from(ballotText) });
  const ballotView = page.getByRole('region', { name: 'Ballot' });
  await expect(ballotView.getByRole('status', { name: 'Progress' })).toContainText('Pair 1 of 4');
  // The ballot's pairs come in its opaque order, not row by row.
  await expect(ballotView.getByRole('region', { name: 'Row' })).toContainText(ballot.pairs[0]?.vars.topic ?? '?');
  let at = 0;
  const goTo = async (row: number): Promise<void> => {
    const target = ballot.pairs.findIndex((p) => p.row === row);
    for (; at < target; at++) await ballotView.getByRole('button', { name: 'Next' }).click();
    for (; at > target; at--) await ballotView.getByRole('button', { name: 'Back' }).click();
  };
  await expectAccessible(page, '.matrix-panel');
  await page.screenshot({ path: '/tmp/shots/raters-ballot.png', fullPage: true });
  // Hostile row text from the file shows as text: no script runs, no link is made of it.
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await goTo(3);
  await expect(ballotView.getByRole('region', { name: 'Row' })).toContainText('<script>alert(1)</script>');
  // One side is the full echo (the other was cut to 3 tokens): it shows the tag as text.
  await expect(ballotView.getByRole('region', { name: /^(Left|Right) answer$/ }).filter({ hasText: '<script>alert(1)</script>' })).toHaveCount(1);
  await goTo(4);
  await expect(ballotView.getByRole('region', { name: 'Row' })).toContainText('=HYPERLINK("javascript:alert(1)")');
  await expect(ballotView.locator('a[href^="javascript"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
  for (; at > 0; at--) await ballotView.getByRole('button', { name: 'Back' }).click();
  await expect(ballotView.getByRole('status', { name: 'Progress' })).toContainText('Pair 1 of 4');
  for (const key of ['1', '2', '3', '1']) await page.keyboard.press(key);
  await expect(ballotView.getByRole('status', { name: 'Progress' })).toContainText('4 of 4 pairs done · 4 voted');
  await ballotView.getByLabel('Sign as').fill('Carol');
  const exporting = page.waitForEvent('download');
  await ballotView.getByRole('button', { name: 'Export votes (4)' }).click();
  const carolFile = readFileSync(await (await exporting).path(), 'utf8');
  const carol = JSON.parse(carolFile) as { rater: string; ballot: string; votes: { outcome: string }[] };
  expect(carol.rater).toBe('Carol');
  expect(carol.ballot).toBe(ballot.ballot);
  expect(carol.votes.map((v) => v.outcome)).toEqual(['left', 'right', 'tie', 'left']);
  await ballotView.getByRole('button', { name: 'Close ballot' }).click();

  await page.getByLabel('Votes files to import').setInputFiles({ name: 'carol.json', mimeType: 'application/json', buffer: Buffer.from(carolFile) });
  await expect(page.getByRole('status').filter({ hasText: 'Votes imported' })).toContainText('Carol: 4 added');
  await page.getByRole('tab', { name: 'Verdict' }).click();
  const three = page.getByRole('table', { name: 'Agreement between raters' }).getByRole('row', { name: /^All/ });
  await expect(three.getByRole('cell').nth(1)).toHaveText('3');
  // Cohen's kappa is for two people only; Fleiss' and Krippendorff's take three.
  await expect(three.getByRole('cell').nth(3)).toHaveText('–');
  await expect(three.getByRole('cell').nth(4)).toHaveText(/^-?\d\.\d\d/);

  // Settings › Your name signs the local person's votes.
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('textbox', { name: 'Your name' }).fill('Dana');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByText('Saved: your votes and scores are signed "Dana".')).toBeVisible();
  await expectAccessible(page, '.rater-name');
  // A name kept for judges is refused with a sentence.
  await page.getByRole('textbox', { name: 'Your name' }).fill('judge:me');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'kept for LLM judges' })).toBeVisible();
});
