/**
 * Bradley–Terry intervals against R. tests/reference/bradley-terry.R fits the same model with
 * BradleyTerry2 (the prior's virtual games are ordinary data to its glm) and finds each
 * profile-likelihood bound as an exact root with uniroot; its output is the fixture read here.
 *
 * Tolerances: the mode and both computations of the exact profile bounds are solved to about
 * 1e-10 (R's glm to a relative deviance change of 1e-14, uniroot to 1e-12; ours by Newton and
 * regula falsi to 1e-10), so they must agree to 1e-6 on the log-strength scale, which is far
 * below anything shown (two decimals of a percentage). MASS's confint() interpolates the same
 * profile with a spline: it is checked only to 0.01, the spline's accuracy on these curves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bradleyTerryIntervals } from '../../src/shared/stats/bradley-terry-intervals';

const pairOf = z.tuple([z.number(), z.number()]);
const fixture = z
  .object({
    level: z.number(),
    cases: z.array(
      z.object({
        name: z.string(),
        prior: z.number(),
        items: z.array(z.string()),
        votes: z.array(z.object({ a: z.string(), b: z.string(), wins: z.number(), losses: z.number(), ties: z.number() })),
        fit: z.array(z.object({ item: z.string(), theta: z.number(), se: z.number(), profile: pairOf, mass: pairOf })),
        pairs: z.array(z.object({ a: z.string(), b: z.string(), diff: z.number(), profile: pairOf })),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync(new URL('../reference/bradley-terry.json', import.meta.url), 'utf8')));

const logit = (p: number): number => Math.log(p / (1 - p));

describe('Bradley–Terry profile intervals match R (BradleyTerry2 + glm)', () => {
  it('has the cases the issue asks for', () => {
    expect(fixture.cases.map((c) => c.name.split(':')[0])).toEqual(expect.arrayContaining(['separated', 'sparse']));
  });

  for (const ref of fixture.cases) {
    describe(ref.name, () => {
      const fit = bradleyTerryIntervals(ref.votes, ref.items, { prior: ref.prior, level: fixture.level });

      it('has the same posterior mode', () => {
        for (const r of ref.fit) expect(fit.byItem[r.item]?.theta).toBeCloseTo(r.theta, 6);
      });

      it('has the same profile-likelihood interval for each item', () => {
        for (const r of ref.fit) {
          const mine = fit.byItem[r.item];
          expect(mine?.thetaLow).toBeCloseTo(r.profile[0], 6);
          expect(mine?.thetaHigh).toBeCloseTo(r.profile[1], 6);
          // The interval on the chance scale is the same interval through σ.
          expect(logit(mine?.low ?? NaN)).toBeCloseTo(r.profile[0], 6);
          expect(Math.abs((mine?.thetaHigh ?? 0) - r.mass[1])).toBeLessThan(0.01);
          expect(Math.abs((mine?.thetaLow ?? 0) - r.mass[0])).toBeLessThan(0.01);
        }
      });

      it('has the same profile-likelihood interval for each pair', () => {
        for (const p of ref.pairs) {
          const mine = fit.pair(p.a, p.b);
          expect(logit(mine.estimate)).toBeCloseTo(p.diff, 6);
          expect(logit(mine.low)).toBeCloseTo(p.profile[0], 5);
          expect(logit(mine.high)).toBeCloseTo(p.profile[1], 5);
        }
      });
    });
  }
});
