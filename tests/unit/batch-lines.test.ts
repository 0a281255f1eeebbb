/** Result files of a batch are read a line at a time (providers/batch.ts jsonLines), however the bytes arrive. */
import { describe, expect, it } from 'vitest';
import { MAX_RESULT_LINE_BYTES, jsonLines, vendorText } from '../../src/main/providers/batch';

function streamOf(pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
}

async function read(pieces: (string | Uint8Array)[]): Promise<{ values: unknown[]; bad: string[] }> {
  const values: unknown[] = [];
  const bad: string[] = [];
  for await (const value of jsonLines(streamOf(pieces), (why) => bad.push(why))) values.push(value);
  return { values, bad };
}

describe('jsonLines', () => {
  it('joins lines split across chunks, a multi-byte character split too, and takes a last line without a newline', async () => {
    const euro = new TextEncoder().encode('{"a":"€"}\n');
    const { values, bad } = await read(['{"a":', '1}\n{"a"', ':2}\r\n', euro.slice(0, 7), euro.slice(7), '\n\n{"a":3}']);
    expect(values).toEqual([{ a: 1 }, { a: 2 }, { a: '€' }, { a: 3 }]);
    expect(bad).toEqual([]);
  });

  it('skips a line past the size cap to its end, and lines with NUL bytes or that are not JSON', async () => {
    const huge = 'x'.repeat(MAX_RESULT_LINE_BYTES / 4);
    const { values, bad } = await read(['{"big":"', huge, huge, huge, huge, huge, '"}\n{"ok":1}\n', '{"n":"\u0000"}\n', '{nope\n', '{"ok":2}\n']);
    expect(values).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(bad).toEqual([expect.stringContaining('longer than'), 'a line holds NUL bytes', 'a line is not JSON']);
  });

  it('gives up a file that stops coming mid-way, after the idle time, with a retryable error', async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"ok":1}\n{"ok":'));
      },
    });
    const values: unknown[] = [];
    const reading = (async () => {
      for await (const value of jsonLines(stalled, () => undefined, 50)) values.push(value);
    })();
    await expect(reading).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/stopped coming/) });
    expect(values).toEqual([{ ok: 1 }]);
  });

  it('an empty body yields nothing', async () => {
    expect(await read([])).toEqual({ values: [], bad: [] });
  });
});

describe('vendorText', () => {
  it('masks, turns control characters into spaces and cuts', () => {
    const text = vendorText(`key sk-secret\u0000\u0007 ${'y'.repeat(600)}`, (t) => t.replace('sk-secret', '***'));
    expect(text.startsWith('key ***   ')).toBe(true);
    expect(text.length).toBe(501);
    expect(text.endsWith('…')).toBe(true);
  });
});
