/**
 * The JSON-schema validator for is-json / contains-json / is-valid-json-schema assertions.
 * It lives in main because ajv compiles each schema to code with `new Function`, which the
 * renderer's CSP (no 'unsafe-eval') forbids; src/shared/assertions takes it as an injected
 * `JsonSchemaValidator`.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchemaValidator } from '../../shared/assertions';

/** A validator that compiles each distinct schema once (cached by its JSON text). */
export function createJsonSchemaValidator(): JsonSchemaValidator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const compiled = new Map<string, ValidateFunction>();
  return (schema, data) => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      try {
        validate = ajv.compile(schema as object | boolean);
      } catch (error) {
        return { valid: false, errors: `the schema does not compile (${error instanceof Error ? error.message : String(error)})` };
      }
      compiled.set(key, validate);
    }
    return validate(data) ? { valid: true } : { valid: false, errors: ajv.errorsText(validate.errors) };
  };
}
