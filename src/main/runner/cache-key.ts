/**
 * The response cache's key: a SHA-256 of everything that decides the answer — where the
 * request goes, the model, the exact messages and every parameter — in a canonical JSON form,
 * so `{a, b}` and `{b, a}` are the same request and nothing else is.
 */
import { createHash } from 'node:crypto';
import type { Message, Params } from '../../shared/schemas';

export interface CacheKeyInput {
  /** Where the request goes: the provider's base URL (the echo provider's id for echo). */
  endpoint: string;
  model: string;
  messages: readonly Message[];
  params: Params;
  /** The request asked for the answer's token log-probabilities (ChatRequest.logprobs). */
  logprobs?: boolean;
}

/** JSON with object keys sorted at every depth, and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function cacheKey(input: CacheKeyInput): string {
  const canonical = canonicalJson({
    v: 1,
    endpoint: input.endpoint.replace(/\/+$/, ''),
    model: input.model,
    // Fields a plain message lacks are left out, so its key is what it always was.
    messages: input.messages.map((m) => ({
      role: m.role,
      content: m.content,
      name: m.name,
      // An image's text is only its label: the key takes the image itself (a data URI by its hash).
      parts: m.parts?.map((p) => (p.type === 'text' ? p : { type: 'image', image: p.image.startsWith('data:') ? `sha256:${createHash('sha256').update(p.image).digest('hex')}` : p.image })),
      toolCalls: m.toolCalls,
      toolCallId: m.toolCallId,
      cache: m.cache,
    })),
    params: input.params,
    // Asked with log-probabilities (a perplexity check): an answer cached without them would not do.
    ...(input.logprobs === true ? { logprobs: true } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}
