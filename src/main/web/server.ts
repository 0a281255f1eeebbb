/**
 * Browser mode's front door: a loopback HTTP server that serves the built renderer and the
 * contract (POST /api/<method>, and one event stream at GET /api/events). It binds 127.0.0.1
 * only, wants the per-launch token in the `Authorization` header of every API call (never in
 * a URL, where it would end up in logs and history), and checks Host and Origin so another
 * site in the same browser cannot drive it (DNS rebinding, cross-site requests).
 *
 * Everything a client sends is hostile until checked: bodies are capped (413), slow headers
 * and bodies are cut off (408), JSON nested too deep is refused before it is parsed (400),
 * and the HTTP status follows the envelope, so only a fault of ours is ever a 5xx.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppEvent } from '../../shared/contract';
import { contentSecurityPolicy } from '../../shared/csp';
import type { Envelope } from '../../shared/errors';
import { dispatch } from '../api/dispatch';
import { LARGE_BODY_METHODS, describeShapeProblem, jsonTextTooDeep } from '../api/limits';
import type { Services } from '../services';
import { mimeTypeFor, resolveInside } from '../static-files';

/** The same policy the desktop window gets. */
export const WEB_CSP = contentSecurityPolicy();

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What a 401 says. The page shows its own sentence; this one is for anyone calling by hand. */
export const STALE_TOKEN_MESSAGE =
  'Missing or wrong access token. Parallax makes a new one each time it starts: open the URL it printed in its terminal (the line ending in #token=…).';

export interface WebServerLimits {
  /** Time allowed for a request's headers to arrive. */
  headersMs: number;
  /** Time allowed for a request's body to arrive, once its headers are in. */
  bodyMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: WebServerLimits = { headersMs: 10_000, bodyMs: 30_000, maxBodyBytes: MAX_BODY_BYTES };

export interface WebServerOptions {
  services: Services;
  staticDir: string;
  token: string;
  port?: number;
  /** Defaults to DEFAULT_LIMITS; tests shorten the times. */
  limits?: Partial<WebServerLimits>;
}

export interface WebServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, and nothing else. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  send(res, status, JSON.stringify({ ok: false, error: { code, message } }), JSON_TYPE, extra);
}

/**
 * The HTTP status of an envelope: the caller's mistakes are 4xx, our own faults 500. What the
 * outside world did (a provider that failed, a run that was cancelled) is an answer the call
 * got, so it travels in a 200 envelope.
 */
export function statusOf(envelope: Envelope<unknown>): number {
  if (envelope.ok) return 200;
  switch (envelope.error.code) {
    case 'bad_input':
    case 'template':
    case 'config':
      return 400;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'internal':
      return 500;
    default:
      return 200;
  }
}

type BodyResult = { ok: true; text: string } | { ok: false; status: 408 | 413 | 400 };

/** Reads the body within the size and time limits; on a failure the caller answers and the socket closes. */
function readBody(req: IncomingMessage, limits: WebServerLimits): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBodyBytes) return Promise.resolve({ ok: false, status: 413 });
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (!result.ok) chunks.length = 0;
      resolveBody(result);
    };
    const timer = setTimeout(() => finish({ ok: false, status: 408 }), limits.bodyMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) finish({ ok: false, status: 413 });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    // The client gave up mid-body: nothing to answer.
    req.on('error', () => finish({ ok: false, status: 400 }));
    req.on('close', () => finish({ ok: false, status: 400 }));
  });
}

export function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { services, staticDir, token } = options;
  const limits: WebServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
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
      sendError(res, 403, 'forbidden', 'Requests from other origins are refused.');
      return;
    }
    // The header only: a token in a query string is refused like a wrong one.
    if (!tokenMatches(token, bearerToken(req.headers.authorization))) {
      sendError(res, 401, 'forbidden', STALE_TOKEN_MESSAGE, { 'WWW-Authenticate': 'Bearer realm="parallax"' });
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (req.method !== 'POST') {
      sendError(res, 405, 'bad_input', 'Use POST for API methods.', { Allow: 'POST' });
      return;
    }
    const name = url.pathname.slice('/api/'.length);
    // Only a method that carries an image may send more than the usual cap (never less).
    const bodyLimits = { ...limits, maxBodyBytes: Math.max(limits.maxBodyBytes, Object.hasOwn(LARGE_BODY_METHODS, name) ? (LARGE_BODY_METHODS[name] ?? 0) : 0) };
    const body = await readBody(req, bodyLimits);
    if (!body.ok) {
      const close = { Connection: 'close' };
      if (body.status === 413) sendError(res, 413, 'bad_input', `The request body is over ${Math.floor(bodyLimits.maxBodyBytes / (1024 * 1024))} MB.`, close);
      else if (body.status === 408) sendError(res, 408, 'bad_input', 'The request body took too long to arrive.', close);
      else res.destroy();
      return;
    }
    if (jsonTextTooDeep(body.text)) {
      sendError(res, 400, 'bad_input', describeShapeProblem({ kind: 'depth' }));
      return;
    }
    let input: unknown;
    try {
      input = body.text.trim() === '' ? {} : JSON.parse(body.text);
    } catch {
      sendError(res, 400, 'bad_input', 'The request body is not valid JSON.');
      return;
    }
    const envelope = await dispatch(services.handlers, name, input);
    send(res, statusOf(envelope), JSON.stringify(envelope));
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
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
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  const server = createServer(
    {
      // Slow-loris: headers must arrive in time (else Node answers 408 and closes), and the whole
      // request a little after. The body's own timer (readBody) answers 408 sooner.
      headersTimeout: limits.headersMs,
      requestTimeout: limits.headersMs + limits.bodyMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersMs / 4))),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      if (!req.headers.host || !allowedHosts().has(req.headers.host)) {
        send(res, 421, 'Unknown host: Parallax answers only on 127.0.0.1 and localhost.', 'text/plain; charset=utf-8', { Connection: 'close' });
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      } catch {
        send(res, 400, 'Bad request', 'text/plain; charset=utf-8', { Connection: 'close' });
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        handleApi(req, res, url).catch(() => sendError(res, 500, 'internal', 'Internal error.'));
        return;
      }
      handleStatic(req, res, url);
    },
  );
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
