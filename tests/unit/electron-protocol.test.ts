import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Protocol } from 'electron';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { protocol, resetElectronMock } from '../mocks/electron';
import { contentSecurityPolicy } from '../../src/main/electron/csp';
import {
  handleAppProtocol,
  mimeTypeFor,
  registerAppScheme,
  resolveAppRequest,
  resolveInside,
  serveAppRequest,
} from '../../src/main/electron/protocol';

vi.mock('electron', () => import('../mocks/electron'));

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'parallax-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Parallax</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(root, 'assets', 'editor.worker.wasm'), Buffer.from([0, 97, 115, 109]));
  // A secret next to the renderer folder, one level up: the traversal tests aim for it.
  writeFileSync(join(base, 'secret.txt'), 'top secret');
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('path-traversal guard', () => {
  it('maps app paths to files inside the root', () => {
    expect(resolveInside(root, '/index.html')).toBe(join(root, 'index.html'));
    expect(resolveInside(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveInside(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveInside(root, '/assets/my%20file.js')).toBe(join(root, 'assets', 'my file.js'));
    expect(resolveInside(root, '/assets/../index.html')).toBe(join(root, 'index.html'));
  });

  it('refuses parent folders, plain and encoded', () => {
    for (const path of [
      '../../etc/passwd',
      '/../../etc/passwd',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/..%2fsecret.txt',
      '/..%2F..%2Fetc%2Fpasswd',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..',
    ]) {
      expect(resolveInside(root, path), path).toBeUndefined();
    }
  });

  it('keeps absolute paths inside the root', () => {
    for (const path of ['/etc/passwd', '//etc/passwd', '/%2Fetc%2Fpasswd']) {
      const resolved = resolveInside(root, path);
      expect(resolved, path).toBe(join(root, 'etc', 'passwd'));
    }
    expect(resolveInside(root, `/${join(base, 'secret.txt')}`)?.startsWith(root)).toBe(true);
  });

  it('refuses NUL bytes and broken escapes', () => {
    expect(resolveInside(root, '/index.html%00.png')).toBeUndefined();
    expect(resolveInside(root, '/%E0%A4%A')).toBeUndefined();
  });

  it('only answers app://parallax URLs', () => {
    expect(resolveAppRequest(root, 'app://parallax/index.html?x=1#top')).toBe(join(root, 'index.html'));
    expect(resolveAppRequest(root, 'app://other/index.html')).toBeUndefined();
    expect(resolveAppRequest(root, 'file:///etc/passwd')).toBeUndefined();
    expect(resolveAppRequest(root, 'app://parallax/..%2fsecret.txt')).toBeUndefined();
  });
});

describe('app:// protocol', () => {
  const policy = contentSecurityPolicy();
  const get = (url: string, method = 'GET'): Promise<Response> => serveAppRequest(root, { url, method }, policy);

  beforeEach(() => {
    resetElectronMock();
  });

  it('registers app as a standard, secure, fetch-capable scheme', () => {
    registerAppScheme(protocol as unknown as Protocol);
    expect(protocol.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('serves the renderer with the right MIME type, nosniff and the CSP', async () => {
    const page = await get('app://parallax/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(policy);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Parallax</title>');
    expect((await get('app://parallax/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://parallax/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('app://parallax/assets/editor.worker.wasm')).headers.get('content-type')).toBe('application/wasm');
  });

  it('answers 404 for traversal attempts, missing files and folders, and never leaks the file', async () => {
    for (const url of ['app://parallax/..%2fsecret.txt', 'app://parallax/%2e%2e/secret.txt', 'app://parallax/missing.js', 'app://parallax/assets/', 'app://elsewhere/index.html']) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('top secret');
    }
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    expect((await get('app://parallax/index.html', 'POST')).status).toBe(405);
    const head = await get('app://parallax/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('handleAppProtocol installs the handler for app', async () => {
    handleAppProtocol(protocol as unknown as Protocol, root);
    const handler = protocol.handlers.get('app');
    expect(handler).toBeDefined();
    const response = await handler?.(new Request('app://parallax/index.html'));
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-security-policy')).toBe(policy);
  });

  it('knows the MIME types the renderer build produces', () => {
    expect(mimeTypeFor('a.svg')).toBe('image/svg+xml');
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('a.PNG')).toBe('image/png');
    expect(mimeTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});
