import type { App, Session, WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebContents, app, fakeEvent, resetElectronMock, session, shell } from '../mocks/electron';
import { denyAllPermissions, guardWebContents, handleWindowOpen, installNavigationGuards, isExternalLink } from '../../src/main/electron/guards';

vi.mock('electron', () => import('../mocks/electron'));

function guarded(devUrl?: string): FakeWebContents {
  const contents = new FakeWebContents();
  guardWebContents(contents as unknown as WebContents, devUrl);
  return contents;
}

function navigate(contents: FakeWebContents, url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
  const event = fakeEvent({ url });
  contents.emit(kind, event, url);
  return !event.defaultPrevented;
}

describe('navigation guard', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it("allows the app's own pages", () => {
    const contents = guarded();
    expect(navigate(contents, 'app://parallax/index.html')).toBe(true);
    expect(navigate(contents, 'app://parallax/index.html#/history')).toBe(true);
  });

  it('denies every other destination', () => {
    const contents = guarded();
    for (const url of [
      'https://evil.example/',
      'http://localhost:5173/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://parallax@evil.example/',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'not a url',
    ]) {
      expect(navigate(contents, url), url).toBe(false);
    }
    expect(navigate(contents, 'https://evil.example/', 'will-redirect')).toBe(false);
  });

  it('allows the dev server only when one is configured', () => {
    const contents = guarded('http://localhost:5173/');
    expect(navigate(contents, 'http://localhost:5173/index.html')).toBe(true);
    expect(navigate(contents, 'http://localhost:5174/')).toBe(false);
    expect(navigate(contents, 'https://evil.example/')).toBe(false);
  });

  it('never lets a <webview> attach', () => {
    const contents = guarded();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });

  it('guards every WebContents the app creates', () => {
    installNavigationGuards(app as unknown as App);
    const contents = new FakeWebContents();
    app.emit('web-contents-created', fakeEvent(), contents);
    expect(contents.windowOpenHandler).toBeDefined();
    expect(contents.listenerCount('will-navigate')).toBe(1);
    expect(contents.listenerCount('will-attach-webview')).toBe(1);
  });
});

describe('window-open handler', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it('denies the new window and opens an https link in the system browser', () => {
    expect(handleWindowOpen({ url: 'https://platform.openai.com/docs' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://platform.openai.com/docs');
  });

  it('never opens anything but https', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'http://example.com/', 'smb://host/share', 'app://parallax/index.html', 'https://user:pw@example.com/']) {
      expect(handleWindowOpen({ url })).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('is the handler installed on guarded contents', () => {
    const contents = guarded();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://evil.example/');
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('isExternalLink accepts only plain https URLs', () => {
    expect(isExternalLink('https://example.com/a?b=c')).toBe(true);
    expect(isExternalLink('HTTPS://example.com/')).toBe(true);
    expect(isExternalLink('http://example.com/')).toBe(false);
    expect(isExternalLink('file:///tmp/x')).toBe(false);
    expect(isExternalLink('')).toBe(false);
  });
});

describe('permissions', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it('denies every permission request and check', () => {
    const ses = session.defaultSession;
    denyAllPermissions(ses as unknown as Session);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      const callback = vi.fn();
      ses.permissionRequestHandler?.({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(ses.permissionCheckHandler?.({}, permission, 'app://parallax', {})).toBe(false);
    }
    expect(ses.devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://parallax' })).toBe(false);
  });
});
