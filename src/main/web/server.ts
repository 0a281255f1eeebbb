/**
 * Browser mode's front door: a loopback HTTP server that serves the built renderer and the
 * contract (POST /api/<method>, and one event stream at GET /api/events). It binds 127.0.0.1
 * only, wants a per-launch token on every API call, and checks Host and Origin so another
 * site in the same browser cannot drive it (DNS rebinding, cross-site requests).
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppEvent } from '../../shared/contract';
import { contentSecurityPolicy } from '../../shared/csp';
import { dispatch } from '../api/dispatch';
import type { Services } from '../services';
import { mimeTypeFor, resolveInside } from '../static-files';


/** The same policy the desktop window gets. */
export const WEB_CSP = contentSecurityPolicy();

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface WebServerOptions {
  services: Services;
  staticDir: string;
  token: string;
  port?: number;
}

export interface WebServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}


function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { services, staticDir, token } = options;
  const streams = new Set<ServerResponse>();
  let port = 0;

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const unsubscribe = services.onEvent((event: AppEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of streams) res.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      send(res, 403, JSON.stringify({ ok: false, error: { code: 'forbidden', message: 'Requests from other origins are refused.' } }));
      return;
    }
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const given = bearer ?? url.searchParams.get('token');
    if (!tokenMatches(token, given)) {
      send(res, 401, JSON.stringify({ ok: false, error: { code: 'forbidden', message: 'Missing or wrong access token: open the URL Parallax printed when it started.' } }));
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, JSON.stringify({ ok: false, error: { code: 'bad_input', message: 'Use POST for API methods.' } }));
      return;
    }
    const name = url.pathname.slice('/api/'.length);
    let input: unknown;
    try {
      const body = await readBody(req);
      input = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      send(res, 400, JSON.stringify({ ok: false, error: { code: 'bad_input', message: 'The request body is not valid JSON (or is over 8 MB).' } }));
      return;
    }
    const envelope = await dispatch(services.handlers, name, input);
    send(res, 200, JSON.stringify(envelope));
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed', 'text/plain; charset=utf-8');
      return;
    }
    const path = resolveInside(staticDir, url.pathname);
    let file = path;
    try {
      if (!file || !statSync(file).isFile()) file = undefined;
    } catch {
      file = undefined;
    }
    if (!file) {
      send(res, 404, 'Not found', 'text/plain; charset=utf-8');
      return;
    }
    res.writeHead(200, {
      'Content-Type': mimeTypeFor(file),
      'Content-Security-Policy': WEB_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) {
      send(res, 421, 'Unknown host: Parallax answers only on 127.0.0.1 and localhost.', 'text/plain; charset=utf-8');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      handleApi(req, res, url).catch(() => {
        if (!res.headersSent) send(res, 500, JSON.stringify({ ok: false, error: { code: 'internal', message: 'Internal error.' } }));
      });
      return;
    }
    handleStatic(req, res, url);
  });

  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolveServer({
        server,
        port,
        url: `http://127.0.0.1:${port}/#token=${token}`,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            clearInterval(heartbeat);
            for (const res of streams) res.end();
            streams.clear();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export function defaultStaticDir(here: string): string {
  return join(here, '..', 'renderer');
}
