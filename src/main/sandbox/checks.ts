/**
 * The sandbox as the checks need it: a regex tester with a time budget, and a runner for
 * `javascript` checks and transforms. Both speak the shapes src/shared/assertions asks for.
 */
import type { CodeRunner, RegexTester } from '../../shared/assertions';
import { sandbox } from './index';

/** promptfoo builds `new RegExp(value)` with no flags; so does this, inside the sandbox. */
export const sandboxRegexTester: RegexTester = (pattern, text) => {
  const result = sandbox.testRegex(pattern, '', text);
  if (result.ok) return { ok: true, match: result.value };
  if (result.kind === 'error') return { ok: false, error: `Invalid regex pattern: ${result.message}` };
  return { ok: false, error: `The regex check ${result.message}` };
};

export const sandboxCodeRunner: CodeRunner = (params, body, args) => {
  const result = sandbox.runCode(params, body, args);
  return result.ok ? { ok: true, value: result.value } : { ok: false, error: result.message };
};
