import type { Usage } from '../../../../shared/schemas';
import { formatTokens } from '../columns/format';

/** The prompt-cache part of the input: "cached 1,200 read · 300 written" (parts of the input tokens). */
export function cacheWords(usage: Usage): string | undefined {
  const read = usage.cacheReadTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  if (read === 0 && written === 0) return undefined;
  const parts = [read > 0 ? `${formatTokens(read)} read` : '', written > 0 ? `${formatTokens(written)} written` : ''].filter((p) => p !== '');
  return `cached ${parts.join(' · ')}`;
}

/** A cell's tokens in words: "2,000 → 900 tok · cached 1,200 read · 300 written · thinking 800". */
export function tokenWords(usage: Usage): string[] {
  const parts: string[] = [];
  if (usage.inputTokens !== undefined || usage.outputTokens !== undefined) parts.push(`${formatTokens(usage.inputTokens)} → ${formatTokens(usage.outputTokens)} tok`);
  const cache = cacheWords(usage);
  if (cache) parts.push(cache);
  if (usage.reasoningTokens !== undefined && usage.reasoningTokens > 0) parts.push(`thinking ${formatTokens(usage.reasoningTokens)}`);
  return parts;
}
