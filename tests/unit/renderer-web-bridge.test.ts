/**
 * Browser mode's bridge: the token travels only in the Authorization header (the event stream
 * too, read with fetch), a 401 marks the token stale, and a new `#token=` in the address bar
 * is taken up without a reload: calls and the stream go on with it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeAccess } from '../../src/renderer/src/bridge/bridge';
import { createSseReader } from '../../src/renderer/src/bridge/sse';
import { createWebBridge, tokenFromHash } from '../../src/renderer/src/bridge/web';
import type { AppEvent } from '../../src/shared/contract';

describe('tokenFromHash', () => {
  it('reads the token from the fragment, alone or among other parameters', () => {
    expect(tokenFromHash('#token=abc-_123')).toBe('abc-_123');
    expect(tokenFromHash('#view=x&token=abc')).toBe('abc');
    expect(tokenFromHash('#token=a%2Bb')).toBe('a+b');
  });

  it('finds nothing in an empty, foreign or broken fragment', () => {
    expect(tokenFromHash('')).toBeUndefined();
    expect(tokenFromHash('#token=')).toBeUndefined();
    expect(tokenFromHash('#notatoken=abc')).toBeUndefined();
    expect(tokenFromHash('#token=%E0%A4%A')).toBeUndefined();
  });
});

describe('createSseReader', () => {
  it('gives each event’s data once, however the text is cut', () => {
    const text = ': connected\r\n\r\ndata: {"a":1}\r\n\r\n: keep-alive\n\nevent: x\ndata: line one\ndata: line two\n\rdata:no-space\r\r';
    for (const size of [1, 2, 3, 7, text.length]) {
      const seen: string[] = [];
      const reader = createSseReader((data) => seen.push(data));
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(seen, `chunks of ${size}`).toEqual(['{"a":1}', 'line one\nline two', 'no-space']);
    }
  });

  it('drops an event larger than the limit and goes on with the next', () => {
    const seen: string[] = [];
    const reader = createSseReader((data) => seen.push(data), 10);
    reader.push(`data: ${'x'.repeat(50)}\n\ndata: ok\n\n`);
    reader.push('x'.repeat(50));
    reader.push('\n\ndata: after\n\n');
    expect(seen).toEqual(['ok', 'after']);
  });
});

interface Seen {
  url: string;
  authorization: string | null;
}

function envelope(data: unknown, status = 200): Response {
  return new Response(JSON.stringify({ ok: true, data }), { status, headers: { 'Content-Type': 'application/json' } });
}

function eventStream(events: AppEvent[]): Response {
  const text = `: connected\n\n${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}`;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      // Left open, as the server does.
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

describe('the web bridge', () => {
  let page: EventTarget & { location: { hash: string; pathname: string; search: string } };
  let seen: Seen[];
  let serverToken: string;
  const storage = new Map<string, string>();

  beforeEach(() => {
    seen = [];
    serverToken = 'new-token';
    storage.clear();
    page = Object.assign(new EventTarget(), { location: { hash: '', pathname: '/', search: '' } });
    vi.stubGlobal('window', page);
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) });
    vi.stubGlobal('history', { replaceState: (_s: unknown, _t: string, url: string) => void (page.location.hash = url.includes('#') ? url.slice(url.indexOf('#')) : '') });
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init: RequestInit = {}) => {
        const authorization = new Headers(init.headers).get('Authorization');
        seen.push({ url, authorization });
        if (authorization !== `Bearer ${serverToken}`) return Promise.resolve(new Response(JSON.stringify({ ok: false, error: { code: 'forbidden', message: 'x' } }), { status: 401 }));
        if (url === '/api/events') return Promise.resolve(eventStream([{ type: 'run.finished', runId: 'r1', status: 'done' }]));
        return Promise.resolve(envelope({ version: 't', door: 'web', dataDir: '/d', keyStorage: 'memory' }));
      }),
    );
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends the token only in the Authorization header, on calls and on the event stream', async () => {
    const bridge = createWebBridge('new-token');
    const events: AppEvent[] = [];
    const off = bridge.onEvent((e) => events.push(e));
    await expect(bridge.api['app.info']({})).resolves.toMatchObject({ door: 'web' });
    await vi.waitFor(() => expect(events).toEqual([{ type: 'run.finished', runId: 'r1', status: 'done' }]));
    off();
    expect(seen.map((s) => s.url).sort()).toEqual(['/api/app.info', '/api/events']);
    for (const s of seen) {
      expect(s.url).not.toContain('token');
      expect(s.authorization).toBe('Bearer new-token');
    }
  });

  it('marks the token stale on a 401, then takes up a new #token from the address bar without a reload', async () => {
    const bridge = createWebBridge('old-token');
    const access: BridgeAccess[] = [];
    const reconnects: number[] = [];
    bridge.onAccess?.((a) => access.push(a));
    bridge.onReconnect?.(() => reconnects.push(1));
    const events: AppEvent[] = [];
    bridge.onEvent((e) => events.push(e));

    await expect(bridge.api['app.info']({})).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringContaining('#token=') });
    await vi.waitFor(() => expect(access).toEqual(['stale-token']));

    page.location.hash = '#token=new-token';
    page.dispatchEvent(new Event('hashchange'));
    expect(access).toEqual(['stale-token', 'ok']);
    // The token leaves the address bar and is kept for a reload.
    expect(page.location.hash).toBe('');
    expect(storage.get('parallax.token')).toBe('new-token');
    await expect(bridge.api['app.info']({})).resolves.toMatchObject({ door: 'web' });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(reconnects.length).toBeGreaterThan(0);
    const last = seen.filter((s) => s.url === '/api/events').at(-1);
    expect(last?.authorization).toBe('Bearer new-token');
  });

  it('ignores events that are not JSON or not in the contract', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('data: {not json\n\ndata: {"type":"evil"}\n\ndata: {"type":"judge.changed","runId":"r2"}\n\n'));
          },
        });
        return Promise.resolve(new Response(body, { status: 200 }));
      }),
    );
    const bridge = createWebBridge('t');
    const events: AppEvent[] = [];
    bridge.onEvent((e) => events.push(e));
    await vi.waitFor(() => expect(events).toEqual([{ type: 'judge.changed', runId: 'r2' }]));
  });
});
