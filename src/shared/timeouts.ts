/**
 * How long Parallax waits for a provider, per request: to connect, for the first byte of the
 * answer, between two pieces of a streamed answer (idle), and for the whole cell, retries
 * included (total). Each is configurable per provider (Settings) and by `parallax eval` flags;
 * a timeout that fires says which one it was.
 */
import { z } from 'zod';

export const TIMEOUT_KINDS = ['connect', 'firstByte', 'idle', 'total'] as const;
export type TimeoutKind = (typeof TIMEOUT_KINDS)[number];

/** The limits, in milliseconds, that a person may set (a minute of connecting is plenty; a cell may take a day). */
export const TIMEOUT_BOUNDS: Record<TimeoutKind, { min: number; max: number }> = {
  connect: { min: 100, max: 10 * 60_000 },
  firstByte: { min: 100, max: 24 * 3_600_000 },
  idle: { min: 100, max: 24 * 3_600_000 },
  total: { min: 100, max: 24 * 3_600_000 },
};

export const DEFAULT_TIMEOUTS: Readonly<Record<TimeoutKind, number>> = {
  connect: 10_000,
  firstByte: 30_000,
  idle: 60_000,
  total: 10 * 60_000,
};

/** What each is called: in Settings, in `parallax eval`'s flags, and in the sentence a cell fails with. */
export const TIMEOUT_NAMES: Readonly<Record<TimeoutKind, { label: string; flag: string; name: string }>> = {
  connect: { label: 'Connect timeout', flag: '--timeout-connect', name: 'connect timeout' },
  firstByte: { label: 'First-byte timeout', flag: '--timeout-first-byte', name: 'first-byte timeout' },
  idle: { label: 'Idle-stream timeout', flag: '--timeout-idle', name: 'idle timeout' },
  total: { label: 'Total timeout', flag: '--timeout-total', name: 'total timeout' },
};

function bounded(kind: TimeoutKind): z.ZodNumber {
  const { min, max } = TIMEOUT_BOUNDS[kind];
  const { label } = TIMEOUT_NAMES[kind];
  return z
    .number()
    .int()
    .min(min, `${label}: at least ${formatDuration(min)}.`)
    .max(max, `${label}: at most ${formatDuration(max)}.`);
}

/** A provider's own timeouts, in milliseconds; an absent one takes the default. */
export const providerTimeoutsSchema = z.object({
  connect: bounded('connect').optional(),
  firstByte: bounded('firstByte').optional(),
  idle: bounded('idle').optional(),
  total: bounded('total').optional(),
});
export type ProviderTimeouts = z.infer<typeof providerTimeoutsSchema>;
export type Timeouts = Readonly<Record<TimeoutKind, number>>;

/** The timeouts in force: the defaults, overridden by each layer in turn (a provider's, then flags). */
export function resolveTimeouts(...layers: (ProviderTimeouts | undefined)[]): Timeouts {
  const out: Record<TimeoutKind, number> = { ...DEFAULT_TIMEOUTS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const kind of TIMEOUT_KINDS) {
      const value = layer[kind];
      if (value !== undefined) out[kind] = value;
    }
  }
  return out;
}

/** 30 s, 0.3 s, 10 minutes, 1 hour: a duration as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(ms % 100 === 0 ? 1 : 2))} s`;
  return `${Math.round(ms / 1000)} s`;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Reads a duration as a person writes it: `30s`, `1.5s`, `500ms`, `10m`, `1h`, or a bare
 * number of seconds. Undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$/i.exec(text);
  if (!match?.[1]) return undefined;
  const unit = UNITS[(match[2] ?? 's').toLowerCase()];
  if (unit === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Why a value cannot be a timeout of this kind, or undefined when it can. */
export function timeoutProblem(kind: TimeoutKind, ms: number): string | undefined {
  const result = bounded(kind).safeParse(ms);
  return result.success ? undefined : (result.error.issues[0]?.message ?? `${TIMEOUT_NAMES[kind].label} is not a duration.`);
}

/** 30s, 10m, 1h, 500ms: a duration as a person types it (parseDuration reads it back). */
export function writeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Timeouts as typed in a form (empty = the default), or the sentence that says which one is wrong. */
export function readTimeoutFields(typed: Readonly<Partial<Record<TimeoutKind, string>>>): ProviderTimeouts | string {
  const out: ProviderTimeouts = {};
  for (const kind of TIMEOUT_KINDS) {
    const text = (typed[kind] ?? '').trim();
    if (text === '') continue;
    const ms = parseDuration(text);
    if (ms === undefined) return `${TIMEOUT_NAMES[kind].label}: "${text}" is not a duration; write one such as 500ms, 30s, 10m or 1h.`;
    const problem = timeoutProblem(kind, ms);
    if (problem !== undefined) return problem;
    out[kind] = ms;
  }
  return out;
}
