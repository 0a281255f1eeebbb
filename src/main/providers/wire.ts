/**
 * What an OpenAI-compatible server may send, checked before any of it is used. The SDK types
 * its results but does not check them, and a server is whoever answers at a base URL: every
 * chunk is parsed with zod here, usage must be whole token counts in a sane range, and the
 * response body itself is bounded (an event's size, an error body's size, the whole body).
 */
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { Usage } from '../../shared/schemas';
import type { ToolCall } from '../../shared/tools';

/** More tokens than any model reads or writes in one request: a count above it is not believed. */
export const MAX_TOKENS = 100_000_000;
/**
 * Characters of an answer read at most: a longer one is a runaway server, and fails its cell.
 * What is kept of an answer is far less (runner/answer-cap.ts: 1 MB by default, the rest counted
 * as it streams past, so a 50 MB answer is read and measured but not held).
 */
export const MAX_OUTPUT_CHARS = 100_000_000;
/** Bytes of one server-sent event at most: all its lines, up to the blank line that ends it. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** Bytes of an error body read at most; the rest is dropped unread. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Bytes of a whole response at most (a stream of many small events, or a JSON reply). */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Characters of a server's own words (an error message) shown in a cell at most. */
export const MAX_SERVER_MESSAGE_CHARS = 500;

const tokenCount = z.number().int().nonnegative().max(MAX_TOKENS);

/** Calls one answer may make at most (a server that streams more is not believed). */
export const MAX_TOOL_CALLS = 128;
/** Characters of one call's arguments at most (what a stored ToolCall holds, shared/tools.ts). */
export const MAX_TOOL_ARGUMENT_CHARS = 1_000_000;
/** Characters of a call's id or name at most (as shared/tools.ts stores them). */
const MAX_TOOL_ID_CHARS = 500;
/** Tokens' log-probabilities one chunk may carry (a streamed piece holds a few). */
const MAX_LOGPROB_TOKENS = 4096;

const usageWire = z.looseObject({
  prompt_tokens: tokenCount.nullish(),
  completion_tokens: tokenCount.nullish(),
  total_tokens: tokenCount.nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: tokenCount.nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: tokenCount.nullish() }).nullish(),
});

/**
 * One piece of a streamed tool call: `index` says which call, `id` and `name` come once (in its
 * first piece), `arguments` in pieces. The arguments stay text: a model's JSON is never parsed here.
 */
const toolCallDeltaWire = z.looseObject({
  index: z.number().int().nonnegative().max(MAX_TOOL_CALLS - 1).nullish(),
  id: z.string().max(MAX_TOOL_ID_CHARS).nullish(),
  type: z.string().max(64).nullish(),
  function: z
    .looseObject({
      name: z.string().max(MAX_TOOL_ID_CHARS).nullish(),
      arguments: z.string().nullish(),
    })
    .nullish(),
});

const deltaWire = z.looseObject({
  content: z.string().nullish(),
  // Thinking some compatible servers stream apart from the answer: DeepSeek and vLLM as
  // reasoning_content, OpenRouter and Ollama as reasoning.
  reasoning: z.string().nullish(),
  reasoning_content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(toolCallDeltaWire).max(MAX_TOOL_CALLS).nullish(),
});

/** The log-probabilities of a piece's tokens (sent when the request asked with `logprobs: true`). */
const logprobsWire = z.looseObject({
  content: z.array(z.looseObject({ logprob: z.number() })).max(MAX_LOGPROB_TOKENS).nullish(),
});

const choiceWire = z.looseObject({
  delta: deltaWire.nullish(),
  finish_reason: z.string().max(64).nullish(),
  logprobs: logprobsWire.nullish(),
});

const chunkWire = z.looseObject({
  choices: z.array(choiceWire).nullish(),
  usage: usageWire.nullish(),
});

/** A piece of a streamed tool call, as the chunk had it. */
export interface ToolCallDelta {
  index: number | undefined;
  id: string | undefined;
  name: string | undefined;
  arguments: string | undefined;
}

export interface ParsedChunk {
  /** Answer text in this chunk ('' when none). */
  text: string;
  /** Reasoning text in this chunk ('' when none). */
  reasoning: string;
  toolCalls: ToolCallDelta[];
  finishReason: string | undefined;
  usage: Usage | undefined;
  /** The sum and count of this chunk's token log-probabilities, when it carried any. */
  logprobs?: { sum: number; count: number };
}

/** A value as a person reads it in an error, short, without echoing a long hostile text. */
function shown(value: unknown): string {
  if (typeof value === 'string') return value.length > 24 ? 'a long text' : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'an infinite number';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}${out ? '.' : ''}${String(key)}`), '');
}

/** One sentence about what is wrong in what a server sent. */
function describeIssue(root: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it is not a chat completion chunk';
  const where = pathText(issue.path);
  if (where === '') return `it is ${shown(root)}, not a chat completion chunk`;
  const value = valueAt(root, issue.path);
  if (where.startsWith('usage.')) {
    return `${where} is ${shown(value)}; a token count must be a whole number from 0 to ${MAX_TOKENS.toLocaleString('en-US')}`;
  }
  if (issue.code === 'too_big') return `${where} is too long`;
  return `${where} is ${shown(value)}, not what the API defines`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Almost every chunk is one choice whose delta holds a piece of text or nothing, no usage: that
 * shape is checked here by hand, as chunkWire would check it (zod cost about 0.2 ms of CPU a
 * cell); anything else goes through chunkWire.
 */
function plainChunk(raw: unknown): ParsedChunk | undefined {
  if (!isRecord(raw) || raw['usage'] != null) return undefined;
  const choices = raw['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice: unknown = choices[0];
  if (!isRecord(choice)) return undefined;
  const finish = choice['finish_reason'];
  if (finish != null && (typeof finish !== 'string' || finish.length > 64)) return undefined;
  if (choice['logprobs'] != null) return undefined;
  const delta = choice['delta'];
  let text = '';
  if (delta != null) {
    if (!isRecord(delta)) return undefined;
    if (delta['reasoning'] != null || delta['reasoning_content'] != null || delta['refusal'] != null || delta['tool_calls'] != null) return undefined;
    const content = delta['content'];
    if (content != null) {
      if (typeof content !== 'string') return undefined;
      text = content;
    }
  }
  return { text, reasoning: '', toolCalls: [], finishReason: typeof finish === 'string' ? finish : undefined, usage: undefined };
}

/** Checks one streamed chunk; a chunk that breaks the API's shape is an error, never used. */
export function parseChunk(raw: unknown, baseUrl: string): ParsedChunk {
  return plainChunk(raw) ?? parseChunkBySchema(raw, baseUrl);
}

/** parseChunk without the shortcut: the whole check by chunkWire (the tests hold the two equal). */
export function parseChunkBySchema(raw: unknown, baseUrl: string): ParsedChunk {
  const parsed = chunkWire.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('provider_error', `The server at ${baseUrl} sent a chunk Parallax cannot use (${describeIssue(raw, parsed.error)}), so the answer stops there. The partial answer is kept.`);
  }
  const choice = parsed.data.choices?.[0];
  const usage = parsed.data.usage;
  const delta = choice?.delta;
  const cached = usage?.prompt_tokens_details?.cached_tokens;
  const reasoned = usage?.completion_tokens_details?.reasoning_tokens;
  const tokens = choice?.logprobs?.content ?? [];
  return {
    ...(tokens.length > 0 ? { logprobs: { sum: tokens.reduce((sum, t) => sum + t.logprob, 0), count: tokens.length } } : {}),
    text: delta?.content ?? '',
    // One of the two names, never both: a server that sends both sends the same text twice.
    reasoning: delta?.reasoning_content ?? delta?.reasoning ?? '',
    toolCalls: (delta?.tool_calls ?? []).map((c) => ({
      index: c.index ?? undefined,
      id: c.id ?? undefined,
      name: c.function?.name ?? undefined,
      arguments: c.function?.arguments ?? undefined,
    })),
    finishReason: choice?.finish_reason ?? undefined,
    usage: usage
      ? {
          ...(usage.prompt_tokens != null ? { inputTokens: usage.prompt_tokens } : {}),
          ...(usage.completion_tokens != null ? { outputTokens: usage.completion_tokens } : {}),
          ...(cached != null ? { cacheReadTokens: cached } : {}),
          ...(reasoned != null ? { reasoningTokens: reasoned } : {}),
        }
      : undefined,
  };
}

/**
 * Puts streamed tool calls together: each call (by a key: its index or output item) gathers its
 * id and name once and its arguments in pieces, and is taken whole when the API says it ended.
 * Bounded: at most MAX_TOOL_CALLS calls, each's arguments at most MAX_TOOL_ARGUMENT_CHARS.
 */
export class ToolCallAssembler {
  private readonly open = new Map<string | number, { id: string; name: string; arguments: string }>();
  private seen = 0;

  constructor(private readonly baseUrl: string) {}

  has(key: string | number): boolean {
    return this.open.has(key);
  }

  /** Adds to the call under `key` (opening it if new): an id or name replaces, arguments append. */
  add(key: string | number, piece: { id?: string | undefined; name?: string | undefined; arguments?: string | undefined }): void {
    let call = this.open.get(key);
    if (!call) {
      if (++this.seen > MAX_TOOL_CALLS) throw new AppError('provider_error', `The server at ${this.baseUrl} sent more than ${MAX_TOOL_CALLS} tool calls in one answer, so Parallax stopped reading it.`);
      call = { id: '', name: '', arguments: '' };
      this.open.set(key, call);
    }
    if (piece.id !== undefined && piece.id !== '') call.id = piece.id;
    if (piece.name !== undefined && piece.name !== '') call.name = piece.name;
    if (piece.arguments !== undefined) this.setArguments(key, call.arguments + piece.arguments);
  }

  /** The call's whole arguments (an API that repeats them when they are done). */
  setArguments(key: string | number, text: string): void {
    const call = this.open.get(key);
    if (!call) return;
    if (text.length > MAX_TOOL_ARGUMENT_CHARS) {
      throw new AppError(
        'provider_error',
        `The server at ${this.baseUrl} sent a tool call whose arguments passed ${MAX_TOOL_ARGUMENT_CHARS.toLocaleString('en-US')} characters, so Parallax stopped reading it.`,
      );
    }
    call.arguments = text;
  }

  /** Takes the call under `key` (or every open call, in the order they began), whole. */
  take(key?: string | number): ToolCall[] {
    const keys = key === undefined ? [...this.open.keys()] : this.open.has(key) ? [key] : [];
    return keys.map((k) => {
      const call = this.open.get(k) ?? { id: '', name: '', arguments: '' };
      this.open.delete(k);
      // A server that gave no id still gets one, so a tool result can answer the call.
      return { id: call.id !== '' ? call.id : `call_${String(k)}`, name: call.name, arguments: call.arguments };
    });
  }
}

const modelsWire = z.array(z.looseObject({ id: z.string().min(1).max(256) })).max(10_000);

/** Checks a model list; ids are short texts, and there are not absurdly many. */
export function parseModelIds(raw: unknown, baseUrl: string): string[] {
  const parsed = modelsWire.safeParse(raw);
  if (!parsed.success) throw new AppError('provider_error', `The server at ${baseUrl} sent a model list Parallax cannot use (${describeIssue(raw, parsed.error)}).`);
  return parsed.data.map((m) => m.id);
}

/** A server's own words, cut to a length that fits in a cell. */
export function capServerText(text: string, max = MAX_SERVER_MESSAGE_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… (${(text.length - max).toLocaleString('en-US')} more characters not shown)` : text;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Measures the server-sent event being read, across chunks. An event ends at a blank line (a
 * line end right after another: LF, CR and CRLF each end a line), not at each line: the SSE
 * parser joins an event's `data:` lines, so a server that never sends a blank line makes one
 * event of all it sends, and that event is what must stay under the limit.
 */
export class EventMeter {
  /** Bytes since the last blank line. */
  private size = 0;
  /** Nothing yet on the current line (so a line end here is a blank line). */
  private lineEmpty = true;
  /** The last byte was a CR (so an LF now is the rest of a CRLF). */
  private afterCR = false;

  /** Reads a chunk; returns the size of the largest event in it (the one still open included). */
  add(chunk: Uint8Array): number {
    if (chunk.indexOf(10) === -1 && chunk.indexOf(13) === -1) {
      this.size += chunk.byteLength;
      if (chunk.byteLength > 0) {
        this.lineEmpty = false;
        this.afterCR = false;
      }
      return this.size;
    }
    let { size, lineEmpty, afterCR } = this;
    let largest = 0;
    for (let i = 0; i < chunk.byteLength; i++) {
      const byte = chunk[i];
      if (byte === 10 && afterCR) {
        // The rest of a CRLF: the line already ended at its CR.
        afterCR = false;
        continue;
      }
      size++;
      if (byte === 10 || byte === 13) {
        afterCR = byte === 13;
        if (lineEmpty) {
          largest = Math.max(largest, size);
          size = 0;
        }
        lineEmpty = true;
      } else {
        lineEmpty = false;
        afterCR = false;
      }
    }
    this.size = size;
    this.lineEmpty = lineEmpty;
    this.afterCR = afterCR;
    return Math.max(largest, size);
  }
}

/**
 * Finds an event named `thread.…` in a stream, across chunks. The Chat Completions API never
 * sends one, and the SDK prints such an event's data straight to the console (past its logger
 * and past the key redactor) when it is not JSON, so a stream that names one is refused first.
 */
export class ThreadEventGuard {
  private static readonly PREFIX = 'event:';
  /** The start of the current line (at most HEAD bytes), or undefined once it cannot match. */
  private head: string | undefined = '';
  private static readonly HEAD = 16;

  /** Reads a chunk; true when a line of it (so far) names a `thread.` event. */
  add(chunk: Uint8Array): boolean {
    for (let i = 0; i < chunk.byteLength; i++) {
      const byte = chunk[i] ?? 0;
      if (byte === 10 || byte === 13) {
        this.head = '';
        continue;
      }
      if (this.head === undefined) continue;
      this.head += String.fromCharCode(byte);
      const { PREFIX } = ThreadEventGuard;
      if (this.head.length <= PREFIX.length) {
        if (!PREFIX.startsWith(this.head)) this.head = undefined;
        continue;
      }
      const name = this.head.slice(PREFIX.length).replace(/^ /, '');
      if (name.startsWith('thread.')) return true;
      if (!'thread.'.startsWith(name) || this.head.length >= ThreadEventGuard.HEAD) this.head = undefined;
    }
    return false;
  }
}

/** Passes bytes through, failing (or, for an error body, ending) the body once a limit is passed. */
function limited(body: ReadableStream<Uint8Array>, limits: { total: number; event?: number; truncate: boolean }, baseUrl: string): ReadableStream<Uint8Array> {
  let total = 0;
  const meter = limits.event !== undefined ? new EventMeter() : undefined;
  const threads = limits.event !== undefined ? new ThreadEventGuard() : undefined;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      total += value.byteLength;
      if (total > limits.total) {
        await reader.cancel().catch(() => undefined);
        if (limits.truncate) {
          controller.enqueue(value.subarray(0, Math.max(0, value.byteLength - (total - limits.total))));
          controller.close();
          return;
        }
        controller.error(new AppError('provider_error', `The server at ${baseUrl} sent more than ${Math.round(limits.total / 1024 / 1024)} MB in one response, so Parallax stopped reading. The partial answer is kept.`));
        return;
      }
      if (meter && limits.event !== undefined && meter.add(value) > limits.event) {
        await reader.cancel().catch(() => undefined);
        controller.error(new AppError('provider_error', `The server at ${baseUrl} sent one event larger than ${Math.round(limits.event / 1024)} KB, so Parallax stopped reading. The partial answer is kept.`));
        return;
      }
      if (threads?.add(value)) {
        await reader.cancel().catch(() => undefined);
        controller.error(new AppError('provider_error', `The server at ${baseUrl} sent an event OpenAI's APIs do not send (event: thread.…), so Parallax stopped reading. The partial answer is kept.`));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * `fetch` for the SDK with bounded bodies: an error body is cut at MAX_ERROR_BODY_BYTES, an
 * event stream fails on an event over `eventBytes` (MAX_EVENT_BYTES), any body fails past MAX_RESPONSE_BYTES.
 */
/** The host a redirect points at, for the message (never its whole URL, which may carry anything). */
function redirectHost(location: string, baseUrl: string): string {
  try {
    return new URL(location, baseUrl).host.slice(0, 200) || 'another address';
  } catch {
    return 'another address';
  }
}

/**
 * Set on a request's init (fetchOptions for an SDK call) to read its body with no whole-body
 * limit: a batch's result file is as large as its answers (50,000 of them can pass any fixed
 * size) and is read a line at a time, each line bounded (providers/batch.ts).
 */
export const RESULTS_DOWNLOAD: unique symbol = Symbol('parallax.resultsDownload');
export type ResultsDownloadInit = RequestInit & { [RESULTS_DOWNLOAD]?: true };

export function boundedFetch(baseUrl: string, inner: Fetch = fetch, eventBytes = MAX_EVENT_BYTES): Fetch {
  return async (input, init) => {
    const total = (init as ResultsDownloadInit | undefined)?.[RESULTS_DOWNLOAD] === true ? Number.POSITIVE_INFINITY : MAX_RESPONSE_BYTES;
    // Redirects are not followed: fetch drops only `authorization` on the way to another host,
    // and the vendors' key headers (x-api-key, x-goog-api-key) would go with the request.
    const response = await inner(input, { ...init, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel().catch(() => undefined);
      const to = redirectHost(response.headers.get('location') ?? '', baseUrl);
      throw new Error(`${baseUrl} redirected the request to ${to}; Parallax does not follow redirects, so a key never goes to another host. Use the address it redirects to as the base URL if you trust it`);
    }
    if (!response.body) return response;
    const eventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    const body = response.ok
      ? limited(response.body, { total, ...(eventStream ? { event: eventBytes } : {}), truncate: false }, baseUrl)
      : limited(response.body, { total: MAX_ERROR_BODY_BYTES, truncate: true }, baseUrl);
    const bounded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(bounded, 'url', { value: response.url });
    return bounded;
  };
}
