import type { Message, Params, Usage } from '../../shared/schemas';
import type { ToolCall } from '../../shared/tools';
import type { BatchApi } from './batch';
import type { ImageLoader } from './content';

export interface ChatRequest {
  model: string;
  messages: Message[];
  params: Params;
  signal: AbortSignal;
  /** performance.now() by which the cell must be over, retries included (its total timeout). */
  deadline?: number;
  /**
   * Characters of the answer the caller keeps (runner/answer-cap.ts): once that many have been
   * passed on, masked, the rest is passed on only to be counted and thrown away, so it is not
   * masked (masking costs about 250 ns a character, 12 s for a 50 MB answer).
   */
  keepChars?: number;
  /** Reads a stored image a message part names (src/main/images.ts); without it stored images cannot be sent. */
  loadImage?: ImageLoader;
  /**
   * A check of the cell needs the answer's token log-probabilities (perplexity): an API that can
   * send them is asked to (`logprobs: true` on Chat Completions), unless the column's own fields say otherwise.
   */
  logprobs?: boolean;
}

/** The answer's token log-probabilities as their sum and count: all perplexity needs. */
export interface LogprobTotals {
  sum: number;
  count: number;
}

export type StreamPart =
  | { type: 'delta'; text: string }
  /** Thinking (Anthropic, Gemini) or a reasoning summary (OpenAI's Responses API), apart from the answer. */
  | { type: 'reasoning'; text: string }
  /** A whole tool call, once its arguments are complete. */
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'done'; usage: Usage; finishReason: string | undefined; logprobs?: LogprobTotals };

/** Something that answers chat requests: the offline echo, or an OpenAI-compatible endpoint. */
export interface ChatProvider {
  stream(request: ChatRequest): AsyncIterable<StreamPart>;
  listModels(signal?: AbortSignal): Promise<string[]>;
  /** The keys it sends (a remote endpoint), so they can be masked wherever its text lands. */
  secrets?(): readonly string[];
  /** How long a cell may take with it, retries included (a remote endpoint's total timeout). */
  readonly totalTimeoutMs?: number;
  /** The vector an OpenAI-compatible /embeddings endpoint gives a text (similar, answer-relevance). */
  embed?(text: string, model: string, signal: AbortSignal): Promise<number[]>;
  /** An OpenAI-compatible /moderations answer for a text, as the server sent it (read by shared/assertions/model-graded.ts). */
  moderate?(text: string, model: string, signal: AbortSignal): Promise<unknown>;
  /** The vendor's batch engine for the same requests (providers/batch.ts); absent where there is none. */
  batchApi?(loadImage?: ImageLoader): Promise<BatchApi>;
}
