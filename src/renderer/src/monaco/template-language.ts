/**
 * The prompt template language in Monaco: `{{ variable }}` placeholders highlighted, and the
 * known variables offered on `{`. Placeholders are found by the same engine the runner uses.
 */
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';

export const TEMPLATE_LANGUAGE = 'parallax-template';

/** Variables the completion provider offers; the app keeps this up to date. */
let knownVariables: readonly string[] = [];
export function setKnownVariables(names: readonly string[]): void {
  knownVariables = names;
}

let registered = false;

export function registerTemplateLanguage(monaco: typeof Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: TEMPLATE_LANGUAGE });
  monaco.languages.setMonarchTokensProvider(TEMPLATE_LANGUAGE, {
    tokenizer: {
      root: [
        [/\{\{/, { token: 'delimiter.placeholder', next: '@placeholder' }],
        [/[^{]+/, ''],
        [/\{/, ''],
      ],
      placeholder: [
        [/\}\}/, { token: 'delimiter.placeholder', next: '@pop' }],
        [/[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*/, 'variable.placeholder'],
        [/\s+/, ''],
        [/[^}\s]+/, 'invalid'],
        [/\}/, 'invalid'],
      ],
    },
  });
  // No auto-closing of `{{`: it doubled the braces of pasted templates. Completion on `{`
  // inserts the closing braces instead.
  monaco.languages.setLanguageConfiguration(TEMPLATE_LANGUAGE, {
    brackets: [['{{', '}}']],
    autoClosingPairs: [],
  });
  monaco.editor.defineTheme('parallax-dark', {
    base: 'vs-dark',
    inherit: true,
    rules: [
      { token: 'delimiter.placeholder', foreground: 'c586c0', fontStyle: 'bold' },
      { token: 'variable.placeholder', foreground: '4fc1ff', fontStyle: 'bold' },
      { token: 'invalid', foreground: 'f44747' },
    ],
    colors: { 'editor.background': '#1b1d23' },
  });
  monaco.languages.registerCompletionItemProvider(TEMPLATE_LANGUAGE, {
    triggerCharacters: ['{'],
    provideCompletionItems(model, position) {
      const before = model.getValueInRange({ startLineNumber: position.lineNumber, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column });
      const open = /\{\{\s*([\w.-]*)$/.exec(before);
      if (!open) return { suggestions: [] };
      const typed = open[1] ?? '';
      const range = {
        startLineNumber: position.lineNumber,
        endLineNumber: position.lineNumber,
        startColumn: position.column - typed.length,
        endColumn: position.column,
      };
      const after = model.getValueInRange({ startLineNumber: position.lineNumber, startColumn: position.column, endLineNumber: position.lineNumber, endColumn: position.column + 2 });
      const close = after.startsWith('}}') ? '' : ' }}';
      return {
        suggestions: knownVariables.map((name) => ({
          label: name,
          kind: monaco.languages.CompletionItemKind.Variable,
          insertText: `${typed === '' && !before.endsWith(' ') ? ' ' : ''}${name}${close}`,
          range,
          detail: 'template variable',
        })),
      };
    },
  });
}
