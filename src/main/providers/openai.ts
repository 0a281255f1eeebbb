/**
 * OpenAI and every OpenAI-compatible endpoint (Ollama, LM Studio, vLLM, OpenRouter, …),
 * through the official SDK pointed at a base URL. The SDK's own retries are off: the runner
 * retries (see runner/backoff.ts), so the schedule is ours, tested, and visible per cell.
 */
import type OpenAI from 'openai';
import type { Message, Params } from '../../shared/schemas';
import type { ChatRequest, StreamPart } from './types';
import { hasImages, piecesOf, type ImageLoader } from './content';
import { OpenAIBase, type Decoder, type OpenAIProviderOptions, type Step } from './openai-base';
import { ToolCallAssembler, parseChunk } from './wire';
import type { BatchApi } from './batch';

export type { OpenAIProviderOptions } from './openai-base';

/** api.openai.com wants `max_completion_tokens`; compatible servers know `max_tokens`. */
function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/**
 * Chat completion chunks as steps: text, reasoning (a compatible server's), and tool calls put
 * together from their pieces, each taken whole when the finish reason comes (or the stream ends).
 */
class ChatDecoder implements Decoder {
  private readonly calls: ToolCallAssembler;
  /** The call a piece without an index belongs to (servers that send each call whole, unnumbered). */
  private lastKey: string | number = 0;

  constructor(private readonly baseUrl: string) {
    this.calls = new ToolCallAssembler(baseUrl);
  }

  read(raw: unknown): Step {
    const chunk = parseChunk(raw, this.baseUrl);
    for (const piece of chunk.toolCalls) {
      // No index: a new id is a new call; no id either is more of the last one.
      const key = piece.index ?? (piece.id !== undefined && !this.calls.has(`id:${piece.id}`) ? `id:${piece.id}` : this.lastKey);
      this.lastKey = key;
      this.calls.add(key, piece);
    }
    const finished = chunk.finishReason !== undefined;
    return {
      ...(chunk.text !== '' ? { text: chunk.text } : {}),
      ...(chunk.reasoning !== '' ? { reasoning: chunk.reasoning } : {}),
      ...(finished ? { calls: this.calls.take(), finishReason: chunk.finishReason } : {}),
      ...(chunk.usage ? { usage: chunk.usage } : {}),
      ...(chunk.logprobs ? { logprobs: chunk.logprobs } : {}),
    };
  }

  end(): Step {
    return { calls: this.calls.take() };
  }
}

export class OpenAIProvider extends OpenAIBase {
  private readonly openaiHost: boolean;

  constructor(options: OpenAIProviderOptions) {
    super(options);
    this.openaiHost = isOpenAIHost(options.baseUrl);
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: await chatMessages(request.messages, request.loadImage),
      stream: true,
      stream_options: { include_usage: true },
      ...requestParams(request.params, this.openaiHost),
    };
    // A perplexity check needs them; a column that set `logprobs` itself keeps its own word.
    if (request.logprobs === true && request.params.extra?.['logprobs'] === undefined) body.logprobs = true;
    yield* this.run(request, (client, options) => client.chat.completions.create(body, options), new ChatDecoder(this.options.baseUrl));
  }

  /** OpenAI's Batch API for the same requests, through this client (batch-openai.ts). */
  async batchApi(loadImage?: ImageLoader): Promise<BatchApi> {
    const { OpenAIBatch } = await import('./batch-openai');
    return new OpenAIBatch(this.client, this.openaiHost, { baseUrl: this.options.baseUrl, redact: (text) => this.redactor.redact(text), ...(loadImage ? { loadImage } : {}) });
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
  const tools = params.tools ?? [];
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), ...(t.parameters !== undefined ? { parameters: t.parameters } : {}) },
    }));
    // Only beside tools: a tool_choice without tools is a 400 from OpenAI and most compatible servers.
    const choice = params.toolChoice;
    if (choice !== undefined) out.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
  }
  return withExtra(out, params, CHAT_RESERVED);
}

/** What a column's extra fields may never set: the request's own model, messages and stream. */
const CHAT_RESERVED = new Set(['model', 'messages', 'stream', 'stream_options']);

/**
 * The column's extra fields (Params.extra) as written, over the ones Parallax set (as
 * promptfoo's `passthrough` goes last), except the request's own fields in `reserved`.
 */
export function withExtra<T extends object>(out: T, params: Params, reserved: ReadonlySet<string>): T {
  const extra = params.extra;
  if (extra === undefined) return out;
  const merged: Record<string, unknown> = { ...(out as Record<string, unknown>) };
  for (const [name, value] of Object.entries(extra)) {
    if (!reserved.has(name) && name !== '__proto__') merged[name] = value;
  }
  return merged as T;
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
