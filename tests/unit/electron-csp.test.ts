import type { Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resetElectronMock, session } from '../mocks/electron';
import { applyContentSecurityPolicy, contentSecurityPolicy, withCsp } from '../../src/main/electron/csp';

vi.mock('electron', () => import('../mocks/electron'));

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
}

describe('content security policy', () => {
  beforeEach(() => {
    resetElectronMock();
  });

  it('is strict in production', () => {
    const policy = directives(contentSecurityPolicy());
    expect(Object.fromEntries(policy)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'worker-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'frame-ancestors': ["'none'"],
      'form-action': ["'none'"],
    });
    expect(contentSecurityPolicy()).not.toContain('unsafe-eval');
  });

  it('in development allows the dev server and its hot-reload websocket, nothing wider', () => {
    const policy = directives(contentSecurityPolicy('http://localhost:5173/'));
    expect(policy.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    expect(policy.get('script-src')).toContain('http://localhost:5173');
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(contentSecurityPolicy('http://localhost:5173/')).not.toContain('*');
  });

  it('is applied to every response through onHeadersReceived, replacing any CSP already there', () => {
    const policy = applyContentSecurityPolicy(session.defaultSession as unknown as Session);
    const listener = session.defaultSession.webRequest.headersReceived;
    expect(listener).toBeDefined();
    const callback = vi.fn();
    listener?.(
      { url: 'http://localhost:5173/', responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] } },
      callback,
    );
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [policy] },
    });
  });

  it('adds the header when a response has none', () => {
    expect(withCsp(undefined, "default-src 'self'")).toEqual({ 'Content-Security-Policy': ["default-src 'self'"] });
  });
});
