/**
 * Numbers you can trust, as a person sees them: a server that streams without usage still gets
 * a price, shown as an estimate in its cell, the progress line and the verdict; quality is the
 * mean of the checks' pass rates, so one check that always fails does not make every variant 0%;
 * a label typed with its own letter ("A: terse", as the old placeholder suggested) is shown with
 * the letter once. The Verdict view passes axe's WCAG 2.1 AA rules.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { startWebApp, type WebApp, callApi } from './support/web-app';

const KEY = 'sk-e2e-numbers-key-8642';
const SHOTS = '/tmp/shots';

// The e2e project does not compile src/: the shapes this test reads, as the contract has them.
interface Workspace {
  columns: { id: string; providerId: string; model: string; params: Record<string, unknown>; label?: string }[];
}

let server: FakeOpenAI;
let app: WebApp;
test.beforeEach(async () => {
  server = await startFakeOpenAI({ apiKey: KEY });
  app = await startWebApp();
});
test.afterEach(async () => {
  await app.stop();
  await server.close();
});

function call<T>(method: string, input: unknown): Promise<T> {
  return callApi<T>(app, method, input);
}

test('estimated cost without usage, per-check quality and single letters, in the grid and the verdict', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const provider = await call<{ id: string }>('providers.save', { name: 'Local lab', baseUrl: server.baseUrl, apiKey: KEY });
  // The person saved a price for the model; the server will never say how many tokens it used.
  await call('prices.save', { overrides: { 'no-usage': { inputPerMTok: 3, outputPerMTok: 15 } } });
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Tell me about {{topic}}' }],
    testCases: ['otters', 'tides'].map((topic, i) => ({ id: `row-${i}`, vars: { topic } })),
    selectedCase: 0,
    columns: [
      // Typed as the old placeholder ("e.g. B: terse") suggested: the letter must not double.
      { ...echo, id: 'col-a', label: 'A: terse' },
      { id: 'col-b', providerId: provider.id, model: 'no-usage', params: {} },
    ],
    repeats: 1,
    // The second check always fails: all-pass is 0% everywhere, quality must not be.
    assertions: [
      { type: 'icontains', value: '{{topic}}' },
      { type: 'equals', value: 'never this' },
    ],
  });

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  // The cell of the usage-less server: a price, marked as an estimate in words.
  const cell = page.getByRole('gridcell', { name: 'Row 1, variant 2', exact: true });
  await expect(cell).toContainText('Done', { timeout: 20_000 });
  await expect(cell).toContainText(/≈\$0\.0\d+ \(estimated\)/);
  await expect(page.getByRole('gridcell', { name: 'Row 1, variant 1', exact: true })).not.toContainText('estimated');
  await expect(page.getByRole('progressbar', { name: 'Run progress', exact: true })).toHaveAttribute('aria-valuetext', /^4 \/ 4 · ≈\$0\.\d+ spent \(estimated\)$/);
  // The grid's header names variant A once: "Variant A" over "terse".
  const header = page.getByRole('columnheader').filter({ hasText: 'Variant A' });
  await expect(header).toContainText('terse');
  await expect(header).not.toContainText('A: terse');
  await page.screenshot({ path: `${SHOTS}/numbers-grid.png` });

  await page.getByRole('tab', { name: 'Verdict' }).click();
  const panel = page.getByRole('region', { name: 'Verdict' });
  const perVariant = panel.getByRole('table', { name: 'Per variant' });
  await expect(perVariant.getByRole('rowheader')).toHaveText(['A: terse', 'B: Local lab · no-usage']);
  const costs = perVariant.getByRole('row', { name: /^B: / }).getByRole('cell');
  // Answers, mean latency, p95 latency, mean tokens, total cost, mean cost, quality.
  await expect(costs.nth(4)).toHaveText(/^≈\$0\.0\d+ \(estimated\)$/);
  await expect(costs.nth(4)).not.toHaveText('≈$0 (estimated)');
  await expect(perVariant.getByRole('row', { name: /^A: / }).getByRole('cell').nth(4)).toHaveText('$0');
  await expect(panel).toContainText('A cost marked ≈ is estimated');
  await expect(panel.getByRole('img', { name: /^Quality against mean cost per answer \(costs partly estimated\), one point per variant\./ })).toBeVisible();

  // Per-check pass rates, the mean over checks, and all-pass apart.
  const checks = panel.getByRole('table', { name: 'Pass rates' });
  await expect(checks.getByRole('columnheader')).toHaveText(['Variant', 'Mean over checks', 'All checks passed', 'icontains "{{topic}}"', 'equals "never this"']);
  const rowA = checks.getByRole('row', { name: /^A: terse / }).getByRole('cell');
  await expect(rowA).toHaveText(['50%', '0% (0–66%)', '100% (34–100%) · 2/2', '0% (0–66%) · 0/2']);
  // Quality (the charts' figure) is the mean over checks, not all-pass.
  await expect(perVariant.getByRole('row', { name: /^A: / }).getByRole('cell').last()).toHaveText('50%');

  const results = await new AxeBuilder({ page }).include('section.verdict').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await panel.screenshot({ path: `${SHOTS}/numbers-verdict.png` });

  // The exported file names the variants the same way and says the cost is an estimate.
  const { runs } = await call<{ runs: { id: string }[] }>('runs.list', {});
  const file = await call<{ text: string }>('runs.export', { runId: runs[0]?.id, format: 'json' });
  const data = JSON.parse(file.text) as { cost: { costEstimated: boolean; costUsd: number }; variants: { name: string }[] };
  expect(data.variants.map((v) => v.name)).toEqual(['A: terse', 'B: Local lab · no-usage']);
  expect(data.cost.costEstimated).toBe(true);
  expect(data.cost.costUsd).toBeGreaterThan(0);
});

interface JudgePair {
  caseIndex: number;
  leftCellId: string;
  rightCellId: string;
  leftColumn: number;
  rightColumn: number;
}

test("the issue's separated votes: the ranking's intervals stay as wide as the pairs' Wilson intervals", async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const draft = await call<Workspace>('workspace.get', {});
  const echo = draft.columns[0] ?? { id: 'a', providerId: 'echo', model: 'echo', params: {} };
  await call('workspace.save', {
    ...draft,
    messages: [{ role: 'user', content: 'Row {{n}}' }],
    testCases: Array.from({ length: 8 }, (_, i) => ({ id: `row-${i}`, vars: { n: String(i + 1) } })),
    selectedCase: 0,
    columns: [
      { ...echo, id: 'col-a', params: {} },
      { ...echo, id: 'col-b', params: { temperature: 0.5 } },
      { ...echo, id: 'col-c', params: { maxTokens: 2 } },
    ],
    repeats: 1,
    assertions: [],
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(app.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  let runId = '';
  await expect(async () => {
    const { runs } = await call<{ runs: { id: string; status: string }[] }>('runs.list', {});
    expect(runs[0]?.status).toBe('done');
    runId = runs[0]?.id ?? '';
  }).toPass({ timeout: 20_000 });

  // 15 decisive votes: A beats C on all 8 rows, B beats C on 7; A and B never meet; C never wins.
  const { pairs } = await call<{ pairs: JudgePair[] }>('judge.pairs', { runId });
  for (const pair of pairs) {
    const lo = Math.min(pair.leftColumn, pair.rightColumn);
    const hi = Math.max(pair.leftColumn, pair.rightColumn);
    if (hi !== 2 || (lo === 1 && pair.caseIndex === 7)) continue;
    await call('judge.vote', { runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: pair.leftColumn === lo ? 'left' : 'right' });
  }

  await page.getByRole('tab', { name: 'Verdict' }).click();
  const panel = page.getByRole('region', { name: 'Verdict' });
  await expect(panel).toContainText('15 votes');
  const table = panel.getByRole('table', { name: 'Pairs of variants' });
  const cells = (name: string) => table.getByRole('row', { name: new RegExp(`^${name}\\b`) }).getByRole('cell');
  // Wilson for 8 of 8 is 68–100%; the model's interval (R's BradleyTerry2 gives the same profile bounds) overlaps it.
  await expect(cells('A vs C').nth(4)).toHaveText('100% (68–100%)');
  await expect(cells('A vs C').nth(5)).toHaveText('95.0% (72–99.8%)');
  // A and B never met: the model leans on nothing and says so.
  await expect(cells('A vs B').nth(5)).toHaveText('52% (3.2–97.2%)');
  const ranking = panel.getByRole('table', { name: 'Ranking' });
  await expect(ranking.getByRole('rowheader')).toHaveText([/^A: /, /^B: /, /^C: /]);
  // The bootstrap said C 0.01 (0.01–0.02); 15 votes cannot rule out that C beats an average variant half the time.
  await expect(ranking.getByRole('row', { name: /^3 C: / }).getByRole('cell').last()).toHaveText('11% (0.5–55%)');
  await panel.screenshot({ path: `${SHOTS}/numbers-ranking.png` });
});
