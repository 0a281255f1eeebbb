/**
 * What OpenAI's two APIs (Chat Completions, and Responses) share in Parallax: the SDK client
 * with its retries off and its logger silenced, bounded bodies and a bounded connect, the
 * connect/first-byte/idle/total timeouts, key redaction of everything the server says, the
 * caps on what is read, and one sentence per failure (`describe`). Each API only turns its
 * own wire events into `Step`s (a `Decoder`); the loop that times, masks, caps and ends a
 * stream is here, once.
 */
import OpenAI from 'openai';
import { performance } from 'node:perf_hooks';
import { AppError } from '../../shared/errors';
import { SecretRedactor } from '../../shared/redact';
import type { Usage } from '../../shared/schemas';
import { resolveTimeouts, type ProviderTimeouts, type Timeouts } from '../../shared/timeouts';
import type { ToolCall } from '../../shared/tools';
import { parseRetryAfter } from '../runner/backoff';
import { Watch, connectingFetch, isConnectTimeout, timeoutError } from './timed';
import { Outflow } from './outflow';
import type { ChatProvider, ChatRequest, LogprobTotals, StreamPart } from './types';
import { MAX_EVENT_BYTES, MAX_OUTPUT_CHARS, boundedFetch, capServerText, parseModelIds } from './wire';

export interface OpenAIProviderOptions {
  baseUrl: string;
  apiKey: string | undefined;
  /** Other keys Parallax knows, masked too in whatever this server sends back. */
  otherSecrets?: readonly string[];
  maxRetries?: number;
  /** The longest a request may take, its whole stream included (default 10 minutes); `timeouts.total` wins. */
  timeoutMs?: number;
  /** Connect, first-byte, idle and total timeouts (ms); absent ones take the defaults (shared/timeouts.ts). */
  timeouts?: ProviderTimeouts;
  /** Characters of an answer read at most (default MAX_OUTPUT_CHARS); what is kept is the runner's cap (runner/answer-cap.ts). */
  maxOutputChars?: number;
}

/** What one wire event adds to the answer. */
export interface Step {
  text?: string;
  reasoning?: string;
  /** Whole calls, their arguments complete. */
  calls?: readonly ToolCall[];
  finishReason?: string;
  usage?: Usage;
  /** Log-probabilities of this event's tokens (sum and count). */
  logprobs?: LogprobTotals;
}

/** Turns one API's stream events (unchecked JSON) into steps; throws an AppError for one it cannot use. */
export interface Decoder {
  read(raw: unknown): Step;
  /** The stream ended cleanly: what is still held (calls whose end was never marked). */
  end(): Step;
}

const ignore = (): void => undefined;
/** The SDK's logger, silenced (see the constructor). */
const SILENT_LOGGER = { error: ignore, warn: ignore, info: ignore, debug: ignore };

/** Answer and reasoning text on their way out, each masked and capped (outflow.ts). */
class Outflows {
  private readonly answer: Outflow;
  private readonly thought: Outflow;

  constructor(
    redactor: SecretRedactor,
    private readonly maxChars: number,
    keepChars: number | undefined,
  ) {
    this.answer = new Outflow(redactor, maxChars, keepChars);
    this.thought = new Outflow(redactor, maxChars, undefined);
  }

  *text(text: string): Generator<StreamPart> {
    if (text === '') return;
    const { texts, over } = this.answer.push(text);
    for (const piece of texts) yield { type: 'delta', text: piece };
    if (over) throw overflow(this.maxChars, 'answer');
  }

  *reasoning(text: string): Generator<StreamPart> {
    if (text === '') return;
    const { texts, over } = this.thought.push(text);
    for (const piece of texts) yield { type: 'reasoning', text: piece };
    if (over) throw overflow(this.maxChars, 'reasoning');
  }

  /** What was held back (it is part of a partial answer too). */
  *flush(): Generator<StreamPart> {
    const thought = this.thought.end();
    if (thought !== '') yield { type: 'reasoning', text: thought };
    const rest = this.answer.end();
    if (rest !== '') yield { type: 'delta', text: rest };
  }
}

function overflow(max: number, what: 'answer' | 'reasoning'): AppError {
  return new AppError(
    'provider_error',
    `The ${what} passed ${max.toLocaleString('en-US')} characters, so Parallax stopped reading it (a runaway or misbehaving server). Its first part is kept.`,
  );
}

/**
 * Where a request's Watch rides from `run` to the shared client's fetch: in the request's fetch
 * options, under a symbol (the SDK spreads them into the fetch init, symbols included, and no
 * symbol becomes a header). One client serves every request: a client per request
 * (`withOptions`) cost about 0.3 ms of CPU a cell.
 */
const WATCH = Symbol('parallax.watch');
type WatchedInit = RequestInit & { [WATCH]?: Watch };
/** The SDK's per-request options (its module for the type is not exported). */
type RequestOptions = NonNullable<Parameters<OpenAI['models']['retrieve']>[1]>;

/** What `run` hands to `open`: pass it whole as the SDK call's request options. */
export type OpenOptions = Pick<RequestOptions, 'signal' | 'fetchOptions'>;

/** The moderation models promptfoo 0.121 sends text parts to (its OPENAI_MODERATION_MODELS with an image capability). */
const OMNI_MODERATION_MODELS: ReadonlySet<string> = new Set(['omni-moderation-latest', 'omni-moderation-2024-09-26']);

/** The SDK client and the stream loop both OpenAI providers share. */
export abstract class OpenAIBase implements ChatProvider {
  protected readonly client: OpenAI;
  /** Masks this provider's key (and the others known) in everything the server says. */
  protected readonly redactor: SecretRedactor;
  private readonly timeouts: Timeouts;
  private readonly maxOutputChars: number;
  /** Bounded bodies (wire.ts), and a bounded connect (timed.ts). */
  private readonly fetch: ReturnType<typeof boundedFetch>;

  /** `eventBytes`: the largest server-sent event read (an API that repeats the whole answer in its last events needs more). */
  constructor(
    protected readonly options: OpenAIProviderOptions,
    eventBytes: number = MAX_EVENT_BYTES,
  ) {
    this.timeouts = resolveTimeouts(options.timeoutMs !== undefined ? { total: options.timeoutMs } : undefined, options.timeouts);
    this.fetch = boundedFetch(options.baseUrl, connectingFetch(this.timeouts.connect), eventBytes);
    this.maxOutputChars = options.maxOutputChars ?? MAX_OUTPUT_CHARS;
    this.client = new OpenAI({
      // Local servers need no key, but the SDK insists on one.
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseUrl,
      maxRetries: options.maxRetries ?? 0,
      // Parallax times every request itself (Watch, timed.ts); the SDK's timer is only a backstop.
      timeout: this.timeouts.total + 5_000,
      dangerouslyAllowBrowser: false,
      // The SDK logs to the console by itself (a chunk it cannot parse, whole; more with
      // OPENAI_LOG=debug), past the key redactor. Parallax reports every failure in its cell,
      // so the SDK's own log is off, whatever OPENAI_LOG says.
      logLevel: 'off',
      logger: SILENT_LOGGER,
      // Bodies are bounded: an error body, one event, a whole response (wire.ts); a streamed
      // request goes through its Watch (timed.ts), which `run` puts in its fetch options.
      fetch: (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
        const watch = (init as WatchedInit | undefined)?.[WATCH];
        return watch ? watch.wrap(this.fetch)(input, init) : this.fetch(input, init);
      },
    });
    this.redactor = new SecretRedactor([options.apiKey, ...(options.otherSecrets ?? [])]);
  }

  abstract stream(request: ChatRequest): AsyncIterable<StreamPart>;

  /** How long a cell may take with this provider, retries included. */
  get totalTimeoutMs(): number {
    return this.timeouts.total;
  }

  /** The keys this provider sends or was told of, so text from anywhere can be masked. */
  secrets(): readonly string[] {
    return [...(this.options.apiKey !== undefined ? [this.options.apiKey] : []), ...(this.options.otherSecrets ?? [])];
  }

  /**
   * Opens a stream with `open` and turns its events into parts through `decoder`: timed (to the
   * first byte, between pieces, to the cell's deadline), masked, capped, and ended with `done`
   * only when the API said the answer is over (a finish reason).
   */
  protected async *run(request: ChatRequest, open: (client: OpenAI, options: OpenOptions) => Promise<AsyncIterable<unknown>>, decoder: Decoder): AsyncIterable<StreamPart> {
    let finishReason: string | undefined;
    let usage: Usage = {};
    let logprobs: LogprobTotals | undefined;
    let streaming = false;
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener('abort', forward, { once: true });
    const now = performance.now();
    const watch = new Watch(this.timeouts, controller, request.deadline ?? now + this.timeouts.total, now);
    // The SDK's type for fetch options has no room for a symbol; it copies one all the same.
    const watched = { [WATCH]: watch } as NonNullable<RequestOptions['fetchOptions']>;
    const out = new Outflows(this.redactor, this.maxOutputChars, request.keepChars);
    const apply = function* (this: OpenAIBase, step: Step): Generator<StreamPart> {
      if (step.reasoning !== undefined) yield* out.reasoning(step.reasoning);
      if (step.text !== undefined) yield* out.text(step.text);
      for (const call of step.calls ?? []) {
        const r = (text: string): string => this.redactor.redact(text);
        yield { type: 'tool_call', call: { id: r(call.id), name: r(call.name), arguments: r(call.arguments) } };
      }
      if (step.finishReason !== undefined) finishReason = this.redactor.redact(step.finishReason);
      if (step.usage) usage = step.usage;
      if (step.logprobs) logprobs = { sum: (logprobs?.sum ?? 0) + step.logprobs.sum, count: (logprobs?.count ?? 0) + step.logprobs.count };
    }.bind(this);
    try {
      try {
        const stream = await open(this.client, { signal: controller.signal, fetchOptions: watched });
        streaming = true;
        for await (const raw of stream) yield* apply(decoder.read(raw));
        if (!request.signal.aborted && watch.fired === undefined) yield* apply(decoder.end());
      } catch (error) {
        // What was held back is part of the partial answer that is kept.
        yield* out.flush();
        if (watch.fired !== undefined && !request.signal.aborted) throw this.timedOut(watch);
        throw this.describe(error, request.signal, streaming);
      }
    } finally {
      watch.stop();
      request.signal.removeEventListener('abort', forward);
    }
    yield* out.flush();
    if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
    // The SDK ends a stream it was told to abort quietly: a timeout is why.
    if (watch.fired !== undefined) throw this.timedOut(watch);
    if (finishReason === undefined) {
      throw new AppError('provider_error', 'The stream ended before the model finished (no finish reason). The partial answer is kept.');
    }
    yield { type: 'done', usage, finishReason, ...(logprobs && Number.isFinite(logprobs.sum) ? { logprobs } : {}) };
  }

  /** The timeout that fired, in a sentence that names it. */
  private timedOut(watch: Watch): AppError {
    const kind = watch.fired ?? 'total';
    return timeoutError(kind, watch.limitOf(kind), this.options.baseUrl, kind !== 'total');
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    try {
      // A model list is small: it gets the first-byte timeout for all of it (the SDK's timer).
      const page = await this.client.models.list({ timeout: this.timeouts.firstByte, ...(signal ? { signal } : {}) });
      const data: unknown = page.data;
      return [...new Set(parseModelIds(data, this.options.baseUrl).map((id) => this.redactor.redact(id)))].sort();
    } catch (error) {
      throw this.describe(error, signal);
    }
  }

  /** POST /embeddings: one text's vector (floats asked for, so any compatible server can answer). */
  async embed(text: string, model: string, signal: AbortSignal): Promise<number[]> {
    try {
      const response = await this.client.embeddings.create({ model, input: text, encoding_format: 'float' }, { signal, timeout: this.timeouts.total });
      const vector: unknown = response.data[0]?.embedding;
      if (!Array.isArray(vector) || !vector.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) {
        throw new AppError('provider_error', `${this.options.baseUrl} sent no embedding (a list of numbers) for the text.`);
      }
      return vector;
    } catch (error) {
      throw this.describe(error, signal);
    }
  }

  /** POST /moderations: the server's answer for one text, unread (the caller reads its flags). */
  async moderate(text: string, model: string, signal: AbortSignal): Promise<unknown> {
    try {
      // As promptfoo 0.121 sends it: a list of text parts to the omni models (they take images too), plain text to the rest.
      const input = OMNI_MODERATION_MODELS.has(model) ? [{ type: 'text' as const, text }] : text;
      return await this.client.moderations.create({ model, input }, { signal, timeout: this.timeouts.total });
    } catch (error) {
      throw this.describe(error, signal);
    }
  }

  /** Turns whatever the SDK threw into an AppError with a sentence a person can act on. */
  protected describe(error: unknown, signal?: AbortSignal, midStream = false): AppError {
    // A server's words are masked for keys and cut short before they go anywhere.
    const redact = (text: string): string => capServerText(this.redactor.redact(text));
    if (error instanceof AppError) return new AppError(error.code, this.redactor.redact(error.message), { retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
    if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) return new AppError('cancelled', 'Stopped.');
    if (isConnectTimeout(error)) return timeoutError('connect', this.timeouts.connect, this.options.baseUrl, true);
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return new AppError('network', `${this.options.baseUrl} did not answer in time.`, { retryable: !midStream });
    }
    if (error instanceof OpenAI.APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return new AppError('network', redact(`Could not reach ${this.options.baseUrl}${cause}. Is the server running?`), { retryable: !midStream });
    }
    if (error instanceof OpenAI.APIError) {
      const detail = redact(error.message);
      switch (error.status) {
        case 401:
        case 403:
          return new AppError('auth', `The provider refused the key (${error.status}). Check the API key (in Settings, or the environment variable the provider reads). ${detail}`);
        case 404:
          return new AppError('provider_error', `Not found (404): check the model name and base URL. ${detail}`);
        case 429: {
          const retryAfterMs = parseRetryAfter((name) => error.headers?.get(name));
          return new AppError('rate_limited', `Rate limited (429). ${detail}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        }
        default: {
          const server = error.status !== undefined && (error.status >= 500 || error.status === 408 || error.status === 409);
          const retryAfterMs = server ? parseRetryAfter((name) => error.headers?.get(name)) : undefined;
          return new AppError(
            'provider_error',
            server
              ? `The provider failed with a server error (${error.status ?? '?'}). ${detail}`
              : `The provider refused the request${error.status !== undefined ? ` (${error.status})` : ''}. ${detail}`,
            { retryable: server, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
          );
        }
      }
    }
    if (error instanceof SyntaxError) {
      return new AppError('provider_error', `The server at ${this.options.baseUrl} sent a chunk that is not valid JSON, so the answer stops there. The partial answer is kept.`);
    }
    if (midStream) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      return new AppError('network', redact(`The connection to ${this.options.baseUrl} closed before the model finished${cause}. The partial answer is kept.`));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('provider_error', redact(message));
  }
}
