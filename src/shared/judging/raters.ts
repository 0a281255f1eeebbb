/** Who gave a vote: rules for a rater's name, shared by Settings, ballots and votes files. */
import { z } from 'zod';

/** A votes file is small: an id and an outcome per pair. */
export const MAX_VOTES_FILE_CHARS = 5 * 1024 * 1024;

/** The name the local person's votes carry until they choose one in Settings. */
export const DEFAULT_RATER = 'me';

/**
 * A rater's name: visible text, no control or format characters (zero-width, bidi: "Alice" and
 * "Al\u200bice" would be two raters who look like one), NFKC-normalised (so a full-width
 * "Ａｌｉｃｅ" is "Alice"), not one of the names Parallax keeps for LLM judges.
 */
export const raterNameSchema = z
  .string()
  .normalize('NFKC')
  .trim()
  .min(1, 'A rater needs a name.')
  .max(80, 'A rater name is at most 80 characters.')
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'A rater name cannot hold control characters.')
  .refine((name) => !/\p{Cf}/u.test(name), 'A rater name cannot hold invisible format characters (zero-width or text-direction marks).')
  .refine((name) => !name.toLowerCase().startsWith('judge:'), 'Names starting with "judge:" are kept for LLM judges.');
