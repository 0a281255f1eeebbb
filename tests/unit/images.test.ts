import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStore, sniffImage } from '../../src/main/images';
import { piecesOf } from '../../src/main/providers/content';
import { renderMessages, renderMessagesRows } from '../../src/main/template/render';
import { imageLabel, imageSourceOf } from '../../src/shared/images';
import { costOfUsage } from '../../src/shared/prices';

// The smallest PNG: 1×1, one transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('image values', () => {
  it('knows stored names, data URIs and http URLs, and nothing else', () => {
    const name = `${'a'.repeat(64)}.png`;
    expect(imageSourceOf({ image: name })).toEqual({ kind: 'stored', name, mime: 'image/png' });
    expect(imageSourceOf({ image: 'data:image/jpeg;base64,AAAA' })).toEqual({ kind: 'data', mime: 'image/jpeg', base64: 'AAAA' });
    expect(imageSourceOf({ image: 'https://example.com/cat.png' })).toEqual({ kind: 'url', url: 'https://example.com/cat.png' });
    // A path, a traversal, another scheme, extra keys, a string: not images.
    for (const value of [{ image: '../../etc/passwd' }, { image: `${'a'.repeat(64)}.png/../x` }, { image: 'file:///etc/passwd' }, { image: 'javascript:alert(1)' }, { image: 'data:text/html;base64,AAAA' }, { image: name, extra: 1 }, name, null, [name]]) {
      expect(imageSourceOf(value)).toBeUndefined();
    }
    expect(imageLabel({ image: name, alt: 'cat.png' })).toBe('[image: cat.png]');
  });

  it('stores an image once under its hash and refuses what is not an image', async () => {
    const store = new ImageStore(mkdtempSync(join(tmpdir(), 'px-images-')));
    const first = await store.save(PNG);
    const again = await store.save(PNG);
    expect(first.name).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(again.name).toBe(first.name);
    expect((await store.read(first.name)).bytes.equals(PNG)).toBe(true);
    await expect(store.save(Buffer.from('<svg onload=alert(1)>'))).rejects.toThrow(/not a PNG, JPEG, GIF or WebP/);
    await expect(store.read('../secrets.json')).rejects.toThrow(/Not the name of a stored image/);
    await expect(store.read(`${'b'.repeat(64)}.png`)).rejects.toThrow(/not in this data folder/);
    expect(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    // The same new image saved by many rows at once: one file, every save answered.
    const dataDir = mkdtempSync(join(tmpdir(), 'px-images-'));
    const fresh = new ImageStore(dataDir);
    const names = await Promise.all(Array.from({ length: 8 }, () => fresh.save(PNG)));
    expect(new Set(names.map((n) => n.name)).size).toBe(1);
    expect(readdirSync(join(dataDir, 'images'))).toEqual([first.name]);
  });

  it('renders an image variable as an image part where it is written, text around it kept', async () => {
    const vars = { photo: { image: 'data:image/png;base64,' + PNG.toString('base64'), alt: 'pixel.png' }, q: 'What is this?' };
    const [message] = renderMessages([{ role: 'user', content: 'Look: {{photo}} {{q}}' }], vars);
    expect(message?.content).toBe('Look: [image: pixel.png] What is this?');
    expect(message?.parts?.map((p) => p.type)).toEqual(['text', 'image', 'text']);
    const pieces = await piecesOf(message ?? { role: 'user', content: '' }, undefined);
    expect(pieces[1]).toEqual({ type: 'image', mime: 'image/png', base64: PNG.toString('base64') });
    // Many rows at once give the same messages as one row at a time.
    const rows = renderMessagesRows([{ role: 'user', content: 'Look: {{photo}} {{q}}' }], [vars, { ...vars, q: 'And this?' }]);
    expect(rows.map((r) => ('messages' in r ? r.messages[0]?.content : r.error.message))).toEqual(['Look: [image: pixel.png] What is this?', 'Look: [image: pixel.png] And this?']);
  });

  it('does not let a row value forge an image marker', () => {
    // A hostile value that looks like a marker stays text: the marker has a per-process secret in it.
    const [message] = renderMessages([{ role: 'user', content: '{{a}}' }], { a: '__PARALLAX_IMAGE_000000000000_photo__', photo: { image: 'https://example.com/x.png' } });
    expect(message?.parts).toBeUndefined();
    expect(message?.content).toBe('__PARALLAX_IMAGE_000000000000_photo__');
  });
});

describe('costOfUsage', () => {
  it('prices cache reads, cache writes and thinking at their own prices', () => {
    const table = { m: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, reasoningPerMTok: 20 } };
    // 1M input of which 400k read and 100k written; 1M output of which 250k thinking.
    const usd = costOfUsage('m', { inputTokens: 1_000_000, cacheReadTokens: 400_000, cacheWriteTokens: 100_000, outputTokens: 1_000_000, reasoningTokens: 250_000 }, table);
    expect(usd).toBeCloseTo(0.5 * 3 + 0.4 * 0.3 + 0.1 * 3.75 + 0.75 * 15 + 0.25 * 20, 10);
    // Without the finer prices, it is the plain price; parts larger than the whole are clamped.
    expect(costOfUsage('n', { inputTokens: 10, cacheReadTokens: 99, outputTokens: 0 }, { n: { inputPerMTok: 1, outputPerMTok: 1 } })).toBeCloseTo(10 / 1e6, 12);
  });
});
