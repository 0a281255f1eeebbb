/**
 * OpenAI's moderation categories, as promptfoo 0.121 lists them for its `moderation` check
 * (src/providers/openai/moderation.ts there). A check's `value` names the ones that fail it
 * (all flagged categories when absent); a server may flag others, which a value can name too.
 */
export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** The categories a moderation check's value text names: a JSON list of strings; [] for blank text or anything else. */
export function moderationCategoriesOf(valueText: string): string[] {
  if (valueText.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(valueText);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

/** The value text for these categories: blank for none (every category counts), else a JSON list in the order given. */
export function moderationValueText(categories: readonly string[]): string {
  return categories.length === 0 ? '' : JSON.stringify(categories);
}
