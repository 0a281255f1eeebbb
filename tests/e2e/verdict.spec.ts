/**
 * The verdict of a run with three echo variants × four rows: votes cast through the API on the
 * blind pairs (whichever side each variant landed on), then the Verdict tab shows the tallies,
 * the sign-test p-values, the sentences, the ranking and the pass rates of a check.
 *
 * Reference values: SciPy 1.17.1, binomtest(0, 4).pvalue = 0.125,
 * binomtest(3, 3).pvalue = 0.25, binomtest(4, 4).proportion_ci(method='wilson') = (0.5101, 1.0),
 * binomtest(0, 4).proportion_ci(method='wilson') = (0, 0.4899).
 */
import { expect, test } from '@playwright/test';
import { startWebApp, type WebApp, callApi } from './support/web-app';

// The e2e project does not compile src/: the few shapes this test reads, as the contract has them.
type VoteOutcome = 'left' | 'right' | 'tie' | 'both_bad' | 'skip';
interface JudgePair {
  caseIndex: number;
  leftCellId: string;
  rightCellId: string;
  leftColumn: number;
  rightColumn: number;
}
interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown> }[];
}

let app: WebApp;
test.beforeEach(async () => {
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
});

function call<T>(method: string, input: unknown): Promise<T> {
  return callApi<T>(app, method, input);
}

/** The vote that prefers `column` (or another outcome) on a blind pair, whichever side it sits. */
function outcomeFor(pair: JudgePair, choice: number | Exclude<VoteOutcome, 'left' | 'right'>): VoteOutcome {
  if (typeof choice !== 'number') return choice;
  if (pair.leftColumn === choice) return 'left';
  if (pair.rightColumn === choice) return 'right';
  throw new Error(`Variant ${choice} is not in this pair.`);
}

test('three echo variants × four rows: blind votes and a check give the verdict its numbers', async ({ page }) => {
  // The draft: four rows, three echo variants (C cut to 3 tokens, so it never names the topic), one check for all rows.
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  const topics = ['otters', 'volcanoes', 'tides', 'comets'];
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: topics.map((topic, i) => ({ id: `row-${i}`, vars: { topic } })),
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { temperature: 0.5 } },
      { ...echo, id: 'col-c', params: { maxTokens: 3 } },
    ],
    repeats: 1,
    assertions: [{ type: 'contains', value: '{{topic}}' }],
  });

  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  // Wait for the run to finish.
  let runId = '';
  await expect(async () => {
    const { runs } = await call<{ runs: { id: string; status: string }[] }>('runs.list', {});
    expect(runs[0]?.status).toBe('done');
    runId = runs[0]?.id ?? '';
  }).toPass({ timeout: 20_000 });

  const { pairs } = await call<{ pairs: JudgePair[] }>('judge.pairs', { runId });
  expect(pairs).toHaveLength(12);
  // Sides are shuffled per pair: some pair must have its higher variant on the left.
  expect(pairs.some((p) => p.leftColumn > p.rightColumn)).toBe(true);
  const plan: Record<string, (number | 'tie' | 'both_bad' | 'skip')[]> = {
    '0:1': [1, 1, 1, 1], // B over A four times
    '0:2': [0, 0, 0, 'tie'], // A over C three times, one tie
    '1:2': [1, 'both_bad', 'skip', 2], // one each way, one both bad, one skipped
  };
  for (const pair of pairs) {
    const key = `${Math.min(pair.leftColumn, pair.rightColumn)}:${Math.max(pair.leftColumn, pair.rightColumn)}`;
    const choice = plan[key]?.[pair.caseIndex];
    if (choice === undefined) throw new Error(`No plan for pair ${key}, row ${pair.caseIndex}`);
    await call('judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: outcomeFor(pair, choice) });
  }

  await page.getByRole('tab', { name: 'Verdict' }).click();
  const panel = page.getByRole('region', { name: 'Verdict' });
  await expect(panel).toContainText('11 votes');

  const table = panel.getByRole('table', { name: 'Pairs of variants' });
  const cells = (name: string) => table.getByRole('row', { name: new RegExp(`^${name}\\b`) }).getByRole('cell');
  // Wins, losses, ties, both bad, win rate (95% CI), Bradley–Terry (95%), p, more votes for a 10-point difference.
  // The model's figure uses every pair's votes (A beat C, B drew with C), so it is pulled from A vs B's 0 of 4
  // towards the middle, but its interval still overlaps the pair's own (tests/unit/verdict.test.ts).
  await expect(cells('A vs B')).toHaveText(['0', '4', '0', '0', '0% (0–49%)', '30% (6.1–67%)', '0.13', '190']);
  await expect(cells('A vs C')).toHaveText(['3', '0', '1', '0', '100% (44–100%)', '60% (23–89%)', '0.25', '191']);
  await expect(cells('B vs C')).toHaveText(['1', '1', '0', '1', '50% (9.5–90.5%)', '78% (40–96.4%)', '1', '192']);

  const sentences = panel.getByRole('list', { name: 'What the votes say' }).getByRole('listitem');
  await expect(sentences).toHaveText([
    'A vs B: No difference shown yet; about 190 more votes would show a 10-point one.',
    'A vs C: No difference shown yet; about 191 more votes would show a 10-point one.',
    'B vs C: No difference shown yet; about 192 more votes would show a 10-point one.',
  ]);

  // B beat A four times out of four and drew with C: it ranks first; C, beaten by A, last.
  const ranking = panel.getByRole('table', { name: 'Ranking' });
  await expect(ranking.getByRole('rowheader')).toHaveText([/^B: /, /^A: /, /^C: /]);

  // The check passes for A and B (4 of 4) and fails for C, whose answers stop before the topic.
  const checks = panel.getByRole('table', { name: 'Pass rates' });
  // Mean over checks, then all checks passed (one check here, so the same share).
  await expect(checks.getByRole('row', { name: /^A: / }).getByRole('cell').nth(0)).toHaveText('100%');
  await expect(checks.getByRole('row', { name: /^A: / }).getByRole('cell').nth(1)).toHaveText('100% (51–100%)');
  await expect(checks.getByRole('row', { name: /^C: / }).getByRole('cell').nth(1)).toHaveText('0% (0–49%)');

  await expect(panel.getByRole('img', { name: /^Win rate of the first variant in each pair/ })).toBeVisible();
  await expect(panel.getByRole('img', { name: /^Quality against mean latency/ })).toBeVisible();

  // A new vote moves the numbers without reopening the panel.
  const again = pairs.find((p) => p.caseIndex === 2 && Math.min(p.leftColumn, p.rightColumn) === 1 && Math.max(p.leftColumn, p.rightColumn) === 2);
  if (!again) throw new Error('The B–C pair of row 3 is missing.');
  await call('judge.vote', { runId, leftCellId: again.leftCellId, rightCellId: again.rightCellId, outcome: outcomeFor(again, 1) });
  await expect(panel).toContainText('12 votes');
  await expect(cells('B vs C')).toHaveText(['2', '1', '0', '1', /^67%/, '81% (46–96.8%)', '1', '191']);
});
