/**
 * What a grader was asked, read from the fake server's requests the same way for promptfoo's
 * run (recorded into a fixture's grader-requests.json) and Parallax's: the judge's messages,
 * each text sent for embeddings and each text sent for moderation, sorted (promptfoo groups
 * its grader calls by provider, so the order is not the same).
 */
export interface GraderRequest {
  kind: 'judge' | 'embedding' | 'moderation';
  model: string;
  /** The judge's messages as [role, content] pairs, or the text embedded or moderated. */
  sent: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A moderation or embeddings input as one text (omni moderation models get {type: text} parts). */
function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) return input.map((part) => (typeof part === 'string' ? part : isRecord(part) && typeof part.text === 'string' ? part.text : '')).join(' ');
  return '';
}

export function graderRequests(requests: readonly { path: string; body: unknown }[], judgeModel: string): GraderRequest[] {
  const out: GraderRequest[] = [];
  for (const { path, body } of requests) {
    if (!isRecord(body) || typeof body.model !== 'string') continue;
    if (path === '/v1/chat/completions' && body.model === judgeModel && Array.isArray(body.messages)) {
      const messages = body.messages.map((m) => (isRecord(m) ? [String(m.role), typeof m.content === 'string' ? m.content : JSON.stringify(m.content)] : []));
      out.push({ kind: 'judge', model: body.model, sent: JSON.stringify(messages) });
    } else if (path === '/v1/embeddings') out.push({ kind: 'embedding', model: body.model, sent: inputText(body.input) });
    else if (path === '/v1/moderations') out.push({ kind: 'moderation', model: body.model, sent: inputText(body.input) });
  }
  const key = (r: GraderRequest) => `${r.kind}\u0000${r.model}\u0000${r.sent}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
