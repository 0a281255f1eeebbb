/**
 * The one choke point every front door calls: it checks the method exists, checks the input's
 * shape (depth and size, so a schema never recurses into a stack overflow), parses the input
 * with the contract's schema, runs the handler, and wraps the outcome in an envelope (Electron
 * only carries `error.message` across IPC, so errors travel as values). It never throws.
 */
import type { z } from 'zod';
import { contract, type Handlers, type MethodName } from '../../shared/contract';
import { toErrorInfo, type Envelope } from '../../shared/errors';
import { checkValueShape, describeShapeProblem } from './limits';

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export async function dispatch(handlers: Handlers, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isMethodName(name)) return { ok: false, error: { code: 'not_found', message: `Unknown method "${name.slice(0, 100)}".` } };
  const input = rawInput ?? {};
  const problem = checkValueShape(input);
  if (problem) return { ok: false, error: { code: 'bad_input', message: `Bad input for ${name}: ${describeShapeProblem(problem)}` } };
  try {
    const parsed = contract[name].input.safeParse(input);
    if (!parsed.success) {
      return { ok: false, error: { code: 'bad_input', message: `Bad input for ${name}: ${describeIssues(parsed.error)}` } };
    }
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, data: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
