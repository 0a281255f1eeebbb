/**
 * The timeouts of one request to an OpenAI-compatible server (src/shared/timeouts.ts):
 * connecting (undici's connect timeout, on a dispatcher per connect limit), the first byte of
 * the response body, the longest pause between two pieces of it (idle), and the cell's
 * deadline (total, retries included). A `Watch` times one request through the `fetch` the SDK
 * calls, aborts it when a limit passes, and remembers which one fired.
 */
import { Agent } from 'undici';
import { AppError } from '../../shared/errors';
import { TIMEOUT_NAMES, formatDuration, type TimeoutKind, type Timeouts } from '../../shared/timeouts';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const agents = new Map<number, Agent>();

/** One dispatcher per connect timeout, shared by every provider that uses it (keep-alive included). */
function agentFor(connectMs: number): Agent {
  let agent = agents.get(connectMs);
  if (!agent) agents.set(connectMs, (agent = new Agent({ connect: { timeout: connectMs }, headersTimeout: 0, bodyTimeout: 0 })));
  return agent;
}

/** `fetch` that connects within `connectMs` (undici's own 300 s header and body timeouts are off: Watch times those). */
export function connectingFetch(connectMs: number, inner: Fetch = fetch): Fetch {
  const dispatcher = agentFor(connectMs);
  return (input, init) => inner(input, Object.assign({}, init, { dispatcher }));
}

/** True when `error` (or one of its causes) is undici's connect timeout. */
export function isConnectTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as Error & { code?: unknown }).code === 'UND_ERR_CONNECT_TIMEOUT') return true;
  }
  return false;
}

/** The sentence a cell fails with when a timeout fires; it names the timeout. */
export function timeoutError(kind: TimeoutKind, ms: number, baseUrl: string, retryable: boolean): AppError {
  const name = TIMEOUT_NAMES[kind].name;
  const limit = formatDuration(ms);
  switch (kind) {
    case 'connect':
      return new AppError('network', `Could not connect to ${baseUrl} within ${limit} (${name}). Is the server running and reachable?`, { retryable });
    case 'firstByte':
      return new AppError('network', `No first byte from ${baseUrl} within ${limit} (${name}): the server accepted the request but did not answer.`, { retryable });
    case 'idle':
      return new AppError('network', `${baseUrl} sent nothing for ${limit} in the middle of the answer (${name}), so Parallax stopped waiting. The partial answer is kept.`, { retryable });
    case 'total':
      return new AppError('network', `${baseUrl} had not finished the answer after ${limit} (${name}), so Parallax stopped waiting. The partial answer is kept.`, { retryable: false });
  }
}

/**
 * Times one request. The first-byte timer runs from the start until the response body's first
 * byte; from then on the idle timer restarts with every piece; the total timer runs to the
 * deadline. When one passes, `controller` is aborted and `fired` says which.
 */
export class Watch {
  fired: TimeoutKind | undefined;
  private firstByte: ReturnType<typeof setTimeout> | undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private total: ReturnType<typeof setTimeout> | undefined;
  private done = false;

  constructor(
    private readonly timeouts: Timeouts,
    private readonly controller: AbortController,
    /** performance.now() by which the request must be over (the cell's total deadline). */
    readonly deadline: number,
    now: number,
  ) {
    this.total = setTimeout(() => this.fire('total'), Math.max(0, deadline - now));
    // Until the request is sent, nothing else is timed: the SDK calls fetch at once.
    if (timeouts.firstByte < deadline - now) this.firstByte = setTimeout(() => this.fire('firstByte'), timeouts.firstByte);
  }

  /** The limit that fired, as a number of milliseconds (the total's is the whole time the cell had). */
  limitOf(kind: TimeoutKind): number {
    return this.timeouts[kind];
  }

  private fire(kind: TimeoutKind): void {
    if (this.done || this.fired !== undefined) return;
    this.fired = kind;
    this.stop();
    this.controller.abort();
  }

  /** A piece of the body arrived. */
  private progress(): void {
    if (this.done) return;
    if (this.firstByte !== undefined) {
      clearTimeout(this.firstByte);
      this.firstByte = undefined;
    }
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.fire('idle'), this.timeouts.idle);
  }

  /** The request is over (answered, failed or stopped): no timer fires any more. */
  stop(): void {
    this.done = true;
    for (const timer of [this.firstByte, this.idle, this.total]) if (timer !== undefined) clearTimeout(timer);
    this.firstByte = this.idle = this.total = undefined;
  }

  /** `fetch` whose response body reports each piece to this watch. */
  wrap(inner: Fetch): Fetch {
    return async (input, init) => {
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (error) {
        // The SDK reports any failure that mentions a timeout as its own, without the cause: remember it here.
        if (isConnectTimeout(error) && this.fired === undefined) {
          this.fired = 'connect';
          this.stop();
        }
        throw error;
      }
      const body = response.body;
      if (!body) {
        this.progress();
        return response;
      }
      const reader = body.getReader();
      const watched = new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          try {
            const { done, value } = await reader.read();
            if (done) {
              controller.close();
              return;
            }
            if (value.byteLength > 0) this.progress();
            controller.enqueue(value);
          } catch (error) {
            controller.error(error);
          }
        },
        cancel: (reason) => reader.cancel(reason),
      });
      const out = new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(out, 'url', { value: response.url });
      return out;
    };
  }
}
