/**
 * Ballots and votes files: how a run's blind pairs travel to colleagues and their votes come
 * back (docs/architecture.md, "Several raters").
 *
 * A ballot holds the pairs only as a rater sees them: an opaque pair id, the row's values, the
 * prompt as sent when every variant sent the same one, and the two answers as Left and Right in
 * the order the local judge sees them. It never names a model, a provider, a variant, a price or
 * a key. A votes file answers one ballot (its `ballot` token) under one rater's name.
 *
 * Both come from other people's machines, so both are parsed as hostile: size caps before
 * JSON.parse, a depth check, strict zod schemas with length limits, and no unknown keys.
 */
import { z } from 'zod';
import { voteOutcomeSchema } from '../contract';
import { MAX_VOTES_FILE_CHARS, raterNameSchema } from './raters';

export const BALLOT_FORMAT = 'parallax-ballot';
export const VOTES_FORMAT = 'parallax-votes';
export const BALLOT_VERSION = 1;

export const MAX_BALLOT_FILE_CHARS = 200 * 1024 * 1024;
export const MAX_BALLOT_PAIRS = 5000;
/** JSON nesting deeper than this is refused before it reaches the schema. */
const MAX_DEPTH = 32;

const pairIdSchema = z.string().regex(/^[0-9a-f]{8,64}$/, 'A pair id is a hex string.');
const tokenSchema = z.string().regex(/^[0-9a-f]{8,64}$/, 'A ballot token is a hex string.');

const messageSchema = z.object({ role: z.string().max(40), content: z.string().max(1_000_000) }).strict();

export const ballotPairSchema = z
  .object({
    id: pairIdSchema,
    /** The row (1-based), so a rater can say "row 12" to the person who sent the ballot. */
    row: z.number().int().positive(),
    vars: z.record(z.string().max(200), z.string().max(1_000_000)),
    prompt: z.array(messageSchema).max(100).optional(),
    left: z.string().max(1_000_000),
    right: z.string().max(1_000_000),
  })
  .strict();
export type BallotPair = z.infer<typeof ballotPairSchema>;

const MAX_TEXT = 1_000_000;

function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `… (${text.length - max} more characters not shown)`;
  return `${text.slice(0, max - note.length - 20)}${note}`;
}

/**
 * A pair as the ballot's own schema allows it (a ballot the app cannot read back is no
 * ballot): long answers and values cut with a note, names cut, and the prompt left out when it
 * does not fit (a ballot without one shows the row's values instead).
 */
export function fitBallotPair(pair: BallotPair): BallotPair {
  const vars = Object.fromEntries(Object.entries(pair.vars).map(([name, value]) => [name.slice(0, 200), fitText(value, MAX_TEXT)]));
  const promptFits = pair.prompt !== undefined && pair.prompt.length <= 100 && pair.prompt.every((m) => m.role.length <= 40 && m.content.length <= MAX_TEXT);
  const { prompt: _prompt, ...rest } = pair;
  return { ...rest, vars, ...(promptFits ? { prompt: pair.prompt } : {}), left: fitText(pair.left, MAX_TEXT), right: fitText(pair.right, MAX_TEXT) };
}

export const ballotSchema = z
  .object({
    format: z.literal(BALLOT_FORMAT),
    version: z.literal(BALLOT_VERSION),
    ballot: tokenSchema,
    title: z.string().max(200),
    createdAt: z.string().max(40),
    pairs: z.array(ballotPairSchema).max(MAX_BALLOT_PAIRS),
  })
  .strict();
export type Ballot = z.infer<typeof ballotSchema>;

export const ballotVoteSchema = z.object({ pair: pairIdSchema, outcome: voteOutcomeSchema, note: z.string().max(10_000).optional() }).strict();
export type BallotVote = z.infer<typeof ballotVoteSchema>;

export const votesFileSchema = z
  .object({
    format: z.literal(VOTES_FORMAT),
    version: z.literal(BALLOT_VERSION),
    ballot: tokenSchema,
    rater: raterNameSchema,
    createdAt: z.string().max(40),
    votes: z.array(ballotVoteSchema).max(MAX_BALLOT_PAIRS),
  })
  .strict();
export type VotesFile = z.infer<typeof votesFileSchema>;

/** The deepest nesting of arrays and objects in a JSON text, counted without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function parseFile<T>(text: string, what: string, maxChars: number, schema: z.ZodType<T>, format: string): Parsed<T> {
  if (text.length > maxChars) return { ok: false, message: `This ${what} is larger than ${Math.round(maxChars / 1024 / 1024)} MB.` };
  if (jsonDepth(text) > MAX_DEPTH) return { ok: false, message: `This ${what} is nested too deeply to be a Parallax ${what}.` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, message: `This is not a ${what}: it is not JSON.` };
  }
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== format) {
    return { ok: false, message: `This is not a ${what} (a JSON file with "format": "${format}").` };
  }
  if ((data as { version?: unknown }).version !== BALLOT_VERSION) {
    return { ok: false, message: `This ${what} is version ${JSON.stringify((data as { version?: unknown }).version)}; this Parallax reads version ${BALLOT_VERSION}.` };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    return { ok: false, message: `This ${what} is damaged: ${issue?.message ?? 'unexpected content'}${where}.` };
  }
  return { ok: true, value: parsed.data };
}

export function parseBallot(text: string): Parsed<Ballot> {
  return parseFile(text, 'ballot', MAX_BALLOT_FILE_CHARS, ballotSchema, BALLOT_FORMAT);
}

export function parseVotesFile(text: string): Parsed<VotesFile> {
  const parsed = parseFile(text, 'votes file', MAX_VOTES_FILE_CHARS, votesFileSchema, VOTES_FORMAT);
  if (!parsed.ok) return parsed;
  const seen = new Set<string>();
  for (const vote of parsed.value.votes) {
    if (seen.has(vote.pair)) return { ok: false, message: `This votes file votes twice on pair ${vote.pair}.` };
    seen.add(vote.pair);
  }
  return parsed;
}

/** The votes file a rater sends back for a ballot. */
export function votesFileText(ballot: Pick<Ballot, 'ballot'>, rater: string, votes: readonly BallotVote[], now: Date = new Date()): string {
  const file: VotesFile = { format: VOTES_FORMAT, version: BALLOT_VERSION, ballot: ballot.ballot, rater: rater.trim(), createdAt: now.toISOString(), votes: [...votes] };
  return `${JSON.stringify(file, null, 2)}\n`;
}
