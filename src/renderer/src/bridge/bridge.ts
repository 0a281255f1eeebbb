/**
 * The renderer's one way to reach main. Two implementations: Electron (the preload's
 * `window.parallax`) and web (fetch + an event stream). Picked once at start-up.
 */
import type { Api, AppEvent } from '../../../shared/contract';

export interface Bridge {
  api: Api;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Called when the event stream comes back after a break (browser mode); events in between were lost. */
  onReconnect?(listener: () => void): () => void;
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
