/**
 * The shape limits every front door shares: deep, cyclic or huge input is a typed bad_input
 * envelope from dispatch (so from IPC too), never a stack overflow or a hang.
 */
import type { IpcMain } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { ipcMain, resetElectronMock } from '../mocks/electron';
import { ipcChannel, methodNames, type Handlers } from '../../src/shared/contract';
import { dispatch } from '../../src/main/api/dispatch';
import { checkValueShape, jsonTextTooDeep, MAX_INPUT_DEPTH } from '../../src/main/api/limits';
import { registerIpcHandlers, removeIpcHandlers } from '../../src/main/electron/ipc';

vi.mock('electron', () => import('../mocks/electron'));

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

function spyHandlers(): Handlers & Record<string, ReturnType<typeof vi.fn>> {
  const handlers: Record<string, ReturnType<typeof vi.fn>> = {};
  for (const name of methodNames) handlers[name] = vi.fn(() => Promise.resolve({ called: name }));
  return handlers as Handlers & Record<string, ReturnType<typeof vi.fn>>;
}

describe('input shape limits', () => {
  it('measures depth as containers from the top, up to the limit and no further', () => {
    expect(checkValueShape('text')).toBeUndefined();
    expect(checkValueShape(nested(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(checkValueShape(nested(MAX_INPUT_DEPTH + 1))).toEqual({ kind: 'depth' });
    expect(checkValueShape(nested(100_000))).toEqual({ kind: 'depth' });
  });

  it('stops on a cycle and on shared parts that multiply (values from IPC may have both)', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(checkValueShape(loop)).toEqual({ kind: 'depth' });
    // 40 levels of a pair of the same array: 2^40 paths, a few objects.
    let shared: unknown[] = [];
    for (let i = 0; i < 40; i += 1) shared = [shared, shared];
    expect(checkValueShape(shared, MAX_INPUT_DEPTH, 10_000)).toEqual({ kind: 'size' });
    expect(checkValueShape(Array.from({ length: 100 }, () => ({ a: 1 })), MAX_INPUT_DEPTH, 10_000)).toBeUndefined();
  });

  it('reads JSON text depth without parsing, ignoring brackets inside strings and escaped quotes', () => {
    expect(jsonTextTooDeep('['.repeat(MAX_INPUT_DEPTH) + ']'.repeat(MAX_INPUT_DEPTH))).toBe(false);
    expect(jsonTextTooDeep('['.repeat(MAX_INPUT_DEPTH + 1))).toBe(true);
    expect(jsonTextTooDeep(JSON.stringify({ a: '['.repeat(500) }))).toBe(false);
    expect(jsonTextTooDeep(JSON.stringify({ a: '\\"' + '{'.repeat(500) }))).toBe(false);
    expect(jsonTextTooDeep(JSON.stringify(nested(MAX_INPUT_DEPTH + 1)))).toBe(true);
  });
});

describe('dispatch', () => {
  it('turns input nested 2,000 levels deep into a bad_input envelope without calling the handler', async () => {
    const handlers = spyHandlers();
    const envelope = await dispatch(handlers, 'templates.preview', { messages: [{ role: 'user', content: '{{a}}' }], vars: { a: nested(2000) } });
    expect(envelope).toEqual({ ok: false, error: { code: 'bad_input', message: expect.stringContaining(`nested more than ${MAX_INPUT_DEPTH} levels`) } });
    expect(handlers['templates.preview']).not.toHaveBeenCalled();
  });

  it('wraps a handler that throws something unexpected instead of rejecting', async () => {
    const handlers = spyHandlers();
    const spies: Record<string, ReturnType<typeof vi.fn>> = handlers;
    spies['app.info']?.mockImplementation(() => Promise.reject(new TypeError('boom')));
    await expect(dispatch(handlers, 'app.info', {})).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });

  it('applies the same limits on the Electron IPC path: deep and cyclic input are bad_input', async () => {
    resetElectronMock();
    const handlers = spyHandlers();
    registerIpcHandlers(ipcMain as unknown as IpcMain, handlers);
    const fromApp = { senderFrame: { url: 'app://parallax/index.html' } };
    const deep = (await ipcMain.invoke(ipcChannel('workspace.save'), fromApp, nested(5000))) as { ok: boolean; error: { code: string } };
    expect(deep).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const loop: Record<string, unknown> = { runId: 'r1' };
    loop.again = loop;
    const cyclic = (await ipcMain.invoke(ipcChannel('runs.stop'), fromApp, loop)) as { ok: boolean; error: { code: string } };
    expect(cyclic).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    expect(handlers['workspace.save']).not.toHaveBeenCalled();
    expect(handlers['runs.stop']).not.toHaveBeenCalled();
    removeIpcHandlers(ipcMain as unknown as IpcMain);
  });
});
