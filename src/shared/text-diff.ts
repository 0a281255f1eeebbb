/**
 * A word-level diff of two answers, for reading what changed between two variants, two
 * repeats, or a run and its baseline. Answers are hostile text (up to the runner's cap, or
 * more where a person raised it), so the work is bounded: words up to a size, lines above it,
 * and a refusal with a sentence above that. Each step also stops after a time budget, since
 * Myers' diff costs the product of length and edit distance.
 */
import { diffLines, diffWordsWithSpace, type Change } from 'diff';

export type DiffPartKind = 'same' | 'added' | 'removed';

export interface DiffPart {
  kind: DiffPartKind;
  text: string;
}

export interface TextDiff {
  /** How finely the texts were compared: by word, by line, or not at all (too big). */
  granularity: 'words' | 'lines' | 'none';
  parts: readonly DiffPart[];
  /** Words (or lines, for a line diff) added and removed. */
  added: number;
  removed: number;
  /** The texts are the same once line endings are made alike. */
  identical: boolean;
  /** Only the line endings differ (CRLF against LF). */
  lineEndingsDiffer: boolean;
  /** Why the diff is coarser than words, in a sentence; absent for a word diff. */
  note?: string;
}

export interface DiffLimits {
  /** Above this many characters on either side, lines are compared instead of words. */
  wordChars: number;
  /** Above this many characters on either side, the texts are not compared. */
  lineChars: number;
  /** Time budget for each attempt, in milliseconds. */
  timeoutMs: number;
  /** Optionally, the most edits (tokens added plus removed) an attempt may find before it gives up. */
  maxEdits?: number;
}

export const DIFF_LIMITS: DiffLimits = { wordChars: 200_000, lineChars: 4_000_000, timeoutMs: 500 };

function sizeWords(chars: number): string {
  if (chars >= 1_000_000) return `${(chars / 1_000_000).toFixed(1)} million characters`;
  return `${chars.toLocaleString('en-US')} characters`;
}

/** Words in a piece of a word diff: runs of non-space, so "end." is one word and a lone "," is one. */
function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function partsOf(changes: readonly Change[], count: (change: Change) => number): Pick<TextDiff, 'parts' | 'added' | 'removed'> {
  const parts: DiffPart[] = [];
  let added = 0;
  let removed = 0;
  for (const change of changes) {
    const kind: DiffPartKind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    if (kind === 'added') added += count(change);
    if (kind === 'removed') removed += count(change);
    const last = parts[parts.length - 1];
    // Neighbouring pieces of one kind read as one: fewer elements to render.
    if (last && last.kind === kind) last.text += change.value;
    else parts.push({ kind, text: change.value });
  }
  return { parts, added, removed };
}

function bounds(limits: DiffLimits): { timeout: number; maxEditLength?: number } {
  return limits.maxEdits === undefined ? { timeout: limits.timeoutMs } : { timeout: limits.timeoutMs, maxEditLength: limits.maxEdits };
}

/**
 * Compares `before` with `after`. Never throws and never runs unbounded: a word diff below
 * `wordChars`, else (or when the word diff runs out of time) a line diff below `lineChars`,
 * else no diff and a note that says why.
 */
export function diffTexts(before: string, after: string, limits: DiffLimits = DIFF_LIMITS): TextDiff {
  const longest = Math.max(before.length, after.length);
  if (longest > limits.lineChars) {
    return {
      granularity: 'none',
      parts: [],
      added: 0,
      removed: 0,
      identical: before === after,
      lineEndingsDiffer: false,
      note: `Too long to compare: ${sizeWords(longest)}, above the limit of ${sizeWords(limits.lineChars)}.`,
    };
  }
  // CRLF against LF is not a difference a reader wants marked on every line.
  const a = before.replace(/\r\n/g, '\n');
  const b = after.replace(/\r\n/g, '\n');
  if (a === b) {
    const lineEndingsDiffer = before !== after;
    return { granularity: 'words', parts: a === '' ? [] : [{ kind: 'same', text: a }], added: 0, removed: 0, identical: true, lineEndingsDiffer };
  }
  let note: string | undefined;
  if (longest <= limits.wordChars) {
    const words = diffWordsWithSpace(a, b, bounds(limits));
    if (words) return { granularity: 'words', ...partsOf(words, (c) => countWords(c.value)), identical: false, lineEndingsDiffer: false };
    note = 'The answers differ too much to compare word by word in time, so whole lines are compared.';
  } else {
    note = `Longer than ${sizeWords(limits.wordChars)}, so whole lines are compared instead of words.`;
  }
  const lines = diffLines(a, b, bounds(limits));
  if (lines) return { granularity: 'lines', ...partsOf(lines, (c) => c.count), identical: false, lineEndingsDiffer: false, note };
  return {
    granularity: 'none',
    parts: [],
    added: 0,
    removed: 0,
    identical: false,
    lineEndingsDiffer: false,
    note: 'The answers differ too much to compare in time.',
  };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

const SAME = 'The two answers are the same text.';
const SAME_BUT_LINE_ENDINGS = 'The two answers are the same text, apart from line endings.';

/** The sentence for two texts that are the same (line endings aside), without diffing texts that are not. */
export function sameTextMessage(before: string, after: string, limits: DiffLimits = DIFF_LIMITS): string | undefined {
  if (before === after) return SAME;
  if (Math.max(before.length, after.length) > limits.lineChars) return undefined;
  return before.replace(/\r\n/g, '\n') === after.replace(/\r\n/g, '\n') ? SAME_BUT_LINE_ENDINGS : undefined;
}

/** "12 words added, 3 removed", or what stands in for it. */
export function diffSummary(diff: TextDiff): string {
  if (diff.identical) return diff.lineEndingsDiffer ? SAME_BUT_LINE_ENDINGS : SAME;
  if (diff.granularity === 'none') return diff.note ?? 'Not compared.';
  const unit = diff.granularity === 'lines' ? 'line' : 'word';
  return `${plural(diff.added, unit)} added, ${diff.removed.toLocaleString('en-US')} removed`;
}
