import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/contract';
import { labelSchema } from '../../src/shared/library';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

let services: Services | undefined;
afterEach(() => services?.close());

describe('the runner when the database refuses a cell', () => {
  // A busy database is waited out (tests/integration/contention.test.ts); any other refusal is reported.
  it('reports the answer as unsaved in the cell and still finishes the run', async () => {
    services = createServices({ dataDir: mkdtempSync(join(tmpdir(), 'parallax-resilience-')), door: 'web', version: 't', secrets: new MemorySecretStore(), env: {} });
    services.store.finishCell = () => {
      throw new Error('disk I/O error');
    };
    const events: AppEvent[] = [];
    services.onEvent((e) => events.push(e));
    const { runId } = await services.handlers['runs.start']({
      messages: [{ role: 'user', content: 'Hello' }],
      testCases: [{ id: 'case-1', vars: {} }],
      columns: [{ id: 'c', providerId: 'echo', model: 'echo', params: {} }],
      repeats: 1,
      useCache: false,
      assertions: [],
    });
    await services.runner.whenDone(runId);
    const final = events.filter((e) => e.type === 'cell.update').at(-1);
    expect(final?.type === 'cell.update' && final.cell).toMatchObject({ status: 'error', output: 'Hello', error: { code: 'internal' } });
    expect(final?.type === 'cell.update' && final.cell.error?.message).toContain('could not be saved (disk I/O error)');
    expect(events.at(-1)).toEqual({ type: 'run.finished', runId, status: 'done' });
  });
});

describe('version labels', () => {
  it('accept names like production and refuse what already names a version', () => {
    expect(labelSchema.safeParse('production').success).toBe(true);
    expect(labelSchema.safeParse('v2.1-rc_1').success).toBe(true);
    expect(labelSchema.safeParse('latest').success).toBe(false);
    expect(labelSchema.safeParse('12').success).toBe(false);
    expect(labelSchema.safeParse('has space').success).toBe(false);
  });
});
