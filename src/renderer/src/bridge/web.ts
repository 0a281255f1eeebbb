/**
 * Browser mode: POST /api/<method> with the launch token, and one EventSource for events.
 * The token arrives in the URL fragment (never sent to the server in a request line) and is
 * kept in sessionStorage so a reload still works.
 */
import { eventSchema, methodNames, type Api, type AppEvent, type MethodName } from '../../../shared/contract';
import type { Envelope } from '../../../shared/errors';
import { BridgeError, type Bridge } from './bridge';

const TOKEN_KEY = 'parallax.token';

export function takeToken(): string | undefined {
  const match = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    sessionStorage.setItem(TOKEN_KEY, token);
    // Keep the token out of the address bar, history and screenshots.
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function createWebBridge(token: string): Bridge {
  const api = {} as Record<MethodName, (input: unknown) => Promise<unknown>>;
  for (const name of methodNames) {
    api[name] = async (input: unknown) => {
      let response: Response;
      try {
        const body = JSON.stringify(input ?? {});
        response = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body,
          // Lets the last draft save finish when the tab closes. Only the draft: Chromium caps all
          // keepalive bodies in flight together at 64 KB, and a busy moment (an estimate, a
          // preview, a save) must not make an ordinary call fail as if the server were gone.
          keepalive: name === 'workspace.save' && body.length < 60_000,
        });
      } catch {
        throw new BridgeError('network', 'Lost contact with the Parallax server. Is it still running?');
      }
      let envelope: Envelope<unknown>;
      try {
        envelope = (await response.json()) as Envelope<unknown>;
      } catch {
        throw new BridgeError('internal', `The server answered ${response.status} with something that is not JSON.`);
      }
      if (envelope.ok) return envelope.data;
      throw new BridgeError(envelope.error.code, envelope.error.message);
    };
  }

  const listeners = new Set<(event: AppEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  let source: EventSource | undefined;
  let dropped = false;
  const connect = (): void => {
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    // EventSource reconnects by itself; events sent meanwhile are lost, so say when it is back.
    source.onerror = () => {
      dropped = true;
    };
    source.onopen = () => {
      if (!dropped) return;
      dropped = false;
      for (const listener of reconnectListeners) listener();
    };
    source.onmessage = (message: MessageEvent<string>) => {
      const parsed = eventSchema.safeParse(JSON.parse(message.data));
      if (!parsed.success) return;
      for (const listener of listeners) listener(parsed.data);
    };
  };

  return {
    api: api as unknown as Api,
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = undefined;
        }
      };
    },
  };
}
