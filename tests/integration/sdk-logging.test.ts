/**
 * The openai SDK logs by itself: a streamed chunk it cannot parse goes to the console whole
 * (through its logger, or straight to console.error for an event named `thread.…`), and
 * OPENAI_LOG=debug logs every request and response. None of that passes the key redactor, so
 * Parallax silences the SDK's log and refuses `thread.` events before the SDK parses them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { OpenAIProvider } from '../../src/main/providers/openai';
import { ThreadEventGuard } from '../../src/main/providers/wire';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const KEY = 'sk-logging-test-Zx9cVb8nM7qW6eRt';

let server: FakeOpenAI;
const printed: string[] = [];
let previousLog: string | undefined;

beforeAll(async () => {
  server = await startFakeOpenAI();
  previousLog = process.env['OPENAI_LOG'];
  // The loudest the SDK can be told to be: every request and response.
  process.env['OPENAI_LOG'] = 'debug';
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
});

afterEach(() => {
  server.resetStats();
});

afterAll(async () => {
  vi.restoreAllMocks();
  if (previousLog === undefined) delete process.env['OPENAI_LOG'];
  else process.env['OPENAI_LOG'] = previousLog;
  await server.close();
});

async function drain(provider: OpenAIProvider, model = 'gpt-4o-mini'): Promise<{ text: string; error?: AppError }> {
  let text = '';
  try {
    for await (const part of provider.stream({ model, messages: [{ role: 'user', content: 'hi' }], params: {}, signal: new AbortController().signal })) {
      if (part.type === 'delta') text += part.text;
    }
    return { text };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { text, error };
  }
}

describe('the SDK prints nothing of its own', () => {
  it('a chunk that is not JSON, carrying the key, fails the cell and is not printed (OPENAI_LOG=debug)', async () => {
    printed.length = 0;
    server.script({ kind: 'raw-stream', events: () => [`{"choices": [{"delta": {"content": "${KEY}"}}], not json`], done: false });
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: KEY });
    const { error } = await drain(provider);
    expect(error?.message).toMatch(/not valid JSON/);
    expect(printed.join('\n')).not.toContain(KEY);
    expect(printed.join('\n')).not.toContain('not json');
    expect(printed).toEqual([]);
  });

  it('a normal answer under OPENAI_LOG=debug logs no request, response or header', async () => {
    printed.length = 0;
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: KEY });
    const { text, error } = await drain(provider);
    expect(error).toBeUndefined();
    expect(text.length).toBeGreaterThan(0);
    expect(printed).toEqual([]);
  });

  it('an event named thread.… with a body that is not JSON is refused before the SDK prints it', async () => {
    printed.length = 0;
    server.script({
      kind: 'raw-response',
      status: 200,
      contentType: 'text/event-stream',
      body: () => `data: {"choices":[{"delta":{"content":"ok "}}]}\n\nevent: thread.message.delta\ndata: {"leak": "${KEY}" this is not json\n\n`,
    });
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: KEY });
    const { error } = await drain(provider);
    expect(error?.message).toMatch(/event: thread/);
    expect(printed.join('\n')).not.toContain(KEY);
    expect(printed).toEqual([]);
  });
});

describe('ThreadEventGuard', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
  it('finds a thread event split across chunks, with or without the space', () => {
    const guard = new ThreadEventGuard();
    expect(guard.add(bytes('data: {}\n\nev'))).toBe(false);
    expect(guard.add(bytes('ent: thr'))).toBe(false);
    expect(guard.add(bytes('ead.run\n'))).toBe(true);
    expect(new ThreadEventGuard().add(bytes('event:thread.x\n'))).toBe(true);
  });
  it('lets other events, comments and data mentioning thread. through', () => {
    const guard = new ThreadEventGuard();
    expect(guard.add(bytes('event: error\ndata: {"x":"event: thread.run"}\n\n: keep-alive\nevent: threads\n'))).toBe(false);
    expect(guard.add(bytes('data: event: thread.run\n'))).toBe(false);
  });
});
