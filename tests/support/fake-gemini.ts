/**
 * A fault-injecting Gemini API for the integration tests, on 127.0.0.1 (port 0). It speaks the
 * Gemini API's REST wire format as documented (ai.google.dev/api): GET /v1beta/models (paged with
 * pageSize/pageToken), POST /v1beta/models/{model}:streamGenerateContent?alt=sse (server-sent
 * events, each a GenerateContentResponse) and POST /v1beta/models/{model}:generateContent, with
 * the key in the `x-goog-api-key` header and errors as Google's { error: { code, message,
 * status, details } } bodies.
 *
 * How a request behaves is chosen, in this order:
 *   1. the next entry of the scripted queue (`server.script(...)`), if any;
 *   2. the model name:
 *        thinking                 thought parts, then the answer; usage counts thoughts
 *        tool-call                a functionCall part (get_weather {city: "Paris"}), no text
 *        cached                   the answer; usage says 7 prompt tokens came from the cache
 *        blocked                  promptFeedback.blockReason SAFETY (no candidates)
 *        safety                   part of an answer, then finishReason SAFETY with blocked ratings
 *        rate-limit[:N]           429 RESOURCE_EXHAUSTED with RetryInfo 3s, for the first N requests (default always)
 *        unavailable[:N]          503 UNAVAILABLE for the first N requests (default always)
 *        malformed                two chunks, then a `data:` event that is not JSON
 *        cut                      two chunks, then the socket is destroyed
 *        stall                    two chunks, then nothing until the client leaves
 *        long:N                   an answer of exactly N characters, in 64 KB events
 *        missing                  404 NOT_FOUND (no such model)
 *      any other model answers normally: "You said: <last user text>" in `chunkSize` pieces;
 *   3. `options.apiKey`, when given: a request without that key gets Gemini's 400
 *      API_KEY_INVALID, echoing the key it was given (worse than Google, so redaction is tested).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  name: string;
  args: unknown;
  id?: string;
}

export type GeminiBehaviour =
  /** An answer: thoughts (thought parts), text, function calls, then finishReason and usage. */
  | { kind: 'answer'; thoughts?: readonly string[]; text?: string; calls?: readonly FakeCall[]; cachedTokens?: number; finishReason?: string; chunkDelayMs?: number }
  | { kind: 'blocked'; blockReason?: string; category?: string }
  | { kind: 'safety'; category?: string }
  | { kind: 'rate-limit'; retryDelay?: string; retryAfterHeader?: string }
  | { kind: 'unavailable' }
  | { kind: 'malformed' }
  | { kind: 'cut' }
  | { kind: 'stall' }
  | { kind: 'long'; chars: number }
  | { kind: 'not-found' }
  /** Sends each payload as a `data:` event, verbatim. */
  | { kind: 'raw-stream'; events: (ctx: GeminiContext) => readonly string[] }
  /** Answers with this status and body, verbatim. */
  | { kind: 'raw-response'; status: number; body: (ctx: GeminiContext) => string; contentType?: string; headers?: Record<string, string> };

export interface GeminiContext {
  /** The key the client presented (x-goog-api-key). */
  key: string | undefined;
  model: string;
  /** The normal answer's text. */
  answer: string;
}

export interface GeminiRequest {
  method: string;
  /** The path without the query. */
  path: string;
  /** The query, as sent. */
  query: URLSearchParams;
  /** The whole URL as the client asked for it (to check no key is in it). */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  model?: string;
  stream: boolean;
  behaviour?: GeminiBehaviour['kind'];
  status?: number;
  abortedByClient: boolean;
}

export interface FakeGeminiOptions {
  apiKey?: string;
  /** Models listed (ids without "models/"); each supports generateContent unless listed in `embeddingOnly`. */
  models?: readonly string[];
  embeddingOnly?: readonly string[];
  /** Models per page of the list. Default 2. */
  pageSize?: number;
  /** Characters per streamed text chunk. Default 6. */
  chunkSize?: number;
}

export interface FakeGemini {
  /** The base URL to give a provider: http://127.0.0.1:<port> (the SDK adds /v1beta). */
  readonly baseUrl: string;
  readonly requests: GeminiRequest[];
  script(...behaviours: GeminiBehaviour[]): void;
  /** Generate requests (streamed or not) for one model. */
  requestsFor(model: string): GeminiRequest[];
  close(): Promise<void>;
}

export const FAKE_GEMINI_MODELS: readonly string[] = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview', 'text-embedding-004'];

export function fakeGeminiAnswer(text: string): string {
  return `You said: ${text}`;
}

/** Prompt tokens the fake reports: whitespace-separated words of every text part, plus 3 per content. */
export function fakeGeminiPromptTokens(body: unknown): number {
  const contents = isRecord(body) && Array.isArray(body.contents) ? body.contents : [];
  const system = isRecord(body) && isRecord(body.systemInstruction) ? [body.systemInstruction] : [];
  let total = 0;
  for (const content of [...system, ...contents]) {
    total += 3;
    const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
    for (const part of parts) {
      const text = isRecord(part) && typeof part.text === 'string' ? part.text.trim() : '';
      if (text !== '') total += text.split(/\s+/).length;
    }
  }
  return total;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last user turn's text parts, joined. */
function lastUserText(body: unknown): string {
  const contents = isRecord(body) && Array.isArray(body.contents) ? body.contents : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const content: unknown = contents[i];
    if (!isRecord(content) || content.role !== 'user' || !Array.isArray(content.parts)) continue;
    const texts = content.parts.filter((p): p is { text: string } => isRecord(p) && typeof p.text === 'string').map((p) => p.text);
    if (texts.length > 0) return texts.join('');
  }
  return '';
}

function chunk(size: number, text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Google's error body. */
export function googleError(code: number, status: string, message: string, details: readonly unknown[] = []): string {
  return JSON.stringify({ error: { code, message, status, ...(details.length > 0 ? { details } : {}) } });
}

function behaviourFromModel(model: string): { behaviour: GeminiBehaviour; times: number } {
  let m: RegExpExecArray | null;
  if (model === 'thinking') return { behaviour: { kind: 'answer', thoughts: ['First, read the question. ', 'Then answer it briefly.'] }, times: Infinity };
  if (model === 'tool-call') return { behaviour: { kind: 'answer', text: '', calls: [{ name: 'get_weather', args: { city: 'Paris' } }] }, times: Infinity };
  if (model === 'cached') return { behaviour: { kind: 'answer', cachedTokens: 7 }, times: Infinity };
  if (model === 'blocked') return { behaviour: { kind: 'blocked' }, times: Infinity };
  if (model === 'safety') return { behaviour: { kind: 'safety' }, times: Infinity };
  if ((m = /^rate-limit(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'rate-limit' }, times: m[1] ? Number(m[1]) : Infinity };
  if ((m = /^unavailable(?::(\d+))?$/.exec(model))) return { behaviour: { kind: 'unavailable' }, times: m[1] ? Number(m[1]) : Infinity };
  if (model === 'malformed') return { behaviour: { kind: 'malformed' }, times: Infinity };
  if (model === 'cut') return { behaviour: { kind: 'cut' }, times: Infinity };
  if (model === 'stall') return { behaviour: { kind: 'stall' }, times: Infinity };
  if ((m = /^long:(\d+)$/.exec(model))) return { behaviour: { kind: 'long', chars: Number(m[1]) }, times: Infinity };
  if (model === 'missing') return { behaviour: { kind: 'not-found' }, times: Infinity };
  return { behaviour: { kind: 'answer' }, times: Infinity };
}

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const models = options.models ?? FAKE_GEMINI_MODELS;
  const embeddingOnly = new Set(options.embeddingOnly ?? ['text-embedding-004']);
  const pageSize = options.pageSize ?? 2;
  const chunkSize = options.chunkSize ?? 6;
  const requests: GeminiRequest[] = [];
  const queue: GeminiBehaviour[] = [];
  const seenPerModel = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
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
  const send = (res: ServerResponse, record: GeminiRequest, status: number, body: string, headers: Record<string, string> = {}, contentType = 'application/json; charset=UTF-8'): void => {
    record.status = status;
    if (!alive(res)) return;
    res.writeHead(status, { 'content-type': contentType, ...headers });
    res.end(body);
  };
  // Gemini ends each event with CRLF CRLF.
  const event = (payload: unknown): string => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\r\n\r\n`;
  const startStream = (res: ServerResponse, record: GeminiRequest): void => {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  };

  const choose = (model: string): GeminiBehaviour => {
    const scripted = queue.shift();
    if (scripted) return scripted;
    const { behaviour, times } = behaviourFromModel(model);
    const seen = seenPerModel.get(model) ?? 0;
    seenPerModel.set(model, seen + 1);
    return seen >= times ? { kind: 'answer' } : behaviour;
  };

  const handleGenerate = async (res: ServerResponse, record: GeminiRequest, model: string, stream: boolean): Promise<void> => {
    record.model = model;
    record.stream = stream;
    const behaviour = choose(model);
    record.behaviour = behaviour.kind;
    const answerText = fakeGeminiAnswer(lastUserText(record.body));
    const ctx: GeminiContext = { key: typeof record.headers['x-goog-api-key'] === 'string' ? record.headers['x-goog-api-key'] : undefined, model, answer: answerText };
    const promptTokens = fakeGeminiPromptTokens(record.body);
    const textChunk = (text: string, extra: Record<string, unknown> = {}): unknown => ({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...extra }],
      modelVersion: model,
      responseId: 'fake-response',
    });

    switch (behaviour.kind) {
      case 'raw-response':
        send(res, record, behaviour.status, behaviour.body(ctx), behaviour.headers, behaviour.contentType);
        return;
      case 'rate-limit':
        send(
          res,
          record,
          429,
          googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
            { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
            ...(behaviour.retryDelay === '' ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: behaviour.retryDelay ?? '3s' }]),
          ]),
          behaviour.retryAfterHeader !== undefined ? { 'retry-after': behaviour.retryAfterHeader } : {},
        );
        return;
      case 'unavailable':
        send(res, record, 503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
        return;
      case 'not-found':
        send(res, record, 404, googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`));
        return;
      default:
        break;
    }
    if (!stream) {
      if (behaviour.kind !== 'answer') {
        send(res, record, 400, googleError(400, 'INVALID_ARGUMENT', `The fake speaks ${behaviour.kind} only when streaming.`));
        return;
      }
      const text = behaviour.text ?? answerText;
      send(
        res,
        record,
        200,
        JSON.stringify({
          candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: chunk(chunkSize, text).length, totalTokenCount: promptTokens + chunk(chunkSize, text).length },
          modelVersion: model,
        }),
      );
      return;
    }

    startStream(res, record);
    switch (behaviour.kind) {
      case 'raw-stream':
        for (const payload of behaviour.events(ctx)) if (!(await write(res, event(payload)))) return;
        if (alive(res)) res.end();
        return;
      case 'blocked':
        await write(
          res,
          event({
            promptFeedback: { blockReason: behaviour.blockReason ?? 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' }, { category: behaviour.category ?? 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] },
            usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
            modelVersion: model,
          }),
        );
        if (alive(res)) res.end();
        return;
      case 'safety': {
        if (!(await write(res, event(textChunk('Here is how you'))))) return;
        if (!(await write(res, event(textChunk(' might start'))))) return;
        await write(
          res,
          event({
            candidates: [
              {
                content: { parts: [{ text: '' }], role: 'model' },
                finishReason: 'SAFETY',
                index: 0,
                safetyRatings: [
                  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
                  { category: behaviour.category ?? 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true },
                ],
              },
            ],
            usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: 2, totalTokenCount: promptTokens + 2 },
          }),
        );
        if (alive(res)) res.end();
        return;
      }
      case 'malformed':
      case 'cut':
      case 'stall': {
        const pieces = chunk(chunkSize, answerText).slice(0, 2);
        for (const piece of pieces) if (!(await write(res, event(textChunk(piece))))) return;
        if (behaviour.kind === 'malformed') {
          await write(res, 'data: {"candidates": [{"content": {"parts": [{"text": "oops"}]}, this is not json\r\n\r\n');
          await sleep(30);
          if (alive(res)) res.end();
        } else if (behaviour.kind === 'cut') {
          await sleep(30);
          res.socket?.destroy();
        } else {
          while (alive(res)) await sleep(50);
        }
        return;
      }
      case 'long': {
        const CHUNK = 64 * 1024;
        const sentence = 'All work and no play makes a very long answer. ';
        const block = sentence.repeat(Math.ceil(CHUNK / sentence.length)).slice(0, CHUNK);
        let sent = 0;
        let events = 0;
        while (sent < behaviour.chars) {
          const size = Math.min(CHUNK, behaviour.chars - sent);
          if (!(await write(res, event(textChunk(size === CHUNK ? block : block.slice(0, size)))))) return;
          sent += size;
          if (++events % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        const tokens = Math.ceil(behaviour.chars / 4);
        await write(res, event({ candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: tokens, totalTokenCount: promptTokens + tokens } }));
        if (alive(res)) res.end();
        return;
      }
      case 'answer': {
        const thoughts = behaviour.thoughts ?? [];
        for (const thought of thoughts) {
          if (!(await write(res, event({ candidates: [{ content: { parts: [{ text: thought, thought: true }], role: 'model' }, index: 0 }] })))) return;
        }
        const text = behaviour.text ?? answerText;
        const pieces = chunk(chunkSize, text);
        for (const piece of pieces) {
          if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
          if (!(await write(res, event(textChunk(piece))))) return;
        }
        const calls = behaviour.calls ?? [];
        const thoughtsTokenCount = thoughts.reduce((n, t) => n + t.trim().split(/\s+/).length, 0);
        const candidatesTokenCount = pieces.length + calls.length * 5;
        await write(
          res,
          event({
            candidates: [
              {
                content: { parts: calls.length > 0 ? calls.map((c) => ({ functionCall: { name: c.name, args: c.args, ...(c.id !== undefined ? { id: c.id } : {}) } })) : [{ text: '' }], role: 'model' },
                finishReason: behaviour.finishReason ?? 'STOP',
                index: 0,
              },
            ],
            usageMetadata: {
              promptTokenCount: promptTokens,
              candidatesTokenCount,
              ...(thoughtsTokenCount > 0 ? { thoughtsTokenCount } : {}),
              ...(behaviour.cachedTokens !== undefined ? { cachedContentTokenCount: behaviour.cachedTokens } : {}),
              totalTokenCount: promptTokens + candidatesTokenCount + thoughtsTokenCount,
            },
            modelVersion: model,
          }),
        );
        if (alive(res)) res.end();
        return;
      }
    }
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
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: GeminiRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, url: req.url ?? '/', headers: req.headers, body, rawBody, stream: false, abortedByClient: false };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.abortedByClient = true;
    });
    const key = req.headers['x-goog-api-key'];
    if (options.apiKey !== undefined && key !== options.apiKey) {
      // Google masks nothing here on purpose: the client must.
      send(
        res,
        record,
        400,
        googleError(400, 'INVALID_ARGUMENT', `API key not valid. Please pass a valid API key. (got ${typeof key === 'string' ? key : 'none'})`, [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
        ]),
      );
      return;
    }
    if (record.method === 'GET' && url.pathname === '/v1beta/models') {
      const start = Number(url.searchParams.get('pageToken') ?? '0') || 0;
      const size = Math.min(Number(url.searchParams.get('pageSize') ?? pageSize) || pageSize, pageSize);
      const page = models.slice(start, start + size);
      const next = start + size < models.length ? String(start + size) : undefined;
      send(
        res,
        record,
        200,
        JSON.stringify({
          models: page.map((id) => ({
            name: `models/${id}`,
            displayName: id,
            inputTokenLimit: 1_048_576,
            outputTokenLimit: 65_536,
            supportedGenerationMethods: embeddingOnly.has(id) ? ['embedContent'] : ['generateContent', 'countTokens'],
          })),
          ...(next !== undefined ? { nextPageToken: next } : {}),
        }),
      );
      return;
    }
    const match = /^\/v1beta\/models\/([^/]+):(streamGenerateContent|generateContent)$/.exec(url.pathname);
    if (record.method === 'POST' && match?.[1] && match[2]) {
      if (body === undefined) {
        send(res, record, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
        return;
      }
      const stream = match[2] === 'streamGenerateContent';
      if (stream && url.searchParams.get('alt') !== 'sse') {
        send(res, record, 400, googleError(400, 'INVALID_ARGUMENT', 'The fake streams only with alt=sse.'));
        return;
      }
      await handleGenerate(res, record, decodeURIComponent(match[1]), stream);
      return;
    }
    send(res, record, 404, googleError(404, 'NOT_FOUND', `No route for ${record.method} ${url.pathname}.`));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && alive(res)) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(googleError(500, 'INTERNAL', `Fake server bug: ${String(error)}`));
      } else res.destroy();
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
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(...behaviours) {
      queue.push(...behaviours);
    },
    requestsFor(model) {
      return requests.filter((r) => r.model === model);
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
