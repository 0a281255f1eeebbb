/**
 * The sandbox as the checks need it: a regex tester with a time budget, and a runner for
 * `javascript` checks and transforms. Both speak the shapes src/shared/assertions asks for.
 *
 * Each call blocks main for at most its budget, but a check runs once per cell: code that
 * runs out of time twice within a minute (a pattern, three times: it may only be slow on a
 * crafted answer) fails at once for the rest of that minute, so a 10,000-row run with an
 * endless loop in a check does not spend its budget 10,000 times.
 */
import type { CodeRunner, RegexTester } from '../../shared/assertions';
import type { SandboxFailure } from './sandbox';
import { sandbox } from './index';

const STRIKE_MS = 60_000;

class Strikes {
  private readonly counts = new Map<string, { count: number; until: number }>();
  constructor(private readonly limit: number) {}

  struck(key: string): boolean {
    const entry = this.counts.get(key);
    return entry !== undefined && entry.count >= this.limit && entry.until > Date.now();
  }

  record(key: string, failure: SandboxFailure): void {
    if (failure.kind !== 'time') return;
    const entry = this.counts.get(key);
    const count = (entry && entry.until > Date.now() ? entry.count : 0) + 1;
    this.counts.set(key, { count, until: Date.now() + STRIKE_MS });
    if (this.counts.size > 1000) this.counts.delete(this.counts.keys().next().value ?? '');
  }
}

const regexStrikes = new Strikes(3);
const codeStrikes = new Strikes(2);

/** promptfoo builds `new RegExp(value)` with no flags; so does this, inside the sandbox. */
export const sandboxRegexTester: RegexTester = (pattern, text) => {
  if (regexStrikes.struck(pattern)) return { ok: false, error: 'The regex check ran out of its time budget on earlier answers; it is not tried again for a minute' };
  const result = sandbox.testRegex(pattern, '', text);
  if (result.ok) return { ok: true, match: result.value };
  regexStrikes.record(pattern, result);
  if (result.kind === 'error') return { ok: false, error: `Invalid regex pattern: ${result.message}` };
  return { ok: false, error: `The regex check ${result.message}` };
};

export const sandboxCodeRunner: CodeRunner = (params, body, args) => {
  if (codeStrikes.struck(body)) return { ok: false, error: 'the code ran out of its time budget on earlier answers; it is not run again for a minute' };
  const result = sandbox.runCode(params, body, args);
  if (result.ok) return { ok: true, value: result.value };
  codeStrikes.record(body, result);
  return { ok: false, error: result.message };
};

/**
 * A RegExp engine for ajv (a schema's `pattern` and `patternProperties`): each test runs in the
 * sandbox with the regex budget, and a pattern that ran out of time on earlier strings is not
 * tried again for a minute. A pattern that cannot run, or runs out of time, does not match.
 */
export const sandboxRegExp = Object.assign(
  (pattern: string, flags: string) => ({
    // ajv keys compiled patterns by this: without it every pattern would be the first one.
    toString: (): string => `/${pattern}/${flags}`,
    test(text: string): boolean {
      const key = `${flags}/${pattern}`;
      if (regexStrikes.struck(key)) return false;
      const result = sandbox.testRegex(pattern, flags, text);
      if (result.ok) return result.value;
      regexStrikes.record(key, result);
      return false;
    },
  }),
  { code: 'sandboxRegExp' },
);
