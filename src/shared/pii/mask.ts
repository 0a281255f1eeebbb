/**
 * Masks personal data in a request's messages with placeholders (`[EMAIL_1]`) and restores them
 * in the answer. Within one request the same value always gets the same placeholder, so a
 * model that repeats it is understood; a placeholder-looking text the prompt already held
 * (`[EMAIL_1]` typed by the person) is never handed out, so restoring cannot turn it into
 * somebody's address.
 */
import type { Message } from '../schemas';
import { MAX_SCAN_CHARS, PII_TAGS, type PiiCounts, type PiiKind, type PiiPolicy, type PiiSpan } from './kinds';

/** Placeholder → the original value, for one request. */
export type PiiMapping = Readonly<Record<string, string>>;

/** Finds the personal data in one text (main's scanner: the shared detectors plus secrets); `complete`: all of it was read. */
export type PiiScan = (text: string) => Promise<{ spans: PiiSpan[]; complete: boolean }>;

/** What a policy makes of a request. */
export type MaskOutcome =
  | { action: 'send'; messages: Message[]; mapping: PiiMapping; counts: PiiCounts; found: number; kinds: Readonly<Record<string, PiiKind>> }
  | { action: 'block'; counts: PiiCounts; found: number }
  | { action: 'refuse'; why: string };

const PLACEHOLDER = /\[([A-Z]+(?:_[A-Z]+)*)_(\d{1,6})\]/g;
/** The longest placeholder handed out: `[NATIONAL_ID_999999]`. */
const MAX_PLACEHOLDER = 20;

/**
 * Every text of a message a provider receives: its content, the speaker's name, its text parts
 * and its tool calls' arguments. Images and a column's extra request fields are not read (README).
 */
function textsOf(message: Message): string[] {
  return [
    message.content,
    ...(message.name !== undefined ? [message.name] : []),
    ...(message.parts ?? []).flatMap((p) => (p.type === 'text' ? [p.text] : [])),
    ...(message.toolCalls ?? []).map((c) => c.arguments),
  ];
}

function mapTexts(message: Message, map: (text: string) => string): Message {
  return {
    ...message,
    content: map(message.content),
    ...(message.name !== undefined ? { name: map(message.name) } : {}),
    ...(message.parts ? { parts: message.parts.map((p) => (p.type === 'text' ? { ...p, text: map(p.text) } : p)) } : {}),
    ...(message.toolCalls ? { toolCalls: message.toolCalls.map((c) => ({ ...c, arguments: map(c.arguments) })) } : {}),
  };
}

/** Characters of the request's texts: past MAX_SCAN_CHARS it is not scanned, so it is not sent masked either. */
export function requestChars(messages: readonly Message[]): number {
  return messages.reduce((n, m) => n + textsOf(m).reduce((k, t) => k + t.length, 0), 0);
}

function countOf(spans: readonly PiiSpan[]): PiiCounts {
  const counts: Partial<Record<PiiKind, number>> = {};
  for (const s of spans) counts[s.kind] = (counts[s.kind] ?? 0) + 1;
  return counts;
}

/** Numbers of placeholders the texts already hold, by tag: never handed out. */
function reservedOf(texts: readonly string[]): Set<string> {
  const reserved = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(PLACEHOLDER)) reserved.add(m[0]);
  return reserved;
}

/** Hands out placeholders: one per distinct value and kind, numbered per kind in order of appearance. */
class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly next = new Map<string, number>();
  readonly mapping: Record<string, string> = Object.create(null) as Record<string, string>;
  readonly kinds: Record<string, PiiKind> = Object.create(null) as Record<string, PiiKind>;

  constructor(private readonly reserved: ReadonlySet<string>) {}

  for(kind: PiiKind, value: string): string {
    const key = `${kind}\u0000${value}`;
    const known = this.byValue.get(key);
    if (known !== undefined) return known;
    const tag = PII_TAGS[kind];
    let n = this.next.get(tag) ?? 1;
    while (this.reserved.has(`[${tag}_${n}]`)) n++;
    this.next.set(tag, n + 1);
    const placeholder = `[${tag}_${n}]`;
    this.byValue.set(key, placeholder);
    this.mapping[placeholder] = value;
    this.kinds[placeholder] = kind;
    return placeholder;
  }
}

function replaceSpans(text: string, spans: readonly PiiSpan[], names: Placeholders): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + names.for(s.kind, s.text);
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * Applies a policy to a request: `off` sends it untouched and unscanned; `warn` sends it as it is
 * with what was found counted; `mask` sends placeholders; `block` sends nothing when anything
 * was found. A request too long to scan is refused under mask and block (its tail would leave
 * unread) and scanned only in part under warn.
 */
export async function maskMessages(messages: readonly Message[], policy: PiiPolicy, scan: PiiScan): Promise<MaskOutcome> {
  if (policy === 'off') return { action: 'send', messages: [...messages], mapping: {}, counts: {}, found: 0, kinds: {} };
  const chars = requestChars(messages);
  if (chars > MAX_SCAN_CHARS && policy !== 'warn') {
    return { action: 'refuse', why: `the request has ${chars.toLocaleString('en-US')} characters, more than the ${MAX_SCAN_CHARS.toLocaleString('en-US')} Parallax scans for personal data` };
  }
  const found = new Map<string, PiiSpan[]>();
  for (const message of messages) {
    for (const text of textsOf(message)) {
      if (found.has(text)) continue;
      const scanned = await scan(text);
      if (!scanned.complete && policy !== 'warn') return { action: 'refuse', why: 'scanning it for personal data took longer than its time budget' };
      found.set(text, scanned.spans);
    }
  }
  // Counted once per place in the request it occurs (content and its text parts hold the same text: once).
  const counts = countOf(messages.flatMap((m) => [...new Set(textsOf(m))].flatMap((t) => found.get(t) ?? [])));
  const total = Object.values(counts).reduce((n, c) => n + c, 0);
  if (policy === 'warn') return { action: 'send', messages: [...messages], mapping: {}, counts, found: total, kinds: {} };
  if (policy === 'block') return total > 0 ? { action: 'block', counts, found: total } : { action: 'send', messages: [...messages], mapping: {}, counts, found: 0, kinds: {} };
  const names = new Placeholders(reservedOf(messages.flatMap(textsOf)));
  const masked = messages.map((m) => mapTexts(m, (text) => replaceSpans(text, found.get(text) ?? [], names)));
  return { action: 'send', messages: masked, mapping: names.mapping, counts, found: total, kinds: names.kinds };
}

/** The answer with every placeholder of this request's mapping put back; any other text stays as it is. */
export function unmask(text: string, mapping: PiiMapping): string {
  if (Object.keys(mapping).length === 0) return text;
  return text.replace(PLACEHOLDER, (placeholder) => (Object.hasOwn(mapping, placeholder) ? (mapping[placeholder] ?? placeholder) : placeholder));
}

/**
 * Restores placeholders in an answer that arrives in pieces: a piece that ends inside what may
 * be a placeholder (`[EMA`) is held back until the rest comes.
 */
export class StreamUnmasker {
  private held = '';

  constructor(private readonly mapping: PiiMapping) {}

  push(text: string): string {
    const joined = this.held + text;
    const open = joined.lastIndexOf('[');
    const pending = open >= 0 && !joined.includes(']', open) && joined.length - open < MAX_PLACEHOLDER;
    this.held = pending ? joined.slice(open) : '';
    return unmask(pending ? joined.slice(0, open) : joined, this.mapping);
  }

  end(): string {
    const rest = unmask(this.held, this.mapping);
    this.held = '';
    return rest;
  }
}

/** A hint of a value that says what it was without repeating it: `a…@…` for an e-mail, its first two characters else. */
export function hintOf(kind: PiiKind, value: string): string {
  if (kind === 'email') return `${value.slice(0, 1)}…@…`;
  if (kind === 'secret') return `${value.slice(0, 4)}…`;
  return `${value.slice(0, 2)}…`;
}
