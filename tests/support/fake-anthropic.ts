/**
 * A fake Anthropic Messages API for the integration tests, on 127.0.0.1 (port 0). It speaks
 * the documented wire format: POST /v1/messages with `stream: true` answers with server-sent
 * events, each an `event:` line and a `data:` line (message_start, content_block_start,
 * ping, content_block_delta, content_block_stop, message_delta, message_stop), errors as
 * `{"type":"error","error":{"type":…,"message":…}}` bodies, and GET /v1/models pages with
 * `has_more`, `first_id` and `last_id` (`after_id` asks for the next page).
 *
 * How a request behaves: the next scripted behaviour (`server.script(...)`), else the model
 * name (`thinking`, `tool`, `overloaded`, `rate-limit`, `error-event`, `malformed`,
 * `echo-key`, `long:N`), else a normal answer. Every request is recorded, body included, so
 * tests assert what was sent.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CacheFigures {
  /** Tokens written to the cache (cache_creation_input_tokens). */
  write?: number;
  /** Tokens read from the cache (cache_read_input_tokens). */
  read?: number;
}

export type AnthropicBehaviour =
  /** Text, in `chunkSize`-character text_delta events. */
  | { kind: 'normal'; text?: string; cache?: CacheFigures; thinkingTokens?: number }
  /** A thinking block (thinking_delta pieces and a signature_delta), then text. */
  | { kind: 'thinking'; thinking: string[]; text: string; cache?: CacheFigures; thinkingTokens?: number }
  /** A redacted_thinking block, then text. */
  | { kind: 'redacted-thinking'; text: string }
  /** Optional thinking and text, then a tool_use block whose input arrives as these input_json_delta pieces. */
  | { kind: 'tool'; thinking?: string; text?: string; name: string; id?: string; pieces: string[]; cache?: CacheFigures; thinkingTokens?: number }
  /** 529 with an overloaded_error body. */
  | { kind: 'overloaded' }
  /** 429 with rate_limit_error, Retry-After (unless `retryAfter` is null) and anthropic-ratelimit-* headers. */
  | { kind: 'rate-limit'; retryAfter?: string | null; resetInMs?: number }
  /** Some text, then an `error` event (overloaded_error by default) and the end of the stream. */
  | { kind: 'error-event'; text: string; errorType?: string }
  /** Some text, then a `data:` line that is not JSON. */
  | { kind: 'malformed'; text: string }
  /** 401 whose message echoes the key the client sent (worse than Anthropic, so redaction is tested). */
  | { kind: 'echo-key' }
  /** An answer of exactly `chars` characters, in 64 KB text_delta events. */
  | { kind: 'long'; chars: number }
  /** These events, verbatim: `event` names the event, `data` is sent as written. */
  | { kind: 'raw'; events: (ctx: { key: string | undefined }) => { event: string; data: string }[] }
  /** This status and body, verbatim. */
  | { kind: 'status'; status: number; body: string; headers?: Record<string, string> }
  /** Some text, then the connection is destroyed. */
  | { kind: 'cut'; text: string };

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  /** The query string, without its `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  behaviour?: AnthropicBehaviour['kind'];
  abortedByClient: boolean;
}

export interface FakeAnthropic {
  /** Base URL for the SDK (no /v1: the SDK adds it). */
  readonly baseUrl: string;
  readonly requests: RecordedAnthropicRequest[];
  /** POST /v1/messages requests only. */
  messageRequests(): RecordedAnthropicRequest[];
  script(...behaviours: AnthropicBehaviour[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /** Models GET /v1/models lists. */
  models?: readonly string[];
  /** Models per page (so pagination is exercised). Default 2. */
  pageSize?: number;
  /** When set, a request without this key (x-api-key or bearer) gets a 401. */
  apiKey?: string;
  chunkSize?: number;
}

export const FAKE_ANTHROPIC_MODELS: readonly string[] = ['claude-fake-opus', 'claude-fake-sonnet', 'claude-fake-haiku', 'claude-fake-tiny', 'claude-fake-mini'];
/** Input tokens message_start reports (before the cache's). */
export const FAKE_INPUT_TOKENS = 21;

/** The normal answer to a last user text. */
export function fakeAnthropicAnswer(text: string): string {
  return `Claude heard: ${text}`;
}

/** Output tokens the fake reports for an answer: a token per 4 characters, rounded up. */
export function fakeOutputTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lastUserText(body: unknown): string {
  if (!isRecord(body) || !Array.isArray(body.messages)) return '';
  for (const m of [...body.messages].reverse()) {
    if (!isRecord(m) || m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((b) => (isRecord(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
  }
  return '';
}

function behaviourOf(model: string): AnthropicBehaviour | undefined {
  const long = /^long:(\d+)$/.exec(model);
  if (long) return { kind: 'long', chars: Number(long[1]) };
  switch (model) {
    case 'thinking':
      return { kind: 'thinking', thinking: ['Let me think. ', 'The tide follows the moon.'], text: 'Tides follow the moon.' };
    case 'tool':
      return { kind: 'tool', name: 'get_tide', pieces: ['{"port"', ': "Bre', 'st", "day":', ' 3}'] };
    case 'overloaded':
      return { kind: 'overloaded' };
    case 'rate-limit':
      return { kind: 'rate-limit' };
    case 'error-event':
      return { kind: 'error-event', text: 'Partial answer' };
    case 'malformed':
      return { kind: 'malformed', text: 'Partial answer' };
    case 'echo-key':
      return { kind: 'echo-key' };
    default:
      return undefined;
  }
}

/**
 * The key a request carries: `x-api-key` (the API's long-standing header), or a bearer
 * `Authorization` (how the SDK sends `apiKey` since 1.x).
 */
export function keyOf(headers: IncomingHttpHeaders): string | undefined {
  if (typeof headers['x-api-key'] === 'string') return headers['x-api-key'];
  const bearer = /^Bearer (.*)$/.exec(headers.authorization ?? '');
  return bearer ? bearer[1] : undefined;
}

const errorBody = (type: string, message: string): string => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' });

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const models = options.models ?? FAKE_ANTHROPIC_MODELS;
  const pageSize = options.pageSize ?? 2;
  const chunkSize = options.chunkSize ?? 4;
  const requests: RecordedAnthropicRequest[] = [];
  const queue: AnthropicBehaviour[] = [];
  let nextId = 1;

  const send = (res: ServerResponse, event: string, data: unknown): Promise<void> =>
    new Promise((resolve) => {
      if (res.destroyed || res.writableEnded) {
        resolve();
        return;
      }
      res.write(`event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve());
    });

  const startStream = async (res: ServerResponse, model: string, cache: CacheFigures = {}): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
    await send(res, 'message_start', {
      type: 'message_start',
      message: {
        id: `msg_fake_${nextId++}`,
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: FAKE_INPUT_TOKENS, output_tokens: 1, cache_creation_input_tokens: cache.write ?? 0, cache_read_input_tokens: cache.read ?? 0 },
      },
    });
  };

  const textBlock = async (res: ServerResponse, index: number, text: string, size = chunkSize): Promise<void> => {
    await send(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    await send(res, 'ping', { type: 'ping' });
    for (let i = 0; i < text.length; i += size) {
      await send(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + size) } });
    }
    await send(res, 'content_block_stop', { type: 'content_block_stop', index });
  };

  const finish = async (res: ServerResponse, stopReason: string, outputTokens: number, thinkingTokens?: number): Promise<void> => {
    await send(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens, ...(thinkingTokens !== undefined ? { output_tokens_details: { thinking_tokens: thinkingTokens } } : {}) },
    });
    await send(res, 'message_stop', { type: 'message_stop' });
    res.end();
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, body: unknown, behaviour: AnthropicBehaviour): Promise<void> => {
    const model = isRecord(body) && typeof body.model === 'string' ? body.model : 'claude-fake';
    const key = keyOf(req.headers);
    switch (behaviour.kind) {
      case 'normal': {
        const text = behaviour.text ?? fakeAnthropicAnswer(lastUserText(body));
        await startStream(res, model, behaviour.cache);
        await textBlock(res, 0, text);
        await finish(res, 'end_turn', fakeOutputTokens(text.length), behaviour.thinkingTokens);
        return;
      }
      case 'thinking': {
        await startStream(res, model, behaviour.cache);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
        for (const piece of behaviour.thinking) await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: piece } });
        await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' } });
        await send(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
        await textBlock(res, 1, behaviour.text);
        const thought = behaviour.thinking.join('').length;
        await finish(res, 'end_turn', fakeOutputTokens(thought + behaviour.text.length), behaviour.thinkingTokens ?? fakeOutputTokens(thought));
        return;
      }
      case 'redacted-thinking': {
        await startStream(res, model);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' } });
        await send(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
        await textBlock(res, 1, behaviour.text);
        await finish(res, 'end_turn', fakeOutputTokens(behaviour.text.length));
        return;
      }
      case 'tool': {
        await startStream(res, model, behaviour.cache);
        let index = 0;
        if (behaviour.thinking !== undefined) {
          await send(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
          await send(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: behaviour.thinking } });
          await send(res, 'content_block_stop', { type: 'content_block_stop', index: index++ });
        }
        if (behaviour.text !== undefined) await textBlock(res, index++, behaviour.text);
        await send(res, 'content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: behaviour.id ?? 'toolu_01FakeCall', name: behaviour.name, input: {} },
        });
        for (const piece of behaviour.pieces) await send(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
        await send(res, 'content_block_stop', { type: 'content_block_stop', index });
        await finish(res, 'tool_use', 40, behaviour.thinkingTokens);
        return;
      }
      case 'overloaded':
        res.writeHead(529, { 'content-type': 'application/json', 'request-id': 'req_fake' });
        res.end(errorBody('overloaded_error', 'Overloaded'));
        return;
      case 'rate-limit': {
        const reset = new Date(Date.now() + (behaviour.resetInMs ?? 7_000)).toISOString();
        res.writeHead(429, {
          'content-type': 'application/json',
          ...(behaviour.retryAfter === null ? {} : { 'retry-after': behaviour.retryAfter ?? '3' }),
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': reset,
          'anthropic-ratelimit-tokens-limit': '40000',
          'anthropic-ratelimit-tokens-remaining': '39000',
          'anthropic-ratelimit-tokens-reset': new Date(Date.now() + 60_000).toISOString(),
        });
        res.end(errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'));
        return;
      }
      case 'error-event':
        await startStream(res, model);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: behaviour.text } });
        await send(res, 'error', errorBody(behaviour.errorType ?? 'overloaded_error', 'Overloaded'));
        res.end();
        return;
      case 'malformed':
        await startStream(res, model);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: behaviour.text } });
        await send(res, 'content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"oops');
        res.end();
        return;
      case 'echo-key':
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(errorBody('authentication_error', `invalid x-api-key: ${key ?? '(none)'} (base64 ${Buffer.from(key ?? '').toString('base64')})`));
        return;
      case 'long': {
        await startStream(res, model);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        const unit = 'All work and no play makes a very long answer. ';
        const piece = unit.repeat(Math.ceil(65_536 / unit.length)).slice(0, 65_536);
        for (let sent = 0; sent < behaviour.chars && !res.destroyed; sent += piece.length) {
          await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece.slice(0, behaviour.chars - sent) } });
        }
        await send(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
        await finish(res, 'end_turn', fakeOutputTokens(behaviour.chars));
        return;
      }
      case 'raw':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of behaviour.events({ key })) await send(res, e.event, e.data);
        res.end();
        return;
      case 'status':
        res.writeHead(behaviour.status, { 'content-type': 'application/json', ...(behaviour.headers ?? {}) });
        res.end(behaviour.body);
        return;
      case 'cut':
        await startStream(res, model);
        await send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        await send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: behaviour.text } });
        res.destroy();
        return;
    }
  };

  const listModels = (url: URL, res: ServerResponse): void => {
    const after = url.searchParams.get('after_id');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? pageSize) || pageSize, pageSize);
    const start = after === null ? 0 : models.indexOf(after) + 1;
    const page = models.slice(start, start + limit);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        data: page.map((id) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' })),
        has_more: start + limit < models.length,
        first_id: page[0] ?? null,
        last_id: page[page.length - 1] ?? null,
      }),
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody === '' ? undefined : JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: RecordedAnthropicRequest = { method: req.method ?? '', path: url.pathname, query: url.search.slice(1), headers: req.headers, body, rawBody, abortedByClient: false };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.abortedByClient = true;
      });
      if (options.apiKey !== undefined && keyOf(req.headers) !== options.apiKey) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(errorBody('authentication_error', 'invalid x-api-key'));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/v1/models') {
        listModels(url, res);
        return;
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(errorBody('not_found_error', `No route ${url.pathname}`));
        return;
      }
      if (!isRecord(body) || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages)) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(errorBody('invalid_request_error', 'max_tokens: Field required'));
        return;
      }
      const model = typeof body.model === 'string' ? body.model : '';
      const behaviour = queue.shift() ?? behaviourOf(model) ?? { kind: 'normal' };
      record.behaviour = behaviour.kind;
      answer(req, res, body, behaviour).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () => requests.filter((r) => r.path === '/v1/messages'),
    script: (...behaviours) => queue.push(...behaviours),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
