/**
 * The Content-Security-Policy of every page the app shows. It is sent twice on purpose:
 * by the `app://` protocol handler with each file (Electron's webRequest header hooks do not
 * run for custom protocols) and by `onHeadersReceived` for http(s) responses, which covers
 * the dev server.
 */
import type { Session } from 'electron';

import { contentSecurityPolicy } from '../../shared/csp';

export { contentSecurityPolicy };

/** Replaces any CSP a response carries with ours, whatever the header's case. */
export function withCsp(
  headers: Record<string, string[]> | undefined,
  policy: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}

export function applyContentSecurityPolicy(session: Session, devUrl?: string): string {
  const policy = contentSecurityPolicy(devUrl);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, policy) });
  });
  return policy;
}
