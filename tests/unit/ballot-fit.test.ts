/** A ballot pair made to fit the ballot's own schema, so an exported ballot can always be read back. */
import { describe, expect, it } from 'vitest';
import { ballotPairSchema, fitBallotPair } from '../../src/shared/judging/ballot';

describe('fitBallotPair', () => {
  it('cuts huge answers and values with a note, cuts long names, and leaves out a prompt that does not fit', () => {
    const huge = `=HYPERLINK("x")\u0000${'a'.repeat(1_500_000)}`;
    const pair = {
      id: 'abcdef0123456789',
      row: 3,
      vars: { ['n'.repeat(300)]: huge, city: 'Paris' },
      prompt: Array.from({ length: 101 }, () => ({ role: 'user', content: 'hi' })),
      left: huge,
      right: '<script>x</script>',
    };
    expect(ballotPairSchema.safeParse(pair).success).toBe(false);
    const fitted = fitBallotPair(pair);
    expect(ballotPairSchema.safeParse(fitted).success).toBe(true);
    expect(fitted.prompt).toBeUndefined();
    expect(fitted.left.length).toBeLessThanOrEqual(1_000_000);
    expect(fitted.left.startsWith('=HYPERLINK("x")\u0000aaa')).toBe(true);
    expect(fitted.left).toMatch(/… \(\d+ more characters not shown\)$/);
    expect(fitted.right).toBe('<script>x</script>');
    expect(Object.keys(fitted.vars).map((k) => k.length)).toEqual([200, 4]);
  });

  it('keeps a pair that fits as it is', () => {
    const pair = { id: 'abcdef0123456789', row: 1, vars: { city: 'Rome' }, prompt: [{ role: 'user', content: 'Capital of Rome?' }], left: 'a', right: 'b' };
    expect(fitBallotPair(pair)).toEqual(pair);
  });
});
