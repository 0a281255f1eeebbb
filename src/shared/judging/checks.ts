/**
 * What counts as one check in the verdict's quality figures, and its weight. promptfoo weighs
 * each assertion's score by `weight` (1 when absent; 0 leaves it out of the score) and pools
 * assertions that share a `metric` name into one named score; the verdict does the same with
 * pass rates: a check is one assertion, or every assertion with one metric name.
 */
export interface CheckSpec {
  /** The name the verdict and exports show, also what pools results of the same check. */
  name: string;
  weight: number;
}

/** The parts of an assertion that name it (an Assertion, or a stored check result). */
export interface NamedCheck {
  type: string;
  value?: unknown;
  metric?: string | undefined;
  weight?: number | undefined;
}

const VALUE_CHARS = 40;

/** One line, at most VALUE_CHARS characters: the value is text from a file, of any size. */
function shortValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value.length > VALUE_CHARS * 2 ? value.slice(0, VALUE_CHARS * 2) : value);
  else {
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      text = '';
    }
  }
  // Control characters (NUL, newlines) would break a table header or a CSV column name.
  text = text.replace(/\p{Cc}+/gu, ' ');
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

/** "contains \"Paris\"", "is-json", or the metric name: how the check reads in the verdict. */
export function checkName(check: NamedCheck): string {
  const metric = check.metric?.trim();
  if (metric) return metric.replace(/\p{Cc}+/gu, ' ').slice(0, 80);
  const value = shortValue(check.value);
  return value === '' ? check.type : `${check.type} ${value}`;
}

export function checkSpec(check: NamedCheck): CheckSpec {
  const weight = check.weight;
  return { name: checkName(check), weight: weight !== undefined && Number.isFinite(weight) && weight >= 0 ? weight : 1 };
}

export interface CheckTally {
  name: string;
  type: string;
  weight: number;
  passed: number;
  total: number;
}

/**
 * The weighted mean of the checks' pass rates. Checks of weight 0 count only when every check
 * has weight 0 (then all count equally), as a score of 0/0 says nothing. Null without checks.
 */
export function meanPassRate(checks: readonly CheckTally[]): number | null {
  const counted = checks.filter((c) => c.total > 0);
  if (counted.length === 0) return null;
  const weighted = counted.some((c) => c.weight > 0);
  let sum = 0;
  let weights = 0;
  for (const c of counted) {
    const w = weighted ? c.weight : 1;
    sum += (w * c.passed) / c.total;
    weights += w;
  }
  return weights > 0 ? sum / weights : null;
}
