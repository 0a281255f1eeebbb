/**
 * llm-rubric: a judge model reads the output and a rubric and answers with JSON. This module
 * builds the judge's prompt and reads its answer; the model call itself happens in main.
 */
import { z } from 'zod';
import type { Message } from '../schemas';
import { extractJsonObjects } from './json-values';

/**
 * The default judge prompt (promptfoo 0.121's, word for word, with its two examples). `{{ output }}` and
 * `{{ rubric }}` are filled in by `rubricPrompt`; a user may edit the messages.
 */
export const DEFAULT_RUBRIC_PROMPT: readonly Message[] = [
  {
    role: 'system',
    content: [
      'You are grading output according to a user-specified rubric. If the statement in the rubric is true, then the output passes the test. You respond with a JSON object with this structure: {reason: string, pass: boolean, score: number}',
      '',
      'Examples:',
      '',
      '<Output>Hello world</Output>',
      '<Rubric>Content contains a greeting</Rubric>',
      '{"reason": "the content contains the word \'Hello\'", "pass": true, "score": 1.0}',
      '',
      '<Output>Avast ye swabs, repel the invaders!</Output>',
      '<Rubric>Does not speak like a pirate</Rubric>',
      '{"reason": "\'avast ye\' is a common pirate term", "pass": false, "score": 0.0}',
    ].join('\n'),
  },
  { role: 'user', content: '<Output>\n{{ output }}\n</Output>\n<Rubric>\n{{ rubric }}\n</Rubric>' },
];

/** The judge's messages: the template with `{{ output }}` and `{{ rubric }}` filled in once (values are not re-scanned). */
export function rubricPrompt(rubric: string, output: string, template: readonly Message[] = DEFAULT_RUBRIC_PROMPT): Message[] {
  const values: Record<string, string> = { output, rubric };
  return template.map((m) => ({
    role: m.role,
    content: m.content.replace(/\{\{\s*(output|rubric)\s*\}\}/g, (_whole, name: string) => values[name] ?? ''),
  }));
}

export interface RubricVerdict {
  pass: boolean;
  /** 0..1 */
  score: number;
  reason: string;
}

const booleanish = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False']).transform((s) => s.toLowerCase() === 'true')]);
const numberish = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const verdictSchema = z.object({ pass: booleanish.optional(), score: numberish.optional(), reason: z.string().optional() });

/**
 * Read a judge's `{"pass": bool, "score": number, "reason": string}`, tolerating prose around
 * it and code fences. A missing score follows pass (1 or 0); a missing pass follows the score
 * (>= 0.5). Scores are clamped to 0..1.
 */
export function parseRubricVerdict(text: string): { ok: true; verdict: RubricVerdict } | { ok: false; error: string } {
  for (const candidate of extractJsonObjects(text)) {
    const parsed = verdictSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const { pass, score, reason } = parsed.data;
    if (pass === undefined && score === undefined) continue;
    const finalScore = Math.min(1, Math.max(0, score ?? (pass ? 1 : 0)));
    return { ok: true, verdict: { pass: pass ?? finalScore >= 0.5, score: finalScore, reason: reason ?? '' } };
  }
  const preview = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return { ok: false, error: `The judge did not answer with {"pass", "score", "reason"} JSON: ${JSON.stringify(preview)}` };
}
