/**
 * The schema half of checking an answer's tool calls for display (src/shared/tool-calls.ts does
 * the rest in the renderer): ajv compiles each tool's schema to code, which only main may run.
 * Problems name the arguments, not ajv's `data`, so a cell can show them as they are.
 */
import type { Handlers } from '../../shared/contract';
import type { JsonSchemaValidator } from '../../shared/assertions/types';
import { checkToolCall } from '../../shared/tool-calls';
import { createJsonSchemaValidator } from '../assertions/json-schema';

type ToolCallHandlers = Pick<Handlers, 'toolCalls.check'>;

/** Problems worded for a person: the first few, naming the arguments rather than ajv's `data`. */
export function createArgumentsValidator(): JsonSchemaValidator {
  const validate = createJsonSchemaValidator({ dataVar: 'arguments', maxErrors: 3, maxCompiled: 200 });
  return (schema, data) => {
    const result = validate(schema, data);
    return result.valid || !result.errors?.startsWith('the schema does not compile') ? result : { valid: false, errors: `the tool's ${result.errors.slice(4)}` };
  };
}

export function toolCallHandlers(): ToolCallHandlers {
  const validate = createArgumentsValidator();
  return {
    'toolCalls.check': ({ calls, tools }) => Promise.resolve({ checks: calls.map((call) => checkToolCall(call, tools, validate)) }),
  };
}
