/**
 * promptfoo's variable semantics (src/shared/promptfoo/vars.ts): lists expanded into tests in
 * its order, values that name other values filled in as its renderPrompt does, and every
 * hostile shape (a value naming itself, values doubling each other, huge cross products)
 * bounded. The parity fixtures vars-nested and tests-scenarios hold the same against promptfoo.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig } from '../../src/shared/promptfoo/config';
import { envNamesUsed, referencesUndefinedVariables, resolveVarReferences, safeTemplateEnv, templateVariables, varCombinations, wrapIfPartial } from '../../src/shared/promptfoo/vars';

describe('varCombinations', () => {
  it('crosses lists of texts, the first variable outermost; other lists stay one value', () => {
    expect(varCombinations({ tone: ['calm', 'loud'], topic: ['cats', 'dogs'], nums: [1, 2], rows: [{ a: 1 }], one: ['only'] })).toEqual([
      { tone: 'calm', topic: 'cats', nums: [1, 2], rows: [{ a: 1 }], one: 'only' },
      { tone: 'calm', topic: 'dogs', nums: [1, 2], rows: [{ a: 1 }], one: 'only' },
      { tone: 'loud', topic: 'cats', nums: [1, 2], rows: [{ a: 1 }], one: 'only' },
      { tone: 'loud', topic: 'dogs', nums: [1, 2], rows: [{ a: 1 }], one: 'only' },
    ]);
    expect(varCombinations({ empty: [] })).toEqual([{ empty: [] }]);
  });

  it('gives up past the limit instead of building a huge product', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const vars = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, ten]));
    const started = Date.now();
    expect(varCombinations(vars)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('resolveVarReferences', () => {
  it('fills in the first reference of each value, over passes, and drops one trailing newline', () => {
    expect(resolveVarReferences({ topic: 'bananas\n\n', request: 'Write about {{ topic }} and {{topic}}' })).toEqual({
      topic: 'bananas\n',
      request: 'Write about bananas\n and bananas\n',
    });
    expect(resolveVarReferences({ a: '{{b}}!', b: '{{c}}?', c: 'x' })).toEqual({ a: 'x?!', b: 'x?', c: 'x' });
  });

  it('stops at a name no variable has, even when a later reference could be filled', () => {
    expect(resolveVarReferences({ a: 'Ask {{missing}} and {{b}}', b: 'y' })).toEqual({ a: 'Ask {{missing}} and {{b}}', b: 'y' });
  });

  it('writes non-text values as the built-in replace would, and keeps $ patterns as it does', () => {
    const out = resolveVarReferences({ a: 'n={{n}} l={{l}} o={{o}}', n: '3', l: ['x', 'y'], o: { k: 1 } });
    expect(out['a']).toBe('n=3 l=x,y o=[object Object]');
    // `$&` puts the placeholder back, so the value names p again on each of the five passes.
    expect(resolveVarReferences({ a: 'price: {{p}}', p: '$& and $$' })['a']).toBe(`price: {{p}}${' and $'.repeat(5)}`);
  });

  it('lets a value that names itself double five times and stop, like promptfoo', () => {
    const out = resolveVarReferences({ request: 'again {{request}}' });
    expect(out['request']).toBe(`${'again '.repeat(32)}{{request}}`);
  });

  it('refuses values that would grow past the limit (names that double each other) instead of eating memory', () => {
    const vars: Record<string, string> = { v0: 'x'.repeat(100_000) };
    for (let i = 1; i < 40; i++) vars[`v${i}`] = `{{v${i - 1}}}{{v${i - 1}}}`;
    expect(() => resolveVarReferences(vars)).toThrow(/more than 4,000,000 characters/);
  });
});

describe('template pass helpers', () => {
  it('finds the names a value uses as promptfoo does, and which are not set', () => {
    expect(templateVariables('{{ a }} {{ b | upper }} {% if c %}{% endif %} {% for x in d %}{{ x }}{% endfor %} {# {{ e }} #}').sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(referencesUndefinedVariables('{{ a.b }} {{ env.HOME }}', { a: { b: 1 } })).toBe(false);
    expect(referencesUndefinedVariables('{{ missing }}', { a: '1' })).toBe(true);
    expect(referencesUndefinedVariables('{{ constructor }}', {})).toBe(true);
  });

  it('sends a value with an unclosed tag as written', () => {
    expect(wrapIfPartial('costs {{ 5')).toBe('{% raw %}costs {{ 5{% endraw %}');
    expect(wrapIfPartial('fine {{ a }}')).toBe('fine {{ a }}');
  });
});

describe('configs: lists, scenarios, defaultTest', () => {
  function tests(yaml: string) {
    const result = parseConfig(yaml, 'promptfooconfig.yaml');
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    return result.config.tests;
  }

  it('expands a test with lists, defaultTest vars first in the order', () => {
    const out = tests(`prompts: ["{{tone}} {{topic}}"]
providers: [echo]
defaultTest: { vars: { tone: [calm, loud] } }
tests:
  - description: listed
    vars: { topic: [cats, dogs] }
    assert: [{ type: contains, value: a }]
`);
    expect(out.map((t) => t.vars)).toEqual([
      { tone: 'calm', topic: 'cats' },
      { tone: 'calm', topic: 'dogs' },
      { tone: 'loud', topic: 'cats' },
      { tone: 'loud', topic: 'dogs' },
    ]);
    expect(out.every((t) => t.description === 'listed' && t.assert?.length === 1)).toBe(true);
  });

  it("crosses each scenario's config with its tests after the config's tests; with no tests only scenarios run", () => {
    const out = tests(`prompts: ["{{lang}} {{input}}"]
providers: [echo]
defaultTest: { vars: { lang: Latin, extra: d } }
scenarios:
  - config:
      - { vars: { lang: French }, assert: [{ type: contains, value: French }] }
      - { vars: { lang: German }, description: german group }
    tests:
      - { vars: { input: hi }, assert: [{ type: contains, value: hi }], description: greeting }
      - { vars: { input: bye, lang: Dutch } }
`);
    expect(out.map((t) => t.vars)).toEqual([
      { lang: 'French', extra: 'd', input: 'hi' },
      { lang: 'Dutch', extra: 'd', input: 'bye' },
      { lang: 'German', extra: 'd', input: 'hi' },
      { lang: 'Dutch', extra: 'd', input: 'bye' },
    ]);
    expect(out.map((t) => t.assert?.map((a) => ('value' in a ? a.value : undefined)) ?? [])).toEqual([['French', 'hi'], ['French'], ['hi'], []]);
    expect(out.map((t) => t.description)).toEqual(['greeting', undefined, 'greeting', 'german group']);
  });

  it('refuses a cross product past 10,000 tests, and a scenario without config', () => {
    const list = `[${Array.from({ length: 30 }, (_, i) => `v${i}`).join(', ')}]`;
    const result = parseConfig(`prompts: ["{{a}}{{b}}{{c}}"]\nproviders: [echo]\ntests:\n  - vars: { a: ${list}, b: ${list}, c: ${list} }\n`, 'promptfooconfig.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssue(result.errors[0]!)).toContain('expand into more than 10,000 tests');
    const bad = parseConfig('prompts: [hi]\nproviders: [echo]\nscenarios:\n  - tests: [{ vars: { a: 1 } }]\n', 'promptfooconfig.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(formatIssue(bad.errors[0]!)).toContain('scenarios[0].config');
  });
});

describe("promptfoo's env global", () => {
  it('finds the names a template reads', () => {
    expect(envNamesUsed('{{ env.HOME }} {{ env["MY-VAR"] }} {{ env[\'X\'] | upper }} {{ environment }}').sort()).toEqual(['HOME', 'MY-VAR', 'X']);
  });

  it('gives a template only variables whose name and value cannot be secrets, and never a key variable', () => {
    const env = {
      REGION: 'eu-west-1',
      OPENAI_API_KEY: 'sk-live',
      AWS_SECRET_ACCESS_KEY: 'abc',
      GITHUB_TOKEN: 'x',
      DATABASE_URL: 'postgres://u:p@h/db',
      MY_KEY_VAR_NAME_IS_FINE: 'y',
      CUSTOM: 'sk-proj-looks-like-a-key',
      CORP_LLM: 'plain',
      BIG: 'z'.repeat(2000),
    };
    const names = Object.keys(env).concat(['UNSET', 'constructor', '__proto__']);
    expect(safeTemplateEnv(names, env, new Set(['CORP_LLM']))).toEqual({ REGION: 'eu-west-1' });
  });

  it('keeps out proxies, webhooks, personal access tokens and any value with a URL user part', () => {
    const env = {
      HTTPS_PROXY: 'http://me:hunter2@proxy.corp:3128',
      all_proxy: 'socks5://proxy.corp:1080',
      SLACK_HOOK: 'https://hooks.slack.com/services/T000/B000/XXXX',
      DEPLOY_WEBHOOK: 'https://example.com/hook/abc',
      GITLAB_PAT: 'glp-something',
      PAT: 'abc',
      MIRROR: 'https://user:pw@mirror.example.com/repo',
      GIT_REMOTE: 'ssh://git@host/repo.git',
      PATH: '/usr/bin',
      PATTERN: 'a*b',
      HOMEPAGE: 'https://example.com/a@b',
    };
    expect(safeTemplateEnv(Object.keys(env), env, new Set())).toEqual({ PATH: '/usr/bin', PATTERN: 'a*b', HOMEPAGE: 'https://example.com/a@b' });
  });
});

describe('nunjucksFilters in a config', () => {
  const files = (map: Record<string, string>) => ({
    readText: (ref: string) => {
      const text = map[ref.replace(/^file:\/\//, '')];
      if (text === undefined) throw new Error(`no such file (${ref})`);
      return text;
    },
    readTests: () => ({ tests: [], problems: [] }),
  });

  it('reads each filter file for parallax eval, and refuses a bad name, a file that is not JavaScript or is missing', () => {
    const good = parseConfig('prompts: ["{{ a | shout }}"]\nproviders: [echo]\nnunjucksFilters:\n  shout: file://f/shout.cjs\n', 'c.yaml', files({ 'f/shout.cjs': 'module.exports = (s) => s + "!"' }));
    expect(good.ok && good.config.nunjucksFilters).toEqual([{ name: 'shout', source: 'module.exports = (s) => s + "!"' }]);
    const bad = parseConfig('prompts: [hi]\nproviders: [echo]\nnunjucksFilters:\n  "bad name": file://a.js\n  py: file://f.py\n  gone: file://gone.js\n', 'c.yaml', files({}));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map(formatIssue)).toEqual([
        expect.stringContaining('a filter name is letters, digits'),
        expect.stringContaining('must be the path of a JavaScript file'),
        expect.stringContaining('cannot read "file://gone.js": no such file'),
      ]);
    }
  });

  it('is ignored with a warning where no files were given (the app, without the filter files)', () => {
    const result = parseConfig('prompts: [hi]\nproviders: [echo]\nnunjucksFilters: { shout: file://shout.js }\n', 'c.yaml');
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatIssue)).toEqual([expect.stringContaining("ignored: the filters' files were not given; pick or drop them together with the config")]);
  });
});

describe('hostile configs', () => {
  const files = (map: Record<string, string>) => ({
    readText: (ref: string) => {
      const text = map[ref.replace(/^file:\/\//, '')];
      if (text === undefined) throw new Error(`no such file (${ref})`);
      return text;
    },
    readTests: () => ({ tests: [], problems: [] }),
  });
  const nested = (depth: number): string => `${'{ a: '.repeat(depth)}x${' }'.repeat(depth)}`;

  it('refuses vars nested 10,000 deep inline, in a test file and in a defaultTest file, as config errors', () => {
    const inline = parseConfig(`prompts: [hi]\nproviders: [echo]\ntests:\n  - vars: { deep: ${nested(10_000)} }\n`, 'c.yaml');
    expect(inline.ok).toBe(false);
    const fromFile = parseConfig('prompts: [hi]\nproviders: [echo]\ntests: file://t.yaml\n', 'c.yaml', files({ 't.yaml': `- vars: { deep: ${nested(10_000)} }\n` }));
    expect(fromFile.ok).toBe(false);
    if (!fromFile.ok) expect(formatIssue(fromFile.errors[0]!)).toContain('t.yaml cannot be read');
    const defaults = parseConfig('prompts: [hi]\nproviders: [echo]\ndefaultTest: file://d.yaml\n', 'c.yaml', files({ 'd.yaml': `vars: { deep: ${nested(10_000)} }\n` }));
    expect(defaults.ok).toBe(false);
  });

  it('reads defaultTest from a YAML file', () => {
    const result = parseConfig('prompts: ["{{a}} {{b}}"]\nproviders: [echo]\ndefaultTest: file://d.yaml\ntests: [{ vars: { b: own } }]\n', 'c.yaml', files({ 'd.yaml': 'vars: { a: shared, b: default }\nassert: [{ type: contains, value: shared }]\n' }));
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    expect(result.config.tests.map((t) => t.vars)).toEqual([{ a: 'shared', b: 'own' }]);
    expect(result.config.defaultAssert).toEqual([expect.objectContaining({ type: 'contains', value: 'shared' })]);
  });

  it('caps lists across tests, not the rows a file holds', () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `  - vars: { q: "${i}" }`).join('\n');
    const result = parseConfig(`prompts: ["{{q}}{{c}}"]\nproviders: [echo]\ntests:\n${rows}\n  - vars: { q: x, c: [a, b] }\n`, 'c.yaml');
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    expect(result.config.tests).toHaveLength(12_002);
  });
});

describe('values from files', () => {
  const files = (map: Record<string, string>) => ({
    readText: (ref: string) => {
      const text = map[ref.replace(/^file:\/\//, '')];
      if (text === undefined) throw new Error(`no such file (${ref})`);
      return text;
    },
    readTests: () => ({ tests: [], problems: [] }),
  });
  const parse = (vars: string, map: Record<string, string> = {}) => parseConfig(`prompts: ["{{v}}"]\nproviders: [echo]\ntests:\n  - vars: ${vars}\n`, 'c.yaml', files(map));
  const errors = (result: ReturnType<typeof parse>): string[] => (result.ok ? [] : result.errors.map(formatIssue));

  it('keeps a file:// value as written (it is read when the prompt renders), once the file is found', () => {
    const result = parse('{ v: file://a.txt }', { 'a.txt': 'text' });
    expect(result.ok && result.config.tests[0]?.vars).toEqual({ v: 'file://a.txt' });
    expect(errors(parse('{ v: file://missing.txt }'))[0]).toContain('cannot read "file://missing.txt": no such file');
  });

  it('refuses code, media and globs as values, and vars from a file', () => {
    expect(errors(parse('{ v: file://make.js }'))[0]).toContain('a value computed by code');
    expect(errors(parse('{ v: file://get_var.py }'))[0]).toContain('a value computed by code');
    expect(errors(parse('{ v: file://cat.png }'))[0]).toContain('images, audio, video and PDF');
    expect(errors(parse('{ v: "file://docs/*.txt" }'))[0]).toContain('a glob as a value');
    expect(errors(parse('file://vars.yaml', { 'vars.yaml': 'v: 1' }))[0]).toContain("a test's vars from a file are not read");
  });
});
