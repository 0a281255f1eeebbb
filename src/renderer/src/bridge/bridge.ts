/**
 * The renderer's one way to reach main. Two implementations: Electron (the preload's
 * `window.parallax`) and web (fetch + an event stream). Picked once at start-up.
 */
import type { Api, AppEvent } from '../../../shared/contract';

/** Whether main still takes this page's calls: browser mode's token goes stale when the server restarts. */
export type BridgeAccess = 'ok' | 'stale-token';

export interface Bridge {
  api: Api;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Called when the event stream comes back after a break (browser mode); events in between were lost. */
  onReconnect?(listener: () => void): () => void;
  /** Called when the server stops or starts again taking this page's token (browser mode). */
  onAccess?(listener: (access: BridgeAccess) => void): () => void;
}

/** A failed call, with the code and the sentence main sent. */
export class BridgeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
  }
}
