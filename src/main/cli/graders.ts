/**
 * Graders of single tests and checks in `parallax eval`, as promptfoo picks them (its
 * getFinalTest): a check's own `provider`, else its test's `options.provider`, else
 * defaultTest's. Each distinct grader is bound once, like the config's providers (its key
 * variable under the same key-host rules), and each row records the graders its checks ask
 * (TestCase.grader, TestCase.graders by the check's place), so a resumed run asks the same.
 */
import type { Assertion } from '../../shared/assertions/types';
import type { ConfigProvider, EvalConfig, GraderChoice } from '../../shared/promptfoo/config';
import type { GraderRef, TestCase } from '../../shared/schemas';
import { canonicalJson } from '../runner/cache-key';
import { isModelGraded } from '../runner/grading';

/** How a provider is bound to its registry id, base URL and key (eval.ts's bindProviders). */
export interface GraderBinding {
  registryId: string;
  name: string;
  provider: ConfigProvider;
}

export interface OwnGraders<B extends GraderBinding> {
  /** One binding per distinct grader other than defaultTest's, with where the config names it first. */
  bindings: { binding: B; where: string }[];
  /** Per test, by index: the graders its checks ask, as its TestCase records them. */
  rows: Pick<TestCase, 'grader' | 'graders'>[];
}

/**
 * The graders the config's tests and checks name. `bind` binds a list of extra providers after
 * the config's own (and defaultTest's grader), so their registry ids never meet those.
 */
export function ownGraders<B extends GraderBinding>(config: EvalConfig, bind: (extra: readonly ConfigProvider[]) => B[], defaultBinding: B | undefined): { ok: true; graders: OwnGraders<B> } | { ok: false; error: string } {
  const checkGraders = config.checkGraders ?? new Map<Assertion, GraderChoice>();
  const wanted: { provider: ConfigProvider; where: string }[] = [];
  const seen = new Map<string, number>();
  const keyOf = (provider: ConfigProvider): string => canonicalJson(provider);
  const defaultKey = config.grader ? keyOf(config.grader) : undefined;
  const want = (choice: GraderChoice, where: string): void => {
    if (!choice.grader) return;
    const key = keyOf(choice.grader);
    if (key === defaultKey || seen.has(key)) return;
    seen.set(key, wanted.length);
    wanted.push({ provider: choice.grader, where });
  };
  config.tests.forEach((test, index) => {
    if (test.grader) want(test.grader, `tests[${index}].options.provider`);
  });
  for (const choice of checkGraders.values()) want(choice, 'a check\'s provider');
  const bound = bind(wanted.map((w) => w.provider));

  const refOf = (choice: GraderChoice | undefined): GraderRef | undefined | string => {
    if (choice === undefined) return undefined;
    const models = { ...(choice.graderModels?.embedding !== undefined ? { embeddingModel: choice.graderModels.embedding } : {}), ...(choice.graderModels?.moderation !== undefined ? { moderationModel: choice.graderModels.moderation } : {}) };
    // A map with only embedding or moderation models asks them on defaultTest's grader's server.
    const binding = choice.grader ? (keyOf(choice.grader) === defaultKey ? defaultBinding : bound[seen.get(keyOf(choice.grader)) ?? -1]) : defaultBinding;
    if (!binding) return 'a grader map without text names no server to ask its embedding or moderation model on: add text (a chat model), or set defaultTest.options.provider';
    return { providerId: binding.registryId, model: binding.provider.model, ...models };
  };

  const rows: Pick<TestCase, 'grader' | 'graders'>[] = [];
  for (const [index, test] of config.tests.entries()) {
    const grader = refOf(test.grader);
    if (typeof grader === 'string') return { ok: false, error: `tests[${index}].options.provider: ${grader}` };
    const graders: Record<string, GraderRef> = {};
    const place = (checks: readonly Assertion[], prefix: 'd' | 't'): string | undefined => {
      for (const [i, check] of checks.entries()) {
        const own = refOf(checkGraders.get(check));
        if (typeof own === 'string') return own;
        if (own) graders[`${prefix}${i}`] = own;
        for (const [j, member] of (check.assert ?? []).entries()) {
          const mine = refOf(checkGraders.get(member));
          if (typeof mine === 'string') return mine;
          if (mine) graders[`${prefix}${i}.${j}`] = mine;
        }
      }
      return undefined;
    };
    const problem = place(config.defaultAssert ?? [], 'd') ?? place(test.assert ?? [], 't');
    if (problem !== undefined) return { ok: false, error: `a check's provider: ${problem}` };
    rows.push({ ...(grader ? { grader } : {}), ...(Object.keys(graders).length > 0 ? { graders } : {}) });
  }
  return { ok: true, graders: { bindings: bound.map((binding, i) => ({ binding, where: wanted[i]?.where ?? 'a grader' })), rows } };
}

/** A model-graded check (select-best too) that no grader would grade: neither its own, its test's, nor defaultTest's. */
export function ungradedCheck(config: EvalConfig, hasDefault: boolean): Assertion | undefined {
  if (hasDefault) return undefined;
  const own = config.checkGraders ?? new Map<Assertion, GraderChoice>();
  const needs = (check: Assertion): boolean => (isModelGraded(check) && check.type !== 'assert-set') || /^(not-)?select-best$/.test(check.type);
  for (const test of config.tests) {
    if (test.grader?.grader) continue;
    for (const check of [...(config.defaultAssert ?? []), ...(test.assert ?? [])]) {
      if (needs(check) && !own.get(check)?.grader) return check;
      for (const member of check.assert ?? []) if (needs(member) && !own.get(member)?.grader) return member;
    }
  }
  return undefined;
}
