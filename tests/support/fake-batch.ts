/**
 * A fake of the vendors' batch engines for the tests, on 127.0.0.1 (port 0): OpenAI's Files and
 * Batch endpoints (base URL `${url}/v1`) and Anthropic's Message Batches (base URL `url`), as
 * their references document them.
 *
 * OpenAI: POST /v1/files (multipart, purpose=batch), POST /v1/batches {input_file_id, endpoint,
 * completion_window}, GET /v1/batches/{id} (validating → in_progress → finalizing → completed,
 * or failed, expired, cancelling → cancelled; request_counts; output_file_id and error_file_id),
 * GET /v1/files/{id}/content (JSONL of {id, custom_id, response: {status_code, body}, error}),
 * POST /v1/batches/{id}/cancel.
 * Anthropic: POST /v1/messages/batches {requests: [{custom_id, params}]}, GET
 * /v1/messages/batches/{id} (processing_status in_progress | canceling | ended, request_counts,
 * results_url), GET its results_url (JSONL of {custom_id, result: {type, message | error}}),
 * POST /v1/messages/batches/{id}/cancel.
 *
 * Time is the test's: a batch moves only when `step()` is called (or, with `autoStep`, once per
 * status request), and each step moves the clock `stepMs`. While in progress a batch answers
 * `perStep` requests a step; once the clock passes its 24-hour window, what is left expires.
 * `answer` scripts each request (an answer, an error, or a request the engine never gets to).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Vendor = 'openai' | 'anthropic';

/** What one request of a batch comes to. */
export type ItemOutcome =
  | { kind: 'ok'; text: string; inputTokens?: number; outputTokens?: number }
  | { kind: 'error'; status: number; message: string }
  /** Never answered: it expires with the batch's window. */
  | { kind: 'stall' };

export interface FakeBatchOptions {
  /** Requests answered per step while in progress (all of them by default). */
  perStep?: number;
  /** Clock time a step takes (60 s by default). */
  stepMs?: number;
  /** Every status request takes a step first (for runs the test cannot step: the CLI, the app). */
  autoStep?: boolean;
  /** The whole batch fails validation (OpenAI: failed; Anthropic: refused at create with 400). */
  failValidation?: boolean;
  /** Answers each request; by default the last user message's text, echoed. */
  answer?: (customId: string, body: Record<string, unknown>, vendor: Vendor) => ItemOutcome;
  /** Replaces the result file's text (hostile files). */
  rewriteResults?: (jsonl: string, vendor: Vendor) => string;
  /**
   * After an OpenAI batch is created: `lost` answers 503 all the same (the answer lost on the
   * way), a promise holds the answer until it settles (a quit mid-send).
   */
  afterCreate?: (batchId: string) => 'lost' | Promise<void> | undefined;
  /** The server is out for this request (503), as a network or vendor outage looks. */
  unavailable?: (request: { method: string; path: string }) => boolean;
}

interface Item {
  customId: string;
  body: Record<string, unknown>;
  result?: { outcome: ItemOutcome } | { cancelled: true } | { expired: true };
}

interface Batch {
  id: string;
  vendor: Vendor;
  status: 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';
  createdAt: number;
  items: Item[];
  inputFileId?: string;
  outputFileId?: string;
  errorFileId?: string;
  endedAt?: number;
  metadata?: Record<string, unknown> | null;
}

export interface RecordedBatchRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

const DAY_MS = 24 * 3600 * 1000;

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Record<string, unknown>[]) : [];
  const last = [...messages].reverse().find((m) => m['role'] === 'user');
  const content = last?.['content'];
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: Record<string, unknown>) => (typeof p['text'] === 'string' ? p['text'] : '')).join('');
  return '';
}

export class FakeBatchServer {
  readonly requests: RecordedBatchRequest[] = [];
  readonly batches = new Map<string, Batch>();
  private readonly files = new Map<string, string>();
  /** The fake clock (ms since the epoch). */
  now = Date.UTC(2026, 0, 1);
  private serial = 0;
  private server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(public options: FakeBatchOptions = {}) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Batches created so far (a resumed job must not add one). */
  get created(): number {
    return this.batches.size;
  }

  /** Moves the clock by `ms` (default one step) and every open batch one step. */
  step(ms = this.options.stepMs ?? 60_000): void {
    this.now += ms;
    for (const batch of this.batches.values()) this.advance(batch);
  }

  private id(prefix: string): string {
    this.serial += 1;
    return `${prefix}_${this.serial.toString().padStart(6, '0')}`;
  }

  private advance(batch: Batch): void {
    const expired = this.now - batch.createdAt > DAY_MS;
    switch (batch.status) {
      case 'validating':
        batch.status = this.options.failValidation ? 'failed' : 'in_progress';
        if (batch.status === 'failed') batch.endedAt = this.now;
        return;
      case 'in_progress': {
        if (expired) {
          for (const item of batch.items) item.result ??= { expired: true };
          return this.end(batch, 'expired');
        }
        let budget = this.options.perStep ?? Number.MAX_SAFE_INTEGER;
        for (const item of batch.items) {
          if (budget <= 0) break;
          if (item.result) continue;
          const outcome = this.outcomeOf(item, batch.vendor);
          if (outcome.kind === 'stall') continue;
          item.result = { outcome };
          budget--;
        }
        if (batch.items.every((item) => item.result)) batch.status = 'finalizing';
        return;
      }
      case 'finalizing':
        return this.end(batch, 'completed');
      case 'cancelling':
        for (const item of batch.items) item.result ??= { cancelled: true };
        return this.end(batch, 'cancelled');
      default:
        return;
    }
  }

  private outcomeOf(item: Item, vendor: Vendor): ItemOutcome {
    return this.options.answer?.(item.customId, item.body, vendor) ?? { kind: 'ok', text: `batch: ${lastUserText(item.body)}` };
  }

  private end(batch: Batch, status: Batch['status']): void {
    batch.status = status;
    batch.endedAt = this.now;
    if (batch.vendor === 'openai') {
      const ok = batch.items.filter((i) => i.result && 'outcome' in i.result && i.result.outcome.kind === 'ok');
      const bad = batch.items.filter((i) => !ok.includes(i));
      if (ok.length > 0) {
        batch.outputFileId = this.id('file');
        this.files.set(batch.outputFileId, this.rewrite(ok.map((i) => JSON.stringify(this.openaiLine(i))).join('\n') + '\n', 'openai'));
      }
      if (bad.length > 0) {
        batch.errorFileId = this.id('file');
        this.files.set(batch.errorFileId, this.rewrite(bad.map((i) => JSON.stringify(this.openaiLine(i))).join('\n') + '\n', 'openai'));
      }
    } else {
      this.files.set(`results_${batch.id}`, this.rewrite(batch.items.map((i) => JSON.stringify(this.anthropicLine(i))).join('\n') + '\n', 'anthropic'));
    }
  }

  private rewrite(jsonl: string, vendor: Vendor): string {
    return this.options.rewriteResults ? this.options.rewriteResults(jsonl, vendor) : jsonl;
  }

  private openaiLine(item: Item): unknown {
    const line = { id: this.id('batch_req'), custom_id: item.customId };
    const result = item.result;
    if (!result || 'expired' in result) return { ...line, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } };
    if ('cancelled' in result) return { ...line, response: null, error: { code: 'batch_cancelled', message: 'This request was cancelled.' } };
    const outcome = result.outcome;
    if (outcome.kind === 'error') {
      return { ...line, response: { status_code: outcome.status, request_id: 'req', body: { error: { message: outcome.message, type: 'invalid_request_error' } } }, error: null };
    }
    const text = outcome.kind === 'ok' ? outcome.text : '';
    const usage = { prompt_tokens: outcome.kind === 'ok' ? (outcome.inputTokens ?? 10) : 0, completion_tokens: outcome.kind === 'ok' ? (outcome.outputTokens ?? 5) : 0 };
    return {
      ...line,
      response: {
        status_code: 200,
        request_id: 'req',
        body: {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          model: String(item.body['model'] ?? ''),
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text },
              finish_reason: 'stop',
              // As Chat Completions sends them when asked: one per token (a word here), -0.25 each.
              ...(item.body['logprobs'] === true ? { logprobs: { content: text.split(' ').map((token) => ({ token, logprob: -0.25, bytes: null, top_logprobs: [] })) } } : {}),
            },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        },
      },
      error: null,
    };
  }

  private anthropicLine(item: Item): unknown {
    const result = item.result;
    if (!result || 'expired' in result) return { custom_id: item.customId, result: { type: 'expired' } };
    if ('cancelled' in result) return { custom_id: item.customId, result: { type: 'canceled' } };
    const outcome = result.outcome;
    if (outcome.kind !== 'ok') {
      return { custom_id: item.customId, result: { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: outcome.kind === 'error' ? outcome.message : '' } } } };
    }
    return {
      custom_id: item.customId,
      result: {
        type: 'succeeded',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: String(item.body['model'] ?? ''),
          content: [{ type: 'text', text: outcome.text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: outcome.inputTokens ?? 10, output_tokens: outcome.outputTokens ?? 5 },
        },
      },
    };
  }

  private iso(ms: number | undefined): string | null {
    return ms === undefined ? null : new Date(ms).toISOString();
  }

  private openaiView(batch: Batch): unknown {
    const done = batch.items.filter((i) => i.result && 'outcome' in i.result);
    const failed = done.filter((i) => i.result && 'outcome' in i.result && i.result.outcome.kind !== 'ok').length;
    const sec = (ms: number | undefined): number | null => (ms === undefined ? null : Math.floor(ms / 1000));
    return {
      id: batch.id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      errors: batch.status === 'failed' ? { object: 'list', data: [{ code: 'invalid_request', message: 'The input file is not valid.', line: 1, param: null }] } : null,
      input_file_id: batch.inputFileId,
      completion_window: '24h',
      status: batch.status,
      output_file_id: batch.outputFileId ?? null,
      error_file_id: batch.errorFileId ?? null,
      created_at: sec(batch.createdAt),
      expires_at: sec(batch.createdAt + DAY_MS),
      completed_at: batch.status === 'completed' ? sec(batch.endedAt) : null,
      request_counts: { total: batch.items.length, completed: done.length - failed, failed: batch.status === 'completed' || batch.status === 'expired' || batch.status === 'cancelled' ? batch.items.length - (done.length - failed) : failed },
      metadata: batch.metadata ?? null,
    };
  }

  private anthropicView(batch: Batch): unknown {
    const ended = batch.endedAt !== undefined;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const item of batch.items) {
      const r = item.result;
      if (!r) counts.processing++;
      else if ('expired' in r) counts.expired++;
      else if ('cancelled' in r) counts.canceled++;
      else if (r.outcome.kind === 'ok') counts.succeeded++;
      else counts.errored++;
    }
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : batch.status === 'cancelling' ? 'canceling' : 'in_progress',
      request_counts: counts,
      ended_at: this.iso(batch.endedAt),
      created_at: this.iso(batch.createdAt),
      expires_at: this.iso(batch.createdAt + DAY_MS),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `${this.url}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers });
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const notFound = (): void => send(404, { error: { message: `No such thing: ${path}`, type: 'not_found_error' } });
    if (this.options.unavailable?.({ method: req.method ?? '', path })) return send(503, { error: { message: 'Service unavailable', type: 'overloaded_error' } });
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/v1/files') {
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: raw }).formData();
      const file = form.get('file');
      if (form.get('purpose') !== 'batch' || !(file instanceof Blob)) return send(400, { error: { message: 'purpose must be batch, with a file', type: 'invalid_request_error' } });
      const id = this.id('file');
      this.files.set(id, await file.text());
      return send(200, { id, object: 'file', bytes: file.size, created_at: Math.floor(this.now / 1000), filename: 'batch.jsonl', purpose: 'batch', status: 'processed' });
    }
    if (req.method === 'POST' && path === '/v1/batches') {
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const input = this.files.get(String(body['input_file_id']));
      if (input === undefined || body['endpoint'] !== '/v1/chat/completions' || body['completion_window'] !== '24h') {
        return send(400, { error: { message: 'Bad batch: input_file_id, endpoint and completion_window are required', type: 'invalid_request_error' } });
      }
      const items = input
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { custom_id: string; method: string; url: string; body: Record<string, unknown> })
        .map((line) => ({ customId: line.custom_id, body: line.body }));
      const metadata = typeof body['metadata'] === 'object' && body['metadata'] !== null ? (body['metadata'] as Record<string, unknown>) : null;
      const batch: Batch = { id: this.id('batch'), vendor: 'openai', status: 'validating', createdAt: this.now, items, inputFileId: String(body['input_file_id']), metadata };
      this.batches.set(batch.id, batch);
      const after = this.options.afterCreate?.(batch.id);
      if (after === 'lost') return send(503, { error: { message: 'Service unavailable', type: 'server_error' } });
      if (after) await after;
      return send(200, this.openaiView(batch));
    }
    if (req.method === 'GET' && path === '/v1/batches') {
      const data = [...this.batches.values()].filter((b) => b.vendor === 'openai').reverse().map((b) => this.openaiView(b));
      return send(200, { object: 'list', data, first_id: null, last_id: null, has_more: false });
    }
    if ((m = /^\/v1\/batches\/([\w-]+)(\/cancel)?$/.exec(path))) {
      const batch = this.batches.get(m[1] ?? '');
      if (!batch || batch.vendor !== 'openai') return notFound();
      if (m[2] && req.method === 'POST') {
        if (batch.endedAt === undefined) batch.status = 'cancelling';
        return send(200, this.openaiView(batch));
      }
      if (this.options.autoStep) this.step();
      return send(200, this.openaiView(batch));
    }
    if (req.method === 'GET' && (m = /^\/v1\/files\/([\w-]+)\/content$/.exec(path))) {
      const text = this.files.get(m[1] ?? '');
      return text === undefined ? notFound() : send(200, text, 'application/jsonl');
    }
    if (req.method === 'POST' && path === '/v1/messages/batches') {
      if (this.options.failValidation) return send(400, { type: 'error', error: { type: 'invalid_request_error', message: 'requests: invalid' } });
      const body = JSON.parse(raw.toString('utf8')) as { requests?: { custom_id: string; params: Record<string, unknown> }[] };
      const batch: Batch = { id: this.id('msgbatch'), vendor: 'anthropic', status: 'in_progress', createdAt: this.now, items: (body.requests ?? []).map((r) => ({ customId: r.custom_id, body: r.params })) };
      this.batches.set(batch.id, batch);
      return send(200, this.anthropicView(batch));
    }
    if ((m = /^\/v1\/messages\/batches\/([\w-]+)(\/cancel|\/results)?$/.exec(path))) {
      const batch = this.batches.get(m[1] ?? '');
      if (!batch || batch.vendor !== 'anthropic') return notFound();
      if (m[2] === '/cancel' && req.method === 'POST') {
        if (batch.endedAt === undefined) batch.status = 'cancelling';
        return send(200, this.anthropicView(batch));
      }
      if (m[2] === '/results') {
        const text = this.files.get(`results_${batch.id}`);
        return text === undefined ? notFound() : send(200, text, 'application/binary');
      }
      if (this.options.autoStep) this.step();
      return send(200, this.anthropicView(batch));
    }
    notFound();
  }
}
