/**
 * Browser mode's front door, over real HTTP: the token (header only), Host and Origin checks,
 * the envelope and its status, the event stream, the static files' path-traversal guard, and
 * the limits on hostile clients: body size, slow headers and bodies, deep JSON.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { resolveInside } from '../../src/main/static-files';
import { MAX_INPUT_DEPTH } from '../../src/main/api/limits';
import { MAX_BODY_BYTES, startWebServer, WEB_CSP, type WebServer } from '../../src/main/web/server';

const TOKEN = 'test-token-0123456789';
let services: Services;
let web: WebServer;
let root: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so Host and Origin can be set to anything (fetch forbids that). */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: web.port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${web.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function call(method: string, input: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(`/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'parallax-web-'));
  const staticDir = join(root, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Parallax</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the static folder');
  services = createServices({ dataDir: join(root, 'data'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  web = await startWebServer({ services, staticDir, token: TOKEN });
});

afterAll(async () => {
  await web.close();
  services.close();
});

describe('the web door', () => {
  it('binds 127.0.0.1 and prints a URL that carries the token in the fragment', () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/#token=${TOKEN}`);
    expect(web.server.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('answers a method with an envelope when the token is right', async () => {
    const reply = await call('app.info', {});
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, data: { version: 'test', door: 'web', dataDir: join(root, 'data'), keyStorage: 'memory' } });
  });

  it('refuses calls without the token or with a wrong one', async () => {
    const none = await send('/api/app.info', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const wrong = await call('app.info', {}, { Authorization: 'Bearer not-the-token-000000' });
    expect(wrong.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (another site)', async () => {
    const host = await call('app.info', {}, { Host: 'evil.example:80' });
    expect(host.status).toBe(421);
    const origin = await call('app.info', {}, { Origin: 'https://evil.example' });
    expect(origin.status).toBe(403);
    const sameOrigin = await call('app.info', {}, { Origin: `http://127.0.0.1:${web.port}` });
    expect(sameOrigin.status).toBe(200);
  });

  it('turns bad input into a bad_input envelope that names the field', async () => {
    const reply = await call('runs.start', { messages: [], testCases: [{ id: 't1', vars: {} }], columns: [] });
    const body = JSON.parse(reply.body) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad_input');
    expect(body.error.message).toContain('messages');
    const notJson = await send('/api/app.info', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    const unknown = await call('nope.nothing', {});
    expect((JSON.parse(unknown.body) as { error: { code: string } }).error.code).toBe('not_found');
    // The status follows the envelope: the caller's mistakes are 4xx.
    expect(reply.status).toBe(400);
    expect(unknown.status).toBe(404);
  });

  it('serves the renderer with a strict CSP, and nothing outside its folder', async () => {
    const index = await send('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("script-src 'self'");
    expect((await send('/assets/app.js')).headers['content-type']).toContain('text/javascript');
    expect((await send('/../secret.txt')).status).toBe(404);
    expect((await send('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await send('/assets/%2e%2e/%2e%2e/secret.txt')).status).toBe(404);
    expect(resolveInside('/srv/app', '/../../etc/passwd')).toBeUndefined();
    expect(resolveInside('/srv/app', '/%2e%2e/etc/passwd')).toBeUndefined();
    expect(resolveInside('/srv/app', '/assets/x.js')).toBe('/srv/app/assets/x.js');
  });

  it('streams run events to a client that holds the token', async () => {
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: web.port, path: '/api/events', headers: { Host: `127.0.0.1:${web.port}`, Authorization: `Bearer ${TOKEN}` } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.on('data', (chunk: Buffer) => {
          received.push(chunk.toString());
          if (received.join('').includes('"run.finished"')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => (received.join('').includes('run.finished') ? resolve() : reject(error)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = JSON.parse(
      (
        await call('runs.start', {
          messages: [{ role: 'user', content: 'Hello {{name}}' }],
          testCases: [
            { id: 't1', vars: { name: 'Ada' } },
            { id: 't2', vars: { name: 'Grace' } },
          ],
          columns: [{ id: 'c1', providerId: 'echo', model: 'echo', params: {} }],
        })
      ).body,
    ) as { ok: boolean; data: { runId: string; total: number } };
    expect(started).toMatchObject({ ok: true, data: { total: 2 } });
    await done;
    const stream = received.join('');
    expect(stream).toContain('"cell.delta"');
    expect(stream).toContain('Hello Ada');
    expect(stream).toContain('Hello Grace');
    expect(stream).toContain(`"runId":"${started.data.runId}"`);
    const unauthorised = await send('/api/events');
    expect(unauthorised.status).toBe(401);
  });
});


/** Writes raw bytes on a socket and collects everything the server sends until it closes. */
function rawExchange(port: number, opening: string, options: { keepWriting?: string; everyMs?: number; giveUpMs?: number } = {}): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let drip: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server held the connection open for ${options.giveUpMs ?? 5000} ms; it sent: ${text}`));
    }, options.giveUpMs ?? 5000);
    socket.on('connect', () => {
      socket.write(opening);
      if (options.keepWriting) drip = setInterval(() => socket.writable && socket.write(options.keepWriting ?? ''), options.everyMs ?? 100);
    });
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(drip);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

describe('the web door against hostile clients', () => {
  const LIMITS = { headersMs: 400, bodyMs: 600 };
  let quick: WebServer;

  beforeAll(async () => {
    quick = await startWebServer({ services, staticDir: join(root, 'renderer'), token: TOKEN, limits: LIMITS });
  });

  afterAll(async () => {
    await quick.close();
  });

  it('takes the token only from the Authorization header: a token in the query string is refused', async () => {
    const query = await send(`/api/app.info?token=${TOKEN}`, { method: 'POST', body: '{}' });
    expect(query.status).toBe(401);
    expect(query.headers['www-authenticate']).toContain('Bearer');
    const events = await send(`/api/events?token=${encodeURIComponent(TOKEN)}`);
    expect(events.status).toBe(401);
    // Neither a cookie nor a token without the Bearer scheme counts.
    expect((await send('/api/app.info', { method: 'POST', headers: { Cookie: `token=${TOKEN}` }, body: '{}' })).status).toBe(401);
    expect((await send('/api/app.info', { method: 'POST', headers: { Authorization: TOKEN }, body: '{}' })).status).toBe(401);
    const body = JSON.parse(query.body) as { error: { message: string } };
    // A 401 says where the new token is.
    expect(body.error.message).toContain('printed in its terminal');
  });

  it('answers 413 to a body over 8 MB, whether its length is declared or it just keeps coming', async () => {
    const declared = await send('/api/app.info', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Length': String(MAX_BODY_BYTES + 1) },
      body: '{}',
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: { code: 'bad_input' } });

    // Chunked, no length: the server must answer 413 once 8 MB have passed, not drop the socket.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: web.port, path: '/api/workspace.save', method: 'POST', headers: { Host: `127.0.0.1:${web.port}`, Authorization: `Bearer ${TOKEN}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error) => reject(error));
      const piece = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 10 && req.write(piece)) sent += 1;
        if (sent < 10) req.once('drain', () => {
          sent += 1;
          pump();
        });
        else req.end();
      };
      pump();
    });
    expect(streamed).toBe(413);
    // The door still answers afterwards.
    expect((await call('app.info', {})).status).toBe(200);
  });

  it('closes a connection whose headers never finish (slow-loris), with 408', async () => {
    const { text, closedAfterMs } = await rawExchange(quick.port, `POST /api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${quick.port}\r\n`, {
      keepWriting: 'X-Slow: a\r\n',
      everyMs: 100,
    });
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(LIMITS.headersMs + 1500);
  });

  it('answers 408 and closes when a body never finishes', async () => {
    const head = `POST /api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${quick.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
    const { text, closedAfterMs } = await rawExchange(quick.port, head, { keepWriting: ' ', everyMs: 100 });
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"code":"bad_input"');
    expect(closedAfterMs).toBeLessThan(LIMITS.bodyMs + 1500);
  });

  it(`refuses JSON nested deeper than ${MAX_INPUT_DEPTH} levels with a clear 400, and takes ordinary nesting`, async () => {
    const deepText = '['.repeat(2000) + ']'.repeat(2000);
    const bare = await send('/api/app.info', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: deepText });
    expect(bare.status).toBe(400);
    expect(JSON.parse(bare.body)).toMatchObject({ ok: false, error: { code: 'bad_input', message: expect.stringContaining('nested more than') } });

    let deep: unknown = 'x';
    for (let i = 0; i < 2000; i += 1) deep = [deep];
    const inField = await call('templates.preview', { messages: [{ role: 'user', content: '{{ a }}' }], vars: { a: deep } });
    expect(inField.status).toBe(400);
    expect(inField.body).toContain('nested more than');

    // Brackets inside strings are text, not nesting.
    const bracketsInText = await call('templates.preview', { messages: [{ role: 'user', content: '[[[[{{ a }}'.repeat(200) }], vars: { a: 'x' } });
    expect(bracketsInText.status).toBe(200);
    let ordinary: unknown = 'leaf';
    for (let i = 0; i < 20; i += 1) ordinary = { next: ordinary };
    const fine = await call('templates.preview', { messages: [{ role: 'user', content: '{{ a.next.next.next }}' }], vars: { a: ordinary } });
    expect(fine.status).toBe(200);
    expect(JSON.parse(fine.body)).toMatchObject({ ok: true });
  });

  it('streams events to a client that sends the token in the header, and keeps the stream open past the request time limit', async () => {
    const received: string[] = [];
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${quick.port}/api/events`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const finished = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return false;
        received.push(decoder.decode(value, { stream: true }));
        if (received.join('').includes('"run.finished"')) return true;
      }
    })();
    // Longer than headers + body limits together: a stream is not a slow request.
    await new Promise((r) => setTimeout(r, LIMITS.headersMs + LIMITS.bodyMs + 600));
    const started = await fetch(`http://127.0.0.1:${quick.port}/api/runs.start`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'Hi {{name}}' }],
        testCases: [{ id: 't1', vars: { name: 'Lin' } }],
        columns: [{ id: 'c1', providerId: 'echo', model: 'echo', params: {} }],
      }),
    });
    expect(started.status).toBe(200);
    expect(await finished).toBe(true);
    controller.abort();
    expect(received.join('')).toContain('Hi Lin');
  });
});
