/**
 * The one choke point every front door calls: it checks the method exists, parses the input
 * with the contract's schema, runs the handler, and wraps the outcome in an envelope (Electron
 * only carries `error.message` across IPC, so errors travel as values).
 */
import type { z } from 'zod';
import { contract, type Handlers, type MethodName } from '../../shared/contract';
import { toErrorInfo, type Envelope } from '../../shared/errors';

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(contract, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export async function dispatch(handlers: Handlers, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isMethodName(name)) return { ok: false, error: { code: 'not_found', message: `Unknown method "${name}".` } };
  const parsed = contract[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'bad_input', message: `Bad input for ${name}: ${describeIssues(parsed.error)}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, data: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
