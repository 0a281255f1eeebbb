/**
 * Grader calls under the grader's own personal-data policy. A judge's prompt (llm-rubric,
 * factuality, select-best, llm-pairwise…) carries the row's values, the expected answer and the
 * answer with its values restored, and `similar`/`moderation` send the answer itself, so they go
 * through the same guard as a cell's request: masked, or not sent at all under `block` (the
 * check then fails), with the judge's answer and reasoning restored before anyone reads them.
 * Wrapping the registry keeps this in one place for every caller (runner, re-grade, raters).
 */
import { StreamUnmasker, unmask, type PiiMapping } from '../../shared/pii/mask';
import type { ProviderRegistry, ResolvedProvider } from '../providers/registry';
import type { ChatProvider, ChatRequest, StreamPart } from '../providers/types';
import type { PiiGuard } from './guard';

type Resolver = Pick<ProviderRegistry, 'resolve'>;

/** The registry as graders must use it: each provider it resolves sends only what its policy lets go. */
export function guardGraders(registry: Resolver, guard: PiiGuard | undefined): Resolver {
  if (!guard) return registry;
  return { resolve: async (id, recorded) => guardedGrader(await registry.resolve(id, recorded), guard) };
}

export function guardedGrader(resolved: ResolvedProvider, guard: PiiGuard): ResolvedProvider {
  const inner = resolved.provider;
  const masked = async (text: string): Promise<string> => (await guard.forGrader(resolved, [{ role: 'user', content: text }])).messages[0]?.content ?? '';
  const { embed, moderate, secrets } = inner;
  const provider: ChatProvider = {
    stream: (request) => guardedStream(inner, request, () => guard.forGrader(resolved, request.messages)),
    listModels: (signal) => inner.listModels(signal),
    ...(secrets ? { secrets: () => secrets.call(inner) } : {}),
    ...(inner.totalTimeoutMs !== undefined ? { totalTimeoutMs: inner.totalTimeoutMs } : {}),
    ...(embed ? { embed: async (text: string, model: string, signal: AbortSignal) => embed.call(inner, await masked(text), model, signal) } : {}),
    ...(moderate ? { moderate: async (text: string, model: string, signal: AbortSignal) => moderate.call(inner, await masked(text), model, signal) } : {}),
  };
  return { ...resolved, provider };
}

async function* guardedStream(inner: ChatProvider, request: ChatRequest, prepare: () => Promise<{ messages: ChatRequest['messages']; mapping: PiiMapping }>): AsyncGenerator<StreamPart> {
  // Throws before anything is sent when the policy stops the request.
  const { messages, mapping } = await prepare();
  const answer = new StreamUnmasker(mapping);
  for await (const part of inner.stream({ ...request, messages })) {
    if (part.type === 'delta') {
      const text = answer.push(part.text);
      if (text !== '') yield { type: 'delta', text };
    } else if (part.type === 'reasoning') {
      yield { type: 'reasoning', text: unmask(part.text, mapping) };
    } else if (part.type === 'tool_call') {
      yield { type: 'tool_call', call: { ...part.call, arguments: unmask(part.call.arguments, mapping) } };
    } else {
      const rest = answer.end();
      if (rest !== '') yield { type: 'delta', text: rest };
      yield part;
    }
  }
  const rest = answer.end();
  if (rest !== '') yield { type: 'delta', text: rest };
}
