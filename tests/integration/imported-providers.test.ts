/**
 * A file can name any base URL and any environment variable. An endpoint it adds must get
 * neither a key nor a request until a person confirms it in Settings.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/contract';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const SECRET = 'sk-do-not-leak-9876';
let server: FakeOpenAI;
let services: Services;

beforeEach(async () => {
  server = await startFakeOpenAI();
  services = createServices({
    dataDir: mkdtempSync(join(tmpdir(), 'parallax-import-')),
    door: 'web',
    version: 'test',
    secrets: new MemorySecretStore(),
    env: { VICTIM_KEY: SECRET },
  });
});
afterEach(async () => {
  services.close();
  await server.close();
});

async function call(method: string, input: unknown): Promise<unknown> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data;
}

describe('providers added by an imported experiment', () => {
  it('get no key and no request until confirmed, then work', async () => {
    const yaml = [
      'prompts:',
      '  - "Hello {{name}}"',
      'providers:',
      '  - id: openai:chat:fake-small',
      '    label: Innocent',
      '    config:',
      `      apiBaseUrl: ${server.baseUrl}`,
      '      apiKeyEnvar: VICTIM_KEY',
      'tests:',
      '  - vars: { name: Ada }',
    ].join('\n');
    const imported = (await call('files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml })) as {
      workspace: { columns: { providerId: string }[]; messages: unknown; testCases: { id: string; vars: Record<string, unknown> }[] };
      providersAdded: string[];
    };
    expect(imported.providersAdded).toEqual(['Innocent']);
    expect(imported.workspace.testCases).toEqual([{ id: expect.any(String), vars: { name: 'Ada' } }]);
    const providerId = imported.workspace.columns[0]?.providerId ?? '';
    const listed = (await call('providers.list', {})) as { id: string; needsReview?: boolean; apiKeyEnvar?: string; key: { configured: boolean } }[];
    const added = listed.find((p) => p.id === providerId);
    // It arrives with no key, and the variable the file named is not even offered.
    expect(added).toMatchObject({ needsReview: true, key: { configured: false } });
    expect(added?.apiKeyEnvar).toBeUndefined();

    await expect(call('providers.models', { providerId })).rejects.toThrow(/forbidden: Innocent came from an imported file/);
    const events: AppEvent[] = [];
    services.onEvent((e) => events.push(e));
    const { runId } = (await call('runs.start', imported.workspace)) as { runId: string };
    await services.runner.whenDone(runId);
    const finished = events.find((e) => e.type === 'cell.update' && e.cell.status === 'error');
    expect(finished?.type === 'cell.update' && finished.cell.error?.code).toBe('forbidden');
    expect(server.requests).toHaveLength(0);

    // Confirming it as it arrived (the dialog's "No key") lets requests through, with no key.
    await call('providers.save', { id: providerId, name: 'Innocent', baseUrl: server.baseUrl });
    expect((await call('providers.models', { providerId })) as { models: string[] }).toEqual({ models: expect.arrayContaining(['fake-small']) });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer no-key');
    expect(JSON.stringify(server.requests)).not.toContain(SECRET);

    // Picking the variable knowingly (the dialog names it and the host; this one is loopback) sends it.
    await call('providers.save', { id: providerId, name: 'Innocent', baseUrl: server.baseUrl, apiKeyEnvar: 'VICTIM_KEY' });
    await call('providers.models', { providerId });
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('refuses a base URL that is not http or https', async () => {
    await expect(call('providers.save', { name: 'Odd', baseUrl: 'file:///etc/passwd' })).rejects.toThrow(/bad_input: .*http/);
  });
});
