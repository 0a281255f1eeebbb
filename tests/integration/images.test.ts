/**
 * Images as test-case values, through the services: kept once in the data folder (size and
 * type checked), read back by stored name only, carried by the web door up to 20 MB, and sent
 * to an OpenAI-compatible server as an `image_url` part holding the stored file's data URI.
 * A hostile value (a path, file:, javascript:) is never read or fetched.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import { MAX_BODY_BYTES, startWebServer, type WebServer } from '../../src/main/web/server';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { Envelope } from '../../src/shared/errors';
import type { VariableValue } from '../../src/shared/schemas';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const TOKEN = 'images-test-token';
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PNG_NAME = `${createHash('sha256').update(PNG).digest('hex')}.png`;

let dataDir: string;
let services: Services;
let web: WebServer;
let server: FakeOpenAI;
let providerId: string;

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

async function refused(method: MethodName, input: unknown): Promise<{ code: string; message: string }> {
  const envelope = await dispatch(services.handlers, method, input);
  if (envelope.ok) throw new Error(`${method} took ${JSON.stringify(input).slice(0, 80)}`);
  return envelope.error;
}

async function post(method: string, body: string): Promise<{ status: number; envelope: Envelope<unknown> }> {
  const response = await fetch(`http://127.0.0.1:${web.port}/api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body });
  return { status: response.status, envelope: (await response.json()) as Envelope<unknown> };
}

/** A PNG of about `size` bytes: the magic number, then filler (the store sniffs the head only). */
function bigPng(size: number): Buffer {
  const bytes = Buffer.alloc(size, 7);
  PNG.copy(bytes, 0, 0, 16);
  return bytes;
}

beforeAll(async () => {
  server = await startFakeOpenAI();
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-images-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {}, echo: { chunkDelayMs: 0, chunkSize: 64 } });
  const staticDir = await mkdtemp(join(tmpdir(), 'parallax-images-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Parallax</title>');
  web = await startWebServer({ services, staticDir, token: TOKEN });
  providerId = (await call('providers.save', { name: 'Fake', baseUrl: server.baseUrl, concurrency: 2 })).id;
});

beforeEach(() => server.resetStats());

afterAll(async () => {
  await web.close();
  services.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('images.save and images.read', () => {
  it('keeps an image once under its SHA-256 and gives back the value a row holds', async () => {
    const first = await call('images.save', { base64: PNG.toString('base64'), alt: 'dot.png' });
    expect(first).toEqual({ value: { image: PNG_NAME, alt: 'dot.png' }, mime: 'image/png', bytes: PNG.byteLength });
    // The same image as a data URI: the same file, not a second one.
    const again = await call('images.save', { base64: `data:image/png;base64,${PNG.toString('base64')}` });
    expect(again.value).toEqual({ image: PNG_NAME });
    expect(readFileSync(join(dataDir, 'images', PNG_NAME))).toEqual(PNG);
    const read = await call('images.read', { name: PNG_NAME });
    expect(read).toEqual({ dataUri: `data:image/png;base64,${PNG.toString('base64')}`, mime: 'image/png', bytes: PNG.byteLength });
  });

  it('refuses bytes that are not an image, whatever the data URI claims, and text that is not base64', async () => {
    expect((await refused('images.save', { base64: `data:image/png;base64,${Buffer.from('<script>alert(1)</script>').toString('base64')}` })).message).toMatch(/not a PNG, JPEG, GIF or WebP/);
    expect((await refused('images.save', { base64: 'not base64 at all!' })).message).toMatch(/not base64/);
    expect((await refused('images.save', { base64: 'data:text/html,<b>x</b>' })).message).toMatch(/not base64/);
  });

  it('refuses an image over 20 MB', async () => {
    const error = await refused('images.save', { base64: bigPng(20 * 1024 * 1024 + 1).toString('base64') });
    expect(error.code).toBe('bad_input');
    expect(error.message).toMatch(/20(\.0)? MB/);
  });

  it('reads stored names only: a path, a file: or javascript: URL is refused before anything is read', async () => {
    for (const name of ['../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)', `../${PNG_NAME}`, PNG_NAME.toUpperCase(), `${PNG_NAME}\0.png`]) {
      const error = await refused('images.read', { name });
      expect(error.code).toBe('bad_input');
      expect(error.message).toMatch(/Not the name of a stored image/);
    }
    // A well-formed name that was never stored is simply not there.
    expect((await refused('images.read', { name: `${'0'.repeat(64)}.png` })).code).toBe('not_found');
  });
});

describe('the web door', () => {
  it('takes a 12 MB image for images.save, above the usual 8 MB cap, and only for that method', async () => {
    const image = bigPng(12 * 1024 * 1024);
    const saved = await post('images.save', JSON.stringify({ base64: image.toString('base64'), alt: 'big.png' }));
    expect(saved.status).toBe(200);
    const name = (saved.envelope as { ok: true; data: { value: { image: string } } }).data.value.image;
    expect(existsSync(join(dataDir, 'images', name))).toBe(true);
    // Another method with a body of the same size is still refused by the usual cap.
    const other = await post('workspace.save', JSON.stringify({ padding: 'x'.repeat(MAX_BODY_BYTES) }));
    expect(other.status).toBe(413);
  });

  it('refuses an images.save body beyond a 20 MB image with 413', async () => {
    const response = await fetch(`http://127.0.0.1:${web.port}/api/images.save`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': String(40 * 1024 * 1024) },
      body: 'x',
    }).catch(() => undefined);
    // Refused on the declared length (the server may close before the client finishes sending).
    if (response) expect(response.status).toBe(413);
  });
});

describe('a run sends images', () => {
  let lastRun = '';
  async function runWith(vars: Record<string, VariableValue>): Promise<unknown[]> {
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: 'Describe this: {{photo}}' }],
      testCases: [{ id: 'r1', vars }],
      columns: [{ id: 'a', providerId, model: 'fake-small', params: {} }],
      repeats: 1,
      useCache: false,
    });
    lastRun = runId;
    for (let i = 0; i < 200; i += 1) {
      const progress = await call('runs.progress', { runId });
      if (progress.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    return server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body);
  }

  it('a row with a stored image sends an image_url part holding the stored file as a data URI', async () => {
    await call('images.save', { base64: PNG.toString('base64') });
    const bodies = await runWith({ photo: { image: PNG_NAME, alt: 'dot.png' } });
    expect(bodies).toHaveLength(1);
    const messages = (bodies[0] as { messages: { role: string; content: unknown }[] }).messages;
    expect(messages[0]?.content).toEqual([
      { type: 'text', text: 'Describe this: ' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
    ]);
    // The server took it: the cell is done, its messages keep the image part by stored name.
    const [cell] = (await call('runs.cells', { runId: lastRun, fromCase: 0, toCase: 1 })).cells;
    expect(cell?.status).toBe('done');
    expect(cell?.messages[0]?.parts).toEqual([
      { type: 'text', text: 'Describe this: ' },
      { type: 'image', image: PNG_NAME, alt: 'dot.png' },
    ]);
  });

  it('a hostile value is text, never a file read or a URL fetched', async () => {
    for (const image of ['../../etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)', '/etc/passwd']) {
      server.resetStats();
      const bodies = await runWith({ photo: { image } });
      const raw = JSON.stringify(bodies);
      expect(raw).not.toContain('image_url');
      expect(raw).not.toContain('root:');
      // Sent as plain text: the value is not an image, so the message has no parts.
      expect(typeof (bodies[0] as { messages: { content: unknown }[] }).messages[0]?.content).toBe('string');
    }
  });
});
