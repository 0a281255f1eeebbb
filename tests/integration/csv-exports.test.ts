/**
 * Every CSV Parallax writes is safe to open in a spreadsheet: a variable and a model answer
 * that read `=HYPERLINK(...)` come out with OWASP's leading single quote in `parallax eval -o
 * x.csv` and in the app's run export, while numbers stay numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { dispatch } from '../../src/main/api/dispatch';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';

const FORMULA = '=HYPERLINK("http://x","y")';
const ESCAPED = `'${FORMULA}`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-csv-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Records keyed by the header, read by a plain RFC 4180 parser with no formula handling. */
function records(text: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
}

describe('parallax eval -o x.csv', () => {
  it('escapes a formula in a variable and in the answer, and keeps measured numbers bare', async () => {
    writeFileSync(
      join(dir, 'promptfooconfig.yaml'),
      `prompts:\n  - "{{q}}"\nproviders:\n  - echo\ntests:\n  - vars: { q: ${JSON.stringify(FORMULA)}, n: -0.5 }\n  - vars: { q: "plain", n: 2 }\n`,
    );
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, cwd: dir };
    const code = await runCli(['eval', '-o', 'x.csv', '--data-dir', join(dir, 'data')], io, 'test');
    expect(code, stderr).toBe(0);
    const text = readFileSync(join(dir, 'x.csv'), 'utf8');
    const rows = records(text);
    expect(rows).toHaveLength(2);
    const hostile = rows.find((r) => r['vars.q'] !== 'plain');
    expect(hostile?.['vars.q']).toBe(ESCAPED);
    expect(hostile?.prompt).toBe(ESCAPED);
    expect(hostile?.output).toBe(ESCAPED);
    // A config's vars are text (as in promptfoo), so "-0.5" is escaped like any text...
    expect(hostile?.['vars.n']).toBe("'-0.5");
    // ...while the numbers Parallax measures are written bare.
    expect(hostile?.testIndex).toMatch(/^\d+$/);
    expect(hostile?.latencyMs).toMatch(/^\d+$/);
    expect(rows.find((r) => r['vars.q'] === 'plain')?.output).toBe('plain');
    // No cell of the file starts a formula.
    for (const row of rows) for (const value of Object.values(row)) expect(value).not.toMatch(/^[=+@]/);
  });
});

describe('runs.export as CSV', () => {
  let services: Services | undefined;
  afterEach(() => {
    services?.close();
    services = undefined;
  });

  async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    if (!services) throw new Error('no services');
    const envelope = await dispatch(services.handlers, method, input);
    if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
    return envelope.data as MethodOutput<M>;
  }

  it('escapes a formula in a variable, the expected answer and the answer', async () => {
    services = createServices({ dataDir: join(dir, 'data'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
    const open = services;
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: '{{ q }}' }],
      testCases: [
        { id: 'a', vars: { q: FORMULA }, expected: '@SUM(1+1)' },
        { id: 'b', vars: { q: 'plain' } },
      ],
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
    const file = await call('runs.export', { runId, format: 'csv' });
    expect(file.mimeType).toBe('text/csv');
    const rows = records(file.text);
    expect(rows[0]).toMatchObject({ row: '1', 'vars.q': ESCAPED, expected: "'@SUM(1+1)", output: ESCAPED, status: 'done' });
    expect(rows[1]).toMatchObject({ row: '2', 'vars.q': 'plain', output: 'plain' });
    expect(file.text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
  });
});
