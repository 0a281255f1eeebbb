/**
 * The JSON-schema validator for is-json / contains-json / is-valid-json-schema checks, tool-call
 * checks and the tool calls a cell shows. It lives in main because ajv compiles each schema to
 * code with `new Function`, which the renderer's CSP (no 'unsafe-eval') forbids;
 * src/shared/assertions takes it as an injected `JsonSchemaValidator`.
 *
 * Schemas come from files and arguments from model answers: a schema's `pattern` is never a
 * native RegExp in main (one like `^(a+)+$` on a crafted string would hold the thread for
 * minutes); it is tested in the sandbox with a time budget (sandbox/checks.ts), and a pattern
 * that runs out of time counts as not matching.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchemaValidator } from '../../shared/assertions';
import { sandboxRegExp } from '../sandbox/checks';

export interface ValidatorOptions {
  /** How the value is named in problems (ajv's `data`), e.g. `arguments`. */
  dataVar?: string;
  /** Problems reported at most (the first ones: a person fixes those first). */
  maxErrors?: number;
  /** Compiled schemas kept; past it they are all dropped and compiled again when asked. */
  maxCompiled?: number;
}

function newAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, code: { regExp: sandboxRegExp } });
}

/** A validator that compiles each distinct schema once (cached by its JSON text). */
export function createJsonSchemaValidator(options: ValidatorOptions = {}): JsonSchemaValidator {
  const maxCompiled = options.maxCompiled ?? 500;
  let ajv = newAjv();
  const compiled = new Map<string, ValidateFunction>();
  return (schema, data) => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      if (compiled.size >= maxCompiled) {
        // A fresh Ajv too: its own registry keeps every schema's $id, and would refuse one again.
        compiled.clear();
        ajv = newAjv();
      }
      try {
        validate = ajv.compile(schema as object | boolean);
      } catch (error) {
        return { valid: false, errors: `the schema does not compile (${error instanceof Error ? error.message : String(error)})` };
      }
      compiled.set(key, validate);
    }
    if (validate(data)) return { valid: true };
    const errors = options.maxErrors !== undefined ? validate.errors?.slice(0, options.maxErrors) : validate.errors;
    return { valid: false, errors: ajv.errorsText(errors, { ...(options.dataVar !== undefined ? { dataVar: options.dataVar, separator: '; ' } : {}) }) };
  };
}
