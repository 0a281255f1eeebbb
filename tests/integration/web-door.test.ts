/**
 * Browser mode's front door, over real HTTP: the token, Host and Origin checks, the envelope,
 * the event stream and the static files' path-traversal guard.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { resolveInside } from '../../src/main/static-files';
import { startWebServer, WEB_CSP, type WebServer } from '../../src/main/web/server';

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
    const unknown = JSON.parse((await call('nope.nothing', {})).body) as { error: { code: string } };
    expect(unknown.error.code).toBe('not_found');
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
      const req = request({ host: '127.0.0.1', port: web.port, path: `/api/events?token=${TOKEN}`, headers: { Host: `127.0.0.1:${web.port}` } }, (res) => {
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
