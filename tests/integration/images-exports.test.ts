/**
 * Images travel in the exports that can carry them, as data URIs of the stored files: chat
 * JSON (an image_url part where the variable is), .prompty (the sample value) and a promptfoo
 * config (an image_url part whose URL is the variable, the test's var the data URI, which is
 * what promptfoo fills in). Each comes back in as an image. A value that only looks like a
 * path or a URL of another scheme is never read.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import type { TestCase } from '../../src/shared/schemas';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const NAME = `${createHash('sha256').update(PNG).digest('hex')}.png`;
const URI = `data:image/png;base64,${PNG.toString('base64')}`;

let dataDir: string;
let services: Services;

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-image-exports-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
  await call('images.save', { base64: PNG.toString('base64') });
});

afterAll(async () => {
  services.close();
  await rm(dataDir, { recursive: true, force: true });
});

let saves = 0;

async function savedVersion(variables: Record<string, unknown>): Promise<string> {
  saves += 1;
  const { version } = await call('library.save', {
    name: `Describe a picture ${saves}`,
    messages: [
      { role: 'system', content: 'You describe pictures.' },
      { role: 'user', content: 'What is in {{ photo }}?' },
    ],
    variables: variables as MethodInput<'library.save'>['variables'],
    columns: [{ id: 'a', providerId: 'echo', model: 'gpt-4o-mini', params: {} }],
  });
  return version.id;
}

describe('prompt exports', () => {
  it('chat JSON sends the stored image as an image_url part holding its data URI', async () => {
    const versionId = await savedVersion({ photo: { image: NAME, alt: 'dot.png' } });
    const file = await call('files.exportPrompt', { versionId, format: 'openai-chat' });
    const body = JSON.parse(file.text) as { messages: { role: string; content: unknown }[] };
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You describe pictures.' });
    expect(body.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in ' },
        { type: 'image_url', image_url: { url: URI } },
        { type: 'text', text: '?' },
      ],
    });
  });

  it('.prompty carries the sample image as a data URI and opens again with it, stored once', async () => {
    const versionId = await savedVersion({ photo: { image: NAME, alt: 'dot.png' } });
    const file = await call('files.exportPrompt', { versionId, format: 'prompty' });
    expect(file.text).toContain(URI);
    expect(file.text).not.toContain(NAME);
    const back = await call('files.importPrompt', { fileName: file.fileName, text: file.text, name: 'Opened again' });
    // The data URI is kept in the data folder again (the same file), and the sample names it.
    expect(back.version.variables['photo']).toEqual({ image: NAME, alt: 'dot.png' });
  });

  it('a hostile image value is left as it is, never read', async () => {
    for (const image of ['../../etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const versionId = await savedVersion({ photo: { image } });
      const chat = await call('files.exportPrompt', { versionId, format: 'openai-chat' });
      expect(chat.text).not.toContain('image_url');
      expect(chat.text).not.toContain('root:');
      const prompty = await call('files.exportPrompt', { versionId, format: 'prompty' });
      expect(prompty.text).not.toContain('root:');
    }
  });

  it('a stored name whose file is not in this data folder makes the export fail with a reason', async () => {
    const versionId = await savedVersion({ photo: { image: `${'0'.repeat(64)}.png` } });
    const envelope = await dispatch(services.handlers, 'files.exportPrompt', { versionId, format: 'openai-chat' });
    expect(envelope.ok).toBe(false);
    if (!envelope.ok) expect(envelope.error.message).toMatch(/is not in this data folder/);
  });
});

describe('the promptfoo config', () => {
  it('a data URI image in a config that opens is stored in the data folder under its SHA-256', async () => {
    const other = Buffer.from(PNG);
    other[other.length - 5] = 0x00; // another image's bytes (the store sniffs the head only)
    const otherName = `${createHash('sha256').update(other).digest('hex')}.png`;
    const text = ['prompts:', '  - \'[{"role":"user","content":[{"type":"text","text":"Look: "},{"type":"image_url","image_url":{"url":"{{photo}}"}}]}]\'', 'providers:', '  - echo', 'tests:', `  - vars: { photo: "data:image/png;base64,${other.toString('base64')}" }`].join('\n');
    const back = await call('files.importExperiment', { fileName: 'promptfooconfig.yaml', text });
    expect(back.workspace.messages).toEqual([{ role: 'user', content: 'Look: {{photo}}' }]);
    expect(back.workspace.testCases[0]?.vars).toEqual({ photo: { image: otherName } });
    expect(existsSync(join(dataDir, 'images', otherName))).toBe(true);
  });

  it('writes the image part with the variable as its URL and the data URI as the var, and reads both back', async () => {
    const workspace = await call('workspace.get', {});
    const draft = {
      ...workspace,
      messages: [{ role: 'user' as const, content: 'What is in {{photo}}?' }],
      testCases: <TestCase[]>[
        { id: 'r1', vars: { photo: { image: NAME, alt: 'dot.png' }, note: 'a dot' } },
        { id: 'r2', vars: { photo: { image: 'https://example.com/cat.png' }, note: 'a cat' } },
      ],
    };
    const file = await call('files.exportExperiment', draft);
    expect(file.text).toContain('{"type":"image_url","image_url":{"url":"{{photo}}"}}');
    expect(file.text).toContain(URI);
    expect(file.text).toContain('https://example.com/cat.png');
    expect(file.text).not.toContain(NAME);

    const back = await call('files.importExperiment', { fileName: file.fileName, text: file.text });
    expect(back.workspace.messages).toEqual([{ role: 'user', content: 'What is in {{photo}}?' }]);
    expect(back.workspace.testCases.map((c) => c.vars)).toEqual([
      // The data URI is stored once again; the row names the stored file.
      { photo: { image: NAME }, note: 'a dot' },
      // A web address read from a file is text (only data:image URIs are taken as images).
      { photo: 'https://example.com/cat.png', note: 'a cat' },
    ]);
  });
});
