/**
 * A provider whose vendor SDK is imported the first time it is used. The Anthropic and Gemini
 * SDKs cost about 0.7 s and 50 MB to import; an eval or a window that only talks to OpenAI-style
 * servers (most of them) never pays for them.
 */
import { resolveTimeouts, type ProviderTimeouts } from '../../shared/timeouts';
import type { BatchApi } from './batch';
import type { ImageLoader } from './content';
import { notBatchable } from './batch';
import type { ChatProvider, ChatRequest, StreamPart } from './types';

export interface LazyOptions {
  apiKey: string | undefined;
  /** The vendor has a batch engine Parallax uses (Anthropic): otherwise `batchApi` is absent, and asking never loads the SDK. */
  batch?: boolean;
  otherSecrets?: readonly string[];
  timeouts?: ProviderTimeouts;
}

export class LazyProvider implements ChatProvider {
  private loading: Promise<ChatProvider> | undefined;
  readonly batchApi?: (loadImage?: ImageLoader) => Promise<BatchApi>;

  constructor(
    private readonly load: () => Promise<ChatProvider>,
    private readonly options: LazyOptions,
  ) {
    if (options.batch === true) this.batchApi = (loadImage) => this.loadBatchApi(loadImage);
  }

  private provider(): Promise<ChatProvider> {
    this.loading ??= this.load();
    return this.loading;
  }

  /** The same as the vendor's provider reports (its timeouts resolve the same options). */
  get totalTimeoutMs(): number {
    return resolveTimeouts(undefined, this.options.timeouts).total;
  }

  secrets(): readonly string[] {
    return [...(this.options.apiKey !== undefined ? [this.options.apiKey] : []), ...(this.options.otherSecrets ?? [])];
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    yield* (await this.provider()).stream(request);
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    return (await this.provider()).listModels(signal);
  }

  private async loadBatchApi(loadImage?: ImageLoader): Promise<BatchApi> {
    const provider = await this.provider();
    if (!provider.batchApi) throw notBatchable('This provider');
    return provider.batchApi(loadImage);
  }
}
