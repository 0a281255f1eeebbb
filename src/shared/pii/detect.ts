/**
 * Finds personal data in a text with maintained detectors: validator (e-mail, Luhn-checked
 * card numbers, IBAN, IP, national ID and tax numbers), libphonenumber-js (phone numbers) and
 * compromise (English person names). Patterns here only find candidates that a library or a
 * checksum then confirms, except for two small sets that no library covers: street addresses
 * (a number and a street word in en/de/fr/es/it/nl) and names after a title or "my name is"
 * in the other languages. Secrets (API keys and tokens) are found in main with secretlint
 * (src/main/pii/secrets.ts), which needs Node. Figures: README, "Personal data".
 *
 * Pure: no Node built-in, so main, the CLI and tests share it.
 */
import validator from 'validator';
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import nlp from 'compromise';
import { MAX_SCAN_CHARS, PII_KINDS, SCAN_BUDGET_MS, type PiiKind, type PiiSpan } from './kinds';

/** compromise reads a text in pieces this long, cut at a line break or a space, so it stays linear. */
const NLP_CHUNK = 20_000;

/** Which kind wins when two finds overlap: the more specific, checked one. */
const PRIORITY: readonly PiiKind[] = ['secret', 'email', 'iban', 'card', 'national_id', 'ip', 'phone', 'address', 'person'];

/** Countries whose national phone formats are tried (numbers written with + need none). */
const PHONE_COUNTRIES: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL'];

function span(kind: PiiKind, text: string, start: number, end: number): PiiSpan {
  return { kind, start, end, text: text.slice(start, end) };
}

export { SCAN_BUDGET_MS };

class OverBudget extends Error {}

/** When the scan in progress must stop (scans are synchronous, so one at a time). */
let deadline = Infinity;

function checkBudget(): void {
  if (Date.now() > deadline) throw new OverBudget('over budget');
}

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  let n = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if ((++n & 63) === 0) checkBudget();
    yield m;
    if (m[0] === '') pattern.lastIndex++;
  }
}

const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
const DOMAIN = /^[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/u;

function emails(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  // From each @ outwards: a pattern tried at every position would read each character 64 times.
  for (let at = text.indexOf('@'), n = 0; at >= 0; at = text.indexOf('@', at + 1)) {
    if ((++n & 255) === 0) checkBudget();
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1] ?? '')) start--;
    const domain = DOMAIN.exec(text.slice(at + 1, at + 256))?.[0];
    if (start === at || domain === undefined) continue;
    while (start < at && /[.'-]/.test(text[start] ?? '')) start++;
    const value = text.slice(start, at + 1) + domain.replace(/[.-]+$/, '');
    if (validator.isEmail(value, { allow_utf8_local_part: true })) out.push(span('email', text, start, start + value.length));
  }
  return out;
}

function cards(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of matches(/(?<![\d.,/-])\d(?:[ -]?\d){11,18}(?![\d/-]|[.,]\d)/g, text)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (validator.isCreditCard(digits)) out.push(span('card', text, m.index, m.index + m[0].length));
  }
  return out;
}

function ibans(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of matches(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){2,8}\b/g, text)) {
    // The candidate may run into a following code or word: the longest prefix that checks out.
    const groups = m[0].split(' ');
    for (let n = groups.length; n >= 1; n--) {
      const candidate = groups.slice(0, n).join(' ');
      if (candidate.replace(/ /g, '').length < 15) break;
      if (validator.isIBAN(candidate.replace(/ /g, ''))) {
        out.push(span('iban', text, m.index, m.index + candidate.length));
        break;
      }
    }
  }
  return out;
}

function ips(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  // A dotted quad after "v" or "version" is a version number, not an address.
  for (const m of matches(/(?<![\w.])(?<!v)(?<!version )(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/gi, text)) {
    if (validator.isIP(m[0], 4)) out.push(span('ip', text, m.index, m.index + m[0].length));
  }
  for (const m of matches(/(?<![\w:])(?:[0-9a-f]{1,4}:|::)(?:[0-9a-f]{0,4}:){1,7}[0-9a-f]{1,4}(?![\w:])/gi, text)) {
    if (/[a-f]|::|(?::\d+){4}/i.test(m[0]) && validator.isIP(m[0], 6)) out.push(span('ip', text, m.index, m.index + m[0].length));
  }
  return out;
}

/** Dates and times are not phone numbers, whatever a national format allows. */
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)$/;

/** Stretches that could hold a phone number: libphonenumber-js reads only these (it is slow on long text). */
const PHONE_CANDIDATE = /[+(]?\d[\d ()./-]{5,24}\d/g;

function phones(text: string): PiiSpan[] {
  const found = new Map<string, PiiSpan>();
  for (const m of matches(PHONE_CANDIDATE, text)) {
    // A few characters either side, so a leading "+" or "(" and the number's edges are seen as written.
    const from = Math.max(0, m.index - 2);
    const piece = text.slice(from, m.index + m[0].length + 2);
    checkBudget();
    // A number written with + reads the same whatever the default country.
    for (const country of m[0].startsWith('+') ? PHONE_COUNTRIES.slice(0, 1) : PHONE_COUNTRIES) {
      for (const number of findPhoneNumbersInText(piece, { defaultCountry: country })) {
        const start = from + number.startsAt;
        const end = from + number.endsAt;
        const value = text.slice(start, end);
        if (DATE_LIKE.test(value.trim())) continue;
        // Part of a code ("INV-2024-000123"), not a number of its own.
        if (/[\p{L}_-]/u.test(text[start - 1] ?? '') || /[\p{L}_]/u.test(text[end] ?? '')) continue;
        // A bare run of digits is an order number or a count far more often than a phone number.
        if (!/^\+|^\(|[ ./-]/.test(value) || value.replace(/\D/g, '').length < 7) continue;
        found.set(`${start}:${end}`, span('phone', text, start, end));
      }
    }
  }
  return [...found.values()];
}

/** US social security numbers, written with dashes (area not 000, 666 or 9xx; group and serial not zero). */
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;
/** UK National Insurance numbers (HMRC's letter rules). */
const NINO = /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
/** A number that is only an ID when a word nearby says so (a 9-digit BSN passes its check one time in eleven). */
const ID_CONTEXT = /\b(?:BSN|burgerservicenummer|Steuer-?ID|Steuer-?Identifikationsnummer|IdNr|Sozialversicherungsnummer|SSN|social security|sécurité sociale|securite sociale|NIR|INSEE|DNI|NIE|NIF|codice fiscale|ID number|identity number|Personalausweis|documento|carte d'identité)\b/i;

function frenchNir(digits: string): boolean {
  if (!/^[12]\d{14}$/.test(digits)) return false;
  return 97 - Number(BigInt(digits.slice(0, 13)) % 97n) === Number(digits.slice(13));
}

function nationalIds(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of matches(SSN, text)) out.push(span('national_id', text, m.index, m.index + m[0].length));
  for (const m of matches(NINO, text)) out.push(span('national_id', text, m.index, m.index + m[0].length));
  // Spanish DNI/NIE and Italian codice fiscale carry their own check letter.
  for (const m of matches(/\b[XYZ]?\d{7,8}-?[A-Z]\b/g, text)) {
    if (validator.isIdentityCard(m[0].replace('-', ''), 'ES')) out.push(span('national_id', text, m.index, m.index + m[0].length));
  }
  for (const m of matches(/\b[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]\b/g, text)) {
    if (validator.isTaxID(m[0], 'it-IT')) out.push(span('national_id', text, m.index, m.index + m[0].length));
  }
  for (const m of matches(/(?<![\d.,-])\d(?:[ .]?\d){8,14}(?![\d]|[.,]\d)/g, text)) {
    const digits = m[0].replace(/[ .]/g, '');
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (!ID_CONTEXT.test(before)) continue;
    const ok =
      (digits.length === 9 && validator.isTaxID(digits, 'nl-NL')) ||
      (digits.length === 11 && validator.isTaxID(digits, 'de-DE')) ||
      (digits.length === 15 && frenchNir(digits));
    if (ok) out.push(span('national_id', text, m.index, m.index + m[0].length));
  }
  return out;
}

/**
 * Street addresses: a deliberately small set of patterns (a number and a street word), per language.
 * Written so no pattern can backtrack far, since one exec is never interrupted by the scan's time
 * budget: each starts only where a word starts, every repeat is bounded, words are at most 40
 * letters, alternatives never match the same text (a Roman numeral is not also a name), and none
 * is case-insensitive (with `i`, `[\p{Lu}]` matches any letter and "dede…" splits every way).
 */
const NAME = "[\\p{Lu}][\\p{L}'’-]+";
const STREET_NAME = "[\\p{Lu}][\\p{L}'’-]{1,40}";
const WORD_START = "(?<![\\p{L}\\p{N}'’-])";
const ADDRESS_PATTERNS: readonly RegExp[] = [
  // en: 221B Baker Street, 1600 Pennsylvania Ave
  new RegExp(`\\b\\d{1,5}[A-Z]?\\s+(?:${STREET_NAME}\\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Terrace|Close|Crescent)\\b\\.?`, 'gu'),
  // de, nl: Hauptstraße 5, Keizersgracht 123a, Lange Straße 12
  new RegExp(
    `${WORD_START}(?:${STREET_NAME}\\s)?(?:[\\p{Lu}][\\p{L}-]{0,40}?(?:straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|straat|laan|gracht|plein|kade|dijk|singel|steeg)|Straße|Strasse|Weg|Allee|Platz)\\s+\\d{1,4}\\s?[a-zA-Z]?\\b`,
    'gu',
  ),
  // fr: 12 rue de la Paix, 5 bis avenue Victor Hugo, 3 Rue de l'Église
  new RegExp(
    `\\b\\d{1,4}(?:\\s?(?:bis|ter))?,?\\s+(?:[Rr]ue|[Aa]venue|[Aa]v\\.|[Bb]oulevard|[Bb]d|[Pp]lace|[Ii]mpasse|[Aa]llée|[Cc]hemin|[Qq]uai|[Cc]ours|[Rr]oute)\\s+(?:(?:de|du|des|la|le)\\s+|[ld]['’]){0,3}${STREET_NAME}(?:\\s+(?:de\\s+|du\\s+)?${STREET_NAME}){0,4}`,
    'gu',
  ),
  // es: Calle Mayor 10, Avenida de la Constitución, 3
  new RegExp(`${WORD_START}(?:Calle|C/|Avenida|Avda\\.|Paseo|Plaza|Camino|Carrera|Ronda)\\s+(?:(?:de|del|la|los|las)\\s+){0,3}${STREET_NAME}(?:\\s+${STREET_NAME}){0,4},?\\s+(?:n\\.?º\\s*)?\\d{1,4}\\b`, 'gu'),
  // it: Via Roma 1, Piazza della Signoria 5, Corso Vittorio Emanuele II, 12
  new RegExp(`${WORD_START}(?:Via|Viale|Piazza|Corso|Vicolo|Largo)\\s+(?:(?:di|del|della|dei|degli|delle)\\s+){0,3}${STREET_NAME}(?:\\s+(?:(?![IVX]+(?![\\p{L}'’-]))${STREET_NAME}|[IVX]{1,8}(?![\\p{L}'’-]))){0,4},?\\s+\\d{1,4}\\b`, 'gu'),
];

function addresses(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const pattern of ADDRESS_PATTERNS) {
    for (const m of matches(pattern, text)) {
      // "Avenue." ends a sentence; "Ave." is the word itself.
      const end = /[\p{L}]{4,}\.$/u.test(m[0]) ? m[0].length - 1 : m[0].length;
      out.push(span('address', text, m.index, m.index + end));
    }
  }
  return out;
}

/** Titles and phrases that introduce a person's name in the six languages (compromise reads English only). */
const NAME_CUES = new RegExp(
  `(?:\\b(?:Mr|Mrs|Ms|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\\.ra|Dott|Dott\\.ssa|Dhr|Mevr)\\.?|\\bM\\.|\\b(?:Signor|Signora|Don|Doña|Monsieur|Madame|Mevrouw|Meneer|Señor|Señora)|\\b(?:[Mm]y name is|I am|I'm|[Ii]ch heiße|[Ii]ch bin|[Mm]ein Name ist|[Jj]e m'appelle|[Jj]e suis|[Mm]e llamo|[Ss]oy|[Mm]i chiamo|[Ss]ono|[Mm]ijn naam is|[Ii]k heet|[Ii]k ben))\\s+(${NAME}(?:\\s+(?:van\\s+der\\s+|van\\s+|de\\s+|von\\s+|di\\s+|da\\s+|del\\s+|le\\s+)?${NAME}){0,2})`,
  'gu',
);
/** Words after a cue that are not names (sentence starts, months, places Parallax would mislabel). */
const NOT_NAMES = new Set(['The', 'A', 'An', 'Not', 'In', 'At', 'Here', 'Happy', 'Sorry', 'Sure', 'Der', 'Die', 'Das', 'Le', 'La', 'Les', 'El', 'Il', 'De', 'Het', 'Een', 'Ein', 'Eine', 'Un', 'Une', 'Uno', 'Una']);
const HONORIFIC = /^(?:(?:Mr|Mrs|Ms|Dr|Prof|Sir|Dame|Lord|Lady|Herr|Frau|Mme|Mlle|M|Sr|Sra|Srta|Sig|Sig\.ra|Dott|Dott\.ssa|Dhr|Mevr|Signor|Signora|Monsieur|Madame|Don|Doña|Señor|Señora)\.?\s+)+/u;

function cuedNames(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of matches(NAME_CUES, text)) {
    const name = m[1] ?? '';
    if (NOT_NAMES.has(name.split(/\s+/)[0] ?? '')) continue;
    const start = m.index + m[0].length - name.length;
    out.push(span('person', text, start, start + name.length));
  }
  return out;
}

/** Two capitalised words in a row (a title may sit between): the only places compromise is asked about. */
const NAME_LIKE = /\p{Lu}[\p{Ll}'’-]+\.?\s+(?:\p{Lu}\.\s+)?\p{Lu}[\p{Ll}'’-]+/u;

/**
 * The sentences (or lines) that could hold a full name, in batches of at most NLP_CHUNK
 * characters, each with where its sentences start in `text`. compromise reads about 40 kB a
 * second: prose without a capitalised pair, code and data never reach it.
 */
function* nameBatches(text: string): Generator<{ text: string; parts: { at: number; from: number; length: number }[] }> {
  let batch = '';
  let parts: { at: number; from: number; length: number }[] = [];
  for (const m of matches(/[^\n.!?]{1,2000}[.!?]*\n?/g, text)) {
    if (!NAME_LIKE.test(m[0])) continue;
    if (batch.length + m[0].length > NLP_CHUNK && batch !== '') {
      yield { text: batch, parts };
      batch = '';
      parts = [];
    }
    // A sentence ending in a title's full stop ("Dr.") runs on into the next: joined as written.
    const last = parts[parts.length - 1];
    if (last !== undefined && last.from + last.length === m.index) last.length += m[0].length;
    else {
      if (batch !== '') batch += '\n\n';
      parts.push({ at: batch.length, from: m.index, length: m[0].length });
    }
    batch += m[0];
  }
  if (batch !== '') yield { text: batch, parts };
}

interface NlpPerson {
  text: string;
  offset?: { start: number; length: number };
}

function people(text: string): PiiSpan[] {
  const out: PiiSpan[] = cuedNames(text);
  for (const batch of nameBatches(text)) {
    checkBudget();
    // compromise stops at nothing in a NUL: those become spaces, which keeps every offset.
    const doc = nlp(batch.text.replace(/\0/g, ' '));
    for (const person of doc.people().json({ offset: true }) as NlpPerson[]) {
      if (!person.offset) continue;
      const raw = batch.text.slice(person.offset.start, person.offset.start + person.offset.length);
      const lead = HONORIFIC.exec(raw)?.[0].length ?? 0;
      const name = raw.slice(lead).replace(/[\s.,;:!?'’"]+$/u, '').replace(/['’]s$/u, '');
      // One capitalised word alone ("Apple", "Paris") is too often not a person.
      if (!/^\p{Lu}/u.test(name) || !/\s/.test(name) || name.includes('\n\n')) continue;
      const at = person.offset.start + lead;
      const part = batch.parts.findLast((p) => p.at <= at);
      if (part === undefined || at + name.length > part.at + part.length) continue;
      const start = part.from + (at - part.at);
      out.push(span('person', text, start, start + name.length));
    }
  }
  return out;
}

const FINDERS: Readonly<Record<Exclude<PiiKind, 'secret'>, (text: string) => PiiSpan[]>> = {
  email: emails,
  phone: phones,
  card: cards,
  iban: ibans,
  national_id: nationalIds,
  ip: ips,
  address: addresses,
  person: people,
};

/**
 * Keeps one find per stretch of text: where two overlap, the kind earlier in PRIORITY, then the
 * longer one. Sorted by position.
 */
export function resolveOverlaps(spans: readonly PiiSpan[]): PiiSpan[] {
  const ranked = [...spans].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PiiSpan[] = [];
  for (const candidate of ranked) {
    if (candidate.end <= candidate.start) continue;
    if (kept.some((k) => candidate.start < k.end && k.start < candidate.end)) continue;
    kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** A scan's finds, and whether it read all of the text (within MAX_SCAN_CHARS and its time budget). */
export interface PiiScanResult {
  spans: PiiSpan[];
  complete: boolean;
}

/**
 * The personal data of the given kinds in `text` (every kind but `secret`, which main adds; see
 * the header), in order, without overlaps. Reads at most MAX_SCAN_CHARS characters for at most
 * `budgetMs`; `complete` is false when it stopped short (what it found so far is kept).
 */
export function scanPii(text: string, kinds: readonly PiiKind[] = PII_KINDS, budgetMs = SCAN_BUDGET_MS): PiiScanResult {
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const spans: PiiSpan[] = [];
  let complete = scanned.length === text.length;
  deadline = Date.now() + budgetMs;
  try {
    for (const kind of kinds) {
      if (kind === 'secret') continue;
      spans.push(...FINDERS[kind](scanned));
    }
  } catch (error) {
    if (!(error instanceof OverBudget)) throw error;
    complete = false;
  } finally {
    deadline = Infinity;
  }
  return { spans: resolveOverlaps(spans), complete };
}

/** The personal data of the given kinds in `text` (see scanPii; secrets are main's). */
export function detectPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiSpan[] {
  return scanPii(text, kinds).spans;
}
