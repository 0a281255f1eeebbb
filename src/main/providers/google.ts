/**
 * Google's Gemini API (generativelanguage.googleapis.com), through the official `@google/genai`
 * SDK pointed at a base URL: POST /v1beta/models/{model}:streamGenerateContent?alt=sse.
 *
 * The SDK is bounded the way openai.ts bounds its own: it takes a `fetch` (httpOptions.fetch),
 * so bodies are bounded (wire.ts), the connect is timed (timed.ts) and every request is watched
 * for its first byte, idle pauses and the cell's deadline (Watch), aborting through the
 * request's `abortSignal`. The SDK's retries (httpOptions.retryOptions), its "automatic
 * continuation" of a dropped stream and its automatic function calling are all off: the runner
 * retries, on a schedule that is ours and visible per cell. The key goes as the
 * `x-goog-api-key` header (never in a URL), and it is always given: without one the SDK would
 * read GOOGLE_API_KEY / GEMINI_API_KEY from the environment by itself, past Parallax's key rules.
 */
import { ApiError, FunctionCallingConfigMode, GoogleGenAI, ThinkingLevel } from '@google/genai';
import type { Content, GenerateContentConfig, HarmBlockThreshold, HarmCategory, Part, ThinkingConfig, ToolConfig } from '@google/genai';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { SecretRedactor } from '../../shared/redact';
import type { Message, Params, Usage } from '../../shared/schemas';
import { resolveTimeouts, type ProviderTimeouts, type Timeouts } from '../../shared/timeouts';
import type { ToolCall } from '../../shared/tools';
import { parseRetryAfter } from '../runner/backoff';
import { piecesOf, type ImageLoader } from './content';
import { Watch, connectingFetch, isConnectTimeout, timeoutError } from './timed';
import { Outflow } from './outflow';
import type { ChatProvider, ChatRequest, StreamPart } from './types';
import { MAX_OUTPUT_CHARS, MAX_TOKENS, boundedFetch, capServerText } from './wire';

export interface GoogleProviderOptions {
  /** Where the API lives, e.g. https://generativelanguage.googleapis.com (an API version at its end, such as /v1beta, is used as the version). */
  baseUrl: string;
  apiKey: string | undefined;
  /** Other keys Parallax knows, masked too in whatever this server sends back. */
  otherSecrets?: readonly string[];
  /** The longest a request may take, its whole stream included (default 10 minutes); `timeouts.total` wins. */
  timeoutMs?: number;
  /** Connect, first-byte, idle and total timeouts (ms); absent ones take the defaults (shared/timeouts.ts). */
  timeouts?: ProviderTimeouts;
  /** Characters of an answer (and of its thinking) read at most (default MAX_OUTPUT_CHARS). */
  maxOutputChars?: number;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The API version the SDK speaks when the base URL names none. */
const DEFAULT_API_VERSION = 'v1beta';
/** JSON nested deeper than this (tool arguments, a tool's result, a schema) is refused, not sent or read. */
export const MAX_JSON_DEPTH = 1_000;
/** Calls one answer may make at most, and characters of a call's arguments (as shared/tools.ts stores a ToolCall). */
const MAX_CALLS = 128;
const MAX_ARGUMENT_CHARS = 1_000_000;
/** Characters of thinking a cell keeps (runner.ts MAX_REASONING_CHARS): past them thinking is counted, not masked. */
const KEPT_REASONING_CHARS = 1_000_000;
/** Pages of a model list read at most, and models kept. */
const MAX_MODEL_PAGES = 50;
const MAX_MODELS = 10_000;

/** An API version at the end of a base URL (`…/v1beta`) is the SDK's apiVersion, not part of its base URL. */
export function splitBaseUrl(baseUrl: string): { root: string; apiVersion: string } {
  const trimmed = baseUrl.replace(/\/+$/, '');
  const match = /^(.*)\/(v\d+(?:alpha|beta)?\d*)$/.exec(trimmed);
  return match?.[1] && match[2] ? { root: match[1], apiVersion: match[2] } : { root: trimmed, apiVersion: DEFAULT_API_VERSION };
}

const tokenCount = z.number().int().nonnegative().max(MAX_TOKENS);

const safetyRatingWire = z.looseObject({
  category: z.string().max(100).nullish(),
  probability: z.string().max(100).nullish(),
  blocked: z.boolean().nullish(),
});

const partWire = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  functionCall: z
    .looseObject({
      id: z.string().max(500).nullish(),
      name: z.string().max(500).nullish(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

const candidateWire = z.looseObject({
  content: z.looseObject({ parts: z.array(partWire).max(10_000).nullish() }).nullish(),
  finishReason: z.string().max(64).nullish(),
  safetyRatings: z.array(safetyRatingWire).max(100).nullish(),
});

const chunkWire = z.looseObject({
  candidates: z.array(candidateWire).max(100).nullish(),
  promptFeedback: z
    .looseObject({
      blockReason: z.string().max(100).nullish(),
      blockReasonMessage: z.string().nullish(),
      safetyRatings: z.array(safetyRatingWire).max(100).nullish(),
    })
    .nullish(),
  usageMetadata: z
    .looseObject({
      promptTokenCount: tokenCount.nullish(),
      candidatesTokenCount: tokenCount.nullish(),
      thoughtsTokenCount: tokenCount.nullish(),
      cachedContentTokenCount: tokenCount.nullish(),
    })
    .nullish(),
});
type Chunk = z.infer<typeof chunkWire>;
type SafetyRating = z.infer<typeof safetyRatingWire>;

const modelsWire = z.array(
  z.looseObject({
    name: z.string().min(1).max(300),
    supportedActions: z.array(z.string().max(100)).max(100).nullish(),
  }),
);

/** The error body Google's APIs send: { error: { code, message, status, details: [...] } }. */
const errorWire = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().max(100).nullish(),
    details: z.array(z.unknown()).max(100).nullish(),
  }),
});

/** How deep a JSON value nests (1 for a scalar), counted without recursion, and stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [undefined, 0];
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A duration as Google writes it ("37s", "0.5s", "1.250s") in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const ms = Number(match[1]) * 1000;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** The retry delay a google.rpc.RetryInfo detail asks for, in ms. */
function retryInfoDelay(details: readonly unknown[] | null | undefined): number | undefined {
  for (const detail of details ?? []) {
    if (!isPlainObject(detail)) continue;
    const type = detail['@type'];
    const delay = detail.retryDelay;
    if (typeof type === 'string' && type.endsWith('google.rpc.RetryInfo') && typeof delay === 'string') return parseDuration(delay);
  }
  return undefined;
}

/** True when a google.rpc.ErrorInfo detail says the key is at fault (Gemini answers a bad key with 400 API_KEY_INVALID). */
function keyRefused(details: readonly unknown[] | null | undefined): boolean {
  return (details ?? []).some((d) => isPlainObject(d) && typeof d.reason === 'string' && /^API_KEY_/.test(d.reason));
}

/** What an ApiError's message holds: the server's error body, as JSON (after "got status: …. " for one sent mid-stream). */
function errorBodyOf(message: string): z.infer<typeof errorWire>['error'] | undefined {
  const start = message.indexOf('{');
  if (start === -1) return undefined;
  try {
    const parsed = errorWire.safeParse(JSON.parse(message.slice(start)));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** The categories a safety block names, in words: "HARM_CATEGORY_HARASSMENT (HIGH)". */
function blockedCategories(ratings: readonly SafetyRating[] | null | undefined): string {
  const all = ratings ?? [];
  const blocked = all.filter((r) => r.blocked === true);
  const named = (blocked.length > 0 ? blocked : all.filter((r) => r.probability === 'HIGH' || r.probability === 'MEDIUM'))
    .map((r) => `${r.category ?? 'an unnamed category'}${r.probability ? ` (${r.probability})` : ''}`);
  return named.join(', ');
}

export class GoogleProvider implements ChatProvider {
  private readonly client: GoogleGenAI;
  /** Masks this provider's key (and the others known) in everything the server says. */
  private readonly redactor: SecretRedactor;
  private readonly timeouts: Timeouts;
  private readonly maxOutputChars: number;
  /** Bounded bodies (wire.ts), and a bounded connect (timed.ts). */
  private readonly fetch: Fetch;

  constructor(private readonly options: GoogleProviderOptions) {
    this.timeouts = resolveTimeouts(options.timeoutMs !== undefined ? { total: options.timeoutMs } : undefined, options.timeouts);
    this.fetch = boundedFetch(options.baseUrl, connectingFetch(this.timeouts.connect));
    this.maxOutputChars = options.maxOutputChars ?? MAX_OUTPUT_CHARS;
    const { root, apiVersion } = splitBaseUrl(options.baseUrl);
    this.client = new GoogleGenAI({
      // Always a key of Parallax's choosing: the SDK would otherwise take one from the environment.
      apiKey: options.apiKey ?? 'no-key',
      // Never Vertex AI, whatever GOOGLE_GENAI_USE_VERTEXAI says.
      vertexai: false,
      // No retryOptions: the SDK then makes one attempt. No timeout: Watch times every request.
      httpOptions: { baseUrl: root, apiVersion, fetch: this.fetch },
    });
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
    const { systemInstruction, contents } = await geminiContents(request.messages, request.loadImage);
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener('abort', forward, { once: true });
    const now = performance.now();
    const watch = new Watch(this.timeouts, controller, request.deadline ?? now + this.timeouts.total, now);
    // The last response's status and headers: the SDK keeps neither once an error body fails to parse, nor Retry-After.
    const seen: { status?: number; headers?: Headers } = {};
    const watched = watch.wrap(this.fetch);
    const fetch: Fetch = async (input, init) => {
      let response: Response;
      try {
        response = await watched(input, init);
      } catch (error) {
        if (controller.signal.aborted || isConnectTimeout(error)) throw error;
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new AppError('network', this.redactor.redact(`Could not reach ${this.options.baseUrl}${cause}. Is the server running?`), { retryable: true });
      }
      seen.status = response.status;
      seen.headers = response.headers;
      return response;
    };
    const config: GenerateContentConfig = {
      ...generationConfig(request.params, request.model),
      ...(systemInstruction ? { systemInstruction } : {}),
      httpOptions: { fetch },
      abortSignal: controller.signal,
      automaticFunctionCalling: { disable: true },
      automaticContinuation: false,
    };
    const answer = new Outflow(this.redactor, this.maxOutputChars, request.keepChars);
    const thinking = new Outflow(this.redactor, this.maxOutputChars, KEPT_REASONING_CHARS);
    let finishReason: string | undefined;
    let usage: Usage = {};
    let streaming = false;
    let calls = 0;
    try {
      try {
        const stream = await this.client.models.generateContentStream({ model: request.model, contents, config });
        streaming = true;
        for await (const raw of stream) {
          const chunk = this.parse(raw);
          const feedback = chunk.promptFeedback;
          if (feedback?.blockReason) {
            const categories = blockedCategories(feedback.safetyRatings);
            const why = feedback.blockReasonMessage ? ` ${capServerText(feedback.blockReasonMessage)}` : '';
            throw new AppError(
              'provider_error',
              this.redactor.redact(`Gemini blocked the prompt for safety (${feedback.blockReason}${categories ? `: ${categories}` : ''}), so there is no answer.${why}`),
            );
          }
          const candidate = chunk.candidates?.[0];
          for (const part of candidate?.content?.parts ?? []) {
            if (part.functionCall) {
              if (++calls > MAX_CALLS) throw new AppError('provider_error', `The model made more than ${MAX_CALLS} tool calls in one answer, so Parallax stopped reading it. The partial answer is kept.`);
              yield { type: 'tool_call', call: this.toolCall(part.functionCall, calls) };
              continue;
            }
            if (typeof part.text !== 'string' || part.text === '') continue;
            const flow = part.thought === true ? thinking : answer;
            const { texts, over } = flow.push(part.text);
            for (const text of texts) yield part.thought === true ? { type: 'reasoning', text } : { type: 'delta', text };
            if (over) {
              throw new AppError(
                'provider_error',
                `The ${part.thought === true ? 'thinking' : 'answer'} passed ${this.maxOutputChars.toLocaleString('en-US')} characters, so Parallax stopped reading it (a runaway or misbehaving server). Its first part is kept.`,
              );
            }
          }
          if (candidate?.finishReason) finishReason = this.finishReason(candidate);
          const meta = chunk.usageMetadata;
          if (meta) {
            const thoughts = meta.thoughtsTokenCount ?? undefined;
            usage = {
              ...(meta.promptTokenCount != null ? { inputTokens: meta.promptTokenCount } : {}),
              ...(meta.candidatesTokenCount != null || thoughts !== undefined ? { outputTokens: (meta.candidatesTokenCount ?? 0) + (thoughts ?? 0) } : {}),
              ...(thoughts !== undefined ? { reasoningTokens: thoughts } : {}),
              ...(meta.cachedContentTokenCount != null ? { cacheReadTokens: meta.cachedContentTokenCount } : {}),
            };
          }
        }
      } catch (error) {
        // What was held back is part of the partial answer (and thinking) that is kept.
        const held = thinking.end();
        if (held !== '') yield { type: 'reasoning', text: held };
        const rest = answer.end();
        if (rest !== '') yield { type: 'delta', text: rest };
        if (watch.fired !== undefined && !request.signal.aborted) throw this.timedOut(watch);
        throw this.describe(error, request.signal, streaming, seen);
      }
    } finally {
      watch.stop();
      request.signal.removeEventListener('abort', forward);
    }
    const held = thinking.end();
    if (held !== '') yield { type: 'reasoning', text: held };
    const rest = answer.end();
    if (rest !== '') yield { type: 'delta', text: rest };
    if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
    if (watch.fired !== undefined) throw this.timedOut(watch);
    if (finishReason === undefined) {
      throw new AppError('provider_error', 'The stream ended before the model finished (no finish reason). The partial answer is kept.');
    }
    yield { type: 'done', usage, finishReason };
  }

  /** Checks one streamed response; one that breaks the API's shape is an error, never used. */
  private parse(raw: unknown): Chunk {
    const parsed = chunkWire.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.map(String).join('.') : '';
    throw new AppError(
      'provider_error',
      `The server at ${this.options.baseUrl} sent a response Parallax cannot use (${where !== '' ? `${where} is not what the Gemini API defines` : 'it is not a GenerateContentResponse'}), so the answer stops there. The partial answer is kept.`,
    );
  }

  /** A function call as a whole ToolCall; its arguments are JSON text, masked. */
  private toolCall(call: { id?: string | null; name?: string | null; args?: Record<string, unknown> | null }, n: number): ToolCall {
    const name = this.redactor.redact(call.name ?? '');
    if (jsonDepth(call.args ?? {}) > MAX_JSON_DEPTH) {
      throw new AppError('provider_error', `The model called ${JSON.stringify(capServerText(name, 64))} with arguments nested more than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels deep, so Parallax did not read them. The partial answer is kept.`);
    }
    const args = JSON.stringify(call.args ?? {});
    if (args.length > MAX_ARGUMENT_CHARS) {
      throw new AppError('provider_error', `The model called ${JSON.stringify(capServerText(name, 64))} with ${args.length.toLocaleString('en-US')} characters of arguments (at most ${MAX_ARGUMENT_CHARS.toLocaleString('en-US')} are kept), so Parallax did not read them. The partial answer is kept.`);
    }
    return { id: call.id ? this.redactor.redact(call.id) : `call_${n}`, name, arguments: this.redactor.redact(args) };
  }

  /** The finish reason as the cell shows it: SAFETY says which categories blocked the answer. (The SDK drops finishMessage.) */
  private finishReason(candidate: z.infer<typeof candidateWire>): string {
    const reason = candidate.finishReason ?? '';
    if (reason === 'SAFETY') {
      const categories = blockedCategories(candidate.safetyRatings);
      return this.redactor.redact(`SAFETY${categories ? `: blocked for ${categories}` : ''}`);
    }
    return this.redactor.redact(reason);
  }

  /** The timeout that fired, in a sentence that names it. */
  private timedOut(watch: Watch): AppError {
    const kind = watch.fired ?? 'total';
    return timeoutError(kind, watch.limitOf(kind), this.options.baseUrl, kind !== 'total');
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    // A model list is small: each page gets the first-byte timeout for all of it.
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', forward, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const seen: { status?: number; headers?: Headers } = {};
    const fetch: Fetch = async (input, init) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeouts.firstByte);
      const response = await this.fetch(input, init);
      seen.status = response.status;
      seen.headers = response.headers;
      return response;
    };
    try {
      const ids = new Set<string>();
      const tokens = new Set<string>();
      const pager = await this.client.models.list({ config: { pageSize: 1000, httpOptions: { fetch }, abortSignal: controller.signal } });
      for (let page = 1; ; page++) {
        const parsed = modelsWire.safeParse(pager.page);
        if (!parsed.success) throw new AppError('provider_error', `The server at ${this.options.baseUrl} sent a model list Parallax cannot use.`);
        for (const model of parsed.data) {
          // Only models that can answer a prompt, when the API says what each can do.
          if (model.supportedActions && !model.supportedActions.includes('generateContent')) continue;
          ids.add(this.redactor.redact(model.name.replace(/^models\//, '')));
        }
        const token = typeof pager.params.config?.pageToken === 'string' ? pager.params.config.pageToken : undefined;
        // A page token seen before (a loop), too many pages or models: what was read is the list.
        if (!pager.hasNextPage() || token === undefined || tokens.has(token) || page >= MAX_MODEL_PAGES || ids.size >= MAX_MODELS) break;
        tokens.add(token);
        await pager.nextPage();
      }
      return [...ids].slice(0, MAX_MODELS).sort();
    } catch (error) {
      if (timedOut && !signal?.aborted) throw timeoutError('firstByte', this.timeouts.firstByte, this.options.baseUrl, true);
      throw this.describe(error, signal, false, seen);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  /** Turns whatever the SDK threw into an AppError with a sentence a person can act on. */
  private describe(error: unknown, signal: AbortSignal | undefined, midStream: boolean, seen: { status?: number; headers?: Headers }): AppError {
    // A server's words are masked for keys and cut short before they go anywhere.
    const redact = (text: string): string => capServerText(this.redactor.redact(text));
    if (error instanceof AppError) {
      return new AppError(error.code, this.redactor.redact(error.message), { retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
    }
    if (signal?.aborted) return new AppError('cancelled', 'Stopped.');
    if (isConnectTimeout(error)) return timeoutError('connect', this.timeouts.connect, this.options.baseUrl, true);
    if (error instanceof ApiError) {
      const body = errorBodyOf(error.message);
      const headers = seen.headers;
      return this.statusError(error.status, body?.status ?? undefined, body?.message ? redact(body.message) : '', body?.details, headers);
    }
    // An error body cut short (wire.ts bounds it) is not JSON: the status still says what happened.
    if (seen.status !== undefined && seen.status >= 400) return this.statusError(seen.status, undefined, '', undefined, seen.headers);
    if (error instanceof SyntaxError) {
      return new AppError('provider_error', `The server at ${this.options.baseUrl} sent a chunk that is not valid JSON, so the answer stops there. The partial answer is kept.`);
    }
    if (error instanceof Error && /^Incomplete JSON segment/.test(error.message)) {
      return new AppError('provider_error', `The stream from ${this.options.baseUrl} ended in the middle of an event, so the answer stops there. The partial answer is kept.`);
    }
    if (error instanceof Error && /^exception parsing stream chunk/.test(error.message)) {
      return new AppError('provider_error', `The server at ${this.options.baseUrl} sent a chunk Parallax cannot read, so the answer stops there. The partial answer is kept.`);
    }
    if (midStream) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      return new AppError('network', redact(`The connection to ${this.options.baseUrl} closed before the model finished${cause}. The partial answer is kept.`));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('provider_error', redact(message));
  }

  /** An HTTP status (and Google's status name and details) as an AppError. */
  private statusError(status: number, name: string | undefined, detail: string, details: readonly unknown[] | null | undefined, headers: Headers | undefined): AppError {
    const label = `${status}${name ? ` ${this.redactor.redact(name)}` : ''}`;
    const tail = detail !== '' ? ` ${detail}` : '';
    const retryAfter = (): number | undefined => retryInfoDelay(details) ?? (headers ? parseRetryAfter((h) => headers.get(h)) : undefined);
    if (status === 401 || status === 403 || keyRefused(details)) {
      return new AppError('auth', `Gemini refused the key (${label}). Check the API key (in Settings, or the environment variable the provider reads, such as GEMINI_API_KEY).${tail}`);
    }
    if (status === 404) return new AppError('provider_error', `Not found (${label}): check the model name and base URL.${tail}`);
    if (status === 429) {
      const retryAfterMs = retryAfter();
      return new AppError('rate_limited', `Rate limited or out of quota (${label}).${tail}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    if (status >= 500 || status === 408 || status === 409) {
      const retryAfterMs = retryAfter();
      return new AppError('provider_error', `Gemini failed with a server error (${label}).${tail}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    return new AppError('provider_error', `Gemini refused the request (${label}).${tail}`);
  }
}

/** Gemini 3 models take a thinking level; earlier ones a thinking budget. */
function isGemini3(model: string): boolean {
  return /(^|\/)gemini-([3-9]|\d\d)/.test(model);
}

const THINKING_LEVELS: Record<NonNullable<Params['reasoningEffort']>, ThinkingLevel> = {
  // Gemini 3 cannot turn thinking off: "none" is as little as it thinks.
  none: ThinkingLevel.MINIMAL,
  minimal: ThinkingLevel.MINIMAL,
  low: ThinkingLevel.LOW,
  medium: ThinkingLevel.MEDIUM,
  high: ThinkingLevel.HIGH,
  xhigh: ThinkingLevel.XHIGH,
};

/** Gemini 2.5's budgets for OpenAI's reasoning efforts, as Google's OpenAI-compatible endpoint maps them. */
const THINKING_BUDGETS: Record<NonNullable<Params['reasoningEffort']>, number> = {
  none: 0,
  minimal: 1_024,
  low: 1_024,
  medium: 8_192,
  high: 24_576,
  xhigh: 24_576,
};

function thinkingConfig(params: Params, model: string): ThinkingConfig | undefined {
  // The API refuses a budget and a level together: a budget, when set, wins.
  if (params.thinkingBudget !== undefined) return { thinkingBudget: params.thinkingBudget, includeThoughts: params.thinkingBudget !== 0 };
  const effort = params.reasoningEffort;
  if (effort === undefined) return undefined;
  if (isGemini3(model)) return { thinkingLevel: THINKING_LEVELS[effort], includeThoughts: true };
  const budget = THINKING_BUDGETS[effort];
  return { thinkingBudget: budget, includeThoughts: budget !== 0 };
}

/** A column's parameters in the Gemini API's words (generationConfig, safetySettings, tools, toolConfig); absent ones are not sent. */
export function generationConfig(params: Params, model: string): GenerateContentConfig {
  const out: GenerateContentConfig = {};
  if (params.temperature !== undefined) out.temperature = params.temperature;
  if (params.topP !== undefined) out.topP = params.topP;
  if (params.topK !== undefined) out.topK = params.topK;
  if (params.maxTokens !== undefined) out.maxOutputTokens = params.maxTokens;
  if (params.stop !== undefined && params.stop.length > 0) out.stopSequences = params.stop;
  if (params.seed !== undefined) out.seed = params.seed;
  if (params.presencePenalty !== undefined) out.presencePenalty = params.presencePenalty;
  if (params.frequencyPenalty !== undefined) out.frequencyPenalty = params.frequencyPenalty;
  const format = params.responseFormat;
  if (format?.type === 'json_object') out.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    if (jsonDepth(format.schema) > MAX_JSON_DEPTH) throw new AppError('bad_input', `The response schema ${format.name} nests more than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels deep.`);
    out.responseMimeType = 'application/json';
    out.responseJsonSchema = format.schema;
  }
  const thinking = thinkingConfig(params, model);
  if (thinking) out.thinkingConfig = thinking;
  if (params.safety) {
    out.safetySettings = Object.entries(params.safety).map(([category, threshold]) => ({ category: category as HarmCategory, threshold: threshold as HarmBlockThreshold }));
  }
  const tools = params.tools ?? [];
  if (tools.length > 0) {
    for (const tool of tools) {
      if (tool.parameters && jsonDepth(tool.parameters) > MAX_JSON_DEPTH) throw new AppError('bad_input', `The parameters of the tool ${tool.name} nest more than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels deep.`);
    }
    out.tools = [
      {
        functionDeclarations: tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          ...(t.parameters !== undefined ? { parametersJsonSchema: t.parameters } : {}),
        })),
      },
    ];
  }
  const choice = params.toolChoice;
  if (choice !== undefined && (tools.length > 0 || choice === 'none')) {
    const config: ToolConfig = {};
    if (choice === 'auto') config.functionCallingConfig = { mode: FunctionCallingConfigMode.AUTO };
    else if (choice === 'none') config.functionCallingConfig = { mode: FunctionCallingConfigMode.NONE };
    else if (choice === 'required') config.functionCallingConfig = { mode: FunctionCallingConfigMode.ANY };
    else config.functionCallingConfig = { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.name] };
    out.toolConfig = config;
  }
  return out;
}

/** A tool call's arguments as the object Gemini takes; anything else names the call. */
function callArgs(call: ToolCall): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    throw new AppError('bad_input', `The arguments of the tool call ${call.name} (${call.id}) are not valid JSON; Gemini takes them as a JSON object.`);
  }
  if (!isPlainObject(parsed)) throw new AppError('bad_input', `The arguments of the tool call ${call.name} (${call.id}) are not a JSON object; Gemini takes them as one.`);
  if (jsonDepth(parsed) > MAX_JSON_DEPTH) throw new AppError('bad_input', `The arguments of the tool call ${call.name} (${call.id}) nest more than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels deep.`);
  return parsed;
}

/** A tool's result as Gemini's functionResponse.response: a JSON object as it is, anything else as { result: text }. */
function toolResult(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    if (isPlainObject(parsed) && jsonDepth(parsed) <= MAX_JSON_DEPTH) return parsed;
  } catch {
    // Not JSON: plain text.
  }
  return { result: content };
}

/**
 * Messages in the Gemini API's words: system messages as the systemInstruction, user and
 * assistant turns as `user` and `model` contents, an assistant's tool calls as functionCall
 * parts, a tool's result as a functionResponse part in a user turn (the results of one turn's
 * calls together), images as inlineData.
 */
export async function geminiContents(messages: readonly Message[], loadImage: ImageLoader | undefined): Promise<{ systemInstruction: Content | undefined; contents: Content[] }> {
  const system: Part[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        if (m.content !== '') system.push({ text: m.content });
        break;
      case 'user': {
        const parts: Part[] = [];
        for (const piece of await piecesOf(m, loadImage)) {
          if (piece.type === 'text') parts.push({ text: piece.text });
          else if ('url' in piece) {
            // Gemini reads fileData only from its own uploads and gs:// URIs, and Parallax does not fetch web pages from its main process.
            throw new AppError('bad_input', 'Gemini cannot take an image by its web address here. Add the image to the test-case table as a file (or a data URI) instead.');
          } else parts.push({ inlineData: { mimeType: piece.mime, data: piece.base64 } });
        }
        contents.push({ role: 'user', parts: parts.length > 0 ? parts : [{ text: '' }] });
        break;
      }
      case 'assistant': {
        const parts: Part[] = m.content !== '' ? [{ text: m.content }] : [];
        for (const call of m.toolCalls ?? []) {
          callNames.set(call.id, call.name);
          parts.push({ functionCall: { id: call.id, name: call.name, args: callArgs(call) } });
        }
        contents.push({ role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] });
        break;
      }
      case 'tool': {
        const id = m.toolCallId ?? '';
        const name = callNames.get(id);
        if (name === undefined) {
          throw new AppError('bad_input', `A tool message answers the call ${JSON.stringify(id)}, but no earlier assistant turn made that call; Gemini needs the function's name.`);
        }
        const part: Part = { functionResponse: { id, name, response: toolResult(m.content) } };
        const last = contents[contents.length - 1];
        // The results of one turn's calls go back together, in one user turn.
        if (last?.role === 'user' && last.parts?.every((p) => p.functionResponse !== undefined)) last.parts.push(part);
        else contents.push({ role: 'user', parts: [part] });
        break;
      }
    }
  }
  return { systemInstruction: system.length > 0 ? { parts: system } : undefined, contents };
}
