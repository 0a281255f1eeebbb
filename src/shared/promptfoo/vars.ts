/**
 * Test variables as promptfoo expands and prepares them (its evaluator and evaluatorHelpers'
 * renderPrompt), so a promptfoo config gives the same rows and the same prompts here:
 *
 * - A variable whose value is a list of strings makes one test per value; several such lists
 *   make their cross product, the first variable outermost (`varCombinations`). A list whose
 *   first item is not a string (numbers, objects) stays one value, as does an empty list.
 * - Before a prompt renders, each text value loses one trailing newline, then a value that
 *   names another variable (`"Write a tweet about {{topic}}"`) gets that variable's value in
 *   place of the first `{{name}}` it holds, over up to five passes (`resolveVariables`). A
 *   name no variable has stops that value's resolution where it is; a value naming itself
 *   grows by doubling for five passes and then stops, as in promptfoo.
 * - For a text prompt, each value is then rendered as a template itself with those variables
 *   (src/main/template/promptfoo-vars.ts, in the sandbox), unless it names a variable that is
 *   not set: then it is sent as written (`referencesUndefinedVariables`).
 *
 * Everything here is bounded: a config is someone else's file.
 */
import type { VariableValue, Variables } from '../schemas';

/** Tests one test's lists may expand into; past it the config is refused (a typo'd list of lists would run forever). */
export const MAX_EXPANDED_TESTS = 10_000;
/** Characters all of a row's values may reach while they fill each other in. */
export const MAX_RESOLVED_CHARS = 4_000_000;

/**
 * The tests one test's variables stand for, in promptfoo's order; `undefined` when there
 * would be more than `max` of them.
 */
export function varCombinations(vars: Variables, max = MAX_EXPANDED_TESTS): Variables[] | undefined {
  let combinations: Variables[] = [{}];
  for (const [key, value] of Object.entries(vars)) {
    const values: VariableValue[] = Array.isArray(value) && typeof value[0] === 'string' ? value : [value];
    if (combinations.length * values.length > max) return undefined;
    const next: Variables[] = [];
    for (const combination of combinations) for (const item of values) next.push({ ...combination, [key]: item });
    combinations = next;
  }
  return combinations;
}

/** True when any variable would expand (a list whose first item is text; a list of one text becomes that text). */
export function expands(vars: Variables): boolean {
  return Object.values(vars).some((value) => Array.isArray(value) && typeof value[0] === 'string');
}

const REFERENCE = /\{\{\s*(\w+)\s*\}\}/;

/** `String(value)` as String.prototype.replace would make it of a non-string replacement. */
function asReplacement(value: VariableValue): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => (item === null ? '' : typeof item === 'object' ? asReplacement(item) : String(item))).join(',');
  if (value !== null && typeof value === 'object') return '[object Object]';
  return String(value);
}

/**
 * promptfoo's `replace(placeholder, value)`: a string replacement's `$&`, `$1`… patterns are
 * interpreted as the built-in does, so the same text comes out.
 */
function replaceFirst(text: string, placeholder: string, value: VariableValue): string {
  return text.replace(placeholder, asReplacement(value));
}

/**
 * The values a prompt renders with, before the template pass: one trailing newline dropped
 * from each text value, then references filled in over up to five passes. Throws a RangeError
 * when the values would grow past `maxChars` (values that name each other double each pass).
 */
export function resolveVarReferences(vars: Variables, maxChars = MAX_RESOLVED_CHARS): Variables {
  const out: Variables = {};
  for (const [key, value] of Object.entries(vars)) out[key] = typeof value === 'string' ? value.replace(/\n$/, '') : value;
  let total = 0;
  for (const value of Object.values(out)) if (typeof value === 'string') total += value.length;
  for (let pass = 0; pass < 5; pass++) {
    let resolved = true;
    for (const key of Object.keys(out)) {
      const value = out[key];
      if (typeof value !== 'string') continue;
      const match = REFERENCE.exec(value);
      if (!match) continue;
      const [placeholder, name] = match;
      const replacement = name === undefined || !Object.hasOwn(out, name) ? undefined : out[name];
      if (replacement === undefined) continue;
      const next = replaceFirst(value, placeholder, replacement);
      total += next.length - value.length;
      if (total > maxChars) throw new RangeError(`the test's variables fill each other in to more than ${maxChars.toLocaleString('en-US')} characters (a variable that names itself, or several that name each other); promptfoo stops after five passes, which here is too large to send`);
      out[key] = next;
      resolved = false;
    }
    if (resolved) break;
  }
  return out;
}

/** promptfoo's extractVariablesFromTemplate: the names `{{ x }}`, `{% if x %}` and `{% for a in x %}` use. */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  const text = template.replace(/\{#[\s\S]*?#\}/g, '');
  const use = /\{\{[\s]*([^{}\s|]+)[\s]*(?:\|[^}]+)?\}\}|\{%[\s]*(?:if|for)[\s]+([^{}\s]+)[\s]*.*?%\}/g;
  for (let match = use.exec(text); match !== null; match = use.exec(text)) {
    const name = match[1] ?? match[2];
    if (name) names.add(name);
  }
  const loop = /\{%[\s]*for[\s]+(\w+)[\s]+in[\s]+(\w+)[\s]*%\}/g;
  for (let match = loop.exec(text); match !== null; match = loop.exec(text)) {
    if (match[1]) names.delete(match[1]);
    if (match[2]) names.add(match[2]);
  }
  return [...names];
}

/** True when a value names a variable that is not set (`env` aside): promptfoo then sends it as written. */
export function referencesUndefinedVariables(template: string, vars: Variables): boolean {
  return templateVariables(template).some((name) => {
    const root = /^([A-Za-z_]\w*)/.exec(name)?.[1];
    return root !== undefined && root !== 'env' && (!Object.hasOwn(vars, root) || vars[root] === undefined);
  });
}

/** promptfoo's autoWrapRawIfPartialNunjucks: a value with an unclosed tag is sent as written, not an error. */
export function wrapIfPartial(text: string): string {
  const partial = /({%[^%]*$|{{[^}]*$|{#[^#]*$)/m.test(text);
  const wrapped = /{%\s*raw\s*%}/.test(text) && /{%\s*endraw\s*%}/.test(text);
  return partial && !wrapped ? `{% raw %}${text}{% endraw %}` : text;
}

/**
 * The environment variables a template reads through promptfoo's `env` global
 * (`{{ env.NAME }}`, `{{ env['NAME'] }}`).
 */
export function envNamesUsed(text: string): string[] {
  const names = new Set<string>();
  const use = /\benv\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['"]([^'"\]]{1,128})['"]\s*\])/g;
  for (let match = use.exec(text); match !== null; match = use.exec(text)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/**
 * Names that may hold a secret, or a URL with one in it: never given to a template. PROXY
 * (HTTPS_PROXY=http://user:pass@…), HOOK (a webhook URL is its own credential) and PAT as a
 * word (GITLAB_PAT; not PATH) included.
 */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASS|PWD|CRED|AUTH|COOKIE|SESSION|PRIVATE|CERT|SIGN|DSN|URL|URI|CONN|ACCOUNT|ROLE|VAULT|PROXY|HOOK|(?:^|[^A-Z])PAT(?:[^A-Z]|$)/i;
/** Values that look like a key whatever their variable's name, or carry one in a URL's user part (`scheme://user:pass@host`). */
const SECRET_VALUE = /^(sk-|sk_|pk_|rk_|ghp_|gho_|github_pat_|glpat-|xox[abpors]-|AKIA|ASIA|AIza|ya29\.|eyJ)|-----BEGIN|[a-z][a-z\d+.-]*:\/\/[^\s/?#@]*@/i;

/**
 * promptfoo gives templates the whole process environment as `env`; a config is someone
 * else's file and could send `{{ env.AWS_SECRET_ACCESS_KEY }}` to a server of its choosing, so
 * Parallax gives a template only the variables it names whose name and value cannot be a
 * secret: not a name with KEY, TOKEN, SECRET, PASS, AUTH, URL, PROXY, HOOK… in it, not a key
 * variable a provider uses, not a value that looks like a key or holds a URL with a user part,
 * at most 1,000 characters. Others render as
 * empty text (as an unset variable does in promptfoo).
 */
export function safeTemplateEnv(names: Iterable<string>, env: Readonly<Record<string, string | undefined>>, keyVariables: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined || SECRET_NAME.test(name) || keyVariables.has(name) || SECRET_VALUE.test(value.trim()) || value.length > 1000) continue;
    out[name] = value;
  }
  return out;
}
