/**
 * Text similarity metrics behind the levenshtein, bleu, rouge-n and rouge-l assertions,
 * written to give the same numbers as promptfoo:
 *
 * - levenshtein: edit distance over UTF-16 code units, like `fastest-levenshtein`.
 * - BLEU: promptfoo 0.121's `calculateBleuScore` — lower-cased, whitespace tokens; for each
 *   n = 1..4 that the candidate has n-grams of, the clipped n-gram matches of the best single
 *   reference (an order the candidate is too short for is left out and the other weights
 *   rescaled to sum to 1); a precision of 0 is smoothed to 1e-7; Papineni's brevity penalty
 *   exp(1 - r/c) against the reference length closest to the candidate's (the shorter on a tie).
 * - ROUGE-N and ROUGE-L: promptfoo calls `js-rouge` with default options: Penn Treebank tokens,
 *   case-sensitive. ROUGE-N is recall-oriented: distinct candidate n-grams found in the
 *   reference, over the number of reference n-grams. ROUGE-L is the LCS F-measure that weighs
 *   recall by beta = 2 (js-rouge's `beta: 0.5` with its arguments swapped; the same number).
 *   For multi-sentence texts this uses Lin's (2004) summary-level union LCS; js-rouge's own
 *   multi-sentence code only looks at the first candidate sentence, so scores can differ there.
 */

/** Edit distance (insertions, deletions, substitutions), over UTF-16 code units. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length < b.length) [a, b] = [b, a];
  if (b.length === 0) return a.length;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

function nGrams(tokens: readonly string[], n: number): string[] {
  const grams: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) grams.push(tokens.slice(i, i + n).join(' '));
  return grams;
}

function counts(items: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return map;
}

function bleuTokens(text: string): string[] {
  return text.toLowerCase().trim().split(/\s+/);
}

/**
 * Sentence BLEU-4 as promptfoo computes it (see the module comment). 0 for a blank candidate,
 * or no references (promptfoo throws there).
 */
export function bleu(candidate: string, references: readonly string[], weights: readonly number[] = [0.25, 0.25, 0.25, 0.25]): number {
  if (candidate.trim() === '' || references.length === 0) return 0;
  const words = bleuTokens(candidate);
  const refs = references.map(bleuTokens);
  // The reference length nearest the candidate's; on a tie, the shorter.
  let closest = refs[0]?.length ?? 0;
  for (const ref of refs) {
    const distance = Math.abs(ref.length - words.length);
    const best = Math.abs(closest - words.length);
    if (distance < best || (distance === best && ref.length < closest)) closest = ref.length;
  }
  const orders: { precision: number; weight: number }[] = [];
  for (let n = 1; n <= weights.length; n++) {
    const grams = nGrams(words, n);
    if (grams.length === 0) continue;
    const candidateCounts = counts(grams);
    let best = 0;
    for (const ref of refs) {
      const refCounts = counts(nGrams(ref, n));
      let clipped = 0;
      for (const [gram, count] of candidateCounts) clipped += Math.min(count, refCounts.get(gram) ?? 0);
      best = Math.max(best, clipped);
    }
    orders.push({ precision: best / grams.length, weight: weights[n - 1] ?? 0 });
  }
  const weightSum = orders.reduce((sum, o) => sum + o.weight, 0);
  if (weightSum === 0) return 0;
  const logSum = orders.reduce((sum, { precision, weight }) => sum + (weight / weightSum) * Math.log(precision === 0 ? 1e-7 : precision), 0);
  const brevity = words.length > closest ? 1 : Math.exp(1 - closest / words.length);
  return brevity * Math.exp(logSum);
}

// Penn Treebank contractions split into two words (as in NLTK's and js-rouge's tokenisers).
const CONTRACTIONS: readonly RegExp[] = [
  /\b(can)(not)\b/gi,
  /\b(d)('ye)\b/gi,
  /\b(gim)(me)\b/gi,
  /\b(gon)(na)\b/gi,
  /\b(got)(ta)\b/gi,
  /\b(lem)(me)\b/gi,
  /\b(mor)('n)\b/gi,
  /\b(wan)(na) /gi,
  / ('t)(is)\b/gi,
  / ('t)(was)\b/gi,
];

/**
 * Penn Treebank word tokens: punctuation split off, the final period separated, double quotes
 * written as `` and '', and contractions split ("can't" -> "ca", "n't"; "they'll" -> "they",
 * "'ll"). Meant for one sentence at a time.
 */
export function treebankTokenize(text: string): string[] {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input === '') return [];
  // A double quote opens at the start or after a space or bracket, and closes otherwise.
  let s = input.replace(/"/g, (_quote, offset: number) => (offset === 0 || /[\s([{<]/.test(input[offset - 1] ?? '') ? ' `` ' : " '' "));
  s = s
    .replace(/\.\.\./g, ' ... ')
    .replace(/[,:](?!\d)/g, ' $& ')
    .replace(/[;@#$%&?!]/g, ' $& ')
    .replace(/([^.])(\.)([\])}>"']*)\s*$/, '$1 $2$3 ')
    .replace(/[\][(){}<>]/g, ' $& ')
    .replace(/--/g, ' -- ');
  s = ` ${s} `
    .replace(/([^'])' /g, "$1 ' ")
    .replace(/'([sSmMdD]) /g, " '$1 ")
    .replace(/('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /g, ' $1 ');
  for (const contraction of CONTRACTIONS) s = s.replace(contraction, ' $1 $2 ');
  return s.trim().split(/ +/).filter((t) => t !== '');
}

/**
 * Sentences for ROUGE-L: a break after . ! or ? (and any closing quote or bracket) that is
 * followed by white space and a capital letter, digit or opening quote, and at every line break.
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/\r?\n+/)
    .flatMap((line) => line.split(/(?<=[.!?]["')\]]*)\s+(?=["'([]?[\p{Lu}\p{N}])/u))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface RougeOptions {
  caseSensitive?: boolean;
}

/**
 * ROUGE-N as promptfoo 0.121 scores it: the F1 of clipped n-gram counts (Lin 2004; each n-gram
 * counts as often as it occurs in both, at most), so a perfect match scores 1 whatever repeats.
 * Tokens are js-rouge's Penn Treebank ones. 0 when either side is too short or nothing overlaps.
 */
export function rougeN(candidate: string, reference: string, n = 1, options: RougeOptions = {}): number {
  const { caseSensitive = true } = options;
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const candidateGrams = nGrams(treebankTokenize(fold(candidate)), n);
  const referenceGrams = nGrams(treebankTokenize(fold(reference)), n);
  if (candidateGrams.length === 0 || referenceGrams.length === 0) return 0;
  const referenceCounts = new Map<string, number>();
  for (const gram of referenceGrams) referenceCounts.set(gram, (referenceCounts.get(gram) ?? 0) + 1);
  const candidateCounts = new Map<string, number>();
  for (const gram of candidateGrams) candidateCounts.set(gram, (candidateCounts.get(gram) ?? 0) + 1);
  let overlap = 0;
  for (const [gram, count] of candidateCounts) overlap += Math.min(count, referenceCounts.get(gram) ?? 0);
  if (overlap === 0) return 0;
  const precision = overlap / candidateGrams.length;
  const recall = overlap / referenceGrams.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Positions in `b` that one longest common subsequence of a and b uses. */
export function lcsPositions(a: readonly string[], b: readonly string[]): number[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      table[i * cols + j] =
        a[i - 1] === b[j - 1] ? (table[(i - 1) * cols + j - 1] ?? 0) + 1 : Math.max(table[(i - 1) * cols + j] ?? 0, table[i * cols + j - 1] ?? 0);
    }
  }
  const positions: number[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1]) {
      positions.push(j - 1);
      i--;
      j--;
    } else if ((table[(i - 1) * cols + j] ?? 0) > (table[i * cols + j - 1] ?? 0)) i--;
    else j--;
  }
  return positions.reverse();
}

export interface RougeLOptions extends RougeOptions {
  /** Weight of recall against precision (F_beta); promptfoo's default is 2. */
  beta?: number;
}

/**
 * ROUGE-L: the summary-level union-LCS F-measure of Lin (2004). With R = LCS hits / reference
 * words and P = LCS hits / candidate words, F = (1 + b^2) * P * R / (b^2 * P + R). 0 when
 * there is no common word.
 */
export function rougeL(candidate: string, reference: string, options: RougeLOptions = {}): number {
  const { caseSensitive = true, beta = 2 } = options;
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const candidateSentences = splitSentences(fold(candidate)).map(treebankTokenize);
  const referenceSentences = splitSentences(fold(reference)).map(treebankTokenize);
  const candidateWords = candidateSentences.reduce((sum, s) => sum + s.length, 0);
  const referenceWords = referenceSentences.reduce((sum, s) => sum + s.length, 0);
  if (candidateWords === 0 || referenceWords === 0) return 0;
  let hits = 0;
  for (const ref of referenceSentences) {
    const union = new Set<number>();
    for (const cand of candidateSentences) for (const position of lcsPositions(cand, ref)) union.add(position);
    hits += union.size;
  }
  if (hits === 0) return 0;
  const recall = hits / referenceWords;
  const precision = hits / candidateWords;
  const b2 = beta * beta;
  return ((1 + b2) * precision * recall) / (b2 * precision + recall);
}
