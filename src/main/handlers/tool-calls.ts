/**
 * The schema half of checking an answer's tool calls for display (src/shared/tool-calls.ts does
 * the rest in the renderer): ajv compiles each tool's schema to code, which only main may run.
 * Problems name the arguments, not ajv's `data`, so a cell can show them as they are.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Handlers } from '../../shared/contract';
import type { JsonSchemaValidator } from '../../shared/assertions/types';
import { checkToolCall } from '../../shared/tool-calls';

type ToolCallHandlers = Pick<Handlers, 'toolCalls.check'>;

/** Schemas compiled and kept (by their JSON text); a run asks about the same few again and again. */
const MAX_COMPILED = 200;

/** Configured as the checks' validator (src/main/assertions/json-schema.ts), with problems worded for a person. */
export function createArgumentsValidator(): JsonSchemaValidator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const compiled = new Map<string, ValidateFunction>();
  return (schema, data) => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      try {
        validate = ajv.compile(schema as object | boolean);
      } catch (error) {
        return { valid: false, errors: `the tool's schema does not compile (${error instanceof Error ? error.message : String(error)})` };
      }
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(key, validate);
    }
    if (validate(data)) return { valid: true };
    // The first few problems: a person fixes those first, and the rest often follow from them.
    return { valid: false, errors: ajv.errorsText(validate.errors?.slice(0, 3), { dataVar: 'arguments', separator: '; ' }) };
  };
}

export function toolCallHandlers(): ToolCallHandlers {
  const validate = createArgumentsValidator();
  return {
    'toolCalls.check': ({ calls, tools }) => Promise.resolve({ checks: calls.map((call) => checkToolCall(call, tools, validate)) }),
  };
}
