/**
 * The variables a promptfoo config's prompt renders with, prepared as promptfoo's renderPrompt
 * prepares them (src/shared/promptfoo/vars.ts says how): references filled in, then, for a text
 * prompt, each value that holds a tag rendered as a template with the others, in the sandbox
 * like every template. A chat prompt (JSON messages) gets the filled-in values only, as in
 * promptfoo, where those are rendered into the parsed messages without the template pass.
 */
import { AppError } from '../../shared/errors';
import { referencesUndefinedVariables, resolveVarReferences, wrapIfPartial } from '../../shared/promptfoo/vars';
import type { Variables } from '../../shared/schemas';
import { parse as parseYaml } from 'yaml';
import { sandbox } from '../sandbox';

export type PromptKind = 'text' | 'chat';

/** A row's variables for rendering one prompt; throws AppError('template') when a value does not render. */
export function promptfooVars(vars: Variables, kind: PromptKind, env: Readonly<Record<string, string>> = {}, readFile?: (ref: string) => string): Variables {
  if (readFile) vars = withFileValues(vars, readFile);
  let resolved: Variables;
  try {
    // promptfoo's `env` global (only the safe part of it: safeTemplateEnv); a variable named env wins, as a Nunjucks variable shadows a global.
    resolved = resolveVarReferences(Object.hasOwn(vars, 'env') || Object.keys(env).length === 0 ? vars : { ...vars, env: { ...env } });
  } catch (error) {
    throw new AppError('template', `The test's variables cannot be prepared: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (kind === 'chat') return resolved;
  const names = Object.keys(resolved).filter((name) => {
    const value = resolved[name];
    return typeof value === 'string' && value.includes('{') && !referencesUndefinedVariables(value, resolved);
  });
  if (names.length === 0) return resolved;
  const texts = names.map((name) => wrapIfPartial(resolved[name] as string));
  const results = sandbox.renderAll(texts, resolved);
  // Each value renders with the filled-in values, not with the other rendered ones (one level, as in promptfoo).
  const rendered: Variables = { ...resolved };
  names.forEach((name, i) => {
    const result = results[i];
    if (!result) return;
    if (result.ok) rendered[name] = result.value;
    else throw new AppError('template', `The variable ${name} does not render as a template: ${result.message}`);
  });
  return rendered;
}

/**
 * promptfoo's `file://` values, read as its renderPrompt reads them: a YAML file as its value
 * in JSON, any other file as its text, trimmed. (The config checked which files may be named.)
 */
function withFileValues(vars: Variables, readFile: (ref: string) => string): Variables {
  if (!Object.values(vars).some((value) => typeof value === 'string' && value.startsWith('file://'))) return vars;
  const out: Variables = { ...vars };
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string' || !value.startsWith('file://')) continue;
    try {
      const text = readFile(value);
      out[name] = /\.ya?ml$/i.test(value) ? (JSON.stringify(parseYaml(text, { maxAliasCount: 1000 })) ?? '') : text.trim();
    } catch (error) {
      throw new AppError('template', `The variable ${name} names ${value}, which cannot be read: ${error instanceof Error ? error.message : String(error)}.`);
    }
  }
  return out;
}
