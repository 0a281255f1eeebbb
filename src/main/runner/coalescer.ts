/**
 * Gathers a cell's stream deltas and sends them at most once per interval, so the renderer
 * gets a few dozen small messages per second per cell instead of one per token, and never the
 * whole text again.
 */
import type { AppEvent } from '../../shared/contract';

interface Pending {
  runId: string;
  text: string;
  seq: number;
}

export class DeltaCoalescer {
  private readonly pending = new Map<string, Pending>();
  private readonly seqs = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly emit: (event: AppEvent) => void,
    private readonly intervalMs = 25,
  ) {}

  push(runId: string, cellId: string, text: string): void {
    if (!text) return;
    const entry = this.pending.get(cellId);
    if (entry) entry.text += text;
    else this.pending.set(cellId, { runId, text, seq: this.seqs.get(cellId) ?? 0 });
    this.timer ??= setTimeout(() => this.flushAll(), this.intervalMs);
  }

  /** Sends what a cell has waiting now: called before its final update so order holds. */
  flush(cellId: string): void {
    const entry = this.pending.get(cellId);
    if (!entry) return;
    this.pending.delete(cellId);
    this.seqs.set(cellId, entry.seq + 1);
    this.emit({ type: 'cell.delta', runId: entry.runId, cellId, seq: entry.seq, text: entry.text });
  }

  /** Forgets a finished cell's sequence counter. */
  forget(cellId: string): void {
    this.flush(cellId);
    this.seqs.delete(cellId);
  }

  flushAll(): void {
    this.timer = undefined;
    for (const cellId of [...this.pending.keys()]) this.flush(cellId);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushAll();
  }
}
