import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bridgeFunctionName,
  contract,
  eventSchema,
  ipcChannel,
  methodNames,
  type Handlers,
  type MethodName,
} from '../../src/shared/contract';
import { AppError } from '../../src/shared/errors';
import { dispatch, isMethodName } from '../../src/main/api/dispatch';

/** Handlers that record what they were called with and answer with a marker. */
function recordingHandlers(): { handlers: Handlers; calls: { method: MethodName; input: unknown }[] } {
  const calls: { method: MethodName; input: unknown }[] = [];
  const entries = methodNames.map((method) => [
    method,
    (input: unknown) => {
      calls.push({ method, input });
      return Promise.resolve({ handled: method });
    },
  ]);
  return { handlers: Object.fromEntries(entries) as Handlers, calls };
}

const goodColumn = { id: 'c1', providerId: 'echo', model: 'echo', params: {} };
const goodRun = { messages: [{ role: 'user', content: 'Hi {{x}}' }], testCases: [{ id: 't1', vars: { x: '1' } }], columns: [goodColumn] };

describe('the contract', () => {
  it('lists the methods the app needs', () => {
    // The zod-free list (preload) and the schemas name the same methods; order carries no meaning.
    expect([...methodNames].sort()).toEqual(Object.keys(contract).sort());
    expect(new Set(methodNames).size).toBe(methodNames.length);
    for (const name of [
      'app.info',
      'workspace.get',
      'workspace.save',
      'providers.list',
      'providers.save',
      'providers.remove',
      'providers.models',
      'runs.start',
      'runs.stop',
      'runs.list',
      'runs.get',
      'runs.cells',
      'runs.progress',
      'runs.rerun',
      'runs.resume',
      'runs.estimate',
      'templates.preview',
    ]) {
      expect(methodNames).toContain(name);
    }
  });

  it('gives every method an input and an output schema', () => {
    for (const name of methodNames) {
      const { input, output } = contract[name];
      expect(input, name).toBeInstanceOf(z.ZodType);
      expect(output, name).toBeInstanceOf(z.ZodType);
    }
  });

  it('names the flat bridge function after the method', () => {
    expect(bridgeFunctionName('app.info')).toBe('appInfo');
    expect(bridgeFunctionName('providers.list')).toBe('providersList');
    expect(bridgeFunctionName('runs.start')).toBe('runsStart');
    const names = methodNames.map(bridgeFunctionName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('gives every method its own IPC channel', () => {
    const channels = methodNames.map(ipcChannel);
    expect(new Set(channels).size).toBe(channels.length);
    expect(ipcChannel('runs.get')).toBe('parallax:runs.get');
  });

  it('describes events, and rejects what is not one', () => {
    expect(eventSchema.safeParse({ type: 'cell.delta', runId: 'r', cellId: 'c', seq: 0, text: 'hi' }).success).toBe(true);
    expect(eventSchema.safeParse({ type: 'run.finished', runId: 'r', status: 'cancelled' }).success).toBe(true);
    expect(eventSchema.safeParse({ type: 'cell.delta', runId: 'r', cellId: 'c', seq: 0.5, text: 'hi' }).success).toBe(false);
    expect(eventSchema.safeParse({ type: 'cell.moved', runId: 'r' }).success).toBe(false);
  });
});

describe('dispatch', () => {
  it('refuses an unknown method with not_found, naming it', async () => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, 'runs.delete', {});
    expect(result).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringContaining('runs.delete') } });
    expect(isMethodName('runs.delete')).toBe(false);
    expect(isMethodName('toString')).toBe(false);
    expect((await dispatch(handlers, '__proto__', {})).ok).toBe(false);
    expect(calls).toEqual([]);
  });

  it.each([
    ['runs.start', { ...goodRun, columns: [] }, 'columns', 'Add at least one column'],
    ['runs.start', { ...goodRun, messages: [] }, 'messages', 'at least one message'],
    ['runs.start', { ...goodRun, columns: [{ ...goodColumn, params: { temperature: 5 } }] }, 'columns.0.params.temperature', ''],
    ['runs.start', { ...goodRun, columns: [{ ...goodColumn, params: { maxTokens: 0 } }] }, 'columns.0.params.maxTokens', ''],
    ['runs.start', { ...goodRun, messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role', ''],
    ['runs.start', { ...goodRun, testCases: [] }, 'testCases', 'at least one test case'],
    ['runs.start', { ...goodRun, repeats: 0 }, 'repeats', ''],
    ['runs.start', { ...goodRun, caseIndexes: [-1] }, 'caseIndexes.0', ''],
    ['runs.cells', { runId: 'r1', fromCase: 10, toCase: 10 }, 'runs.cells', '1 to 1000 rows'],
    ['providers.save', { name: 'Local', baseUrl: 'localhost' }, 'baseUrl', 'full http:// or https:// URL'],
    ['providers.save', { name: '   ', baseUrl: 'http://127.0.0.1:11434/v1' }, 'name', 'Give the provider a name'],
    ['providers.save', { name: 'X', baseUrl: 'http://127.0.0.1/v1', apiKeyEnvar: 'MY-KEY' }, 'apiKeyEnvar', 'letters, digits and underscores'],
    ['providers.models', {}, 'providerId', ''],
    ['runs.get', { runId: '' }, 'runId', ''],
    ['runs.get', { runId: 'r1', extra: true }, 'extra', ''],
    ['runs.list', { limit: 0 }, 'limit', ''],
    ['workspace.save', { messages: [], testCases: [{ id: 't1', vars: {} }], columns: [] }, 'messages', ''],
    ['workspace.save', { messages: [{ role: 'user', content: 'x' }], testCases: [], columns: [] }, 'testCases', ''],
  ] as const)('rejects bad input for %s naming the field %s', async (method, input, field, words) => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, method, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('bad_input');
    expect(result.error.message).toContain(method);
    expect(result.error.message).toContain(field);
    expect(result.error.message).toContain(words);
    expect(calls).toEqual([]);
  });

  it('rejects input of the wrong type altogether', async () => {
    const { handlers } = recordingHandlers();
    const result = await dispatch(handlers, 'runs.get', 'r1');
    expect(result).toMatchObject({ ok: false, error: { code: 'bad_input' } });
  });

  it('passes parsed input, with defaults filled in, to the handler and wraps the answer', async () => {
    const { handlers, calls } = recordingHandlers();
    expect(await dispatch(handlers, 'runs.list', {})).toEqual({ ok: true, data: { handled: 'runs.list' } });
    expect(await dispatch(handlers, 'app.info', undefined)).toEqual({ ok: true, data: { handled: 'app.info' } });
    expect(await dispatch(handlers, 'providers.save', { name: '  Local  ', baseUrl: 'http://127.0.0.1:11434/v1' })).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'runs.start', goodRun)).toMatchObject({ ok: true });
    expect(calls).toEqual([
      { method: 'runs.list', input: { limit: 100, offset: 0 } },
      { method: 'app.info', input: {} },
      { method: 'providers.save', input: { name: 'Local', baseUrl: 'http://127.0.0.1:11434/v1' } },
      { method: 'runs.start', input: { ...goodRun, repeats: 1, useCache: true, assertions: [] } },
    ]);
  });

  it('turns what a handler throws into an error envelope with its code', async () => {
    const { handlers } = recordingHandlers();
    handlers['runs.get'] = () => Promise.reject(new AppError('not_found', 'No run with id "r9".'));
    handlers['runs.list'] = () => Promise.reject(new Error('disk on fire'));
    expect(await dispatch(handlers, 'runs.get', { runId: 'r9' })).toEqual({ ok: false, error: { code: 'not_found', message: 'No run with id "r9".' } });
    expect(await dispatch(handlers, 'runs.list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } });
  });
});
