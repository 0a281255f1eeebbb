/**
 * A .prompty and the files beside it are hostile: a base that names itself, includes ten
 * thousand deep, references out of the folder or into the environment, a 50 MB sample; and a
 * Mustache template that tries to reach past the row's data. Each is refused or handled with a
 * sentence that names what happened, and the rest of the file still comes in.
 */
import { describe, expect, it } from 'vitest';
import { importPromptyWithFiles } from '../../src/shared/formats/prompty';
import { readSiblings } from '../../src/shared/formats/prompty-files';
import { renderMessages, renderMessagesSafe } from '../../src/main/template/render';
import { sandbox } from '../../src/main/sandbox';

const head = (extra: string): string => `---\nname: hostile\n${extra}\n---\nsystem:\nHello {{ who }}.\n`;

function imported(text: string, files: Record<string, string> = {}): { messages: string[]; warnings: string[]; errors: string[]; sample: unknown } {
  const result = importPromptyWithFiles(text, 'main.prompty', new Map(Object.entries(files)));
  if (!result.ok) return { messages: [], warnings: [], errors: result.errors.map((e) => e.message), sample: undefined };
  return { messages: result.document.messages.map((m) => m.content), warnings: result.warnings, errors: [], sample: result.document.sample };
}

describe('hostile .prompty files', () => {
  it('names a base: cycle and still imports the file', () => {
    const a = head('base: b.prompty');
    const b = head('base: main.prompty');
    const out = imported(a, { 'b.prompty': b, 'main.prompty': a });
    expect(out.errors).toEqual([]);
    expect(out.warnings.join(' ')).toMatch(/main\.prompty → b\.prompty → main\.prompty is a cycle/);
    expect(out.messages).toEqual(['Hello {{ who }}.']);
  });

  it('refuses includes 10,000 deep with the depth it stopped at', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) files[`f${i}.txt`] = `{% include "f${i + 1}.txt" %}`;
    const out = imported('---\nname: deep\n---\nsystem:\n{% include "f0.txt" %}\n', files);
    expect(out.errors.join(' ')).toMatch(/more than 10 deep/);
  });

  it('names an include cycle', () => {
    const out = imported('---\nname: loop\n---\nsystem:\n{% include "a.txt" %}\n', { 'a.txt': '{% include "b.txt" %}', 'b.txt': '{% include "a.txt" %}' });
    expect(out.errors.join(' ')).toMatch(/a\.txt → b\.txt → a\.txt is a cycle/);
  });

  it.each([
    ['${file:/etc/passwd}', /absolute path/],
    ['${file:../../x}', /leaves the imported file's folder/],
    ['${file:..\\\\secrets.json}', /leaves the imported file's folder/],
    ['${file:C:/Windows/win.ini}', /absolute path/],
    ['${file:missing.json}', /"missing\.json" is not among the files imported with it/],
  ])('does not read %s, says why, and imports the rest', (reference, reason) => {
    const out = imported(head(`sample: ${reference}`), { 'x': 'secret' });
    expect(out.errors).toEqual([]);
    expect(out.warnings.join(' ')).toMatch(reason);
    expect(out.warnings.join(' ')).toContain(reference);
    expect(out.sample).toEqual({});
    expect(out.messages).toEqual(['Hello {{ who }}.']);
  });

  it('never reads an environment variable into the prompt; a key variable is kept as a name', () => {
    process.env['PX_TEST_SECRET'] = 'sk-do-not-read-me';
    const text = head('model:\n  api: chat\n  configuration:\n    type: openai\n    name: gpt-4o-mini\n    api_key: ${env:PX_TEST_SECRET}\nsample:\n  who: ${env:HOME}\n  other: ${env:PX_TEST_SECRET}');
    const result = importPromptyWithFiles(text, 'main.prompty', new Map());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.stringify(result.document)).not.toContain('sk-do-not-read-me');
    expect(JSON.stringify(result.document)).not.toContain(process.env['HOME'] ?? '/root');
    expect(result.document.model?.apiKeyEnvar).toBe('PX_TEST_SECRET');
    expect(result.document.sample).toEqual({});
    expect(result.warnings.join(' ')).toMatch(/sample\.who is \$\{env:HOME\}: an imported prompt never reads the environment/);
  });

  it('refuses a 50 MB sample file by its size, naming it', () => {
    const { files, problems } = readSiblings([{ name: 'big.json', text: `{"a":"${'x'.repeat(50_000_000)}"}` }]);
    expect(files.size).toBe(0);
    expect(problems.join(' ')).toMatch(/"big\.json" was not read: it has 50,000,008 characters/);
    const out = imported(head('sample: ${file:big.json}'), Object.fromEntries(files));
    expect(out.warnings.join(' ')).toMatch(/big\.json" is not among the files imported/);
  });

  it('refuses sibling names that are absolute or climb out, whatever the caller sends', () => {
    const { files, problems } = readSiblings([
      { name: '/etc/passwd', text: 'root' },
      { name: '../up.txt', text: 'x' },
      { name: 'sub/../../up.txt', text: 'x' },
      { name: 'ok/inner.txt', text: 'fine' },
    ]);
    expect([...files.keys()]).toEqual(['ok/inner.txt']);
    expect(problems).toHaveLength(3);
  });

  it('names each hosted tool it cannot import', () => {
    const out = imported(head('tools:\n  - name: interp\n    kind: code_interpreter\n  - name: docs\n    kind: file_search'));
    expect(out.warnings.join(' ')).toMatch(/"interp" is a hosted code interpreter \(kind: code_interpreter\)/);
    expect(out.warnings.join(' ')).toMatch(/"docs" is a hosted file search \(kind: file_search\)/);
    expect(out.messages).toEqual(['Hello {{ who }}.']);
  });
});

describe('Mustache in the sandbox', () => {
  const mustache = (content: string) => [{ role: 'user' as const, content, engine: 'mustache' as const }];

  it('reads only the row\'s own keys: nothing inherited, no Function', () => {
    const [message] = renderMessages(mustache('[{{constructor}}][{{__proto__}}][{{a.constructor.constructor}}][{{#toString}}x{{/toString}}][{{a.b}}]'), { a: { b: 'ok' } });
    expect(message?.content).toBe('[][][][][ok]');
  });

  it('cannot change how another template renders', () => {
    renderMessagesSafe(mustache('{{#constructor}}{{#prototype}}{{/prototype}}{{/constructor}}'), { constructor: { prototype: 'x' } });
    expect(renderMessages(mustache('{{x}}'), { x: '<b>' })[0]?.content).toBe('&lt;b&gt;');
    expect(renderMessages([{ role: 'user', content: '{{ x }}' }], { x: '<b>' })[0]?.content).toBe('<b>');
  });

  it('stops sections nested thousands deep and endless-looking input with a budget', () => {
    const deep = `${'{{#a}}'.repeat(5000)}x${'{{/a}}'.repeat(5000)}`;
    const { errors } = renderMessagesSafe(mustache(deep), { a: { a: { a: 1 } } });
    // Either it renders (nothing to loop on past the data) or it stops with a sentence; it never hangs.
    if (errors.length > 0) expect(errors[0]?.message).toMatch(/template|nests|stopped|Mustache/i);
    const result = sandbox.render('{{#l}}{{#l}}{{#l}}{{.}}{{/l}}{{/l}}{{/l}}', { l: Array.from({ length: 400 }, (_, i) => i) }, 'mustache');
    expect(result.ok ? 'rendered' : result.kind).toMatch(/rendered|time|size|memory/);
  });

  it('reports a Mustache syntax error with its place, not as a Nunjucks error', () => {
    const { errors } = renderMessagesSafe(mustache('line one\n{{#open}} never closed'), {});
    expect(errors[0]?.message).toMatch(/Mustache: Unclosed section "open"/);
    expect(errors[0]?.line).toBe(2);
  });
});
