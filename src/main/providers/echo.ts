/**
 * The built-in offline provider: it answers with the rendered prompt, so a newcomer can use
 * every feature without a key and a prompt engineer sees exactly what would be sent.
 */
import type { Message } from '../../shared/schemas';
import { AppError } from '../../shared/errors';
import type { ChatProvider, ChatRequest, StreamPart } from './types';
import { messageTokens, tokenCount, truncateToTokens } from './tokens';

import { ECHO_MODEL } from '../../shared/providers';
export { ECHO_MODEL, ECHO_PROVIDER_ID } from '../../shared/providers';

export function echoText(messages: readonly Message[]): string {
  if (messages.length === 1 && messages[0]) return messages[0].content;
  return messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

export interface EchoOptions {
  /** Pause between chunks, so the answer visibly streams in the app. 0 in the CLI. */
  chunkDelayMs: number;
  chunkSize: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AppError('cancelled', 'Stopped.'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AppError('cancelled', 'Stopped.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class EchoProvider implements ChatProvider {
  constructor(private readonly options: EchoOptions = { chunkDelayMs: 0, chunkSize: 64 }) {}

  async *stream(request: ChatRequest): AsyncIterable<StreamPart> {
    const text = echoText(request.messages);
    const limit = request.params.maxTokens;
    let output = text;
    let finishReason = 'stop';
    if (limit !== undefined && tokenCount(text) > limit) {
      // Honour max tokens the way a model would: cut and say why.
      output = truncateToTokens(text, limit);
      finishReason = 'length';
    }
    for (let i = 0; i < output.length; i += this.options.chunkSize) {
      if (this.options.chunkDelayMs > 0) await sleep(this.options.chunkDelayMs, request.signal);
      else if (request.signal.aborted) throw new AppError('cancelled', 'Stopped.');
      yield { type: 'delta', text: output.slice(i, i + this.options.chunkSize) };
    }
    yield {
      type: 'done',
      usage: { inputTokens: messageTokens(request.messages), outputTokens: tokenCount(output) },
      finishReason,
    };
  }

  listModels(): Promise<string[]> {
    return Promise.resolve([ECHO_MODEL]);
  }
}
