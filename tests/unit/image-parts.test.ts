import { describe, expect, it } from 'vitest';
import { asImageValue, imageReference, imageVarNames, splitAtImages, textOfParts } from '../../src/shared/formats/image-parts';

const URI = 'data:image/png;base64,iVBORw0KGgo=';

describe('image variables in exported files', () => {
  it('splits a message where a plain {{ name }} of an image variable is written, and only there', () => {
    const names = new Set(['photo']);
    expect(splitAtImages('A {{ photo }} and {{photo}}, not {{ photo.alt }} or {{ photos }}.', names)).toEqual([
      { type: 'text', text: 'A ' },
      { type: 'image', name: 'photo' },
      { type: 'text', text: ' and ' },
      { type: 'image', name: 'photo' },
      { type: 'text', text: ', not {{ photo.alt }} or {{ photos }}.' },
    ]);
    expect(splitAtImages('no images', new Set())).toEqual([{ type: 'text', text: 'no images' }]);
    // A variable name with pattern characters is matched literally.
    expect(splitAtImages('{{a.b}} {{ab}}', new Set(['a.b']))).toEqual([{ type: 'image', name: 'a.b' }, { type: 'text', text: ' {{ab}}' }]);
  });

  it('names the variables that hold images and gives a file-worthy reference only for data URIs and web addresses', () => {
    expect([...imageVarNames([{ a: { image: URI }, b: 'text' }, { c: { image: 'https://example.com/x.png' } }])]).toEqual(['a', 'c']);
    expect(imageReference({ image: URI })).toBe(URI);
    expect(imageReference({ image: 'https://example.com/x.png' })).toBe('https://example.com/x.png');
    expect(imageReference({ image: `${'a'.repeat(64)}.png` })).toBeUndefined();
    for (const hostile of ['../../etc/passwd', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=']) {
      expect(imageReference({ image: hostile })).toBeUndefined();
    }
  });

  it('reads text and image_url parts back as text, and refuses anything else', () => {
    expect(textOfParts([{ type: 'text', text: 'Look: ' }, { type: 'image_url', image_url: { url: '{{photo}}' } }])).toBe('Look: {{photo}}');
    expect(textOfParts([{ type: 'input_audio', input_audio: {} }])).toBeUndefined();
    expect(textOfParts([null])).toBeUndefined();
    expect(textOfParts([{ type: 'image_url', image_url: { url: 42 } }])).toBeUndefined();
  });

  it('a data:image URI read from a file becomes an image; other text stays text', () => {
    expect(asImageValue(URI)).toEqual({ image: URI });
    expect(asImageValue('https://example.com/x.png')).toBe('https://example.com/x.png');
    expect(asImageValue('data:image/svg+xml;base64,PHN2Zz4=')).toBe('data:image/svg+xml;base64,PHN2Zz4=');
    expect(asImageValue('data:image/png;base64,<script>')).toBe('data:image/png;base64,<script>');
  });
});
