/**
 * The snippets are checked by the tools that will read them: TypeScript's parser, Python's
 * `ast`, `sh -n`; and then run, with the openai SDK (or curl) replaced by a stub that prints
 * the request, so every escape is checked by the language itself rather than by reading it.
 * The TypeScript snippet renders with the real Nunjucks and the Python one with the real Jinja2,
 * and the messages they send must be exactly Parallax's preview of the sample row.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import type { PromptDocument } from '../../src/shared/formats/document';
import { chatRequestBody } from '../../src/shared/formats/openai-chat';
import { renderMessages } from '../../src/main/template/render';
import { CURL_BODY_END, curlFormat, fillSimplePlaceholders, pythonFormat, typescriptFormat } from '../../src/shared/formats/snippets';
import { hasCommand, minimal, rich } from './formats-fixtures';

/** Every character the three languages treat specially, in messages, sample values, names and the URL. */
const torture: PromptDocument = {
  name: 'Quotes "\'` $HOME \\ */\nsecond line of the name',
  description: "'''\"\"\" ${x} \r\n",
  tags: [],
  authors: [],
  messages: [
    { role: 'system', content: 'Backslash \\ quote " single \' backtick ` dollar $HOME ${x} `${y}` \'\'\' """ \\n literal \\u0041' },
    { role: 'user', content: 'Multi\nline """ \'\'\' `${HOME}` \\\\ \r carriage \t tab \u2028 sep \u0000 nul \u001b esc 😀 lone \ud800 end\n' },
    { role: 'assistant', content: 'ends with a backslash \\' },
    { role: 'user', content: '{{ var }} and {{missing}} and {{ a.b }} and {{var}}" and {{ weird-name }} and {{ constructor }}"' },
    { role: 'user', content: '"starts and ends with quotes"' },
  ],
  model: { name: 'gpt-4o-"mini"', baseUrl: "http://127.0.0.1:9/v1?x='1'&y=$Z`w`", apiKeyEnvar: 'MY_KEY', params: { temperature: 1, maxTokens: 12 } },
  sample: { var: 'val "q" \'\'\' ${HOME} \\ `tick`\nnewline"""', 'weird-name': 'w', a: '{"b":"dotted"}' },
};

const KEY_VALUE = 'value-of-the-env-var';

/** The request every snippet must send: the body of OpenAI chat JSON with the messages as Parallax's preview renders the sample row. */
function expectedBody(document: PromptDocument): Record<string, unknown> {
  const messages = renderMessages(document.messages, document.sample).map((m) => ({ role: m.role, content: m.content }));
  return chatRequestBody(document, document.model!, messages);
}

/** Templates that a simple {{ name }} fill gets wrong: conditions, loops, filters, objects, lists, JSON, a missing value with a default. */
const templated: PromptDocument = {
  name: 'templated',
  description: '',
  tags: [],
  authors: [],
  messages: [
    { role: 'system', content: 'You are {{ persona | default("a helpful assistant") }}.{% if strict %} Answer in one line.{% endif %}' },
    {
      role: 'user',
      content:
        'Customer: {{ customer.name | upper }} ({{ customer.tier | title }})\n{% for item in items %}- {{ loop.index }}. {{ item | trim }}\n{% endfor %}{% set meta = raw | load %}Order {{ meta.id }}; {{ items | length }} items; {{ customer | dump }}; {{ missing }}|{{ nothing }}|{{ yes }}\n',
    },
  ],
  model: { name: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9/v1', params: { temperature: 0 } },
  sample: { strict: 'yes', customer: { name: 'Ada', tier: 'gold member' }, items: ['  tea ', 'cake'], raw: '{"id": 42}', nothing: null, yes: true },
};

/**
 * The torture prompt for running code: `{{ constructor }}` reads Object.prototype's constructor in
 * Nunjucks, which prints as its engine prints functions (QuickJS in Parallax, V8 here), so it is left
 * out. For Python `{{ weird-name }}` (a subtraction to both engines) goes too: Jinja2 raises on
 * arithmetic with an undefined value where Nunjucks gives NaN.
 */
const tortureRun: PromptDocument = { ...torture, messages: torture.messages.map((m) => ({ ...m, content: m.content.replace(' and {{ constructor }}', '') })) };
const torturePython: PromptDocument = { ...tortureRun, messages: tortureRun.messages.map((m) => ({ ...m, content: m.content.replace(' and {{ weird-name }}', '') })) };

const work = mkdtempSync(join(tmpdir(), 'parallax-snippets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;
function freshDir(): string {
  const dir = join(work, String(runs++));
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('TypeScript snippet', () => {
  it('reads the key from the environment and creates the client and the request as the SDK expects', () => {
    const code = typescriptFormat.export(rich);
    expect(code).toContain("import OpenAI from 'openai';");
    expect(code).toContain('const client = new OpenAI({ apiKey: process.env.OLLAMA_KEY, baseURL: "http://localhost:11434/v1" });');
    expect(code).toContain('const completion = await client.chat.completions.create({\n  model: "llama3.2:3b",');
    expect(code).toContain('  temperature: 0.2,\n  max_tokens: 256,\n});');
    // Every variable the template reads, from the sample row; rendered by Nunjucks set up as Parallax's.
    expect(code).toContain("import nunjucks from 'nunjucks';");
    expect(code).toContain('  "company": "Acme \\"Rockets\\"",\n');
    expect(code).toContain('  "user": "{\\"name\\":\\"Ada\\",\\"tags\\":[\\"x\\"]}",\n');
    expect(code).toContain('const env = new nunjucks.Environment(null, { autoescape: false });');
    expect(code).toContain('{ role: "user", content: "What is 2+2?" }');
    expect(typescriptFormat.export({ ...minimal, model: { name: 'gpt-4o', params: {} } })).toContain('new OpenAI({ apiKey: process.env.OPENAI_API_KEY });');
  });

  it.each([
    ['rich', rich],
    ['torture', tortureRun],
    ['templated', templated],
  ])('parses without errors and sends exactly the request (%s)', (_title, document) => {
    const code = typescriptFormat.export(document);
    const output = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    expect(output.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

    const dir = freshDir();
    mkdirSync(join(dir, 'node_modules', 'openai'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'openai', 'package.json'), JSON.stringify({ name: 'openai', type: 'module', main: 'index.js' }));
    writeFileSync(
      join(dir, 'node_modules', 'openai', 'index.js'),
      `export default class OpenAI {
        constructor(options) {
          this.chat = { completions: { create: async (body) => {
            process.stdout.write(JSON.stringify({ options, body }) + '\\n');
            return { choices: [{ message: { content: 'stub answer' } }] };
          } } };
        }
      }`,
    );
    // The snippet's own Nunjucks: the package it tells you to install.
    symlinkSync(join(process.cwd(), 'node_modules', 'nunjucks'), join(dir, 'node_modules', 'nunjucks'), 'dir');
    writeFileSync(join(dir, 'snippet.mjs'), output.outputText);
    const envar = document.model?.apiKeyEnvar ?? 'OPENAI_API_KEY';
    const run = spawnSync(process.execPath, ['snippet.mjs'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'], [envar]: KEY_VALUE } });
    expect(run.stderr).toBe('');
    const [request, answer] = run.stdout.split('\n');
    expect(JSON.parse(request ?? '')).toEqual({ options: { apiKey: KEY_VALUE, baseURL: document.model?.baseUrl }, body: expectedBody(document) });
    expect(answer).toBe('stub answer');
  });
});

describe('Python snippet', () => {
  const python = hasCommand('python3', ['--version']);

  it('reads the key with os.environ and passes base_url', () => {
    const code = pythonFormat.export(rich);
    expect(code).toContain('client = OpenAI(api_key=os.environ["OLLAMA_KEY"], base_url="http://localhost:11434/v1")');
    expect(code).toContain('completion = client.chat.completions.create(\n    model="llama3.2:3b",');
    expect(code).toContain('    temperature=0.2,\n    max_tokens=256,\n)');
    const plain = pythonFormat.export({ ...minimal, model: { name: 'gpt-4o', params: {} } });
    expect(plain).toContain('client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])');
    expect(plain).not.toContain('import re');
  });

  const jinja2 = python && hasCommand('python3', ['-c', 'import jinja2']);

  it('renders with Jinja2 set up as Parallax renders, and defines every variable the template reads', () => {
    const code = pythonFormat.export(templated);
    expect(code).toContain('from jinja2 import Environment');
    expect(code).toContain('env = Environment(autoescape=False, keep_trailing_newline=True, finalize=_as_text)');
    expect(code).toContain('    "customer": {"name": "Ada", "tier": "gold member"},\n    "items": ["  tea ", "cake"],');
    expect(code).toContain('    "nothing": None,\n    "yes": True,');
    expect(code).toContain('# Not set in that row, so left undefined (as Parallax leaves them): "persona", "missing".');
  });

  for (const [title, document] of [['rich', rich], ['torture', torturePython], ['templated', templated]] as const) {
    it(`parses with Python's ast and sends exactly the request (${title})`, (context) => {
      if (!jinja2) {
        context.skip(python ? 'jinja2 is not installed for python3 here, so the Python snippet cannot render' : 'python3 is not installed here, so the Python snippet cannot be parsed or run');
        return;
      }
      const code = pythonFormat.export(document);
      const parse = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: code, encoding: 'utf8' });
      expect(parse.stderr).toBe('');
      expect(parse.status).toBe(0);

      const dir = freshDir();
      mkdirSync(join(dir, 'openai'));
      writeFileSync(
        join(dir, 'openai', '__init__.py'),
        [
          'import json, sys',
          'class _Answer:',
          '    def __init__(self):',
          '        self.choices = [type("Choice", (), {"message": type("Message", (), {"content": "stub answer"})()})()]',
          'class _Completions:',
          '    def __init__(self, options):',
          '        self.options = options',
          '    def create(self, **body):',
          '        sys.stdout.write(json.dumps({"options": self.options, "body": body}) + "\\n")',
          '        return _Answer()',
          'class OpenAI:',
          '    def __init__(self, **options):',
          '        self.chat = type("Chat", (), {})()',
          '        self.chat.completions = _Completions(options)',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'snippet.py'), code);
      const envar = document.model?.apiKeyEnvar ?? 'OPENAI_API_KEY';
      const run = spawnSync('python3', ['snippet.py'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'], PYTHONPATH: dir, PYTHONIOENCODING: 'utf-8', [envar]: KEY_VALUE } });
      expect(run.stderr).toBe('');
      const [request, answer] = run.stdout.split('\n');
      expect(JSON.parse(request ?? '')).toEqual({ options: { api_key: KEY_VALUE, base_url: document.model?.baseUrl }, body: expectedBody(document) });
      expect(answer).toBe('stub answer');
    });
  }
});

describe('curl snippet', () => {
  /** The text between the heredoc's first line and its end word. */
  function bodyText(snippet: string): string {
    const start = snippet.indexOf(`<<'${CURL_BODY_END}'\n`) + `<<'${CURL_BODY_END}'\n`.length;
    return snippet.slice(start, snippet.indexOf(`\n${CURL_BODY_END}\n`, start));
  }

  it('sends a JSON body that parses to the request, with the key from the environment', () => {
    const snippet = curlFormat.export(rich, { renderMessages });
    expect(snippet).toContain("curl 'http://localhost:11434/v1/chat/completions' \\\n");
    expect(snippet).toContain('  -H "Authorization: Bearer $OLLAMA_KEY" \\\n');
    expect(snippet).toContain('The messages are the template rendered as Parallax renders it');
    expect(JSON.parse(bodyText(snippet))).toEqual(expectedBody(rich));
    expect(JSON.parse(bodyText(curlFormat.export(torture, { renderMessages })))).toEqual(expectedBody(torture));
    expect(JSON.parse(bodyText(curlFormat.export(templated, { renderMessages })))).toEqual(expectedBody(templated));
    // Without a renderer (a caller that has none) it fills simple placeholders and says so.
    const plain = curlFormat.export(rich);
    expect(plain).toContain('Simple {{ name }} placeholders are filled with the sample values; other template syntax is sent as written.');
    expect(JSON.parse(bodyText(plain)).messages[0].content).toBe(fillSimplePlaceholders(rich.messages[0]?.content ?? '', rich.sample));
    expect(curlFormat.export({ ...minimal, model: { name: 'gpt-4o', params: {} } })).toContain("curl 'https://api.openai.com/v1/chat/completions'");
  });

  for (const [title, document] of [['rich', rich], ['torture', torture], ['templated', templated]] as const) {
    it(`is valid sh and passes the body to curl byte for byte (${title})`, (context) => {
      if (!hasCommand('sh', ['-c', 'true'])) {
        context.skip('sh is not available here');
        return;
      }
      const snippet = curlFormat.export(document, { renderMessages });
      expect(spawnSync('sh', ['-n'], { input: snippet, encoding: 'utf8' }).status).toBe(0);

      const dir = freshDir();
      const fake = join(dir, 'curl');
      writeFileSync(fake, '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done > "$OUT/args"\ncat > "$OUT/body"\n');
      chmodSync(fake, 0o755);
      writeFileSync(join(dir, 'snippet.sh'), snippet);
      const envar = document.model?.apiKeyEnvar ?? 'OPENAI_API_KEY';
      const run = spawnSync('sh', ['snippet.sh'], { cwd: dir, encoding: 'utf8', env: { PATH: `${dir}:${process.env['PATH'] ?? ''}`, OUT: dir, [envar]: KEY_VALUE } });
      expect(run.stderr).toBe('');
      const args = readFileSync(join(dir, 'args'), 'utf8').split('\n');
      expect(args[0]).toBe(`${(document.model?.baseUrl ?? '').replace(/\/+$/, '')}/chat/completions`);
      expect(args).toContain(`Authorization: Bearer ${KEY_VALUE}`);
      const body = readFileSync(join(dir, 'body'), 'utf8');
      expect(body).toBe(`${bodyText(snippet)}\n`);
      expect(JSON.parse(body)).toEqual(expectedBody(document));
    });
  }
});

describe('every snippet', () => {
  it.each([typescriptFormat, pythonFormat, curlFormat])('$label never holds a key, and refuses a prompt without a model', (format) => {
    const text = format.export(rich);
    expect(text).not.toMatch(/sk-/);
    expect(() => format.export(minimal)).toThrow(/needs a model/);
    const secret = 'sk-proj-0000aaaa1111';
    expect(() => format.export({ ...rich, model: { ...rich.model!, apiKeyEnvar: secret } })).toThrow(/not the name of an environment variable/);
  });

  it('fills simple placeholders only, as the snippets\' render functions do', () => {
    expect(fillSimplePlaceholders('{{ a }} {{b}} {{ c.d }} {{ missing }} {{ toString }}', { a: '1', b: '$&', c: '{"d":"x"}' })).toBe('1 $& {{ c.d }} {{ missing }} {{ toString }}');
  });
});
