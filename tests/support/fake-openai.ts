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
 * Scripted answers with more than text: `chat-script` streams reasoning (`reasoning_content` or
 * `reasoning`, as DeepSeek/vLLM and OpenRouter/Ollama do), text and tool calls whose arguments
 * come in pieces, then a finish reason and usage with cached and reasoning token details.
 *
 * POST /v1/responses speaks the Responses API's streaming events (`responses` script: reasoning
 * summaries, output text, function calls with argument deltas, then response.completed,
 * response.incomplete, response.failed, an `error` event, or nothing); unscripted, it answers
 * `fakeAnswer(last user text)` and completes. fail-500, rate-limit (429 with Retry-After and
 * x-ratelimit-* headers), auth:KEY, raw-response and raw-stream work there too.
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
  | { kind: 'long'; chars: number }
  /**
   * Chat Completions: reasoning deltas (in `reasoningField`, default reasoning_content), text
   * deltas, then each call (id and name in its first piece, arguments in `pieceChars` pieces;
   * without an index when `indexless`), then `finishReason` (default tool_calls when there are
   * calls, else stop) and `usage` (verbatim) when the client asked for it.
   */
  | {
      kind: 'chat-script';
      reasoning?: readonly string[];
      reasoningField?: 'reasoning_content' | 'reasoning';
      text?: readonly string[];
      calls?: readonly ScriptedCall[];
      indexless?: boolean;
      finishReason?: string;
      usage?: Record<string, unknown>;
    }
  /**
   * Responses API: reasoning summaries (one summary part each), output text deltas, function
   * calls (output_item.added, argument deltas, arguments done, output_item.done), then `end`:
   * response.completed (default), response.incomplete (max_output_tokens), response.failed or an
   * `error` event (with `error`), or none (the stream just stops). `usage` goes verbatim.
   */
  | {
      kind: 'responses';
      summaries?: readonly string[];
      text?: readonly string[];
      calls?: readonly ScriptedCall[];
      end?: 'completed' | 'incomplete' | 'failed' | 'error' | 'none';
      error?: { code: string | null; message: string };
      usage?: Record<string, unknown>;
    };

/** A tool call a scripted answer makes; its arguments are sent in `pieceChars`-character pieces (default 8). */
export interface ScriptedCall {
  id?: string;
  name: string;
  arguments: string;
  pieceChars?: number;
}

/** Cuts text into pieces of `size` characters (at least one piece, '' for empty text). */
function piecesOfText(text: string, size: number): string[] {
  if (text === '') return [''];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

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
  /** Queues behaviours for the next chat completion (or Responses) requests, whatever their model. */
  script(...behaviours: Behaviour[]): void;
  /** Chat completion requests for one model. */
  requestsFor(model: string): RecordedRequest[];
  /** Responses API requests (POST /v1/responses), in order. */
  responsesRequests(): RecordedRequest[];
  /** Clears recorded requests, the in-flight maximum and the per-model counters. */
  resetStats(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS: readonly string[] = ['fake-large', 'fake-small', 'gpt-4o-mini'];

/** The normal answer for a conversation whose last user message is `text`. */
export function fakeAnswer(text: string): string {
  return `You said: ${text}`;
}

/**
 * The grader model (`fake-judge`): a deterministic reply in the form each of promptfoo's grader
 * prompts asks for. Its verdict: the text it grades fails when it holds the word "bad"
 * (the rubric, the criteria and the examples never do in the fixtures), else passes.
 */
export const JUDGE_MODEL = 'fake-judge';
/** A stricter grader (`fake-judge-strict`), so a fixture can tell which grader was asked: it fails "rain" too. */
export const STRICT_JUDGE_MODEL = 'fake-judge-strict';

export function judgeAnswer(messages: readonly { role: string; content: string }[], strict = false): string {
  const all = messages.map((m) => m.content).join('\n');
  const last = messages[messages.length - 1]?.content ?? '';
  const between = (text: string, open: string, close: string): string => {
    const start = text.lastIndexOf(open);
    if (start < 0) return '';
    const end = text.indexOf(close, start + open.length);
    return text.slice(start + open.length, end < 0 ? undefined : end);
  };
  const bad = (text: string): boolean => (strict ? /\b(bad|rain)\b/i : /\bbad\b/i).test(text);
  if (all.includes('Output the index of the text that best fits the criteria')) {
    // select-best: the first text without "bad", else the first.
    const texts = [...all.matchAll(/<Text index="(\d+)">\n([\s\S]*?)\n<\/Text>/g)];
    const good = texts.find((t) => !bad(t[2] ?? ''));
    return good?.[1] ?? '0';
  }
  if (all.includes('You are a precise factuality evaluator')) {
    const fails = bad(between(last, '<submitted_answer>', '</submitted_answer>'));
    return JSON.stringify({ category: fails ? 'D' : 'C', reason: fails ? 'The submission disagrees with the expert answer.' : 'The submission has the same details.' });
  }
  if (all.includes('[Criterion]:')) {
    const fails = bad(between(all, '[Submission]:', '[Criterion]:'));
    return `The submission was read against the criterion.\n${fails ? 'N' : 'Y'}`;
  }
  if (all.includes('generate 3-4 concise evaluation steps')) return '{"steps":["Read the reply","Compare it with the criteria"]}';
  if (all.includes('Your task is to rate the Reply on one metric')) {
    const fails = bad(between(all, '**Reply**', '**OUTPUT FORMAT**'));
    return JSON.stringify({ score: fails ? 3 : 8, reason: fails ? 'The reply misses the criteria.' : 'The reply meets the criteria.' });
  }
  if (all.startsWith('Generate question for the given answer.')) {
    // answer-relevance: the answer itself, asked back.
    const answer = between(last, '\nAnswer:', '\nQuestion:').trim();
    return `What about ${answer}?`;
  }
  const fails = bad(between(last, '<Output>', '</Output>'));
  return JSON.stringify({ reason: fails ? 'The output says bad.' : 'The output meets the rubric.', pass: !fails, score: fails ? 0 : 1 });
}

/** A deterministic embedding: each word (lower case, letters and digits) counted in one of 16 dimensions by its hash. */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(16).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619) >>> 0;
    vector[hash % 16] = (vector[hash % 16] ?? 0) + 1;
  }
  // An empty text gets a vector all the same, so a cosine is defined.
  return vector.every((v) => v === 0) ? vector.map(() => 1) : vector;
}

/** OpenAI's moderation categories; the fake flags a text by words: violence (kill, attack), harassment (idiot), self-harm (self-harm). */
const MODERATION_CATEGORIES = ['harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm', 'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic'];
const MODERATION_WORDS: Readonly<Record<string, RegExp>> = { violence: /\b(kill|attack)\b/i, harassment: /\bidiot\b/i, 'self-harm': /\bself-harm\b/i };

export function fakeModeration(text: string): { flagged: boolean; categories: Record<string, boolean>; category_scores: Record<string, number> } {
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  for (const name of MODERATION_CATEGORIES) {
    const hit = MODERATION_WORDS[name]?.test(text) === true;
    categories[name] = hit;
    scores[name] = hit ? 0.91 : 0.0012;
  }
  return { flagged: Object.values(categories).some(Boolean), categories, category_scores: scores };
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
  /** The request asked for token log-probabilities (`logprobs: true`). */
  logprobs: boolean;
}

/**
 * The fake's token log-probabilities: each character of the answer is a token whose logprob
 * depends only on that character, so any split into streamed pieces sums to the same.
 */
export function fakeLogprobs(text: string): { token: string; logprob: number; bytes: number[]; top_logprobs: never[] }[] {
  return Array.from(text, (ch) => ({ token: ch, logprob: -(((ch.codePointAt(0) ?? 0) % 13) + 1) / 20, bytes: [...Buffer.from(ch, 'utf8')], top_logprobs: [] }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last user text of a Responses API `input` (a string, or items whose content is text or input_text parts). */
function lastInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (const item of [...input].reverse()) {
    if (!isRecord(item) || item.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) return item.content.map((p) => (isRecord(p) && p.type === 'input_text' && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return '';
}

function readChatBody(body: unknown): ChatBody | string {
  if (!isRecord(body)) return 'The body must be a JSON object.';
  const { model, messages, stream, stream_options: streamOptions, max_tokens: maxTokens, max_completion_tokens: maxCompletion } = body;
  if (typeof model !== 'string' || model === '') return 'model is required.';
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array.';
  const parsed: { role: string; content: string }[] = [];
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== 'string') return 'Each message needs a role.';
    // Content is text, a list of parts (text and image_url), or null beside tool_calls.
    let content: string;
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) content = m.content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('');
    else if (m.content === null && Array.isArray(m.tool_calls)) content = '';
    else return 'Each message needs string content, a list of parts, or tool_calls.';
    parsed.push({ role: m.role, content });
  }
  const limit = typeof maxTokens === 'number' ? maxTokens : typeof maxCompletion === 'number' ? maxCompletion : undefined;
  return {
    model,
    messages: parsed,
    stream: stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    maxTokens: limit,
    logprobs: body.logprobs === true,
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

  /** What OpenAI sends with a 429: Retry-After, and the x-ratelimit-* counters. */
  const rateLimitHeaders = (seconds: number): Record<string, string> => ({
    'retry-after': String(seconds),
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${seconds}s`,
    'x-ratelimit-limit-tokens': '30000',
    'x-ratelimit-remaining-tokens': '0',
    'x-ratelimit-reset-tokens': `${seconds}s`,
  });

  const refuseKey = (res: ServerResponse, record: RecordedRequest, presented: string | undefined): void => {
    // Deliberately echoes what was presented: the app must redact it, whatever a server says.
    sendError(res, record, 401, `Incorrect API key provided: ${presented ?? '(none)'}.`, 'invalid_request_error');
  };

  /** Answers the request with the error its behaviour asks for (500, 429, 401 for a wrong key); false when it asks for none. */
  const refused = (res: ServerResponse, record: RecordedRequest, behaviour: Behaviour, headers: IncomingHttpHeaders): boolean => {
    switch (behaviour.kind) {
      case 'fail-500':
        sendError(res, record, 500, 'The fake server failed on purpose.', 'server_error');
        return true;
      case 'rate-limit':
        sendError(res, record, 429, 'Rate limit reached (fake). Try again shortly.', 'rate_limit_exceeded', rateLimitHeaders(behaviour.retryAfterSeconds ?? defaults.retryAfterSeconds));
        return true;
      case 'auth':
        if (bearer(headers) === behaviour.key) return false;
        refuseKey(res, record, bearer(headers));
        return true;
      default:
        return false;
    }
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

  const chunkPayload = (id: string, model: string, delta: Record<string, string>, finishReason: string | null, logprobs = false): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, logprobs: logprobs ? { content: fakeLogprobs(delta['content'] ?? ''), refusal: null } : null, finish_reason: finishReason }],
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

    if (refused(res, record, behaviour, headers)) return;

    const lastUser = [...chat.messages].reverse().find((m) => m.role === 'user') ?? chat.messages[chat.messages.length - 1];
    let chunks = fakeChunks(chat.model === JUDGE_MODEL || chat.model === STRICT_JUDGE_MODEL ? judgeAnswer(chat.messages, chat.model === STRICT_JUDGE_MODEL) : fakeAnswer(lastUser?.content ?? ''), chunkSize);
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
    if (behaviour.kind === 'chat-script') {
      await chatScript(res, record, behaviour, id, chat.model, chat.includeUsage);
      return;
    }
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
        choices: [{ index: 0, message: { role: 'assistant', content: chunks.join(''), refusal: null }, logprobs: chat.logprobs ? { content: fakeLogprobs(chunks.join('')), refusal: null } : null, finish_reason: finishReason }],
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
      if (!(await write(res, chunkPayload(id, chat.model, { content: chunk }, null, chat.logprobs)))) return;
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

  const startStream = (res: ServerResponse, record: RecordedRequest): boolean => {
    record.status = 200;
    record.stream = true;
    if (!alive(res)) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    return true;
  };

  const chatScript = async (res: ServerResponse, record: RecordedRequest, script: Extract<Behaviour, { kind: 'chat-script' }>, id: string, model: string, includeUsage: boolean): Promise<void> => {
    if (!startStream(res, record)) return;
    const send = async (delta: Record<string, unknown>, finishReason: string | null = null): Promise<boolean> => {
      record.contentChunks++;
      return write(res, `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`);
    };
    if (!(await send({ role: 'assistant', content: '' }))) return;
    for (const piece of script.reasoning ?? []) if (!(await send({ content: null, [script.reasoningField ?? 'reasoning_content']: piece }))) return;
    for (const piece of script.text ?? []) if (!(await send({ content: piece }))) return;
    const calls = script.calls ?? [];
    for (const [index, call] of calls.entries()) {
      const where = script.indexless ? {} : { index };
      const callId = call.id ?? `call_fake_${index}`;
      if (!(await send({ tool_calls: [{ ...where, id: callId, type: 'function', function: { name: call.name, arguments: '' } }] }))) return;
      for (const piece of piecesOfText(call.arguments, call.pieceChars ?? 8)) {
        // An indexless server sends each call whole: its arguments in one piece, with the id.
        if (script.indexless) continue;
        if (!(await send({ tool_calls: [{ index, function: { arguments: piece } }] }))) return;
      }
      if (script.indexless && !(await send({ tool_calls: [{ id: callId, function: { arguments: call.arguments } }] }))) return;
    }
    if (!(await send({}, script.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop')))) return;
    if (includeUsage && script.usage && !(await write(res, `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: script.usage })}\n\n`))) return;
    if (!(await write(res, 'data: [DONE]\n\n'))) return;
    if (alive(res)) res.end();
  };

  const handleResponses = async (res: ServerResponse, record: RecordedRequest, headers: IncomingHttpHeaders): Promise<void> => {
    const body = record.body;
    if (!isRecord(body) || typeof body.model !== 'string' || body.model === '') {
      sendError(res, record, 400, 'model is required.', 'invalid_request_error');
      return;
    }
    const model = body.model;
    record.model = model;
    record.stream = body.stream === true;
    const behaviour = chooseBehaviour(model);
    record.behaviour = behaviour.kind;
    const ctx: HostileContext = { key: bearer(headers), answer: '', id: `resp_fake_${nextId++}`, model };
    if (refused(res, record, behaviour, headers)) return;
    switch (behaviour.kind) {
      case 'raw-response':
        record.status = behaviour.status;
        if (!alive(res)) return;
        res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'application/json' });
        res.end(behaviour.body(ctx));
        return;
      case 'raw-stream':
        if (!startStream(res, record)) return;
        for (const event of behaviour.events(ctx)) {
          if (!(await write(res, `data: ${event}\n\n`))) return;
          record.contentChunks++;
        }
        if (behaviour.done === true && !(await write(res, 'data: [DONE]\n\n'))) return;
        if (alive(res)) res.end();
        return;
      default:
        break;
    }
    if (body.stream !== true) {
      sendError(res, record, 400, 'The fake speaks the Responses API streamed only (stream: true).', 'invalid_request_error');
      return;
    }
    const script: Extract<Behaviour, { kind: 'responses' }> =
      behaviour.kind === 'responses' ? behaviour : { kind: 'responses', text: fakeChunks(fakeAnswer(lastInputText(body.input)), chunkSize) };
    await responsesStream(res, record, script, ctx.id, model);
  };

  const responsesStream = async (res: ServerResponse, record: RecordedRequest, script: Extract<Behaviour, { kind: 'responses' }>, id: string, model: string): Promise<void> => {
    if (!startStream(res, record)) return;
    let sequence = 0;
    const emit = async (type: string, data: Record<string, unknown>): Promise<boolean> => {
      record.contentChunks++;
      return write(res, `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
    };
    const output: Record<string, unknown>[] = [];
    const response = (status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      id,
      object: 'response',
      created_at: 1_700_000_000,
      status,
      model,
      output,
      ...extra,
    });
    if (!(await emit('response.created', { response: response('in_progress') }))) return;
    if (!(await emit('response.in_progress', { response: response('in_progress') }))) return;
    const summaries = script.summaries ?? [];
    if (summaries.length > 0) {
      const index = output.length;
      const itemId = `rs_fake_${index}`;
      if (!(await emit('response.output_item.added', { output_index: index, item: { id: itemId, type: 'reasoning', summary: [] } }))) return;
      for (const [summaryIndex, summary] of summaries.entries()) {
        const at = { item_id: itemId, output_index: index, summary_index: summaryIndex };
        if (!(await emit('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } }))) return;
        for (const piece of piecesOfText(summary, chunkSize)) if (!(await emit('response.reasoning_summary_text.delta', { ...at, delta: piece }))) return;
        if (!(await emit('response.reasoning_summary_text.done', { ...at, text: summary }))) return;
        if (!(await emit('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text: summary } }))) return;
      }
      const item = { id: itemId, type: 'reasoning', summary: summaries.map((text) => ({ type: 'summary_text', text })) };
      output.push(item);
      if (!(await emit('response.output_item.done', { output_index: index, item }))) return;
    }
    const text = script.text ?? [];
    if (text.length > 0) {
      const index = output.length;
      const itemId = `msg_fake_${index}`;
      const at = { item_id: itemId, output_index: index, content_index: 0 };
      if (!(await emit('response.output_item.added', { output_index: index, item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }))) return;
      if (!(await emit('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }))) return;
      for (const piece of text) if (!(await emit('response.output_text.delta', { ...at, delta: piece, logprobs: [] }))) return;
      const whole = text.join('');
      if (!(await emit('response.output_text.done', { ...at, text: whole, logprobs: [] }))) return;
      const part = { type: 'output_text', text: whole, annotations: [] };
      if (!(await emit('response.content_part.done', { ...at, part }))) return;
      const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
      output.push(item);
      if (!(await emit('response.output_item.done', { output_index: index, item }))) return;
    }
    for (const call of script.calls ?? []) {
      const index = output.length;
      const itemId = `fc_fake_${index}`;
      const base = { id: itemId, type: 'function_call', call_id: call.id ?? `call_fake_${index}`, name: call.name };
      if (!(await emit('response.output_item.added', { output_index: index, item: { ...base, arguments: '', status: 'in_progress' } }))) return;
      for (const piece of piecesOfText(call.arguments, call.pieceChars ?? 8)) {
        if (!(await emit('response.function_call_arguments.delta', { item_id: itemId, output_index: index, delta: piece }))) return;
      }
      if (!(await emit('response.function_call_arguments.done', { item_id: itemId, output_index: index, name: call.name, arguments: call.arguments }))) return;
      const item = { ...base, arguments: call.arguments, status: 'completed' };
      output.push(item);
      if (!(await emit('response.output_item.done', { output_index: index, item }))) return;
    }
    const outputTokens = text.join('').length + summaries.join('').length;
    const usage = script.usage ?? {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: summaries.join('').length },
      total_tokens: 10 + outputTokens,
    };
    const error = script.error ?? { code: 'server_error', message: 'The fake model failed on purpose.' };
    switch (script.end ?? 'completed') {
      case 'completed':
        if (!(await emit('response.completed', { response: response('completed', { usage, incomplete_details: null, error: null }) }))) return;
        break;
      case 'incomplete':
        if (!(await emit('response.incomplete', { response: response('incomplete', { usage, incomplete_details: { reason: 'max_output_tokens' }, error: null }) }))) return;
        break;
      case 'failed':
        if (!(await emit('response.failed', { response: response('failed', { usage: null, error }) }))) return;
        break;
      case 'error':
        if (!(await emit('error', { code: error.code, message: error.message, param: null }))) return;
        break;
      case 'none':
        break;
    }
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
    if (record.method === 'POST' && (record.path === '/v1/embeddings' || record.path === '/v1/moderations')) {
      const input = isRecord(body) ? body.input : undefined;
      // Text, a list of texts, or (moderation of omni models) a list of {type: text, text} parts, read as one text.
      const parts = Array.isArray(input) && input.length > 0 && input.every((t) => isRecord(t) && t.type === 'text' && typeof t.text === 'string') ? [input.map((t) => (isRecord(t) ? String(t.text) : '')).join(' ')] : undefined;
      const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((t) => typeof t === 'string') ? input : parts;
      if (!isRecord(body) || typeof body.model !== 'string' || texts === undefined) {
        sendError(res, record, 400, 'model and input (text or a list of texts) are required.', 'invalid_request_error');
        return;
      }
      record.model = body.model;
      if (record.path === '/v1/moderations') {
        sendJson(res, record, 200, { id: `modr-fake-${nextId++}`, model: body.model, results: texts.map(fakeModeration) });
        return;
      }
      const tokens = texts.reduce((sum, t) => sum + (t.trim() === '' ? 0 : t.trim().split(/\s+/).length), 0);
      const base64 = body.encoding_format === 'base64';
      const data = texts.map((t, index) => {
        const vector = fakeEmbedding(t);
        return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
      });
      sendJson(res, record, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
      return;
    }
    if (record.method === 'POST' && record.path === '/v1/responses') {
      if (body === undefined) {
        sendError(res, record, 400, 'The body is not valid JSON.', 'invalid_request_error');
        return;
      }
      await handleResponses(res, record, req.headers);
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
    responsesRequests() {
      return requests.filter((r) => r.path === '/v1/responses');
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
