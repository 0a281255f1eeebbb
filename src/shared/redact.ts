/**
 * Masks API keys in text a provider sent back (error bodies, answers, model names) before it
 * reaches the database, a result file, a log or the window. A server may echo a key in another
 * case, cut short, or encoded, so every key is looked for in these forms:
 *
 *   - as written, in any letter case;
 *   - any piece of it at least `fragmentLength(key)` characters long (a truncation, a suffix);
 *   - base64 and base64url, at each of the three byte alignments (so the key is found inside
 *     the encoding of a longer text, such as `user:key` in a Basic header), and pieces of those;
 *   - percent-encoding (`encodeURIComponent`, and every byte as `%XX`) and hex, and pieces.
 *
 * How long a piece must be: at least 8 characters, and half the key, but never more than 16.
 * Below 8, ordinary words and identifiers would match; a random key's 16 characters (after
 * a vendor prefix such as `sk-ant-api03-`, at most 13) do not occur in ordinary text by
 * chance, and a piece shorter than that of a longer key leaves too much unknown to guess.
 * A key shorter than 8 characters is a placeholder (`ollama`, `EMPTY`, `lm-studio` is 9) rather
 * than a secret, and masking it would rewrite every answer that uses the word: it is left alone.
 *
 * Pure (no node built-ins): the same redactor runs in main and could run anywhere.
 */

/** Keys shorter than this are placeholders, not secrets: they are not masked. */
export const MIN_SECRET_LENGTH = 8;
/** A piece of a key this long (or longer) is always masked, whatever the key's length. */
export const MAX_FRAGMENT_LENGTH = 16;
/** What a masked key becomes. */
export const REDACTED = '[key redacted]';

/** The shortest piece of a key that is masked: max(8, half the key), at most 16. */
export function fragmentLength(key: string): number {
  return Math.min(MAX_FRAGMENT_LENGTH, Math.max(MIN_SECRET_LENGTH, Math.ceil(key.length / 2)));
}

function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The base64 characters that depend on the key's bytes alone when the key starts `offset`
 * bytes into a longer text: the characters that would appear whatever came before or after.
 */
function base64Core(bytes: readonly number[], offset: number): string {
  const first = offset * 8;
  const end = (offset + bytes.length) * 8;
  const bitAt = (b: number): number => {
    const byte = bytes[(b - first) >> 3] ?? 0;
    return (byte >> (7 - ((b - first) & 7))) & 1;
  };
  let out = '';
  // Character j covers bits [6j, 6j + 6): keep those wholly inside the key's bits.
  for (let bit = Math.ceil(first / 6) * 6; bit + 6 <= end; bit += 6) {
    let value = 0;
    for (let k = 0; k < 6; k++) value = (value << 1) | bitAt(bit + k);
    out += BASE64[value] ?? '';
  }
  return out;
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The forms a key is looked for in, each with the shortest piece of it that is masked. */
export function keyForms(key: string): { text: string; minLength: number }[] {
  const m = fragmentLength(key);
  const bytes = utf8(key);
  const forms: { text: string; minLength: number }[] = [{ text: key, minLength: m }];
  const component = encodeURIComponentSafe(key);
  if (component !== undefined && component !== key) forms.push({ text: component, minLength: m });
  forms.push({ text: bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''), minLength: 3 * m });
  forms.push({ text: hex(bytes), minLength: 2 * m });
  const b64Min = Math.ceil((4 * m) / 3);
  for (let offset = 0; offset < 3; offset++) {
    const core = base64Core(bytes, offset);
    forms.push({ text: core, minLength: b64Min });
    const url = core.replace(/\+/g, '-').replace(/\//g, '_');
    if (url !== core) forms.push({ text: url, minLength: b64Min });
  }
  return forms.filter((f) => f.text.length >= f.minLength);
}

function encodeURIComponentSafe(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** ASCII letters folded to lower case; every other character kept, so lengths never change. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

const HASH_BASE = 0x01000193;

function power(exponent: number): number {
  let out = 1;
  for (let i = 0; i < exponent; i++) out = Math.imul(out, HASH_BASE) >>> 0;
  return out;
}

interface WindowTable {
  width: number;
  /** B^(width-1) mod 2^32, to take the oldest character out of a rolling hash. */
  top: number;
  /** Folded windows of the key forms, by their hash. */
  byHash: Map<number, string[]>;
}

interface Span {
  start: number;
  end: number;
}

/**
 * A redactor for a set of keys. `redact(text)` masks every form of every key; `stream()`
 * gives a stateful redactor for text that arrives in pieces (a key split across two chunks is
 * still masked, and at most the tail that could begin a key is held back).
 */
export class SecretRedactor {
  private readonly tables: WindowTable[] = [];
  /** Folded forms, by the shortest piece of them that is masked. */
  private readonly formsByWidth = new Map<number, string[]>();
  /** The streams' matchers, built when the first stream starts. */
  private matchersCache: readonly PieceMatcher[] | undefined;

  constructor(secrets: Iterable<string | undefined>) {
    const byWidth = new Map<number, Set<string>>();
    const seen = new Set<string>();
    for (const raw of secrets) {
      if (raw === undefined) continue;
      for (const key of new Set([raw, raw.trim()])) {
        if (key.length < MIN_SECRET_LENGTH || seen.has(key)) continue;
        seen.add(key);
        for (const form of keyForms(key)) {
          const text = foldString(form.text);
          const forms = this.formsByWidth.get(form.minLength);
          if (forms) forms.push(text);
          else this.formsByWidth.set(form.minLength, [text]);
          let set = byWidth.get(form.minLength);
          if (!set) byWidth.set(form.minLength, (set = new Set()));
          for (let i = 0; i + form.minLength <= text.length; i++) set.add(text.slice(i, i + form.minLength));
        }
      }
    }
    for (const [width, windows] of byWidth) {
      const byHash = new Map<number, string[]>();
      for (const window of windows) {
        const h = hashFolded(window, 0, width);
        const list = byHash.get(h);
        if (list) list.push(window);
        else byHash.set(h, [window]);
      }
      this.tables.push({ width, top: power(width - 1), byHash });
    }
  }

  /** True when there is anything to mask. */
  get active(): boolean {
    return this.tables.length > 0;
  }

  redact(text: string): string {
    if (!this.active || text === '') return text;
    return mask(text, this.spans(text));
  }

  /** A redactor for one stream of text; see StreamRedactor. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  /** Where the keys are in a text: sorted, merged [start, end) ranges. */
  spans(text: string): Span[] {
    const found: Span[] = [];
    for (const table of this.tables) findWindows(text, table, found);
    return merge(found);
  }

  /**
   * How many characters at the end of a text could be the start of a key in some form (the
   * longest suffix that is a piece of one): a stream holds them back until it knows.
   */
  pendingTail(text: string): number {
    let best = 0;
    for (const matcher of this.matchers()) {
      const cursor = { state: 0, length: 0 };
      // A piece is at most as long as the longest form, so earlier characters cannot matter.
      for (let i = Math.max(0, text.length - matcher.longest); i < text.length; i++) matcher.step(cursor, fold(text.charCodeAt(i)));
      best = Math.max(best, cursor.length);
    }
    return best;
  }

  /** One matcher per piece length (see PieceMatcher), built once and shared by every stream. */
  matchers(): readonly PieceMatcher[] {
    this.matchersCache ??= [...this.formsByWidth].map(([width, forms]) => new PieceMatcher(width, forms));
    return this.matchersCache;
  }
}

/**
 * A suffix automaton of a set of folded forms that all mask pieces of the same length: fed a
 * text a character at a time, it knows the longest suffix read so far that is a piece of a form
 * (any substring), in amortised constant work per character. That length is what a stream
 * holds back, and when it reaches `width` the last `width` characters are a piece to mask.
 */
export class PieceMatcher {
  private readonly len: number[] = [0];
  private readonly link: number[] = [-1];
  private readonly next: Map<number, number>[] = [new Map()];
  /** The longest form's length: no piece is longer. */
  readonly longest: number;

  constructor(
    readonly width: number,
    forms: readonly string[],
  ) {
    let longest = 0;
    for (const form of forms) {
      longest = Math.max(longest, form.length);
      let last = 0;
      for (let i = 0; i < form.length; i++) last = this.extend(last, form.charCodeAt(i));
    }
    this.longest = longest;
  }

  /**
   * Reads one folded character: `cursor` becomes the longest suffix that is a piece. Returns the
   * work done (transitions and suffix links followed), so tests can count it.
   */
  step(cursor: MatchCursor, code: number): number {
    let work = 1;
    let state = cursor.state;
    let length = cursor.length;
    let to = this.edges(state).get(code);
    while (to === undefined && state !== 0) {
      state = this.link[state] ?? 0;
      length = this.len[state] ?? 0;
      to = this.edges(state).get(code);
      work++;
    }
    if (to === undefined) {
      cursor.state = 0;
      cursor.length = 0;
    } else {
      cursor.state = to;
      cursor.length = length + 1;
    }
    return work;
  }

  /** Forgets all but the last `max` characters read (a stream's cut passed the rest). */
  shorten(cursor: MatchCursor, max: number): number {
    if (cursor.length <= max) return 0;
    let work = 0;
    let state = cursor.state;
    for (let parent = this.link[state] ?? -1; parent !== -1 && (this.len[parent] ?? 0) >= max; parent = this.link[state] ?? -1) {
      state = parent;
      work++;
    }
    cursor.state = state;
    cursor.length = max;
    return work;
  }

  private edges(state: number): Map<number, number> {
    const edges = this.next[state];
    if (!edges) throw new Error(`no state ${state}`);
    return edges;
  }

  private add(len: number, link: number, next: Map<number, number>): number {
    this.len.push(len);
    this.link.push(link);
    this.next.push(next);
    return this.len.length - 1;
  }

  /** The generalised suffix automaton's online construction (a new form starts at the root). */
  private extend(last: number, code: number): number {
    const lastLen = this.len[last] ?? 0;
    const existing = this.edges(last).get(code);
    if (existing !== undefined) return (this.len[existing] ?? 0) === lastLen + 1 ? existing : this.split(last, code, existing);
    const cur = this.add(lastLen + 1, 0, new Map());
    let p = last;
    while (p !== -1 && !this.edges(p).has(code)) {
      this.edges(p).set(code, cur);
      p = this.link[p] ?? -1;
    }
    if (p !== -1) {
      const q = this.edges(p).get(code) ?? 0;
      this.link[cur] = (this.len[p] ?? 0) + 1 === (this.len[q] ?? 0) ? q : this.split(p, code, q);
    }
    return cur;
  }

  /** Splits state q so that p's transition on `code` leads to a state of length len(p) + 1. */
  private split(p: number, code: number, q: number): number {
    const clone = this.add((this.len[p] ?? 0) + 1, this.link[q] ?? 0, new Map(this.edges(q)));
    for (let at = p; at !== -1 && this.edges(at).get(code) === q; at = this.link[at] ?? -1) this.edges(at).set(code, clone);
    this.link[q] = clone;
    return clone;
  }
}

/** Where a matcher is in a text: its state, and the length of the piece that ends here. */
export interface MatchCursor {
  state: number;
  length: number;
}

/**
 * Masks keys in text that arrives in pieces. `push` returns what can be shown now; the tail
 * that might still turn into a key is held until the next piece (or `end`).
 *
 * Each character is read once, by one automaton per piece length (see PieceMatcher), so the
 * work per piece is proportional to the piece, however it is cut: a server sending a key's
 * encoding a character at a time costs what one large chunk would. Only the held tail (at most
 * the longest form of a key, or up to the end of a key found across the cut) is copied again.
 */
export class StreamRedactor {
  private held = '';
  /** How many characters came before `held`. */
  private base = 0;
  /** Pieces found in `held`, by absolute position, in the order found. */
  private found: Span[] = [];
  private readonly matchers: readonly PieceMatcher[];
  private readonly cursors: MatchCursor[];
  private work = 0;

  constructor(private readonly redactor: SecretRedactor) {
    this.matchers = redactor.active ? redactor.matchers() : [];
    this.cursors = this.matchers.map(() => ({ state: 0, length: 0 }));
  }

  /** Matcher steps taken so far: bounded by a small multiple of the characters pushed. */
  get steps(): number {
    return this.work;
  }

  push(piece: string): string {
    if (!this.redactor.active) return piece;
    const start = this.base + this.held.length;
    for (let i = 0; i < piece.length; i++) {
      const code = fold(piece.charCodeAt(i));
      const end = start + i + 1;
      for (let m = 0; m < this.matchers.length; m++) {
        const matcher = this.matchers[m];
        const cursor = this.cursors[m];
        if (!matcher || !cursor) continue;
        this.work += matcher.step(cursor, code);
        if (cursor.length >= matcher.width) this.addSpan(end - matcher.width, end);
      }
    }
    const text = this.held + piece;
    let tail = 0;
    for (const cursor of this.cursors) tail = Math.max(tail, cursor.length);
    let cut = text.length - tail;
    let shown: string;
    if (this.found.length === 0) {
      // The usual case: no piece of a key in sight, nothing to mask.
      shown = cut === 0 ? '' : text.slice(0, cut);
    } else {
      const spans = merge(this.found).map((s) => ({ start: s.start - this.base, end: s.end - this.base }));
      // A key found across the cut is shown masked now, whole, rather than split.
      for (const span of spans) if (span.start < cut && span.end > cut) cut = span.end;
      shown = mask(text.slice(0, cut), spans.filter((s) => s.start < cut));
      this.found = spans.filter((s) => s.start >= cut).map((s) => ({ start: s.start + this.base, end: s.end + this.base }));
    }
    this.held = cut === 0 ? text : text.slice(cut);
    this.base += cut;
    // What was shown is no longer context for a piece: matching goes on from the held tail.
    for (let m = 0; m < this.matchers.length; m++) {
      const matcher = this.matchers[m];
      const cursor = this.cursors[m];
      if (matcher && cursor && cursor.length > this.held.length) this.work += matcher.shorten(cursor, this.held.length);
    }
    return shown;
  }

  /** The rest, masked: call when the stream ends. */
  end(): string {
    const rest = this.held;
    this.base += rest.length;
    this.held = '';
    this.found = [];
    for (const cursor of this.cursors) {
      cursor.state = 0;
      cursor.length = 0;
    }
    return this.redactor.redact(rest);
  }

  private addSpan(start: number, end: number): void {
    const last = this.found[this.found.length - 1];
    // Overlapping windows extend the last span instead of adding another.
    if (last && last.end >= start && last.start <= start) last.end = Math.max(last.end, end);
    else this.found.push({ start, end });
  }
}

function foldString(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function hashFolded(text: string, start: number, width: number): number {
  let h = 0;
  for (let i = 0; i < width; i++) h = (Math.imul(h, HASH_BASE) + fold(text.charCodeAt(start + i))) >>> 0;
  return h;
}

function matchesAt(text: string, start: number, window: string): boolean {
  for (let i = 0; i < window.length; i++) if (fold(text.charCodeAt(start + i)) !== window.charCodeAt(i)) return false;
  return true;
}

/** Every place a window of the table occurs in the text (case folded), by a rolling hash. */
function findWindows(text: string, table: WindowTable, out: Span[]): void {
  const { width, top, byHash } = table;
  if (text.length < width) return;
  let h = hashFolded(text, 0, width);
  for (let start = 0; ; start++) {
    const candidates = byHash.get(h);
    if (candidates?.some((w) => matchesAt(text, start, w))) {
      const last = out[out.length - 1];
      // Overlapping windows of one piece extend the last span instead of adding another.
      if (last && last.end >= start && last.start <= start) last.end = Math.max(last.end, start + width);
      else out.push({ start, end: start + width });
    }
    const next = start + width;
    if (next >= text.length) break;
    const outgoing = fold(text.charCodeAt(start));
    h = (Math.imul((h - Math.imul(outgoing, top)) >>> 0, HASH_BASE) + fold(text.charCodeAt(next))) >>> 0;
  }
}

function merge(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else out.push({ ...span });
  }
  return out;
}

function mask(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.start >= text.length) break;
    out += text.slice(at, span.start) + REDACTED;
    at = Math.min(span.end, text.length);
  }
  return out + text.slice(at);
}

/** Masks every form of the given keys in a text (see SecretRedactor). */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  return new SecretRedactor(secrets).redact(text);
}
