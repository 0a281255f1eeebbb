/**
 * A failing provider never delays a healthy one: `parallax eval -j N` with a provider whose
 * server answers 429 with Retry-After and another whose server is fine. A cell sleeping
 * before its retry gives its slot back, so the healthy provider starts at once and, while the
 * failing cells sleep, has every slot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FairLimiter } from '../../src/main/runner/fair-limit';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../support/fake-openai';
import { runCliCaptured, type CliRun } from './cli-support';

const J = 4;
/** The failing provider's first FAILING_CELLS requests get a 429 asking for RETRY_AFTER_S. */
const FAILING_CELLS = J;
const HEALTHY_CELLS = 12;
const RETRY_AFTER_S = 2;

let failing: FakeOpenAI;
let healthy: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  failing = await startFakeOpenAI({ retryAfterSeconds: RETRY_AFTER_S });
  // Each healthy answer streams for a few hundred milliseconds, so requests overlap.
  healthy = await startFakeOpenAI({ chunkDelayMs: 30 });
});
afterAll(async () => {
  await Promise.all([failing.close(), healthy.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-fair-'));
  failing.resetStats();
  healthy.resetStats();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function evalCli(args: string[]): Promise<CliRun> {
  return runCliCaptured(['eval', ...args, '--data-dir', join(dir, 'data')], { cwd: dir });
}

/** Most requests open at once, from the server's log of arrivals and closes. */
function peakOverlap(requests: readonly RecordedRequest[]): number {
  const edges = requests.flatMap((r) => [
    { at: r.arrivedAt, delta: 1 },
    { at: r.closedAt ?? Infinity, delta: -1 },
  ]);
  // A close at the same instant as an arrival counts first.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const edge of edges) {
    open += edge.delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

describe('fair retries', () => {
  it('a provider answering 429 with Retry-After does not delay a healthy one: while its cells sleep, the healthy one has every slot', async () => {
    const config = join(dir, 'promptfooconfig.yaml');
    // FAILING_CELLS cells of a model whose first FAILING_CELLS requests get 429 + Retry-After: 2.
    writeFileSync(
      config,
      `prompts: ["Say {{word}} slowly, please."]
providers:
  - id: openai:chat:rate-limit:${FAILING_CELLS}
    label: failing
    config: { apiBaseUrl: ${failing.baseUrl} }
  - id: openai:chat:fake-small
    label: healthy
    config: { apiBaseUrl: ${healthy.baseUrl} }
tests:
${Array.from({ length: HEALTHY_CELLS }, (_, i) => `  - vars: { word: w${i} }`).join('\n')}
`,
    );
    const result = await evalCli(['-c', config, '-j', String(J), '-o', join(dir, 'out.json')]);
    expect(result.code, result.stderr).toBe(0);

    const failed = failing.requestsFor(`rate-limit:${FAILING_CELLS}`);
    const refused = failed.filter((r) => r.status === 429);
    expect(refused).toHaveLength(FAILING_CELLS);
    const ok = healthy.requestsFor('fake-small');
    expect(ok).toHaveLength(HEALTHY_CELLS);

    const start = Math.min(...[...failing.requests, ...healthy.requests].map((r) => r.arrivedAt));
    expect(Math.min(...ok.map((r) => r.arrivedAt)) - start).toBeLessThan(1000);

    // The window in which every 429'd cell was asleep: after the last 429, before the first retry.
    const asleepFrom = Math.max(...refused.map((r) => r.closedAt ?? r.arrivedAt));
    const retries = failed.filter((r) => r.status !== 429);
    const asleepUntil = Math.min(...retries.map((r) => r.arrivedAt));
    expect(asleepUntil - asleepFrom).toBeGreaterThan(RETRY_AFTER_S * 1000 * 0.8);
    // Structurally: in that window the healthy server had all J requests in flight at once,
    // which it cannot if a sleeping cell held a slot.
    const during = ok.filter((r) => r.arrivedAt < asleepUntil && (r.closedAt ?? Infinity) > asleepFrom);
    expect(peakOverlap(during)).toBe(J);
    expect(peakOverlap([...failing.requests, ...healthy.requests])).toBeLessThanOrEqual(J);
  }, 60_000);
});

describe('a hanging provider', () => {
  it('holds at most its share of -j: the healthy provider beside it finishes before the first hanging request times out', async () => {
    const config = join(dir, 'promptfooconfig.yaml');
    writeFileSync(
      config,
      `prompts: ["Say {{word}}."]
providers:
  - id: openai:chat:no-answer
    label: hanging
    config: { apiBaseUrl: ${failing.baseUrl}, timeouts: { firstByte: 2s, total: 2500ms } }
  - id: openai:chat:fake-small
    label: healthy
    config: { apiBaseUrl: ${healthy.baseUrl} }
tests:
${Array.from({ length: 8 }, (_, i) => `  - vars: { word: w${i} }`).join('\n')}
`,
    );
    const result = await evalCli(['-c', config, '-j', String(J), '-o', join(dir, 'out.json')]);
    expect(result.code).toBe(1);
    const hung = failing.requestsFor('no-answer');
    const ok = healthy.requestsFor('fake-small');
    expect(ok).toHaveLength(8);
    expect(hung.length).toBeGreaterThan(0);
    // While the healthy provider had cells waiting, never more than its share (J / 2) of hanging requests were open…
    const lastHealthyStart = Math.max(...ok.map((r) => r.arrivedAt));
    expect(peakOverlap(hung.filter((r) => r.arrivedAt < lastHealthyStart))).toBeLessThanOrEqual(J / 2);
    const healthyDone = Math.max(...ok.map((r) => r.closedAt ?? Infinity));
    // …so every healthy answer was done before the first hanging request gave up (and once it was, the hanging one got the rest).
    const firstGaveUp = Math.min(...hung.map((r) => r.closedAt ?? Infinity));
    expect(healthyDone).toBeLessThan(firstGaveUp);
    expect(peakOverlap(hung)).toBe(J);
    expect(result.stderr).toContain('(first-byte timeout)');
  }, 60_000);
});

describe('FairLimiter', () => {
  it('a group whose requests hang holds at most its share while another waits', async () => {
    const limiter = new FairLimiter(4);
    const hanging = Array.from({ length: 4 }, () => limiter.join('hanging'));
    const healthy = Array.from({ length: 4 }, () => limiter.join('healthy'));
    // The hanging group asks first, for every slot.
    const held = await Promise.all(hanging.slice(0, 2).map((lane) => lane.acquire()));
    const more = hanging.slice(2).map((lane) => lane.acquire());
    const fast = healthy.slice(0, 2).map((lane) => lane.acquire());
    const releases = await Promise.all(fast);
    expect(limiter.snapshot().groups.hanging?.inFlight).toBe(2);
    expect(limiter.snapshot().groups.healthy?.inFlight).toBe(2);
    expect(limiter.snapshot().groups.hanging?.waiting).toBe(2);
    // Healthy steps away (sleeping before a retry): its slots go to the hanging group.
    for (const release of releases) release();
    for (const lane of healthy) lane.away();
    const extra = await Promise.all(more);
    expect(limiter.snapshot().groups.hanging?.inFlight).toBe(4);
    // Healthy is back: the next free slot is its own, not the hanging group's.
    for (const lane of healthy) lane.back();
    const waitingHealthy = healthy[0]?.acquire();
    const waitingHanging = hanging[0]?.acquire();
    extra[0]?.();
    await waitingHealthy;
    expect(limiter.snapshot().groups.healthy?.inFlight).toBe(1);
    expect(limiter.snapshot().groups.hanging?.waiting).toBe(1);
    for (const release of [...held, ...extra]) release();
    await waitingHanging;
    expect(limiter.snapshot().inFlight).toBe(2);
  });
});
