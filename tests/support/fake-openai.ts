/**
 * A fault-injecting OpenAI-compatible server for the integration tests. It listens on
 * 127.0.0.1 (port 0, so every test file gets its own free port), speaks just enough of the
 * Chat Completions API for the `openai` SDK (GET /v1/models; POST /v1/chat/completions with
 * and without `stream`), and misbehaves on request.
 *
 * How a request behaves is chosen, in this order:
 *   1. the next entry of the scripted queue (`server.script(...)`), if any;
 *   2. the model name, which may name a behaviour:
 *        fail-500[:N]            500 for the first N requests to that model (default: always)
 *        rate-limit[:N]          429 with Retry-After for the first N requests (default 1), then OK
 *        slow-first-token:MS     waits MS before the first chunk
 *        drip:MS                 waits MS between chunks
 *        cut[:N]                 sends N content chunks (default 3), then destroys the socket
 *        malformed[:N]           sends N content chunks (default 2), then a `data:` line that is not JSON
 *        auth:KEY                401 unless `Authorization: Bearer KEY`
 *        no-answer               reads the request and never answers (no headers), until the client leaves
 *        stall[:N]               sends N content chunks (default 2), then nothing, until the client leaves
 *        long:N                  an answer of exactly N characters (a sentence repeated), in 64 KB chunks, then stop and usage
 *        no-usage                answers normally but never sends a usage chunk, even when asked (as some servers do)
 *      any other model name answers normally;
 *   3. `options.apiKey`, when given, makes every request without that bearer key a 401.
 *
 * Hostile behaviours are scripted only (they carry code): `raw-stream` sends the `data:` payloads
 * a test builds (non-string content, impossible usage, a key echoed in some encoding),
 * `raw-response` answers with any status and body, `flood` streams an endless (or huge) answer,
 * `data-lines` sends `data:` lines without the blank line that ends an event (one huge event to
 * an SSE parser), `hang` sends the headers and then nothing.
 *
 * A normal answer is `fakeAnswer(last user message)`, cut into `chunkSize`-character chunks.
 * The server echoes a wrong key back in its 401 message (worse than OpenAI, which masks it) so
 * the tests can check the app redacts what a server says.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Behaviour =
  | { kind: 'normal'; chunkDelayMs?: number; withoutUsage?: boolean }
  | { kind: 'fail-500' }
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'slow-first-token'; delayMs: number }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'malformed'; afterChunks: number }
  | { kind: 'auth'; key: string }
  /** Accepts the request and never answers, not even the headers, until the client leaves. */
  | { kind: 'no-answer' }
  /** Streams `afterChunks` content chunks, then goes quiet (the connection stays open) until the client leaves. */
  | { kind: 'stall'; afterChunks: number }
  /** Sends each payload as a `data:` event, verbatim (then `data: [DONE]` unless `done` is false). */
  | { kind: 'raw-stream'; events: (ctx: HostileContext) => readonly string[]; done?: boolean }
  /** Answers with this status and body, verbatim. */
  | { kind: 'raw-response'; status: number; body: (ctx: HostileContext) => string; contentType?: string }
  /** Streams `chunkChars`-character content chunks until the client leaves (or `maxChunks`, then finishes). */
  | { kind: 'flood'; chunkChars: number; maxChunks?: number }
  /**
   * Sends `data: <line>` `count` times with no blank line between them (an SSE parser joins them
   * into one event), then a blank line and `data: [DONE]`. `contentChunks` counts the lines sent.
   */
  | { kind: 'data-lines'; line: string; count: number }
  /** Sends the headers and a first empty chunk, then nothing until the client leaves. */
  | { kind: 'hang' }
  /** An answer of exactly `chars` characters of ordinary text, in 64 KB chunks, then a finish reason and usage. */
  | { kind: 'long'; chars: number };

/** What a hostile behaviour knows about the request it answers. */
export interface HostileContext {
  /** The bearer key the client presented. */
  key: string | undefined;
  /** The answer a normal request would get. */
  answer: string;
  id: string;
  model: string;
}

/** A chat completion chunk's JSON with the given delta (any value), for `raw-stream`. */
export function chunkEvent(delta: unknown, finishReason: unknown = null, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: 'chatcmpl-hostile', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'hostile', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra });
}

/** A usage chunk whose `usage` object is the given JSON text, verbatim (so `1e999` or `-100` go as written). */
export function usageEvent(usageJson: string): string {
  return `{"id":"chatcmpl-hostile","object":"chat.completion.chunk","created":1700000000,"model":"hostile","choices":[],"usage":${usageJson}}`;
}

export type BehaviourKind = Behaviour['kind'];

export interface FakeOpenAIOptions {
  /** Models listed by GET /v1/models. */
  models?: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Characters per streamed content chunk. Default 4. */
  chunkSize?: number;
  /** Pause between chunks for normal answers, unless the model says otherwise. Default 0. */
  chunkDelayMs?: number;
  /** Seconds sent in Retry-After with a 429. Default 1. */
  retryAfterSeconds?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none (or it was not JSON). */
  body: unknown;
  rawBody: string;
  /** `performance.now()` when the request arrived (same clock as the tests). */
  arrivedAt: number;
  /** `performance.now()` when the response ended or the connection closed. */
  closedAt?: number;
  model?: string;
  behaviour?: BehaviourKind;
  status?: number;
  stream: boolean;
  /** Content chunks written (streaming) for this request. */
  contentChunks: number;
  /** True when the client went away before the response was complete. */
  abortedByClient: boolean;
}

export interface FakeOpenAI {
  /** Base URL for an OpenAI client, ending in /v1. */
  readonly baseUrl: string;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Most requests in flight at once since start (or the last `resetStats`). */
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** Queues behaviours for the next chat completion requests, whatever their model. */
  script(...behaviours: Behaviour[]): void;
  /** Chat completion requests for one model. */
  requestsFor(model: string): RecordedRequest[];
  /** Clears recorded requests, the in-flight maximum and the per-model counters. */
  resetStats(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS: readonly string[] = ['fake-large', 'fake-small', 'gpt-4o-mini'];

/** The normal answer for a conversation whose last user message is `text`. */
export function fakeAnswer(text: string): string {
  return `You said: ${text}`;
}

/** How the server cuts an answer into chunks. */
export function fakeChunks(answer: string, chunkSize = 4): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < answer.length; i += chunkSize) chunks.push(answer.slice(i, i + chunkSize));
  return chunks;
}

/** Prompt tokens the server reports: whitespace-separated words over all messages, plus 3 per message. */
export function fakePromptTokens(messages: readonly { content: string }[]): number {
  return messages.reduce((sum, m) => sum + (m.content.trim() === '' ? 0 : m.content.trim().split(/\s+/).length) + 3, 0);
}

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readChatBody(body: unknown): ChatBody | string {
  if (!isRecord(body)) return 'The body must be a JSON object.';
  const { model, messages, stream, stream_options: streamOptions, max_tokens: maxTokens, max_completion_tokens: maxCompletion } = body;
  if (typeof model !== 'string' || model === '') return 'model is required.';
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array.';
  const parsed: { role: string; content: string }[] = [];
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== 'string' || typeof m.content !== 'string') return 'Each message needs a role and string content.';
    parsed.push({ role: m.role, content: m.content });
  }
  const limit = typeof maxTokens === 'number' ? maxTokens : typeof maxCompletion === 'number' ? maxCompletion : undefined;
  return {
    model,
    messages: parsed,
    stream: stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    maxTokens: limit,
  };
}

/** What the model name asks for, and for counted faults, how many requests fail. */
function behaviourFromModel(model: string, defaults: Required<Pick<FakeOpenAIOptions, 'chunkDelayMs' | 'retryAfterSeconds'>>): {
  behaviour: Behaviour;
  times: number;
} {
  let m: RegExpExecArray | null;
  if ((m = /^fail-500(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'fail-500' }, times: m[1] ? Number(m[1]) : Infinity };
  if ((m = /^rate-limit(?::(\d+))?$/.exec(model))) {
    return { behaviour: { kind: 'rate-limit', retryAfterSeconds: defaults.retryAfterSeconds }, times: m[1] ? Number(m[1]) : 1 };
  }
  if ((m = /^slow-first-token:(\d+)$/.exec(model))) return { behaviour: { kind: 'slow-first-token', delayMs: Number(m[1]) }, times: Infinity };
  if ((m = /^drip:(\d+)$/.exec(model))) return { behaviour: { kind: 'normal', chunkDelayMs: Number(m[1]) }, times: Infinity };
  if ((m = /^cut(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'cut', afterChunks: m[1] ? Number(m[1]) : 3 }, times: Infinity };
  if ((m = /^malformed(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'malformed', afterChunks: m[1] ? Number(m[1]) : 2 }, times: Infinity };
  if ((m = /^auth:(.+)$/.exec(model))) return { behaviour: { kind: 'auth', key: m[1] ?? '' }, times: Infinity };
  if (model === 'no-answer') return { behaviour: { kind: 'no-answer' }, times: Infinity };
  if ((m = /^stall(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'stall', afterChunks: m[1] ? Number(m[1]) : 2 }, times: Infinity };
  if ((m = /^long:(\d+)$/.exec(model))) return { behaviour: { kind: 'long', chars: Number(m[1]) }, times: Infinity };
  if (model === 'no-usage') return { behaviour: { kind: 'normal', chunkDelayMs: defaults.chunkDelayMs, withoutUsage: true }, times: Infinity };
  return { behaviour: { kind: 'normal', chunkDelayMs: defaults.chunkDelayMs }, times: Infinity };
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer (.*)$/.exec(value);
  return match ? match[1] : undefined;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models = options.models ?? DEFAULT_MODELS;
  const chunkSize = options.chunkSize ?? 4;
  const defaults = { chunkDelayMs: options.chunkDelayMs ?? 0, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
  const requests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  const seenPerModel = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let maxInFlight = 0;
  let nextId = 1;
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) {
        setImmediate(resolve);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const alive = (res: ServerResponse): boolean => !closed && !res.destroyed && !res.writableEnded;

  const write = (res: ServerResponse, data: string): Promise<boolean> =>
    new Promise((resolve) => {
      if (!alive(res)) {
        resolve(false);
        return;
      }
      res.write(data, (error) => resolve(!error));
    });

  const sendJson = (res: ServerResponse, record: RecordedRequest, status: number, payload: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    if (!alive(res)) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  };

  const sendError = (
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    message: string,
    type: string,
    headers: Record<string, string> = {},
  ): void => {
    sendJson(res, record, status, { error: { message, type, param: null, code: null } }, headers);
  };

  const refuseKey = (res: ServerResponse, record: RecordedRequest, presented: string | undefined): void => {
    // Deliberately echoes what was presented: the app must redact it, whatever a server says.
    sendError(res, record, 401, `Incorrect API key provided: ${presented ?? '(none)'}.`, 'invalid_request_error');
  };

  const chooseBehaviour = (model: string): Behaviour => {
    const scripted = queue.shift();
    if (scripted) return scripted;
    const { behaviour, times } = behaviourFromModel(model, defaults);
    if (behaviour.kind === 'fail-500' || behaviour.kind === 'rate-limit') {
      const seen = seenPerModel.get(model) ?? 0;
      seenPerModel.set(model, seen + 1);
      if (seen >= times) return { kind: 'normal', chunkDelayMs: defaults.chunkDelayMs };
    }
    return behaviour;
  };

  const chunkPayload = (id: string, model: string, delta: Record<string, string>, finishReason: string | null): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })}\n\n`;

  const handleChat = async (res: ServerResponse, record: RecordedRequest, headers: IncomingHttpHeaders): Promise<void> => {
    const chat = readChatBody(record.body);
    if (typeof chat === 'string') {
      sendError(res, record, 400, chat, 'invalid_request_error');
      return;
    }
    record.model = chat.model;
    record.stream = chat.stream;
    const behaviour = chooseBehaviour(chat.model);
    record.behaviour = behaviour.kind;

    switch (behaviour.kind) {
      case 'fail-500':
        sendError(res, record, 500, 'The fake server failed on purpose.', 'server_error');
        return;
      case 'rate-limit':
        sendError(res, record, 429, 'Rate limit reached (fake). Try again shortly.', 'rate_limit_exceeded', {
          'retry-after': String(behaviour.retryAfterSeconds ?? defaults.retryAfterSeconds),
        });
        return;
      case 'auth':
        if (bearer(headers) !== behaviour.key) {
          refuseKey(res, record, bearer(headers));
          return;
        }
        break;
      default:
        break;
    }

    const lastUser = [...chat.messages].reverse().find((m) => m.role === 'user') ?? chat.messages[chat.messages.length - 1];
    let chunks = fakeChunks(fakeAnswer(lastUser?.content ?? ''), chunkSize);
    let finishReason = 'stop';
    if (chat.maxTokens !== undefined && chunks.length > chat.maxTokens) {
      // One chunk counts as one token here.
      chunks = chunks.slice(0, chat.maxTokens);
      finishReason = 'length';
    }
    const usage = { prompt_tokens: fakePromptTokens(chat.messages), completion_tokens: chunks.length, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `chatcmpl-fake-${nextId++}`;

    const ctx: HostileContext = { key: bearer(headers), answer: chunks.join(''), id, model: chat.model };
    if (behaviour.kind === 'raw-response') {
      record.status = behaviour.status;
      if (!alive(res)) return;
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'application/json' });
      res.end(behaviour.body(ctx));
      return;
    }
    if (behaviour.kind === 'long') {
      record.status = 200;
      record.stream = true;
      if (!alive(res)) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const CHUNK = 64 * 1024;
      const sentence = 'All work and no play makes a very long answer. ';
      const block = sentence.repeat(Math.ceil(CHUNK / sentence.length)).slice(0, CHUNK);
      let sent = 0;
      while (sent < behaviour.chars) {
        const size = Math.min(CHUNK, behaviour.chars - sent);
        if (!(await write(res, chunkPayload(id, chat.model, { content: size === CHUNK ? block : block.slice(0, size) }, null)))) return;
        sent += size;
        record.contentChunks++;
        if (record.contentChunks % 16 === 0) await sleep(0);
      }
      if (!(await write(res, chunkPayload(id, chat.model, {}, 'stop')))) return;
      const longUsage = { prompt_tokens: fakePromptTokens(chat.messages), completion_tokens: Math.ceil(behaviour.chars / 4), total_tokens: 0 };
      if (chat.includeUsage && !(await write(res, `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: chat.model, choices: [], usage: longUsage })}\n\n`))) return;
      if (!(await write(res, 'data: [DONE]\n\n'))) return;
      if (alive(res)) res.end();
      return;
    }
    if (behaviour.kind === 'raw-stream' || behaviour.kind === 'flood' || behaviour.kind === 'hang' || behaviour.kind === 'data-lines') {
      record.status = 200;
      record.stream = true;
      if (!alive(res)) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      if (behaviour.kind === 'raw-stream') {
        for (const event of behaviour.events(ctx)) {
          if (!(await write(res, `data: ${event}\n\n`))) return;
          record.contentChunks++;
        }
        if (behaviour.done !== false && !(await write(res, 'data: [DONE]\n\n'))) return;
        if (alive(res)) res.end();
        return;
      }
      if (behaviour.kind === 'data-lines') {
        // 256 lines a write, so a big event goes out quickly; the client may hang up at any point.
        for (let sent = 0; sent < behaviour.count; ) {
          const lines = Math.min(256, behaviour.count - sent);
          if (!(await write(res, `data: ${behaviour.line}\n`.repeat(lines)))) return;
          sent += lines;
          record.contentChunks += lines;
          if (sent % 4096 === 0) await sleep(0);
        }
        if (!(await write(res, '\ndata: [DONE]\n\n'))) return;
        if (alive(res)) res.end();
        return;
      }
      if (!(await write(res, chunkPayload(id, chat.model, { role: 'assistant', content: '' }, null)))) return;
      if (behaviour.kind === 'hang') {
        while (alive(res)) await sleep(50);
        return;
      }
      const text = 'x'.repeat(behaviour.chunkChars);
      for (let i = 0; behaviour.maxChunks === undefined || i < behaviour.maxChunks; i++) {
        if (!(await write(res, chunkPayload(id, chat.model, { content: text }, null)))) return;
        record.contentChunks++;
        // Let the event loop breathe so the client's abort is seen.
        if (i % 16 === 15) await sleep(0);
      }
      if (!(await write(res, chunkPayload(id, chat.model, {}, 'stop')))) return;
      if (!(await write(res, 'data: [DONE]\n\n'))) return;
      if (alive(res)) res.end();
      return;
    }
    if (behaviour.kind === 'no-answer') {
      while (alive(res)) await sleep(50);
      return;
    }
    const delayBetween = behaviour.kind === 'normal' ? (behaviour.chunkDelayMs ?? defaults.chunkDelayMs) : 0;

    if (behaviour.kind === 'slow-first-token') await sleep(behaviour.delayMs);

    if (!chat.stream) {
      if (behaviour.kind === 'cut') {
        res.socket?.destroy();
        return;
      }
      if (behaviour.kind === 'malformed') {
        record.status = 200;
        if (!alive(res)) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "chatcmpl-broken", "choices": [ this is not json');
        return;
      }
      sendJson(res, record, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: chat.model,
        choices: [{ index: 0, message: { role: 'assistant', content: chunks.join(''), refusal: null }, logprobs: null, finish_reason: finishReason }],
        usage,
      });
      return;
    }

    record.status = 200;
    if (!alive(res)) return;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (!(await write(res, chunkPayload(id, chat.model, { role: 'assistant', content: '' }, null)))) return;

    const stopAfter = behaviour.kind === 'cut' || behaviour.kind === 'malformed' || behaviour.kind === 'stall' ? Math.min(behaviour.afterChunks, chunks.length) : chunks.length;
    for (let i = 0; i < stopAfter; i++) {
      if (i > 0 && delayBetween > 0) await sleep(delayBetween);
      const chunk = chunks[i] ?? '';
      if (!(await write(res, chunkPayload(id, chat.model, { content: chunk }, null)))) return;
      record.contentChunks++;
    }

    if (behaviour.kind === 'stall') {
      while (alive(res)) await sleep(50);
      return;
    }
    if (behaviour.kind === 'cut') {
      // Let the chunks already written reach the client, then drop the connection mid-answer.
      await sleep(30);
      res.socket?.destroy();
      return;
    }
    if (behaviour.kind === 'malformed') {
      if (!(await write(res, 'data: {"choices": [{"delta": {"content": "oops"}, this is not json\n\n'))) return;
      // Keep the connection open a moment, as a broken server would; the client should give up on its own.
      await sleep(50);
      if (alive(res)) res.end();
      return;
    }

    if (!(await write(res, chunkPayload(id, chat.model, {}, finishReason)))) return;
    if (chat.includeUsage && !(behaviour.kind === 'normal' && behaviour.withoutUsage === true)) {
      const usageChunk = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: chat.model, choices: [], usage };
      if (!(await write(res, `data: ${JSON.stringify(usageChunk)}\n\n`))) return;
    }
    if (!(await write(res, 'data: [DONE]\n\n'))) return;
    if (alive(res)) res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const rawBody = Buffer.concat(parts).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: req.headers,
      body,
      rawBody,
      arrivedAt: performance.now(),
      stream: false,
      contentChunks: 0,
      abortedByClient: false,
    };
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight--;
      record.closedAt = performance.now();
      if (!res.writableFinished) record.abortedByClient = true;
    });

    if (options.apiKey !== undefined && bearer(req.headers) !== options.apiKey) {
      refuseKey(res, record, bearer(req.headers));
      return;
    }
    if (record.method === 'GET' && record.path === '/v1/models') {
      sendJson(res, record, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
      });
      return;
    }
    if (record.method === 'POST' && record.path === '/v1/chat/completions') {
      if (body === undefined) {
        sendError(res, record, 400, 'The body is not valid JSON.', 'invalid_request_error');
        return;
      }
      await handleChat(res, record, req.headers);
      return;
    }
    sendError(res, record, 404, `No route for ${record.method} ${record.path}.`, 'invalid_request_error');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && alive(res)) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Fake server bug: ${String(error)}` } }));
      } else {
        res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    script(...behaviours) {
      queue.push(...behaviours);
    },
    requestsFor(model) {
      return requests.filter((r) => r.path === '/v1/chat/completions' && r.model === model);
    },
    resetStats() {
      requests.length = 0;
      maxInFlight = inFlight;
      seenPerModel.clear();
      queue.length = 0;
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
