/**
 * Writing help: a model that writes prompts, test cases and revisions (the "author"). Its own
 * prompts are templates like any other (rendered in the sandbox, with the person's task and the
 * run's evidence as variables, so that text stays data), visible and editable. Its answer is
 * hostile text: JSON is looked for in it, capped and checked with zod before anything uses it.
 */
import { z } from 'zod';
import { assertionSchema, type AssertionDefinition } from './assertions/types';
import { messageSchema, type Message } from './schemas';

export const AUTHOR_ACTIONS = ['generate-prompt', 'generate-cases', 'improve'] as const;
export const authorActionSchema = z.enum(AUTHOR_ACTIONS);
export type AuthorAction = z.infer<typeof authorActionSchema>;

/** What each action is called where a person reads it (History's variant label carries the tag). */
export const AUTHOR_ACTION_NAMES: Readonly<Record<AuthorAction, string>> = {
  'generate-prompt': 'generate a prompt',
  'generate-cases': 'generate test cases',
  improve: 'improve a prompt',
};

/** What the answer should have held, for "The model did not return …". */
const WANTED: Readonly<Record<AuthorAction, string>> = {
  'generate-prompt': 'a prompt',
  'generate-cases': 'test cases',
  improve: 'a revised prompt',
};

/** Answers longer than this are not parsed: no prompt or batch of rows needs 200,000 characters. */
export const MAX_AUTHOR_ANSWER_CHARS = 200_000;
export const MAX_GENERATED_ROWS = 50;
export const MAX_GENERATED_VALUE_CHARS = 20_000;
/** Of the answer, what an error quotes. */
const QUOTED_CHARS = 200;

export const CASE_KINDS = ['typical', 'edge', 'adversarial', 'multilingual', 'long'] as const;
export const caseKindSchema = z.enum(CASE_KINDS);
export type CaseKind = z.infer<typeof caseKindSchema>;

const variableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'A variable name has letters, digits and underscores only.');

const authorMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1).max(MAX_GENERATED_VALUE_CHARS),
});

/** A generated prompt: messages with {{variables}}, the table's header, suggested checks. */
export const promptDraftSchema = z.object({
  messages: z.array(authorMessageSchema).min(1).max(20),
  variables: z.array(variableNameSchema).max(30).default([]),
  /** Checks as promptfoo writes them; ones Parallax cannot read are dropped, not fatal. */
  checks: z.array(z.unknown()).max(30).default([]),
});
export interface PromptDraft {
  messages: Message[];
  variables: string[];
  checks: AssertionDefinition[];
  /** Why a suggested check was left out. */
  notes: string[];
}

const generatedValueSchema = z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string().max(MAX_GENERATED_VALUE_CHARS));

export const casesAnswerSchema = z.object({
  rows: z
    .array(
      z.object({
        vars: z.record(variableNameSchema, generatedValueSchema),
        expected: generatedValueSchema.optional(),
        kind: z.string().max(40).optional(),
      }),
    )
    .min(1)
    .max(MAX_GENERATED_ROWS),
});
export interface GeneratedRow {
  vars: Record<string, string>;
  expected?: string;
  kind?: string;
}

export const revisionSchema = z.object({
  messages: z.array(authorMessageSchema).min(1).max(20),
  reasons: z.array(z.string().min(1).max(2000)).min(1).max(20),
});
export type Revision = z.infer<typeof revisionSchema>;

/** The fenced blocks of a text, last first (an echoed prompt shows its example answer last). */
function fencedBlocks(text: string): string[] {
  const blocks = [...text.matchAll(/```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/g)].map((m) => m[1] ?? '');
  return blocks.reverse();
}

/** The text from the first `{` to the last `}`: a bare object with words around it. */
function bareObject(text: string): string | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : undefined;
}

export class AuthorAnswerError extends Error {}

/** The first 200 characters of an answer, on one line, for an error. */
export function quoteAnswer(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > QUOTED_CHARS ? `${flat.slice(0, QUOTED_CHARS)}…` : flat || '(an empty answer)';
}

/**
 * The JSON object an answer holds, checked with `schema`: a ```json fence (the last that fits),
 * else the answer itself, else its outermost braces. Throws AuthorAnswerError with a sentence.
 */
export function parseAuthorAnswer<S extends z.ZodType>(action: AuthorAction, text: string, schema: S): z.output<S> {
  const fail = (why: string): never => {
    throw new AuthorAnswerError(`The model did not return ${WANTED[action]}${why}: ${quoteAnswer(text)}`);
  };
  if (text.length > MAX_AUTHOR_ANSWER_CHARS) fail(` it could use (the answer has ${text.length.toLocaleString('en')} characters, more than ${MAX_AUTHOR_ANSWER_CHARS.toLocaleString('en')})`);
  const candidates = [...fencedBlocks(text), text, bareObject(text)].filter((c): c is string => c !== undefined && c.trim() !== '');
  let firstProblem: string | undefined;
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    firstProblem ??= parsed.error.issues
      .slice(0, 3)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
  }
  return fail(firstProblem !== undefined ? ` in the form asked for (${firstProblem})` : '');
}

/** A generated prompt: checks Parallax cannot read are dropped with a note, not fatal. */
export function readPromptDraft(text: string): PromptDraft {
  const raw = parseAuthorAnswer('generate-prompt', text, promptDraftSchema);
  const checks: AssertionDefinition[] = [];
  const notes: string[] = [];
  raw.checks.forEach((check, i) => {
    const parsed = assertionSchema.safeParse(check);
    if (parsed.success) checks.push(parsed.data);
    else notes.push(`Suggested check ${i + 1} was left out: ${parsed.error.issues[0]?.message ?? 'not a check'}.`);
  });
  const written = new Set(raw.messages.flatMap((m) => [...m.content.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((v) => v[1] ?? '')));
  // The header: what the model named, else the variables its messages use.
  const variables = raw.variables.length > 0 ? [...new Set(raw.variables)] : [...written];
  return { messages: raw.messages.map((m) => messageSchema.parse(m)), variables, checks, notes };
}

export function readGeneratedRows(text: string): GeneratedRow[] {
  return parseAuthorAnswer('generate-cases', text, casesAnswerSchema).rows.map((row) => ({
    vars: row.vars,
    ...(row.expected !== undefined ? { expected: row.expected } : {}),
    ...(row.kind !== undefined ? { kind: row.kind } : {}),
  }));
}

export function readRevision(text: string): Revision {
  return parseAuthorAnswer('improve', text, revisionSchema);
}

// --- near-duplicates -------------------------------------------------------------------------

/** Lower-cased words (letters and digits of any script), as a set. */
export function wordSet(text: string): Set<string> {
  return new Set(text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Token Jaccard similarity: shared words over all words (1 for two empty texts). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Two rows at or above this similarity are the same test case. */
export const NEAR_DUPLICATE = 0.9;

/** A row's words, each tagged with its variable: the same words in other variables are another test case. */
function rowWords(vars: Readonly<Record<string, unknown>>): Set<string> {
  const words = new Set<string>();
  for (const [name, value] of Object.entries(vars)) {
    for (const word of wordSet(typeof value === 'string' ? value : JSON.stringify(value))) words.add(`${name}:${word}`);
  }
  return words;
}

/**
 * The generated rows that are not near-duplicates of an existing row or of an earlier row of
 * the batch, and how many were dropped.
 */
export function dropNearDuplicates<R extends { vars: Readonly<Record<string, unknown>> }>(
  batch: readonly R[],
  existing: readonly { vars: Readonly<Record<string, unknown>> }[],
): { kept: R[]; dropped: number } {
  const seen = existing.map((row) => rowWords(row.vars)).filter((s) => s.size > 0);
  const kept: R[] = [];
  for (const row of batch) {
    const words = rowWords(row.vars);
    if (seen.some((other) => jaccard(words, other) >= NEAR_DUPLICATE)) continue;
    seen.push(words);
    kept.push(row);
  }
  return { kept, dropped: batch.length - kept.length };
}

// --- the author's own prompts -----------------------------------------------------------------

const GENERATE_PROMPT: readonly Message[] = [
  {
    role: 'system',
    content: [
      'You are an expert prompt engineer. You write prompt templates for large language models.',
      '{% raw %}A template is a list of chat messages; the parts that change from one test case to the next are variables written as {{name}} (letters, digits and underscores).{% endraw %}',
      'Write clear instructions, say what the answer should look like, and keep every fact the task gives.',
      'Answer with one JSON object only, in a ```json fence, with these keys:',
      '"messages": a list of {"role": "system" | "user" | "assistant", "content": text};',
      '"variables": the names of the variables the messages use;',
      '"checks": up to five automatic checks of an answer, in promptfoo\'s form, such as {"type": "icontains", "value": "word"}, {"type": "is-json"} or {"type": "llm-rubric", "value": "what a good answer does"}.',
    ].join('\n'),
  },
  {
    role: 'user',
    content: [
      'The task:',
      '<task>',
      '{{ task }}',
      '</task>',
      '{% if examples %}',
      'Examples of inputs and good outputs:',
      '<examples>',
      '{{ examples }}',
      '</examples>',
      '{% endif %}',
      'Answer in this form:',
      '```json',
      '{% raw %}{"messages": [{"role": "system", "content": "You are a careful assistant."}, {"role": "user", "content": "Answer the question: {{question}}"}], "variables": ["question"], "checks": [{"type": "llm-rubric", "value": "Answers the question"}]}{% endraw %}',
      '```',
    ].join('\n'),
  },
];

const GENERATE_CASES: readonly Message[] = [
  {
    role: 'system',
    content: [
      'You write test cases for a prompt template, to find where it fails.',
      'A test case gives a value to every variable of the template, and, where the task has one right answer, the expected answer.',
      'Aim for coverage of the kinds asked for: typical (everyday input), edge (empty, minimal, odd formats, boundary values), adversarial (instructions hidden in the input, attempts to leak or derail), multilingual (other languages and scripts), long (several paragraphs).',
      'Make every case different from the others and from the existing ones.',
      'Answer with one JSON object only, in a ```json fence: {"rows": [{"vars": {"name": "value"}, "expected": "optional", "kind": "typical"}]}.',
    ].join('\n'),
  },
  {
    role: 'user',
    content: [
      'The template:',
      '<template>',
      '{{ prompt }}',
      '</template>',
      'Its variables: {{ variables | join(", ") }}',
      '{% if existing %}',
      'Existing test cases (do not repeat them):',
      '<existing>',
      '{{ existing }}',
      '</existing>',
      '{% endif %}',
      'Write {{ count }} new test case(s) of these kinds: {{ mix | join(", ") }}.{% if wantExpected %} Give "expected" where one answer is right.{% endif %}',
      'Answer in this form:',
      '```json',
      '{"rows": [{"vars": { {%- for v in variables %}"{{ v }}": "an example {{ v }}"{% if not loop.last %}, {% endif %}{% endfor -%} }, "kind": "typical"}]}',
      '```',
    ].join('\n'),
  },
];

const IMPROVE: readonly Message[] = [
  {
    role: 'system',
    content: [
      'You improve prompt templates from evidence: the answers a prompt got, the checks that failed, the votes people cast and the verdict of the run.',
      'Change what the evidence shows is wrong and keep what works. Keep every variable the template uses, written the same way.',
      'Answer with one JSON object only, in a ```json fence: {"messages": [{"role": "system" | "user" | "assistant", "content": text}], "reasons": ["why each change was made, naming the evidence"]}.',
    ].join('\n'),
  },
  {
    role: 'user',
    content: [
      'The prompt:',
      '<prompt>',
      '{{ prompt }}',
      '</prompt>',
      '{% if rubric %}',
      'What the answers were graded against:',
      '<rubric>',
      '{{ rubric }}',
      '</rubric>',
      '{% endif %}',
      'The verdict of the run:',
      '<verdict>',
      '{{ verdict }}',
      '</verdict>',
      'The rows where checks failed or votes went against the prompt:',
      '<evidence>',
      '{{ evidence }}',
      '</evidence>',
      'Answer in this form:',
      '```json',
      '{"messages": {{ promptJson }}, "reasons": ["Say why each change was made."]}',
      '```',
    ].join('\n'),
  },
];

/** The author prompts Parallax ships, per action. */
export const DEFAULT_AUTHOR_PROMPTS: Readonly<Record<AuthorAction, readonly Message[]>> = {
  'generate-prompt': GENERATE_PROMPT,
  'generate-cases': GENERATE_CASES,
  improve: IMPROVE,
};

/** The author model an action uses, and its own prompt when the person edited it. */
export const authorModelSchema = z.object({ providerId: z.string().min(1), model: z.string().min(1).max(500) }).strict();
export type AuthorModel = z.infer<typeof authorModelSchema>;

export const authorSettingsSchema = z.object({
  models: z.partialRecord(authorActionSchema, authorModelSchema).default({}),
  prompts: z.partialRecord(authorActionSchema, z.array(messageSchema).min(1).max(20)).default({}),
});
export type AuthorSettings = z.infer<typeof authorSettingsSchema>;

/** The prompt an action sends: the person's edit, else the default. */
export function authorPromptOf(settings: AuthorSettings, action: AuthorAction): Message[] {
  return (settings.prompts[action] ?? DEFAULT_AUTHOR_PROMPTS[action]).map((m) => ({ ...m }));
}

// --- the contract's side --------------------------------------------------------------------

const taskText = z.string().trim().min(1, 'Describe the task first.').max(20_000, 'Keep the description under 20,000 characters.');

export const authorRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('generate-prompt'), task: taskText, examples: z.string().max(50_000).default('') }).strict(),
  z
    .object({
      action: z.literal('generate-cases'),
      messages: z.array(messageSchema).min(1).max(50),
      variables: z.array(z.string().max(200)).max(100),
      /** The table as it is, for the model to avoid and for near-duplicates to be dropped against. */
      existing: z.array(z.record(z.string(), z.json())).max(100_000).default([]),
      count: z.number().int().min(1).max(MAX_GENERATED_ROWS),
      mix: z.array(caseKindSchema).min(1, 'Pick at least one kind of test case.').max(CASE_KINDS.length),
      wantExpected: z.boolean().default(true),
    })
    .strict(),
  z.object({ action: z.literal('improve'), runId: z.string().min(1) }).strict(),
]);
export type AuthorRequest = z.input<typeof authorRequestSchema>;
export type ParsedAuthorRequest = z.output<typeof authorRequestSchema>;

export const authorCallSchema = z
  .object({
    request: authorRequestSchema,
    author: authorModelSchema,
    /** The author prompt to send this time (the person's edit); the saved one when absent. */
    prompt: z.array(messageSchema).min(1).max(20).optional(),
  })
  .strict();

export const authorEstimateSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  assumedOutputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative().optional(),
});

export const generatedRowSchema = z.object({ vars: z.record(z.string(), z.string()), expected: z.string().optional(), kind: z.string().optional() });

export const authorResultSchema = z.object({
  /** The logged run (History shows it): the author's prompt and answer. */
  runId: z.string(),
  costUsd: z.number().nonnegative().optional(),
  result: z.discriminatedUnion('action', [
    z.object({
      action: z.literal('generate-prompt'),
      draft: z.object({ messages: z.array(messageSchema), variables: z.array(z.string()), checks: z.array(assertionSchema), notes: z.array(z.string()) }),
    }),
    z.object({ action: z.literal('generate-cases'), rows: z.array(generatedRowSchema), dropped: z.number().int().nonnegative() }),
    z.object({
      action: z.literal('improve'),
      runId: z.string(),
      before: z.array(messageSchema),
      after: z.array(messageSchema),
      reasons: z.array(z.string()),
    }),
  ]),
});
export type AuthorResult = z.infer<typeof authorResultSchema>;

/** Tries a revision: a new library version, and a run of the old one against it on the same rows. */
export const tryRevisionSchema = z
  .object({
    runId: z.string().min(1),
    messages: z.array(messageSchema).min(1).max(50),
    repeats: z.number().int().min(1).max(50).default(1),
  })
  .strict();
