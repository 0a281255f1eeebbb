/**
 * JSON Schemas come from shared files (a tool's parameters, an is-json check) and the strings
 * they check from model answers. A schema `pattern` that backtracks catastrophically must not
 * hold main: it runs in the sandbox with a time budget and, out of time, does not match.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from '../../src/main/assertions/json-schema';
import { createArgumentsValidator } from '../../src/main/handlers/tool-calls';

const EVIL = { type: 'object', properties: { port: { type: 'string', pattern: '^(a+)+$' } } };
const CRAFTED = { port: `${'a'.repeat(40)}!` };

describe('schema patterns from files', () => {
  it('still match as patterns do', () => {
    const validate = createJsonSchemaValidator();
    expect(validate(EVIL, { port: 'aaa' })).toEqual({ valid: true });
    expect(validate(EVIL, { port: 'aab' }).valid).toBe(false);
    expect(validate({ type: 'object', patternProperties: { '^x-[a-z]+$': { type: 'number' } } }, { 'x-a': 'no' }).valid).toBe(false);
    // Unicode-aware, as ajv's own engine is.
    expect(validate({ type: 'string', pattern: '^\\p{L}+$' }, 'Ärger')).toEqual({ valid: true });
  });

  it('cannot hold the main thread with a catastrophic pattern on a crafted answer', () => {
    for (const validate of [createJsonSchemaValidator(), createArgumentsValidator()]) {
      const started = performance.now();
      // Ten answers: after a few runs out of time the pattern is not tried again for a while.
      for (let i = 0; i < 10; i++) expect(validate(EVIL, CRAFTED).valid).toBe(false);
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });

  it('compiles a schema with an $id again after its cache was emptied', () => {
    const validate = createJsonSchemaValidator({ maxCompiled: 2 });
    const withId = { $id: 'https://example.com/tide', type: 'object' };
    expect(validate(withId, {})).toEqual({ valid: true });
    validate({ type: 'string' }, 'x');
    validate({ type: 'number' }, 1);
    // The cache was emptied on the third schema; the first is compiled again, $id and all.
    expect(validate(withId, {})).toEqual({ valid: true });
  });
});
