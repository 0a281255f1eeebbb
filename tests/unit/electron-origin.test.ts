import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirFromArgs } from '../../src/main/electron/args';
import { APP_ENTRY_URL, devServerUrl, isAppUrl } from '../../src/main/electron/origin';

describe('app origin', () => {
  it('recognises the app:// pages and nothing that merely looks like them', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://parallax/assets/x.js?v=1#a')).toBe(true);
    for (const url of ['app://parallax.evil/', 'app://evil/', 'app://parallax@evil/', 'app://user:pw@parallax/', 'https://parallax/', 'file:///parallax/index.html', '', 'parallax']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });

  it('accepts the dev server origin only when given, and only that origin', () => {
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/src/main.tsx', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5173/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('ws://localhost:5173/', 'http://localhost:5173/')).toBe(false);
  });

  it('ignores ELECTRON_RENDERER_URL in a packaged app and anything that is not http(s)', () => {
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toBe('http://localhost:5173/');
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true)).toBeUndefined();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'file:///tmp/index.html' }, false)).toBeUndefined();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'nonsense' }, false)).toBeUndefined();
    expect(devServerUrl({}, false)).toBeUndefined();
  });
});

describe('data folder from the command line', () => {
  it('reads --data-dir DIR and --data-dir=DIR, ignoring Electron switches', () => {
    expect(dataDirFromArgs(['/usr/bin/electron', 'out/main/index.js', '--no-sandbox', '--data-dir', '/tmp/d'], {})).toBe('/tmp/d');
    expect(dataDirFromArgs(['parallax', '--data-dir=/tmp/e'], {})).toBe('/tmp/e');
    expect(dataDirFromArgs(['parallax', '--data-dir', 'rel/dir'], {})).toBe(resolve('rel/dir'));
  });

  it('falls back to PARALLAX_DATA_DIR, then to nothing (Electron userData)', () => {
    expect(dataDirFromArgs(['parallax'], { PARALLAX_DATA_DIR: '/tmp/env' })).toBe('/tmp/env');
    expect(dataDirFromArgs(['parallax', '--data-dir', '/tmp/arg'], { PARALLAX_DATA_DIR: '/tmp/env' })).toBe('/tmp/arg');
    expect(dataDirFromArgs(['parallax'], {})).toBeUndefined();
    expect(dataDirFromArgs(['parallax', '--data-dir'], {})).toBeUndefined();
    expect(dataDirFromArgs(['parallax', '--data-dir', '--inspect'], {})).toBeUndefined();
  });
});
