/**
 * Checks Parallax has and promptfoo 0.121 does not (`rouge-l`, `tool-call`,
 * `is-valid-json-schema`), written in a form promptfoo runs, and read back (docs/architecture.md,
 * "Files"):
 *
 * - `is-valid-json-schema` is promptfoo's `is-json` with the schema as its value: the same check
 *   under promptfoo's name (it comes back as `is-json`, which means the same in Parallax).
 * - `rouge-l` and `tool-call` (without a `schema`) become a `javascript` check that computes the
 *   same pass, score and reason in plain JavaScript. Its first line names the original check as
 *   JSON; reading the file back, a javascript check whose code is exactly what that line
 *   generates becomes the original check again (edited code stays javascript).
 * - `tool-call` with a `schema` cannot be written (promptfoo's inline JavaScript has no schema
 *   validator): it is left out and the file says so in a comment.
 *
 * promptfoo renders a javascript check's code as a Nunjucks template before running it (and so
 * does Parallax), so the generated code never holds `{{`, `{%` or `{#`: braces inside the JSON it
 * embeds are written as \u007b and \u007d, which JSON and JavaScript read as the same text.
 */
import { parseAssertion, splitAssertionType, type Assertion, type BaseAssertionType } from '../assertions/types';

/** Types promptfoo 0.121.20 does not know ("Unknown assertion type"). */
export const PARALLAX_ONLY_TYPES: ReadonlySet<BaseAssertionType> = new Set<BaseAssertionType>(['rouge-l', 'tool-call', 'is-valid-json-schema', 'contains-pii']);

const MARK = '// Parallax check: ';

/** JSON whose strings carry no `{` or `}`: nothing in it can open a Nunjucks tag. */
export function bracelessJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i] ?? '';
    if (inString) {
      if (ch === '\\') {
        out += ch + (json[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      out += ch === '{' ? '\\u007b' : ch === '}' ? '\\u007d' : ch;
    } else {
      if (ch === '"') inString = true;
      out += ch;
    }
  }
  return out;
}

/* The ROUGE-L of src/shared/assertions/text-metrics.ts, as plain JavaScript (kept equal by tests/unit/portable-checks.test.ts). */
const ROUGE_L_JS = String.raw`const treebank = (text) => {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input === '') return [];
  let s = input.replace(/"/g, (q, offset) => (offset === 0 || /[\s([<]/.test(input[offset - 1] || '') || input[offset - 1] === '\u007b' ? ' ${'``'} ' : " '' "));
  s = s.replace(/\.\.\./g, ' ... ').replace(/[,:](?!\d)/g, ' $& ').replace(/[;@#$%&?!]/g, ' $& ')
    .replace(/([^.])(\.)([\])\u007d>"']*)\s*$/, '$1 $2$3 ').replace(/[\][()\u007b\u007d<>]/g, ' $& ').replace(/--/g, ' -- ');
  s = (' ' + s + ' ').replace(/([^'])' /g, "$1 ' ").replace(/'([sSmMdD]) /g, " '$1 ").replace(/('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /g, ' $1 ');
  for (const re of [/\b(can)(not)\b/gi, /\b(d)('ye)\b/gi, /\b(gim)(me)\b/gi, /\b(gon)(na)\b/gi, /\b(got)(ta)\b/gi, /\b(lem)(me)\b/gi, /\b(mor)('n)\b/gi, /\b(wan)(na) /gi, / ('t)(is)\b/gi, / ('t)(was)\b/gi]) s = s.replace(re, ' $1 $2 ');
  return s.trim().split(/ +/).filter((t) => t !== '');
};
const sentences = (text) => text.split(/\r?\n+/).flatMap((line) => line.split(/(?<=[.!?]["')\]]*)\s+(?=["'([]?[\p{Lu}\p{N}])/u)).map((x) => x.trim()).filter((x) => x !== '');
const lcsPositions = (a, b) => {
  const cols = b.length + 1;
  const table = new Uint32Array((a.length + 1) * cols);
  for (let i = 1; i <= a.length; i++) for (let j = 1; j < cols; j++) table[i * cols + j] = a[i - 1] === b[j - 1] ? table[(i - 1) * cols + j - 1] + 1 : Math.max(table[(i - 1) * cols + j], table[i * cols + j - 1]);
  const positions = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1]) { positions.push(j - 1); i--; j--; } else if (table[(i - 1) * cols + j] > table[i * cols + j - 1]) i--; else j--;
  }
  return positions;
};
const rougeL = (candidate, reference) => {
  const cand = sentences(candidate).map(treebank);
  const ref = sentences(reference).map(treebank);
  const candWords = cand.reduce((n, x) => n + x.length, 0);
  const refWords = ref.reduce((n, x) => n + x.length, 0);
  if (candWords === 0 || refWords === 0) return 0;
  let hits = 0;
  for (const r of ref) {
    const union = new Set();
    for (const c of cand) for (const p of lcsPositions(c, r)) union.add(p);
    hits += union.size;
  }
  if (hits === 0) return 0;
  const recall = hits / refWords;
  const precision = hits / candWords;
  return (5 * precision * recall) / (4 * precision + recall);
};
const text = typeof output === 'string' ? output : JSON.stringify(output);
const expected = context && context.vars ? context.vars.expected : undefined;
const refs = spec.refs !== null ? spec.refs : typeof expected === 'string' && expected !== '' ? [expected] : [];
if (refs.length === 0) return { pass: false, score: 0, reason: '"' + spec.type + '" needs a reference text as its value (or the test\'s expected answer)' };
const score = Math.max(...refs.map((r) => rougeL(text, r)));
const above = score >= spec.threshold;
const shown = score.toFixed(4).replace(/\.?0+$/, '');
return {
  pass: above !== spec.inverse,
  score: spec.inverse ? 1 - score : score,
  reason: above ? 'ROUGE-L ' + shown + ' is at or above the threshold ' + spec.threshold : 'ROUGE-L ' + shown + ' is below the threshold ' + spec.threshold,
};`;

/* Parallax's tool-call check (src/shared/assertions/tool-calls.ts) without schemas, as plain JavaScript. */
const TOOL_CALL_JS = String.raw`const read = (value) => {
  if (typeof value === 'string') { try { return read(JSON.parse(value)); } catch (e) { return []; } }
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && Array.isArray(value.tool_calls)) return value.tool_calls;
  return [];
};
const calls = read(output).map((c) => (c && c.function ? c.function : c)).filter((c) => c && typeof c.name === 'string');
const subset = (actual, wanted) => {
  if (wanted === null || typeof wanted !== 'object') return actual === wanted;
  if (Array.isArray(wanted)) return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => subset(actual[i], w));
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  return Object.entries(wanted).every(([k, w]) => Object.prototype.hasOwnProperty.call(actual, k) && subset(actual[k], w));
};
const at = (value, path) => {
  let here = value;
  let rest = path.trim().replace(/^\$/, '');
  while (rest !== '') {
    const m = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(['"])((?:(?!\3)[^\\]|\\.)*)\3\])/.exec(rest);
    if (!m) return { found: false };
    const step = m[1] !== undefined ? m[1] : m[2] !== undefined ? Number(m[2]) : m[4].replace(/\\(.)/g, '$1');
    if (typeof step === 'number' ? !Array.isArray(here) || step >= here.length : here === null || typeof here !== 'object' || Array.isArray(here) || !Object.prototype.hasOwnProperty.call(here, step)) return { found: false };
    here = here[step];
    rest = rest.slice(m[0].length);
  }
  return { found: true, value: here };
};
const want = spec.expect;
const matches = (call) => {
  if (want.name !== undefined && call.name !== want.name) return false;
  if (want.arguments === undefined && want.paths === undefined) return true;
  let args;
  try { args = typeof call.arguments === 'string' ? (call.arguments.trim() === '' ? Object.create(null) : JSON.parse(call.arguments)) : call.arguments; } catch (e) { return false; }
  if (want.arguments !== undefined && !subset(args, want.arguments)) return false;
  return Object.entries(want.paths || Object.create(null)).every(([p, w]) => { const f = at(args, p); return f.found && subset(f.value, w); });
};
const what = want.name !== undefined ? 'a call to ' + JSON.stringify(want.name) : 'a tool call';
const holds = calls.some(matches);
const pass = holds !== spec.inverse;
return { pass, score: pass ? 1 : 0, reason: pass ? 'Assertion passed' : spec.inverse ? 'Expected no ' + what.replace(/^a /, '') + ' like this; the answer made one' : calls.length === 0 ? 'Expected ' + what + '; the answer made no tool call' : 'Expected ' + what + '; no call matched' };`;

/** The check's own definition: what the marker line records and what `fromPromptfoo` restores. */
function definition(assertion: Assertion): Record<string, unknown> {
  return {
    type: assertion.type,
    ...(assertion.value !== undefined ? { value: assertion.value } : {}),
    ...(assertion.threshold !== undefined ? { threshold: assertion.threshold } : {}),
  };
}

/** The same check as a promptfoo javascript body, or undefined when JavaScript cannot carry it. */
function javascriptFor(assertion: Assertion): string | undefined {
  const { base, inverse } = splitAssertionType(assertion.type);
  const head = `${MARK}${bracelessJson(definition(assertion))}\n`;
  if (base === 'rouge-l') {
    const { value } = assertion;
    const refs = typeof value === 'string' && value !== '' ? [value] : Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value : value === undefined ? null : [];
    const spec = { type: assertion.type, refs, threshold: assertion.threshold ?? 0.75, inverse };
    return `${head}const spec = ${bracelessJson(spec)};\n${ROUGE_L_JS}`;
  }
  if (base === 'tool-call') {
    const { value } = assertion;
    const expect = value === undefined || value === null || value === '' ? {} : typeof value === 'string' ? { name: value } : value;
    if (typeof expect !== 'object' || Array.isArray(expect) || 'schema' in expect) return undefined;
    return `${head}const spec = ${bracelessJson({ expect, inverse })};\n${TOOL_CALL_JS}`;
  }
  return undefined;
}

export type PortableCheck = { ok: true; assertion: Record<string, unknown> } | { ok: false; why: string };

/** One check as promptfoo 0.121 reads it: as it is, under promptfoo's name, as JavaScript, or not at all (with why). */
export function toPromptfoo(assertion: Assertion): PortableCheck {
  const { base, inverse } = splitAssertionType(assertion.type);
  if (!PARALLAX_ONLY_TYPES.has(base)) return { ok: true, assertion: { ...assertion } };
  const kept = {
    ...(assertion.weight !== undefined ? { weight: assertion.weight } : {}),
    ...(assertion.metric !== undefined ? { metric: assertion.metric } : {}),
    ...(assertion.transform !== undefined ? { transform: assertion.transform } : {}),
  };
  if (base === 'is-valid-json-schema') {
    return { ok: true, assertion: { ...assertion, type: inverse ? 'not-is-json' : 'is-json' } };
  }
  if (base === 'contains-pii') {
    // A comment, not a check promptfoo would run: Parallax reads it back (checksFromNotes).
    return { ok: false, why: `promptfoo has no personal-data check; Parallax reads it back from this note. ${NOTE_MARK}${bracelessJson(assertion)}` };
  }
  const code = javascriptFor(assertion);
  if (code === undefined) {
    return { ok: false, why: `promptfoo has no "${assertion.type}" check and its inline JavaScript cannot validate a JSON schema` };
  }
  return { ok: true, assertion: { type: 'javascript', value: code, ...kept } };
}

/** A list of checks as promptfoo reads it (an assert-set's members too); what cannot be written is left out and named in `notes`. */
export function portableAsserts(list: readonly Assertion[], where: string, notes: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  list.forEach((assertion, index) => {
    const portable = toPromptfoo(assertion);
    if (!portable.ok) {
      notes.push(`${where}[${index}] (${assertion.type} ${bracelessJson(assertion.value ?? null)}) is left out: ${portable.why}.`);
      return;
    }
    const members = (assertion as { assert?: unknown }).assert;
    if (Array.isArray(members)) portable.assertion['assert'] = portableAsserts(members as Assertion[], `${where}[${index}].assert`, notes);
    out.push(portable.assertion);
  });
  return out;
}

/** Checks read from a file, each (and each assert-set member) through `fromPromptfoo`. */
export function restoredAsserts(list: readonly Assertion[]): Assertion[] {
  return list.map((assertion) => {
    const restored = fromPromptfoo(assertion);
    const members = (restored as { assert?: unknown }).assert;
    return Array.isArray(members) ? ({ ...restored, assert: restoredAsserts(members as Assertion[]) } as Assertion) : restored;
  });
}

/** A check read from a file: a javascript check Parallax generated (unedited) becomes the original check again. */
export function fromPromptfoo(assertion: Assertion): Assertion {
  if (assertion.type !== 'javascript' || typeof assertion.value !== 'string' || !assertion.value.startsWith(MARK)) return assertion;
  const line = assertion.value.slice(MARK.length, assertion.value.indexOf('\n') < 0 ? undefined : assertion.value.indexOf('\n'));
  let original: unknown;
  try {
    original = JSON.parse(line);
  } catch {
    return assertion;
  }
  if (original === null || typeof original !== 'object' || Array.isArray(original)) return assertion;
  const record = original as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !['rouge-l', 'not-rouge-l', 'tool-call', 'not-tool-call'].includes(type)) return assertion;
  const { type: _type, value: _value, threshold: _threshold, ...rest } = assertion;
  const restored = { ...rest, ...(record as Omit<Assertion, 'type'>), type: type as Assertion['type'] };
  return javascriptFor(restored) === assertion.value ? restored : assertion;
}

const NOTE_MARK = 'Parallax check: ';
/** A header note (experiment.ts writes `# <where> (<type> <value>) is left out: <why>.`) that carries a Parallax-only check. */
const NOTE_LINE = /^#\s*(tests\[(\d+)\]|defaultTest)\.assert\[(\d+)\] \(.*Parallax check: (\{.*\})\.\s*$/;

/** A check a written file keeps only as a comment (contains-pii), and where it stood. */
export interface NotedCheck {
  test: number | 'default';
  index: number;
  assertion: Assertion;
}

/**
 * The Parallax-only checks a file Parallax wrote keeps in its header comment (a `contains-pii`
 * check promptfoo cannot run), read back so the file opens with them. Only the comment lines
 * before the first YAML line are read, and only contains-pii checks are taken from them.
 */
export function checksFromNotes(text: string): NotedCheck[] {
  const out: NotedCheck[] = [];
  for (const line of text.slice(0, 200_000).split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith('#')) break;
    const m = NOTE_LINE.exec(line);
    if (!m) continue;
    let json: unknown;
    try {
      json = JSON.parse(m[4] ?? '');
    } catch {
      continue;
    }
    const parsed = parseAssertion(json);
    if (!parsed.ok || splitAssertionType(parsed.assertion.type).base !== 'contains-pii') continue;
    out.push({ test: m[1] === 'defaultTest' ? 'default' : Number(m[2]), index: Number(m[3]), assertion: parsed.assertion });
  }
  return out;
}

/** `list` with the noted checks put back where they stood (in order, so each index is of the list as written). */
export function withNotedChecks(list: readonly Assertion[] | undefined, noted: readonly NotedCheck[]): Assertion[] | undefined {
  if (noted.length === 0) return list === undefined ? undefined : [...list];
  const out = [...(list ?? [])];
  for (const n of [...noted].sort((a, b) => a.index - b.index)) out.splice(Math.min(n.index, out.length), 0, n.assertion);
  return out;
}

/** A test's (or defaultTest's) checks as read back: restoredAsserts, with its noted checks put back. */
export function readBackAsserts(list: readonly Assertion[] | undefined, noted: readonly NotedCheck[]): Assertion[] | undefined {
  return withNotedChecks(list === undefined ? undefined : restoredAsserts(list), noted);
}
