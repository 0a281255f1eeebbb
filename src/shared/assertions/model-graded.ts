/**
 * promptfoo's model-graded checks beyond llm-rubric, with its grader prompts and its reading of
 * the answers (promptfoo 0.121: src/prompts/, src/matchers/llmGrading.ts, src/matchers.ts):
 * factuality, model-graded-closedqa, g-eval, answer-relevance, similar, moderation, and the two
 * that compare a row's answers, select-best and max-score.
 *
 * Grader prompts are templates filled with the answer and the row's variables; the caller
 * renders them (main renders in the sandbox, src/main/template/render.ts), so a hostile
 * answer is a value, never template text. The model calls (judge, embeddings, moderation) are
 * the caller's too.
 */
import type { Message } from '../schemas';
import { extractJsonObjects } from './json-values';

/** Renders a grader prompt's messages with these values (Nunjucks, as promptfoo renders them). */
export type GraderRender = (messages: readonly Message[], vars: Record<string, unknown>) => Message[];
/** The vector the provider's /embeddings endpoint gives a text. */
export type Embedder = (text: string) => Promise<number[]>;
/** What a moderation endpoint flagged in a text: each category's name and score. */
export type Moderator = (text: string) => Promise<ModerationFlag[]>;

export interface ModerationFlag {
  code: string;
  confidence: number;
}

/** A model-graded verdict before the `not-` form and the assertion are applied. */
export interface GraderVerdict {
  pass: boolean;
  score: number;
  reason: string;
  /** A grader that failed (no answer, an unreadable one): not flipped by `not-`. */
  graderError?: boolean;
}

const sys = (content: string): Message => ({ role: 'system', content });
const user = (content: string): Message => ({ role: 'user', content });

export const FACTUALITY_PROMPT: readonly Message[] = [
  sys(
    [
      'You are a precise factuality evaluator that compares a submitted answer to an expert answer. ',
      '',
      'Your task is to analyze the factual content while ignoring differences in style, grammar, or punctuation.',
      'You must categorize the submission into one of these options:',
      '',
      '(A) The submitted answer is a subset of the expert answer and is fully consistent with it.',
      '(B) The submitted answer is a superset of the expert answer and is fully consistent with it.',
      '(C) The submitted answer contains all the same details as the expert answer.',
      '(D) There is a disagreement between the submitted answer and the expert answer.',
      "(E) The answers differ, but these differences don't matter from the perspective of factuality.",
      '',
      'Respond ONLY with a JSON object in this format:',
      '{',
      '  "category": "[LETTER]",',
      '  "reason": "[DETAILED EXPLANATION]"',
      '}',
      '',
      '- The "category" must be a single letter A, B, C, D, or E.',
      '- Provide a clear, detailed explanation in the "reason" field.',
      '- Your response must be valid JSON with no additional text.',
    ].join('\n'),
  ),
  user(
    [
      'I need you to compare these answers:',
      '',
      '<question>',
      '{{input}}',
      '</question>',
      '',
      '<expert_answer>',
      '{{ideal}}',
      '</expert_answer>',
      '',
      '<submitted_answer>',
      '{{completion}}',
      '</submitted_answer>',
      '',
      "Please analyze the factual relationship between these answers according to the categories you've been given.",
    ].join('\n'),
  ),
];

export const CLOSED_QA_PROMPT: readonly Message[] = [
  sys(`You are assessing a submitted answer on a given task based on a criterion. Here is the data:
[BEGIN DATA]
***
[Task]: {{input}}
***
[Submission]: {{completion}}
***
[Criterion]: {{criteria}}
***
[END DATA]
Does the submission meet the criterion? First, write out in a step by step manner your reasoning about the criterion to be sure that your conclusion is correct. Avoid simply stating the correct answers at the outset. Then print only the single character "Y" or "N" (without quotes or punctuation) on its own line corresponding to the correct answer. At the end, repeat just the letter again by itself on a new line.

    Reasoning:`),
];

export const SELECT_BEST_PROMPT: readonly Message[] = [
  sys(`You are comparing multiple pieces of text to see which best fits the following criteria: {{criteria}}

Here are the pieces of text:

{% for output in outputs %}
<Text index="{{ loop.index0 }}">
{{ output }}
</Text>
{% endfor %}

Output the index of the text that best fits the criteria. You must output a single integer.`),
];

export const ANSWER_RELEVANCY_PROMPT: readonly Message[] = [
  user(`Generate question for the given answer.
Answer:
The PSLV-C56 mission is scheduled to be launched on Sunday, 30 July 2023 at 06:30 IST / 01:00 UTC. It will be launched from the Satish Dhawan Space Centre, Sriharikota, Andhra Pradesh, India
Question: When is the scheduled launch date and time for the PSLV-C56 mission, and where will it be launched from?

Answer:{{answer}}
Question:`),
];

export const GEVAL_STEPS_PROMPT: readonly Message[] = [
  user(`
Given evaluation criteria that outline how you should judge a piece of text, generate 3-4 concise evaluation steps applicable to any text based on the criteria below and designed to check whether the criteria are satisfied by the text.

**EVALUATION CRITERIA**
{{criteria}}

**OUTPUT FORMAT**
IMPORTANT:
- Return output ONLY as a minified JSON object (no code fences).
- The JSON object must contain a single key, "steps", whose value is a list of strings.
- Each string must represent one evaluation step.
- Do NOT include any explanations, commentary, extra text, or additional formatting.

Format:
{"steps": <list_of_strings>}

Example:
{"steps":["<Evaluation Step 1>","<Evaluation Step 2>","<Evaluation Step 3>","<Evaluation Step 4>"]}

Here are the 3-4 concise evaluation steps, formatted as required in a minified JSON:
JSON:
`),
];

export const GEVAL_EVALUATE_PROMPT: readonly Message[] = [
  user(`
You will be given one Reply for a Prompt below. Your task is to rate the Reply on one metric.
Please make sure you read and understand these instructions carefully. Please keep this document open while reviewing, and refer to it as needed.

**Evaluation Criteria**
{{criteria}}

**Evaluation Steps**
- {{steps}}
Given the evaluation steps, return a JSON with two keys: 
  1) a "score" key that MUST be an integer from 0 to {{maxScore}}, where {{maxScore}} indicates that the condition described by the Evaluation Criteria is fully and clearly observed in the Reply according to the Evaluation Steps, and 0 indicates that it is not observed at all;
  2) a "reason" key, a reason for the given score, but DO NOT QUOTE THE SCORE in your reason. Please mention specific information from Prompt and Reply in your reason, but be very concise with it!

**Prompt**
{{input}}

**Reply**
{{output}}

**OUTPUT FORMAT**
IMPORTANT: 
- Return output ONLY as a minified JSON object (no code fences).
- The JSON object must contain exactly two keys: "score" and "reason".
- No additional words, explanations, or formatting are needed.
- Absolutely no additional text, explanations, line breaks, or formatting outside the JSON object are allowed.

Example JSON:
{"score":0,"reason":"The text of reply does not follow the evaluation criteria provided."}

Here is the final evaluation in the required minified JSON format:
JSON:
`),
];

/** promptfoo's default thresholds for the scored model-graded checks. */
export const MODEL_GRADED_THRESHOLDS = { similar: 0.75, 'g-eval': 0.7, 'answer-relevance': 0 } as const;

/**
 * A value as promptfoo puts it in a grader template: text that is JSON is parsed (its
 * `tryParse`), and then objects are written as JSON (its `processContextForTemplating`).
 */
export function templateValue(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? JSON.stringify(parsed) : parsed;
  } catch {
    return text;
  }
}

/** Row variables as promptfoo passes them to a grader template: objects as JSON text. */
export function templateVars(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]));
}

const FACTUALITY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  A: 'The submitted answer is a subset of the expert answer and is fully consistent with it.',
  B: 'The submitted answer is a superset of the expert answer and is fully consistent with it.',
  C: 'The submitted answer contains all the same details as the expert answer.',
  D: 'There is a disagreement between the submitted answer and the expert answer.',
  E: "The answers differ, but these differences don't matter from the perspective of factuality.",
};

/** promptfoo's default score per factuality category (A, B, C, E pass; D fails). */
const FACTUALITY_SCORES: Readonly<Record<string, number>> = { A: 1, B: 1, C: 1, D: 0, E: 1 };

/** Reads a factuality grader's answer: `{"category": "A".."E", "reason"}`, else the legacy "(A) reason" form. */
export function readFactuality(answer: string): GraderVerdict {
  let option: string | undefined;
  let reason = '';
  const json = extractJsonObjects(answer)[0];
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>;
    if (typeof record['category'] === 'string' && record['category'] !== '') {
      option = record['category'].trim().toUpperCase();
      if (!/^[A-E]$/.test(option)) return { pass: false, score: 0, reason: `Invalid category value: ${option}` };
      const given = typeof record['reason'] === 'string' ? record['reason'].trim() : '';
      reason = given || `Category ${option}: ${FACTUALITY_DESCRIPTIONS[option] ?? ''}`;
    }
  }
  if (option === undefined) {
    const match = /\s*\(?([a-eA-E])\)/.exec(answer);
    if (!match?.[1]) return { pass: false, score: 0, reason: `Factuality checker output did not match expected format: ${answer}` };
    option = match[1].toUpperCase();
    const rest = /\)\s*(.*)/s.exec(answer);
    reason = rest?.[1] ? rest[1].trim() : answer;
  }
  const score = FACTUALITY_SCORES[option] ?? 0;
  return { pass: score > 0, score, reason };
}

/** Reads a closed-QA grader's answer: it passes when it ends with "Y". */
export function readClosedQa(answer: string): GraderVerdict {
  const end = answer.trimEnd();
  const pass = end.endsWith('Y');
  const reason = pass
    ? `The submission meets the criterion:\n${answer}`
    : end.endsWith('N')
      ? `The submission does not meet the criterion:\n${answer}`
      : `Model grader produced a malformed response:\n${answer}`;
  return { pass, score: pass ? 1 : 0, reason };
}

/** The evaluation steps a G-Eval grader proposed (`{"steps": [...]}`), or why they cannot be used. */
export function readGEvalSteps(answer: string): { ok: true; steps: string[] } | { ok: false; error: string } {
  const match = /\{"steps".+\}/.exec(answer);
  if (!match) return { ok: false, error: `LLM-proposed evaluation steps are not in JSON format: ${answer}` };
  let steps: unknown;
  try {
    steps = (JSON.parse(match[0]) as { steps?: unknown }).steps;
  } catch (error) {
    return { ok: false, error: `LLM-proposed evaluation steps are not in JSON format: ${error instanceof Error ? error.message : String(error)}\n\n${answer}` };
  }
  if (!Array.isArray(steps)) return { ok: false, error: `G-Eval steps response has invalid or missing steps: ${JSON.stringify(steps)}` };
  if (steps.length === 0) return { ok: false, error: 'LLM does not propose any evaluation step' };
  if (!steps.every((s): s is string => typeof s === 'string' && s.trim() !== '')) return { ok: false, error: `G-Eval steps response contains invalid steps: ${JSON.stringify(steps)}` };
  return { ok: true, steps };
}

export const GEVAL_MAX_SCORE = 10;

/** Reads a G-Eval evaluation (`{"score": 0..10, "reason"}`) into a 0..1 score. */
export function readGEvalScore(answer: string, threshold: number): GraderVerdict {
  const fail = (reason: string): GraderVerdict => ({ pass: false, score: 0, reason, graderError: true });
  const match = /\{.+\}/.exec(answer);
  if (!match) return fail(`LLM-proposed evaluation result is not in JSON format: ${answer}`);
  let result: { score?: unknown; reason?: unknown };
  try {
    result = JSON.parse(match[0]) as { score?: unknown; reason?: unknown };
  } catch (error) {
    return fail(`LLM-proposed evaluation result is not in JSON format: ${error instanceof Error ? error.message : String(error)}\n\n${answer}`);
  }
  const raw = typeof result.score === 'number' ? result.score : typeof result.score === 'string' && result.score.trim() !== '' ? Number(result.score) : NaN;
  if (!Number.isFinite(raw)) return fail(`G-Eval result has invalid or missing score: ${JSON.stringify(result.score)}`);
  if (raw < 0 || raw > GEVAL_MAX_SCORE) return fail(`G-Eval result score ${raw} is outside the expected 0-${GEVAL_MAX_SCORE} range`);
  if (typeof result.reason !== 'string' || result.reason.trim() === '') return fail(`G-Eval result has invalid or missing reason: ${JSON.stringify(result.reason)}`);
  const score = raw / GEVAL_MAX_SCORE;
  return { pass: score >= threshold, score, reason: result.reason };
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('Vectors must be of equal length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}

export function dotProduct(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('Vectors must be of equal length');
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
}

export function euclideanDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('Vectors must be of equal length');
  return Math.sqrt(a.reduce((sum, x, i) => sum + (x - (b[i] ?? 0)) ** 2, 0));
}

export type SimilarityMetric = 'cosine' | 'dot_product' | 'euclidean';

/** promptfoo's similar verdict on a similarity (or, for euclidean, a distance). */
export function similarityVerdict(value: number, threshold: number, inverse: boolean, metric: SimilarityMetric): GraderVerdict {
  const eps = Number.EPSILON;
  if (metric === 'euclidean') {
    const pass = inverse ? value >= threshold - eps : value <= threshold + eps;
    const normalised = 1 / (1 + value);
    const below = `Distance ${value.toFixed(2)} is less than or equal to threshold ${threshold}`;
    const above = `Distance ${value.toFixed(2)} is greater than threshold ${threshold}`;
    return { pass, score: inverse ? 1 - normalised : normalised, reason: pass ? (inverse ? above : below) : inverse ? below : above };
  }
  const pass = inverse ? value <= threshold + eps : value >= threshold - eps;
  const greater = `Similarity ${value.toFixed(2)} is greater than or equal to threshold ${threshold}`;
  const less = `Similarity ${value.toFixed(2)} is less than threshold ${threshold}`;
  return { pass, score: inverse ? 1 - value : value, reason: pass ? (inverse ? less : greater) : inverse ? greater : less };
}

/** The moderation verdict: fails when a flagged category is among `categories` (all when empty). */
export function moderationVerdict(flags: readonly ModerationFlag[], categories: readonly string[]): GraderVerdict {
  if (flags.length === 0) return { pass: true, score: 1, reason: 'No moderation flags detected' };
  const relevant = categories.length === 0 ? flags : flags.filter((f) => categories.includes(f.code));
  if (relevant.length > 0) return { pass: false, score: 0, reason: `Moderation flags detected: ${relevant.map((f) => f.code).join(', ')}` };
  return { pass: true, score: 1, reason: 'No relevant moderation flags detected' };
}

/**
 * promptfoo's reading of an OpenAI-compatible /moderations answer: every category a flagged
 * result marks true, with its highest score.
 */
export function moderationFlags(data: unknown): ModerationFlag[] {
  const results = data !== null && typeof data === 'object' ? (data as { results?: unknown }).results : undefined;
  if (!Array.isArray(results)) return [];
  const flags = new Map<string, number>();
  for (const result of results) {
    if (result === null || typeof result !== 'object') continue;
    const { flagged, categories, category_scores: scores } = result as { flagged?: unknown; categories?: unknown; category_scores?: unknown };
    if (flagged !== true || categories === null || typeof categories !== 'object') continue;
    for (const [code, on] of Object.entries(categories as Record<string, unknown>)) {
      if (on !== true) continue;
      const raw = scores !== null && typeof scores === 'object' ? (scores as Record<string, unknown>)[code] : undefined;
      const confidence = typeof raw === 'number' && Number.isFinite(raw) ? raw : 0;
      const seen = flags.get(code);
      if (seen === undefined || confidence > seen) flags.set(code, confidence);
    }
  }
  return [...flags].map(([code, confidence]) => ({ code, confidence }));
}

/** The select-best verdict for each of a row's answers: the first integer of the judge's answer names the winner. */
export function readSelectBest(answer: string, count: number, criteria: string): GraderVerdict[] {
  const match = /\d+/.exec(answer.trim());
  const verdict = match ? Number.parseInt(match[0], 10) : NaN;
  if (Number.isNaN(verdict) || verdict < 0 || verdict >= count) {
    return Array.from({ length: count }, () => ({ pass: false, score: 0, reason: `Invalid select-best verdict: ${verdict}`, graderError: true }));
  }
  return Array.from({ length: count }, (_, i) =>
    i === verdict ? { pass: true, score: 1, reason: `Output selected as the best: ${criteria}` } : { pass: false, score: 0, reason: `Output not selected: ${criteria}` },
  );
}

/** The scored checks of one answer that max-score weighs: each one's type and score. */
export interface ScoredComponent {
  type: string;
  score: number;
}

/**
 * promptfoo's max-score: each answer's checks (all but max-score and select-best) averaged
 * (or summed, `method: sum`) with per-type `weights`; the highest wins (the first on a tie),
 * unless it is below `threshold`.
 */
export function selectMaxScore(rows: readonly (readonly ScoredComponent[])[], value: unknown): { ok: true; verdicts: GraderVerdict[] } | { ok: false; error: string } {
  if (rows.length < 2) return { ok: false, error: 'max-score assertion must have at least two outputs to compare between' };
  const options = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const method = options['method'] === 'sum' ? 'sum' : 'average';
  const weights = options['weights'] !== null && typeof options['weights'] === 'object' ? (options['weights'] as Record<string, unknown>) : {};
  const threshold = typeof options['threshold'] === 'number' ? options['threshold'] : undefined;
  const scores: number[] = [];
  for (const components of rows) {
    const relevant = components.filter((c) => c.type !== 'max-score' && c.type !== 'select-best');
    if (relevant.length === 0) return { ok: false, error: 'max-score requires at least one other assertion (besides max-score or select-best) to aggregate scores from' };
    let total = 0;
    let weight = 0;
    for (const c of relevant) {
      const given = weights[c.type];
      const w = typeof given === 'number' ? given : 1;
      total += (c.score || 0) * w;
      weight += w;
    }
    scores.push(method === 'sum' ? total : weight > 0 ? total / weight : 0);
  }
  let max = -Infinity;
  let winner = 0;
  scores.forEach((s, i) => {
    if (s > max) {
      max = s;
      winner = i;
    }
  });
  const meets = threshold === undefined || max >= threshold;
  return {
    ok: true,
    verdicts: scores.map((score, i) => {
      const won = i === winner && meets;
      const reason = won
        ? `Selected as highest scoring output (score: ${score.toFixed(3)})`
        : score === max && !meets
          ? `Not selected - score ${score.toFixed(3)} below threshold ${threshold}`
          : `Not selected (score: ${score.toFixed(3)}, max: ${max.toFixed(3)})`;
      return { pass: won, score: won ? 1 : 0, reason };
    }),
  };
}

/** promptfoo's `input` for a grader: the prompt as text (one user message) or its messages as JSON. */
export function promptText(messages: readonly Message[]): string {
  const only = messages[0];
  if (messages.length === 1 && only && only.role === 'user') return only.content;
  return JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })));
}

/** The check types graded here, as promptfoo names them (`similar` also as similar:cosine, similar:dot, similar:euclidean). */
export const MODEL_GRADED_TYPES = ['factuality', 'model-graded-factuality', 'model-graded-closedqa', 'g-eval', 'answer-relevance', 'similar', 'similar:cosine', 'similar:dot', 'similar:euclidean', 'moderation'] as const;
export type ModelGradedType = (typeof MODEL_GRADED_TYPES)[number];
/** Checks that compare all of a row's answers: graded once the row's cells are done (src/main/runner/compare.ts). */
export const COMPARISON_TYPES = ['select-best', 'max-score'] as const;
export type ComparisonType = (typeof COMPARISON_TYPES)[number];

const MODEL_GRADED: ReadonlySet<string> = new Set(MODEL_GRADED_TYPES);
export function isModelGradedType(base: string): base is ModelGradedType {
  return MODEL_GRADED.has(base);
}

export interface GEvalTemplates {
  steps?: readonly Message[];
  evaluate?: readonly Message[];
}

/** What a model-graded check needs from its caller: the grader model, embeddings, moderation, a renderer. */
export interface GraderTools {
  judge?: (messages: Message[]) => Promise<string>;
  /** The judge prompt the config set (promptfoo's rubricPrompt replaces every grader's default prompt but G-Eval's). */
  rubricTemplate?: readonly Message[];
  /** G-Eval's own prompts, from an object rubricPrompt (`{steps, evaluate}`); its defaults where absent. */
  gEvalTemplates?: GEvalTemplates;
  render?: GraderRender;
  embed?: Embedder;
  moderate?: Moderator;
}

/** One model-graded check's inputs: the rendered value, the answer, the prompt, the row's variables. */
export interface GraderInput {
  type: ModelGradedType;
  inverse: boolean;
  value: unknown;
  threshold: number | undefined;
  output: string;
  /** The prompt as promptfoo gives it to graders (`promptText`). */
  prompt: string | undefined;
  vars: Record<string, unknown>;
}

const failed = (reason: string): GraderVerdict => ({ pass: false, score: 0, reason, graderError: true });
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function ask(tools: GraderTools, template: readonly Message[], vars: Record<string, unknown>): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  if (!tools.judge) return { ok: false, error: 'needs a grader model (defaultTest.options.provider, or the judge in the run)' };
  if (!tools.render) return { ok: false, error: 'grader prompts render in the main process; no renderer was given here' };
  let messages: Message[];
  try {
    messages = tools.render(template, vars);
  } catch (error) {
    return { ok: false, error: `The grader prompt could not be rendered: ${message(error)}` };
  }
  try {
    const text = await tools.judge(messages);
    return text === '' ? { ok: false, error: 'No output' } : { ok: true, text };
  } catch (error) {
    return { ok: false, error: `The judge model failed: ${message(error)}` };
  }
}

async function similarity(tools: GraderTools, expected: string, output: string, metric: SimilarityMetric): Promise<number | string> {
  if (!tools.embed) return 'needs embeddings from the grader provider (an OpenAI-compatible /embeddings endpoint)';
  let a: number[];
  let b: number[];
  try {
    [a, b] = await Promise.all([tools.embed(expected), tools.embed(output)]);
  } catch (error) {
    return `The embeddings request failed: ${message(error)}`;
  }
  if (a.length !== b.length || a.length === 0) return 'Embedding not found';
  return metric === 'cosine' ? cosineSimilarity(a, b) : metric === 'dot_product' ? dotProduct(a, b) : euclideanDistance(a, b);
}

async function similarCheck(input: GraderInput, tools: GraderTools): Promise<GraderVerdict> {
  const { value, inverse, output } = input;
  const refs = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v): v is string => typeof v === 'string') ? value : undefined;
  if (!refs) return failed('Similarity assertion type must have a string or array of strings value');
  if (refs.length === 0) return failed('Similarity assertion must have at least one value to compare against');
  const threshold = input.threshold ?? MODEL_GRADED_THRESHOLDS.similar;
  const suffix = input.type.includes(':') ? input.type.split(':')[1] : 'cosine';
  const metric: SimilarityMetric = suffix === 'dot' ? 'dot_product' : suffix === 'euclidean' ? 'euclidean' : 'cosine';
  const one = async (ref: string): Promise<GraderVerdict> => {
    const measured = await similarity(tools, ref, output, metric);
    return typeof measured === 'string' ? failed(measured) : similarityVerdict(measured, threshold, inverse, metric);
  };
  if (refs.length === 1) return one(refs[0] ?? '');
  if (inverse) {
    // not-similar with several values: fails on the first it is similar to; else the closest.
    let closest: GraderVerdict | undefined;
    for (const ref of refs) {
      const result = await one(ref);
      if (!result.pass) return result;
      if (!closest || result.score < closest.score) closest = result;
    }
    return closest ?? failed('Similarity result missing');
  }
  let best = Number.NEGATIVE_INFINITY;
  for (const ref of refs) {
    const result = await one(ref);
    if (result.pass) return result;
    if (result.score > best) best = result.score;
  }
  return { pass: false, score: best, reason: 'None of the provided values met the similarity threshold' };
}

async function gEvalOne(criteria: string, input: GraderInput, tools: GraderTools, threshold: number): Promise<GraderVerdict> {
  if (!input.prompt) return failed('No source text to estimate reply');
  const stepsAnswer = await ask(tools, tools.gEvalTemplates?.steps ?? GEVAL_STEPS_PROMPT, { criteria });
  if (!stepsAnswer.ok) return failed(stepsAnswer.error);
  const steps = readGEvalSteps(stepsAnswer.text);
  if (!steps.ok) return failed(steps.error);
  const evaluation = await ask(tools, tools.gEvalTemplates?.evaluate ?? GEVAL_EVALUATE_PROMPT, {
    criteria,
    steps: steps.steps.join('\n- '),
    maxScore: String(GEVAL_MAX_SCORE),
    input: templateValue(input.prompt),
    output: templateValue(input.output),
  });
  if (!evaluation.ok) return failed(evaluation.error);
  return readGEvalScore(evaluation.text, threshold);
}

async function gEvalCheck(input: GraderInput, tools: GraderTools): Promise<GraderVerdict> {
  const { value, inverse } = input;
  const threshold = input.threshold ?? MODEL_GRADED_THRESHOLDS['g-eval'];
  if (typeof value === 'string') {
    const verdict = await gEvalOne(value, input, tools, threshold);
    if (verdict.graderError) return verdict;
    return { pass: verdict.score >= threshold !== inverse, score: inverse ? 1 - verdict.score : verdict.score, reason: verdict.reason };
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) return failed('G-Eval assertion type must have a string or array of strings value');
  if (value.length === 0) return { pass: false, score: 0, reason: 'G-Eval assertion requires at least one criterion string in the value array.' };
  const verdicts: GraderVerdict[] = [];
  for (const [index, criterion] of value.entries()) {
    const verdict = await gEvalOne(criterion, input, tools, threshold);
    if (verdict.graderError) return { pass: false, score: 0, reason: `G-Eval criterion ${index + 1}/${value.length} (${JSON.stringify(criterion)}) failed: ${verdict.reason}`, graderError: true };
    verdicts.push(verdict);
  }
  const average = verdicts.reduce((sum, v) => sum + v.score, 0) / verdicts.length;
  return { pass: average >= threshold !== inverse, score: inverse ? 1 - average : average, reason: verdicts.map((v) => v.reason).join('\n\n') };
}

async function answerRelevanceCheck(input: GraderInput, tools: GraderTools): Promise<GraderVerdict> {
  if (!input.prompt) return failed('answer-relevance assertion type must have a prompt');
  const query = typeof input.vars['query'] === 'string' ? input.vars['query'] : input.prompt;
  const threshold = input.threshold ?? MODEL_GRADED_THRESHOLDS['answer-relevance'];
  const template = tools.rubricTemplate ?? ANSWER_RELEVANCY_PROMPT;
  // promptfoo asks for three questions the answer would answer, then compares each with the query.
  const questions: string[] = [];
  for (let i = 0; i < 3; i++) {
    const answer = await ask(tools, template, { answer: templateValue(input.output) });
    if (!answer.ok) return failed(answer.error);
    questions.push(answer.text);
  }
  if (!tools.embed) return failed('needs embeddings from the grader provider (an OpenAI-compatible /embeddings endpoint)');
  let queryVector: number[];
  const similarities: number[] = [];
  try {
    queryVector = await tools.embed(query);
    for (const question of questions) {
      const vector = await tools.embed(question);
      if (vector.length !== queryVector.length || vector.length === 0) return failed('No embedding');
      similarities.push(cosineSimilarity(queryVector, vector));
    }
  } catch (error) {
    return failed(`The embeddings request failed: ${message(error)}`);
  }
  const mean = similarities.reduce((a, b) => a + b, 0) / similarities.length;
  const pass = mean >= threshold - Number.EPSILON;
  return { pass, score: mean, reason: pass ? `Relevance ${mean.toFixed(2)} is greater than threshold ${threshold}` : `Relevance ${mean.toFixed(2)} is less than threshold ${threshold}` };
}

async function moderationCheck(input: GraderInput, tools: GraderTools): Promise<GraderVerdict> {
  const { value, inverse } = input;
  if (value !== undefined && value !== null && !(Array.isArray(value) && typeof value[0] === 'string')) return failed('moderation assertion value must be a string array if set');
  const categories = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  let verdict: GraderVerdict;
  if (input.output === '') verdict = { pass: true, score: 1, reason: 'No output to moderate' };
  else {
    if (!tools.moderate) return failed('needs a moderation endpoint (the grader provider\'s OpenAI-compatible /moderations)');
    try {
      verdict = moderationVerdict(await tools.moderate(input.output), categories);
    } catch (error) {
      return failed(`Moderation API error: ${message(error)}`);
    }
  }
  return { ...verdict, pass: verdict.pass !== inverse, score: inverse ? 1 - verdict.score : verdict.score };
}

/**
 * Grades one model-graded check. As promptfoo: factuality, model-graded-closedqa and
 * answer-relevance ignore `not-` (their handlers never read it); g-eval, similar and
 * moderation flip pass and score 1 - score; a grader that failed is never flipped.
 */
export async function gradeWithModel(input: GraderInput, tools: GraderTools): Promise<GraderVerdict> {
  const { type, value } = input;
  const vars = templateVars(input.vars);
  switch (type) {
    case 'factuality':
    case 'model-graded-factuality':
    case 'model-graded-closedqa': {
      if (typeof value !== 'string') return failed(`${type} assertion type must have a string value`);
      if (!input.prompt) return failed(`${type} assertion type must have a prompt`);
      const closed = type === 'model-graded-closedqa';
      const template = tools.rubricTemplate ?? (closed ? CLOSED_QA_PROMPT : FACTUALITY_PROMPT);
      const answer = await ask(tools, template, closed ? { ...vars, input: input.prompt, criteria: value, completion: templateValue(input.output) } : { ...vars, input: input.prompt, ideal: value, completion: templateValue(input.output) });
      if (!answer.ok) return failed(answer.error);
      return closed ? readClosedQa(answer.text) : readFactuality(answer.text);
    }
    case 'g-eval':
      return gEvalCheck(input, tools);
    case 'answer-relevance':
      return answerRelevanceCheck(input, tools);
    case 'moderation':
      return moderationCheck(input, tools);
    default:
      return similarCheck(input, tools);
  }
}

/** select-best for one row: the judge reads every answer and names the best. */
export async function gradeSelectBest(criteria: unknown, outputs: readonly string[], vars: Record<string, unknown>, tools: GraderTools): Promise<GraderVerdict[]> {
  const all = (reason: string): GraderVerdict[] => outputs.map(() => failed(reason));
  if (typeof criteria !== 'string') return all('select-best must have a string value');
  if (outputs.length < 2) return all('select-best assertion must have at least two outputs to compare between');
  const answer = await ask(tools, tools.rubricTemplate ?? SELECT_BEST_PROMPT, { ...templateVars(vars), criteria, outputs: outputs.map(templateValue) });
  if (!answer.ok) return all(answer.error);
  return readSelectBest(answer.text, outputs.length, criteria);
}
