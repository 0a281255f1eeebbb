/**
 * The prompt template language (Nunjucks) in Monaco: highlighting of `{{ }}`, `{% %}` and
 * `{# #}`, completion of the known variables on `{` and of filters after `|`, and hover
 * showing a variable's value in the selected test case. Variables and their places come from
 * the same parser the runner's engine uses (src/shared/template.ts).
 */
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import type { Variables } from '../../../shared/schemas';
import { checkTemplate, TEMPLATE_FILTERS, valueAtPath, type TemplateCheck } from '../../../shared/template';

export const TEMPLATE_LANGUAGE = 'parallax-template';

const KEYWORDS = [
  'for', 'in', 'endfor', 'if', 'elif', 'else', 'endif', 'set', 'endset', 'and', 'or', 'not', 'is', 'macro', 'endmacro', 'call', 'endcall',
  'filter', 'endfilter', 'raw', 'endraw', 'verbatim', 'endverbatim', 'true', 'false', 'none', 'True', 'False', 'None', 'loop',
];

/** What completion and hover know: the variables, and the row the editor previews. */
interface LanguageContext {
  variables: readonly string[];
  row: Variables | undefined;
  rowIndex: number;
}
const context: LanguageContext = { variables: [], row: undefined, rowIndex: 0 };

/** Variables the completion provider offers; the app keeps this up to date. */
export function setKnownVariables(names: readonly string[]): void {
  context.variables = names;
}

/** The selected test case, for hover. */
export function setHoverRow(row: Variables | undefined, rowIndex: number): void {
  context.row = row;
  context.rowIndex = rowIndex;
}

/** checkTemplate of a model's text, kept until the text changes. */
const checks = new WeakMap<Monaco.editor.ITextModel, { version: number; check: TemplateCheck }>();
function checkOf(model: Monaco.editor.ITextModel): TemplateCheck {
  const version = model.getVersionId();
  const cached = checks.get(model);
  if (cached?.version === version) return cached.check;
  const check = checkTemplate(model.getValue());
  checks.set(model, { version, check });
  return check;
}

/** A value as the hover shows it: text as it is, anything else as indented JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '(empty text)' : value;
  return JSON.stringify(value, null, 2);
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}\n${text.length > 2000 ? `${text.slice(0, 2000)}\n…` : text}\n${ticks}`;
}

/** Where the cursor is: inside an output or block tag (and after a `|`?), or in plain text. */
function tagAt(before: string): { kind: 'text' } | { kind: 'expression' | 'filter'; typed: string; block: boolean } {
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'));
  if (open < 0 || close > open) return { kind: 'text' };
  const inside = before.slice(open + 2);
  const typed = /[\w.]*$/.exec(inside)?.[0] ?? '';
  const filter = /\|\s*\w*$/.test(inside);
  return { kind: filter ? 'filter' : 'expression', typed, block: before.startsWith('{%', open) };
}

let registered = false;

export function registerTemplateLanguage(monaco: typeof Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: TEMPLATE_LANGUAGE });
  monaco.languages.setMonarchTokensProvider(TEMPLATE_LANGUAGE, {
    keywords: KEYWORDS,
    tokenizer: {
      root: [
        [/\{#/, { token: 'comment.template', next: '@comment' }],
        [/\{\{-?/, { token: 'delimiter.output', next: '@output' }],
        [/\{%-?/, { token: 'delimiter.block', next: '@block' }],
        [/[^{]+/, ''],
        [/\{/, ''],
      ],
      comment: [
        [/#\}/, { token: 'comment.template', next: '@pop' }],
        [/[^#]+/, 'comment.template'],
        [/#/, 'comment.template'],
      ],
      output: [[/-?\}\}/, { token: 'delimiter.output', next: '@pop' }], { include: '@expression' }],
      block: [[/-?%\}/, { token: 'delimiter.block', next: '@pop' }], { include: '@expression' }],
      expression: [
        [/\s+/, ''],
        [/(\|)(\s*)([A-Za-z_]\w*)/, ['operator', '', 'function.filter']],
        [/"([^"\\]|\\.)*"?/, 'string'],
        [/'([^'\\]|\\.)*'?/, 'string'],
        [/\d+(\.\d+)?/, 'number'],
        [/[A-Za-z_]\w*/, { cases: { '@keywords': 'keyword', '@default': 'variable' } }],
        [/[.,:()[\]]/, 'delimiter'],
        [/[-+*/%~<>=!]+/, 'operator'],
        [/[{}]/, 'delimiter'],
        [/./, 'invalid'],
      ],
    },
  });
  // No auto-closing of `{{`: it doubled the braces of pasted templates. Completion on `{`
  // inserts the closing braces instead.
  monaco.languages.setLanguageConfiguration(TEMPLATE_LANGUAGE, {
    brackets: [
      ['{{', '}}'],
      ['{%', '%}'],
    ],
    // The tag delimiters keep their own colours; Monaco would paint matching pairs gold.
    colorizedBracketPairs: [],
    comments: { blockComment: ['{#', '#}'] },
    autoClosingPairs: [],
    wordPattern: /[A-Za-z_]\w*/,
  });
  monaco.editor.defineTheme('parallax-dark', {
    base: 'vs-dark',
    inherit: true,
    rules: [
      { token: 'delimiter.output', foreground: 'c586c0', fontStyle: 'bold' },
      { token: 'delimiter.block', foreground: 'd7ba7d', fontStyle: 'bold' },
      { token: 'keyword', foreground: 'd7ba7d' },
      { token: 'variable', foreground: '4fc1ff', fontStyle: 'bold' },
      { token: 'function.filter', foreground: 'dcdcaa' },
      { token: 'string', foreground: 'ce9178' },
      { token: 'number', foreground: 'b5cea8' },
      { token: 'comment.template', foreground: '6a9955', fontStyle: 'italic' },
      { token: 'invalid', foreground: 'f44747' },
    ],
    colors: { 'editor.background': '#1b1d23' },
  });

  monaco.languages.registerCompletionItemProvider(TEMPLATE_LANGUAGE, {
    triggerCharacters: ['{', '|', ' '],
    provideCompletionItems(model, position) {
      const line = position.lineNumber;
      const before = model.getValueInRange({ startLineNumber: 1, startColumn: 1, endLineNumber: line, endColumn: position.column });
      const lineBefore = model.getLineContent(line).slice(0, position.column - 1);
      const where = tagAt(before);
      const kind = monaco.languages.CompletionItemKind;
      if (where.kind === 'text') {
        // A lone `{`: offer whole tags, which replace it.
        if (!lineBefore.endsWith('{')) return { suggestions: [] };
        const range = { startLineNumber: line, endLineNumber: line, startColumn: position.column - 1, endColumn: position.column };
        const rule = monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet;
        return {
          suggestions: [
            ...context.variables.map((name, i) => ({ label: `{{ ${name} }}`, kind: kind.Variable, insertText: `{{ ${name} }}`, range, detail: 'template variable', sortText: `0${i}` })),
            { label: '{% for … in … %}', kind: kind.Snippet, insertText: '{% for ${1:item} in ${2:items} %}\n$0\n{% endfor %}', insertTextRules: rule, range, sortText: '1a' },
            { label: '{% if … %}', kind: kind.Snippet, insertText: '{% if ${1:condition} %}$0{% endif %}', insertTextRules: rule, range, sortText: '1b' },
            { label: '{# comment #}', kind: kind.Snippet, insertText: '{# $0 #}', insertTextRules: rule, range, sortText: '1c' },
          ],
        };
      }
      const range = { startLineNumber: line, endLineNumber: line, startColumn: position.column - where.typed.length, endColumn: position.column };
      if (where.kind === 'filter') {
        return { suggestions: TEMPLATE_FILTERS.map((name) => ({ label: name, kind: kind.Function, insertText: name, range, detail: 'filter' })) };
      }
      if (where.typed.includes('.')) return { suggestions: [] };
      const after = model.getValueInRange({ startLineNumber: line, startColumn: position.column, endLineNumber: line, endColumn: position.column + 3 });
      // Right after `{{` with nothing typed: close the tag too.
      const bare = !where.block && /\{\{-?\s*$/.test(lineBefore.slice(0, lineBefore.length - where.typed.length));
      const close = bare && !/^\s*-?\}\}/.test(after) ? ' }}' : '';
      const lead = bare && where.typed === '' && !lineBefore.endsWith(' ') ? ' ' : '';
      return {
        suggestions: [
          ...context.variables.map((name) => ({ label: name, kind: kind.Variable, insertText: `${lead}${name}${close}`, range, detail: 'template variable' })),
          ...(where.block ? KEYWORDS.slice(0, 11).map((word) => ({ label: word, kind: kind.Keyword, insertText: word, range })) : []),
        ],
      };
    },
  });

  monaco.languages.registerHoverProvider(TEMPLATE_LANGUAGE, {
    provideHover(model, position) {
      const reference = checkOf(model).references.find(
        (r) => r.line === position.lineNumber && position.column >= r.column && position.column <= r.column + r.length,
      );
      if (!reference) return null;
      const row = context.row;
      const written = [reference.name, ...reference.path].join('.');
      const range = new monaco.Range(reference.line, reference.column, reference.line, reference.column + reference.length);
      const rowName = `row ${context.rowIndex + 1}`;
      if (!row || !Object.hasOwn(row, reference.name)) {
        return { range, contents: [{ value: `**${reference.name}**: not set in ${rowName} (renders as empty text)` }] };
      }
      const found = valueAtPath(row, reference.name, reference.path);
      if (!found.found) return { range, contents: [{ value: `**${written}**: not found in ${rowName}'s value (renders as empty text)` }] };
      return { range, contents: [{ value: `**${written}** in ${rowName}` }, { value: fence(describeValue(found.value)) }] };
    },
  });
}
