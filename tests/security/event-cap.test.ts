/**
 * The 1 MB cap is on a server-sent event, and an event ends at a blank line, not at each line:
 * the SSE parser joins an event's `data:` lines, so a server that sends `data: x` lines without
 * ever a blank line between them must be stopped once the joined event passes the cap.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { OpenAIProvider } from '../../src/main/providers/openai';
import { EventMeter, MAX_EVENT_BYTES } from '../../src/main/providers/wire';
import { chunkEvent, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('EventMeter', () => {
  it('counts every line of an event up to its blank line, across chunks', () => {
    const meter = new EventMeter();
    expect(meter.add(bytes('data: aaaa\n'))).toBe(11);
    expect(meter.add(bytes('data: bbbb\n'))).toBe(22);
    // The blank line ends the event; the next starts from nothing.
    expect(meter.add(bytes('\n'))).toBe(23);
    expect(meter.add(bytes('data: c'))).toBe(7);
    expect(meter.add(bytes('c\n\ndata: d\n\n'))).toBe(10);
  });

  it('knows LF, CR and CRLF line ends, a CRLF split across chunks included', () => {
    const crlf = new EventMeter();
    // A CRLF's LF is not counted: the line ended at its CR.
    expect(crlf.add(bytes('data: a\r\ndata: b\r\n'))).toBe(16);
    expect(crlf.add(bytes('\r'))).toBe(17);
    // The LF of that CRLF is not a second (blank) line end of the next event.
    expect(crlf.add(bytes('\ndata: c\r\n\r\n'))).toBe(9);
    expect(crlf.add(bytes('data: e'))).toBe(7);

    const cr = new EventMeter();
    expect(cr.add(bytes('data: a\rdata: b\r'))).toBe(16);
    expect(cr.add(bytes('\rdata: c'))).toBe(17);
    expect(cr.add(bytes('x'))).toBe(8);
  });

  it('reports an oversized event that starts and ends inside one chunk', () => {
    const meter = new EventMeter();
    expect(meter.add(bytes(`data: ${'z'.repeat(100)}\n\ndata: ok\n\n`))).toBe(108);
  });

  it('grows without end for lines that never meet a blank line', () => {
    const meter = new EventMeter();
    let size = 0;
    for (let i = 0; i < 1000; i++) size = meter.add(bytes('data: x\n'));
    expect(size).toBe(8000);
  });
});

describe('a server that never ends its event', () => {
  let server: FakeOpenAI;

  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  beforeEach(() => {
    server.resetStats();
  });
  afterAll(async () => {
    await server.close();
  });

  async function collect(): Promise<{ text: string; error: unknown }> {
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: 'sk-event-cap-test-0123456789' });
    let text = '';
    try {
      for await (const part of provider.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], params: {}, signal: new AbortController().signal })) {
        if (part.type === 'delta') text += part.text;
      }
    } catch (error) {
      return { text, error };
    }
    return { text, error: undefined };
  }

  it('is stopped once its data lines, joined, pass the event limit', async () => {
    const line = 'x'.repeat(100);
    // 32 MB in all: more than a socket's buffers, so hanging up early shows.
    const count = Math.ceil((32 * MAX_EVENT_BYTES) / `data: ${line}\n`.length);
    server.script({ kind: 'data-lines', line, count });
    const { error } = await collect();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/one event larger than 1024 KB/);
    // Parallax hung up: the server did not get to send the rest.
    const [request] = server.requests.filter((r) => r.path === '/v1/chat/completions');
    await expect.poll(() => request?.closedAt).toBeDefined();
    expect(request?.abortedByClient).toBe(true);
    expect(request?.contentChunks).toBeLessThan(count);
  });

  it('still reads many events whose total passes the event limit', async () => {
    const piece = 'y'.repeat(4 * 1024);
    const events = Math.ceil((1.5 * MAX_EVENT_BYTES) / piece.length);
    server.script({ kind: 'raw-stream', events: () => [...Array.from({ length: events }, () => chunkEvent({ content: piece })), chunkEvent({}, 'stop')] });
    const { text, error } = await collect();
    expect(error).toBeUndefined();
    expect(text.length).toBe(events * piece.length);
  });
});
