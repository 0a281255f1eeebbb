/**
 * OpenAI and every OpenAI-compatible endpoint (Ollama, LM Studio, vLLM, OpenRouter, …),
 * through the official SDK pointed at a base URL. The SDK's own retries are off: the runner
 * retries (see runner/backoff.ts), so the schedule is ours, tested, and visible per cell.
 */
import OpenAI from 'openai';
import { AppError } from '../../shared/errors';
import { parseRetryAfter } from '../runner/backoff';
import type { Message, Params, Usage } from '../../shared/schemas';
import { SecretRedactor } from '../../shared/redact';
import type { ChatProvider, ChatRequest, StreamPart } from './types';
import { hasImages, piecesOf, type ImageLoader } from './content';
import { MAX_OUTPUT_CHARS, boundedFetch, capServerText, parseChunk, parseModelIds } from './wire';
import { performance } from 'node:perf_hooks';
import { resolveTimeouts, type ProviderTimeouts, type Timeouts } from '../../shared/timeouts';
import { Watch, connectingFetch, isConnectTimeout, timeoutError } from './timed';

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

const ignore = (): void => undefined;
/** The SDK's logger, silenced (see the constructor). */
const SILENT_LOGGER = { error: ignore, warn: ignore, info: ignore, debug: ignore };

/** api.openai.com wants `max_completion_tokens`; compatible servers know `max_tokens`. */
function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

export class OpenAIProvider implements ChatProvider {
  private readonly client: OpenAI;
  private readonly openaiHost: boolean;
  /** Masks this provider's key (and the others known) in everything the server says. */
  private readonly redactor: SecretRedactor;
  private readonly timeouts: Timeouts;
  private readonly maxOutputChars: number;
  /** Bounded bodies (wire.ts), and a bounded connect (timed.ts). */
  private readonly fetch: ReturnType<typeof boundedFetch>;

  constructor(private readonly options: OpenAIProviderOptions) {
    this.timeouts = resolveTimeouts(options.timeoutMs !== undefined ? { total: options.timeoutMs } : undefined, options.timeouts);
    this.fetch = boundedFetch(options.baseUrl, connectingFetch(this.timeouts.connect));
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
      // Bodies are bounded: an error body, one event, a whole response (wire.ts).
      fetch: this.fetch,
    });
    this.openaiHost = isOpenAIHost(options.baseUrl);
    this.redactor = new SecretRedactor([options.apiKey, ...(options.otherSecrets ?? [])]);
  }

  /** How long a cell may take with this provider, retries included. */
  get totalTimeoutMs(): number {
    return this.timeouts.total;
  }

  /** The keys this provider sends or was told of, so text from anywhere can be masked. */
  secrets(): readonly string[] {
    return [...(this.options.apiKey !== undefined ? [this.options.apiKey] : []), ...(this.options.otherSecrets ?? [])];
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const { params } = request;
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: await chatMessages(request.messages, request.loadImage),
      stream: true,
      stream_options: { include_usage: true },
      ...requestParams(params, this.openaiHost),
    };
    let finishReason: string | undefined;
    let usage: Usage = {};
    let streaming = false;
    // Timed here, not by the SDK: to the first byte, between pieces, and to the cell's deadline (timed.ts).
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener('abort', forward, { once: true });
    const now = performance.now();
    const watch = new Watch(this.timeouts, controller, request.deadline ?? now + this.timeouts.total, now);
    const client = this.client.withOptions({ fetch: watch.wrap(this.fetch) });
    // Text is shown only once it cannot be the start of a key split across two chunks.
    const shown = this.redactor.stream();
    let chars = 0;
    // Masked characters passed on; past request.keepChars the rest is not masked (see ChatRequest).
    let passed = 0;
    let masking = true;
    try {
      try {
        const stream = await client.chat.completions.create(body, { signal: controller.signal });
        streaming = true;
        for await (const raw of stream) {
          const chunk = parseChunk(raw, this.options.baseUrl);
          if (chunk.text !== '') {
            if (chars + chunk.text.length > this.maxOutputChars) {
              const last = shown.push(chunk.text.slice(0, this.maxOutputChars - chars)) + shown.end();
              if (last !== '') yield { type: 'delta', text: last };
              throw new AppError(
                'provider_error',
                `The answer passed ${this.maxOutputChars.toLocaleString('en-US')} characters, so Parallax stopped reading it (a runaway or misbehaving server). Its first part is kept.`,
              );
            }
            chars += chunk.text.length;
            if (!masking) {
              // Past what the caller keeps: counted there and dropped, never stored or shown.
              yield { type: 'delta', text: chunk.text };
            } else {
              // An empty delta still marks the first token's time when the text is held back.
              const text = shown.push(chunk.text);
              passed += text.length;
              yield { type: 'delta', text };
              if (request.keepChars !== undefined && passed >= request.keepChars) {
                const held = shown.end();
                if (held !== '') yield { type: 'delta', text: held };
                masking = false;
              }
            }
          }
          if (chunk.finishReason !== undefined) finishReason = this.redactor.redact(chunk.finishReason);
          if (chunk.usage) usage = chunk.usage;
        }
      } catch (error) {
        // What was held back is part of the partial answer that is kept.
        const rest = shown.end();
        if (rest !== '') yield { type: 'delta', text: rest };
        if (watch.fired !== undefined && !request.signal.aborted) throw this.timedOut(watch);
        throw this.describe(error, request.signal, streaming);
      }
    } finally {
      watch.stop();
      request.signal.removeEventListener('abort', forward);
    }
    const rest = shown.end();
    if (rest !== '') yield { type: 'delta', text: rest };
    if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
    // The SDK ends a stream it was told to abort quietly: a timeout is why.
    if (watch.fired !== undefined) throw this.timedOut(watch);
    if (finishReason === undefined) {
      throw new AppError('provider_error', 'The stream ended before the model finished (no finish reason). The partial answer is kept.');
    }
    yield { type: 'done', usage, finishReason };
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

  /** Turns whatever the SDK threw into an AppError with a sentence a person can act on. */
  private describe(error: unknown, signal?: AbortSignal, midStream = false): AppError {
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

type RequestParams = Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, 'model' | 'messages' | 'stream' | 'stream_options'>;

/** A column's parameters in the Chat Completions API's words; absent ones are not sent. */
export function requestParams(params: Params, openaiHost: boolean): RequestParams {
  const out: RequestParams = {};
  if (params.temperature !== undefined) out.temperature = params.temperature;
  if (params.topP !== undefined) out.top_p = params.topP;
  // api.openai.com wants max_completion_tokens (reasoning models refuse max_tokens); compatible servers know max_tokens.
  if (params.maxTokens !== undefined) {
    if (openaiHost) out.max_completion_tokens = params.maxTokens;
    else out.max_tokens = params.maxTokens;
  }
  if (params.seed !== undefined) out.seed = params.seed;
  if (params.stop !== undefined && params.stop.length > 0) out.stop = params.stop;
  if (params.presencePenalty !== undefined) out.presence_penalty = params.presencePenalty;
  if (params.frequencyPenalty !== undefined) out.frequency_penalty = params.frequencyPenalty;
  if (params.reasoningEffort !== undefined) out.reasoning_effort = params.reasoningEffort;
  const format = params.responseFormat;
  if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    out.response_format = { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) } };
  } else if (format?.type === 'text') out.response_format = { type: 'text' };
  return out;
}

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * Messages in Chat Completions' words: images as `image_url` parts (a data URI for bytes),
 * an assistant's tool calls as `tool_calls`, a tool's result as a `tool` message.
 */
export async function chatMessages(messages: readonly Message[], loadImage: ImageLoader | undefined): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    const name = m.name !== undefined ? { name: m.name } : {};
    switch (m.role) {
      case 'tool':
        out.push({ role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' });
        break;
      case 'assistant':
        out.push({
          role: 'assistant',
          content: m.content,
          ...name,
          ...(m.toolCalls && m.toolCalls.length > 0
            ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
            : {}),
        });
        break;
      case 'system':
        out.push({ role: 'system', content: m.content, ...name });
        break;
      case 'user': {
        if (!hasImages(m)) {
          out.push({ role: 'user', content: m.content, ...name });
          break;
        }
        const pieces = await piecesOf(m, loadImage);
        out.push({
          role: 'user',
          ...name,
          content: pieces.map((p): OpenAI.Chat.Completions.ChatCompletionContentPart =>
            p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: 'url' in p ? p.url : `data:${p.mime};base64,${p.base64}` } },
          ),
        });
        break;
      }
    }
  }
  return out;
}
