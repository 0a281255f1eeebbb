/**
 * OpenAI's Batch API for Chat Completions through the SDK client the live provider uses (its
 * key, base URL, bounded fetch that follows no redirect): the requests go up as a JSONL file
 * (`files.create`, purpose batch), the job is `batches.create`, and the answers come back in its
 * output and error files (`files.content`), read a line at a time.
 */
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { z } from 'zod';
import { MAX_TOKENS, RESULTS_DOWNLOAD, parseChunkBySchema, type ResultsDownloadInit } from './wire';
import { chatMessages, requestParams } from './openai';
import { batchError, customIdOf, jsonLines, readSafely, vendorText, type BatchApi, type BatchContext, type BatchItem, type BatchResult, type BatchState, type BatchStatus } from './batch';
import type { ToolCall } from '../../shared/tools';

const count = z.number().int().nonnegative().max(MAX_TOKENS).nullish();
const batchWire = z.looseObject({
  id: z.string().max(200),
  status: z.enum(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']),
  output_file_id: z.string().max(200).nullish(),
  error_file_id: z.string().max(200).nullish(),
  request_counts: z.looseObject({ total: count, completed: count, failed: count }).nullish(),
  errors: z.looseObject({ data: z.array(z.looseObject({ message: z.string().nullish(), code: z.string().nullish() })).max(1000).nullish() }).nullish(),
});

const lineWire = z.looseObject({
  custom_id: z.unknown(),
  response: z.looseObject({ status_code: z.number().int(), body: z.unknown() }).nullish(),
  error: z.looseObject({ code: z.string().max(200).nullish(), message: z.string().nullish() }).nullish(),
});

/** A whole answer's tokens' log-probabilities (asked for a perplexity check); one per token, as many as MAX_TOKENS. */
const logprobsWire = z.looseObject({ content: z.array(z.looseObject({ logprob: z.number() })).max(MAX_TOKENS).nullish() });

const completionWire = z.looseObject({
  choices: z.array(z.looseObject({ message: z.looseObject({}).nullish(), finish_reason: z.string().max(64).nullish(), logprobs: logprobsWire.nullish() })).max(128),
  usage: z.unknown(),
});

type FetchOptions = NonNullable<NonNullable<Parameters<OpenAI['files']['content']>[1]>['fetchOptions']>;
/** The bounded fetch (wire.ts) reads a result file with no whole-body limit. */
const RESULTS_FETCH_OPTIONS = { [RESULTS_DOWNLOAD]: true } satisfies ResultsDownloadInit as FetchOptions;

/** The metadata key a batch carries Parallax's id for its job under (found again after a quit mid-send). */
const PARALLAX_JOB_KEY = 'parallax_job';
const FIND_LIMIT = 1000;
const foundWire = z.looseObject({ id: z.string().max(200), metadata: z.record(z.string(), z.unknown()).nullish() });

const errorBodyWire = z.looseObject({ error: z.looseObject({ message: z.string().nullish() }).nullish() });

export class OpenAIBatch implements BatchApi {
  readonly vendor = 'openai';
  constructor(
    private readonly client: OpenAI,
    private readonly openaiHost: boolean,
    private readonly context: BatchContext,
  ) {}

  /** One line of the input file: the body the live path sends, without streaming. */
  private async line(item: BatchItem): Promise<string> {
    const body: Record<string, unknown> = {
      model: item.model,
      messages: await chatMessages(item.messages, this.context.loadImage),
      ...requestParams(item.params, this.openaiHost),
    };
    // As the live path asks (openai.ts): a column that set `logprobs` itself keeps its own word.
    if (item.logprobs === true && item.params.extra?.['logprobs'] === undefined) body['logprobs'] = true;
    return JSON.stringify({ custom_id: item.customId, method: 'POST', url: '/v1/chat/completions', body });
  }

  async submit(items: readonly BatchItem[], signal: AbortSignal, tag: string): Promise<string> {
    const lines: string[] = [];
    for (const item of items) lines.push(await this.line(item));
    const file = await this.client.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`, 'utf8'), 'parallax-batch.jsonl'), purpose: 'batch' }, { signal });
    const batch = await this.client.batches.create(
      { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { [PARALLAX_JOB_KEY]: tag } },
      { signal },
    );
    return batch.id;
  }

  /** The newest batches (up to FIND_LIMIT) are searched for the tag; a job older than those is taken as never created. */
  async find(tag: string, signal: AbortSignal): Promise<string | undefined> {
    let seen = 0;
    for await (const raw of this.client.batches.list({ limit: 100 }, { signal })) {
      const batch = foundWire.safeParse(raw);
      if (batch.success && batch.data.metadata?.[PARALLAX_JOB_KEY] === tag) return batch.data.id;
      if (++seen >= FIND_LIMIT) return undefined;
    }
    return undefined;
  }

  async status(remoteId: string, signal: AbortSignal): Promise<BatchStatus> {
    const raw: unknown = await this.client.batches.retrieve(remoteId, { signal });
    const batch = batchWire.parse(raw);
    const counts = batch.request_counts;
    const over = batch.status === 'completed' || batch.status === 'expired' || batch.status === 'cancelled' || batch.status === 'failed';
    const problem = batch.errors?.data?.map((e) => e.message ?? e.code ?? '').filter((t) => t !== '').join('; ');
    return {
      state: batch.status satisfies BatchState,
      total: counts?.total ?? 0,
      succeeded: counts?.completed ?? 0,
      failed: counts?.failed ?? 0,
      resultsReady: over,
      ...(problem ? { problem: vendorText(problem, this.context.redact) } : {}),
    };
  }

  async *results(remoteId: string, signal: AbortSignal, onBadLine: (why: string) => void): AsyncIterable<BatchResult> {
    const batch = batchWire.parse(await this.client.batches.retrieve(remoteId, { signal }));
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      // No whole-body limit: the file holds every answer; each line is bounded as it is read.
      const response = await this.client.files.content(fileId, { signal, fetchOptions: RESULTS_FETCH_OPTIONS });
      for await (const raw of jsonLines(response.body, onBadLine)) {
        const result = readSafely(() => this.read(raw));
        if (typeof result === 'string') onBadLine(result);
        else yield result;
      }
    }
  }

  /** One result line, checked; a sentence when it cannot be used. */
  private read(raw: unknown): BatchResult | string {
    const line = lineWire.safeParse(raw);
    if (!line.success) return 'a line is not a batch result';
    const customId = customIdOf(line.data.custom_id);
    if (customId === undefined) return 'a line names no custom_id';
    const { response, error } = line.data;
    const r = (text: string): string => vendorText(text, this.context.redact);
    if (error) {
      const code = error.code ?? '';
      if (code === 'batch_expired') return { customId, ok: false, error: batchError('expired') };
      if (code === 'batch_cancelled') return { customId, ok: false, error: batchError('cancelled') };
      return { customId, ok: false, error: batchError('failed', r(`${code}: ${error.message ?? ''}`)) };
    }
    if (!response) return { customId, ok: false, error: batchError('missing') };
    if (response.status_code !== 200) {
      const message = errorBodyWire.safeParse(response.body).data?.error?.message ?? '';
      return { customId, ok: false, error: { code: 'provider_error', message: r(`The provider refused the request (${response.status_code}). ${message}`) } };
    }
    const body = completionWire.safeParse(response.body);
    if (!body.success) return { customId, ok: false, error: batchError('missing', 'Its answer is not a chat completion.') };
    const choice = body.data.choices[0];
    let parsed;
    try {
      // A whole answer read as one streamed chunk: the same checks and caps as the live path.
      parsed = parseChunkBySchema({ choices: [{ delta: choice?.message ?? {}, finish_reason: choice?.finish_reason ?? null }], usage: body.data.usage ?? null }, this.context.baseUrl);
    } catch (cause) {
      return { customId, ok: false, error: batchError('missing', cause instanceof Error ? cause.message : '') };
    }
    const tokens = choice?.logprobs?.content ?? [];
    const sum = tokens.reduce((total, t) => total + t.logprob, 0);
    const calls: ToolCall[] = parsed.toolCalls.map((c, i) => ({ id: r(c.id ?? `call_${i}`), name: r(c.name ?? ''), arguments: this.context.redact(c.arguments ?? '') }));
    return {
      customId,
      ok: true,
      output: this.context.redact(parsed.text),
      ...(parsed.reasoning !== '' ? { reasoning: this.context.redact(parsed.reasoning) } : {}),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
      usage: parsed.usage ?? {},
      finishReason: parsed.finishReason !== undefined ? r(parsed.finishReason) : undefined,
      // An infinite or overflowing sum is no perplexity: left out, as live (openai-base.ts).
      ...(tokens.length > 0 && Number.isFinite(sum) ? { logprobs: { sum, count: tokens.length } } : {}),
    };
  }

  async cancel(remoteId: string, signal: AbortSignal): Promise<void> {
    await this.client.batches.cancel(remoteId, { signal });
  }
}
