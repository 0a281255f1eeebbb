/**
 * Browser mode: POST /api/<method> and one event stream at GET /api/events, both with the
 * launch token in the `Authorization` header (never in a URL). The stream is read with fetch,
 * since EventSource cannot send headers.
 *
 * The token arrives in the URL fragment (never sent to the server in a request line), is kept
 * in sessionStorage so a reload still works, and is taken up again whenever a new `#token=`
 * appears in the address bar: after a server restart, pasting the new URL into the same tab
 * changes only the fragment, and the page goes on with the new token without reloading.
 */
import { eventSchema, methodNames, type Api, type AppEvent, type MethodName } from '../../../shared/contract';
import type { Envelope } from '../../../shared/errors';
import { BridgeError, type Bridge, type BridgeAccess } from './bridge';
import { createSseReader } from './sse';

const TOKEN_KEY = 'parallax.token';

/** A call refused for its token, in a line short enough for the status of a save or a run. */
export const STALE_TOKEN_CALL_MESSAGE = 'The Parallax server restarted: paste the URL it printed (ending in #token=…) into this tab.';

/** What the page says when the server refuses its token: the server was restarted. */
export const STALE_TOKEN_MESSAGE =
  'The Parallax server has restarted, so this page’s access token no longer works. Copy the URL it printed in the terminal where it was started (the line ending in #token=…) and paste it into this tab’s address bar: the page takes up the new token without reloading.';

/** The token in a URL fragment such as `#token=abc` or `#a=1&token=abc`, if any. */
export function tokenFromHash(hash: string): string | undefined {
  const match = /(?:^#?|&)token=([^&]*)/.exec(hash);
  if (!match?.[1]) return undefined;
  try {
    const token = decodeURIComponent(match[1]).trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** Reads a token from the address bar (then removes it from there), else the one this tab kept. */
export function takeToken(): string | undefined {
  const fromHash = tokenFromHash(window.location.hash);
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    // Keep the token out of the address bar, history and screenshots.
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Waits before reconnecting the event stream: 0.5 s, 1 s, 2 s, then every 4 s. */
function retryDelay(attempt: number): number {
  return Math.min(4_000, 500 * 2 ** attempt);
}

export function createWebBridge(initialToken: string): Bridge {
  let token = initialToken;
  let access: BridgeAccess = 'ok';
  const accessListeners = new Set<(access: BridgeAccess) => void>();
  const setAccess = (next: BridgeAccess): void => {
    if (access === next) return;
    access = next;
    for (const listener of accessListeners) listener(next);
  };

  const api = {} as Record<MethodName, (input: unknown) => Promise<unknown>>;
  for (const name of methodNames) {
    api[name] = async (input: unknown) => {
      let response: Response;
      const sentWith = token;
      try {
        const body = JSON.stringify(input ?? {});
        response = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sentWith}` },
          body,
          // Lets the last draft save finish when the tab closes. Only the draft: Chromium caps all
          // keepalive bodies in flight together at 64 KB, and a busy moment (an estimate, a
          // preview, a save) must not make an ordinary call fail as if the server were gone.
          keepalive: name === 'workspace.save' && body.length < 60_000,
        });
      } catch {
        throw new BridgeError('network', 'Lost contact with the Parallax server. Is it still running?');
      }
      if (response.status === 401) {
        // A token replaced while this call was out is not stale: only the one in use now counts.
        if (sentWith === token) setAccess('stale-token');
        throw new BridgeError('unauthorized', STALE_TOKEN_CALL_MESSAGE);
      }
      let envelope: Envelope<unknown>;
      try {
        envelope = (await response.json()) as Envelope<unknown>;
      } catch {
        throw new BridgeError('internal', `The server answered ${response.status} with something that is not JSON.`);
      }
      if (envelope.ok) return envelope.data;
      throw new BridgeError(String(envelope.error.code), String(envelope.error.message));
    };
  }

  const listeners = new Set<(event: AppEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  let stream: AbortController | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const deliver = (data: string): void => {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) return;
    for (const listener of listeners) listener(parsed.data);
  };

  /** Holds the event stream open; after a break it reconnects and says so (events in between were lost). */
  const connect = (resumed: boolean, attempt = 0): void => {
    const controller = new AbortController();
    stream = controller;
    retryTimer = undefined;
    const retry = (): void => {
      if (stream !== controller) return;
      retryTimer = setTimeout(() => connect(true, attempt + 1), retryDelay(attempt));
    };
    const run = async (): Promise<void> => {
      const response = await fetch('/api/events', {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (response.status === 401) {
        // Nothing to retry until a new token comes (see onHashChange below).
        setAccess('stale-token');
        stream = undefined;
        return;
      }
      if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
      setAccess('ok');
      if (resumed) for (const listener of reconnectListeners) listener();
      attempt = 0;
      const reader = createSseReader(deliver);
      const decoder = new TextDecoder();
      const body = response.body.getReader();
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        reader.push(decoder.decode(value, { stream: true }));
      }
      resumed = true;
      retry();
    };
    run().catch(() => {
      if (controller.signal.aborted) return;
      resumed = true;
      retry();
    });
  };

  const disconnect = (): void => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    const current = stream;
    stream = undefined;
    current?.abort();
  };

  const onHashChange = (): void => {
    const fresh = tokenFromHash(window.location.hash);
    if (!fresh) return;
    sessionStorage.setItem(TOKEN_KEY, fresh);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    if (fresh === token && access === 'ok') return;
    token = fresh;
    if (listeners.size > 0) {
      disconnect();
      // The stream comes back on the new token; whatever happened meanwhile is fetched again.
      connect(true);
    }
    setAccess('ok');
  };
  window.addEventListener('hashchange', onHashChange);

  return {
    api: api as unknown as Api,
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    onAccess(listener) {
      accessListeners.add(listener);
      return () => accessListeners.delete(listener);
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!stream && !retryTimer && access === 'ok') connect(false);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) disconnect();
      };
    },
  };
}
