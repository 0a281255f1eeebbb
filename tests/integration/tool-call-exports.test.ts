/**
 * A run's CSV export carries each answer's tool calls (as JSON) and thinking, and both are
 * hostile text: a spreadsheet must not run `=HYPERLINK(` from either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

const FORMULA = '=HYPERLINK("http://x","y")';

let dir: string | undefined;
let services: Services | undefined;
afterEach(() => {
  services?.close();
  services = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  if (!services) throw new Error('no services');
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

it('writes tool_calls and reasoning columns, formula-escaped', async () => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-tool-export-'));
  services = createServices({ dataDir: join(dir, 'data'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  const open = services;
  const { runId } = await call('runs.start', {
    messages: [{ role: 'user', content: 'hi' }],
    testCases: [{ id: 'a', vars: {} }],
    columns: [{ id: 'echo', providerId: 'echo', model: 'echo', params: {} }],
  });
  await new Promise<void>((resolve) => {
    const off = open.onEvent((event: AppEvent) => {
      if (event.type === 'run.finished' && event.runId === runId) {
        off();
        resolve();
      }
    });
  });
  const { cells } = await call('runs.cells', { runId, fromCase: 0, toCase: 1 });
  const stored = cells[0];
  if (!stored) throw new Error('no cell');
  const calls = [{ id: 'call_1', name: FORMULA, arguments: `{"q":"${FORMULA.replace(/"/g, '\\"')}","u":"javascript:alert(1)"}` }];
  // What a vendor's answer would have left in the cell (the echo provider calls no tools).
  open.store.finishCell({ ...stored, reasoning: `${FORMULA} <script>x</script>`, toolCalls: calls });

  const file = await call('runs.export', { runId, format: 'csv' });
  const rows = Papa.parse<Record<string, string>>(file.text, { header: true, skipEmptyLines: true }).data;
  expect(rows[0]?.reasoning).toBe(`'${FORMULA} <script>x</script>`);
  expect(JSON.parse(rows[0]?.tool_calls ?? '')).toEqual(calls);
  for (const value of Object.values(rows[0] ?? {})) expect(value).not.toMatch(/^[=+@-]/);

  const json = await call('runs.export', { runId, format: 'json' });
  const data = JSON.parse(json.text) as { cells: { toolCalls?: unknown; reasoning?: string }[] };
  expect(data.cells[0]?.toolCalls).toEqual(calls);
  expect(data.cells[0]?.reasoning).toBe(`${FORMULA} <script>x</script>`);
});
