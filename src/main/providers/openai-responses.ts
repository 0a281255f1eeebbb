/**
 * OpenAI's Responses API (POST /v1/responses, streamed): reasoning effort and reasoning
 * summaries, structured outputs as `text.format`, function tools, and nothing stored on
 * OpenAI's side (`store: false`). Timeouts, bounded bodies, key redaction and error
 * sentences are the Chat Completions provider's (openai-base.ts); this file maps messages
 * and parameters to the API's input items, and its stream events to parts.
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { Message, Params, Usage } from '../../shared/schemas';
import { piecesOf, type ImageLoader } from './content';
import { OpenAIBase, type Decoder, type OpenAIProviderOptions, type Step } from './openai-base';
import type { ChatRequest, StreamPart } from './types';
import { MAX_EVENT_BYTES, MAX_TOKENS, ToolCallAssembler, capServerText } from './wire';
import { withExtra } from './openai';

type ResponseParams = OpenAI.Responses.ResponseCreateParamsStreaming;
type InputItem = OpenAI.Responses.ResponseInputItem;

/**
 * The Responses API repeats the whole answer in its closing events (output_text.done,
 * output_item.done, response.completed), so one event may be as large as the answer.
 */
const MAX_RESPONSES_EVENT_BYTES = 16 * MAX_EVENT_BYTES;

/** The request's body, stream and model aside: parameters in the Responses API's words (absent ones are not sent). */
export function responsesParams(params: Params): Omit<ResponseParams, 'model' | 'input' | 'stream' | 'instructions'> {
  const out: Omit<ResponseParams, 'model' | 'input' | 'stream' | 'instructions'> = {
    // Parallax keeps its own record of every answer; nothing needs to stay on OpenAI's side.
    store: false,
  };
  if (params.temperature !== undefined) out.temperature = params.temperature;
  if (params.topP !== undefined) out.top_p = params.topP;
  if (params.maxTokens !== undefined) out.max_output_tokens = params.maxTokens;
  if (params.reasoningEffort !== undefined || params.reasoningSummary !== undefined) {
    out.reasoning = {
      ...(params.reasoningEffort !== undefined ? { effort: params.reasoningEffort } : {}),
      ...(params.reasoningSummary !== undefined ? { summary: params.reasoningSummary } : {}),
    };
  }
  const format = params.responseFormat;
  if (format?.type === 'json_schema') {
    out.text = { format: { type: 'json_schema', name: format.name, schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) } };
  } else if (format?.type === 'json_object') out.text = { format: { type: 'json_object' } };
  else if (format?.type === 'text') out.text = { format: { type: 'text' } };
  const tools = params.tools ?? [];
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({
      type: 'function' as const,
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      // A tool without arguments still names an (empty) object schema: the API wants one.
      parameters: t.parameters ?? { type: 'object', properties: {} },
      // The schema is the prompt's, as written: strict mode would refuse most hand-written ones.
      strict: false,
    }));
    const choice = params.toolChoice;
    if (choice !== undefined) out.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
  }
  return withExtra(out, params, RESPONSES_RESERVED);
}

/** What a column's extra fields may never set: the request's own model, input, instructions and stream. */
const RESPONSES_RESERVED = new Set(['model', 'input', 'instructions', 'stream', 'stream_options']);

/**
 * Messages as the Responses API's input: one system message becomes `instructions`, several
 * stay in place as `developer` messages; images become `input_image` parts (a data URI for
 * bytes); an assistant's tool calls become `function_call` items and a tool's result a
 * `function_call_output`.
 */
export async function responsesInput(messages: readonly Message[], loadImage: ImageLoader | undefined): Promise<{ instructions?: string; input: InputItem[] }> {
  const systems = messages.filter((m) => m.role === 'system');
  const instructions = systems.length === 1 ? systems[0]?.content : undefined;
  const input: InputItem[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        if (instructions === undefined) input.push({ role: 'developer', content: m.content });
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: m.toolCallId ?? '', output: m.content });
        break;
      case 'assistant':
        if (m.content !== '' || !m.toolCalls?.length) input.push({ role: 'assistant', content: m.content });
        for (const call of m.toolCalls ?? []) input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
        break;
      case 'user': {
        const pieces = await piecesOf(m, loadImage);
        const only = pieces[0];
        if (pieces.length === 1 && only?.type === 'text') {
          input.push({ role: 'user', content: only.text });
          break;
        }
        input.push({
          role: 'user',
          content: pieces.map((p): OpenAI.Responses.ResponseInputContent =>
            p.type === 'text' ? { type: 'input_text', text: p.text } : { type: 'input_image', detail: 'auto', image_url: 'url' in p ? p.url : `data:${p.mime};base64,${p.base64}` },
          ),
        });
        break;
      }
    }
  }
  return { ...(instructions !== undefined ? { instructions } : {}), input };
}

const tokenCount = z.number().int().nonnegative().max(MAX_TOKENS);
const shortText = z.string().max(500);

const usageWire = z.looseObject({
  input_tokens: tokenCount.nullish(),
  output_tokens: tokenCount.nullish(),
  input_tokens_details: z.looseObject({ cached_tokens: tokenCount.nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: tokenCount.nullish() }).nullish(),
});

/** The response object the closing events carry: only what Parallax reads of it is checked. */
const responseWire = z.looseObject({
  status: z.string().max(64).nullish(),
  usage: usageWire.nullish(),
  incomplete_details: z.looseObject({ reason: z.string().max(64).nullish() }).nullish(),
  error: z.looseObject({ code: z.string().max(200).nullish(), message: z.string().nullish() }).nullish(),
});

const itemWire = z.looseObject({
  type: z.string().max(100),
  id: shortText.nullish(),
  call_id: shortText.nullish(),
  name: shortText.nullish(),
  arguments: z.string().nullish(),
});

const index = z.number().int().nonnegative().max(100_000);

/** The stream events Parallax reads; any other `type` is passed over (the API adds event types). */
const eventWire = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('response.output_text.delta'), delta: z.string() }),
  z.looseObject({ type: z.literal('response.refusal.delta'), delta: z.string() }),
  z.looseObject({ type: z.literal('response.reasoning_summary_text.delta'), delta: z.string(), item_id: shortText.nullish(), summary_index: index.nullish() }),
  z.looseObject({ type: z.literal('response.reasoning_text.delta'), delta: z.string(), item_id: shortText.nullish(), content_index: index.nullish() }),
  z.looseObject({ type: z.literal('response.output_item.added'), output_index: index, item: itemWire }),
  z.looseObject({ type: z.literal('response.output_item.done'), output_index: index, item: itemWire }),
  z.looseObject({ type: z.literal('response.function_call_arguments.delta'), output_index: index, delta: z.string() }),
  z.looseObject({ type: z.literal('response.function_call_arguments.done'), output_index: index, arguments: z.string() }),
  z.looseObject({ type: z.literal('response.completed'), response: responseWire }),
  z.looseObject({ type: z.literal('response.incomplete'), response: responseWire }),
  z.looseObject({ type: z.literal('response.failed'), response: responseWire }),
  z.looseObject({ type: z.literal('error'), code: z.string().max(200).nullish(), message: z.string().nullish() }),
]);
const READ = new Set<string>(eventWire.options.map((o) => o.shape.type.value));
const typeWire = z.looseObject({ type: z.string().max(200) });

function usageOf(wire: z.infer<typeof usageWire> | null | undefined): Usage {
  if (!wire) return {};
  const cached = wire.input_tokens_details?.cached_tokens;
  const reasoned = wire.output_tokens_details?.reasoning_tokens;
  return {
    ...(wire.input_tokens != null ? { inputTokens: wire.input_tokens } : {}),
    ...(wire.output_tokens != null ? { outputTokens: wire.output_tokens } : {}),
    ...(cached != null ? { cacheReadTokens: cached } : {}),
    ...(reasoned != null ? { reasoningTokens: reasoned } : {}),
  };
}

/** The server's own failure (a response.failed or an error event), as an AppError with its words, masked then capped. */
function failure(code: string | null | undefined, message: string | null | undefined, redact: (text: string) => string): AppError {
  const words = capServerText(redact(message ?? 'no message'));
  const named = code ? ` (${redact(code)})` : '';
  if (code === 'rate_limit_exceeded') return new AppError('rate_limited', `Rate limited${named}: ${words}`, { retryable: true });
  const server = code === 'server_error' || code === 'internal_error';
  return new AppError('provider_error', `The Responses API failed${named}: ${words}`, { retryable: server });
}

/** Responses stream events as steps: text, reasoning summaries, and one tool call per function_call item. */
class ResponsesDecoder implements Decoder {
  private readonly calls: ToolCallAssembler;
  /** Output indexes of function_call items. */
  private readonly functionItems = new Set<number>();
  /** The summary (or reasoning part) being read, so the next one starts after a blank line. */
  private lastSummary: string | undefined;
  private called = false;

  /** `redact` masks keys in a server's words before they are cut to length (a cut key would not be masked). */
  constructor(
    private readonly baseUrl: string,
    private readonly redact: (text: string) => string,
  ) {
    this.calls = new ToolCallAssembler(baseUrl);
  }

  read(raw: unknown): Step {
    const head = typeWire.safeParse(raw);
    if (!head.success) throw this.unusable('it is not a Responses stream event');
    if (!READ.has(head.data.type)) return {};
    const parsed = eventWire.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') ?? '';
      throw this.unusable(`its ${where !== '' ? `${where} is not` : 'shape is not'} what the API defines for ${head.data.type}`);
    }
    const event = parsed.data;
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return { text: event.delta };
      case 'response.reasoning_summary_text.delta':
        return { reasoning: this.reasoning(`s:${event.item_id ?? ''}:${event.summary_index ?? 0}`, event.delta) };
      case 'response.reasoning_text.delta':
        return { reasoning: this.reasoning(`r:${event.item_id ?? ''}:${event.content_index ?? 0}`, event.delta) };
      case 'response.output_item.added':
        if (event.item.type !== 'function_call') return {};
        this.functionItems.add(event.output_index);
        this.calls.add(event.output_index, { id: event.item.call_id ?? undefined, name: event.item.name ?? undefined, arguments: event.item.arguments ?? undefined });
        return {};
      case 'response.function_call_arguments.delta':
        if (this.functionItems.has(event.output_index)) this.calls.add(event.output_index, { arguments: event.delta });
        return {};
      case 'response.function_call_arguments.done':
        this.calls.setArguments(event.output_index, event.arguments);
        return {};
      case 'response.output_item.done': {
        if (event.item.type !== 'function_call') return {};
        if (!this.calls.has(event.output_index)) this.calls.add(event.output_index, {});
        this.calls.add(event.output_index, { id: event.item.call_id ?? undefined, name: event.item.name ?? undefined });
        if (event.item.arguments != null) this.calls.setArguments(event.output_index, event.item.arguments);
        return this.take(this.calls.take(event.output_index));
      }
      case 'response.completed':
        return { ...this.take(this.calls.take()), finishReason: this.called ? 'tool_calls' : 'stop', usage: usageOf(event.response.usage) };
      case 'response.incomplete': {
        const reason = event.response.incomplete_details?.reason;
        return { ...this.take(this.calls.take()), finishReason: reason === 'max_output_tokens' ? 'length' : (reason ?? 'incomplete'), usage: usageOf(event.response.usage) };
      }
      case 'response.failed':
        throw failure(event.response.error?.code, event.response.error?.message, this.redact);
      case 'error':
        throw failure(event.code, event.message, this.redact);
    }
  }

  end(): Step {
    // A stream that ended without response.completed has no finish reason (the provider says so); its calls are not whole.
    return {};
  }

  private take(calls: Step['calls']): Step {
    if (!calls || calls.length === 0) return {};
    this.called = true;
    return { calls };
  }

  /** Summaries (and reasoning parts) apart: a blank line between two. */
  private reasoning(key: string, delta: string): string {
    const first = this.lastSummary === undefined;
    const next = this.lastSummary !== key;
    this.lastSummary = key;
    return next && !first ? `\n\n${delta}` : delta;
  }

  private unusable(why: string): AppError {
    return new AppError('provider_error', `The server at ${this.baseUrl} sent an event Parallax cannot use (${why}), so the answer stops there. The partial answer is kept.`);
  }
}

export class OpenAIResponsesProvider extends OpenAIBase {
  constructor(options: OpenAIProviderOptions) {
    super(options, MAX_RESPONSES_EVENT_BYTES);
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const { instructions, input } = await responsesInput(request.messages, request.loadImage);
    const body: ResponseParams = {
      model: request.model,
      input,
      ...(instructions !== undefined ? { instructions } : {}),
      stream: true,
      ...responsesParams(request.params),
    };
    yield* this.run(request, (client, options) => client.responses.create(body, options), new ResponsesDecoder(this.options.baseUrl, (text) => this.redactor.redact(text)));
  }
}
