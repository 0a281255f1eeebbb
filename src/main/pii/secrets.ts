/**
 * API keys and tokens in a text, found by secretlint's recommended rules (AWS, GCP, GitHub,
 * GitLab, Slack, npm, OpenAI, Anthropic, private keys, basic-auth URLs, ...). In main because
 * the preset needs Node.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { PiiSpan } from '../../shared/pii/kinds';

const CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };

/** The secrets in `text`, in order (secretlint reports each as a range of the text). */
export async function findSecrets(text: string): Promise<PiiSpan[]> {
  if (text.length === 0) return [];
  const result = await lintSource({ source: { filePath: 'prompt.txt', content: text, contentType: 'text' }, options: { config: CONFIG } });
  const spans: PiiSpan[] = [];
  for (const message of result.messages) {
    const [start, end] = message.range;
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= text.length)) continue;
    spans.push({ kind: 'secret', start, end, text: text.slice(start, end) });
  }
  return spans.sort((a, b) => a.start - b.start);
}
