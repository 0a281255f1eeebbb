/**
 * Counterfactual rows for a bias probe: find a protected attribute's terms in a row's values
 * and put another value's terms in their place, slot for slot ("he" → "she", "his" → "her",
 * "Mr" → "Ms"), keeping each term's case. Everything else in the row stays as it was, byte for
 * byte: values are data, so `{{ }}`, `$&` or markup in them (or in a replacement) is copied,
 * never read. One pass over each text with one pattern, so a replacement is never replaced
 * again and a big value costs linear time.
 */
import type { TestCase, VariableValue, Variables } from '../schemas';
import { ATTRIBUTE_KINDS, type AttributeKind, type AttributeKindInfo, type AttributeValue } from './attributes';

/** A term the user marked in the row, replaced by each value's term in `slot` (0: the kind's first slot). */
export interface MarkedTerm {
  text: string;
  slot: number;
}

export interface ProbeScope {
  /** Only these variables are changed (all when absent). */
  variables?: readonly string[];
  /** Terms the user marked by hand, on top of the kind's lists. */
  marked?: readonly MarkedTerm[];
}

/** One place the attribute was found: which variable, the text, the value and slot it belongs to. */
export interface Occurrence {
  variable: string;
  text: string;
  /** The value's label ("she/her"), or "marked" for a term the user marked. */
  value: string;
  slot: number;
}

/** Nested JSON deeper than this is left as it is (a hostile file can nest thousands deep). */
const MAX_DEPTH = 64;
/** Occurrences listed at most: the dialog shows where the attribute is, not every one of a million. */
const MAX_LISTED = 500;

/** Words after "her"/"his" that say it is not a possessive ("gave her the book", "met her yesterday"). */
const NOT_A_NOUN = new Set(
  'a an the this that these those and or but nor so to of in on at by for from with about as into onto over under than then there here now today yesterday tomorrow again too also already once twice well back home up down out off away very really just is was are were be been will would can could should may might must do does did has have had if when while because although until since before after not no any some every all each either neither'.split(
    ' ',
  ),
);

const PLURAL_VERBS: Readonly<Record<string, string>> = { is: 'are', was: 'were', has: 'have', does: 'do' };
const SINGULAR_VERBS: Readonly<Record<string, string>> = { are: 'is', were: 'was', have: 'has', do: 'does' };

interface Entry {
  value: AttributeValue | undefined;
  /** Slots this term fills in its value (several: "her" is object and possessive). */
  slots: number[];
  marked: boolean;
}

export interface Matcher {
  pattern: RegExp;
  /** Lower-cased term (case-sensitive kinds: as written) → what it is. */
  entries: Map<string, Entry>;
  caseSensitive: boolean;
}

const WORD_BEFORE = '(?<![\\p{L}\\p{N}_])';
const WORD_AFTER = '(?![\\p{L}\\p{N}_])';

function escapeTerm(term: string): string {
  return term
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
}

function keyOf(term: string, caseSensitive: boolean): string {
  // Most terms are one word: skip the whitespace pass for them (it runs once per match).
  const spaced = /\s/.test(term) ? term.trim().replace(/\s+/g, ' ') : term;
  return caseSensitive ? spaced : spaced.toLowerCase();
}

/** The pattern and the term table for a kind (names match case-sensitively: "Jun" the name, not "jun"). */
export function matcherFor(kind: AttributeKindInfo, marked: readonly MarkedTerm[] = []): Matcher {
  const caseSensitive = kind.kind === 'names';
  const entries = new Map<string, Entry>();
  for (const term of marked) {
    if (term.text.trim() === '') continue;
    entries.set(keyOf(term.text, true), { value: undefined, slots: [term.slot], marked: true });
  }
  for (const value of kind.values) {
    value.terms.forEach((term, slot) => {
      if (term.trim() === '' || (kind.kind === 'age' && slot === 0)) return;
      const key = keyOf(term, caseSensitive);
      const entry = entries.get(key);
      if (!entry) entries.set(key, { value, slots: [slot], marked: false });
      else if (entry.value === value && !entry.slots.includes(slot)) entry.slots.push(slot);
    });
  }
  const terms = [...entries.keys()].sort((a, b) => b.length - a.length).map(escapeTerm);
  const alternatives: string[] = [];
  // An age as a number: "34-year-old", "34 years old", "aged 34", "age 34".
  if (kind.kind === 'age') alternatives.push('(?<years>(?<!\\d)\\d{1,3}(?=[- ]years?[- ]old)|(?<=\\bage[d]?\\s)\\d{1,3})(?!\\d)');
  if (terms.length > 0) alternatives.push(`${WORD_BEFORE}(?:${terms.join('|')})${WORD_AFTER}`);
  // A kind with nothing to find matches nothing.
  const source = alternatives.length > 0 ? alternatives.join('|') : '(?!)';
  return { pattern: new RegExp(source, caseSensitive ? 'gu' : 'giu'), entries, caseSensitive };
}

/** The next word after `end`, lower-cased ('' at the end or before punctuation). */
function nextWord(text: string, end: number): string {
  const match = /^\s+([\p{L}'-]+)/u.exec(text.slice(end, end + 40));
  return match?.[1]?.toLowerCase() ?? '';
}

/** Which slot a term that fills several means here: a possessive before a noun ("her book"), else the other. */
function slotHere(entry: Entry, kind: AttributeKindInfo, text: string, end: number): number {
  const [first = 0] = entry.slots;
  if (entry.slots.length === 1) return first;
  const possessive = kind.slots.indexOf('possessive');
  if (possessive >= 0 && entry.slots.includes(possessive)) {
    const next = nextWord(text, end);
    const beforeNoun = next !== '' && !NOT_A_NOUN.has(next);
    return beforeNoun ? possessive : (entry.slots.find((s) => s !== possessive) ?? first);
  }
  return first;
}

/** `target` written in the case `found` was written in, where `term` is how the list spells it. */
export function keepCase(found: string, term: string, target: string): string {
  if (found === term || target === '') return target;
  const letters = found.replace(/[^\p{L}]/gu, '');
  if (letters.length > 1 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) return target.toUpperCase();
  const first = found.charAt(0);
  const termFirst = term.charAt(0);
  if (first !== first.toLowerCase() && termFirst === termFirst.toLowerCase()) return target.charAt(0).toUpperCase() + target.slice(1);
  if (found === found.toLowerCase() && term !== term.toLowerCase()) return target.toLowerCase();
  return target;
}

/** The term of `target` for a slot; its first slot's term when it has none for that one. */
function termOf(target: AttributeValue, slot: number): string {
  const term = target.terms[slot];
  return term !== undefined && term !== '' ? term : (target.terms[0] ?? '');
}

/**
 * `text` with every term of the kind replaced by `target`'s term in the same slot; a subject
 * pronoun's verb follows it ("they are" → "she is"). Terms of `target` itself stay as they are.
 */
export function substituteText(kind: AttributeKindInfo, text: string, target: AttributeValue, marked: readonly MarkedTerm[] = [], matcher = matcherFor(kind, marked)): string {
  const { pattern, entries, caseSensitive } = matcher;
  const subject = kind.slots.indexOf('subject');
  let out = '';
  let last = 0;
  let verbAfter: { at: number; plural: boolean } | undefined;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const found = match[0];
    const start = match.index;
    const end = start + found.length;
    if (found === '') {
      pattern.lastIndex++;
      continue;
    }
    let replacement: string;
    if (match.groups?.['years'] !== undefined) replacement = termOf(target, 0);
    else {
      const entry = entries.get(keyOf(found, caseSensitive)) ?? (caseSensitive ? undefined : entries.get(keyOf(found, true)));
      if (!entry) continue;
      const slot = slotHere(entry, kind, text, end);
      const term = entry.marked ? found : (entry.value?.terms[slot] ?? found);
      replacement = keepCase(found, term, termOf(target, slot));
      if (slot === subject && subject >= 0 && !entry.marked && Boolean(entry.value?.plural) !== Boolean(target.plural)) verbAfter = { at: end, plural: Boolean(target.plural) };
    }
    out += text.slice(last, start) + replacement;
    last = end;
    if (verbAfter?.at === end) {
      const verb = /^(\s+)([\p{L}]+)(?![\p{L}])/u.exec(text.slice(end, end + 40));
      const word = verb?.[2];
      const table = verbAfter.plural ? PLURAL_VERBS : SINGULAR_VERBS;
      const swapped = word !== undefined ? table[word.toLowerCase()] : undefined;
      if (verb && word !== undefined && swapped !== undefined) {
        out += (verb[1] ?? '') + keepCase(word, word.toLowerCase(), swapped);
        last = end + verb[0].length;
        pattern.lastIndex = last;
      }
      verbAfter = undefined;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function mapStrings(value: VariableValue, depth: number, change: (text: string) => string): VariableValue {
  if (typeof value === 'string') return change(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, depth + 1, change));
  const out: Record<string, VariableValue> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = mapStrings(item, depth + 1, change);
  return out;
}

function inScope(name: string, scope: ProbeScope): boolean {
  return !scope.variables || scope.variables.includes(name);
}

/** Where the kind's terms (and the marked ones) are in a row's values, at most MAX_LISTED of them. */
export function findOccurrences(kind: AttributeKindInfo, vars: Variables, scope: ProbeScope = {}): Occurrence[] {
  const matcher = matcherFor(kind, scope.marked);
  const found: Occurrence[] = [];
  for (const [variable, value] of Object.entries(vars)) {
    if (!inScope(variable, scope) || value === undefined) continue;
    mapStrings(value, 0, (text) => {
      const { pattern, entries, caseSensitive } = matcher;
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null && found.length < MAX_LISTED; match = pattern.exec(text)) {
        if (match[0] === '') {
          pattern.lastIndex++;
          continue;
        }
        if (match.groups?.['years'] !== undefined) {
          found.push({ variable, text: match[0], value: 'an age', slot: 0 });
          continue;
        }
        const entry = entries.get(keyOf(match[0], caseSensitive)) ?? (caseSensitive ? undefined : entries.get(keyOf(match[0], true)));
        if (entry) found.push({ variable, text: match[0], value: entry.marked ? 'marked' : (entry.value?.label ?? ''), slot: slotHere(entry, kind, text, match.index + match[0].length) });
      }
      return text;
    });
  }
  return found;
}

/** A row's values with the attribute set to `target` (variables out of scope unchanged). */
export function counterfactualVars(kind: AttributeKindInfo, vars: Variables, target: AttributeValue, scope: ProbeScope = {}): Variables {
  const matcher = matcherFor(kind, scope.marked);
  const out: Variables = {};
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    out[name] = inScope(name, scope) ? mapStrings(value, 0, (text) => substituteText(kind, text, target, scope.marked, matcher)) : value;
  }
  return out;
}

const PROBE_PREFIX = 'Bias probe · ';

/** A probe row's description: it says which attribute and value the row stands for (read back by readProbe). */
export function probeDescription(kind: AttributeKindInfo, value: string): string {
  return `${PROBE_PREFIX}${kind.label}: ${value}`.slice(0, 500);
}

/** The attribute and each row's value of a run whose rows a probe made (every row described by probeDescription); undefined otherwise. */
export function readProbe(testCases: readonly { description?: string | undefined }[]): { kind: AttributeKind; caseValues: string[] } | undefined {
  let kind: AttributeKindInfo | undefined;
  const caseValues: string[] = [];
  for (const row of testCases) {
    const text = row.description ?? '';
    if (!text.startsWith(PROBE_PREFIX)) return undefined;
    const rest = text.slice(PROBE_PREFIX.length);
    const rowKind = ATTRIBUTE_KINDS.find((k) => rest.startsWith(`${k.label}: `));
    if (!rowKind || (kind && rowKind !== kind)) return undefined;
    kind = rowKind;
    const value = rest.slice(rowKind.label.length + 2);
    if (value === '') return undefined;
    caseValues.push(value);
  }
  return kind && new Set(caseValues).size >= 2 ? { kind: kind.kind, caseValues } : undefined;
}

/** One generated row of a probe and the attribute value it stands for. */
export interface ProbeRow {
  value: string;
  testCase: TestCase;
}

/**
 * The probe's rows: one per target value, the row's other fields (expected answer, checks)
 * kept, so each is graded as the original is. A value whose row comes out the same as
 * another's (nothing was found to change) is still listed: the preview shows it.
 */
export function counterfactualRows(kind: AttributeKindInfo, row: TestCase, targets: readonly AttributeValue[], scope: ProbeScope = {}, idOf: (index: number) => string = (i) => `${row.id}-probe-${i}`): ProbeRow[] {
  return targets.map((target, index) => ({
    value: target.label,
    testCase: {
      ...row,
      id: idOf(index),
      vars: counterfactualVars(kind, row.vars, target, scope),
      // The expected answer speaks of the same person: it changes with the row.
      ...(row.expected !== undefined ? { expected: substituteText(kind, row.expected, target, scope.marked) } : {}),
      description: probeDescription(kind, target.label),
    },
  }));
}
