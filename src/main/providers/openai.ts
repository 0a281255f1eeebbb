/**
 * OpenAI and every OpenAI-compatible endpoint (Ollama, LM Studio, vLLM, OpenRouter, …),
 * through the official SDK pointed at a base URL. The SDK's own retries are off: the runner
 * retries (see runner/backoff.ts), so the schedule is ours, tested, and visible per cell.
 */
import OpenAI from 'openai';
import { AppError } from '../../shared/errors';
import { parseRetryAfter } from '../runner/backoff';
import type { Message, Params, Usage } from '../../shared/schemas';
import { redact } from '../secrets/secrets';
import type { ChatProvider, ChatRequest, StreamPart } from './types';

export interface OpenAIProviderOptions {
  baseUrl: string;
  apiKey: string | undefined;
  maxRetries?: number;
  timeoutMs?: number;
}

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

  constructor(private readonly options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      // Local servers need no key, but the SDK insists on one.
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseUrl,
      maxRetries: options.maxRetries ?? 0,
      timeout: options.timeoutMs ?? 10 * 60_000,
      dangerouslyAllowBrowser: false,
    });
    this.openaiHost = isOpenAIHost(options.baseUrl);
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const { params } = request;
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: request.messages.map((m: Message) => ({ role: m.role, content: m.content })),
      stream: true,
      stream_options: { include_usage: true },
      ...requestParams(params, this.openaiHost),
    };
    let finishReason: string | undefined;
    let usage: Usage = {};
    let streaming = false;
    try {
      const stream = await this.client.chat.completions.create(body, { signal: request.signal });
      streaming = true;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        const text = choice?.delta?.content;
        if (text) yield { type: 'delta', text };
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
      }
    } catch (error) {
      throw this.describe(error, request.signal, streaming);
    }
    if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
    if (finishReason === undefined) {
      throw new AppError('provider_error', 'The stream ended before the model finished (no finish reason). The partial answer is kept.');
    }
    yield { type: 'done', usage, finishReason };
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    try {
      const page = await this.client.models.list(signal ? { signal } : undefined);
      const ids: string[] = [];
      for await (const model of page) ids.push(model.id);
      return ids.sort();
    } catch (error) {
      throw this.describe(error, signal);
    }
  }

  /** Turns whatever the SDK threw into an AppError with a sentence a person can act on. */
  private describe(error: unknown, signal?: AbortSignal, midStream = false): AppError {
    const key = this.options.apiKey;
    if (error instanceof AppError) return error;
    if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) return new AppError('cancelled', 'Stopped.');
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return new AppError('network', `${this.options.baseUrl} did not answer in time.`, { retryable: !midStream });
    }
    if (error instanceof OpenAI.APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return new AppError('network', redact(`Could not reach ${this.options.baseUrl}${cause}. Is the server running?`, key), { retryable: !midStream });
    }
    if (error instanceof OpenAI.APIError) {
      const detail = redact(error.message, key);
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
      return new AppError('network', redact(`The connection to ${this.options.baseUrl} closed before the model finished${cause}. The partial answer is kept.`, key));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('provider_error', redact(message, key));
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
