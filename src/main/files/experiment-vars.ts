/**
 * A promptfoo config's test values as the app opens them: rendered as `parallax eval` renders
 * them for the first prompt (src/main/template/promptfoo-vars.ts: values that name other
 * variables filled in, then rendered with promptfoo's filters, the config's nunjucksFilters
 * and the safe part of `env`). A draft renders its template once, with values as they are, so
 * it keeps the rendered values: the app then sends what eval and promptfoo send.
 *
 * The config's filters are loaded into the sandbox only for this, and removed before it
 * returns: the calls are synchronous, so no other render sees them.
 */
import { AppError } from '../../shared/errors';
import type { ConfigFiles, EvalConfig } from '../../shared/promptfoo/config';
import { sibling, unsafeName, type SiblingFiles } from '../../shared/formats/prompty-files';
import { envNamesUsed, safeTemplateEnv } from '../../shared/promptfoo/vars';
import type { Variables } from '../../shared/schemas';
import { sandbox } from '../sandbox';
import type { Environment } from '../secrets/secrets';
import { promptfooVars } from '../template/promptfoo-vars';

/** Key variables the vendors read when a provider names none: never given to a template, whatever their value. */
const DEFAULT_KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The filters of `filters` a template calls (`| name`). */
function filtersCalled(texts: readonly string[], filters: readonly { name: string }[]): string[] {
  return filters.map((f) => f.name).filter((name) => texts.some((text) => new RegExp(`\\|\\s*${name.replace(/\$/g, '\\$')}\\b`).test(text)));
}

/**
 * The files picked or dropped with a config, as the config parser reads files. A browser gives
 * a picked file its name only, so a name not found as written (`filters/shout.js`) is looked
 * up by its last part when exactly one file has it. Test files (CSV, JSON) are read only by
 * parallax eval, from the config's folder.
 */
export function siblingConfigFiles(files: SiblingFiles): ConfigFiles {
  const readText = (ref: string): string => {
    const name = ref.replace(/^file:\/\//, '');
    const found = sibling(files, name);
    if (found.ok) return found.text;
    // A name that leaves the config's folder (or is absolute, or a URL) is refused, never matched by its last part.
    if (unsafeName(name) !== undefined) throw new Error(found.message);
    const base = name.replace(/^.*[\\/]/, '');
    const same = [...files.keys()].filter((key) => key.replace(/^.*\//, '') === base);
    const only = same.length === 1 && same[0] !== undefined ? files.get(same[0]) : undefined;
    if (only !== undefined) return only;
    throw new Error(found.message);
  };
  return {
    readText,
    readTests: (ref) => {
      throw new Error(`tests from ${ref.replace(/^file:\/\//, '')} are read only by parallax eval; in the app, import the file into the test-case table`);
    },
  };
}

/** Each test's variables as eval renders the first prompt with them, and what the person should know about that. */
export function preparedTests(config: EvalConfig, fileName: string, env: Environment, files?: ConfigFiles): { vars: Variables[]; warnings: string[] } {
  const first = config.prompts[0];
  if (!first) return { vars: config.tests.map((test) => test.vars), warnings: [] };
  const templates = first.messages.map((m) => m.content);
  const names = new Set(templates.flatMap(envNamesUsed));
  for (const test of config.tests) for (const value of Object.values(test.vars)) if (typeof value === 'string' && value.includes('env')) for (const name of envNamesUsed(value)) names.add(name);
  const keyVariables = new Set([...DEFAULT_KEY_VARIABLES, ...[...config.providers, ...(config.grader ? [config.grader] : [])].flatMap((p) => (p.apiKeyEnvar !== undefined ? [p.apiKeyEnvar] : []))]);
  const templateEnv = safeTemplateEnv(names, env, keyVariables);
  // The draft keeps `env` as a variable only when its template reads it (the values are rendered already).
  const promptReadsEnv = templates.some((text) => envNamesUsed(text).length > 0);
  const filters = config.nunjucksFilters ?? [];
  if (filters.length > 0) {
    const loaded = sandbox.setFilters(filters);
    if (!loaded.ok) throw new AppError('bad_input', `${fileName}: nunjucksFilters: the filters do not load: ${loaded.message}`);
  }
  let changed = 0;
  let vars: Variables[];
  try {
    vars = config.tests.map((test, index) => {
      let prepared: Variables;
      try {
        prepared = promptfooVars(test.vars, first.chat ? 'chat' : 'text', templateEnv, files ? (ref) => files.readText(ref) : undefined);
      } catch (error) {
        throw new AppError('bad_input', `${fileName}: tests[${index}]: ${messageOf(error)}`);
      }
      if (!promptReadsEnv && !Object.hasOwn(test.vars, 'env')) {
        const { env: _env, ...rest } = prepared;
        prepared = rest;
      }
      if (JSON.stringify(prepared) !== JSON.stringify(test.vars)) changed++;
      return prepared;
    });
  } finally {
    if (filters.length > 0) sandbox.setFilters([]);
  }
  const warnings: string[] = [];
  if (changed > 0) {
    warnings.push(
      `${fileName}: ${changed === 1 ? '1 test has values' : `${changed} tests have values`} that name other variables or are templates; they were filled in as promptfoo fills them in, ` +
        'and the draft keeps the result (changing one variable no longer changes the values that named it).',
    );
  }
  const called = filtersCalled(templates, filters);
  if (called.length > 0) {
    warnings.push(
      `${fileName}: the prompt calls ${called.map((name) => `"${name}"`).join(', ')} from nunjucksFilters, which a draft cannot keep: the app does not know ${called.length === 1 ? 'that filter' : 'those filters'} (parallax eval runs the config with ${called.length === 1 ? 'it' : 'them'}).`,
    );
  }
  return { vars, warnings };
}
