/**
 * A check as the editor holds it: text the person is typing, which may not be a valid
 * assertion yet. Only valid drafts are written to the workspace.
 */
import { parseCommaList } from '../../../../shared/assertions/comma-list';
import { BASE_ASSERTION_TYPES, parseAssertion, splitAssertionType, type AssertionDefinition, type AssertionType, type BaseAssertionType } from '../../../../shared/assertions/types';

/** How a type's value is typed. */
export type ValueKind = 'text' | 'optional-text' | 'reference' | 'list' | 'json' | 'rubric' | 'code' | 'elements' | 'sql-options' | 'none';

export const VALUE_KIND: Record<BaseAssertionType, ValueKind> = {
  equals: 'optional-text',
  contains: 'text',
  icontains: 'text',
  'contains-any': 'list',
  'contains-all': 'list',
  'icontains-any': 'list',
  'icontains-all': 'list',
  regex: 'text',
  'starts-with': 'text',
  'is-json': 'json',
  'contains-json': 'json',
  'is-valid-json-schema': 'json',
  levenshtein: 'reference',
  bleu: 'reference',
  'rouge-n': 'reference',
  'rouge-l': 'reference',
  latency: 'none',
  cost: 'none',
  'llm-rubric': 'rubric',
  javascript: 'code',
  'is-valid-openai-tools-call': 'none',
  'tool-call': 'json',
  'word-count': 'text',
  'finish-reason': 'text',
  perplexity: 'none',
  'perplexity-score': 'none',
  'contains-pii': 'list',
  'is-xml': 'elements',
  'contains-xml': 'elements',
  'is-sql': 'sql-options',
  'contains-sql': 'sql-options',
  'assert-set': 'none',
  factuality: 'text',
  'model-graded-factuality': 'text',
  'model-graded-closedqa': 'text',
  'g-eval': 'text',
  'answer-relevance': 'none',
  similar: 'text',
  'similar:cosine': 'text',
  'similar:dot': 'text',
  'similar:euclidean': 'text',
  moderation: 'json',
  'select-best': 'text',
  'max-score': 'json',
};

/** What each check does, in a line. */
export const DESCRIPTION: Record<BaseAssertionType, string> = {
  equals: 'The answer is exactly the value (blank: the row’s expected answer).',
  contains: 'The answer contains the value (case matters).',
  icontains: 'The answer contains the value, ignoring case.',
  'contains-any': 'The answer contains at least one of the values.',
  'contains-all': 'The answer contains every value.',
  'icontains-any': 'The answer contains at least one of the values, ignoring case.',
  'icontains-all': 'The answer contains every value, ignoring case.',
  regex: 'The answer matches the regular expression.',
  'starts-with': 'The answer starts with the value.',
  'is-json': 'The answer is JSON (and matches the JSON schema, if you give one).',
  'contains-json': 'The answer contains JSON (matching the JSON schema, if you give one).',
  'is-valid-json-schema': 'The answer is JSON that matches the JSON schema.',
  levenshtein: 'Edit distance to the reference is at most the threshold (default 5).',
  bleu: 'BLEU against the reference is at least the threshold (default 0.5).',
  'rouge-n': 'ROUGE-N against the reference is at least the threshold (default 0.75).',
  'rouge-l': 'ROUGE-L against the reference is at least the threshold (default 0.75).',
  latency: 'The answer took at most the threshold, in milliseconds.',
  cost: 'The answer cost at most the threshold, in US dollars.',
  'llm-rubric': 'The judge model reads the answer and says whether the rubric holds.',
  javascript: 'JavaScript of output and context.vars returns true/false, a score, or { pass, score, reason }. It runs in a sandbox with no access to this computer.',
  'is-valid-openai-tools-call': 'The answer calls tools, each one the prompt defines, with arguments that match its parameters schema.',
  'tool-call': 'The answer calls a tool matching {"name", "arguments" (a subset), "paths" ({"$.city": "Paris"}), "schema"}; blank: any tool call.',
  'word-count': 'The answer has exactly this many words, or {"min": 10, "max": 50} (either end may be left out).',
  'finish-reason': 'The model stopped for this reason (stop, length, tool_calls, content_filter…), ignoring case.',
  perplexity: 'The answer’s perplexity (from its tokens’ log-probabilities; OpenAI-compatible providers that send them) is at most the threshold; no threshold passes.',
  'perplexity-score': '1 / (1 + perplexity) is at least the threshold; no threshold passes. Needs the tokens’ log-probabilities, as perplexity does.',
  'contains-pii': 'The answer holds personal data (e-mail, phone, card, iban, national_id, ip, address, person, secret); list kinds to look for only those. Use not-contains-pii to require none.',
  'is-xml': 'The answer is a well-formed XML document holding the required element paths (root.child, comma-separated), if you name any.',
  'contains-xml': 'The answer contains well-formed XML holding the required element paths (root.child, comma-separated), if you name any.',
  'is-sql': 'The answer is SQL ({"databaseType": "PostgresQL"}; MySQL if blank), using only "allowedTables" / "allowedColumns" if you list them.',
  'contains-sql': 'A ```sql block (else the whole answer) is SQL, as is-sql checks it.',
  'assert-set': 'A group of checks scored together, with its own threshold: it passes when all its checks pass, or its weighted score reaches the threshold.',
  factuality: 'The judge compares the answer with this expert answer: it fails only when they disagree.',
  'model-graded-factuality': 'promptfoo’s older name for factuality: the same check.',
  'model-graded-closedqa': 'The judge says whether the answer meets this criterion (Y or N).',
  'g-eval': 'The judge writes evaluation steps for these criteria and scores the answer 0–10 (passes at the threshold, default 0.7).',
  'answer-relevance': 'The judge asks which question the answer answers; its embedding is compared with the row’s query (or the prompt).',
  similar: 'The answer’s embedding is close to this text’s (cosine, at least the threshold, default 0.75).',
  'similar:cosine': 'The answer’s embedding is close to this text’s (cosine, at least the threshold, default 0.75).',
  'similar:dot': 'The dot product of the answer’s embedding and this text’s is at least the threshold.',
  'similar:euclidean': 'The distance between the answer’s embedding and this text’s is at most the threshold.',
  moderation: 'The moderation endpoint flags nothing in the answer; a JSON list such as ["harassment"] limits it to those categories.',
  'select-best': 'The judge reads every answer of the row and picks the one that best fits this; the others fail.',
  'max-score': 'The row’s answer with the highest score from its other checks passes; options as JSON: {"method": "sum", "weights": {…}, "threshold": 0.5}.',
};

/** Types whose threshold means something. */
export const HAS_THRESHOLD: ReadonlySet<BaseAssertionType> = new Set([
  'levenshtein',
  'bleu',
  'rouge-n',
  'rouge-l',
  'latency',
  'cost',
  'perplexity',
  'perplexity-score',
  'llm-rubric',
  'javascript',
  'assert-set',
  'g-eval',
  'answer-relevance',
  'similar',
  'similar:cosine',
  'similar:dot',
  'similar:euclidean',
]);

export interface CheckDraft {
  base: BaseAssertionType;
  inverse: boolean;
  valueText: string;
  thresholdText: string;
  /** The value as it came in, kept as it is while its text is untouched (an object for equals, a YAML schema string). */
  original: { text: string; value: unknown } | undefined;
  /** Fields the editor does not show (weight, metric, transform, an assert-set's checks), kept. */
  rest: Pick<AssertionDefinition, 'weight' | 'metric' | 'transform' | 'assert'>;
}

function valueToText(kind: ValueKind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'list') {
    if (Array.isArray(value)) return value.map(String).join('\n');
    if (typeof value === 'string') {
      const parsed = parseCommaList(value);
      return parsed.ok ? parsed.items.join('\n') : value;
    }
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

export function draftOf(assertion: AssertionDefinition): CheckDraft {
  const type = assertion.type as AssertionType;
  const { base, inverse } = splitAssertionType(type);
  const kind = VALUE_KIND[base];
  const valueText = valueToText(kind, assertion.value);
  return {
    base,
    inverse,
    valueText,
    thresholdText: assertion.threshold !== undefined ? String(assertion.threshold) : '',
    original: assertion.value !== undefined ? { text: valueText, value: assertion.value } : undefined,
    rest: {
      ...(assertion.weight !== undefined ? { weight: assertion.weight } : {}),
      ...(assertion.metric !== undefined ? { metric: assertion.metric } : {}),
      ...(assertion.transform !== undefined ? { transform: assertion.transform } : {}),
      ...(assertion.assert !== undefined ? { assert: assertion.assert } : {}),
    },
  };
}

export function newDraft(base: BaseAssertionType = 'contains'): CheckDraft {
  return { base, inverse: false, valueText: '', thresholdText: '', original: undefined, rest: {} };
}

export type Built = { ok: true; assertion: AssertionDefinition } | { ok: false; field: 'value' | 'threshold'; error: string };

function readValue(draft: CheckDraft): { ok: true; value: unknown } | { ok: false; error: string } {
  const kind = VALUE_KIND[draft.base];
  const text = draft.valueText;
  if (kind === 'none') return { ok: true, value: undefined };
  if (draft.original && draft.original.text === text) return { ok: true, value: draft.original.value };
  const blank = text.trim() === '';
  switch (kind) {
    case 'text':
      if (text === '') return { ok: false, error: `"${draft.base}" needs a value.` };
      if (draft.base === 'word-count') {
        // A count, or {"min": …, "max": …}: read as JSON, as promptfoo's YAML would give it.
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed === 'number' || (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))) return { ok: true, value: parsed };
        } catch {
          // not JSON: checked below as text
        }
        return { ok: false, error: 'Write a number of words, or {"min": 10, "max": 50}.' };
      }
      if (draft.base === 'regex') {
        try {
          new RegExp(text);
        } catch (error) {
          return { ok: false, error: `Not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` };
        }
      }
      return { ok: true, value: text };
    case 'optional-text':
    case 'reference':
      return { ok: true, value: text === '' ? undefined : text };
    case 'elements':
      return { ok: true, value: blank ? undefined : text };
    case 'sql-options': {
      if (blank) return { ok: true, value: undefined };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { ok: false, error: `The options are not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, error: 'Write the options as an object, such as {"databaseType": "PostgresQL", "allowedTables": ["select::null::users"]}.' };
      return { ok: true, value: parsed };
    }
    case 'rubric':
      if (blank) return { ok: false, error: 'Write the rubric: what a good answer does, e.g. "Answers politely and names a next step".' };
      return { ok: true, value: text };
    case 'code':
      if (blank) return { ok: false, error: 'Write the code, e.g. output.length < 200 (or several lines that return a value).' };
      return { ok: true, value: text };
    case 'list': {
      const items = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      if (items.length === 0) return { ok: false, error: `"${draft.base}" needs at least one value (one per line).` };
      return { ok: true, value: items };
    }
    case 'json': {
      if (blank) {
        if (draft.base === 'tool-call') return { ok: true, value: undefined };
        if (draft.base === 'is-valid-json-schema') return { ok: false, error: 'Paste the JSON schema the answer must match.' };
        return { ok: true, value: undefined };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { ok: false, error: `${draft.base === 'tool-call' ? 'The expected call' : draft.base === 'moderation' ? 'The list of categories' : 'The schema'} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (draft.base === 'moderation') {
        // promptfoo's value: the categories that fail the check, a list of strings.
        if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string')) return { ok: false, error: 'Write the categories as a JSON list of strings, such as ["harassment", "violence"], or leave it blank for every category.' };
        return { ok: true, value: parsed.length === 0 ? undefined : parsed };
      }
      if (draft.base === 'tool-call' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
        return { ok: false, error: 'Write what the call must have, such as {"name": "get_weather", "arguments": {"city": "Paris"}}.' };
      }
      if (typeof parsed !== 'boolean' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
        return { ok: false, error: 'A JSON schema is an object, such as {"type": "object", "required": ["name"]}.' };
      }
      return { ok: true, value: parsed };
    }
  }
}

/** The assertion a draft stands for, or what is wrong with it and where. */
export function buildAssertion(draft: CheckDraft): Built {
  const value = readValue(draft);
  if (!value.ok) return { ok: false, field: 'value', error: value.error };
  let threshold: number | undefined;
  if (HAS_THRESHOLD.has(draft.base) && draft.thresholdText.trim() !== '') {
    threshold = Number(draft.thresholdText);
    if (!Number.isFinite(threshold)) return { ok: false, field: 'threshold', error: 'The threshold is a number.' };
    if (threshold < 0) return { ok: false, field: 'threshold', error: 'The threshold cannot be negative.' };
  }
  if ((draft.base === 'latency' || draft.base === 'cost') && threshold === undefined) {
    return { ok: false, field: 'threshold', error: draft.base === 'latency' ? 'Give the most milliseconds an answer may take.' : 'Give the most US dollars an answer may cost.' };
  }
  const candidate = {
    type: `${draft.inverse ? 'not-' : ''}${draft.base}`,
    ...(value.value !== undefined ? { value: value.value } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...draft.rest,
  };
  const parsed = parseAssertion(candidate);
  if (!parsed.ok) return { ok: false, field: 'value', error: parsed.error };
  return { ok: true, assertion: parsed.assertion };
}

/** The types offered for a new check: promptfoo's older name for factuality only where a check already has it. */
export const CHECK_TYPES: readonly BaseAssertionType[] = BASE_ASSERTION_TYPES.filter((t) => t !== 'model-graded-factuality');
