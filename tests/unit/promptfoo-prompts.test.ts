/**
 * promptfoo's prompt files and prompt/provider filters (src/shared/promptfoo/prompts.ts), and
 * how parseConfig reads them; the parity fixtures (tests/fixtures/promptfoo/prompts-*) hold the
 * whole CLI to promptfoo's own results.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig, type ConfigFiles } from '../../src/shared/promptfoo/config';
import { columnLayout, looksLikePromptPath, promptRefMatches, promptsOfFile, providerRefMatches, testRunsIn, type PromptFile } from '../../src/shared/promptfoo/prompts';

const FILE = 'promptfooconfig.yaml';

function files(map: Record<string, string>): ConfigFiles {
  const read = (ref: string): PromptFile[] => {
    const written = ref.replace(/^file:\/\//, '');
    if (written.includes('*')) {
      const prefix = written.slice(0, written.indexOf('*'));
      return Object.keys(map)
        .filter((name) => name.startsWith(prefix) && name.endsWith(written.slice(written.indexOf('*') + 1)))
        .sort()
        .map((name) => ({ shown: name, text: map[name] ?? '' }));
    }
    const text = map[written];
    if (text === undefined) throw new Error(`no such file (${written})`);
    return [{ shown: written, text }];
  };
  return {
    readText: (ref) => read(ref)[0]?.text ?? '',
    readTests: () => ({ tests: [], problems: [] }),
    readPrompts: read,
  };
}

function parse(text: string, map: Record<string, string> = {}): ReturnType<typeof parseConfig> {
  return parseConfig(text, FILE, files(map));
}

describe('promptsOfFile', () => {
  it('splits a text file on lines that are only ---, trimming each prompt and dropping empty ones', () => {
    const prompts = promptsOfFile({ shown: 'p.txt', text: 'One {{a}}\n---\n\n  Two\nlines  \n \t---  \n---\n\r\nThree --- not a separator\n' }, undefined);
    expect(prompts).toEqual([
      { raw: 'One {{a}}', label: 'p.txt: One {{a}}' },
      { raw: 'Two\nlines', label: 'p.txt: Two\nlines' },
      { raw: 'Three --- not a separator', label: 'p.txt: Three --- not a separator' },
    ]);
    expect(promptsOfFile({ shown: 'p.txt', text: 'x' }, 'mine')).toEqual([{ raw: 'x', label: 'mine: p.txt: x' }]);
  });

  it('reads JSON and YAML as compact JSON, JSONL a prompt per line, Markdown and Jinja2 whole', () => {
    expect(promptsOfFile({ shown: 'c.json', text: '[ {"role": "user", "content": "hi"} ]\n' }, undefined)).toEqual([
      { raw: '[{"role":"user","content":"hi"}]', label: 'c.json: [{"role":"user","content":"hi"}]' },
    ]);
    expect(promptsOfFile({ shown: 'c.yaml', text: '- role: user\n  content: hi\n' }, 'L')).toEqual([{ raw: '[{"role":"user","content":"hi"}]', label: 'L' }]);
    expect(promptsOfFile({ shown: 'c.jsonl', text: '"a"\n\n"b"\n' }, undefined)).toEqual([
      { raw: '"a"', label: 'c.jsonl: "a"' },
      { raw: '"b"', label: 'c.jsonl: "b"' },
    ]);
    expect(promptsOfFile({ shown: 'one.jsonl', text: '"a"\n' }, undefined)).toEqual([{ raw: '"a"', label: 'one.jsonl' }]);
    const md = '# Title\n\n---\n\n' + 'x'.repeat(60) + '\n';
    expect(promptsOfFile({ shown: 'g.md', text: md }, undefined)).toEqual([{ raw: md, label: `g.md: ${md.slice(0, 50)}...` }]);
  });

  it('refuses prompt files promptfoo would run as code, and empty YAML', () => {
    expect(promptsOfFile({ shown: 'p.py', text: 'def f(): pass' }, undefined)).toEqual({ problem: expect.stringContaining('not run by Parallax') as string });
    expect(promptsOfFile({ shown: 'p.js:fn', text: '' }, undefined)).toEqual({ problem: expect.stringContaining('not run by Parallax') as string });
    expect(promptsOfFile({ shown: 'e.yaml', text: '' }, undefined)).toEqual({ problem: 'the file is empty' });
  });

  it('keeps hostile text as text: NUL bytes, markup, formulas, YAML bombs and huge files', () => {
    const hostile = 'a\u0000b <script>alert(1)</script> =HYPERLINK("javascript:x")';
    expect(promptsOfFile({ shown: 'h.txt', text: hostile }, undefined)).toEqual([{ raw: hostile, label: `h.txt: ${hostile}` }]);
    // An alias bomb is refused by the YAML reader's alias limit and kept as text, as promptfoo keeps a file it cannot parse.
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const read = promptsOfFile({ shown: 'bomb.yaml', text: bomb }, undefined);
    expect(Array.isArray(read) && read[0]?.raw).toBe(bomb);
    const big = `${'word '.repeat(200_000)}\n---\nsecond`;
    const parts = promptsOfFile({ shown: 'big.txt', text: big }, undefined);
    expect(Array.isArray(parts) && parts.map((p) => p.raw.length)).toEqual([big.indexOf('\n') - 1, 6]);
  });

  it('takes a bare path with a prompt extension as a file, and other text as text', () => {
    expect(looksLikePromptPath('prompts/a.txt')).toBe(true);
    expect(looksLikePromptPath('chat.yaml')).toBe(true);
    expect(looksLikePromptPath('Summarise A/B tests.txt please')).toBe(false);
    expect(looksLikePromptPath('What is 3.14')).toBe(false);
  });
});

describe('filters', () => {
  const prompts = [{ label: 'short' }, { label: 'style:poem' }, { label: 'style:list' }, { label: 'Plain', id: 'plain-id' }];

  it('match prompts by label or id, prefix* and group names, as promptfoo does', () => {
    const names = (ref: string): string[] => prompts.filter((p) => promptRefMatches(ref, p)).map((p) => p.label);
    expect(names('short')).toEqual(['short']);
    expect(names('style:*')).toEqual(['style:poem', 'style:list']);
    expect(names('style')).toEqual(['style:poem', 'style:list']);
    expect(names('sty')).toEqual([]);
    expect(names('plain-id')).toEqual(['Plain']);
    expect(names('*')).toEqual(['short', 'style:poem', 'style:list', 'Plain']);
  });

  it('match providers by label, the id as written or promptfoo own id', () => {
    const provider = { id: 'openai:chat:gpt-4o', promptfooId: 'openai:gpt-4o' };
    expect(providerRefMatches('openai:gpt-4o', provider)).toBe(true);
    expect(providerRefMatches('openai:chat:gpt-4o', provider)).toBe(true);
    expect(providerRefMatches('openai:*', provider)).toBe(true);
    expect(providerRefMatches('openai', provider)).toBe(true);
    expect(providerRefMatches('anthropic:*', provider)).toBe(false);
    expect(providerRefMatches('mini', { id: 'openai:chat:gpt-4o-mini', label: 'mini' })).toBe(true);
  });

  it('lay out each provider × the prompts it runs, and pick a test cells by its lists; an empty list runs nothing', () => {
    const layout = columnLayout({ prompts, providers: [{ prompts: ['style:*'] }, {}] });
    expect(layout).toEqual([
      { providerIdx: 0, promptIdx: 1 },
      { providerIdx: 0, promptIdx: 2 },
      { providerIdx: 1, promptIdx: 0 },
      { providerIdx: 1, promptIdx: 1 },
      { providerIdx: 1, promptIdx: 2 },
      { providerIdx: 1, promptIdx: 3 },
    ]);
    const provider = { id: 'echo' };
    expect(testRunsIn({ prompts: ['short'] }, prompts[0], provider)).toBe(true);
    expect(testRunsIn({ prompts: ['short'] }, prompts[1], provider)).toBe(false);
    expect(testRunsIn({ prompts: [] }, prompts[0], provider)).toBe(false);
    expect(testRunsIn({ providers: ['other'] }, prompts[0], provider)).toBe(false);
  });
});

describe('parseConfig: prompts and filters', () => {
  it('reads every prompt form into prompts with promptfoo labels and ids', () => {
    const result = parse(
      `prompts:
  - file://multi.txt
  - { raw: 'Greet {{n}}', label: warm, id: greet }
  - { id: file://chat.yaml, label: chat }
  - file://dir/*.txt
  - chat.json
providers: [echo]
`,
      { 'multi.txt': 'A {{n}}\n---\nB {{n}}', 'chat.yaml': '- role: system\n  content: S\n- role: user\n  content: U {{n}}', 'dir/x.txt': 'X', 'dir/y.txt': 'Y1\n---\nY2', 'chat.json': '[{"role":"user","content":"J"}]' },
    );
    if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
    expect(result.config.prompts.map((p) => [p.label, p.id, p.chat, p.messages.map((m) => `${m.role}:${m.content}`)])).toEqual([
      ['multi.txt: A {{n}}', undefined, false, ['user:A {{n}}']],
      ['multi.txt: B {{n}}', undefined, false, ['user:B {{n}}']],
      ['warm', 'greet', false, ['user:Greet {{n}}']],
      ['chat', undefined, true, ['system:S', 'user:U {{n}}']],
      ['dir/x.txt: X', undefined, false, ['user:X']],
      ['dir/y.txt: Y1', undefined, false, ['user:Y1']],
      ['dir/y.txt: Y2', undefined, false, ['user:Y2']],
      ['chat.json: [{"role":"user","content":"J"}]', undefined, true, ['user:J']],
    ]);
  });

  it('reads promptfoo older map of prompt to label', () => {
    const result = parse(`prompts:\n  'Hi {{n}}': hello\n  file://a.txt: fromfile\nproviders: [echo]\n`, { 'a.txt': 'A' });
    expect(result.ok && result.config.prompts.map((p) => p.label)).toEqual(['hello', 'fromfile: a.txt: A']);
  });

  it('refuses prompts promptfoo would run as code, rather than sending their names as text', () => {
    const result = parse(`prompts: ['exec:./make.sh', 'file://p.py:build', prompts.js, 'Explain what main.py does']\nproviders: [echo]\n`);
    expect(!result.ok && result.errors.map((e) => `${e.path}: ${e.message.replace(/ are not run by Parallax.*$/, '')}`)).toEqual([
      'prompts[0]: "exec:./make.sh": prompts from a program (exec:)',
      'prompts[1]: "file://p.py:build": prompts written as code (.py)',
      'prompts[2]: "prompts.js": prompts written as code (.js)',
    ]);
  });

  it('refuses a glob that matches nothing and a file with no prompt', () => {
    const result = parse(`prompts: [file://none/*.txt, file://blank.txt]\nproviders: [echo]\n`, { 'blank.txt': '\n---\n  \n' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map(formatIssue)).toEqual([
      `${FILE}: prompts[0] (line 1): no file matches "file://none/*.txt"`,
      `${FILE}: prompts[1] (line 1): there are no prompts in blank.txt`,
    ]);
  });

  it('reads provider and test lists, defaultTest lists for tests without their own, and refuses names that match nothing', () => {
    const good = parse(`prompts: [{ raw: A, label: a }, { raw: B, label: b }]
providers:
  - { id: echo, label: e1, prompts: [a] }
  - echo
defaultTest: { prompts: [b] }
tests:
  - vars: {}
  - { vars: {}, prompts: [a], providers: [e1] }
`);
    if (!good.ok) throw new Error(good.errors.map(formatIssue).join('\n'));
    expect(good.config.providers[0]?.prompts).toEqual(['a']);
    expect(good.config.tests.map((t) => [t.prompts, t.providers])).toEqual([
      [['b'], undefined],
      [['a'], ['e1']],
    ]);
    const bad = parse(`prompts: [{ raw: A, label: a }]\nproviders: [echo]\ntests:\n  - { vars: {}, prompts: [nope], providers: [openai:*] }\n`);
    expect(!bad.ok && bad.errors.map(formatIssue)).toEqual([
      `${FILE}: tests[0].prompts (line 4): names prompt "nope", which the config does not have; its prompts: "a"`,
      `${FILE}: tests[0].providers (line 4): names provider "openai:*", which the config does not have; its providers: "echo"`,
    ]);
  });
});

describe('the app import of a config with prompts/providers lists', () => {
  it('says the workspace runs every row on every variant', async () => {
    const { parseExperimentYaml } = await import('../../src/shared/promptfoo/experiment');
    const result = parseExperimentYaml(
      `prompts: [{ raw: A, label: a }, { raw: B, label: b }]\nproviders: [{ id: echo, prompts: [a] }]\ntests:\n  - { vars: {}, prompts: [b] }\n  - vars: {}\n`,
      FILE,
    );
    expect(result.ok && result.warnings).toEqual([
      `${FILE}: 1 provider and 1 test name the prompts or providers to run with; the workspace runs every row on every variant (parallax eval keeps the lists)`,
    ]);
  });
});
