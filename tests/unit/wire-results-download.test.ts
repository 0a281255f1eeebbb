/**
 * A batch's result file has no whole-body limit (it holds every answer of up to 50,000
 * requests), while every other body stays under MAX_RESPONSE_BYTES: the marker goes through
 * the OpenAI SDK's fetchOptions to the bounded fetch.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, RESULTS_DOWNLOAD, boundedFetch, type ResultsDownloadInit } from '../../src/main/providers/wire';

const CHUNK = new Uint8Array(16 * 1024 * 1024).fill(0x61);
const CHUNKS = Math.ceil(MAX_RESPONSE_BYTES / CHUNK.byteLength) + 2;

/** A server answering every request with more than MAX_RESPONSE_BYTES of JSONL-ish text. */
function hugeFetch(): typeof fetch {
  return () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === CHUNKS) controller.close();
        else {
          sent++;
          controller.enqueue(CHUNK);
        }
      },
    });
    return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/octet-stream' } }));
  };
}

async function drain(response: Response): Promise<number> {
  const reader = response.body?.getReader();
  let bytes = 0;
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) return bytes;
    bytes += next.value.byteLength;
  }
}

describe('the whole-body limit and batch result files', () => {
  it('fails an ordinary body past the limit', async () => {
    const bounded = boundedFetch('http://127.0.0.1:1', hugeFetch());
    const response = await bounded('http://127.0.0.1:1/x');
    await expect(drain(response)).rejects.toThrow(/more than 256 MB/);
  });

  it('reads a results download whole, past the limit', async () => {
    const bounded = boundedFetch('http://127.0.0.1:1', hugeFetch());
    const init: ResultsDownloadInit = { [RESULTS_DOWNLOAD]: true };
    expect(await drain(await bounded('http://127.0.0.1:1/x', init))).toBe(CHUNKS * CHUNK.byteLength);
  });

  it('gets the marker through the OpenAI SDK (files.content)', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, fetch: boundedFetch('http://127.0.0.1:1/v1', hugeFetch()) });
    const marked = await client.files.content('file_1', { fetchOptions: { [RESULTS_DOWNLOAD]: true } as NonNullable<NonNullable<Parameters<OpenAI['files']['content']>[1]>['fetchOptions']> });
    expect(await drain(marked)).toBe(CHUNKS * CHUNK.byteLength);
    const plain = await client.files.content('file_1');
    await expect(drain(plain)).rejects.toThrow(/more than 256 MB/);
  });
});
