/**
 * What a provider's stream gave, gathered: answer text, reasoning, tool calls, the `done` part,
 * and the AppError it ended with (any other error is a bug, and is thrown).
 */
import { AppError } from '../../src/shared/errors';
import type { Usage } from '../../src/shared/schemas';
import type { ToolCall } from '../../src/shared/tools';
import type { StreamPart } from '../../src/main/providers/types';

export interface Collected {
  text: string;
  reasoning: string;
  calls: ToolCall[];
  done?: { usage: Usage; finishReason: string | undefined };
  error?: AppError;
}

export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<Collected> {
  const out: Collected = { text: '', reasoning: '', calls: [] };
  try {
    for await (const part of stream) {
      if (part.type === 'delta') out.text += part.text;
      else if (part.type === 'reasoning') out.reasoning += part.text;
      else if (part.type === 'tool_call') out.calls.push(part.call);
      else out.done = { usage: part.usage, finishReason: part.finishReason };
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    out.error = error;
  }
  return out;
}
