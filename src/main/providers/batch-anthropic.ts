/**
 * Anthropic's Message Batches through the SDK client the live provider uses (its key, base URL
 * and bounded fetch): `messages.batches.create` with each request's params as the live path
 * builds them (without `stream`), `retrieve` to poll, `cancel`, and the results file read a line
 * at a time. The results URL comes from the server: it is read only on the base URL's own
 * origin, since the key goes with it.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { ToolCall } from '../../shared/tools';
import { messagesRequest, normaliseUsage, REDACTED_THINKING_NOTE } from './anthropic';
import { batchError, customIdOf, jsonLines, readSafely, vendorText, type BatchApi, type BatchContext, type BatchItem, type BatchResult, type BatchStatus } from './batch';
import { MAX_TOKENS, RESULTS_DOWNLOAD, type ResultsDownloadInit, type boundedFetch } from './wire';

const count = z.number().int().nonnegative().max(MAX_TOKENS).nullish();
const batchWire = z.looseObject({
  id: z.string().max(200),
  processing_status: z.enum(['in_progress', 'canceling', 'ended']),
  request_counts: z.looseObject({ processing: count, succeeded: count, errored: count, canceled: count, expired: count }).nullish(),
  results_url: z.string().max(2000).nullish(),
});

const usageWire = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});

const blockWire = z.looseObject({
  type: z.string().max(64),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
  id: z.string().max(500).nullish(),
  name: z.string().max(500).nullish(),
  input: z.unknown().optional(),
});

const lineWire = z.looseObject({
  custom_id: z.unknown(),
  result: z.looseObject({
    type: z.string().max(64),
    message: z.looseObject({ content: z.array(blockWire).max(10_000), stop_reason: z.string().max(64).nullish(), usage: usageWire.nullish() }).nullish(),
    error: z.looseObject({ error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }).nullish() }).nullish(),
  }),
});

export class AnthropicBatch implements BatchApi {
  readonly vendor = 'anthropic';
  constructor(
    private readonly client: Anthropic,
    private readonly fetch: ReturnType<typeof boundedFetch>,
    private readonly apiKey: string | undefined,
    private readonly context: BatchContext,
  ) {}

  /** Message Batches keep no tag of the caller's, so a create whose answer never came cannot be found again (`find` is absent). */
  async submit(items: readonly BatchItem[], signal: AbortSignal): Promise<string> {
    const requests: Anthropic.Messages.Batches.BatchCreateParams.Request[] = [];
    for (const item of items) {
      const { stream: _stream, ...params } = await messagesRequest(item.model, item.messages, item.params, this.context.loadImage);
      requests.push({ custom_id: item.customId, params: params as Anthropic.Messages.Batches.BatchCreateParams.Request['params'] });
    }
    const batch = await this.client.messages.batches.create({ requests }, { signal });
    return batch.id;
  }

  private async retrieve(remoteId: string, signal: AbortSignal): Promise<z.infer<typeof batchWire>> {
    const raw: unknown = await this.client.messages.batches.retrieve(remoteId, {}, { signal });
    return batchWire.parse(raw);
  }

  async status(remoteId: string, signal: AbortSignal): Promise<BatchStatus> {
    const batch = await this.retrieve(remoteId, signal);
    const c = batch.request_counts;
    const failed = (c?.errored ?? 0) + (c?.canceled ?? 0) + (c?.expired ?? 0);
    const succeeded = c?.succeeded ?? 0;
    return {
      state: batch.processing_status === 'ended' ? 'ended' : batch.processing_status === 'canceling' ? 'cancelling' : 'in_progress',
      total: (c?.processing ?? 0) + succeeded + failed,
      succeeded,
      failed,
      resultsReady: batch.processing_status === 'ended',
    };
  }

  async *results(remoteId: string, signal: AbortSignal, onBadLine: (why: string) => void): AsyncIterable<BatchResult> {
    const batch = await this.retrieve(remoteId, signal);
    if (!batch.results_url) return;
    const url = this.sameOrigin(batch.results_url);
    // No whole-body limit: the file holds every answer; each line is bounded as it is read.
    const init: ResultsDownloadInit = {
      [RESULTS_DOWNLOAD]: true,
      signal,
      headers: { 'anthropic-version': '2023-06-01', ...(this.apiKey !== undefined ? { 'x-api-key': this.apiKey } : {}) },
    };
    const response = await this.fetch(url, init);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new AppError('provider_error', `${this.context.baseUrl} refused to give the batch's results (${response.status}).`, { retryable: response.status >= 500 || response.status === 429 });
    }
    for await (const raw of jsonLines(response.body, onBadLine)) {
      const result = readSafely(() => this.read(raw));
      if (typeof result === 'string') onBadLine(result);
      else yield result;
    }
  }

  /** The results URL, if it is on the base URL's origin (the key goes with the request). */
  private sameOrigin(resultsUrl: string): string {
    let url: URL;
    try {
      url = new URL(resultsUrl, this.context.baseUrl);
    } catch {
      throw new AppError('provider_error', `${this.context.baseUrl} gave a results address that is not a URL.`);
    }
    if (url.origin !== new URL(this.context.baseUrl).origin) {
      throw new AppError('provider_error', `${this.context.baseUrl} gave a results address on another host (${url.host.slice(0, 200)}); Parallax sends the key only to its own host, so the results were not read.`);
    }
    return url.href;
  }

  private read(raw: unknown): BatchResult | string {
    const line = lineWire.safeParse(raw);
    if (!line.success) return 'a line is not a batch result';
    const customId = customIdOf(line.data.custom_id);
    if (customId === undefined) return 'a line names no custom_id';
    const { result } = line.data;
    const r = (text: string): string => vendorText(text, this.context.redact);
    switch (result.type) {
      case 'expired':
        return { customId, ok: false, error: batchError('expired') };
      case 'canceled':
        return { customId, ok: false, error: batchError('cancelled') };
      case 'errored': {
        const inner = result.error?.error;
        return { customId, ok: false, error: { code: 'provider_error', message: r(`The provider refused the request (${inner?.type ?? 'error'}). ${inner?.message ?? ''}`) } };
      }
      case 'succeeded':
        break;
      default:
        return { customId, ok: false, error: batchError('missing', r(`Its result is of a kind Parallax does not know (${result.type}).`)) };
    }
    const message = result.message;
    if (!message) return { customId, ok: false, error: batchError('missing') };
    let output = '';
    let reasoning = '';
    const calls: ToolCall[] = [];
    for (const block of message.content) {
      if (block.type === 'text' && block.text != null) output += block.text;
      else if (block.type === 'thinking' && block.thinking != null) reasoning += block.thinking;
      else if (block.type === 'redacted_thinking') reasoning += `${REDACTED_THINKING_NOTE}\n`;
      else if (block.type === 'tool_use' && calls.length < 128) {
        calls.push({ id: r(block.id ?? ''), name: r(block.name ?? ''), arguments: this.context.redact(JSON.stringify(block.input ?? {})).slice(0, 1_000_000) });
      }
    }
    return {
      customId,
      ok: true,
      output: this.context.redact(output),
      ...(reasoning !== '' ? { reasoning: this.context.redact(reasoning) } : {}),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
      usage: normaliseUsage(message.usage ?? {}),
      finishReason: message.stop_reason != null ? r(message.stop_reason) : undefined,
    };
  }

  async cancel(remoteId: string, signal: AbortSignal): Promise<void> {
    await this.client.messages.batches.cancel(remoteId, {}, { signal });
  }
}
