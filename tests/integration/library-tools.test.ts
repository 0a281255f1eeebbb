/**
 * A library version keeps the prompt's tools (in its model's parameters, as a run sends them),
 * whether it is made by Save or by a run of the library prompt, and gives them back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { ECHO_MODEL, ECHO_PROVIDER_ID } from '../../src/shared/providers';
import type { ToolDefinition } from '../../src/shared/tools';

let dataDir: string;
let services: Services;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-library-tools-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 4096 } });
});

afterEach(async () => {
  services.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

const tools: ToolDefinition[] = [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
const columns = [{ id: 'a', providerId: ECHO_PROVIDER_ID, model: ECHO_MODEL, params: {} }];

describe('library versions keep tools', () => {
  it('on Save and on a run of the prompt', async () => {
    const saved = await call('library.save', { name: 'Weather', messages: [{ role: 'user', content: 'Weather in {{city}}?' }], variables: { city: 'Paris' }, columns, tools, toolChoice: 'required' });
    expect(saved.version.model?.params).toEqual({ tools, toolChoice: 'required' });
    const version = await call('library.version', { versionId: saved.version.id });
    expect(version.model?.params.tools).toEqual(tools);

    // A run of a changed prompt makes a version, and it holds the tools the run sent.
    const other: ToolDefinition[] = [{ name: 'lookup', description: 'Search' }];
    const started = await call('runs.start', { promptId: saved.prompt.id, messages: [{ role: 'user', content: 'What is the weather in {{city}}?' }], testCases: [{ id: 'r', vars: { city: 'Oslo' } }], columns, tools: other });
    await services.runner.whenDone(started.runId);
    const ran = await call('library.version', { versionId: started.promptVersionId ?? '' });
    expect(ran.number).toBe(2);
    expect(ran.model?.params.tools).toEqual(other);
  });
});
