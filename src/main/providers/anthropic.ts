/**
 * Anthropic's Messages API, through the official SDK pointed at a base URL. As with the
 * OpenAI provider (openai.ts): the SDK's retries are off (the runner retries), its logging is
 * off, bodies are bounded (wire.ts), every request is timed (timed.ts), and what the server
 * sends is checked before it is used and masked for keys before it goes anywhere.
 *
 * The stream is read event by event (message_start, content_block_start/delta/stop,
 * message_delta, message_stop): text blocks are the answer, thinking blocks the reasoning,
 * tool_use blocks become whole tool calls once their `input_json_delta` pieces are in.
 */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { performance } from 'node:perf_hooks';
import { AppError } from '../../shared/errors';
import { SecretRedactor } from '../../shared/redact';
import type { Message, Params, Usage } from '../../shared/schemas';
import { resolveTimeouts, type Timeouts } from '../../shared/timeouts';
import { parseRetryAfter } from '../runner/backoff';
import { piecesOf, textOf, type ContentPiece, type ImageLoader } from './content';
import type { OpenAIProviderOptions } from './openai';
import { Watch, connectingFetch, isConnectTimeout, timeoutError } from './timed';
import { Outflow } from './outflow';
import type { ChatProvider, ChatRequest, StreamPart } from './types';
import type { BatchApi } from './batch';
import { MAX_OUTPUT_CHARS, MAX_TOKENS, boundedFetch, capServerText, parseModelIds } from './wire';

/** The same options as every provider (factory.ts): where, which key, which others to mask, timeouts. */
export type AnthropicProviderOptions = OpenAIProviderOptions;

/** `max_tokens` when a column sets none (Anthropic requires one). */
export const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024;
/** Characters of one tool call's arguments at most (shared/tools.ts ToolCall). */
const MAX_TOOL_ARGUMENT_CHARS = 1_000_000;
/** Characters of a tool call's id or name kept (shared/tools.ts ToolCall). */
const MAX_TOOL_NAME_CHARS = 500;
/** Content blocks in one answer at most: a server that opens more is misbehaving. */
const MAX_BLOCKS = 10_000;
/** Pages of the model list read at most (1,000 models a page). */
const MAX_MODEL_PAGES = 10;
/** What the reasoning says where the API sent thinking that is encrypted (a redacted_thinking block). */
export const REDACTED_THINKING_NOTE = '[Part of the thinking was redacted by Anthropic and is not shown.]';

const ignore = (): void => undefined;
/** The SDK's logger, silenced: it would print an unparseable event whole, past the key redactor. */
const SILENT_LOGGER = { error: ignore, warn: ignore, info: ignore, debug: ignore };

/**
 * The request body. Sampling (temperature, top_p, top_k) is still an API field, but the SDK's
 * types (1.16) no longer list it: it is sent as written, and a model that refuses it says so.
 */
export type AnthropicBody = Anthropic.MessageCreateParamsStreaming & { temperature?: number; top_p?: number; top_k?: number };
type ContentBlock = Anthropic.ContentBlockParam;

const tokenCount = z.number().int().nonnegative().max(MAX_TOKENS).nullish();
const usageWire = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
  output_tokens_details: z.looseObject({ thinking_tokens: tokenCount }).nullish(),
});
type UsageWire = z.infer<typeof usageWire>;
const blockIndex = z.number().int().nonnegative().max(MAX_BLOCKS);
/** One streamed event, checked: the SDK types its events but does not check them. */
const eventWire = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('message_start'), message: z.looseObject({ usage: usageWire.nullish() }) }),
  z.looseObject({
    type: z.literal('content_block_start'),
    index: blockIndex,
    content_block: z.looseObject({ type: z.string().max(64), id: z.string().nullish(), name: z.string().nullish(), text: z.string().nullish(), thinking: z.string().nullish() }),
  }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: blockIndex,
    delta: z.looseObject({ type: z.string().max(64), text: z.string().nullish(), thinking: z.string().nullish(), partial_json: z.string().nullish() }),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: blockIndex }),
  z.looseObject({ type: z.literal('message_delta'), delta: z.looseObject({ stop_reason: z.string().max(64).nullish() }).nullish(), usage: usageWire.nullish() }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
]);
type StreamEvent = z.infer<typeof eventWire>;
/** Event types the API may add later: read past, not refused. */
const otherEvent = z.looseObject({ type: z.string().max(64) });

/** A tool_use block being read: its arguments arrive in pieces. */
interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool_use' | 'other';
  id?: string;
  name?: string;
  json?: string;
}

/** Tokens in Parallax's terms (schemas.ts Usage): input counts the cache's writes and reads too. */
export function normaliseUsage(wire: UsageWire): Usage {
  const input = wire.input_tokens ?? undefined;
  const write = wire.cache_creation_input_tokens ?? undefined;
  const read = wire.cache_read_input_tokens ?? undefined;
  const thinking = wire.output_tokens_details?.thinking_tokens ?? undefined;
  const anyInput = input !== undefined || write !== undefined || read !== undefined;
  return {
    ...(anyInput ? { inputTokens: (input ?? 0) + (write ?? 0) + (read ?? 0) } : {}),
    ...(wire.output_tokens != null ? { outputTokens: wire.output_tokens } : {}),
    ...(read !== undefined ? { cacheReadTokens: read } : {}),
    ...(write !== undefined ? { cacheWriteTokens: write } : {}),
    ...(thinking !== undefined ? { reasoningTokens: thinking } : {}),
  };
}

/** message_delta's usage is cumulative: a figure it gives replaces message_start's. */
function mergeUsage(start: UsageWire, delta: UsageWire): UsageWire {
  const out: UsageWire = { ...start };
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens_details'] as const) {
    if (delta[key] != null) Object.assign(out, { [key]: delta[key] });
  }
  return out;
}

/**
 * Seconds to wait from Anthropic's rate-limit headers when there is no Retry-After: the
 * earliest `anthropic-ratelimit-*-reset` (RFC 3339) among the limits that ran out.
 */
export function rateLimitResetMs(get: (name: string) => string | null | undefined, now: number = Date.now()): number | undefined {
  let soonest: number | undefined;
  for (const limit of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    const remaining = get(`anthropic-ratelimit-${limit}-remaining`);
    const reset = get(`anthropic-ratelimit-${limit}-reset`);
    if (!reset || (remaining != null && remaining !== '' && Number(remaining) > 0)) continue;
    const at = Date.parse(reset);
    if (Number.isNaN(at)) continue;
    const wait = Math.max(0, at - now);
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest;
}

export class AnthropicProvider implements ChatProvider {
  private readonly client: Anthropic;
  private readonly redactor: SecretRedactor;
  private readonly timeouts: Timeouts;
  private readonly maxOutputChars: number;
  private readonly fetch: ReturnType<typeof boundedFetch>;

  constructor(private readonly options: AnthropicProviderOptions) {
    this.timeouts = resolveTimeouts(options.timeoutMs !== undefined ? { total: options.timeoutMs } : undefined, options.timeouts);
    this.fetch = boundedFetch(options.baseUrl, onlyKnownHeaders(connectingFetch(this.timeouts.connect)));
    this.maxOutputChars = options.maxOutputChars ?? MAX_OUTPUT_CHARS;
    this.client = new Anthropic({
      // A key passed in code is the SDK's only credential: it then reads no ANTHROPIC_* variable
      // and no credential file. A proxy that needs no key still gets a placeholder.
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseUrl,
      maxRetries: options.maxRetries ?? 0,
      // Parallax times every request itself (Watch); the SDK's timer is only a backstop.
      timeout: this.timeouts.total + 5_000,
      dangerouslyAllowBrowser: false,
      // Off whatever ANTHROPIC_LOG says: the SDK would log a bad event whole, key and all.
      logLevel: 'off',
      logger: SILENT_LOGGER,
      fetch: this.fetch,
      // The SDK sends the key as a bearer token; Anthropic's API and the gateways in front of it
      // (LiteLLM, corporate proxies) know it as x-api-key too, so both go, to the same host.
      ...(options.apiKey !== undefined ? { defaultHeaders: { 'x-api-key': options.apiKey } } : {}),
    });
    this.redactor = new SecretRedactor([options.apiKey, ...(options.otherSecrets ?? [])]);
  }

  get totalTimeoutMs(): number {
    return this.timeouts.total;
  }

  secrets(): readonly string[] {
    return [...(this.options.apiKey !== undefined ? [this.options.apiKey] : []), ...(this.options.otherSecrets ?? [])];
  }

  /** Message Batches for the same requests, through this client (batch-anthropic.ts). */
  async batchApi(loadImage?: ImageLoader): Promise<BatchApi> {
    const { AnthropicBatch } = await import('./batch-anthropic');
    return new AnthropicBatch(this.client, this.fetch, this.options.apiKey, { baseUrl: this.options.baseUrl, redact: (text) => this.redactor.redact(text), ...(loadImage ? { loadImage } : {}) });
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const body = await messagesRequest(request.model, request.messages, request.params, request.loadImage);
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener('abort', forward, { once: true });
    const now = performance.now();
    const watch = new Watch(this.timeouts, controller, request.deadline ?? now + this.timeouts.total, now);
    const client = this.client.withOptions({ fetch: watch.wrap(this.fetch) });
    // Answer and thinking are masked apart: a key split across two pieces of either is still found.
    const thought = this.redactor.stream();
    const blocks = new Map<number, OpenBlock>();
    let startUsage: UsageWire = {};
    let usage: UsageWire = {};
    let stopReason: string | undefined;
    let stopped = false;
    let streaming = false;
    const max = this.maxOutputChars;
    // The answer's cap counts thinking and tool arguments too (`count`).
    const out = new Outflow(this.redactor, max, request.keepChars);
    const tooLong = (): AppError =>
      new AppError('provider_error', `The answer passed ${max.toLocaleString('en-US')} characters, so Parallax stopped reading it (a runaway or misbehaving server). Its first part is kept.`);
    /** Thinking and tool arguments count toward maxOutputChars too. */
    const count = (length: number): void => {
      if (out.charge(length)) throw tooLong();
    };
    /** Answer text, masked until the caller has what it keeps (see ChatRequest.keepChars). */
    function* answer(text: string): Generator<StreamPart> {
      const { texts, over } = out.push(text);
      for (const piece of texts) yield { type: 'delta', text: piece };
      if (over) throw tooLong();
    }
    /** What is held back of the answer and the thinking, once nothing more of either comes. */
    function* flush(): Generator<StreamPart> {
      const text = out.end();
      if (text !== '') yield { type: 'delta', text };
      const reasoning = thought.end();
      if (reasoning !== '') yield { type: 'reasoning', text: reasoning };
    }
    try {
      try {
        const events = await client.messages.create(body, { signal: controller.signal });
        streaming = true;
        for await (const raw of events) {
          const event = this.parseEvent(raw);
          if (!event) continue;
          switch (event.type) {
            case 'message_start':
              startUsage = event.message.usage ?? {};
              usage = startUsage;
              break;
            case 'content_block_start': {
              if (blocks.size >= MAX_BLOCKS && !blocks.has(event.index)) throw new AppError('provider_error', `The server at ${this.options.baseUrl} opened more than ${MAX_BLOCKS.toLocaleString('en-US')} content blocks, so the answer stops there.`);
              const block = event.content_block;
              if (block.type === 'text') {
                blocks.set(event.index, { kind: 'text' });
                if (block.text) yield* answer(block.text);
              } else if (block.type === 'thinking') {
                blocks.set(event.index, { kind: 'thinking' });
                if (block.thinking) {
                  count(block.thinking.length);
                  yield { type: 'reasoning', text: thought.push(block.thinking) };
                }
              } else if (block.type === 'redacted_thinking') {
                blocks.set(event.index, { kind: 'other' });
                yield { type: 'reasoning', text: `${thought.end()}${REDACTED_THINKING_NOTE}\n` };
              } else if (block.type === 'tool_use') {
                blocks.set(event.index, { kind: 'tool_use', id: block.id ?? '', name: block.name ?? '', json: '' });
              } else blocks.set(event.index, { kind: 'other' });
              break;
            }
            case 'content_block_delta': {
              const block = blocks.get(event.index);
              const { delta } = event;
              if (delta.type === 'text_delta' && delta.text != null && block?.kind !== 'thinking' && block?.kind !== 'tool_use') {
                yield* answer(delta.text);
              } else if (delta.type === 'thinking_delta' && delta.thinking != null) {
                count(delta.thinking.length);
                yield { type: 'reasoning', text: thought.push(delta.thinking) };
              } else if (delta.type === 'input_json_delta' && delta.partial_json != null && block?.kind === 'tool_use') {
                count(delta.partial_json.length);
                block.json = (block.json ?? '') + delta.partial_json;
                if (block.json.length > MAX_TOOL_ARGUMENT_CHARS) {
                  throw new AppError('provider_error', `A tool call's arguments passed ${MAX_TOOL_ARGUMENT_CHARS.toLocaleString('en-US')} characters, so Parallax stopped reading the answer.`);
                }
              }
              // signature_delta, citations_delta and kinds not known yet carry nothing to show.
              break;
            }
            case 'content_block_stop': {
              const block = blocks.get(event.index);
              if (block?.kind === 'tool_use') {
                const json = block.json === undefined || block.json.trim() === '' ? '{}' : block.json;
                yield {
                  type: 'tool_call',
                  call: {
                    id: capServerText(this.redactor.redact(block.id ?? ''), MAX_TOOL_NAME_CHARS - 80),
                    name: capServerText(this.redactor.redact(block.name ?? ''), MAX_TOOL_NAME_CHARS - 80),
                    // A masked key can be longer than the key: the cap still holds.
                    arguments: this.redactor.redact(json).slice(0, MAX_TOOL_ARGUMENT_CHARS),
                  },
                };
                blocks.set(event.index, { kind: 'other' });
              } else if (block?.kind === 'thinking') {
                const rest = thought.end();
                if (rest !== '') yield { type: 'reasoning', text: rest };
              }
              break;
            }
            case 'message_delta':
              if (event.delta?.stop_reason != null) stopReason = this.redactor.redact(event.delta.stop_reason);
              if (event.usage) usage = mergeUsage(startUsage, event.usage);
              break;
            case 'message_stop':
              stopped = true;
              break;
            case 'ping':
              break;
          }
        }
      } catch (error) {
        // What was held back is part of the partial answer that is kept.
        yield* flush();
        if (watch.fired !== undefined && !request.signal.aborted) throw this.timedOut(watch);
        throw this.describe(error, request.signal, streaming);
      }
    } finally {
      watch.stop();
      request.signal.removeEventListener('abort', forward);
    }
    yield* flush();
    if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
    if (watch.fired !== undefined) throw this.timedOut(watch);
    if (stopReason === undefined) {
      throw new AppError('provider_error', `The stream ended before the model finished (no stop reason${stopped ? '' : ', no message_stop'}). The partial answer is kept.`);
    }
    yield { type: 'done', usage: normaliseUsage(usage), finishReason: stopReason };
  }

  /** One event checked; undefined for one to read past (a kind the API added later). */
  private parseEvent(raw: unknown): StreamEvent | undefined {
    const parsed = eventWire.safeParse(raw);
    if (parsed.success) return parsed.data;
    const other = otherEvent.safeParse(raw);
    const known = ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping'];
    if (other.success && !known.includes(other.data.type)) return undefined;
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.map(String).join('.')} is not what the API defines)` : '';
    throw new AppError('provider_error', `The server at ${this.options.baseUrl} sent an event Parallax cannot use${where}, so the answer stops there. The partial answer is kept.`);
  }

  private timedOut(watch: Watch): AppError {
    const kind = watch.fired ?? 'total';
    return timeoutError(kind, watch.limitOf(kind), this.options.baseUrl, kind !== 'total');
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    try {
      const options = { timeout: this.timeouts.firstByte, ...(signal ? { signal } : {}) };
      const ids: string[] = [];
      let page = await this.client.models.list({ limit: 1000 }, options);
      for (let n = 1; ; n++) {
        const data: unknown = page.data;
        ids.push(...parseModelIds(data, this.options.baseUrl));
        if (n >= MAX_MODEL_PAGES || ids.length >= 10_000 || !page.hasNextPage()) break;
        page = await page.getNextPage();
      }
      return [...new Set(ids.map((id) => this.redactor.redact(id)))].sort();
    } catch (error) {
      throw this.describe(error, signal);
    }
  }

  /** Whatever the SDK threw, as an AppError with a sentence a person can act on. */
  private describe(error: unknown, signal?: AbortSignal, midStream = false): AppError {
    const redact = (text: string): string => capServerText(this.redactor.redact(text));
    if (error instanceof AppError) {
      return new AppError(error.code, this.redactor.redact(error.message), { retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
    }
    if (signal?.aborted || error instanceof Anthropic.APIUserAbortError) return new AppError('cancelled', 'Stopped.');
    if (isConnectTimeout(error)) return timeoutError('connect', this.timeouts.connect, this.options.baseUrl, true);
    if (error instanceof Anthropic.APIConnectionTimeoutError) {
      return new AppError('network', `${this.options.baseUrl} did not answer in time.`, { retryable: !midStream });
    }
    if (error instanceof Anthropic.APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return new AppError('network', redact(`Could not reach ${this.options.baseUrl}${cause}. Is the server running?`), { retryable: !midStream });
    }
    if (error instanceof Anthropic.APIError) {
      const detail = redact(error.apiMessage ?? error.message);
      const type = typeof error.type === 'string' ? error.type : undefined;
      // An `error` event in the stream: no status, the kind is in the body.
      if (error.status === undefined) {
        const named = type !== undefined ? ` (${redact(type)})` : '';
        switch (type) {
          case 'overloaded_error':
            return new AppError('provider_error', `Anthropic is overloaded${named} and stopped the answer midway. The partial answer is kept. ${detail}`, { retryable: true });
          case 'rate_limit_error':
            return new AppError('rate_limited', `Rate limited${named} in the middle of the answer. The partial answer is kept. ${detail}`, { retryable: true });
          case 'api_error':
            return new AppError('provider_error', `Anthropic failed in the middle of the answer${named}. The partial answer is kept. ${detail}`, { retryable: true });
          default:
            return new AppError('provider_error', `The stream reported an error${named}. The partial answer is kept. ${detail}`);
        }
      }
      const get = (name: string): string | null | undefined => error.headers?.get(name);
      switch (error.status) {
        case 401:
        case 403:
          return new AppError('auth', `Anthropic refused the key (${error.status}). Check the API key (in Settings, or ANTHROPIC_API_KEY). ${detail}`);
        case 404:
          return new AppError('provider_error', `Not found (404): check the model name and base URL. ${detail}`);
        case 429: {
          const retryAfterMs = parseRetryAfter(get) ?? rateLimitResetMs(get);
          return new AppError('rate_limited', `Rate limited (429). ${detail}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        }
        case 529: {
          const retryAfterMs = parseRetryAfter(get);
          return new AppError('provider_error', `Anthropic is overloaded (529); trying again later may work. ${detail}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        }
        default: {
          const server = error.status >= 500 || error.status === 408 || error.status === 409;
          const retryAfterMs = server ? parseRetryAfter(get) : undefined;
          return new AppError(
            'provider_error',
            server ? `The provider failed with a server error (${error.status}). ${detail}` : `The provider refused the request (${error.status}). ${detail}`,
            { retryable: server, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
          );
        }
      }
    }
    if (error instanceof SyntaxError) {
      return new AppError('provider_error', `The server at ${this.options.baseUrl} sent an event that is not valid JSON, so the answer stops there. The partial answer is kept.`);
    }
    if (midStream) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      return new AppError('network', redact(`The connection to ${this.options.baseUrl} closed before the model finished${cause}. The partial answer is kept.`));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('provider_error', redact(message));
  }
}

/** The thinking config a budget asks for: off (absent or 0), adaptive (-1), or a budget of at least 1,024. */
function thinkingOf(budget: number | undefined): Anthropic.ThinkingConfigParam | undefined {
  if (budget === undefined || budget === 0) return undefined;
  if (budget === -1) return { type: 'adaptive' };
  if (budget < MIN_THINKING_BUDGET) {
    throw new AppError('bad_input', `Anthropic's extended thinking needs a budget of at least ${MIN_THINKING_BUDGET.toLocaleString('en-US')} tokens (this column asks for ${budget}). Set 0 to turn thinking off.`);
  }
  return { type: 'enabled', budget_tokens: budget };
}

/** A column's parameters in the Messages API's words; absent ones are not sent. */
export function messagesParams(params: Params): Omit<AnthropicBody, 'model' | 'messages' | 'stream' | 'system'> {
  const thinking = thinkingOf(params.thinkingBudget);
  const budget = thinking?.type === 'enabled' ? thinking.budget_tokens : undefined;
  const maxTokens = params.maxTokens ?? (budget !== undefined ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS);
  if (budget !== undefined && budget >= maxTokens) {
    throw new AppError('bad_input', `The thinking budget (${budget.toLocaleString('en-US')} tokens) must be less than max tokens (${maxTokens.toLocaleString('en-US')}): Anthropic counts thinking in max tokens.`);
  }
  const out: Omit<AnthropicBody, 'model' | 'messages' | 'stream' | 'system'> = { max_tokens: maxTokens };
  if (thinking) out.thinking = thinking;
  if (params.temperature !== undefined) out.temperature = params.temperature;
  if (params.topP !== undefined) out.top_p = params.topP;
  if (params.topK !== undefined) out.top_k = params.topK;
  if (params.stop !== undefined && params.stop.length > 0) out.stop_sequences = params.stop;
  const tools = params.tools ?? [];
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: { type: 'object' as const, properties: {}, ...(t.parameters ?? {}) },
    }));
    const choice = params.toolChoice;
    if (choice === 'auto') out.tool_choice = { type: 'auto' };
    else if (choice === 'required') out.tool_choice = { type: 'any' };
    else if (choice === 'none') out.tool_choice = { type: 'none' };
    else if (choice !== undefined) out.tool_choice = { type: 'tool', name: choice.name };
  }
  const effort = params.reasoningEffort;
  const format = params.responseFormat;
  if (format?.type === 'json_object') {
    throw new AppError(
      'bad_input',
      "Anthropic's API has no JSON mode (response format json_object). Give a JSON Schema instead (Anthropic's structured outputs), or ask for JSON in the prompt.",
    );
  }
  const outputFormat = format?.type === 'json_schema' ? { format: { type: 'json_schema' as const, schema: format.schema } } : {};
  const outputEffort = effort === 'low' || effort === 'medium' || effort === 'high' || effort === 'xhigh' ? { effort } : {};
  if (Object.keys(outputFormat).length > 0 || Object.keys(outputEffort).length > 0) out.output_config = { ...outputFormat, ...outputEffort };
  return out;
}

/** A tool call's arguments as the object Anthropic's tool_use block takes. */
function inputOf(call: { name: string; arguments: string }): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.arguments);
  } catch {
    throw new AppError('bad_input', `The arguments of the assistant's call to "${capServerText(call.name, 64)}" are not valid JSON, and Anthropic takes them as a JSON object.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('bad_input', `The arguments of the assistant's call to "${capServerText(call.name, 64)}" are not a JSON object, and Anthropic takes them as one.`);
  }
  return parsed as Record<string, unknown>;
}

function blocksOf(pieces: readonly ContentPiece[]): ContentBlock[] {
  return pieces.map((p): ContentBlock => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    if ('url' in p) return { type: 'image', source: { type: 'url', url: p.url } };
    return { type: 'image', source: { type: 'base64', media_type: p.mime, data: p.base64 } };
  });
}

/** Marks the last block of a list as a cache breakpoint. */
function cacheLast<T extends { cache_control?: Anthropic.CacheControlEphemeral | null }>(blocks: T[]): void {
  const last = blocks[blocks.length - 1];
  if (last) last.cache_control = { type: 'ephemeral' };
}

/**
 * The whole request in the Messages API's words: system messages as the top-level `system`
 * (text blocks, in order), an assistant's tool calls as tool_use blocks, `tool` messages as
 * tool_result blocks in a user turn (consecutive results, and a user message right after
 * them, share one turn), images as image blocks, and `cache` as a cache_control breakpoint on
 * the message's last block. A speaker's `name` has no place in this API and is not sent.
 */
export async function messagesRequest(model: string, messages: readonly Message[], params: Params, loadImage: ImageLoader | undefined): Promise<AnthropicBody> {
  const system: Anthropic.TextBlockParam[] = [];
  const out: Anthropic.MessageParam[] = [];
  /** The user turn that holds tool results, while more may join it. */
  let toolTurn: ContentBlock[] | undefined;
  for (const m of messages) {
    if (m.role === 'system') {
      const text = m.parts ? textOf(await piecesOf(m, loadImage)) : m.content;
      const block: Anthropic.TextBlockParam = { type: 'text', text };
      if (m.cache) block.cache_control = { type: 'ephemeral' };
      system.push(block);
      continue;
    }
    if (m.role === 'tool') {
      if (m.toolCallId === undefined || m.toolCallId === '') {
        throw new AppError('bad_input', 'A tool result message names no tool call (toolCallId): Anthropic needs the id of the call it answers.');
      }
      const result: Anthropic.ToolResultBlockParam = { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content };
      if (m.cache) result.cache_control = { type: 'ephemeral' };
      if (toolTurn) toolTurn.push(result);
      else {
        toolTurn = [result];
        out.push({ role: 'user', content: toolTurn });
      }
      continue;
    }
    if (m.role === 'user') {
      const blocks = blocksOf(await piecesOf(m, loadImage));
      if (toolTurn) {
        // Results first, then what the person says: one user turn.
        toolTurn.push(...blocks);
        if (m.cache) cacheLast(toolTurn as { cache_control?: Anthropic.CacheControlEphemeral | null }[]);
        toolTurn = undefined;
        continue;
      }
      if (m.cache) cacheLast(blocks as { cache_control?: Anthropic.CacheControlEphemeral | null }[]);
      const plain = blocks.length === 1 && blocks[0]?.type === 'text' && !m.cache;
      out.push({ role: 'user', content: plain ? m.content : blocks });
      continue;
    }
    toolTurn = undefined;
    const blocks: ContentBlock[] = [];
    if (m.content !== '') blocks.push({ type: 'text', text: m.content });
    for (const call of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: inputOf(call) });
    if (m.cache) cacheLast(blocks as { cache_control?: Anthropic.CacheControlEphemeral | null }[]);
    const plain = blocks.length === 1 && blocks[0]?.type === 'text' && !m.cache;
    out.push({ role: 'assistant', content: plain ? m.content : blocks });
  }
  return {
    model,
    messages: out,
    ...(system.length > 0 ? { system } : {}),
    ...messagesParams(params),
    stream: true,
  };
}

/**
 * The SDK adds whatever ANTHROPIC_CUSTOM_HEADERS in the environment says to every request, to
 * any host; people keep gateway tokens there. Only the headers the Messages API needs go out.
 */
const KNOWN_HEADER = /^(accept|content-type|anthropic-version|anthropic-beta|x-api-key|authorization|user-agent|x-stainless-[a-z0-9-]+)$/i;

function onlyKnownHeaders(inner: typeof fetch): typeof fetch {
  return (input, init) => {
    if (!init?.headers) return inner(input, init);
    const headers = new Headers(init.headers);
    for (const name of [...headers.keys()]) if (!KNOWN_HEADER.test(name)) headers.delete(name);
    return inner(input, { ...init, headers });
  };
}
